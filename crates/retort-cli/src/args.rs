//! Command-line arguments (clap only; no behaviour here).
use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Debug, Parser)]
#[command(
    name = "retort",
    version,
    about = "Schema migrations: declare the schema, generate the migration, review it, apply it."
)]
pub struct Cli {
    #[command(flatten)]
    pub global: Global,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Path to retort.toml (default: search the current directory and its parents).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Environment from retort.toml (default: RETORT_ENV, else the project's default_env).
    #[arg(long, global = true, value_name = "NAME")]
    pub env: Option<String>,
    /// Read the models from this SQL file for this run, instead of retort.toml's `models`
    /// or `models_command` (flask-retort renders the app's metadata into one).
    #[arg(long, global = true, value_name = "FILE", env = "RETORT_MODELS")]
    pub models: Option<PathBuf>,
    /// Machine-readable output (read commands); the shapes are documented in the README.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail (the SQL of each step).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Confirms a write to a protected environment; must name it.
    #[arg(long, global = true, value_name = "ENV")]
    pub confirm_env: Option<String>,
    /// Seconds to wait for another run's migration lock (at most a day).
    #[arg(long, global = true, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub lock_timeout: u64,
    /// The database's lock timeout for each migration statement ("2s", "500ms", "0" for
    /// none; retort.toml's lock_timeout; default PostgreSQL 2s, MySQL/MariaDB 5s).
    #[arg(long, global = true, value_name = "DURATION", value_parser = duration)]
    pub ddl_lock_timeout: Option<std::time::Duration>,
    /// PostgreSQL statement_timeout for migration statements (retort.toml's statement_timeout).
    #[arg(long, global = true, value_name = "DURATION", value_parser = duration)]
    pub statement_timeout: Option<std::time::Duration>,
    /// Retries of a revision that hit the lock timeout (retort.toml's lock_retries; default 3).
    #[arg(long, global = true, value_name = "N")]
    pub lock_retries: Option<u32>,
    /// The most time one run waits between such retries (retort.toml's lock_retry_budget; default 60s).
    #[arg(long, global = true, value_name = "DURATION", value_parser = duration)]
    pub lock_retry_budget: Option<std::time::Duration>,
}

fn duration(text: &str) -> Result<std::time::Duration, String> {
    retort::core::config::parse_duration(text).ok_or_else(|| {
        format!("`{text}` is not a duration (\"2s\", \"500ms\", \"1m\"; at most a day)")
    })
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create retort.toml, models.sql, migrations/versions/ and a .gitignore.
    Init(InitArgs),
    /// Create an empty revision to write by hand.
    Revision(RevisionArgs),
    /// Autogenerate a revision: diff the models against the schema at head.
    Migrate(MigrateArgs),
    /// Exit 1 when the models differ from head, the database is behind, or it drifted (for CI).
    Check(CheckArgs),
    /// Apply revisions up to TARGET (default: head).
    Upgrade(UpgradeArgs),
    /// Revert revisions down to TARGET (`-1`, a revision, `base`).
    Downgrade(DowngradeArgs),
    /// Show the revision(s) the database is at.
    Current(CurrentArgs),
    /// Where the database is and what is pending.
    Status(StatusArgs),
    /// List revisions, newest first.
    History(HistoryArgs),
    /// Draw the revision graph: ascii (terminal), mermaid (Markdown) or dot (Graphviz).
    Graph(GraphArgs),
    /// Show the heads of the revision graph.
    Heads,
    /// Show branch points.
    Branches,
    /// Show one revision.
    Show(ShowArgs),
    /// Create a revision that joins several heads.
    Merge(MergeArgs),
    /// Set the version table to TARGET without running any revision.
    Stamp(StampArgs),
    /// Record how a dirty revision (MySQL, or transactional: false) was repaired.
    Resolve(ResolveArgs),
    /// Check that applied revision files are unchanged (checksums); --accept REV after review.
    Verify(VerifyArgs),
    /// Show how the live database differs from the schema its revision implies.
    Drift(DriftArgs),
    /// Write a revision that creates the live database's schema, and stamp it.
    Baseline(BaselineArgs),
    /// Write back a revision file that is missing, from the text kept in the log.
    RecoverFile(RecoverArgs),
    /// Take over a project another tool manages, its history and database kept.
    #[command(subcommand)]
    Adopt(AdoptCommand),
    /// Check revisions for risky operations (exit 1 on errors).
    Lint(LintArgs),
    /// Diagnose the usual breakages and say what to run.
    Doctor,
    /// What autogenerate keeps between runs (`cache clear`).
    #[command(subcommand)]
    Cache(CacheCommand),
    /// Check every revision on a scratch database: one head, each upgrade → downgrade →
    /// upgrade restoring the schema, and the models equal to head (exit 1 on a failure).
    Test,
    /// Replace a linear range of revisions by one generated revision (kept in
    /// migrations/squashed/ until --finish), proven on scratch databases.
    Squash(SquashArgs),
    /// Print a shell completion script (e.g. `retort completions bash > /etc/bash_completion.d/retort`).
    Completions { shell: clap_complete::Shell },
    /// Print the manual page (roff; `retort man | man -l -`).
    Man,
    /// Back up the database into the backup directory (owner-only permissions).
    Backup,
    /// Put a backup made by `retort backup` back (replaces the database's contents).
    Restore(RestoreArgs),
}

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to create the project in.
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Database URL for the dev environment (default: DATABASE_URL when set, which is then
    /// referenced as ${DATABASE_URL} rather than copied; else sqlite://dev.db).
    #[arg(long)]
    pub url: Option<String>,
}

#[derive(Debug, Args)]
pub struct RevisionArgs {
    /// What the revision does; goes into the file name.
    #[arg(short, long)]
    pub message: String,
    /// Parent revision (default: the single head; `base` starts a new root).
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// Label the revision's branch.
    #[arg(long, value_name = "LABEL")]
    pub branch_label: Vec<String>,
    /// A revision (or branch label) that must be applied first without being the parent.
    #[arg(long, value_name = "REV")]
    pub depends_on: Vec<String>,
    /// Use this id instead of a random one.
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct UpgradeArgs {
    #[arg(default_value = "head", allow_hyphen_values = true)]
    pub target: String,
    /// All revisions in one transaction (SQLite, PostgreSQL): all or nothing, and faster.
    #[arg(long)]
    pub single_transaction: bool,
    /// Print the SQL instead of running it (TARGET may be a range FROM:TO).
    #[arg(long)]
    pub sql: bool,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

/// Picking and rolling out over the targets of a fleet environment.
#[derive(Debug, Args, Default, Clone)]
pub struct FleetArgs {
    /// Every target of the environment's fleet.
    #[arg(long)]
    pub all: bool,
    /// One target of the fleet by name (repeatable).
    #[arg(long = "target", value_name = "NAME")]
    pub target_names: Vec<String>,
    /// The targets whose names match GLOB (`*`, `?`; repeatable).
    #[arg(long = "targets", value_name = "GLOB")]
    pub target_globs: Vec<String>,
    /// How many targets run at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallel: u16,
    /// Run this many targets first and stop if any of them fails.
    #[arg(long, default_value_t = 0)]
    pub canary: usize,
    /// Go on with the other targets after one fails (default: stop starting new ones).
    #[arg(long)]
    pub continue_on_error: bool,
    /// Skip the targets the last run of the same command finished.
    #[arg(long)]
    pub resume: bool,
}

impl FleetArgs {
    pub fn used(&self) -> bool {
        self.all || !self.target_names.is_empty() || !self.target_globs.is_empty()
    }
}

#[derive(Debug, Args)]
pub struct CurrentArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
}

#[derive(Debug, Args)]
pub struct DowngradeArgs {
    #[arg(allow_hyphen_values = true)]
    pub target: String,
    /// All revisions in one transaction (SQLite, PostgreSQL): all or nothing, and faster.
    #[arg(long)]
    pub single_transaction: bool,
    /// Print the SQL instead of running it (TARGET must be a range FROM:TO).
    #[arg(long)]
    pub sql: bool,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// Range FROM:TO (either side may be empty).
    #[arg(short = 'r', long, allow_hyphen_values = true)]
    pub rev_range: Option<String>,
    /// Draw the graph's shape beside the list.
    #[arg(long)]
    pub graph: bool,
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["range", "finish"])))]
pub struct SquashArgs {
    /// The range to squash, oldest first: A:B.
    pub range: Option<String>,
    #[arg(short = 'm', long, requires = "range")]
    pub message: Option<String>,
    /// Once every database is past REV: delete the revisions its squash replaces and move
    /// the squash into versions/.
    #[arg(long, value_name = "REV", conflicts_with = "range")]
    pub finish: Option<String>,
}

