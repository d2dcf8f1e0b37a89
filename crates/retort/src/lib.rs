//! retort as a library: open a database by URL and migrate it, e.g. at application start-up.
//!
//! This facade is the only place that maps a URL scheme to an engine; everything
//! else works with the core's [`Connection`] and [`Dialect`] traits. Engines are
//! cargo features (`sqlite` by default).
//!
//! ```no_run
//! // Bring a database to the newest revision when the service starts.
//! let report = retort::upgrade_to_head("sqlite://app.db", "migrations").unwrap();
//! println!("applied {} revisions", report.steps.len());
//! ```
pub use retort_core as core;
pub use retort_core::config::{Project, RedactedUrl};
pub use retort_core::engine::{Connection, Dialect};
pub use retort_core::error::{exit, Error, Result};
pub use retort_core::migrator::{Event, Migrator, Mode, RunOptions, RunReport};
pub use retort_core::{MigrationDir, RevisionGraph, Target};

use retort_core::error::{ConfigError, DbError};
use std::path::Path;

/// The engine names this build supports, for messages.
pub fn supported_engines() -> Vec<&'static str> {
    let mut v = Vec::new();
    if cfg!(feature = "sqlite") {
        v.push("sqlite");
    }
    if cfg!(feature = "postgres") {
        v.push("postgres");
    }
    if cfg!(feature = "mysql") {
        v.push("mysql");
    }
    v
}

fn unsupported(what: &str) -> Error {
    ConfigError::BadUrl {
        url: what.to_string(),
        reason: format!("unknown or disabled engine (this build supports: {})", supported_engines().join(", ")),
    }
    .into()
}

/// The engine name a URL's scheme selects.
pub fn engine_of(url: &RedactedUrl) -> Result<&'static str> {
    match url.scheme() {
        Some("sqlite") => Ok("sqlite"),
        Some("postgres" | "postgresql") => Ok("postgres"),
        Some("mysql" | "mariadb") => Ok("mysql"),
        _ => Err(ConfigError::BadUrl {
            url: url.to_string(),
            reason: "expected sqlite:, postgres://, postgresql://, mysql:// or mariadb://".into(),
        }
        .into()),
    }
}

/// Opens a connection; relative SQLite paths are resolved against `base`.
pub fn connect(url: &RedactedUrl, base: &Path) -> Result<Box<dyn Connection>> {
    match engine_of(url)? {
        #[cfg(feature = "sqlite")]
        "sqlite" => Ok(Box::new(
            retort_sqlite::SqliteConnection::open(url.expose(), base).map_err(|e| redact_db(e, url))?,
        )),
        #[cfg(feature = "postgres")]
        "postgres" => {
            let parsed = retort_postgres::parse_url(url.expose(), &url.to_string())?;
            Ok(Box::new(retort_postgres::PgConnection::open(&parsed).map_err(|e| redact_db(e, url))?))
        }
        #[cfg(feature = "mysql")]
        "mysql" => {
            let opts = retort_mysql::parse_url(url.expose(), &url.to_string())?;
            Ok(Box::new(retort_mysql::MysqlConnection::open(&opts, &url.to_string())?))
        }
        other => Err(unsupported(other)),
    }
}

/// Opens a connection only if the database already exists (`Connect` error otherwise),
/// for checks that must not create a database as a side effect.
pub fn connect_existing(url: &RedactedUrl, base: &Path) -> Result<Box<dyn Connection>> {
    match engine_of(url)? {
        #[cfg(feature = "sqlite")]
        "sqlite" => Ok(Box::new(
            retort_sqlite::SqliteConnection::open_existing(url.expose(), base).map_err(|e| redact_db(e, url))?,
        )),
        _ => connect(url, base),
    }
}

/// A throwaway empty database of an engine, for applying the models and replaying the
/// migrations (autogenerate). SQLite: in memory. Server engines: a uniquely named
/// database on `server` (the environment's URL or `scratch_url`), dropped when the
/// connection is dropped, on error, and on Ctrl-C.
pub fn scratch(engine: &str, server: Option<&RedactedUrl>) -> Result<Box<dyn Connection>> {
    let need_server = || -> Result<&RedactedUrl> {
        server.ok_or_else(|| {
            ConfigError::NoUrl { env: format!("(autogenerate on {engine} needs a server for scratch databases: set the environment's url or scratch_url)") }.into()
        })
    };
    match engine {
        #[cfg(feature = "sqlite")]
        "sqlite" => Ok(Box::new(retort_sqlite::SqliteConnection::memory()?)),
        #[cfg(feature = "postgres")]
        "postgres" => {
            let url = need_server()?;
            let parsed = retort_postgres::parse_url(url.expose(), &url.to_string())?;
            let schema = parsed.schema.clone();
            Ok(Box::new(retort_postgres::ScratchDatabase::create(&parsed, schema.as_deref()).map_err(|e| redact_db(e, url))?))
        }
        #[cfg(feature = "mysql")]
        "mysql" => {
            let url = need_server()?;
            let opts = retort_mysql::parse_url(url.expose(), &url.to_string())?;
            Ok(Box::new(retort_mysql::ScratchDatabase::create(&opts, &url.to_string())?))
        }
        other => {
            let _ = need_server;
            Err(unsupported(other))
        }
    }
}

/// The SQL dialect for offline work, by engine name (`retort.toml`'s `dialect`).
pub fn dialect(name: &str) -> Result<Box<dyn Dialect>> {
    match name {
        #[cfg(feature = "sqlite")]
        "sqlite" => Ok(Box::new(retort_sqlite::SqliteDialect)),
        #[cfg(feature = "postgres")]
        "postgres" | "postgresql" => Ok(Box::new(retort_postgres::PgDialect)),
        #[cfg(feature = "mysql")]
        "mysql" | "mariadb" => Ok(Box::new(retort_mysql::MysqlDialect)),
        other => Err(unsupported(other)),
    }
}

/// Makes sure no driver message carries the raw URL (and so its password).
fn redact_db(e: DbError, url: &RedactedUrl) -> DbError {
    let hide = |s: String| s.replace(url.expose(), &url.to_string());
    match e {
        DbError::Connect { message, .. } => DbError::Connect { url: url.to_string(), message: hide(message) },
        DbError::Locked { seconds, .. } => DbError::Locked { url: url.to_string(), seconds },
        DbError::Missing { path, .. } => DbError::Missing { url: url.to_string(), path },
        other => other,
    }
}

/// Upgrades the database at `url` to the single head of the migrations in `migrations_dir`.
pub fn upgrade_to_head(url: &str, migrations_dir: impl AsRef<Path>) -> Result<RunReport> {
    let url = RedactedUrl::new(url.to_string());
    let graph = MigrationDir::new(migrations_dir.as_ref()).load_graph()?;
    let mut conn = connect(&url, Path::new("."))?;
    let migrator = Migrator::new(&graph, Default::default());
    migrator.run(conn.as_mut(), Mode::Upgrade, &Target::parse("head")?, &RunOptions::default(), &mut |_| {})
}
