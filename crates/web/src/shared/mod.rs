//! What every area of the web crate uses and no area owns: the page
//! layout (user bar, error page), the language and the cookies, the JSON
//! and client-address extractors, links with query strings, and the
//! masking of personal data. Nothing here imports an area (`registry`,
//! `cases`, `screening`); the test in `layering.rs` checks it.

pub mod case_text;
pub mod cookies;
pub mod download;
pub mod extract;
pub mod lang;
pub mod layout;
pub mod links;
pub mod view;
