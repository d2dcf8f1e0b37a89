//! retort-postgres: the PostgreSQL engine.
//!
//! Connection and execution over the simple-query protocol (so a revision's SQL runs
//! exactly as `psql` would run it), a session-level advisory lock held for the whole
//! run, bulk catalog introspection, rendering, and scratch databases that are always
//! dropped. PostgreSQL-specific knowledge lives here and nowhere else.
mod dialect;
mod engine;
mod introspect;
mod render;
mod scratch_names;

pub use dialect::PgDialect;
pub use engine::PostgresEngine;

use postgres::{Client, Config, NoTls, SimpleQueryMessage};
use retort_core::engine::{Connection, Dialect};
use retort_core::error::DbError;
use retort_core::schema::Schema;
use std::str::FromStr;
use std::time::Duration;

/// Advisory lock key: "retort" in ASCII, so it is recognisable in `pg_locks`.
const LOCK_KEY: i64 = 0x7265_746f_7274;

/// A parsed `postgres://` URL plus retort's own options (`schema`).
#[derive(Clone)]
pub struct PgUrl {
    pub config: Config,
    pub schema: Option<String>,
    /// For messages: the URL with its password hidden.
    pub display: String,
}

/// Parses a URL; `display` is the redacted form used in every message.
pub fn parse_url(url: &str, display: &str) -> Result<PgUrl, DbError> {
    let bad = |m: String| DbError::Connect { url: display.to_string(), message: m };
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut schema = None;
    let mut kept = Vec::new();
    for kv in query.split('&').filter(|s| !s.is_empty()) {
        match kv.split_once('=') {
            Some(("schema", v)) | Some(("search_path", v)) => schema = Some(v.to_string()),
            _ => kept.push(kv),
        }
    }
    let cleaned = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    let cleaned = cleaned.replacen("postgresql://", "postgres://", 1);
    let mut config = Config::from_str(&cleaned).map_err(|e| bad(format!("invalid URL: {e}")))?;
    if config.get_user().is_none() {
        config.user(&std::env::var("USER").unwrap_or_else(|_| "postgres".into()));
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.application_name("retort");
    Ok(PgUrl { config, schema, display: display.to_string() })
}

pub struct PgConnection {
    client: Client,
    dialect: PgDialect,
    display: String,
    locked: bool,
    /// Where to connect, for pg_dump/pg_restore/psql: handed to them through the
    /// environment (`PGPASSWORD`, …), never on their command line (issue #9 item 13).
    config: Config,
}

/// The libpq environment that points a client tool at `config`. The password goes in
/// `PGPASSWORD`, which other users cannot read (unlike a command line, visible to all in
/// the process list).
fn client_env(config: &Config) -> Vec<(&'static str, String)> {
    let mut env = Vec::new();
    if let Some(host) = config.get_hosts().first() {
        match host {
            postgres::config::Host::Tcp(h) => env.push(("PGHOST", h.clone())),
            #[cfg(unix)]
            postgres::config::Host::Unix(p) => env.push(("PGHOST", p.to_string_lossy().into_owned())),
        }
    }
    if let Some(port) = config.get_ports().first() {
        env.push(("PGPORT", port.to_string()));
    }
    if let Some(user) = config.get_user() {
        env.push(("PGUSER", user.to_string()));
    }
    if let Some(pw) = config.get_password() {
        env.push(("PGPASSWORD", String::from_utf8_lossy(pw).into_owned()));
    }
    if let Some(db) = config.get_dbname() {
        env.push(("PGDATABASE", db.to_string()));
    }
    if let Some(t) = config.get_connect_timeout() {
        env.push(("PGCONNECT_TIMEOUT", t.as_secs().max(1).to_string()));
    }
    env
}

/// Runs a PostgreSQL client tool; connection settings come from `env` only.
fn run_tool(tool: &str, args: &[&std::ffi::OsStr], env: &[(&'static str, String)]) -> Result<std::process::Output, DbError> {
    let mut cmd = std::process::Command::new(tool);
    cmd.args(args);
    // Nothing inherited may point the tool elsewhere.
    for var in ["PGHOST", "PGPORT", "PGUSER", "PGPASSWORD", "PGDATABASE", "PGSERVICE", "PGPASSFILE", "PGOPTIONS"] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let out = cmd
        .output()
        .map_err(|e| DbError::Unsupported(format!("{tool} is needed for PostgreSQL backups and could not be run ({e}); install the PostgreSQL client tools (Debian: postgresql-client)")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(DbError::Query { message: format!("{tool} failed: {}", err.trim()), sql: String::new() });
    }
    Ok(out)
}

/// The message of a server error, with detail and hint, without the URL.
fn message(e: &postgres::Error) -> String {
    match e.as_db_error() {
        Some(db) => {
            let mut m = format!("{} (SQLSTATE {})", db.message(), db.code().code());
            if let Some(d) = db.detail() {
                m.push_str(&format!("; {d}"));
            }
            if let Some(h) = db.hint() {
                m.push_str(&format!("; hint: {h}"));
            }
            m
        }
        None => e.to_string(),
    }
}

impl PgConnection {
    pub fn open(url: &PgUrl) -> Result<Self, DbError> {
        let mut client = url.config.connect(NoTls).map_err(|e| DbError::Connect { url: url.display.clone(), message: message(&e) })?;
        if let Some(schema) = &url.schema {
            let q = format!("SET search_path TO {}", dialect::quote(schema));
            client.batch_execute(&q).map_err(|e| DbError::Connect { url: url.display.clone(), message: message(&e) })?;
            let exists = client
                .simple_query(&format!("SELECT 1 FROM pg_namespace WHERE nspname = {}", dialect::literal(schema)))
                .map_err(|e| DbError::Connect { url: url.display.clone(), message: message(&e) })?
                .iter()
                .any(|m| matches!(m, SimpleQueryMessage::Row(_)));
            if !exists {
                return Err(DbError::Connect {
                    url: url.display.clone(),
                    message: format!("schema \"{schema}\" does not exist (create it, or fix ?schema= in the URL)"),
                });
            }
        }
        Ok(PgConnection { client, dialect: PgDialect, display: url.display.clone(), locked: false, config: url.config.clone() })
    }

    fn err(&self, e: postgres::Error, sql: &str) -> DbError {
        // https://www.postgresql.org/docs/current/errcodes-appendix.html
        let storage = match e.code().map(|c| c.code()) {
            Some("25006") => Some(retort_core::error::StorageCause::ReadOnly), // read_only_sql_transaction (a standby, default_transaction_read_only)
            Some("53100") => Some(retort_core::error::StorageCause::Full),     // disk_full
            _ => None,
        };
        match storage {
            Some(cause) => DbError::Storage { cause, message: message(&e) },
            None => DbError::Query { message: message(&e), sql: sql.to_string() },
        }
    }
}

impl Connection for PgConnection {
    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        self.client.batch_execute(sql).map_err(|e| self.err(e, sql))
    }

    /// One round trip for the whole script (thousands of DDL statements otherwise cost a
    /// round trip each); on failure the script is replayed statement by statement inside
    /// a savepoint to find the failing one, then rolled back to the savepoint.
    fn execute_script(&mut self, statements: &[String]) -> Result<(), (usize, DbError)> {
        if statements.len() < 2 {
            return statements.first().map_or(Ok(()), |s| self.execute(s).map_err(|e| (0, e)));
        }
        self.execute("SAVEPOINT retort_script").map_err(|e| (0, e))?;
        let joined = statements.join(";\n");
        if self.client.batch_execute(&joined).is_ok() {
            return self.execute("RELEASE SAVEPOINT retort_script").map_err(|e| (statements.len() - 1, e));
        }
        let _ = self.execute("ROLLBACK TO SAVEPOINT retort_script");
        for (i, s) in statements.iter().enumerate() {
            if let Err(e) = self.execute(s) {
                let _ = self.execute("ROLLBACK TO SAVEPOINT retort_script");
                return Err((i, e));
            }
        }
        // The batch failed but each statement alone passed: keep the work.
        self.execute("RELEASE SAVEPOINT retort_script").map_err(|e| (statements.len() - 1, e))
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let msgs = self.client.simple_query(sql).map_err(|e| self.err(e, sql))?;
        Ok(msgs
            .into_iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(r) => Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect()),
                _ => None,
            })
            .collect())
    }

    fn table_exists(&mut self, name: &str) -> Result<bool, DbError> {
        let rows = self.query(&format!(
            "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = {}",
            dialect::literal(name)
        ))?;
        Ok(!rows.is_empty())
    }

    /// A session-level advisory lock: held across the run's many transactions and
    /// released by the server if the process dies.
    fn try_lock(&mut self, _timeout: Duration) -> Result<bool, DbError> {
        let rows = self.query(&format!("SELECT pg_try_advisory_lock({LOCK_KEY})"))?;
        let got = rows.first().and_then(|r| r.first().cloned().flatten()).as_deref() == Some("t");
        self.locked |= got;
        Ok(got)
    }

    fn unlock(&mut self) -> Result<(), DbError> {
        if self.locked {
            self.query(&format!("SELECT pg_advisory_unlock({LOCK_KEY})"))?;
            self.locked = false;
        }
        Ok(())
    }

    fn describe(&self) -> String {
        self.display.clone()
    }

    fn introspect(&mut self) -> Result<Schema, DbError> {
        introspect::introspect(self)
    }

    fn backup(&mut self, path: &std::path::Path) -> Result<(), DbError> {
        run_tool("pg_dump", &["--format=custom".as_ref(), "--file".as_ref(), path.as_os_str()], &client_env(&self.config))?;
        Ok(())
    }

    /// Replaces the whole database with the backup, in one transaction: every schema is
    /// dropped first, so objects created after the backup are gone too (`pg_restore
    /// --clean` only drops what the dump contains). The archive becomes a script
    /// (`pg_restore -f`) that psql runs after the drops; any failure rolls all of it back.
    fn restore(&mut self, path: &std::path::Path) -> Result<(), DbError> {
        // `--list` reads the archive without touching the database: a file that is not
        // a pg_dump archive is refused before anything changes.
        if run_tool("pg_restore", &["--list".as_ref(), path.as_os_str()], &[]).is_err() {
            return Err(DbError::NotABackup { path: path.to_path_buf(), expected: "a PostgreSQL backup (pg_dump custom format, as `retort backup` writes)".into() });
        }
        let dir = tempfile::tempdir().map_err(|e| DbError::Query { message: format!("cannot create a temporary directory: {e}"), sql: String::new() })?;
        let script = dir.path().join("restore.sql");
        let mut head = String::from("SET client_min_messages = warning;\n");
        for row in self.query("SELECT quote_ident(nspname) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema' ORDER BY 1")? {
            if let Some(schema) = row.into_iter().next().flatten() {
                head.push_str(&format!("DROP SCHEMA {schema} CASCADE;\n"));
            }
        }
        // pg_dump never writes `CREATE SCHEMA public`: recreate it with its owner and grants.
        let owner = self.query("SELECT quote_ident(nspowner::regrole::text) FROM pg_namespace WHERE nspname = 'public'")?;
        if let Some(owner) = owner.into_iter().next().and_then(|r| r.into_iter().next().flatten()) {
            head.push_str(&format!("CREATE SCHEMA public AUTHORIZATION {owner};\n"));
            let grants = self.query("SELECT CASE WHEN a.grantee = 0 THEN 'PUBLIC' ELSE quote_ident(a.grantee::regrole::text) END, a.privilege_type FROM pg_namespace n, aclexplode(n.nspacl) a WHERE n.nspname = 'public'")?;
            for g in grants {
                if let [Some(who), Some(what)] = &g[..] {
                    head.push_str(&format!("GRANT {what} ON SCHEMA public TO {who};\n"));
                }
            }
        } else {
            head.push_str("CREATE SCHEMA public;\n");
        }
        std::fs::write(dir.path().join("head.sql"), head).map_err(|e| DbError::Query { message: e.to_string(), sql: String::new() })?;
        run_tool("pg_restore", &["--no-owner".as_ref(), "--file".as_ref(), script.as_os_str(), path.as_os_str()], &[])?;
        let env = client_env(&self.config);
        let head_path = dir.path().join("head.sql");
        run_tool(
            "psql",
            &["--no-psqlrc".as_ref(), "--quiet".as_ref(), "--single-transaction".as_ref(), "--set".as_ref(), "ON_ERROR_STOP=1".as_ref(), "--file".as_ref(), head_path.as_os_str(), "--file".as_ref(), script.as_os_str()],
            &env,
        )?;
        Ok(())
    }

    fn backup_extension(&self) -> &'static str {
        "pgdump"
    }
}

