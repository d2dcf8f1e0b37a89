//! SQLite's SQL forms: identifiers, transactions, bookkeeping tables.
use retort_core::diff::{Change, RenderedStatement};
use retort_core::engine::{Capabilities, Dialect, VersionTables};
use retort_core::error::DbError;
use retort_core::schema::Schema;

#[derive(Clone, Copy, Debug, Default)]
pub struct SqliteDialect;

impl Dialect for SqliteDialect {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { transactional_ddl: true }
    }

    /// `BEGIN IMMEDIATE` takes the write lock at once, so two runs cannot both read the
    /// version table and then apply the same revision (https://sqlite.org/lang_transaction.html).
    fn begin(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }

    fn render(&self, from: &Schema, to: &Schema, changes: &[Change]) -> Result<Vec<RenderedStatement>, DbError> {
        Ok(crate::render::render(self, from, to, changes))
    }

    fn now_expr(&self) -> &'static str {
        "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
    }

    fn create_version_tables(&self, t: &VersionTables) -> Vec<String> {
        vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {} (version_num VARCHAR(32) NOT NULL, CONSTRAINT {} PRIMARY KEY (version_num))",
                self.quote_ident(&t.version),
                self.quote_ident(&format!("{}_pkc", t.version))
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {} (id INTEGER PRIMARY KEY AUTOINCREMENT, revision VARCHAR(32) NOT NULL, direction VARCHAR(8) NOT NULL, status VARCHAR(16) NOT NULL, checksum VARCHAR(64), message TEXT, script TEXT, applied_at VARCHAR(40) NOT NULL, duration_ms INTEGER, applied_by TEXT, tool_version VARCHAR(40) NOT NULL, error TEXT)",
                self.quote_ident(&t.log)
            ),
        ]
    }
}
