//! MySQL/MariaDB SQL forms.
use retort_core::diff::{Change, RenderedStatement};
use retort_core::engine::{Capabilities, Dialect, VersionTables};
use retort_core::error::DbError;
use retort_core::schema::Schema;

pub fn quote(ident: &str) -> String {
    format!("`{}`", ident.replace('`', "``"))
}

/// A string literal safe with and without `NO_BACKSLASH_ESCAPES`.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

#[derive(Clone, Copy, Debug, Default)]
pub struct MysqlDialect;

impl Dialect for MysqlDialect {
    fn name(&self) -> &'static str {
        "mysql"
    }

    /// DDL commits implicitly (https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html).
    fn capabilities(&self) -> Capabilities {
        Capabilities { transactional_ddl: false }
    }

    fn quote_ident(&self, ident: &str) -> String {
        quote(ident)
    }

    fn quote_literal(&self, value: &str) -> String {
        literal(value)
    }

    fn now_expr(&self) -> &'static str {
        "DATE_FORMAT(UTC_TIMESTAMP(), '%Y-%m-%dT%H:%i:%sZ')"
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
                "CREATE TABLE IF NOT EXISTS {} (id BIGINT AUTO_INCREMENT PRIMARY KEY, revision VARCHAR(32) NOT NULL, direction VARCHAR(8) NOT NULL, status VARCHAR(16) NOT NULL, checksum VARCHAR(64), message TEXT, script LONGTEXT, applied_at VARCHAR(40) NOT NULL, duration_ms BIGINT, applied_by TEXT, tool_version VARCHAR(40) NOT NULL, error TEXT)",
                quote(&t.log)
            ),
        ]
    }
}
