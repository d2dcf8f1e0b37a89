//! The bookkeeping tables: Alembic's version table (one row per applied head) and
//! retort's log (one row per applied, reverted, stamped or accepted revision, with the
//! file's text). Every read of them is here.
use crate::apply::migrator::Migrator;
use crate::engine::Connection;
use crate::error::DbError;
use crate::history::log::{LogEntry, LogStatus};

impl Migrator<'_> {
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

    pub(crate) fn log_where(
        &self,
        conn: &mut dyn Connection,
        filter: &str,
    ) -> Result<Vec<LogEntry>, DbError> {
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
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}
