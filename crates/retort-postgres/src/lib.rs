//! retort-postgres: the PostgreSQL engine.
//!
//! Connection and execution over the simple-query protocol (so a revision's SQL runs
//! exactly as `psql` would run it), a session-level advisory lock held for the whole
//! run, bulk catalog introspection, rendering, and scratch databases that are always
//! dropped. PostgreSQL-specific knowledge lives here and nowhere else.
mod dialect;
mod engine;
mod introspect;
mod lease;
mod lint;
mod pooler;
mod render;
mod scratch;

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

/// A parsed `postgres://` URL plus retort's own options (`schema`, `lock`, `lease`).
#[derive(Clone)]
pub struct PgUrl {
    pub config: Config,
    pub schema: Option<String>,
    /// `Some(lease)` for `?lock=lease` (`lease.rs`); `None`: the advisory lock.
    pub lease: Option<Duration>,
    /// The lease's length (`lease=`), also when the lease is chosen because a pooler
    /// was detected.
    pub lease_length: Duration,
    /// `lock=` was given: the lock it names is used without looking for a pooler.
    pub lock_given: bool,
    /// For messages: the URL with its password hidden.
    pub display: String,
}

/// Parses a URL; `display` is the redacted form used in every message.
pub fn parse_url(url: &str, display: &str) -> Result<PgUrl, DbError> {
    let bad = |m: String| DbError::InvalidUrl {
        url: display.to_string(),
        message: m.trim_start_matches("invalid URL: ").to_string(),
    };
    let (base, query) = url.split_once('?').unwrap_or((url, ""));
    let mut schema = None;
    let (mut lock, mut lease) = (None, Duration::from_secs(30));
    let mut kept = Vec::new();
    for kv in query.split('&').filter(|s| !s.is_empty()) {
        match kv.split_once('=') {
            Some(("schema", v)) | Some(("search_path", v)) => schema = Some(v.to_string()),
            Some(("lock", v)) => lock = Some(v.to_string()),
            Some(("lease", v)) => {
                lease = lease::parse_lease(v).map_err(|m| bad(format!("invalid URL: {m}")))?
            }
            _ => kept.push(kv),
        }
    }
    let lock_given = lock.is_some();
    let lease_length = lease;
    let lease = match lock.as_deref() {
        None | Some("advisory") | Some("session") => None,
        Some("lease") => Some(lease),
        Some(other) => {
            return Err(bad(format!("invalid URL: lock={other}: use lock=lease or lock=advisory")))
        }
    };
    let cleaned =
        if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    let cleaned = cleaned.replacen("postgresql://", "postgres://", 1);
    let mut config = Config::from_str(&cleaned).map_err(|e| bad(format!("invalid URL: {e}")))?;
    if config.get_user().is_none() {
        config.user(&std::env::var("USER").unwrap_or_else(|_| "postgres".into()));
    }
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    config.application_name("retort");
    Ok(PgUrl { config, schema, lease, lease_length, lock_given, display: display.to_string() })
}

