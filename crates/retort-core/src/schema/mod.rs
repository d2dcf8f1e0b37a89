//! The schema model: what introspection produces and the diff compares. Engine-neutral;
//! types and expressions are kept as the engine normalised them (both sides of a diff
//! come from the same engine's introspection, so text comparison is sound).
pub mod model;
pub mod views;
pub use model::*;
