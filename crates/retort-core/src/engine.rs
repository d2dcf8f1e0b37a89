//! The seams between the core and the database engines.
//!
//! [`Dialect`] renders SQL without a connection (offline `--sql` uses it alone);
//! [`Connection`] runs it. The core asks these narrow questions instead of matching on
//! an engine name: everything dialect-specific lives in the engine crates.
use crate::diff::Change;
use crate::error::DbError;
use crate::plan::VersionOp;
use crate::render::RenderedStatement;
use crate::schema::Schema;
use std::time::Duration;

/// What an engine can do; the core branches on these, never on the engine's name.
#[derive(Clone, Copy, Debug, Default)]
pub struct Capabilities {
    /// DDL inside a transaction is rolled back with it (SQLite, PostgreSQL; not MySQL).
    pub transactional_ddl: bool,
    /// `CREATE INDEX CONCURRENTLY` exists, and a plain `CREATE INDEX` blocks writes
    /// (PostgreSQL): the lint rules about it apply.
    pub concurrent_index: bool,
    /// Adding a column with a volatile default rewrites every row (PostgreSQL).
    pub volatile_default_rewrites: bool,
    /// Scratch work needs a server (a database on it); false when the engine can make
    /// an empty database in memory (SQLite).
    pub scratch_needs_server: bool,
}

/// One database engine, as the facade's registry knows it: how to recognise its URLs and
/// its name in retort.toml, and how to open connections and scratch databases. The
/// registry (`retort::engines()`) is the only place that lists engines; everything else
/// asks these questions instead of matching on a name.
pub trait Engine: Send + Sync {
    /// `sqlite`, `postgres`, `mysql`: the name shown to users and written by `init`.
    fn name(&self) -> &'static str;

    /// Other names accepted for `dialect` in retort.toml (`postgresql`, `mariadb`).
    fn aliases(&self) -> &'static [&'static str] {
        &[]
    }

    /// URL schemes this engine opens (`postgres`, `postgresql`).
    fn url_schemes(&self) -> &'static [&'static str];

    /// The SQL dialect, for rendering and offline scripts.
    fn dialect(&self) -> Box<dyn Dialect>;

    /// Opens a connection, creating the database where the engine does so (SQLite files).
    /// Relative paths are resolved against `base` (the project directory).
    fn open(
        &self,
        url: &crate::config::RedactedUrl,
        base: &std::path::Path,
    ) -> crate::Result<Box<dyn Connection>>;

    /// Opens a connection only to a database that exists (read commands must not create one).
    fn open_existing(
        &self,
        url: &crate::config::RedactedUrl,
        base: &std::path::Path,
    ) -> crate::Result<Box<dyn Connection>> {
        self.open(url, base)
    }

    /// An empty throwaway database for autogenerate: on `server` (the environment's URL or
    /// `scratch_url`) when `capabilities().scratch_needs_server`, else wherever the engine
    /// can make one. Dropped with the connection, on error and on Ctrl-C.
    fn scratch(
        &self,
        server: Option<&crate::config::RedactedUrl>,
    ) -> crate::Result<Box<dyn Connection>>;

    /// The scratch database kept between runs under `name` (a project's models area,
    /// [`crate::models_area`]): opened, created when missing, and held by this session
    /// alone; `Ok(None)` when another session holds it (the caller takes an ordinary
    /// scratch database) or when the engine keeps none — its scratch work costs nothing
    /// worth keeping (SQLite in memory).
    fn kept_scratch(
        &self,
        _server: Option<&crate::config::RedactedUrl>,
        _name: &str,
    ) -> crate::Result<Option<Box<dyn Connection>>> {
        Ok(None)
    }

    /// Drops the kept scratch database `name` if it exists (`retort cache clear`);
    /// whether there was one.
    fn drop_kept_scratch(
        &self,
        _server: Option<&crate::config::RedactedUrl>,
        _name: &str,
    ) -> crate::Result<bool> {
        Ok(false)
    }
}

