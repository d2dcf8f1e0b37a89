//! Applying revisions: the apply loop ([`migrator`]), the lock, stamp/resolve and the
//! offline scripts.
pub mod lock;
pub mod migrator;
pub mod offline;
pub mod stamp;

pub use crate::plan::Direction;
pub use migrator::{default_applied_by, AppliedStep, Event, Migrator, RunOptions, RunReport};
