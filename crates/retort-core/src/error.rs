//! One error enum per area, with variants that carry the data a user needs to act.
//!
//! Each variant maps to one documented exit code ([`Error::exit_code`]) and, where there
//! is one, the command to run next ([`Error::hint`]). The CLI prints both; it does not
//! invent messages of its own.
use crate::revision::id::RevisionId;
use std::path::PathBuf;
use thiserror::Error;

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Exit codes, one per class of failure. Documented in the README.
pub mod exit {
    pub const OK: i32 = 0;
    /// `check`/`lint`/`drift` found differences or problems.
    pub const FOUND: i32 = 1;
    pub const USAGE: i32 = 2;
    pub const CONFIG: i32 = 3;
    pub const MIGRATION_FILES: i32 = 4;
    pub const TARGET: i32 = 5;
    pub const DATABASE_STATE: i32 = 6;
    pub const SQL_FAILED: i32 = 7;
    pub const CONNECTION: i32 = 8;
    pub const LOCKED: i32 = 9;
    pub const CHECKSUM: i32 = 10;
    pub const PROTECTED: i32 = 11;
    pub const IO: i32 = 12;
    pub const UNSUPPORTED: i32 = 13;
    pub const MODELS: i32 = 14;
    /// A revision kept hitting the database's lock timeout; nothing of it stayed.
    pub const LOCK_TIMEOUT: i32 = 15;
    /// A fleet rollout where some targets failed (the report names them).
    pub const FLEET_FAILED: i32 = 16;
    /// `migrate` wrote a revision that did not verify on a copy of head.
    pub const UNVERIFIED: i32 = 17;
    /// A rehearsal's longest write stall exceeded `--max-stall` (`rehearse`,
    /// `upgrade --rehearse`, which then upgrades nothing).
    pub const STALL: i32 = 18;
    /// Interrupted (Ctrl-C): 128 + SIGINT, as shells report it.
    pub const INTERRUPTED: i32 = 130;
}

#[derive(Debug, Error)]
pub enum FileError {
    #[error("{}:{line}: {message}", path.display())]
    Malformed { path: PathBuf, line: usize, message: String },
    #[error("cannot read {}: {source}", path.display())]
    Io { path: PathBuf, source: std::io::Error },
}

#[derive(Debug, Error)]
pub enum GraphError {
    #[error("duplicate revision id {id} in {} and {}", first.display(), second.display())]
    Duplicate { id: RevisionId, first: PathBuf, second: PathBuf },
    #[error("can't locate revision {missing}, referenced as down_revision by {}", referenced_by.display())]
    MissingParent { missing: RevisionId, referenced_by: PathBuf },
    #[error("the revision graph has a cycle through {}", join(ids))]
    Cycle { ids: Vec<RevisionId> },
    #[error("branch label `{label}` is used by both {first} and {second}")]
    DuplicateLabel { label: String, first: RevisionId, second: RevisionId },
    /// A squash that does not fit the graph.
    #[error("squash {}: {message}", path.display())]
    Squash { path: PathBuf, message: String },
}

#[derive(Debug, Error)]
pub enum TargetError {
    #[error("can't locate revision `{name}`; the known heads are: {}", join_or_none(heads))]
    Unknown { name: String, heads: Vec<RevisionId> },
    #[error("`{name}` is ambiguous; it could be: {}", join(candidates))]
    Ambiguous { name: String, candidates: Vec<RevisionId> },
    #[error("{context}: there are {} heads ({}), name one", heads.len(), join(heads))]
    MultipleHeads { heads: Vec<RevisionId>, context: String },
    #[error("invalid target `{target}`: {reason}")]
    Invalid { target: String, reason: String },
    #[error("relative target `{target}` goes {reason}")]
    OutOfRange { target: String, reason: String },
    #[error("no revisions in the migrations directory yet")]
    Empty,
    #[error("relative target `{target}` walks down through the merge {merge} into its parents ({}); which branch to follow is ambiguous", join(parents))]
    AmbiguousWalk { target: String, merge: RevisionId, parents: Vec<RevisionId> },
    #[error("`{target}` ({}) is below the current revision(s) {}: upgrade only moves up", if below.is_empty() { "base".to_string() } else { join(below) }, join_or_none(current))]
    BelowCurrent { target: String, below: Vec<RevisionId>, current: Vec<RevisionId> },
}