/// Names of the two bookkeeping tables.
#[derive(Clone, Debug)]
pub struct VersionTables {
    /// Alembic's `alembic_version(version_num)`: one row per applied head.
    pub version: String,
    /// retort's log: one row per applied, reverted or stamped revision.
    pub log: String,
}

impl Default for VersionTables {
    fn default() -> Self {
        VersionTables { version: "alembic_version".into(), log: "retort_log".into() }
    }
}

/// What a log row records being done to a revision.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogDirection {
    Up,
    Down,
    /// Recorded without running (`stamp`, `baseline`).
    Stamp,
    /// A changed file's new text accepted after review (`verify --accept`).
    Accept,
}

impl LogDirection {
    pub fn as_str(self) -> &'static str {
        match self {
            LogDirection::Up => "up",
            LogDirection::Down => "down",
            LogDirection::Stamp => "stamp",
            LogDirection::Accept => "accept",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [LogDirection::Up, LogDirection::Down, LogDirection::Stamp, LogDirection::Accept]
            .into_iter()
            .find(|d| d.as_str() == s)
    }
}

impl From<crate::plan::Direction> for LogDirection {
    fn from(d: crate::plan::Direction) -> Self {
        match d {
            crate::plan::Direction::Up => LogDirection::Up,
            crate::plan::Direction::Down => LogDirection::Down,
        }
    }
}

/// How far a logged step got.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub enum LogStatus {
    #[serde(rename = "ok")]
    Ok,
    /// Started on an engine without transactional DDL; still there means it was cut off.
    #[serde(rename = "in_progress")]
    InProgress,
    /// Failed halfway on an engine without transactional DDL: the database is dirty.
    #[serde(rename = "failed")]
    Failed,
    /// A dirty step the user finished by hand (`resolve --applied`).
    #[serde(rename = "resolved-ok")]
    ResolvedOk,
    /// A dirty step the user undid by hand (`resolve --reverted`).
    #[serde(rename = "resolved-undo")]
    ResolvedUndo,
}

impl LogStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            LogStatus::Ok => "ok",
            LogStatus::InProgress => "in_progress",
            LogStatus::Failed => "failed",
            LogStatus::ResolvedOk => "resolved-ok",
            LogStatus::ResolvedUndo => "resolved-undo",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        [
            LogStatus::Ok,
            LogStatus::InProgress,
            LogStatus::Failed,
            LogStatus::ResolvedOk,
            LogStatus::ResolvedUndo,
        ]
        .into_iter()
        .find(|d| d.as_str() == s)
    }
}

/// One row of the log table, as written.
#[derive(Clone, Debug)]
pub struct LogRecord<'a> {
    pub revision: &'a str,
    pub direction: LogDirection,
    pub status: LogStatus,
    pub checksum: Option<&'a str>,
    pub message: &'a str,
    /// The revision file's full text, so a lost or edited file can be recovered.
    pub script: Option<&'a str>,
    /// `None` renders the engine's own clock (offline mode).
    pub applied_at: Option<&'a str>,
    pub duration_ms: Option<u64>,
    pub applied_by: &'a str,
    pub tool_version: &'a str,
}

/// One row of the log table, as read back.
#[derive(Clone, Debug, serde::Serialize)]
pub struct LogEntry {
    pub id: i64,
    pub revision: String,
    pub direction: String,
    pub status: String,
    pub checksum: Option<String>,
    pub message: Option<String>,
    pub script: Option<String>,
    pub applied_at: String,
    pub duration_ms: Option<i64>,
    pub applied_by: Option<String>,
    pub tool_version: String,
    /// The engine's message when a non-transactional revision failed.
    pub error: Option<String>,
}

impl LogEntry {
    /// The row's direction; `None` for text retort does not write (an edited table).
    pub fn direction(&self) -> Option<LogDirection> {
        LogDirection::parse(&self.direction)
    }

