//! SQL for one engine without a connection: offline `--sql` uses a [`Dialect`] alone.
//! Default methods hold the standard-SQL forms; engines answer narrow questions
//! (quoting, timeouts, how a models statement runs on a scratch database) and render
//! the changes autogenerate found.
use crate::diff::Change;
use crate::engine::Capabilities;
use crate::error::DbError;
use crate::render::RenderedStatement;
use crate::schema::Schema;

/// SQL rendering for one engine. Default methods hold the standard-SQL forms.
pub trait Dialect: Send + Sync {
    /// `sqlite`, `postgres`, `mysql`: shown to users and written in offline headers.
    fn name(&self) -> &'static str;

    fn capabilities(&self) -> Capabilities;

    /// Findings of the engine's own migration linter over a revision (PostgreSQL:
    /// squawk), reported beside retort's rules with the same ignores and output.
    fn engine_lint(
        &self,
        file: &crate::revision::file::RevisionFile,
    ) -> Vec<crate::lint::EngineFinding> {
        let _ = file;
        Vec::new()
    }

    /// For a statement that blocks writes in its plain form: the online form `retort
    /// migrate --online` writes for it on this engine, said in one line (a rehearsal
    /// prints it beside the statement). `None` where there is none.
    fn online_hint(&self, sql: &str) -> Option<&'static str> {
        let _ = sql;
        None
    }

    /// Lint rules of this engine alone (the Galera rule of MySQL/MariaDB), run beside the
    /// core's [`crate::lint::RULES`] with the same ignores and output.
    fn extra_rules(&self) -> &'static [&'static crate::lint::Rule] {
        &[]
    }

    /// The database's lock timeout for migration statements when the environment sets
    /// none: a deploy waiting behind a long transaction must fail and retry,
    /// not queue every other query of the table behind its lock.
    fn default_lock_timeout(&self) -> Option<std::time::Duration> {
        None
    }

    /// The statements that set a migration session's lock and statement timeouts.
    fn session_timeouts_sql(
        &self,
        lock: Option<std::time::Duration>,
        statement: Option<std::time::Duration>,
    ) -> Vec<String> {
        let _ = (lock, statement);
        Vec::new()
    }

    /// retort rules the engine's linter replaces (it reports the same problems under
    /// its own names); `-- lint:ignore` with the retort name still silences them.
    fn lint_replaces(&self) -> &'static [&'static str] {
        &[]
    }

    /// The sqlparser dialect lint parses revisions with.
    fn parser_dialect(&self) -> Box<dyn sqlparser::dialect::Dialect> {
        Box::new(sqlparser::dialect::GenericDialect {})
    }

    fn quote_ident(&self, ident: &str) -> String {
        format!("\"{}\"", ident.replace('"', "\"\""))
    }

    fn quote_literal(&self, value: &str) -> String {
        format!("'{}'", value.replace('\'', "''"))
    }

    /// Opens a revision's transaction (SQLite takes the write lock at once with `BEGIN IMMEDIATE`).
    fn begin(&self) -> &'static str {
        "BEGIN"
    }

    fn commit(&self) -> &'static str {
        "COMMIT"
    }

    fn rollback(&self) -> &'static str {
        "ROLLBACK"
    }

    /// A models statement as it is run on the scratch database: run (perhaps rewritten),
    /// skipped, or refused. By default ownership and privileges (`GRANT`, `REVOKE`, `ALTER
    /// … OWNER TO`, `ALTER DEFAULT PRIVILEGES`) are skipped: not part of the schema retort
    /// compares, and the roles they name may not exist where the scratch database lives
    /// (dumps are full of them); so are statements about whole databases (`CREATE/ALTER/DROP
    /// DATABASE`), which name a database other than the scratch one — dumps made with
    /// `--databases`/`--create` start with them, and run they would reach the live one.
    /// Engines add what their dumps write about objects the engine makes itself, what
    /// else reaches past the scratch area, and rewrite what only means "how to build it"
    /// (PostgreSQL's CONCURRENTLY).
    fn model_statement<'a>(&self, sql: &'a str) -> ModelStatement<'a> {
        default_model_statement(sql)
    }

    /// Statements that let a models script create a table before the tables its foreign
    /// keys reference (and that undo it): MySQL checks references at CREATE TABLE, so a
    /// cycle of foreign keys could not load in any order without them.
    fn deferred_references(&self) -> Option<(&'static str, &'static str)> {
        None
    }

    /// Locks the version table for the rest of the transaction, before a revision's step
    /// re-reads it: two runs that both passed the migration lock (it failed, or a pooler
    /// defeated it) then serialise, and the second sees the first's committed row and
    /// re-plans instead of applying the revision again. `None` where `begin` already
    /// serialises writers (SQLite's `BEGIN IMMEDIATE`).
    fn lock_version_table(&self, version_table: &str) -> Option<String> {
        let _ = version_table;
        None
    }

    /// Drops a table or view of a kept models area before its statements run again
    /// ([`crate::models_area`]); where the engine can, what depends on it goes along
    /// (`CASCADE`): the caller re-creates every dependent it knows of, and falls back to
    /// a full reload when the rest of the area is not as it was.
    fn drop_for_reload(&self, view: bool, name: &str) -> String {
        format!("DROP {} IF EXISTS {}", if view { "VIEW" } else { "TABLE" }, self.quote_ident(name))
    }

    /// The first line of an offline script: what makes the engine's own client stop at
    /// the first failing statement (the sqlite3 shell and psql go on by default, and a
    /// revision whose statement failed would then be recorded as applied).
    fn offline_preamble(&self) -> Option<&'static str> {
        None
    }

    /// An expression for "now, UTC, ISO 8601" used by offline scripts.
    fn now_expr(&self) -> &'static str;

    /// The log table's auto-numbered key column (`id INTEGER PRIMARY KEY AUTOINCREMENT`, …).
    fn log_id_column(&self) -> &'static str;

    /// A text type large enough for a whole revision file.
    fn long_text_type(&self) -> &'static str {
        "TEXT"
    }

    /// Renders changes that turn `from` into `to`. Engines that cannot express a change
    /// directly (SQLite) use the full `from`/`to` tables to rebuild.
    fn render(
        &self,
        from: &Schema,
        to: &Schema,
        changes: &[Change],
    ) -> Result<Vec<RenderedStatement>, DbError> {
        let _ = (from, to, changes);
        Err(DbError::Unsupported(format!("autogenerate is not available for {} yet", self.name())))
    }

    /// As [`Dialect::render`], with the locking changes of existing tables in their
    /// online forms where the engine has them; engines without online
    /// forms render as usual.
    fn render_online(
        &self,
        from: &Schema,
        to: &Schema,
        changes: &[Change],
    ) -> Result<Vec<RenderedStatement>, DbError> {
        self.render(from, to, changes)
    }
}