#[derive(Debug, Error)]
pub enum StateError {
    #[error("the database is dirty: revision {rev} ({direction}) did not finish ({status}){}; its statements before the failure were committed (DDL that commits on its own, or statements outside a transaction)", error.as_ref().map(|e| format!(": {e}")).unwrap_or_default())]
    Dirty { rev: String, direction: String, status: String, error: Option<String> },
    #[error("the database is not dirty: there is nothing to resolve")]
    NotDirty,
    #[error(
        "the database is not up to date: it is at {}, the head is {}",
        join_or_none(current),
        join_or_none(heads)
    )]
    NotUpToDate { current: Vec<String>, heads: Vec<RevisionId> },
    #[error("the database is at revision {rev}, which is not in the migrations directory; the known heads are: {}", join_or_none(heads))]
    UnknownRevision { rev: String, heads: Vec<RevisionId> },
    #[error("the version table is inconsistent: {rev} is an ancestor of {other}, yet both are recorded as heads")]
    Inconsistent { rev: RevisionId, other: RevisionId },
    #[error("revision {rev} cannot be reverted: its `-- +downgrade` section is missing or has no statements while its upgrade has some ({}); nothing was reverted", path.display())]
    Irreversible { rev: RevisionId, path: PathBuf },
    #[error("the version table did not move as planned for revision {rev}: expected rows {}, found {}{}", join_or_none(expected), join_or_none(found), if *dirty { "; the revision's statements were committed (no transactional DDL here)" } else { "; the revision was rolled back" })]
    VersionTableMismatch { rev: RevisionId, expected: Vec<String>, found: Vec<String>, dirty: bool },
    #[error(
        "the run stopped after {replans} re-plans without progress; the version table now holds {}",
        join_or_none(rows)
    )]
    NoProgress { replans: usize, rows: Vec<String> },
    #[error("the database is already managed by retort: its version table is at {}; a baseline would start a second history beside it", join(rows))]
    AlreadyManaged { rows: Vec<String> },
    /// `adopt`: the converted revisions, replayed, do not give the live schema.
    #[error("the converted revisions replayed to {} do not give the live database's schema:{}\nnothing was written to the database and the converted files were removed", join(current), differences.iter().map(|d| format!("\n  {d}")).collect::<String>())]
    AdoptionDiffers { current: Vec<String>, differences: Vec<String> },
    #[error("the database already has {} that the new revision would create ({}); no revision created them", if tables.len() == 1 { "a table" } else { "tables" }, join(tables))]
    TablesExist { tables: Vec<String> },
    #[error("target {target} is not an ancestor of the current revision(s) {}: downgrade cannot move sideways", join(current))]
    NotAnAncestor { target: String, current: Vec<RevisionId> },
}

/// Why the database refused a write, when the cause is the storage rather than the SQL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum StorageCause {
    /// A read-only file, mount, connection option or server (replica).
    ReadOnly,
    /// No space left where the database keeps its data.
    Full,
}

/// A statement of a revision failed; that revision was rolled back.
#[derive(Debug, Error)]
#[error("revision {rev} failed at {}:{line}: {message}{}", path.display(), if *dirty { dirty_note(applied) } else { applied_note(applied) })]
pub struct ExecError {
    pub rev: RevisionId,
    pub path: PathBuf,
    pub line: usize,
    pub message: String,
    pub statement: String,
    /// Revisions applied (and committed) by this run before the failure.
    pub applied: Vec<RevisionId>,
    /// The engine could not roll the revision back (MySQL DDL): the database is dirty.
    pub dirty: bool,
    /// Set when the statement failed because of the storage, not its SQL.
    pub cause: Option<StorageCause>,
}

fn dirty_note(applied: &[RevisionId]) -> String {
    format!(
        "\n  the statements of this revision before the failing one were committed (no transactional DDL here, or an earlier `-- +step` of the revision): the database is now DIRTY at this revision{}",
        if applied.is_empty() { String::new() } else { format!("; applied before it and kept: {}", join(applied)) }
    )
}

