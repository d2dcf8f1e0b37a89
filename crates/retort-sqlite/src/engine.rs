//! SQLite as the facade's registry sees it: `sqlite:` URLs, files opened (or created),
//! scratch databases in memory.
use crate::{SqliteConnection, SqliteDialect};
use retort_core::engine::{redact_db_error, Connection, Dialect, Engine};
use retort_core::url::RedactedUrl;
use std::path::Path;

pub struct SqliteEngine;

impl Engine for SqliteEngine {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn url_schemes(&self) -> &'static [&'static str] {
        &["sqlite"]
    }

    fn dialect(&self) -> Box<dyn Dialect> {
        Box::new(SqliteDialect)
    }

    fn open(&self, url: &RedactedUrl, base: &Path) -> retort_core::Result<Box<dyn Connection>> {
        Ok(Box::new(
            SqliteConnection::open(url.expose(), base).map_err(|e| redact_db_error(e, url))?,
        ))
    }

    fn open_existing(
        &self,
        url: &RedactedUrl,
        base: &Path,
    ) -> retort_core::Result<Box<dyn Connection>> {
        Ok(Box::new(
            SqliteConnection::open_existing(url.expose(), base)
                .map_err(|e| redact_db_error(e, url))?,
        ))
    }

    fn scratch(&self, _server: Option<&RedactedUrl>) -> retort_core::Result<Box<dyn Connection>> {
        Ok(Box::new(SqliteConnection::memory()?))
    }

    /// A file in the temporary directory, filled with the backup API: a copy on disk,
    /// so the migrator, the lock sampler and the writers share it as they would share
    /// the real file.
    fn copy_database(
        &self,
        _server: Option<&RedactedUrl>,
        _like: &RedactedUrl,
        _base: &Path,
        backup: &Path,
    ) -> retort_core::Result<retort_core::engine::DatabaseCopy> {
        let name = retort_core::cleanup::scratch_name();
        let path = std::env::temp_dir().join(format!("{name}.db"));
        let files: Vec<std::path::PathBuf> = ["", "-journal", "-wal", "-shm"]
            .iter()
            .map(|suffix| std::path::PathBuf::from(format!("{}{suffix}", path.display())))
            .collect();
        let cleanup = retort_core::cleanup::register(Box::new(move || {
            for f in &files {
                let _ = std::fs::remove_file(f);
            }
        }));
        let url = format!("sqlite://{}", path.display());
        let copy = retort_core::engine::DatabaseCopy {
            describe: format!("file {}", path.display()),
            name: path.display().to_string(),
            open: {
                let url = url.clone();
                std::sync::Arc::new(move || {
                    let conn: Box<dyn Connection> =
                        Box::new(SqliteConnection::open_existing(&url, Path::new("/"))?);
                    Ok(conn)
                })
            },
            cleanup,
        };
        // The backup is a database file already: copied as it is (the backup API would
        // read and write every page once more). A file that is not one is refused.
        if !crate::is_sqlite_file(backup) {
            return Err(retort_core::error::DbError::NotABackup {
                path: backup.to_path_buf(),
                expected: "a SQLite database (as `retort backup` writes)".into(),
            }
            .into());
        }
        std::fs::copy(backup, &path).map_err(|e| retort_core::error::DbError::Query {
            message: format!("cannot copy {} to {}: {e}", backup.display(), path.display()),
            sql: String::new(),
        })?;
        Ok(copy)
    }
}
