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
pub mod lint;
pub mod live;
pub mod rehearse;
pub mod revision;
pub mod squash;
pub mod status;
pub mod test;
pub mod workspace;

pub use apply::{apply, offline_script, offline_stamp_script, stamp, ApplyOutcome};
pub use workspace::{Workspace, WorkspaceOptions};

/// An outcome a command prints with `--json`, and its shape in the README's notation:
/// the README's table of JSON shapes is generated from these (a test fails when it
/// differs), and the CLI tests check each shape's keys against real output.
pub trait JsonShape: serde::Serialize {
    /// The commands that print it.
    const COMMANDS: &'static [&'static str];
    /// `{"key", "key": [..], ...}`, with what each value is where the name does not say.
    const SHAPE: &'static str;
}

/// Every documented JSON shape, in the README's order: (commands, shape).
pub fn json_shapes() -> Vec<(&'static [&'static str], &'static str)> {
    fn shape<T: JsonShape>() -> (&'static [&'static str], &'static str) {
        (T::COMMANDS, T::SHAPE)
    }
    vec![
        shape::<graph::Current>(),
        shape::<status::Status>(),
        shape::<apply::ApplyOutcome>(),
        shape::<graph::History>(),
        shape::<graph::Heads>(),
        shape::<graph::Branches>(),
        shape::<graph::ShownRevision>(),
        shape::<autogen::CheckReport>(),
        shape::<cache::Cleared>(),
        shape::<lint::LintReport>(),
        shape::<test::TestReport>(),
        shape::<rehearse::Rehearsal>(),
        shape::<live::Verified>(),
        shape::<live::Drift>(),
        shape::<doctor::Diagnosis>(),
        shape::<adopt::Adopted>(),
    ]
}