fn applied_note(applied: &[RevisionId]) -> String {
    if applied.is_empty() {
        "\n  the revision was rolled back; nothing was applied by this run".into()
    } else {
        format!("\n  the revision was rolled back; applied before it and kept: {}", join(applied))
    }
}

/// An error from the database driver, before or outside a revision's statements.
#[derive(Debug, Error)]
pub enum DbError {
    #[error("cannot connect to {url}: {message}")]
    Connect { url: String, message: String },
    /// The database does not exist and the command only reads (it must not create it).
    #[error("cannot open {url}: {} does not exist", path.display())]
    Missing { url: String, path: PathBuf },
    /// The database refused a write because of its storage (read-only, disk full).
    #[error("{message}")]
    Storage { cause: StorageCause, message: String },
    #[error("{} is not {expected}; nothing was changed", path.display())]
    NotABackup { path: PathBuf, expected: String },
    #[error("{message}")]
    Query { message: String, sql: String },
    /// The statement waited longer than the session's lock timeout (or lost a deadlock):
    /// it did nothing, and the revision may be tried again.
    #[error("{message}")]
    LockTimeout { message: String, sql: String },
    #[error("timed out after {seconds}s waiting for the migration lock on {url}; another retort run holds it")]
    Locked { url: String, seconds: u64 },
    /// The run no longer holds the migration lock it took (a lease taken over by another
    /// run after it expired; a session lock that stayed on another pooled connection):
    /// it stopped before applying or committing anything more.
    #[error(
        "the migration lock on {url} is no longer this run's: {reason}; stopped before going on"
    )]
    LockLost { url: String, reason: String },
    #[error("{0}")]
    Unsupported(String),
    /// The URL itself cannot be read (a bad port, an unknown `lock=`): a configuration
    /// error, not a failed connection.
    #[error("invalid database URL {url}: {message}")]
    InvalidUrl { url: String, message: String },
    /// A scratch session refused a statement before it ran: it would reach a database
    /// other than the scratch one (`USE appdb`, `` `appdb`.customers ``).
    #[error("{message}")]
    OutsideScratch { message: String, sql: String },
}

/// An applied revision's file no longer matches what was applied.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ChangedFile {
    pub rev: RevisionId,
    pub path: PathBuf,
    pub recorded: String,
    pub current: String,
    /// The first differing lines, `-` as applied, `+` as now.
    pub diff: Vec<String>,
}

#[derive(Debug, Error)]
pub enum ConfigError {
    #[error("no retort.toml found in {} or any parent directory", dir.display())]
    NotFound { dir: PathBuf },
    #[error("the configuration file {} given with --config does not exist", path.display())]
    ConfigFileMissing { path: PathBuf },
    #[error("{}: {message}", path.display())]
    Invalid { path: PathBuf, message: String },
    #[error("{0} already exists; refusing to overwrite an existing project")]
    AlreadyExists(PathBuf),
    #[error("environment `{name}` is not defined in retort.toml (defined: {})", defined.join(", "))]
    UnknownEnv { name: String, defined: Vec<String> },
    #[error("no database URL for environment `{env}`")]
    NoUrl { env: String },
    #[error("invalid database URL `{url}`: {reason}")]
    BadUrl { url: String, reason: String },
    #[error("environment variable `{var}` used in the URL of environment `{env}` is not set")]
    MissingVar { var: String, env: String },
}

