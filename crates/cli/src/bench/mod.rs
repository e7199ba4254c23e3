//! `dixian bench …`: figures measured through the product's own commands,
//! server and store (docs/benchmarks.md, docs/reliability.md).

pub mod flow;
pub mod import;
pub mod pages;
pub mod screening;
pub mod stats;
pub mod trust;