#[derive(Debug, Args)]
pub struct GraphArgs {
    #[arg(long, value_enum, default_value = "ascii")]
    pub format: GraphFormat,
    /// Range FROM:TO (either side may be empty).
    #[arg(short = 'r', long, allow_hyphen_values = true)]
    pub rev_range: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum GraphFormat {
    Ascii,
    Mermaid,
    Dot,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    pub rev: String,
}

#[derive(Debug, Args)]
pub struct MergeArgs {
    /// Revisions to join (e.g. `heads`).
    #[arg(required = true)]
    pub revs: Vec<String>,
    #[arg(short, long)]
    pub message: String,
    #[arg(long, value_name = "LABEL")]
    pub branch_label: Vec<String>,
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct StampArgs {
    #[arg(allow_hyphen_values = true)]
    pub target: String,
    /// Delete every row of the version table first (also rows for unknown revisions).
    #[arg(long)]
    pub purge: bool,
    /// Record the target even when the live schema differs from the target's (logged as forced).
    #[arg(long)]
    pub force: bool,
    /// Print the SQL instead of running it.
    #[arg(long)]
    pub sql: bool,
}

#[derive(Debug, Args)]
pub struct MigrateArgs {
    /// What the revision does; goes into the file name.
    #[arg(short, long)]
    pub message: String,
    /// Accept a rename: `table.old=new` for a column, `old=new` for a table. Repeatable.
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,
    /// Write a revision even when nothing changed.
    #[arg(long)]
    pub allow_empty: bool,
    /// Accept a models file that declares no tables (the revision then drops every table).
    #[arg(long)]
    pub allow_empty_models: bool,
    /// Do not check that the configured database is at head.
    #[arg(long)]
    pub ignore_db: bool,
    /// Never prompt, even on a terminal (renames then need --rename).
    #[arg(long)]
    pub no_input: bool,
    /// Skip applying the generated file to a copy of head before writing it (faster on
    /// very large schemas; the file is then marked unverified).
    #[arg(long)]
    pub no_verify: bool,
    /// Write locking changes of existing tables in their online forms (PostgreSQL:
    /// CREATE INDEX CONCURRENTLY, NOT VALID + VALIDATE, SET NOT NULL through a check;
    /// MySQL/MariaDB: ALGORITHM/LOCK clauses). Default: the environment's `online`,
    /// on for protected environments.
    #[arg(long, overrides_with = "no_online")]
    pub online: bool,
    /// Plain forms even where the environment asks for online ones.
    #[arg(long)]
    pub no_online: bool,
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
}

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// Only compare the models with head; do not look at the database.
    #[arg(long)]
    pub no_db: bool,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

#[derive(Debug, Args)]
pub struct StatusArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
}

#[derive(Debug, Args)]
#[group(required = true, multiple = false)]
pub struct ResolveArgs {
    /// The failed revision's changes are now all in place: record it as applied.
    #[arg(long)]
    pub applied: bool,
    /// None of its changes remain: record it as not applied.
    #[arg(long)]
    pub reverted: bool,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Re-record the checksum of this applied revision after reviewing its change.
    #[arg(long, value_name = "REV")]
    pub accept: Option<String>,
    #[command(flatten)]
    pub fleet: FleetArgs,
}

#[derive(Debug, Args)]
pub struct DriftArgs {
    #[command(flatten)]
    pub fleet: FleetArgs,
}

#[derive(Debug, Args)]
pub struct BaselineArgs {
    #[arg(short, long)]
    pub message: String,
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum CacheCommand {
    /// Remove the project's cache (.retort/cache) and drop its kept scratch database;
    /// the next migrate or check creates what it needs again.
    Clear,
}

#[derive(Debug, Subcommand)]
pub enum AdoptCommand {
    /// An Alembic or Flask-Migrate project: revisions converted with their ids, SQL from
    /// Alembic's offline mode, proven against the live database, recorded in the log.
    Alembic(AdoptAlembicArgs),
}

#[derive(Debug, Args)]
pub struct AdoptAlembicArgs {
    /// The Alembic directory (with env.py and versions/) or the one holding alembic.ini
    /// (default: alembic.ini here, else migrations/).
    pub dir: Option<std::path::PathBuf>,
    /// Output of `alembic upgrade --sql base:heads` / `downgrade --sql heads:base` to
    /// use instead of running Alembic (repeatable).
    #[arg(long, value_name = "FILE")]
    pub sql_from: Vec<std::path::PathBuf>,
}

#[derive(Debug, Args)]
pub struct RecoverArgs {
    /// The revision whose file is missing.
    pub rev: String,
    /// Only print the text that would be written.
    #[arg(long)]
    pub dry_run: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The backup file.
    pub file: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct LintArgs {
    /// A revision, or a range FROM:TO (default: every revision).
    #[arg(allow_hyphen_values = true)]
    pub range: Option<String>,
}
