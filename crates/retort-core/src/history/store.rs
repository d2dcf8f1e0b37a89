//! The bookkeeping tables of one project as the migrator keeps them: Alembic's version
//! table (one row per applied head) and retort's log (one row per applied, reverted,
//! stamped or accepted revision, with the file's text). Every read of them is here, with
//! creating them and holding the version table inside a step's transaction.
use crate::engine::{Connection, Dialect};
use crate::error::{DbError, Error, StateError};
use crate::history::bookkeeping::Bookkeeping;
use crate::history::log::{LogDirection, LogEntry, LogRecord, LogStatus, VersionTables};
use crate::revision::file::RevisionFile;

/// The version and log tables, by their configured names.
#[derive(Clone, Debug, Default)]
pub struct VersionStore {
    pub tables: VersionTables,
}

impl VersionStore {
    pub fn new(tables: VersionTables) -> Self {
        VersionStore { tables }
    }

    /// The tables' statements in `dialect`.
    pub fn sql<'a>(&'a self, dialect: &'a dyn Dialect) -> Bookkeeping<'a> {
        Bookkeeping::new(dialect, &self.tables)
    }

    /// The version table's raw rows (sorted); empty when the table does not exist yet.
    pub fn current_rows(&self, conn: &mut dyn Connection) -> Result<Vec<String>, DbError> {
        if !conn.table_exists(&self.tables.version)? {
            return Ok(Vec::new());
        }
        self.rows_of_existing_table(conn)
    }

    /// `current_rows` when the table is known to exist (inside a run: one query less per step).
    pub(crate) fn rows_of_existing_table(
        &self,
        conn: &mut dyn Connection,
    ) -> Result<Vec<String>, DbError> {
        let sql =
            format!("SELECT version_num FROM {}", conn.dialect().quote_ident(&self.tables.version));
        let rows = conn.query(&sql)?;
        Ok(sorted(rows.into_iter().filter_map(|r| r.into_iter().next().flatten()).collect()))
    }

    /// The log, oldest first.
    pub fn log(&self, conn: &mut dyn Connection) -> Result<Vec<LogEntry>, DbError> {
        self.log_where(conn, "")
    }

    fn log_where(&self, conn: &mut dyn Connection, filter: &str) -> Result<Vec<LogEntry>, DbError> {
        if !conn.table_exists(&self.tables.log)? {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, revision, direction, status, checksum, message, script, applied_at, duration_ms, applied_by, tool_version, error FROM {} {filter} ORDER BY id",
            conn.dialect().quote_ident(&self.tables.log)
        );
        let rows = conn.query(&sql)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let s = |i: usize| r.get(i).cloned().flatten();
                LogEntry {
                    id: s(0).and_then(|v| v.parse().ok()).unwrap_or_default(),
                    revision: s(1).unwrap_or_default(),
                    direction: s(2).unwrap_or_default(),
                    status: s(3).unwrap_or_default(),
                    checksum: s(4),
                    message: s(5),
                    script: s(6),
                    applied_at: s(7).unwrap_or_default(),
                    duration_ms: s(8).and_then(|v| v.parse().ok()),
                    applied_by: s(9),
                    tool_version: s(10).unwrap_or_default(),
                    error: s(11),
                }
            })
            .collect())
    }

    /// The unfinished revision a non-transactional engine left behind, if any.
    pub fn dirty_entry(&self, conn: &mut dyn Connection) -> Result<Option<LogEntry>, DbError> {
        let filter = format!(
            "WHERE status IN ('{}', '{}')",
            LogStatus::InProgress.as_str(),
            LogStatus::Failed.as_str()
        );
        Ok(self.log_where(conn, &filter)?.pop())
    }

    /// The dirty state as an error: nothing may run until it is resolved.
    pub fn refuse_if_dirty(&self, conn: &mut dyn Connection) -> Result<(), Error> {
        match self.dirty_entry(conn)? {
            Some(e) => Err(StateError::Dirty {
                rev: e.revision,
                direction: e.direction,
                status: e.status,
                error: e.error,
            }
            .into()),
            None => Ok(()),
        }
    }

    /// Creates both tables where they are missing.
    pub fn ensure_tables(&self, conn: &mut dyn Connection) -> Result<(), Error> {
        let names = [self.tables.version.clone(), self.tables.log.clone()];
        for (ddl, name) in self.sql(conn.dialect()).create_tables().into_iter().zip(names) {
            // Two runs whose migration lock did not hold (a pooler) can both create a
            // table `IF NOT EXISTS` and collide in the catalog: it exists, which is all
            // that is needed.
            if let Err(e) = conn.execute(&ddl) {
                if !conn.table_exists(&name).unwrap_or(false) {
                    return Err(e.into());
                }
            }
        }
        Ok(())
    }

    /// In a step's transaction: the version table locked (where `begin` does not already
    /// serialise writers) and, if `confirm`, the migration lock proven still ours.
    pub(crate) fn hold(&self, conn: &mut dyn Connection, confirm: bool) -> Result<(), DbError> {
        if let Some(sql) = self.sql(conn.dialect()).lock_version_table() {
            conn.execute(&sql)?;
        }
        if confirm {
            conn.confirm_lock()?;
        }
        Ok(())
    }
}

/// The log row for `file` as it is now (its checksum and whole text).
pub fn record_of<'a>(
    file: &'a RevisionFile,
    direction: LogDirection,
    status: LogStatus,
    applied_at: Option<&'a str>,
    duration_ms: Option<u64>,
    applied_by: &'a str,
) -> LogRecord<'a> {
    LogRecord {
        revision: file.id.as_str(),
        direction,
        status,
        checksum: Some(&file.checksum),
        message: &file.message,
        script: Some(&file.text),
        applied_at,
        duration_ms,
        applied_by,
        tool_version: crate::TOOL_VERSION,
    }
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}
