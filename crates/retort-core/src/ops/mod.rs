//! Operations: what a user asks for, one function each, called by the CLI and by
//! applications alike, so both get the same policy (protected environments, backups before
//! migrating, existing-database checks). An operation takes a [`Workspace`] and returns a
//! value the caller renders; it never prints.
pub mod adopt;
pub mod apply;
pub mod autogen;
pub mod backup;
pub mod cache;
pub mod doctor;
pub mod fleet;
pub mod graph;
pub mod init;
pub mod live;
pub mod revision;
pub mod squash;
pub mod status;
pub mod test;
pub mod workspace;

pub use apply::{apply, offline_script, offline_stamp_script, stamp, ApplyOutcome};
pub use workspace::{Workspace, WorkspaceOptions};
