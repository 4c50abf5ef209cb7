//! The Markdown copse writes and reads: the pages of an [`export`] and the [`front_matter`] that
//! lets an exported note be imported again.
//!
//! The rule of this folder: text in, text out. No files are touched here; the node writes and
//! reads them.

pub mod export;
pub mod file_links;
pub mod front_matter;
