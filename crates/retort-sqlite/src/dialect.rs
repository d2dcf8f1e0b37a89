//! SQLite's SQL forms: identifiers, transactions, bookkeeping tables.
use retort_core::diff::Change;
use retort_core::render::RenderedStatement;
use retort_core::engine::{Capabilities, Dialect};
use retort_core::error::DbError;
use retort_core::schema::Schema;

#[derive(Clone, Copy, Debug, Default)]
pub struct SqliteDialect;

impl Dialect for SqliteDialect {
    fn name(&self) -> &'static str {
        "sqlite"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { transactional_ddl: true, ..Default::default() }
    }

    /// `sqlite3 .schema` lists `CREATE TABLE sqlite_sequence(name,seq)` (made by SQLite
    /// for AUTOINCREMENT, and refused when created by hand): left out.
    fn model_statement<'a>(&self, sql: &'a str) -> Option<std::borrow::Cow<'a, str>> {
        let upper = sql.trim_start().to_ascii_uppercase();
        let internal = upper.starts_with("CREATE TABLE SQLITE_") || upper.starts_with("CREATE TABLE \"SQLITE_") || upper.starts_with("CREATE TABLE IF NOT EXISTS SQLITE_");
        (!internal).then_some(std::borrow::Cow::Borrowed(sql))
    }

    fn parser_dialect(&self) -> Box<dyn sqlparser::dialect::Dialect> {
        Box::new(sqlparser::dialect::SQLiteDialect {})
    }

    /// `BEGIN IMMEDIATE` takes the write lock at once, so two runs cannot both read the
    /// version table and then apply the same revision (https://sqlite.org/lang_transaction.html).
    fn begin(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }

    fn render(&self, from: &Schema, to: &Schema, changes: &[Change]) -> Result<Vec<RenderedStatement>, DbError> {
        crate::render::render(from, to, changes)
    }

    fn now_expr(&self) -> &'static str {
        "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
    }

    fn log_id_column(&self) -> &'static str {
        "id INTEGER PRIMARY KEY AUTOINCREMENT"
    }
}
