//! The seams between the core and the database engines.
//!
//! [`Dialect`] renders SQL without a connection (offline `--sql` uses it alone);
//! [`Connection`] runs it. The core asks these narrow questions instead of matching on
//! an engine name: everything dialect-specific lives in the engine crates.
//!
//! [`registry`] (an engine: URLs, names, opening connections and scratch databases) ·
//! [`dialect`] (SQL without a connection) · [`connection`] (a live database) ·
//! [`capabilities`] (what the core may branch on) · [`lease`] (a lease lock's owner and
//! renewal, for engines whose session lock does not hold).
pub mod capabilities;
pub mod connection;
pub mod dialect;
pub mod lease;
pub mod registry;

pub use capabilities::Capabilities;
pub use connection::{counted, pairs, redact_db_error, Connection, HeldLock};
pub use dialect::{
    cannot_render, default_model_statement, leading_words, Dialect, ModelStatement,
    SkippedStatement,
};
pub use registry::{for_url, named, scratch_server, DatabaseCopy, DevServer, Engine};
