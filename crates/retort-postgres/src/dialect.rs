//! PostgreSQL's SQL forms.
use retort_core::diff::{Change, RenderedStatement};
use retort_core::engine::{Capabilities, Dialect, VersionTables};
use retort_core::error::DbError;
use retort_core::schema::Schema;

pub fn quote(ident: &str) -> String {
    format!("\"{}\"", ident.replace('"', "\"\""))
}

/// A string literal; `standard_conforming_strings` is on (the default since 9.1).
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\'', "''"))
}

#[derive(Clone, Copy, Debug, Default)]
pub struct PgDialect;

impl Dialect for PgDialect {
    fn name(&self) -> &'static str {
        "postgres"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { transactional_ddl: true }
    }

    fn now_expr(&self) -> &'static str {
        "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
    }

    fn render(&self, from: &Schema, to: &Schema, changes: &[Change]) -> Result<Vec<RenderedStatement>, DbError> {
        Ok(crate::render::render(from, to, changes))
    }

    fn create_version_tables(&self, t: &VersionTables) -> Vec<String> {
        vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {} (version_num VARCHAR(32) NOT NULL, CONSTRAINT {} PRIMARY KEY (version_num))",
                quote(&t.version),
                quote(&format!("{}_pkc", t.version))
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {} (id BIGSERIAL PRIMARY KEY, revision VARCHAR(32) NOT NULL, direction VARCHAR(8) NOT NULL, status VARCHAR(16) NOT NULL, checksum VARCHAR(64), message TEXT, script TEXT, applied_at VARCHAR(40) NOT NULL, duration_ms BIGINT, applied_by TEXT, tool_version VARCHAR(40) NOT NULL, error TEXT)",
                quote(&t.log)
            ),
        ]
    }
}
