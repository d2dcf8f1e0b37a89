//! `retort init`: a new project — retort.toml, models.sql, migrations/versions/ and a
//! .gitignore — for the engine the URL names.
use crate::config::{template, FILE_NAME};
use crate::engine::Engine;
use crate::error::{ConfigError, Error};
use crate::url::RedactedUrl;
use std::path::{Path, PathBuf};

const MODELS: &str = "-- The schema you want, as plain SQL DDL in your database's dialect.\n-- Edit it, then run `retort migrate -m \"what changed\"` to generate a revision.\n";
const GITIGNORE: &str = "# retort: backups can hold production data; never commit them.\n/backups/\n# retort's cache of replayed schemas\n/.retort/\n# local development databases\n*.db\n*.db-journal\n*.db-wal\n*.db-shm\n";

/// Creates the project in `dir`. The engine follows `url` (`--url`), else `database_url`
/// (the process's DATABASE_URL), else SQLite. A URL from the environment is referenced
/// as `${DATABASE_URL}`, not copied: it may hold a password, and retort.toml is
/// committed — which is also why a `url` holding a password is refused. Files that
/// exist already (the user's models.sql, .gitignore) are kept.
pub fn init(
    dir: &Path,
    url: Option<&str>,
    database_url: Option<String>,
    engines: &[&'static dyn Engine],
) -> Result<PathBuf, Error> {
    let config = dir.join(FILE_NAME);
    if config.exists() {
        return Err(ConfigError::AlreadyExists(config).into());
    }
    if url.is_some_and(|u| RedactedUrl::new(u.to_string()).has_password()) {
        return Err(Error::usage(
            "--url holds a password, which would be written into retort.toml in clear (and committed with it)",
            Some("give the URL through the environment instead: `DATABASE_URL='…' retort init` writes url = \"${DATABASE_URL}\"; or write `url = \"postgres://user:${DB_PASSWORD}@host/db\"` in retort.toml by hand".into()),
        ));
    }
    let versions = dir.join("migrations").join("versions");
    std::fs::create_dir_all(&versions)
        .map_err(|e| Error::io(format!("creating {}", versions.display()), e))?;
    let (url, written_url) = match (url, database_url.filter(|u| !u.trim().is_empty())) {
        (Some(u), _) => (u.to_string(), u.to_string()),
        (None, Some(env_url)) => (env_url, "${DATABASE_URL}".to_string()),
        (None, None) => ("sqlite://dev.db".to_string(), "sqlite://dev.db".to_string()),
    };
    let dialect = crate::engine::for_url(engines, &RedactedUrl::new(url))?.name();
    let write = |name: &str, text: &str| -> Result<(), Error> {
        let path = dir.join(name);
        if path.exists() {
            return Ok(());
        }
        crate::fsio::write_new_atomic(&path, text.as_bytes())
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))
    };
    write(FILE_NAME, &template(dialect, &written_url))?;
    write("models.sql", MODELS)?;
    write(".gitignore", GITIGNORE)?;
    write("migrations/versions/.gitkeep", "")?;
    Ok(dir.to_path_buf())
}