/// A scratch area for autogenerate: a fresh schema inside one uniquely named database
/// that the process creates on first use. Creating a database costs hundreds of
/// milliseconds and autogenerate needs three scratch areas, so they share one database
/// and differ by schema. The schema is dropped with this value; the database is
/// dropped by `retort_core::cleanup::run_all` (end of the command, error, Ctrl-C).
pub struct ScratchDatabase {
    conn: Option<PgConnection>,
    schema: String,
    /// The environment's schema (`public` unless the URL says `?schema=`): names
    /// qualified with it are rewritten to this area's schema.
    user_schema: String,
}

struct SharedDatabase {
    url: PgUrl,
    counter: u32,
}

static SHARED: std::sync::Mutex<Option<SharedDatabase>> = std::sync::Mutex::new(None);

fn drop_database(admin: &Config, name: &str) {
    if let Ok(mut c) = admin.connect(NoTls) {
        let _ = c.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", dialect::quote(name)));
    }
}

fn shared_database(admin_url: &PgUrl) -> Result<(PgUrl, u32), DbError> {
    let mut shared = SHARED.lock().unwrap_or_else(|e| e.into_inner());
    if shared.is_none() {
        // After Ctrl-C the clean-up may already have run: never create another one.
        if retort_core::interrupt::requested() {
            return Err(DbError::Unsupported("interrupted".into()));
        }
        // The pid tells whose it is (tests check their own runs left nothing behind).
        let name = format!("retort_scratch_{}_{}", std::process::id(), retort_core::RevisionId::generate());
        let mut admin_client = admin_url
            .config
            .connect(NoTls)
            .map_err(|e| DbError::Connect { url: admin_url.display.clone(), message: message(&e) })?;
        if let Err(e) = admin_client.batch_execute(&format!("CREATE DATABASE {}", dialect::quote(&name))) {
            return Err(DbError::Connect {
                url: admin_url.display.clone(),
                message: format!(
                    "cannot create a scratch database for autogenerate: {}. Grant CREATEDB to this user, or set `scratch_url` under [project] in retort.toml to a server where retort may create and drop databases",
                    message(&e)
                ),
            });
        }
        let (admin, n) = (admin_url.config.clone(), name.clone());
        retort_core::cleanup::register(Box::new(move || {
            drop_database(&admin, &n);
            *SHARED.lock().unwrap_or_else(|e| e.into_inner()) = None;
        }));
        let mut config = admin_url.config.clone();
        config.dbname(&name);
        let url = PgUrl { config, schema: None, display: format!("{} (scratch database {name})", admin_url.display) };
        *shared = Some(SharedDatabase { url, counter: 0 });
    }
    let s = shared.as_mut().expect("just created");
    s.counter += 1;
    Ok((s.url.clone(), s.counter))
}

