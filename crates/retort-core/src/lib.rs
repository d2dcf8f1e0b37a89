//! retort-core: everything about migrations that does not need a database.
//!
//! The migration directory (files, headers, checksums), the revision graph, target
//! resolution, plans, the schema model and its diff, configuration and the `Engine`
//! traits that database crates implement. It must never depend on a database driver:
//! the engine crates (`retort-sqlite`, …) plug in through [`engine::Connection`] and
//! [`engine::Dialect`], so a stray driver import here does not compile.

pub mod adopt;
pub mod apply;
pub mod autogen;
pub mod backup;
pub mod cleanup;
pub mod config;
pub mod diff;
pub mod engine;
pub mod error;
pub mod fsio;
pub mod head_cache;
pub mod history;
pub mod interrupt;
pub mod lint;
pub mod models_area;
pub mod ops;
pub mod plan;
pub mod rehearse;
pub mod render;
pub mod revision;
pub mod schema;
pub mod sql_split;
pub mod url;

#[cfg(test)]
mod fuzz_tests;

pub use error::{Error, Result};
pub use revision::{
    dir::MigrationDir, file::RevisionFile, graph::RevisionGraph, id::RevisionId, target::Target,
};

/// The version of retort written into the log table with every applied revision.
pub const TOOL_VERSION: &str = concat!("retort ", env!("CARGO_PKG_VERSION"));

/// Now, UTC, ISO 8601 to the second: `created:` headers and log timestamps.
pub fn now_utc_iso() -> String {
    let format =
        time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::now_utc().format(&format).unwrap_or_default()
}