    pub fn status(&self) -> Option<LogStatus> {
        LogStatus::parse(&self.status)
    }
}

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

    /// The database's lock timeout for migration statements when the environment sets
    /// none (issue #14): a deploy waiting behind a long transaction must fail and retry,
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
    fn lock_version_table(&self, tables: &VersionTables) -> Option<String> {
        let _ = tables;
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

    /// Idempotent DDL creating both bookkeeping tables (Alembic's version table shape).
    fn create_version_tables(&self, t: &VersionTables) -> Vec<String> {
        vec![
            format!(
                "CREATE TABLE IF NOT EXISTS {} (version_num VARCHAR(32) NOT NULL, CONSTRAINT {} PRIMARY KEY (version_num))",
                self.quote_ident(&t.version),
                self.quote_ident(&format!("{}_pkc", t.version))
            ),
            format!(
                "CREATE TABLE IF NOT EXISTS {} ({}, revision VARCHAR(32) NOT NULL, direction VARCHAR(8) NOT NULL, status VARCHAR(16) NOT NULL, checksum VARCHAR(64), message TEXT, script {}, applied_at VARCHAR(40) NOT NULL, duration_ms BIGINT, applied_by TEXT, tool_version VARCHAR(40) NOT NULL, error TEXT)",
                self.quote_ident(&t.log),
                self.log_id_column(),
                self.long_text_type()
            ),
        ]
    }

    fn version_op_sql(&self, tables: &VersionTables, op: &VersionOp) -> String {
        let t = self.quote_ident(&tables.version);
        match op {
            VersionOp::Insert { rev } => {
                format!(
                    "INSERT INTO {t} (version_num) VALUES ({})",
                    self.quote_literal(rev.as_str())
                )
            }
            VersionOp::Update { from, to } => format!(
                "UPDATE {t} SET version_num = {} WHERE version_num = {}",
                self.quote_literal(to.as_str()),
                self.quote_literal(from.as_str())
            ),
            VersionOp::Delete { rev } => {
                format!("DELETE FROM {t} WHERE version_num = {}", self.quote_literal(rev.as_str()))
            }
        }
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
    /// online forms where the engine has them (issue #14); engines without online
    /// forms render as usual.
    fn render_online(
        &self,
        from: &Schema,
        to: &Schema,
        changes: &[Change],
    ) -> Result<Vec<RenderedStatement>, DbError> {
        self.render(from, to, changes)
    }

    fn log_insert_sql(&self, tables: &VersionTables, rec: &LogRecord<'_>) -> String {
        let lit =
            |v: Option<&str>| v.map(|s| self.quote_literal(s)).unwrap_or_else(|| "NULL".into());
        format!(
            "INSERT INTO {} (revision, direction, status, checksum, message, script, applied_at, duration_ms, applied_by, tool_version) VALUES ({}, {}, {}, {}, {}, {}, {}, {}, {}, {})",
            self.quote_ident(&tables.log),
            self.quote_literal(rec.revision),
            self.quote_literal(rec.direction.as_str()),
            self.quote_literal(rec.status.as_str()),
            lit(rec.checksum),
            self.quote_literal(rec.message),
            lit(rec.script),
            rec.applied_at.map(|a| self.quote_literal(a)).unwrap_or_else(|| self.now_expr().to_string()),
            rec.duration_ms.map(|d| d.to_string()).unwrap_or_else(|| "NULL".into()),
            self.quote_literal(rec.applied_by),
            self.quote_literal(rec.tool_version),
        )
    }
}

/// A live connection to one database.
pub trait Connection {
    fn dialect(&self) -> &dyn Dialect;

    /// Runs one statement (or a trigger/function body the splitter kept whole).
    fn execute(&mut self, sql: &str) -> Result<(), DbError>;

    /// Runs statements in order; on failure, the index of the failing statement and its
    /// error. Engines where a round trip per statement is costly send them together.
    /// On engines with transactional DDL this is called inside a transaction.
    fn execute_script(&mut self, statements: &[String]) -> Result<(), (usize, DbError)> {
        for (i, s) in statements.iter().enumerate() {
            self.execute(s).map_err(|e| (i, e))?;
        }
        Ok(())
    }

    /// Runs a query and returns every value as text (NULL as `None`).
    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError>;

    /// Runs one data statement and returns the rows it changed: the version table's
    /// bookkeeping checks each statement matched exactly its row.
    fn execute_counted(&mut self, sql: &str) -> Result<u64, DbError>;

    fn table_exists(&mut self, name: &str) -> Result<bool, DbError>;

    /// Whether a table or a view of this name exists in the managed schema.
    fn relation_exists(&mut self, name: &str) -> Result<bool, DbError> {
        self.table_exists(name)
    }

    /// After a lock timeout: the other sessions that probably hold the lock (open
    /// transactions older than a second), one line each, for the message.
    fn lock_blockers(&mut self) -> Vec<String> {
        Vec::new()
    }

    /// Tries once to take the migration lock held for the whole run (advisory lock,
    /// GET_LOCK, …); the migrator waits and reports. Engines whose `begin` already
    /// serialises writers return true (`timeout` is then their busy timeout).
    fn try_lock(&mut self, timeout: Duration) -> Result<bool, DbError>;

    fn unlock(&mut self) -> Result<(), DbError>;

    /// Inside a revision's transaction: proves the migration lock is still this run's (a
    /// lease not taken over, a session lock held by this very server session), so a run
    /// that lost it stops before applying or committing anything more. Engines whose lock
    /// cannot be lost keep the default.
    fn confirm_lock(&mut self) -> Result<(), DbError> {
        Ok(())
    }

    /// Something the user should know about how the migration lock is held (it fell
    /// back from the session lock to the lease behind a pooler), said once after it is taken.
    fn lock_note(&mut self) -> Option<String> {
        None
    }

    /// Where the connection points, password redacted (for messages).
    fn describe(&self) -> String;

    /// The scratch databases on this connection's server (`retort_scratch_*`), for
    /// `doctor`; empty where scratch work never leaves the process (SQLite).
    fn scratch_databases(&mut self) -> Result<Vec<String>, DbError> {
        Ok(Vec::new())
    }

    /// The statement that drops scratch database `name`, for the user to run.
    fn drop_scratch_sql(&self, name: &str) -> String {
        format!("DROP DATABASE {}", self.dialect().quote_ident(name))
    }

    /// The cluster this connection's server belongs to, said for the user (node, size and
    /// how schema changes replicate), or `None` for a single server (issue #16).
    fn cluster(&mut self) -> Option<String> {
        None
    }

    /// The engine's estimate of a table's rows (statistics, not a count), if it keeps one.
    fn approximate_rows(&mut self, table: &str) -> Option<u64> {
        let _ = table;
        None
    }

    /// Writes a backup of the whole database to `path` (which exists, empty, with
    /// owner-only permissions). SQLite: the online backup API; servers: their dump tool.
    fn backup(&mut self, path: &std::path::Path) -> Result<(), DbError> {
        let _ = path;
        Err(DbError::Unsupported(format!(
            "backups are not available for {}",
            self.dialect().name()
        )))
    }

    /// Replaces the database's contents with a backup made by [`Connection::backup`].
    fn restore(&mut self, path: &std::path::Path) -> Result<(), DbError> {
        let _ = path;
        Err(DbError::Unsupported(format!("restore is not available for {}", self.dialect().name())))
    }

    /// The file extension of this engine's backups.
    fn backup_extension(&self) -> &'static str {
        "bak"
    }

    /// Reads the live schema into the core's model.
    fn introspect(&mut self) -> Result<Schema, DbError>;

    /// Empties a kept scratch area (every object dropped, the environment's schema
    /// recreated), for a full reload of the models.
    fn empty_scratch(&mut self) -> Result<(), DbError> {
        Err(DbError::Unsupported("this connection is not a kept scratch area".into()))
    }

    /// The server's (or library's) version: what normalises introspected schemas, so
    /// cached schemas are only reused on the same one.
    fn server_version(&mut self) -> Result<String, DbError> {
        Ok(String::new())
    }

    /// Objects of kinds the schema model does not cover (`["1 materialized view", "2
    /// policies"]`), so that autogenerate can say what it did not compare instead of
    /// leaving it out silently.
    fn uncompared(&mut self) -> Result<Vec<String>, DbError> {
        Ok(Vec::new())
    }

    /// The largest statement the server accepts, with the setting that raises it, when
    /// the engine has such a limit (MySQL's `max_allowed_packet`). The migrator refuses a
    /// revision whose text (kept in the log) would not fit, before running any of it.
    fn max_statement_bytes(&mut self) -> Result<Option<(usize, &'static str)>, DbError> {
        Ok(None)
    }
}