impl ScratchDatabase {
    /// A fresh, empty schema in the process's scratch database on `admin_url`'s server.
    /// `schema` (the user's) is the name the objects appear under, so introspection and
    /// rendering see the same names as on the real database.
    pub fn create(admin_url: &PgUrl, user_schema: Option<&str>) -> Result<Self, DbError> {
        let (url, n) = shared_database(admin_url)?;
        let schema = format!("scratch_{n}");
        let mut conn = PgConnection::open(&url)?;
        // Scratch work is thrown away: never wait for the WAL flush at commit.
        conn.execute(&format!("CREATE SCHEMA {0}; SET search_path TO {0}; SET synchronous_commit TO off", dialect::quote(&schema)))?;
        Ok(ScratchDatabase { conn: Some(conn), schema, user_schema: user_schema.unwrap_or("public").to_string() })
    }

    fn conn(&mut self) -> &mut PgConnection {
        self.conn.as_mut().expect("open until dropped")
    }

    fn requalify<'a>(&self, sql: &'a str) -> std::borrow::Cow<'a, str> {
        scratch_names::requalify(sql, &self.user_schema, &dialect::quote(&self.schema))
    }

    /// Tables the scratch work created outside any scratch area: the models used a schema
    /// other than the environment's, which retort does not manage; saying so beats
    /// silently leaving the table out of the diff.
    fn refuse_foreign_schemas(&mut self) -> Result<(), DbError> {
        let rows = self.conn().query(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p', 'v', 'm') AND n.nspname NOT IN ('pg_catalog', 'information_schema') \
             AND n.nspname NOT LIKE 'pg\\_%' AND n.nspname NOT LIKE 'scratch\\_%' ORDER BY 1 LIMIT 5",
        )?;
        let names: Vec<String> = rows.into_iter().filter_map(|r| r.into_iter().next().flatten()).collect();
        if names.is_empty() {
            return Ok(());
        }
        Err(DbError::Unsupported(format!(
            "the SQL creates {} outside the schema this environment manages ({}); retort manages one schema per environment: move the object(s) into {}, or manage that schema in an environment of its own (URL option ?schema=NAME)",
            names.join(", "),
            self.user_schema,
            self.user_schema
        )))
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        if let Some(mut c) = self.conn.take() {
            let _ = c.execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", dialect::quote(&self.schema)));
        }
    }
}

impl Connection for ScratchDatabase {
    fn dialect(&self) -> &dyn Dialect {
        &PgDialect
    }
    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        let sql = self.requalify(sql).into_owned();
        self.conn().execute(&sql)
    }
    fn execute_script(&mut self, statements: &[String]) -> Result<(), (usize, DbError)> {
        let statements: Vec<String> = statements.iter().map(|s| self.requalify(s).into_owned()).collect();
        self.conn().execute_script(&statements)
    }
    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        self.conn().query(sql)
    }
    fn table_exists(&mut self, name: &str) -> Result<bool, DbError> {
        self.conn().table_exists(name)
    }
    fn try_lock(&mut self, t: Duration) -> Result<bool, DbError> {
        self.conn().try_lock(t)
    }
    fn unlock(&mut self) -> Result<(), DbError> {
        self.conn().unlock()
    }
    fn describe(&self) -> String {
        self.conn.as_ref().map(|c| c.describe()).unwrap_or_default()
    }
    fn introspect(&mut self) -> Result<Schema, DbError> {
        self.refuse_foreign_schemas()?;
        self.conn().introspect()
    }
}
