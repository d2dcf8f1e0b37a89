//! One file per command: its `Args` (clap derive) and `exec`, which calls the library
//! and renders what it returns (text, or `--json`). [`Command`] lists them; [`run`]
//! dispatches, one line per command. Renderings several commands share are in
//! [`render`]; what upgrade and downgrade share in [`applying`]; a fleet's rollout in
//! [`fleet`].
use crate::output::Printer;
use crate::settings::Settings;
use clap::CommandFactory;
use retort::Error;

mod adopt;
mod applying;
mod backup;
mod baseline;
mod branches;
mod cache;
mod check;
mod completions;
mod current;
mod doctor;
mod downgrade;
mod drift;
mod fleet;
mod graph;
mod heads;
mod history;
mod init;
mod lint;
mod man;
mod merge;
mod migrate;
mod recover_file;
mod rehearse;
mod render;
mod resolve;
mod restore;
mod revision;
mod show;
mod squash;
mod stamp;
mod status;
mod test;
mod upgrade;
mod verify;

/// The whole command line: global flags, then one command.
#[derive(Debug, clap::Parser)]
#[command(
    name = "retort",
    version,
    about = "Schema migrations: declare the schema, generate the migration, review it, apply it."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: crate::args::Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, clap::Subcommand)]
pub enum Command {
    /// Create retort.toml, models.sql, migrations/versions/ and a .gitignore.
    Init(init::Args),
    /// Create an empty revision to write by hand.
    Revision(revision::Args),
    /// Autogenerate a revision: diff the models against the schema at head.
    Migrate(migrate::Args),
    /// Exit 1 when the models differ from head, the database is behind, or it drifted (for CI).
    Check(check::Args),
    /// Apply revisions up to TARGET (default: head).
    Upgrade(upgrade::Args),
    /// Revert revisions down to TARGET (`-1`, a revision, `base`).
    Downgrade(downgrade::Args),
    /// Show the revision(s) the database is at.
    Current(current::Args),
    /// Where the database is and what is pending.
    Status(status::Args),
    /// List revisions, newest first.
    History(history::Args),
    /// Draw the revision graph: ascii (terminal), mermaid (Markdown) or dot (Graphviz).
    Graph(graph::Args),
    /// Show the heads of the revision graph.
    Heads,
    /// Show branch points.
    Branches,
    /// Show one revision.
    Show(show::Args),
    /// Create a revision that joins several heads.
    Merge(merge::Args),
    /// Set the version table to TARGET without running any revision.
    Stamp(stamp::Args),
    /// Record how a dirty revision (MySQL, or transactional: false) was repaired.
    Resolve(resolve::Args),
    /// Check that applied revision files are unchanged (checksums); --accept REV after review.
    Verify(verify::Args),
    /// Show how the live database differs from the schema its revision implies.
    Drift(drift::Args),
    /// Write a revision that creates the live database's schema, and stamp it.
    Baseline(baseline::Args),
    /// Write back a revision file that is missing, from the text kept in the log.
    RecoverFile(recover_file::Args),
    /// Take over a project another tool manages, its history and database kept.
    #[command(subcommand)]
    Adopt(adopt::Args),
    /// Check revisions for risky operations (exit 1 on errors).
    Lint(lint::Args),
    /// Diagnose the usual breakages and say what to run.
    Doctor,
    /// What autogenerate keeps between runs (`cache clear`).
    #[command(subcommand)]
    Cache(cache::Args),
    /// Check every revision on a scratch database: one head, each upgrade → downgrade →
    /// upgrade restoring the schema, and the models equal to head (exit 1 on a failure).
    Test,
    /// Run the pending revisions on a copy of the database with its data, and report
    /// each statement's time, the locks it held and the longest write stall.
    Rehearse(rehearse::Args),
    /// Replace a linear range of revisions by one generated revision (kept in
    /// migrations/squashed/ until --finish), proven on scratch databases.
    Squash(squash::Args),
    /// Print a shell completion script (e.g. `retort completions bash > /etc/bash_completion.d/retort`).
    Completions(completions::Args),
    /// Print the manual page (roff; `retort man | man -l -`).
    Man,
    /// Back up the database into the backup directory (owner-only permissions).
    Backup,
    /// Put a backup made by `retort backup` back (replaces the database's contents).
    Restore(restore::Args),
}

pub fn run(command: Command, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    match command {
        Command::Init(a) => init::exec(&a, settings, printer),
        Command::Revision(a) => revision::exec(&a, settings, printer),
        Command::Migrate(a) => migrate::exec(&a, settings, printer),
        Command::Check(a) => check::exec(&a, settings, printer),
        Command::Upgrade(a) => upgrade::exec(&a, settings, printer),
        Command::Downgrade(a) => downgrade::exec(&a, settings, printer),
        Command::Current(a) => current::exec(&a, settings, printer),
        Command::Status(a) => status::exec(&a, settings, printer),
        Command::History(a) => history::exec(&a, settings, printer),
        Command::Graph(a) => graph::exec(&a, settings, printer),
        Command::Heads => heads::exec(settings, printer),
        Command::Branches => branches::exec(settings, printer),
        Command::Show(a) => show::exec(&a, settings, printer),
        Command::Merge(a) => merge::exec(&a, settings, printer),
        Command::Stamp(a) => stamp::exec(&a, settings, printer),
        Command::Resolve(a) => resolve::exec(&a, settings, printer),
        Command::Verify(a) => verify::exec(&a, settings, printer),
        Command::Drift(a) => drift::exec(&a, settings, printer),
        Command::Baseline(a) => baseline::exec(&a, settings, printer),
        Command::RecoverFile(a) => recover_file::exec(&a, settings, printer),
        Command::Adopt(a) => adopt::exec(&a, settings, printer),
        Command::Lint(a) => lint::exec(&a, settings, printer),
        Command::Doctor => doctor::exec(settings, printer),
        Command::Cache(a) => cache::exec(&a, settings, printer),
        Command::Test => test::exec(settings, printer),
        Command::Rehearse(a) => rehearse::exec(&a, settings, printer),
        Command::Squash(a) => squash::exec(&a, settings, printer),
        Command::Completions(a) => completions::exec(&a, Cli::command(), printer),
        Command::Man => man::exec(Cli::command(), printer),
        Command::Backup => backup::exec(settings, printer),
        Command::Restore(a) => restore::exec(&a, settings, printer),
    }
}
