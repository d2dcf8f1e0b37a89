//! The bookkeeping tables' SQL, written once for every engine: the tables' DDL, the
//! version-table operations a plan carries, the log row, and the lock a step takes on
//! the version table. Engines answer the narrow questions (quoting, the clock
//! expression, the log's key column, the lock statement) through [`Dialect`]; the
//! statements themselves live here, apart from the connection that runs them (sqlx's
//! per-driver `Migrate` trait keeps bookkeeping apart the same way).
use crate::engine::Dialect;
use crate::history::log::{LogRecord, VersionTables};
use crate::plan::VersionOp;

/// The bookkeeping statements of one engine for one project's table names.
pub struct Bookkeeping<'a> {
    dialect: &'a dyn Dialect,
    tables: &'a VersionTables,
}

impl<'a> Bookkeeping<'a> {
    pub fn new(dialect: &'a dyn Dialect, tables: &'a VersionTables) -> Self {
        Bookkeeping { dialect, tables }
    }

    /// Idempotent DDL creating both bookkeeping tables (Alembic's version table shape).
    pub fn create_tables(&self) -> Vec<String> {
        let (d, t) = (self.dialect, self.tables);
        vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {} (version_num VARCHAR(32) NOT NULL, CONSTRAINT {} PRIMARY KEY (version_num))",
                d.quote_ident(&t.version),
                d.quote_ident(&format!("{}_pkc", t.version))
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {} ({}, revision VARCHAR(32) NOT NULL, direction VARCHAR(8) NOT NULL, status VARCHAR(16) NOT NULL, checksum VARCHAR(64), message TEXT, script {}, applied_at VARCHAR(40) NOT NULL, duration_ms BIGINT, applied_by TEXT, tool_version VARCHAR(40) NOT NULL, error TEXT)",
                d.quote_ident(&t.log),
                d.log_id_column(),
                d.long_text_type()
            ),
        ]
    }

    pub fn version_op(&self, op: &VersionOp) -> String {
        let d = self.dialect;
        let t = d.quote_ident(&self.tables.version);
        match op {
            VersionOp::Insert { rev } => {
                format!("INSERT INTO {t} (version_num) VALUES ({})", d.quote_literal(rev.as_str()))
            }
            VersionOp::Update { from, to } => format!(
                "UPDATE {t} SET version_num = {} WHERE version_num = {}",
                d.quote_literal(to.as_str()),
                d.quote_literal(from.as_str())
            ),
            VersionOp::Delete { rev } => {
                format!("DELETE FROM {t} WHERE version_num = {}", d.quote_literal(rev.as_str()))
            }
        }
    }

    pub fn log_insert(&self, rec: &LogRecord<'_>) -> String {
        let (d, tables) = (self.dialect, self.tables);
        let lit = |v: Option<&str>| v.map(|s| d.quote_literal(s)).unwrap_or_else(|| "NULL".into());
        format!(
            "INSERT INTO {} (revision, direction, status, checksum, message, script, applied_at, duration_ms, applied_by, tool_version) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
            d.quote_ident(&tables.log),
            d.quote_literal(rec.revision),
            d.quote_literal(rec.direction.as_str()),
            d.quote_literal(rec.status.as_str()),
            lit(rec.checksum),
            d.quote_literal(rec.message),
            lit(rec.script),
            rec.applied_at.map(|a| d.quote_literal(a)).unwrap_or_else(|| d.now_expr().to_string()),
            rec.duration_ms.map(|d| d.to_string()).unwrap_or_else(|| "NULL".into()),
            d.quote_literal(rec.applied_by),
            d.quote_literal(rec.tool_version),
        )
    }

    /// Locks the version table for the rest of the transaction (see
    /// [`Dialect::lock_version_table`]); `None` where `BEGIN` already serialises writers.
    pub fn lock_version_table(&self) -> Option<String> {
        self.dialect.lock_version_table(&self.tables.version)
    }
}
