//! Revisions: ids, files, the directory that holds them, the graph they form, and
//! the targets users name them by.
pub mod dir;
pub mod draw;
pub mod file;
pub mod graph;
pub mod id;
pub mod index;
pub mod new;
pub mod range;
pub mod target;
