//! Applying revisions: the migrator ([`migrator`]) and its parts — the run loop
//! ([`run`]), targets and plans ([`planner`]), the lock ([`lock`]) — recording without
//! running ([`stamp`]) and the offline scripts ([`offline`]).
pub mod lock;
pub mod migrator;
pub mod offline;
pub(crate) mod planner;
pub mod run;
pub mod stamp;

pub use crate::plan::Direction;
pub use migrator::Migrator;
pub use run::{default_applied_by, AppliedStep, Event, RunOptions, RunReport};
