//! MySQL/MariaDB SQL forms.
use retort_core::diff::Change;
use retort_core::engine::{Capabilities, Dialect, ModelStatement, SkippedStatement};
use retort_core::error::DbError;
use retort_core::render::RenderedStatement;
use retort_core::schema::Schema;

use crate::render::{literal, quote};

#[derive(Clone, Copy, Debug, Default)]
pub struct MysqlDialect;

impl Dialect for MysqlDialect {
    fn online_hint(&self, sql: &str) -> Option<&'static str> {
        let text = sql.to_ascii_uppercase();
        let words = retort_core::engine::leading_words(sql, 3);
        let alter = words.first().is_some_and(|w| w == "ALTER");
        let create_index = words.first().is_some_and(|w| w == "CREATE") && text.contains(" INDEX ");
        let online_kind = [
            "ADD INDEX",
            "ADD KEY",
            "ADD UNIQUE",
            "ADD COLUMN",
            "DROP COLUMN",
            "RENAME COLUMN",
            "ADD PRIMARY KEY",
            "DROP INDEX",
            "DROP KEY",
        ]
        .iter()
        .any(|k| text.contains(k));
        ((alter && online_kind || create_index) && !text.contains("ALGORITHM"))
            .then_some("--online writes it with ALGORITHM=INPLACE, LOCK=NONE: writes flow, or the server refuses instead of copying the table under a lock")
    }

    fn name(&self) -> &'static str {
        "mysql"
    }

    /// DDL commits implicitly (https://dev.mysql.com/doc/refman/8.0/en/implicit-commit.html).
    fn deferred_references(&self) -> Option<(&'static str, &'static str)> {
        Some(("SET FOREIGN_KEY_CHECKS = 0", "SET FOREIGN_KEY_CHECKS = 1"))
    }

    /// Statements about a whole database or the server are never run on the scratch
    /// database: `mariadb-dump --databases appdb` starts with `CREATE DATABASE appdb` and
    /// `USE appdb`, which would switch the scratch session to the live database (and its
    /// `DROP TABLE IF EXISTS` would then empty it). The scratch connection also refuses
    /// any statement that names another database and checks `DATABASE()` after each one
    /// (`scratch.rs`).
    fn model_statement<'a>(&self, sql: &'a str) -> ModelStatement<'a> {
        let words = retort_core::engine::leading_words(sql, 3);
        let word = |i: usize| words.get(i).map(String::as_str).unwrap_or("");
        let server_level = match word(0) {
            "USE" | "FLUSH" | "INSTALL" | "UNINSTALL" => true,
            "CREATE" | "ALTER" | "DROP" | "RENAME" => {
                matches!(word(1), "DATABASE" | "SCHEMA" | "USER" | "ROLE" | "SERVER")
                    || (word(1) == "OR" && matches!(word(3), "USER" | "ROLE" | "SERVER"))
            }
            "SET" => {
                matches!(
                    word(1),
                    "GLOBAL" | "PERSIST" | "PERSIST_ONLY" | "PASSWORD" | "ROLE" | "DEFAULT"
                ) || word(1).starts_with("@@GLOBAL.")
            }
            _ => false,
        };
        if server_level {
            return ModelStatement::Skip(SkippedStatement::DatabaseLevel);
        }
        retort_core::engine::default_model_statement(sql)
    }

    /// The version table's rows locked for the step's transaction (InnoDB row and gap
    /// locks: another run's bookkeeping waits). DDL commits implicitly and releases it,
    /// so on MySQL the migration lock stays the main guard.
    fn lock_version_table(&self, version_table: &str) -> Option<String> {
        Some(format!("SELECT version_num FROM {} FOR UPDATE", self.quote_ident(version_table)))
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities { transactional_ddl: false, scratch_needs_server: true, ..Default::default() }
    }

    fn default_lock_timeout(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(5))
    }

    /// `lock_wait_timeout` (metadata locks: what DDL waits for; MariaDB's default is a
    /// day) and `innodb_lock_wait_timeout` (row locks: data statements), both in whole
    /// seconds, at least one. No statement timeout: MySQL's `max_execution_time` covers
    /// only SELECT.
    fn session_timeouts_sql(
        &self,
        lock: Option<std::time::Duration>,
        statement: Option<std::time::Duration>,
    ) -> Vec<String> {
        let mut out = match lock {
            Some(d) if !d.is_zero() => {
                let secs = d.as_secs_f64().ceil().max(1.0) as u64;
                vec![
                    format!("SET SESSION lock_wait_timeout = {secs}"),
                    format!("SET SESSION innodb_lock_wait_timeout = {secs}"),
                ]
            }
            _ => Vec::new(),
        };
        // MariaDB's `max_statement_time` (10.1+) covers every statement, DDL included;
        // MySQL has no equivalent (`max_execution_time` is for SELECT only). The
        // `/*M!` executable comment runs on MariaDB only, so on MySQL this sets a
        // harmless user variable (https://mariadb.com/kb/en/comment-syntax/).
        if let Some(d) = statement.filter(|d| !d.is_zero()) {
            let secs = d.as_secs_f64();
            out.push(format!("SET @retort_statement_timeout = {secs:.3} /*M!100100 , SESSION max_statement_time = {secs:.3} */"));
        }
        out
    }

    fn extra_rules(&self) -> &'static [&'static retort_core::lint::Rule] {
        crate::lint::RULES
    }

    fn parser_dialect(&self) -> Box<dyn sqlparser::dialect::Dialect> {
        Box::new(sqlparser::dialect::MySqlDialect {})
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

    fn render(
        &self,
        from: &Schema,
        to: &Schema,
        changes: &[Change],
    ) -> Result<Vec<RenderedStatement>, DbError> {
        crate::render::render(from, to, changes)
    }

    fn render_online(
        &self,
        from: &Schema,
        to: &Schema,
        changes: &[Change],
    ) -> Result<Vec<RenderedStatement>, DbError> {
        crate::render::render_online(from, to, changes)
    }

    fn log_id_column(&self) -> &'static str {
        "id BIGINT AUTO_INCREMENT PRIMARY KEY"
    }

    fn long_text_type(&self) -> &'static str {
        "LONGTEXT"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_hints_name_inplace_where_the_server_can_keep_writes_flowing() {
        let d = MysqlDialect;
        for plain in [
            "ALTER TABLE t ADD INDEX i (a)",
            "ALTER TABLE t DROP COLUMN a",
            "CREATE INDEX i ON t (a)",
        ] {
            assert!(d.online_hint(plain).is_some(), "{plain}");
        }
        for other in [
            "ALTER TABLE t ADD INDEX i (a), ALGORITHM=INPLACE, LOCK=NONE",
            "ALTER TABLE t MODIFY a BIGINT",
            "UPDATE t SET a = 1",
        ] {
            assert_eq!(d.online_hint(other), None, "{other}");
        }
    }
}
