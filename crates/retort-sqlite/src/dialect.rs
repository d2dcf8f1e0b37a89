//! SQLite's SQL forms: identifiers, transactions, bookkeeping tables.
use retort_core::diff::Change;
use retort_core::engine::{Capabilities, Dialect, ModelStatement, SkippedStatement};
use retort_core::error::DbError;
use retort_core::render::RenderedStatement;
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
    /// for AUTOINCREMENT, and refused when created by hand): left out. `ATTACH` (and
    /// `VACUUM INTO`, which writes a database file) would reach files outside the scratch
    /// database in memory — `ATTACH 'dev.db'` then `DELETE FROM live.t` empties the live
    /// database — so they are refused before anything runs.
    fn model_statement<'a>(&self, sql: &'a str) -> ModelStatement<'a> {
        let upper = sql.trim_start().to_ascii_uppercase();
        let internal = upper.starts_with("CREATE TABLE SQLITE_")
            || upper.starts_with("CREATE TABLE \"SQLITE_")
            || upper.starts_with("CREATE TABLE IF NOT EXISTS SQLITE_");
        if internal {
            return ModelStatement::Skip(SkippedStatement::EngineInternal);
        }
        let words = retort_core::engine::leading_words(sql, 2);
        match (words.first().map(String::as_str), words.get(1).map(String::as_str)) {
            (Some(w @ ("ATTACH" | "DETACH")), _) => ModelStatement::Refuse(format!(
                "{w} is refused in models: it reaches a database file outside the scratch database autogenerate loads the models into (models declare this database's schema only; remove the statement)"
            )),
            (Some("VACUUM"), _) if upper.contains(" INTO ") => {
                ModelStatement::Refuse("VACUUM INTO is refused in models: it writes a database file outside the scratch database (remove the statement)".into())
            }
            _ => retort_core::engine::default_model_statement(sql),
        }
    }

    fn parser_dialect(&self) -> Box<dyn sqlparser::dialect::Dialect> {
        Box::new(sqlparser::dialect::SQLiteDialect {})
    }

    /// The sqlite3 shell's dot-command: stop at the first error
    /// (https://sqlite.org/cli.html#dot_commands); inside BEGIN … COMMIT it would go on.
    fn offline_preamble(&self) -> Option<&'static str> {
        Some(".bail on")
    }

    /// `BEGIN IMMEDIATE` takes the write lock at once, so two runs cannot both read the
    /// version table and then apply the same revision (https://sqlite.org/lang_transaction.html).
    fn begin(&self) -> &'static str {
        "BEGIN IMMEDIATE"
    }

    fn render(
        &self,
        from: &Schema,
        to: &Schema,
        changes: &[Change],
    ) -> Result<Vec<RenderedStatement>, DbError> {
        crate::render::render(from, to, changes)
    }

    fn now_expr(&self) -> &'static str {
        "strftime('%Y-%m-%dT%H:%M:%SZ', 'now')"
    }

    fn log_id_column(&self) -> &'static str {
        "id INTEGER PRIMARY KEY AUTOINCREMENT"
    }
}