/// The error for a change an engine's renderer cannot express: never skipped silently, so
/// `migrate` stops and says which change to write by hand.
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

/// `(count, singular, plural)` → `["1 policy", "2 rules"]`, the zero counts left out.
pub fn counted(kinds: &[(i64, &str, &str)]) -> Vec<String> {
    kinds
        .iter()
        .filter(|(n, _, _)| *n > 0)
        .map(|(n, one, many)| format!("{n} {}", if *n == 1 { one } else { many }))
        .collect()
}

pub fn cannot_render(engine: &str, change: &Change) -> DbError {
    DbError::Unsupported(format!("retort cannot render `{}` for {engine} yet; write that part of the revision by hand (`retort revision -m ...`)", change.describe()))
}

/// Makes sure no driver message carries the raw URL (and so its password).
pub fn redact_db_error(e: DbError, url: &crate::config::RedactedUrl) -> DbError {
    let hide = |s: String| s.replace(url.expose(), &url.to_string());
    match e {
        DbError::Connect { message, .. } => {
            DbError::Connect { url: url.to_string(), message: hide(message) }
        }
        DbError::Locked { seconds, .. } => DbError::Locked { url: url.to_string(), seconds },
        DbError::Missing { path, .. } => DbError::Missing { url: url.to_string(), path },
        other => other,
    }
}

