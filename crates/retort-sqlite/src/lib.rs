//! retort-sqlite: the SQLite engine — the embedded default, nothing to install.
//!
//! Connection and execution ([`SqliteConnection`]), SQL rendering ([`SqliteDialect`]),
//! introspection into the core's schema model (`introspect`) and the table-rebuild
//! renderer (`render`). Dialect-specific SQLite knowledge lives here and nowhere else.
mod dialect;
mod engine;
mod introspect;
mod render;

pub use dialect::SqliteDialect;
pub use engine::SqliteEngine;

use retort_core::engine::{Connection, Dialect};
use retort_core::error::{DbError, StorageCause};
use retort_core::schema::Schema;
use rusqlite::types::ValueRef;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where a `sqlite:` URL points.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SqliteTarget {
    Memory,
    File(PathBuf),
}

/// Parses `sqlite://relative.db`, `sqlite:///abs/path.db`, `sqlite::memory:` and
/// `sqlite://:memory:`; relative paths are taken from `base` (the project directory).
pub fn parse_url(url: &str, base: &Path) -> Result<SqliteTarget, String> {
    let rest = url
        .strip_prefix("sqlite:")
        .ok_or_else(|| "a SQLite URL starts with sqlite:".to_string())?;
    let rest = rest.split('?').next().unwrap_or_default();
    if rest == ":memory:" || rest == "//:memory:" {
        return Ok(SqliteTarget::Memory);
    }
    let path = rest.strip_prefix("//").unwrap_or(rest);
    if path.is_empty() {
        return Err("no file path after sqlite://".into());
    }
    let p = Path::new(path);
    Ok(SqliteTarget::File(if p.is_absolute() { p.to_path_buf() } else { base.join(p) }))
}

/// retort.toml's `lock = "lease"` reaches engines as `lock=`/`lease=` URL parameters;
/// SQLite has no choice of lock (its own write lock serialises writers), so a URL asking
/// for one is a configuration mistake, said as such rather than ignored.
fn refuse_lock_params(url: &str) -> Result<(), DbError> {
    let query = url.split_once('?').map(|(_, q)| q).unwrap_or_default();
    if query.split('&').any(|kv| matches!(kv.split('=').next(), Some("lock" | "lease"))) {
        return Err(DbError::InvalidUrl {
            url: url.into(),
            message:
                "`lock` is for PostgreSQL and MySQL/MariaDB; SQLite's lock is its own write lock"
                    .into(),
        });
    }
    Ok(())
}

/// Whether `path` starts with SQLite's file header (https://sqlite.org/fileformat.html).
pub(crate) fn is_sqlite_file(path: &Path) -> bool {
    let mut header = [0u8; 16];
    std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read_exact(&mut f, &mut header))
        .is_ok()
        && &header == b"SQLite format 3\0"
}

pub struct SqliteConnection {
    conn: rusqlite::Connection,
    dialect: SqliteDialect,
    display: String,
    /// How long a write waits for another writer (the lock timeout), for messages.
    busy_timeout: Duration,
}

impl SqliteConnection {
    /// Opens (creating if needed) the database a URL names.
    pub fn open(url: &str, base: &Path) -> Result<Self, DbError> {
        refuse_lock_params(url)?;
        let target = parse_url(url, base)
            .map_err(|message| DbError::Connect { url: url.into(), message })?;
        let conn = match &target {
            SqliteTarget::Memory => rusqlite::Connection::open_in_memory(),
            SqliteTarget::File(p) => {
                if let Some(parent) = p.parent() {
                    if !parent.as_os_str().is_empty() && !parent.exists() {
                        return Err(DbError::Connect {
                            url: url.into(),
                            message: format!("directory {} does not exist", parent.display()),
                        });
                    }
                }
                rusqlite::Connection::open(p)
            }
        }
        .map_err(|e| DbError::Connect { url: url.into(), message: e.to_string() })?;
        conn.busy_timeout(Duration::from_secs(60))
            .map_err(|e| DbError::Connect { url: url.into(), message: e.to_string() })?;
        // Migrations run with foreign keys off, as SQLite's own procedure for table
        // rebuilds requires (https://sqlite.org/lang_altertable.html#otheralter): with
        // them on, dropping the old table fires ON DELETE actions on the children.
        // Rebuilds end with `PRAGMA foreign_key_check` instead. (The bundled library
        // turns them on by default, and the pragma is a no-op inside a transaction.)
        conn.execute_batch("PRAGMA foreign_keys = OFF")
            .map_err(|e| DbError::Connect { url: url.into(), message: e.to_string() })?;
        Ok(SqliteConnection {
            conn,
            dialect: SqliteDialect,
            display: url.to_string(),
            busy_timeout: Duration::from_secs(60),
        })
    }

