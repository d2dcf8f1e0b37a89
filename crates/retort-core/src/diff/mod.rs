//! Autogenerate's engine-neutral half: Schema × Schema → ordered [`Change`]s, rename
//! candidates, and the review notes written into generated files. Rendering the
//! changes to SQL is [`crate::render`]'s (shared policies) and the engine's (per-change SQL).
pub mod change;
pub mod compare;
pub mod filter;
pub mod notes;
pub mod rename;

pub use change::Change;
pub use compare::{diff, Renames};