#[derive(Debug, Error)]
pub enum Error {
    #[error(transparent)]
    File(#[from] FileError),
    #[error(transparent)]
    Graph(#[from] GraphError),
    #[error(transparent)]
    Target(#[from] TargetError),
    #[error(transparent)]
    State(#[from] StateError),
    #[error(transparent)]
    Exec(#[from] ExecError),
    #[error(transparent)]
    Db(#[from] DbError),
    #[error(transparent)]
    Config(#[from] ConfigError),
    #[error("{} applied revision file(s) changed since they were applied:{}", changed.len(), changed.iter().map(|c| format!("\n  {} ({})\n{}", c.rev, c.path.display(), c.diff.iter().map(|l| format!("      {l}")).collect::<Vec<_>>().join("\n"))).collect::<String>())]
    Checksum { changed: Vec<ChangedFile> },
    /// `stamp` would record a revision whose schema the database does not have.
    #[error("the database's schema is not the schema at `{target}` ({}): {} difference(s):{}; nothing was recorded", join_or_none(at), differences.len(), differences.iter().map(|d| format!("\n  - {d}")).collect::<String>())]
    StampMismatch { target: String, at: Vec<String>, differences: Vec<String> },
    #[error("environment `{env}` is protected: {action} needs --confirm-env {env}")]
    Protected { env: String, action: String },
    /// A statement of the models file failed on the scratch database.
    #[error("{}:{line}: {message}", path.display())]
    Models { path: PathBuf, line: usize, message: String },
    /// `models_command` could not run or failed; its stderr is in the message.
    #[error("models_command `{command}`: {message}")]
    ModelsCommand { command: String, message: String },
    /// The models declare nothing while head has tables: the revision would drop them all.
    #[error("{} declares no tables or views, so the revision would drop all {tables} table(s) of head", path.display())]
    EmptyModels { path: PathBuf, tables: usize },
    #[error("{message}")]
    Usage { message: String, hint: Option<String> },
    #[error("{context}: {source}")]
    Io { context: String, source: std::io::Error },
    /// A revision too large for the server's statement size limit; nothing of it ran.
    #[error("revision {rev} ({}) is {} bytes; with its log entry that exceeds the server's {setting} of {limit} bytes, so it was not started", path.display(), bytes)]
    TooLarge { rev: RevisionId, path: PathBuf, bytes: usize, limit: usize, setting: &'static str },
    /// A revision hit the database's lock timeout on every attempt.
    #[error("revision {rev} ({}) could not take its locks: {message} ({attempts} attempt(s) over {waited_ms} ms){}{}; nothing of it stayed", path.display(), if blockers.is_empty() { String::new() } else { format!("; probably blocked by: {}", blockers.join("; ")) }, if applied.is_empty() { String::new() } else { format!("; applied before it: {}", join(applied)) })]
    LockTimeout {
        rev: RevisionId,
        path: PathBuf,
        attempts: u32,
        waited_ms: u64,
        message: String,
        blockers: Vec<String>,
        applied: Vec<RevisionId>,
    },
    /// Ctrl-C: the run stopped at a safe point.
    #[error("interrupted{}", if applied.is_empty() { String::new() } else { format!(" after applying {} (kept; the next revision was not started)", join(applied)) })]
    Interrupted { applied: Vec<RevisionId> },
    /// `migrate` wrote a revision whose upgrade or downgrade failed (or did not reach the
    /// models, or head again) on a copy of head: written for the user to edit, refused as
    /// a result.
    #[error("{} did not verify on a copy of head: {}; it is written, marked UNVERIFIED, for you to edit", path.display(), problems.join("; "))]
    Unverified { path: PathBuf, problems: Vec<String> },
    /// `upgrade --rehearse`: the rehearsal on a copy stalled writes longer than allowed.
    #[error("the rehearsal failed: {summary}; nothing was upgraded")]
    Stall { summary: String },
}

impl Error {
    pub fn io(context: impl Into<String>, source: std::io::Error) -> Self {
        Error::Io { context: context.into(), source }
    }

    pub fn usage(message: impl Into<String>, hint: Option<String>) -> Self {
        Error::Usage { message: message.into(), hint }
    }

    /// The documented exit code of this failure class.
    pub fn exit_code(&self) -> i32 {
        match self {
            Error::File(FileError::Io { .. }) => exit::IO,
            Error::File(_) | Error::Graph(_) => exit::MIGRATION_FILES,
            Error::Target(_) => exit::TARGET,
            Error::State(_) => exit::DATABASE_STATE,
            Error::Exec(_) => exit::SQL_FAILED,
            Error::Db(DbError::Connect { .. } | DbError::Missing { .. }) => exit::CONNECTION,
            Error::Db(DbError::Locked { .. } | DbError::LockLost { .. }) => exit::LOCKED,
            Error::Db(DbError::Unsupported(_)) => exit::UNSUPPORTED,
            Error::Db(DbError::OutsideScratch { .. }) => exit::MODELS,
            Error::Db(DbError::Query { .. }) => exit::SQL_FAILED,
            Error::Db(DbError::LockTimeout { .. }) | Error::LockTimeout { .. } => {
                exit::LOCK_TIMEOUT
            }
            Error::Db(DbError::NotABackup { .. }) => exit::USAGE,
            Error::Db(DbError::Storage { .. }) => exit::IO,
            Error::Config(_) | Error::Db(DbError::InvalidUrl { .. }) => exit::CONFIG,
            Error::Usage { .. } => exit::USAGE,
            Error::Checksum { .. } => exit::CHECKSUM,
            Error::StampMismatch { .. } => exit::FOUND,
            Error::Protected { .. } => exit::PROTECTED,
            Error::Models { .. } | Error::EmptyModels { .. } | Error::ModelsCommand { .. } => {
                exit::MODELS
            }
            Error::Io { .. } => exit::IO,
            Error::Interrupted { .. } => exit::INTERRUPTED,
            Error::Unverified { .. } => exit::UNVERIFIED,
            Error::Stall { .. } => exit::STALL,
            Error::TooLarge { .. } => exit::UNSUPPORTED,
        }
    }

    /// The failure class, a stable name for `--json` consumers (one per exit code).
    pub fn class(&self) -> &'static str {
        match self.exit_code() {
            exit::USAGE => "usage",
            exit::CONFIG => "config",
            exit::MIGRATION_FILES => "migration_files",
            exit::TARGET => "target",
            exit::DATABASE_STATE => "database_state",
            exit::SQL_FAILED => "sql_failed",
            exit::CONNECTION => "connection",
            exit::LOCKED => "locked",
            exit::CHECKSUM => "checksum",
            exit::PROTECTED => "protected",
            exit::IO => "io",
            exit::UNSUPPORTED => "unsupported",
            exit::MODELS => "models",
            exit::INTERRUPTED => "interrupted",
            exit::LOCK_TIMEOUT => "lock_timeout",
            exit::UNVERIFIED => "unverified",
            exit::STALL => "stall",
            _ => "error",
        }
    }

    /// What to run next, when there is one thing to suggest.
    pub fn hint(&self) -> Option<String> {
        Some(match self {
            Error::Stall { .. } => "`retort rehearse --load` shows each statement's locks and stalls; write the online form (`retort migrate --online`, or by hand: add, backfill in steps, swap) or run it at a quiet time".into(),
            Error::Unverified { path, .. } => format!(
                "edit {} by hand (its UNVERIFIED notes say what failed) and delete those notes, then `retort lint`; or run migrate with --allow-unverified to keep it as it is",
                path.display()
            ),
            Error::File(FileError::Malformed { path, .. }) => format!(
                "fix {} at the line named (see the file format in the README), then run the command again",
                path.display()
            ),
            Error::Graph(GraphError::Duplicate { second, .. }) => format!(
                "give {} a new id (`retort revision` generates unique ones) or delete the copy",
                second.display()
            ),
            Error::Graph(GraphError::MissingParent { missing, .. }) => format!(
                "restore the file for {missing} from version control (git log --all -- '*{missing}*'), or from the database's log with `retort recover-file {missing}`, or point down_revision at an existing revision (`retort heads`)"
            ),
            Error::Graph(GraphError::Cycle { .. }) => {
                "fix the down_revision headers so that no revision is its own ancestor".into()
            }
            Error::Graph(GraphError::DuplicateLabel { .. }) => "rename one of the branch labels".into(),
            Error::Target(TargetError::Unknown { .. }) => {
                "run `retort history` to list revisions, or use `head`, `base`, `+N`, `-N`".into()
            }
            Error::Target(TargetError::Ambiguous { .. }) => "type more characters of the id".into(),
            Error::Target(TargetError::MultipleHeads { .. }) => {
                "name a head (`retort heads`), use `heads` to upgrade all of them, or join them with `retort merge heads -m MESSAGE`".into()
            }
            Error::Target(TargetError::AmbiguousWalk { parents, .. }) => format!(
                "name the revision to go to, e.g. `retort downgrade {}` (`retort history` shows the graph)",
                parents[0]
            ),
            Error::Target(TargetError::BelowCurrent { below, .. }) => {
                format!("to go back, run `retort downgrade {}`", below.first().map_or_else(|| "base".to_string(), |b| b.to_string()))
            }
            Error::Target(TargetError::Empty) => "create one with `retort revision -m MESSAGE`".into(),
            Error::State(StateError::UnknownRevision { rev, .. }) => format!(
                "restore the file for {rev} from version control or with `retort recover-file {rev}` (the database's log keeps its text), or if the database really is at a known revision, record it with `retort stamp --purge REVISION`"
            ),
            Error::State(StateError::Dirty { rev, direction, .. }) => format!(
                "inspect the database and finish or undo the {} of {rev} by hand, then record what you did: `retort resolve --applied` (its changes are all in place) or `retort resolve --reverted` (none remain)",
                if direction == crate::history::log::LogDirection::Down.as_str() { "downgrade" } else { "upgrade" }
            ),
            Error::State(StateError::VersionTableMismatch { .. } | StateError::NoProgress { .. }) => {
                "run `retort status` and `retort drift` to see where the database is, then realign the version table with `retort stamp --purge REVISION`".into()
            }
            Error::State(StateError::TablesExist { .. }) => {
                "a legacy database? adopt it first: make models.sql describe what it has, run `retort baseline -m \"baseline\"`, then `retort migrate` again; or pass --ignore-db to generate anyway".into()
            }
            Error::LockTimeout { .. } | Error::Db(DbError::LockTimeout { .. }) => "end or wait out the blocking transaction and run again; or give the lock more time or more tries: lock_timeout / lock_retries / lock_retry_budget in retort.toml, or --ddl-lock-timeout / --lock-retries".to_string(),
            Error::State(StateError::AdoptionDiffers { .. }) => "a revision whose offline SQL differs from what it did online (Python that reads data or branches on offline mode) needs its SQL written by hand: run `alembic upgrade --sql base:heads > up.sql` and `alembic downgrade --sql heads:base > down.sql`, correct them, then `retort adopt alembic --sql-from up.sql --sql-from down.sql`; or `retort baseline` to start from the live schema".to_string(),
            Error::State(StateError::AlreadyManaged { rows }) => format!(
                "`retort drift` shows how the live schema differs from {}; capture changes with `retort migrate`; to really start a new history, `retort stamp base` first",
                rows[0]
            ),
            Error::ModelsCommand { command, .. } => format!(
                "run `{command}` from the project directory by hand and fix what it reports (its standard output must be the models SQL), or set `models` in retort.toml to a file instead"
            ),
            Error::EmptyModels { path, .. } => format!(
                "write the schema in {} (a saved file? the right --config?); if you really mean to drop every table, pass --allow-empty-models",
                path.display()
            ),
            Error::State(StateError::Inconsistent { .. }) => {
                "realign the version table with `retort stamp --purge REVISION`".into()
            }
            Error::State(StateError::Irreversible { path, .. }) => format!(
                "write the `-- +downgrade` section of {} (if there is nothing to undo on purpose, put a line `-- nothing to undo` in it), or move the version table with `retort stamp`",
                path.display()
            ),
            Error::Exec(ExecError { cause: Some(cause), rev, dirty, .. }) => format!(
                "{}, then run the command again; {}",
                storage_fix(*cause),
                if *dirty { format!("{rev} is DIRTY: see `retort status`") } else { format!("{rev} was rolled back and `retort current` shows where the database is") }
            ),
            Error::Db(DbError::Storage { cause, .. }) => format!("{}, then run the command again", storage_fix(*cause)),
            Error::Exec(e) if e.dirty => format!(
                "repair the partial changes of {} by hand (see `retort status`), then `retort resolve --applied` or `retort resolve --reverted`",
                e.rev
            ),
            Error::Exec(e) => format!(
                "fix the statement in {} line {} and run the command again; `retort current` shows where the database is",
                e.path.display(),
                e.line
            ),
            Error::Db(DbError::Locked { .. }) => {
                "wait for the other run to finish, or raise --lock-timeout".into()
            }
            Error::Db(DbError::InvalidUrl { .. }) => {
                "fix the URL (in retort.toml's environment, or DATABASE_URL): postgres://USER@HOST:5432/DB, mysql://USER@HOST:3306/DB or sqlite://FILE.db; a password goes in ${VAR}, never in the file".into()
            }
            Error::Db(DbError::LockLost { .. }) => {
                "the revisions committed before stay applied; `retort status` shows where the database is (the run that took the lock goes on from there); make the lease longer (`lease=SECONDS` in the URL, `lock_lease` in retort.toml) if runs pause that long".into()
            }
            Error::Db(DbError::NotABackup { .. }) => {
                "pass a file written by `retort backup` for this engine (by default in backups/, newest last: `ls backups/`)".into()
            }
            Error::Db(DbError::Missing { .. }) => {
                "check the path in retort.toml (or DATABASE_URL) for a typo; `retort upgrade` creates a new database; `retort check --no-db` compares only the models".into()
            }
            Error::Db(DbError::Connect { .. }) => {
                "check the URL in retort.toml (or DATABASE_URL) and that the server is running".into()
            }
            Error::Config(ConfigError::ConfigFileMissing { .. }) => {
                "check the path given to --config (relative paths start from the current directory), or leave --config out to search upward from here".into()
            }
            Error::Config(ConfigError::NotFound { .. }) => {
                "run `retort init` to create a project, or pass --config PATH".into()
            }
            Error::Config(ConfigError::UnknownEnv { .. }) => {
                "add an [env.NAME] section to retort.toml or pick a defined one with --env".into()
            }
            Error::Config(ConfigError::NoUrl { env }) => format!(
                "set `url` under [env.{env}] in retort.toml, or set DATABASE_URL"
            ),
            Error::Config(ConfigError::MissingVar { var, .. }) => format!("export {var}=..."),
            Error::Usage { hint, .. } => return hint.clone(),
            Error::TooLarge { bytes, setting, .. } => format!(
                "raise {setting} on the server above {} bytes (e.g. `SET GLOBAL {setting} = {}`, and in the server's configuration to keep it), reconnect, and run again; or split the revision",
                bytes * 2 + 65_536,
                (bytes * 2 + 65_536).next_power_of_two()
            ),
            Error::Interrupted { .. } => "`retort status` shows where the database is; run the command again to continue".into(),
            Error::StampMismatch { target, .. } => format!(
                "align the schema first (write the missing SQL, or `retort upgrade` from where the database really is), then `retort stamp {target}` again; `retort stamp --force {target}` records it unchecked (`retort drift` will then show these differences)"
            ),
            Error::Checksum { changed } => format!(
                "applied revisions must not be edited: restore the file from version control, or write a new revision for the change; if the edit is intended (e.g. a comment), record it after review with `retort verify --accept {}`",
                changed[0].rev
            ),
            Error::Protected { env, action } => format!("if you really mean to {action} on `{env}`, add --confirm-env {env}"),
            Error::Models { path, .. } => format!("fix {} so that it runs on an empty database of the project's engine", path.display()),
            Error::State(StateError::NotUpToDate { .. }) => {
                "run `retort upgrade` first (autogenerate compares against head), or pass --ignore-db".into()
            }
            _ => return None,
        })
    }
}

fn storage_fix(cause: StorageCause) -> &'static str {
    match cause {
        StorageCause::ReadOnly => "the database is read-only for this connection (file or directory permissions, a read-only mount, `?mode=ro`, or a read-only server such as a replica): point retort at a writable database",
        StorageCause::Full => "the disk holding the database is full: free space (or grow the volume)",
    }
}

pub(crate) fn join(ids: &[impl std::fmt::Display]) -> String {
    ids.iter().map(|i| i.to_string()).collect::<Vec<_>>().join(", ")
}

fn join_or_none(ids: &[impl std::fmt::Display]) -> String {
    if ids.is_empty() {
        "(none)".into()
    } else {
        join(ids)
    }
}