    /// Opens a database only if it already exists (read paths must not create files).
    pub fn open_existing(url: &str, base: &Path) -> Result<Self, DbError> {
        refuse_lock_params(url)?;
        if let Ok(SqliteTarget::File(p)) = parse_url(url, base) {
            if !p.exists() {
                return Err(DbError::Missing { url: url.into(), path: p });
            }
        }
        Self::open(url, base)
    }

    /// An in-memory database, for replaying migrations and applying models: a scratch
    /// area that can reach no file. SQLite itself refuses `ATTACH` on it (the limit of
    /// attached databases is 0, https://sqlite.org/limits.html#max_attached), whatever
    /// statement or trigger asks.
    pub fn memory() -> Result<Self, DbError> {
        let c = Self::open("sqlite::memory:", Path::new("."))?;
        c.conn.set_limit(rusqlite::limits::Limit::SQLITE_LIMIT_ATTACHED, 0);
        Ok(c)
    }

    /// The underlying rusqlite connection (for the online backup API and tests).
    pub fn raw(&self) -> &rusqlite::Connection {
        &self.conn
    }

    fn map_err(&self, e: rusqlite::Error, sql: &str) -> DbError {
        if let rusqlite::Error::SqliteFailure(f, _) = &e {
            match f.code {
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                    return DbError::Locked {
                        url: self.display.clone(),
                        seconds: self.busy_timeout.as_secs(),
                    };
                }
                rusqlite::ErrorCode::ReadOnly => {
                    return DbError::Storage {
                        cause: StorageCause::ReadOnly,
                        message: e.to_string(),
                    }
                }
                rusqlite::ErrorCode::DiskFull => {
                    return DbError::Storage { cause: StorageCause::Full, message: e.to_string() }
                }
                _ => {}
            }
        }
        DbError::Query { message: e.to_string(), sql: sql.to_string() }
    }
}

