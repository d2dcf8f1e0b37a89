//! The database's own record of its migrations: the tables' names and rows ([`log`]),
//! their SQL ([`bookkeeping`]), reading them ([`store`]) and checksums of applied files
//! ([`verify`]).
pub mod bookkeeping;
pub mod log;
pub mod store;
pub mod verify;

pub use verify::line_diff;
