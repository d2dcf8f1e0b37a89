//! Operations: what a user asks for, one function each, called by the CLI and by
//! applications alike, so both get the same policy (protected environments, backups before
//! migrating, existing-database checks). An operation takes a [`Workspace`] and returns a
//! value the caller renders; it never prints.
pub mod workspace;

pub use workspace::{Workspace, WorkspaceOptions};