impl Connection for SqliteConnection {
    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        // `PRAGMA foreign_key_check` reports violations as rows instead of failing; a
        // rebuild that broke a reference must fail and roll back, so turn rows into an error.
        if sql
            .trim_start()
            .get(..24)
            .is_some_and(|p| p.eq_ignore_ascii_case("PRAGMA foreign_key_check"))
        {
            let rows = self.query(sql)?;
            if let Some(r) = rows.first() {
                let cell = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
                return Err(DbError::Query {
                    message: format!("{} row(s) violate foreign keys after the rebuild (first: table {} rowid {} references {})", rows.len(), cell(0), cell(1), cell(2)),
                    sql: sql.to_string(),
                });
            }
            return Ok(());
        }
        self.conn.execute_batch(sql).map_err(|e| self.map_err(e, sql))
    }

    fn execute_counted(&mut self, sql: &str) -> Result<u64, DbError> {
        self.conn.execute(sql, []).map(|n| n as u64).map_err(|e| self.map_err(e, sql))
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let mut stmt = self
            .conn
            .prepare(sql)
            .map_err(|e| DbError::Query { message: e.to_string(), sql: sql.into() })?;
        let n = stmt.column_count();
        let rows = stmt
            .query_map([], |row| {
                (0..n)
                    .map(|i| {
                        Ok(match row.get_ref(i)? {
                            ValueRef::Null => None,
                            ValueRef::Integer(v) => Some(v.to_string()),
                            ValueRef::Real(v) => Some(v.to_string()),
                            ValueRef::Text(t) => Some(String::from_utf8_lossy(t).into_owned()),
                            ValueRef::Blob(b) => Some(String::from_utf8_lossy(b).into_owned()),
                        })
                    })
                    .collect::<Result<Vec<_>, rusqlite::Error>>()
            })
            .and_then(|it| it.collect::<Result<Vec<_>, _>>());
        rows.map_err(|e| self.map_err(e, sql))
    }

    fn relation_exists(&mut self, name: &str) -> Result<bool, DbError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type IN ('table', 'view') AND name = ?1",
                [name],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(|e| self.map_err(e, "sqlite_schema lookup"))
    }

    fn table_exists(&mut self, name: &str) -> Result<bool, DbError> {
        self.conn
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = ?1",
                [name],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)
            .map_err(|e| self.map_err(e, "sqlite_schema lookup"))
    }

    /// SQLite has no advisory lock: each revision's `BEGIN IMMEDIATE` takes the write
    /// lock and the migrator re-checks the version table inside it, so concurrent runs
    /// apply every revision once. The timeout becomes the busy timeout.
    /// SQLite's lock is its write lock, taken by each revision's `BEGIN IMMEDIATE`. Probe
    /// it without waiting, so the migrator can say it waits (and retry) while another
    /// writer holds it; then let `BEGIN IMMEDIATE` wait up to `timeout` for any writer that
    /// slips in between.
    fn try_lock(&mut self, timeout: Duration) -> Result<bool, DbError> {
        // rusqlite panics past i32::MAX milliseconds; the CLI caps the flag far below.
        let timeout = timeout.min(Duration::from_millis(i32::MAX as u64));
        self.busy_timeout = timeout;
        let free = self.write_lock_free()?;
        Ok(free)
    }

    fn describe(&self) -> String {
        self.display.clone()
    }

    fn unlock(&mut self) -> Result<(), DbError> {
        Ok(())
    }

    fn introspect(&mut self) -> Result<Schema, DbError> {
        introspect::introspect(&self.conn).map_err(|e| self.map_err(e, "introspection"))
    }

    fn server_version(&mut self) -> Result<String, DbError> {
        Ok(rusqlite::version().to_string())
    }

    fn uncompared(&mut self) -> Result<Vec<String>, DbError> {
        introspect::uncompared(&self.conn).map_err(|e| self.map_err(e, "introspection"))
    }

    /// The online backup API: a consistent copy while others keep using the database.
    fn backup(&mut self, path: &Path) -> Result<(), DbError> {
        self.conn.backup(rusqlite::DatabaseName::Main, path, None).map_err(|e| {
            // The backup API reports the destination's failure by code; its message then
            // reads "not an error", so describe the code instead.
            let (cause, what) = match &e {
                rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::DiskFull => {
                    (Some(StorageCause::Full), "the disk is full".to_string())
                }
                rusqlite::Error::SqliteFailure(f, _) => (None, f.to_string()),
                other => (None, other.to_string()),
            };
            let message = format!("backup to {} failed: {what}", path.display());
            match cause {
                Some(cause) => DbError::Storage { cause, message },
                None => DbError::Query { message, sql: String::new() },
            }
        })
    }

    /// The online backup API replaces the whole database in one step; a file that is not
    /// a SQLite database is refused before anything changes.
    fn restore(&mut self, path: &Path) -> Result<(), DbError> {
        if !is_sqlite_file(path) {
            return Err(DbError::NotABackup {
                path: path.to_path_buf(),
                expected: "a SQLite database (as `retort backup` writes)".into(),
            });
        }
        // A damaged file (overwritten pages, truncated) must never replace the database:
        // SQLite's own check on the file first, read-only
        // (https://sqlite.org/pragma.html#pragma_integrity_check).
        let damage = rusqlite::Connection::open_with_flags(
            path,
            rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY | rusqlite::OpenFlags::SQLITE_OPEN_NO_MUTEX,
        )
        .and_then(|c| {
            let mut stmt = c.prepare("PRAGMA integrity_check(5)")?;
            let rows = stmt
                .query_map([], |r| r.get::<_, String>(0))?
                .collect::<Result<Vec<String>, _>>()?;
            Ok(rows)
        })
        .map_or_else(|e| Some(e.to_string()), |rows| (rows != ["ok"]).then(|| rows.join("; ")));
        if let Some(damage) = damage {
            return Err(DbError::NotABackup {
                path: path.to_path_buf(),
                expected: format!(
                    "an intact SQLite database (SQLite's integrity check says: {damage})"
                ),
            });
        }
        self.conn
            .restore(rusqlite::DatabaseName::Main, path, None::<fn(rusqlite::backup::Progress)>)
            .map_err(|e| DbError::Query {
                message: format!("restore from {} failed: {e}", path.display()),
                sql: String::new(),
            })
    }

    fn backup_extension(&self) -> &'static str {
        "sqlite"
    }

    /// SQLite locks the whole database: another connection holds its write lock
    /// when `BEGIN IMMEDIATE` cannot be had at once.
    fn held_locks(
        &mut self,
        _session: Option<&str>,
    ) -> Result<Option<Vec<retort_core::engine::HeldLock>>, DbError> {
        Ok(Some(if self.write_lock_free()? {
            Vec::new()
        } else {
            vec![retort_core::engine::HeldLock {
                table: "(database)".into(),
                mode: "write lock (RESERVED)".into(),
                blocks_writes: true,
            }]
        }))
    }

    fn lock_source(&mut self) -> String {
        "SQLite's database write lock (BEGIN IMMEDIATE from another connection)".into()
    }

    /// Each table's root page: a rebuilt table (created anew, rows copied) has a new one.
    fn storage_ids(&mut self) -> Result<Vec<(String, String)>, DbError> {
        Ok(retort_core::engine::pairs(self.query(
            "SELECT name, rootpage FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
        )?))
    }

    /// Rows the statement inserted, updated or deleted (`total_changes` before and after).
    fn execute_reporting(&mut self, sql: &str) -> Result<Option<u64>, DbError> {
        let before = self.conn.total_changes();
        self.execute(sql)?;
        Ok(Some(self.conn.total_changes().saturating_sub(before)))
    }
}

