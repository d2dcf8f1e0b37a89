//! Rehearsals: the pending revisions run by the ordinary migrator on a copy of the
//! environment's database, with its data, while other sessions of the copy watch —
//! which locks the migrator holds and for how long ([`watch`]), and, with writers
//! beside it, how long each write waited — so that a deploy's write stall is a number
//! measured on real data before production feels it. [`observe`] times the migrator's
//! statements; [`report`] puts it together. The operation is `ops::rehearse`.
pub mod observe;
pub mod report;
pub mod watch;

pub use report::Rehearsal;
