//! Jobs that combine the store with the screening crate, used by the
//! command line and the web alike. Today: importing a department feed
//! file as one batch (parse and check every row, then store all or
//! nothing). Next: screening runs over the stored batches.

pub mod feed_import;

pub use feed_import::{FeedFile, FeedImportReport, OnRowErrors, import_feed};