impl SqliteConnection {
    /// Whether the database's write lock is free now: `BEGIN IMMEDIATE` without waiting
    /// (rolled back at once), the busy timeout put back after.
    fn write_lock_free(&mut self) -> Result<bool, DbError> {
        self.conn.busy_timeout(Duration::ZERO).map_err(|e| self.map_err(e, "busy_timeout"))?;
        let free = match self.conn.execute_batch("BEGIN IMMEDIATE") {
            Ok(()) => {
                self.conn.execute_batch("ROLLBACK").map_err(|e| self.map_err(e, "ROLLBACK"))?;
                true
            }
            Err(rusqlite::Error::SqliteFailure(f, _))
                if matches!(
                    f.code,
                    rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked
                ) =>
            {
                false
            }
            Err(e) => return Err(self.map_err(e, "BEGIN IMMEDIATE")),
        };
        let timeout = self.busy_timeout;
        self.conn.busy_timeout(timeout).map_err(|e| self.map_err(e, "busy_timeout"))?;
        Ok(free)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_setting_is_a_configuration_error_not_ignored() {
        let dir = tempfile::tempdir().unwrap();
        for url in ["sqlite://x.db?lock=lease", "sqlite://x.db?mode=rwc&lease=5"] {
            for open in [SqliteConnection::open, SqliteConnection::open_existing] {
                match open(url, dir.path()) {
                    Err(DbError::InvalidUrl { message, .. }) => {
                        assert!(message.contains("SQLite's lock is its own write lock"))
                    }
                    Err(e) => panic!("{url}: {e}"),
                    Ok(_) => panic!("{url} opened"),
                }
            }
        }
        assert!(!dir.path().join("x.db").exists(), "nothing was created");
        assert!(SqliteConnection::open("sqlite://x.db", dir.path()).is_ok());
    }
}
