//! Autogenerate's engine-neutral half: Schema × Schema → ordered [`Change`]s, rename
//! candidates, and the review notes written into generated files. Rendering the
//! changes to SQL is the engine's job ([`crate::engine::Dialect::render`]).
pub mod change;
pub mod deps;
pub mod diff;
pub mod filter;
pub mod notes;
pub mod rename;

pub use change::{Change, RenderedStatement};
pub use diff::{diff, Renames};
