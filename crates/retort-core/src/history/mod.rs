//! The database's own record of its migrations: the version and log tables
//! ([`store`]) and checksums of applied files ([`verify`]).
pub mod store;
pub mod verify;

pub use verify::line_diff;
