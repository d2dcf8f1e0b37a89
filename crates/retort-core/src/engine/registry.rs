//! An engine as the facade's registry knows it ([`Engine`]), and the two lookups over
//! the registry's list: by URL scheme and by the name retort.toml gives. The list itself
//! is `retort::engines()`, in the facade: the one place that names every engine.
use crate::engine::{Connection, Dialect};
use crate::url::RedactedUrl;

/// A development server: `default_url` unless `env_var` is set.
#[derive(Clone, Copy, Debug)]
pub struct DevServer {
    pub env_var: &'static str,
    pub default_url: &'static str,
}

impl DevServer {
    /// The server's admin URL for this process.
    pub fn url(&self) -> String {
        std::env::var(self.env_var).unwrap_or_else(|_| self.default_url.to_string())
    }
}

/// One database engine, as the facade's registry knows it: how to recognise its URLs and
/// its name in retort.toml, and how to open connections and scratch databases. The
/// registry (`retort::engines()`) is the only place that lists engines; everything else
/// asks these questions instead of matching on a name.
pub trait Engine: Send + Sync {
    /// Where a development machine (and CI) runs this engine's server: its admin URL,
    /// overridden by the environment variable. `None` for an engine without a server
    /// (SQLite). The tests and the benchmark find their servers here, so a new engine
    /// needs no edit in test support.
    fn dev_server(&self) -> Option<DevServer> {
        None
    }

    /// `sqlite`, `postgres`, `mysql`: the name shown to users and written by `init`.
    fn name(&self) -> &'static str;

    /// Other names accepted for `dialect` in retort.toml (`postgresql`, `mariadb`).
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }

    /// URL schemes this engine opens (`postgres`, `postgresql`).
    fn url_schemes(&self) -> &'static [&'static str];

    /// The SQL dialect, for rendering and offline scripts.
    fn dialect(&self) -> Box<dyn Dialect>;

    /// Opens a connection, creating the database where the engine does so (SQLite files).
    /// Relative paths are resolved against `base` (the project directory).
    fn open(&self, url: &RedactedUrl, base: &std::path::Path)
        -> crate::Result<Box<dyn Connection>>;

    /// Opens a connection only to a database that exists (read commands must not create one).
    fn open_existing(
        &self,
        url: &RedactedUrl,
        base: &std::path::Path,
    ) -> crate::Result<Box<dyn Connection>> {
        self.open(url, base)
    }

    /// An empty throwaway database for autogenerate: on `server` (the environment's URL or
    /// `scratch_url`) when `capabilities().scratch_needs_server`, else wherever the engine
    /// can make one. Dropped with the connection, on error and on Ctrl-C.
    fn scratch(&self, server: Option<&RedactedUrl>) -> crate::Result<Box<dyn Connection>>;

    /// The scratch database kept between runs under `name` (a project's models area,
    /// [`crate::models_area`]): opened, created when missing, and held by this session
    /// alone; `Ok(None)` when another session holds it (the caller takes an ordinary
    /// scratch database) or when the engine keeps none — its scratch work costs nothing
    /// worth keeping (SQLite in memory).
    fn kept_scratch(
        &self,
        _server: Option<&RedactedUrl>,
        _name: &str,
    ) -> crate::Result<Option<Box<dyn Connection>>> {
        Ok(None)
    }

    /// A new database holding the contents of `backup` (a file this engine's
    /// [`Connection::backup_for_copy`] or `retort backup` wrote), on `server` (SQLite: a
    /// file in the temporary directory), opened like `like` — the environment's URL,
    /// whose options (schema) the copy keeps. Named as scratch databases are, so that
    /// doctor and the clean-up of killed processes find one left behind.
    fn copy_database(
        &self,
        _server: Option<&RedactedUrl>,
        _like: &RedactedUrl,
        _base: &std::path::Path,
        _backup: &std::path::Path,
    ) -> crate::Result<DatabaseCopy> {
        Err(crate::error::DbError::Unsupported(format!(
            "rehearsals are not available for {}",
            self.name()
        ))
        .into())
    }

    /// Drops the kept scratch database `name` if it exists (`retort cache clear`);
    /// whether there was one.
    fn drop_kept_scratch(&self, _server: Option<&RedactedUrl>, _name: &str) -> crate::Result<bool> {
        Ok(false)
    }
}

/// Opens a session on a rehearsal's copy; several run at once (the migrator, the lock
/// sampler, the write probes), each from its own thread.
pub type OpenCopy = std::sync::Arc<dyn Fn() -> crate::Result<Box<dyn Connection>> + Send + Sync>;

/// A database made as a copy of an environment's ([`Engine::copy_database`]), for a
/// rehearsal. Dropped (the database, or the file) when this value is dropped, and by
/// [`crate::cleanup::run_all`] on Ctrl-C or when the process ends first.
pub struct DatabaseCopy {
    /// Where the copy lives, for the user (`retort_scratch_… on 127.0.0.1:5432`).
    pub describe: String,
    /// Its database name (or file path): what a test looks for in the catalog.
    pub name: String,
    pub open: OpenCopy,
    /// The clean-up action that drops it ([`crate::cleanup::register`]).
    pub cleanup: u64,
}

impl Drop for DatabaseCopy {
    fn drop(&mut self) {
        crate::cleanup::run_one(self.cleanup);
    }
}

/// The server a scratch database goes on, or the error saying how to configure one.
pub fn scratch_server<'a>(
    engine: &str,
    server: Option<&'a RedactedUrl>,
) -> crate::Result<&'a RedactedUrl> {
    server.ok_or_else(|| {
        crate::error::ConfigError::NoUrl {
            env: format!("(autogenerate on {engine} needs a server for scratch databases: set the environment's url or scratch_url)"),
        }
        .into()
    })
}

/// The engine of `engines` whose URL schemes include `url`'s.
pub fn for_url(
    engines: &[&'static dyn Engine],
    url: &RedactedUrl,
) -> crate::Result<&'static dyn Engine> {
    let scheme = url.scheme().unwrap_or_default();
    engines.iter().copied().find(|e| e.url_schemes().contains(&scheme)).ok_or_else(|| {
        let schemes: Vec<String> =
            engines.iter().flat_map(|e| e.url_schemes().iter().map(|s| format!("{s}:"))).collect();
        let names: Vec<&str> = engines.iter().map(|e| e.name()).collect();
        crate::error::ConfigError::BadUrl {
            url: url.to_string(),
            reason: format!(
                "expected one of {} (this build supports: {})",
                schemes.join(", "),
                names.join(", ")
            ),
        }
        .into()
    })
}

/// The engine of `engines` called `name` (its name or an alias, as in retort.toml).
pub fn named(engines: &[&'static dyn Engine], name: &str) -> crate::Result<&'static dyn Engine> {
    engines.iter().copied().find(|e| e.name() == name || e.aliases().contains(&name)).ok_or_else(
        || {
            let names: Vec<&str> = engines.iter().map(|e| e.name()).collect();
            crate::error::ConfigError::BadUrl {
                url: format!("dialect \"{name}\""),
                reason: format!(
                    "unknown or disabled engine (this build supports: {})",
                    names.join(", ")
                ),
            }
            .into()
        },
    )
}
