//! retort as a library: open a database by URL and migrate it, e.g. at application start-up.
//!
//! This facade holds the engine registry ([`engines`]), the only place that maps a URL
//! scheme or a dialect name to an engine; everything else works with the core's
//! [`Engine`], [`Connection`] and [`Dialect`] traits. Engines are cargo features.
//!
//! ```no_run
//! // Bring a database to the newest revision when the service starts.
//! let report = retort::upgrade_to_head("sqlite://app.db", "migrations").unwrap();
//! println!("applied {} revisions", report.steps.len());
//! ```
//!
//! Or compile the revision files into the binary, so that it needs no migrations folder
//! at run time, and upgrade through the same lock, checksums and log as `retort upgrade`:
//!
//! ```no_run
//! // The revisions of this crate's example application, embedded at compile time.
//! static MIGRATIONS: retort::EmbeddedMigrations =
//!     retort::embed_migrations!("$CARGO_MANIFEST_DIR/examples/embedded_app/migrations");
//!
//! fn main() -> Result<(), retort::Error> {
//!     let report = MIGRATIONS.upgrade_to_head("sqlite://app.db")?;
//!     for step in &report.steps {
//!         println!("applied {} ({} ms)", step.revision, step.duration_ms);
//!     }
//!     Ok(())
//! }
//! ```
//!
//! (Cargo does not notice new files in an embedded folder by itself: a `build.rs` with
//! `println!("cargo:rerun-if-changed=migrations");` rebuilds when they change.)
pub use retort_core as core;
pub use retort_core::apply::{Direction, Event, Migrator, RunOptions, RunReport};
pub use retort_core::config::Project;
pub use retort_core::engine::{Connection, Dialect, Engine};
pub use retort_core::error::{exit, Error, Result};
pub use retort_core::ops::{self, Workspace, WorkspaceOptions};
pub use retort_core::url::RedactedUrl;
pub use retort_core::{MigrationDir, RevisionGraph, Target};

use std::path::Path;
use std::sync::OnceLock;

/// The engines of this build: the one place that lists them (each is a cargo feature).
/// Adding an engine is its crate plus one line here.
// One push per cargo feature: `vec![]` cannot leave out a disabled engine.
#[allow(clippy::vec_init_then_push)]
pub fn engines() -> &'static [&'static dyn Engine] {
    static ENGINES: OnceLock<Vec<&'static dyn Engine>> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let mut v: Vec<&'static dyn Engine> = Vec::new();
        #[cfg(feature = "sqlite")]
        v.push(&retort_sqlite::SqliteEngine);
        #[cfg(feature = "postgres")]
        v.push(&retort_postgres::PostgresEngine);
        #[cfg(feature = "mysql")]
        v.push(&retort_mysql::MysqlEngine);
        v
    })
}

/// The engine a URL's scheme selects.
pub fn engine_for_url(url: &RedactedUrl) -> Result<&'static dyn Engine> {
    retort_core::engine::for_url(engines(), url)
}

/// The engine retort.toml's `dialect` names (its name or an alias).
pub fn engine_named(name: &str) -> Result<&'static dyn Engine> {
    retort_core::engine::named(engines(), name)
}

/// Loads a project and environment with this build's engines (what the CLI's global
/// flags choose; an application passes its own options).
pub fn workspace(opts: &WorkspaceOptions) -> Result<Workspace> {
    Workspace::load(opts, engines())
}

/// The engine name a URL's scheme selects.
pub fn engine_of(url: &RedactedUrl) -> Result<&'static str> {
    Ok(engine_for_url(url)?.name())
}

/// Opens a connection; relative SQLite paths are resolved against `base`.
pub fn connect(url: &RedactedUrl, base: &Path) -> Result<Box<dyn Connection>> {
    engine_for_url(url)?.open(url, base)
}

/// Opens a connection only if the database already exists (`Missing` error otherwise),
/// for commands that must not create a database as a side effect.
pub fn connect_existing(url: &RedactedUrl, base: &Path) -> Result<Box<dyn Connection>> {
    engine_for_url(url)?.open_existing(url, base)
}

/// A throwaway empty database of an engine, for applying the models and replaying the
/// migrations (autogenerate): in memory where the engine can, else a uniquely named
/// database on `server` (the environment's URL or `scratch_url`), dropped when the
/// connection is dropped, on error, and on Ctrl-C.
pub fn scratch(engine: &str, server: Option<&RedactedUrl>) -> Result<Box<dyn Connection>> {
    engine_named(engine)?.scratch(server)
}

/// The SQL dialect for offline work, by engine name (`retort.toml`'s `dialect`).
pub fn dialect(name: &str) -> Result<Box<dyn Dialect>> {
    Ok(engine_named(name)?.dialect())
}

/// Upgrades the database at `url` to the single head of the migrations in
/// `migrations_dir` — the same operation as `retort upgrade` (lock, checksums, log).
pub fn upgrade_to_head(url: &str, migrations_dir: impl AsRef<Path>) -> Result<RunReport> {
    let ws = Workspace::for_database(url, migrations_dir.as_ref(), engines())?;
    Ok(ops::apply(&ws, Direction::Up, "head", false, &mut |_| {})?.report)
}

/// Revision files compiled into an application by [`embed_migrations!`].
pub struct EmbeddedMigrations {
    dir: &'static include_dir::Dir<'static>,
}

/// Embeds a migrations folder (its `versions/*.sql`, or the `.sql` files directly in it)
/// at compile time; the path may start with `$CARGO_MANIFEST_DIR`.
#[macro_export]
macro_rules! embed_migrations {
    ($path:tt) => {
        $crate::EmbeddedMigrations::new({
            static DIR: $crate::include_dir::Dir<'static> =
                $crate::include_dir::include_dir!($path);
            &DIR
        })
    };
}

#[doc(hidden)]
pub use include_dir;

impl EmbeddedMigrations {
    #[doc(hidden)]
    pub const fn new(dir: &'static include_dir::Dir<'static>) -> Self {
        EmbeddedMigrations { dir }
    }

    /// The revision files: name and text, from `versions/` when the folder has one.
    pub fn files(&self) -> Vec<(String, String)> {
        let dir = self.dir.get_dir(self.dir.path().join("versions")).unwrap_or(self.dir);
        let mut files: Vec<(String, String)> = dir
            .files()
            .filter(|f| f.path().extension().is_some_and(|e| e == "sql"))
            .map(|f| {
                (
                    f.path().file_name().unwrap_or_default().to_string_lossy().into_owned(),
                    f.contents_utf8().unwrap_or_default().to_string(),
                )
            })
            .collect();
        files.sort();
        files
    }

    /// Upgrades the database at `url` to the single head of these revisions: the same
    /// operation as `retort upgrade` (migration lock, checksums of applied files, log,
    /// lock timeouts), so application instances starting together apply each revision
    /// once, and a second start applies nothing.
    pub fn upgrade_to_head(&self, url: &str) -> Result<RunReport> {
        let ws = Workspace::for_embedded(url, self.files(), engines())?;
        Ok(ops::apply(&ws, Direction::Up, "head", false, &mut |_| {})?.report)
    }
}

/// Upgrades a retort project's environment to `target`, exactly as `retort upgrade` does:
/// protected-environment guard, the environment's backup first, checksums, lock, log.
pub fn upgrade(opts: &WorkspaceOptions, target: &str) -> Result<ops::ApplyOutcome> {
    ops::apply(&workspace(opts)?, Direction::Up, target, false, &mut |_| {})
}