pub struct PgConnection {
    client: Client,
    dialect: PgDialect,
    display: String,
    locked: bool,
    /// Where to connect, for pg_dump/pg_restore/psql: handed to them through the
    /// environment (`PGPASSWORD`, …), never on their command line.
    config: Config,
    schema: Option<String>,
    /// `Some` when the migration lock is a lease (`lease.rs`), and the lease it holds.
    lease: Option<Duration>,
    held: Option<lease::Held>,
    /// Set when this connection is a scratch area (`scratch.rs`).
    scratch: Option<scratch::Area>,
    /// Where the session lock was taken (`pg_backend_pid()`), to prove in every
    /// revision's transaction that it runs in that same server session.
    lock_pid: Option<String>,
    /// The URL's lease length and whether its `lock=` was given (then no pooler check).
    lease_length: Duration,
    pooler_checked: bool,
    /// Said once after the lock is taken (`Connection::lock_note`).
    note: Option<String>,
    /// The schemas the project owns besides this connection's own (retort.toml
    /// `schemas`): introspected too, their objects named `schema.name`.
    owned: Vec<String>,
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
            postgres::config::Host::Unix(p) => {
                env.push(("PGHOST", p.to_string_lossy().into_owned()))
            }
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
fn run_tool(
    tool: &str,
    args: &[&std::ffi::OsStr],
    env: &[(&'static str, String)],
) -> Result<std::process::Output, DbError> {
    let mut cmd = std::process::Command::new(tool);
    cmd.args(args);
    // Nothing inherited may point the tool elsewhere.
    for var in [
        "PGHOST",
        "PGPORT",
        "PGUSER",
        "PGPASSWORD",
        "PGDATABASE",
        "PGSERVICE",
        "PGPASSFILE",
        "PGOPTIONS",
    ] {
        cmd.env_remove(var);
    }
    cmd.envs(env.iter().map(|(k, v)| (k, v)));
    let out = cmd
        .output()
        .map_err(|e| DbError::Unsupported(format!("{tool} is needed for PostgreSQL backups and could not be run ({e}); install the PostgreSQL client tools (Debian: postgresql-client)")))?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(DbError::Query {
            message: format!("{tool} failed: {}", err.trim()),
            sql: String::new(),
        });
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
        let mut client = url
            .config
            .connect(NoTls)
            .map_err(|e| DbError::Connect { url: url.display.clone(), message: message(&e) })?;
        if let Some(schema) = &url.schema {
            let q = format!("SET search_path TO {}", render::quote(schema));
            client
                .batch_execute(&q)
                .map_err(|e| DbError::Connect { url: url.display.clone(), message: message(&e) })?;
            let exists = client
                .simple_query(&format!(
                    "SELECT 1 FROM pg_namespace WHERE nspname = {}",
                    render::literal(schema)
                ))
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
        Ok(PgConnection {
            client,
            dialect: PgDialect,
            display: url.display.clone(),
            locked: false,
            config: url.config.clone(),
            schema: url.schema.clone(),
            lease: url.lease,
            held: None,
            scratch: None,
            lock_pid: None,
            lease_length: url.lease_length,
            pooler_checked: url.lock_given,
            note: None,
            owned: Vec::new(),
        })
    }

    fn err(&self, e: postgres::Error, sql: &str) -> DbError {
        // https://www.postgresql.org/docs/current/errcodes-appendix.html
        let storage = match e.code().map(|c| c.code()) {
            Some("25006") => Some(retort_core::error::StorageCause::ReadOnly), // read_only_sql_transaction (a standby, default_transaction_read_only)
            Some("53100") => Some(retort_core::error::StorageCause::Full),     // disk_full
            _ => None,
        };
        // lock_not_available (lock_timeout) and deadlock_detected: the statement did
        // nothing and the revision may be retried.
        if matches!(e.code().map(|c| c.code()), Some("55P03" | "40P01")) {
            return DbError::LockTimeout { message: message(&e), sql: sql.to_string() };
        }
        match storage {
            Some(cause) => DbError::Storage { cause, message: message(&e) },
            None => DbError::Query { message: message(&e), sql: sql.to_string() },
        }
    }
}

/// The index a `CREATE [UNIQUE] INDEX CONCURRENTLY` statement builds, if `sql` is one.
fn concurrent_index_name(sql: &str) -> Option<String> {
    let parsed =
        sqlparser::parser::Parser::parse_sql(&sqlparser::dialect::PostgreSqlDialect {}, sql)
            .ok()?;
    match parsed.as_slice() {
        [sqlparser::ast::Statement::CreateIndex(ci)] if ci.concurrently => {
            ci.name.as_ref().map(|n| n.to_string())
        }
        _ => None,
    }
}

impl PgConnection {
    /// A `CREATE INDEX CONCURRENTLY` that fails — a duplicate for a unique index, a lock
    /// timeout while it waits for older transactions, a cancel — leaves an INVALID index
    /// behind: not used by queries, still maintained on every write, and in the way of
    /// the next attempt ("already exists"). Drop it and say so, so the step can simply
    /// run again (https://www.postgresql.org/docs/current/sql-createindex.html#SQL-CREATEINDEX-CONCURRENTLY).
    fn drop_invalid_index(&mut self, sql: &str, err: DbError) -> DbError {
        let Some(name) = concurrent_index_name(sql) else { return err };
        let probe = format!(
            "SELECT 1 FROM pg_index WHERE indexrelid = to_regclass({}) AND NOT indisvalid",
            crate::render::literal(&name)
        );
        let invalid = self
            .client
            .simple_query(&probe)
            .map(|m| m.iter().any(|m| matches!(m, SimpleQueryMessage::Row(_))))
            .unwrap_or(false);
        if !invalid {
            return err;
        }
        let note = match self.client.batch_execute(&format!("DROP INDEX CONCURRENTLY IF EXISTS {name}")) {
            Ok(()) => format!("; the invalid index {name} it left behind was dropped, so the step can run again"),
            Err(e) => format!("; it left the invalid index {name} behind, and dropping it failed too ({}): run `DROP INDEX CONCURRENTLY {name}` before trying again", message(&e)),
        };
        match err {
            DbError::Query { message, sql } => DbError::Query { message: message + &note, sql },
            DbError::LockTimeout { message, sql } => {
                DbError::LockTimeout { message: message + &note, sql }
            }
            other => other,
        }
    }
}

impl Connection for PgConnection {
    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        match self.client.batch_execute(sql) {
            Ok(()) => Ok(()),
            Err(e) => {
                let err = self.err(e, sql);
                Err(self.drop_invalid_index(sql, err))
            }
        }
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
            return self
                .execute("RELEASE SAVEPOINT retort_script")
                .map_err(|e| (statements.len() - 1, e));
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

    fn execute_counted(&mut self, sql: &str) -> Result<u64, DbError> {
        self.client.execute(sql, &[]).map_err(|e| self.err(e, sql))
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let msgs = self.client.simple_query(sql).map_err(|e| self.err(e, sql))?;
        Ok(msgs
            .into_iter()
            .filter_map(|m| match m {
                SimpleQueryMessage::Row(r) => {
                    Some((0..r.len()).map(|i| r.get(i).map(str::to_string)).collect())
                }
                _ => None,
            })
            .collect())
    }

    fn relation_exists(&mut self, name: &str) -> Result<bool, DbError> {
        let rows = self.query(&format!(
            "SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace \
             WHERE n.nspname = current_schema() AND c.relname = {} AND c.relkind IN ('r', 'p', 'v', 'm', 'f')",
            render::literal(name)
        ))?;
        Ok(!rows.is_empty())
    }

    fn table_exists(&mut self, name: &str) -> Result<bool, DbError> {
        let rows = self.query(&format!(
            "SELECT 1 FROM pg_catalog.pg_tables WHERE schemaname = current_schema() AND tablename = {}",
            render::literal(name)
        ))?;
        Ok(!rows.is_empty())
    }

    /// Other sessions of this database in a transaction for over a second that hold
    /// table locks, oldest first: what a timed-out DDL statement usually waited for.
    /// (By the time the timeout is reported our own wait is over, so
    /// `pg_blocking_pids` has nothing left to say.)
    fn lock_blockers(&mut self) -> Vec<String> {
        let sql = "SELECT a.pid::text, COALESCE(a.state, ''), EXTRACT(EPOCH FROM now() - a.xact_start)::int::text, \
                   LEFT(regexp_replace(COALESCE(a.query, ''), '\\s+', ' ', 'g'), 120) \
                   FROM pg_stat_activity a WHERE a.datname = current_database() AND a.pid <> pg_backend_pid() \
                   AND a.xact_start < now() - interval '1 second' \
                   AND EXISTS (SELECT 1 FROM pg_locks l WHERE l.pid = a.pid AND l.locktype = 'relation' AND l.granted) \
                   ORDER BY a.xact_start LIMIT 5";
        self.query(sql)
            .unwrap_or_default()
            .into_iter()
            .map(|r| {
                let v = |i: usize| r.get(i).cloned().flatten().unwrap_or_default();
                format!("pid {} ({}, in a transaction for {}s): {}", v(0), v(1), v(2), v(3))
            })
            .collect()
    }

    /// A session-level advisory lock: held across the run's many transactions and
    /// released by the server if the process dies.
    /// With `?lock=lease`, or where the server has no advisory locks, a lease row.
    // Never blocks (the caller polls until its own timeout), so the timeout is not read here.
    fn try_lock(&mut self, _timeout: Duration) -> Result<bool, DbError> {
        if let Some(lease) = self.lease {
            let held =
                lease::try_take(&mut self.client, &self.config, self.schema.as_deref(), lease)
                    .map_err(|e| self.err(e, "taking the lease lock"))?;
            let got = held.is_some();
            self.held = held.or(self.held.take());
            return Ok(got);
        }
        if !self.pooler_checked {
            self.pooler_checked = true;
            if let Some(reason) = pooler::detect(self, &self.config.clone())? {
                self.lease = Some(self.lease_length);
                self.note = Some(format!(
                    "{reason}: a transaction pooler (PgBouncer) seems to be in between, where a session lock does not hold; the migration lock is a lease row ({}) instead (`?lock=lease` says so in the URL; `?lock=advisory` if there is no pooler)",
                    lease::TABLE
                ));
                return self.try_lock(_timeout);
            }
        }
        let rows = match self
            .query(&format!("SELECT pg_try_advisory_lock({LOCK_KEY}), pg_backend_pid()"))
        {
            Ok(rows) => rows,
            // feature_not_supported / undefined_function: a server without advisory locks.
            Err(DbError::Query { message, .. })
                if message.contains("SQLSTATE 0A000") || message.contains("SQLSTATE 42883") =>
            {
                self.lease = Some(self.lease_length);
                return self.try_lock(_timeout);
            }
            Err(e) => return Err(e),
        };
        let cell = |i: usize| rows.first().and_then(|r| r.get(i).cloned().flatten());
        let got = cell(0).as_deref() == Some("t");
        if got {
            self.locked = true;
            self.lock_pid = cell(1);
        }
        Ok(got)
    }

    fn unlock(&mut self) -> Result<(), DbError> {
        if let Some(held) = self.held.take() {
            lease::release(&mut self.client, held)
                .map_err(|e| self.err(e, "releasing the lease lock"))?;
        }
        if self.locked {
            self.locked = false;
            let pid = self.lock_pid.take();
            // Behind a pooler nobody detected, the lock sits in another server session:
            // each try runs on whichever the pool hands out, and only that one frees it.
            for _ in 0..20 {
                let rows = self.query(&format!(
                    "SELECT pg_advisory_unlock({LOCK_KEY}), pg_backend_pid()::text = {}",
                    render::literal(pid.as_deref().unwrap_or(""))
                ))?;
                let freed =
                    rows.first().and_then(|r| r.first().cloned().flatten()).as_deref() == Some("t");
                let same_session =
                    rows.first().and_then(|r| r.get(1).cloned().flatten()).as_deref() == Some("t");
                if freed || same_session {
                    break;
                }
            }
        }
        Ok(())
    }

    fn confirm_lock(&mut self) -> Result<(), DbError> {
        if let Some(held) = &self.held {
            let owner = held.owner().to_string();
            return match lease::confirm(&mut self.client, &owner) {
                Ok(true) => Ok(()),
                Ok(false) => Err(DbError::LockLost {
                    url: self.display.clone(),
                    reason: format!("its lease ({}) was taken over by another run after it expired (this run was paused, or could not renew it, for longer than the lease)", lease::TABLE),
                }),
                Err(e) => Err(self.err(e, "checking the lease lock")),
            };
        }
        let Some(pid) = self.lock_pid.clone() else { return Ok(()) };
        let rows = self.query("SELECT pg_backend_pid()")?;
        let now = rows.first().and_then(|r| r.first().cloned().flatten()).unwrap_or_default();
        if now == pid {
            return Ok(());
        }
        Err(DbError::LockLost {
            url: self.display.clone(),
            reason: format!("the session lock was taken in server session {pid} but this transaction runs in {now}: a transaction pooler (PgBouncer) is in between; use `?lock=lease` in the URL"),
        })
    }

    fn scratch_databases(&mut self) -> Result<Vec<String>, DbError> {
        let rows = self.query(scratch::LIST_SQL)?;
        Ok(rows.into_iter().filter_map(|r| r.into_iter().next().flatten()).collect())
    }

    fn drop_scratch_sql(&self, name: &str) -> String {
        format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", render::quote(name))
    }

    fn lock_note(&mut self) -> Option<String> {
        self.note.take()
    }

    fn describe(&self) -> String {
        self.display.clone()
    }

    fn introspect(&mut self) -> Result<Schema, DbError> {
        self.prepare_scratch_introspection()?;
        introspect::introspect(self)
    }

    fn own_schemas(&mut self, schemas: &[String]) -> Result<(), DbError> {
        self.owned = schemas.to_vec();
        Ok(())
    }

    fn uncompared(&mut self) -> Result<Vec<String>, DbError> {
        introspect::uncompared(self)
    }

    fn empty_scratch(&mut self) -> Result<(), DbError> {
        self.empty_kept()
    }

    fn server_version(&mut self) -> Result<String, DbError> {
        Ok(self
            .query("SHOW server_version_num")?
            .into_iter()
            .next()
            .and_then(|r| r.into_iter().next().flatten())
            .unwrap_or_default())
    }

    fn backup(&mut self, path: &std::path::Path) -> Result<(), DbError> {
        run_tool(
            "pg_dump",
            &["--format=custom".as_ref(), "--file".as_ref(), path.as_os_str()],
            &client_env(&self.config),
        )?;
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
            return Err(DbError::NotABackup {
                path: path.to_path_buf(),
                expected: "a PostgreSQL backup (pg_dump custom format, as `retort backup` writes)"
                    .into(),
            });
        }
        let dir = tempfile::tempdir().map_err(|e| DbError::Query {
            message: format!("cannot create a temporary directory: {e}"),
            sql: String::new(),
        })?;
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
        std::fs::write(dir.path().join("head.sql"), head)
            .map_err(|e| DbError::Query { message: e.to_string(), sql: String::new() })?;
        run_tool(
            "pg_restore",
            &["--no-owner".as_ref(), "--file".as_ref(), script.as_os_str(), path.as_os_str()],
            &[],
        )?;
        let env = client_env(&self.config);
        let head_path = dir.path().join("head.sql");
        run_tool(
            "psql",
            &[
                "--no-psqlrc".as_ref(),
                "--quiet".as_ref(),
                "--single-transaction".as_ref(),
                "--set".as_ref(),
                "ON_ERROR_STOP=1".as_ref(),
                "--file".as_ref(),
                head_path.as_os_str(),
                "--file".as_ref(),
                script.as_os_str(),
            ],
            &env,
        )?;
        Ok(())
    }

    fn backup_extension(&self) -> &'static str {
        "pgdump"
    }

    /// `pg_dump` as for a backup; with `data_of`, every other table's rows are left out
    /// (`--exclude-table-data`, each name an exact, quoted pattern).
    fn backup_for_copy(
        &mut self,
        path: &std::path::Path,
        data_of: Option<&[String]>,
    ) -> Result<(), DbError> {
        let mut args: Vec<std::ffi::OsString> =
            vec!["--format=custom".into(), "--file".into(), path.as_os_str().to_owned()];
        if let Some(keep) = data_of {
            let own = self.schema.clone().unwrap_or_else(|| "public".into());
            let pattern = |part: &str| format!("\"{}\"", part.replace('"', "\"\""));
            for (table, _) in self.storage_ids()? {
                if keep.contains(&table) {
                    continue;
                }
                let (schema, name) = table.split_once('.').unwrap_or((own.as_str(), &table));
                args.push(
                    format!("--exclude-table-data={}.{}", pattern(schema), pattern(name)).into(),
                );
            }
        }
        let args: Vec<&std::ffi::OsStr> = args.iter().map(|a| a.as_os_str()).collect();
        run_tool("pg_dump", &args, &client_env(&self.config))?;
        Ok(())
    }

    fn session_id(&mut self) -> Result<Option<String>, DbError> {
        Ok(self
            .query("SELECT pg_backend_pid()")?
            .first()
            .and_then(|r| r.first().cloned().flatten()))
    }

    /// The relation locks the session holds, from `pg_locks`; the modes that conflict
    /// with a writer's ROW EXCLUSIVE block writes
    /// (https://www.postgresql.org/docs/current/explicit-locking.html#LOCKING-TABLES).
    fn held_locks(
        &mut self,
        session: Option<&str>,
    ) -> Result<Option<Vec<retort_core::engine::HeldLock>>, DbError> {
        let Some(pid) = session.and_then(|s| s.parse::<i64>().ok()) else { return Ok(None) };
        let rows = self.query(&format!(
            "SELECT {RELATION_NAME}, l.mode FROM pg_locks l JOIN pg_class c ON c.oid = l.relation \
             JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE l.pid = {pid} AND l.granted AND l.locktype = 'relation' AND c.relkind IN ('r', 'p', 'm') \
             AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'"
        ))?;
        Ok(Some(
            retort_core::engine::pairs(rows)
                .into_iter()
                .map(|(table, mode)| retort_core::engine::HeldLock {
                    table,
                    blocks_writes: matches!(
                        mode.as_str(),
                        "ShareLock"
                            | "ShareRowExclusiveLock"
                            | "ExclusiveLock"
                            | "AccessExclusiveLock"
                    ),
                    mode,
                })
                .collect(),
        ))
    }

    fn lock_source(&mut self) -> String {
        "pg_locks".into()
    }

    fn cancel_session(&mut self, session: &str) -> Result<(), DbError> {
        if let Ok(pid) = session.parse::<i64>() {
            self.query(&format!("SELECT pg_cancel_backend({pid})"))?;
        }
        Ok(())
    }

    fn storage_ids(&mut self) -> Result<Vec<(String, String)>, DbError> {
        let rows = self.query(&format!(
            "SELECT {RELATION_NAME}, c.relfilenode::text FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'm') AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%'"
        ))?;
        Ok(retort_core::engine::pairs(rows))
    }

    /// The count of the statement's command tag (`UPDATE 120`), from the simple protocol.
    fn execute_reporting(&mut self, sql: &str) -> Result<Option<u64>, DbError> {
        match self.client.simple_query(sql) {
            Ok(messages) => Ok(messages.iter().rev().find_map(|m| match m {
                SimpleQueryMessage::CommandComplete(n) => Some(*n),
                _ => None,
            })),
            Err(e) => {
                let err = self.err(e, sql);
                Err(self.drop_invalid_index(sql, err))
            }
        }
    }
}

/// A relation's name as the rest of retort writes it: bare in the session's schema,
/// `schema.name` elsewhere (`c`: pg_class, `n`: pg_namespace).
const RELATION_NAME: &str =
    "CASE WHEN n.nspname = current_schema() THEN c.relname ELSE n.nspname || '.' || c.relname END";
