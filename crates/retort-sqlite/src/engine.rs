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
}
