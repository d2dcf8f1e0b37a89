//! A live connection to one database ([`Connection`]): runs SQL, takes the migration
//! lock, introspects, backs up. What it runs comes from its [`Dialect`].
use crate::engine::Dialect;
use crate::error::DbError;
use crate::schema::Schema;
use crate::url::RedactedUrl;
use std::time::Duration;

/// A live connection to one database.
pub trait Connection {
    fn dialect(&self) -> &dyn Dialect;

    /// Runs one statement (or a trigger/function body the splitter kept whole).
    fn execute(&mut self, sql: &str) -> Result<(), DbError>;

    /// Runs statements in order; on failure, the index of the failing statement and its
    /// error. Engines where a round trip per statement is costly send them together.
    /// On engines with transactional DDL this is called inside a transaction.
    fn execute_script(&mut self, statements: &[String]) -> Result<(), (usize, DbError)> {
        for (i, s) in statements.iter().enumerate() {
            self.execute(s).map_err(|e| (i, e))?;
        }
        Ok(())
    }

    /// Runs a query and returns every value as text (NULL as `None`).
    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError>;

    /// Runs one data statement and returns the rows it changed: the version table's
    /// bookkeeping checks each statement matched exactly its row.
    fn execute_counted(&mut self, sql: &str) -> Result<u64, DbError>;

    fn table_exists(&mut self, name: &str) -> Result<bool, DbError>;

    /// Whether a table or a view of this name exists in the managed schema.
    fn relation_exists(&mut self, name: &str) -> Result<bool, DbError> {
        self.table_exists(name)
    }

    /// After a lock timeout: the other sessions that probably hold the lock (open
    /// transactions older than a second), one line each, for the message.
    fn lock_blockers(&mut self) -> Vec<String> {
        Vec::new()
    }

    /// Tries once to take the migration lock held for the whole run (advisory lock,
    /// GET_LOCK, …); the migrator waits and reports. Engines whose `begin` already
    /// serialises writers return true (`timeout` is then their busy timeout).
    fn try_lock(&mut self, timeout: Duration) -> Result<bool, DbError>;

    fn unlock(&mut self) -> Result<(), DbError>;

    /// Inside a revision's transaction: proves the migration lock is still this run's (a
    /// lease not taken over, a session lock held by this very server session), so a run
    /// that lost it stops before applying or committing anything more. Engines whose lock
    /// cannot be lost keep the default.
    fn confirm_lock(&mut self) -> Result<(), DbError> {
        Ok(())
    }

    /// Something the user should know about how the migration lock is held (it fell
    /// back from the session lock to the lease behind a pooler), said once after it is taken.
    fn lock_note(&mut self) -> Option<String> {
        None
    }

    /// Where the connection points, password redacted (for messages).
    fn describe(&self) -> String;

    /// The scratch databases on this connection's server (`retort_scratch_*`), for
    /// `doctor`; empty where scratch work never leaves the process (SQLite).
    fn scratch_databases(&mut self) -> Result<Vec<String>, DbError> {
        Ok(Vec::new())
    }

    /// The statement that drops scratch database `name`, for the user to run.
    fn drop_scratch_sql(&self, name: &str) -> String {
        format!("DROP DATABASE {}", self.dialect().quote_ident(name))
    }

    /// The cluster this connection's server belongs to, said for the user (node, size and
    /// how schema changes replicate), or `None` for a single server.
    fn cluster(&mut self) -> Option<String> {
        None
    }

    /// The engine's estimate of a table's rows (statistics, not a count), if it keeps one.
    fn approximate_rows(&mut self, table: &str) -> Option<u64> {
        let _ = table;
        None
    }

    /// Writes a backup of the whole database to `path` (which exists, empty, with
    /// owner-only permissions). SQLite: the online backup API; servers: their dump tool.
    fn backup(&mut self, path: &std::path::Path) -> Result<(), DbError> {
        let _ = path;
        Err(DbError::Unsupported(format!(
            "backups are not available for {}",
            self.dialect().name()
        )))
    }

    /// Replaces the database's contents with a backup made by [`Connection::backup`].
    fn restore(&mut self, path: &std::path::Path) -> Result<(), DbError> {
        let _ = path;
        Err(DbError::Unsupported(format!("restore is not available for {}", self.dialect().name())))
    }

    /// A backup for a rehearsal's copy ([`crate::rehearse`]): like [`Connection::backup`],
    /// but when `data_of` is given only those tables' rows are written (every object's
    /// definition still is), so a copy of a large database can hold just what the
    /// pending revisions touch.
    fn backup_for_copy(
        &mut self,
        path: &std::path::Path,
        data_of: Option<&[String]>,
    ) -> Result<(), DbError> {
        match data_of {
            None => self.backup(path),
            Some(_) => Err(DbError::Unsupported(format!(
                "--only-touched is not available for {}: the copy holds the whole database",
                self.dialect().name()
            ))),
        }
    }

    /// This session's id on the server (`pg_backend_pid()`, `CONNECTION_ID()`), which
    /// another session names to watch its locks or cancel its statement; `None` where
    /// sessions have no id (SQLite: one lock for the whole database).
    fn session_id(&mut self) -> Result<Option<String>, DbError> {
        Ok(None)
    }

