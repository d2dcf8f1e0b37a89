//! PostgreSQL's SQL forms.
use retort_core::diff::Change;
use retort_core::engine::{Capabilities, Dialect, ModelStatement, SkippedStatement};
use retort_core::error::DbError;
use retort_core::render::RenderedStatement;
use retort_core::schema::Schema;

#[derive(Clone, Copy, Debug, Default)]
pub struct PgDialect;

impl Dialect for PgDialect {
    fn online_hint(&self, sql: &str) -> Option<&'static str> {
        let text = sql.to_ascii_uppercase();
        let words = retort_core::engine::leading_words(sql, 3);
        let create_index = words.first().is_some_and(|w| w == "CREATE")
            && (words.get(1).is_some_and(|w| w == "INDEX")
                || words.get(2).is_some_and(|w| w == "INDEX"));
        if create_index && !text.contains("CONCURRENTLY") {
            return Some("--online builds it with CREATE INDEX CONCURRENTLY, writes flowing");
        }
        if words.first().is_none_or(|w| w != "ALTER") {
            return None;
        }
        if text.contains("SET NOT NULL") {
            return Some("--online proves it first with a CHECK (… IS NOT NULL) added NOT VALID and validated without blocking writes, so SET NOT NULL does not scan under its lock");
        }
        let constraint = text.contains("ADD CONSTRAINT") || text.contains("ADD FOREIGN KEY");
        if constraint
            && (text.contains("FOREIGN KEY") || text.contains("CHECK"))
            && !text.contains("NOT VALID")
        {
            return Some("--online adds it NOT VALID and validates it in a later transaction, writes flowing");
        }
        if constraint
            && (text.contains("UNIQUE") || text.contains("PRIMARY KEY"))
            && !text.contains("USING INDEX")
        {
            return Some("--online builds its index CONCURRENTLY and attaches it with ADD CONSTRAINT … USING INDEX");
        }
        None
    }

    fn name(&self) -> &'static str {
        "postgres"
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            transactional_ddl: true,
            concurrent_index: true,
            volatile_default_rewrites: true,
            scratch_needs_server: true,
        }
    }

    fn default_lock_timeout(&self) -> Option<std::time::Duration> {
        Some(std::time::Duration::from_secs(2))
    }

    /// `lock_timeout` and `statement_timeout` for the session, in milliseconds; zero
    /// turns a timeout off (PostgreSQL's own meaning of 0).
    fn session_timeouts_sql(
        &self,
        lock: Option<std::time::Duration>,
        statement: Option<std::time::Duration>,
    ) -> Vec<String> {
        let mut out = Vec::new();
        if let Some(d) = lock {
            out.push(format!("SET lock_timeout = '{}ms'", d.as_millis()));
        }
        if let Some(d) = statement {
            out.push(format!("SET statement_timeout = '{}ms'", d.as_millis()));
        }
        out
    }

    fn engine_lint(
        &self,
        file: &retort_core::revision::file::RevisionFile,
    ) -> Vec<retort_core::lint::EngineFinding> {
        crate::lint::squawk(file)
    }

    fn lint_replaces(&self) -> &'static [&'static str] {
        crate::lint::REPLACED
    }

    /// `CREATE INDEX CONCURRENTLY` in models means "an index": CONCURRENTLY is how to
    /// build it on a busy table, and cannot run in the transaction the models load in.
    /// Statements about the cluster rather than one database — databases, roles,
    /// tablespaces, `ALTER SYSTEM`, subscriptions and foreign servers, which act on or
    /// connect to other databases — are never run on the scratch database (`pg_dump
    /// --create --clean` output starts with `DROP DATABASE appdb`; `ALTER DATABASE appdb
    /// SET …` would change the live database's settings from any database).
    fn model_statement<'a>(&self, sql: &'a str) -> ModelStatement<'a> {
        let upper = retort_core::engine::leading_words(sql, 6);
        let word = |i: usize| upper.get(i).map(String::as_str).unwrap_or("");
        let cluster_object = |w: &str| {
            matches!(
                w,
                "DATABASE" | "ROLE" | "USER" | "GROUP" | "TABLESPACE" | "SUBSCRIPTION" | "SERVER"
            )
        };
        let cluster_level = match word(0) {
            "CREATE" | "ALTER" | "DROP" => {
                cluster_object(word(1)) || word(1) == "SYSTEM" || word(1) == "OWNED"
            }
            // COMMENT ON DATABASE x, SECURITY LABEL [FOR p] ON ROLE x
            "COMMENT" | "SECURITY" => (2..6).any(|i| {
                word(i - 1) == "ON" && matches!(word(i), "DATABASE" | "ROLE" | "TABLESPACE")
            }),
            "REASSIGN" => true,
            _ => false,
        };
        if cluster_level {
            return ModelStatement::Skip(SkippedStatement::DatabaseLevel);
        }
        let concurrently = match upper.as_slice() {
            [c, i, k, ..] if c == "CREATE" && i == "INDEX" && k == "CONCURRENTLY" => true,
            [c, u, i, k, ..]
                if c == "CREATE" && u == "UNIQUE" && i == "INDEX" && k == "CONCURRENTLY" =>
            {
                true
            }
            _ => false,
        };
        let default = retort_core::engine::default_model_statement(sql);
        if !concurrently || !matches!(default, ModelStatement::Run(_)) {
            return default;
        }
        let at = sql.to_ascii_uppercase().find("CONCURRENTLY").expect("seen above");
        ModelStatement::Run(std::borrow::Cow::Owned(format!(
            "{}{}",
            &sql[..at],
            &sql[at + "CONCURRENTLY".len()..]
        )))
    }

    fn parser_dialect(&self) -> Box<dyn sqlparser::dialect::Dialect> {
        Box::new(sqlparser::dialect::PostgreSqlDialect {})
    }

    /// Views, foreign keys of other tables and defaults on the object go with it; the
    /// models area re-creates the ones it knows of and checks the rest is untouched.
    fn drop_for_reload(&self, view: bool, name: &str) -> String {
        format!(
            "DROP {} IF EXISTS {} CASCADE",
            if view { "VIEW" } else { "TABLE" },
            self.quote_ident(name)
        )
    }

    /// psql goes on after an error unless told (https://www.postgresql.org/docs/current/app-psql.html).
    fn offline_preamble(&self) -> Option<&'static str> {
        Some("\\set ON_ERROR_STOP on")
    }

    fn now_expr(&self) -> &'static str {
        "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"
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

    /// EXCLUSIVE: other runs' step transactions wait here until this one commits (reads
    /// by `status` and `current` still go on: they take ACCESS SHARE).
    fn lock_version_table(&self, version_table: &str) -> Option<String> {
        Some(format!("LOCK TABLE {} IN EXCLUSIVE MODE", self.quote_ident(version_table)))
    }

    fn log_id_column(&self) -> &'static str {
        "id BIGSERIAL PRIMARY KEY"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The plain forms that block writes get the online form `migrate --online` writes;
    /// the online forms themselves, and statements without one, get nothing.
    #[test]
    fn online_hints_name_the_online_form_of_plain_statements_only() {
        let d = PgDialect;
        for plain in [
            "CREATE INDEX i ON t (a)",
            "CREATE UNIQUE INDEX i ON t (a)",
            "ALTER TABLE t ALTER COLUMN a SET NOT NULL",
            "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id)",
            "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0)",
            "ALTER TABLE t ADD CONSTRAINT k UNIQUE (a)",
        ] {
            assert!(d.online_hint(plain).is_some(), "{plain}");
        }
        for online in [
            "CREATE INDEX CONCURRENTLY i ON t (a)",
            "ALTER TABLE t ADD CONSTRAINT f FOREIGN KEY (a) REFERENCES u (id) NOT VALID",
            "ALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX k",
            "ALTER TABLE t ALTER COLUMN a TYPE bigint",
            "UPDATE t SET a = 1",
        ] {
            assert_eq!(d.online_hint(online), None, "{online}");
        }
    }
}