/// The server a scratch database goes on, or the error saying how to configure one.
pub fn scratch_server<'a>(
    engine: &str,
    server: Option<&'a crate::config::RedactedUrl>,
) -> crate::Result<&'a crate::config::RedactedUrl> {
    server.ok_or_else(|| {
        crate::error::ConfigError::NoUrl {
            env: format!("(autogenerate on {engine} needs a server for scratch databases: set the environment's url or scratch_url)"),
        }
        .into()
    })
}

/// The engine of `engines` whose URL schemes include `url`'s.
pub fn for_url(
    engines: &[&'static dyn Engine],
    url: &crate::config::RedactedUrl,
) -> crate::Result<&'static dyn Engine> {
    let scheme = url.scheme().unwrap_or_default();
    engines.iter().copied().find(|e| e.url_schemes().contains(&scheme)).ok_or_else(|| {
        let schemes: Vec<String> =
            engines.iter().flat_map(|e| e.url_schemes().iter().map(|s| format!("{s}:"))).collect();
        let names: Vec<&str> = engines.iter().map(|e| e.name()).collect();
        crate::error::ConfigError::BadUrl {
            url: url.to_string(),
            reason: format!(
                "expected one of {} (this build supports: {})",
                schemes.join(", "),
                names.join(", ")
            ),
        }
        .into()
    })
}

/// The engine of `engines` called `name` (its name or an alias, as in retort.toml).
pub fn named(engines: &[&'static dyn Engine], name: &str) -> crate::Result<&'static dyn Engine> {
    engines.iter().copied().find(|e| e.name() == name || e.aliases().contains(&name)).ok_or_else(
        || {
            let names: Vec<&str> = engines.iter().map(|e| e.name()).collect();
            crate::error::ConfigError::BadUrl {
                url: format!("dialect \"{name}\""),
                reason: format!(
                    "unknown or disabled engine (this build supports: {})",
                    names.join(", ")
                ),
            }
            .into()
        },
    )
}