    /// The locks session `session` holds on tables right now, read from another
    /// session (`pg_locks`, MariaDB's metadata lock table; SQLite: whether another
    /// connection holds the database's write lock). `None` when the server does not
    /// show them (MariaDB without `metadata_lock_info` or the performance schema).
    fn held_locks(&mut self, session: Option<&str>) -> Result<Option<Vec<HeldLock>>, DbError> {
        let _ = session;
        Ok(None)
    }

    /// Where [`Connection::held_locks`] reads from, or why it cannot, said once in a
    /// rehearsal's report.
    fn lock_source(&mut self) -> String {
        "the server does not show which locks a session holds".into()
    }

    /// Cancels the statement session `session` is running (Ctrl-C during a rehearsal).
    fn cancel_session(&mut self, session: &str) -> Result<(), DbError> {
        let _ = session;
        Ok(())
    }

    /// Each table's storage (PostgreSQL `relfilenode`, InnoDB's table id, SQLite's root
    /// page): one that changes across a statement means the statement rewrote the table.
    /// Empty where the engine cannot tell.
    fn storage_ids(&mut self) -> Result<Vec<(String, String)>, DbError> {
        Ok(Vec::new())
    }

    /// Runs one statement as [`Connection::execute`] does and returns the rows it
    /// affected, when the server says (a rehearsal's report).
    fn execute_reporting(&mut self, sql: &str) -> Result<Option<u64>, DbError> {
        self.execute(sql).map(|()| None)
    }

    /// The file extension of this engine's backups.
    fn backup_extension(&self) -> &'static str {
        "bak"
    }

    /// Reads the live schema into the core's model.
    fn introspect(&mut self) -> Result<Schema, DbError>;

    /// Empties a kept scratch area (every object dropped, the environment's schema
    /// recreated), for a full reload of the models.
    fn empty_scratch(&mut self) -> Result<(), DbError> {
        Err(DbError::Unsupported("this connection is not a kept scratch area".into()))
    }

    /// The server's (or library's) version: what normalises introspected schemas, so
    /// cached schemas are only reused on the same one.
    fn server_version(&mut self) -> Result<String, DbError> {
        Ok(String::new())
    }

    /// Objects of kinds the schema model does not cover (`["1 rule", "2
    /// policies"]`), so that autogenerate can say what it did not compare instead of
    /// leaving it out silently.
    fn uncompared(&mut self) -> Result<Vec<String>, DbError> {
        Ok(Vec::new())
    }

    /// The schemas the project owns (retort.toml `schemas`) besides the connection's
    /// own: introspection reads them too, naming their objects `schema.name`. An engine
    /// without schemas refuses a non-empty list.
    fn own_schemas(&mut self, schemas: &[String]) -> Result<(), DbError> {
        if schemas.is_empty() {
            return Ok(());
        }
        Err(DbError::Unsupported(format!(
            "schemas = [{}] in retort.toml: several schemas are a PostgreSQL feature; remove the setting",
            schemas.join(", ")
        )))
    }

    /// The largest statement the server accepts, with the setting that raises it, when
    /// the engine has such a limit (MySQL's `max_allowed_packet`). The migrator refuses a
    /// revision whose text (kept in the log) would not fit, before running any of it.
    fn max_statement_bytes(&mut self) -> Result<Option<(usize, &'static str)>, DbError> {
        Ok(None)
    }
}

/// A lock a session holds on a table, as [`Connection::held_locks`] reads it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct HeldLock {
    /// The table (`schema.name` outside the environment's schema); the whole database
    /// where the engine locks nothing smaller (SQLite).
    pub table: String,
    /// The engine's own name of the mode (`AccessExclusiveLock`, `MDL_SHARED_NO_WRITE`).
    pub mode: String,
    /// Whether a session writing to the table waits while this lock is held.
    pub blocks_writes: bool,
}

/// The rows of a two-column query as pairs (rows with a NULL left out): a table and
/// its storage id, a table and a lock mode.
pub fn pairs(rows: Vec<Vec<Option<String>>>) -> Vec<(String, String)> {
    rows.into_iter()
        .filter_map(|r| match <[Option<String>; 2]>::try_from(r) {
            Ok([Some(a), Some(b)]) => Some((a, b)),
            _ => None,
        })
        .collect()
}

/// `(count, singular, plural)` → `["1 policy", "2 rules"]`, the zero counts left out.
pub fn counted(kinds: &[(i64, &str, &str)]) -> Vec<String> {
    kinds
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect()
}

/// Makes sure no driver message carries the raw URL (and so its password).
pub fn redact_db_error(e: DbError, url: &RedactedUrl) -> DbError {
    let hide = |s: String| s.replace(url.expose(), &url.to_string());
    match e {
        DbError::Connect { message, .. } => {
            DbError::Connect { url: url.to_string(), message: hide(message) }
        }
        DbError::Locked { seconds, .. } => DbError::Locked { url: url.to_string(), seconds },
        DbError::Missing { path, .. } => DbError::Missing { url: url.to_string(), path },
        other => other,
    }
}