/// What the scratch session does with one statement of the models.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ModelStatement<'a> {
    Run(std::borrow::Cow<'a, str>),
    /// Left out, and counted under its kind in the "not compared" note.
    Skip(SkippedStatement),
    /// Never run: it would reach outside the scratch area (the reason says how).
    Refuse(String),
}

/// Kinds of models statements the scratch session leaves out.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum SkippedStatement {
    /// `GRANT`, `REVOKE`, `… OWNER TO`: not schema, and the roles may not exist.
    Privileges,
    /// About a whole database, the server or its roles (`USE`, `CREATE DATABASE`, `ALTER
    /// DATABASE … SET`, `CREATE ROLE`): never the scratch area's business.
    DatabaseLevel,
    /// Creates what the engine makes by itself (SQLite's `sqlite_sequence`).
    EngineInternal,
}

impl SkippedStatement {
    /// `(singular, plural)` for the "not compared" note.
    pub fn describe(self) -> (&'static str, &'static str) {
        match self {
            SkippedStatement::Privileges => ("ownership or privilege statement (not run)", "ownership or privilege statements (not run)"),
            SkippedStatement::DatabaseLevel => (
                "database-level statement (USE, CREATE/ALTER/DROP DATABASE, roles, server settings: not run, the scratch area is used)",
                "database-level statements (USE, CREATE/ALTER/DROP DATABASE, roles, server settings: not run, the scratch area is used)",
            ),
            SkippedStatement::EngineInternal => ("table the engine makes by itself (not run)", "tables the engine makes by itself (not run)"),
        }
    }
}

/// The first `n` words of a statement, upper-cased, comments (but not MySQL's `/*!`
/// executable ones) left out: what statement classifiers look at.
pub fn leading_words(sql: &str, n: usize) -> Vec<String> {
    let text = if sql.trim_start().starts_with("--") || sql.trim_start().starts_with("/*") {
        crate::sql_split::strip_comments(sql)
    } else {
        sql.to_string()
    };
    text.split(|c: char| c.is_whitespace() || c == ';' || c == '(')
        .filter(|w| !w.is_empty())
        .take(n)
        .map(|w| w.to_ascii_uppercase())
        .collect()
}

/// [`Dialect::model_statement`]'s default: ownership, privileges and whole-database
/// statements left out.
pub fn default_model_statement(sql: &str) -> ModelStatement<'_> {
    let upper: String =
        sql.split_whitespace().take(64).collect::<Vec<_>>().join(" ").to_ascii_uppercase();
    let privileges = upper.starts_with("GRANT ")
        || upper.starts_with("REVOKE ")
        || upper.starts_with("ALTER DEFAULT PRIVILEGES")
        || (upper.starts_with("ALTER ") && upper.contains(" OWNER TO "));
    if privileges {
        return ModelStatement::Skip(SkippedStatement::Privileges);
    }
    let words = leading_words(sql, 2);
    let database_level =
        matches!(words.first().map(String::as_str), Some("CREATE" | "ALTER" | "DROP"))
            && words.get(1).is_some_and(|w| w == "DATABASE");
    if database_level {
        return ModelStatement::Skip(SkippedStatement::DatabaseLevel);
    }
    ModelStatement::Run(std::borrow::Cow::Borrowed(sql))
}

/// The error for a change an engine's renderer cannot express: never skipped silently, so
/// `migrate` stops and says which change to write by hand.
pub fn cannot_render(engine: &str, change: &Change) -> DbError {
    DbError::Unsupported(format!("retort cannot render `{}` for {engine} yet; write that part of the revision by hand (`retort revision -m ...`)", change.describe()))
}
