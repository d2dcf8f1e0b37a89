//! retort-mysql: the MySQL/MariaDB engine.
//!
//! DDL commits implicitly on MySQL, so a revision cannot be rolled back as a whole: the
//! migrator marks it in progress in the log before it runs and reports the database as
//! dirty if it fails (see `Capabilities::transactional_ddl`). The run is serialised
//! with `GET_LOCK`. MySQL-specific knowledge lives here and nowhere else.
mod dialect;
mod engine;
mod introspect;
mod lease;
mod lint;
mod render;
mod scratch;

pub use dialect::MysqlDialect;
pub use engine::MysqlEngine;

use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder, Value};
use retort_core::engine::{Connection, Dialect};
use retort_core::error::DbError;
use retort_core::schema::Schema;
use std::time::Duration;

pub use lease::LockStrategy;

/// Parses `mysql://` / `mariadb://` URLs; `display` is the redacted form for messages.
/// retort's own `lock=`/`lease=` parameters are taken out (see `lease.rs`).
pub fn parse_url(url: &str, display: &str) -> Result<(Opts, Option<LockStrategy>), DbError> {
    let (url, strategy) = lease::from_url(url)
        .map_err(|m| DbError::InvalidUrl { url: display.into(), message: m.to_string() })?;
    let normalised = url.replacen("mariadb://", "mysql://", 1);
    let opts = Opts::from_url(&normalised)
        .map_err(|e| DbError::InvalidUrl { url: display.into(), message: e.to_string() })?;
    Ok((
        OptsBuilder::from_opts(opts).tcp_connect_timeout(Some(Duration::from_secs(10))).into(),
        strategy,
    ))
}

pub struct MysqlConnection {
    opts: Opts,
    conn: Conn,
    dialect: MysqlDialect,
    display: String,
    lock_name: String,
    locked: bool,
    strategy: LockStrategy,
    /// The server is a Galera node (`wsrep_on`).
    galera: bool,
    /// The lease this connection holds (`lease.rs`).
    held: Option<lease::Held>,
    /// Set when this connection is a scratch database (`scratch.rs`).
    scratch: Option<scratch::Area>,
    /// Where this server shows other sessions' metadata locks, once looked up.
    lock_view: Option<Option<LockView>>,
}

/// The tables that show which metadata locks a session holds.
#[derive(Clone, Copy)]
enum LockView {
    /// MariaDB's `metadata_lock_info` plugin.
    MetadataLockInfo,
    /// `performance_schema.metadata_locks` (on by default in MySQL 8).
    PerformanceSchema,
}

/// Metadata lock modes that make a writer (which needs SHARED_WRITE) wait
/// (https://mariadb.com/kb/en/metadata-locking/).
fn mdl_blocks_writes(mode: &str) -> bool {
    matches!(
        mode.trim_start_matches("MDL_"),
        "SHARED_NO_WRITE" | "SHARED_NO_READ_WRITE" | "EXCLUSIVE" | "SHARED_READ_ONLY"
    )
}

fn to_text(v: Value) -> Option<String> {
    match v {
        Value::NULL => None,
        Value::Bytes(b) => Some(String::from_utf8_lossy(&b).into_owned()),
        Value::Int(i) => Some(i.to_string()),
        Value::UInt(u) => Some(u.to_string()),
        Value::Float(f) => Some(f.to_string()),
        Value::Double(d) => Some(d.to_string()),
        Value::Date(y, mo, d, h, mi, s, _) => {
            Some(format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}"))
        }
        Value::Time(neg, d, h, m, s, _) => {
            Some(format!("{}{:02}:{m:02}:{s:02}", if neg { "-" } else { "" }, d * 24 + h as u32))
        }
    }
}

fn message(e: &mysql::Error) -> String {
    match e {
        mysql::Error::MySqlError(m) => format!("{} (MySQL error {})", m.message, m.code),
        // The driver refuses to send it; say which server setting limits it, not a debug dump.
        mysql::Error::CodecError(_) if e.to_string().contains("max_allowed_packet") => {
            "the statement is larger than the server's max_allowed_packet: raise it (SET GLOBAL max_allowed_packet = ..., and in the server's configuration) and run again".into()
        }
        other => other.to_string(),
    }
}

/// A failed statement as a [`DbError`]: a lock wait timeout (1205) or a deadlock (1213)
/// did nothing and may be retried; everything else is a query error.
fn query_error(e: &mysql::Error, sql: &str) -> DbError {
    match e {
        mysql::Error::MySqlError(m) if m.code == 1205 || m.code == 1213 => {
            DbError::LockTimeout { message: message(e), sql: sql.into() }
        }
        _ => DbError::Query { message: message(e), sql: sql.into() },
    }
}

impl MysqlConnection {
    pub fn open(
        opts: &Opts,
        display: &str,
        strategy: Option<LockStrategy>,
    ) -> Result<Self, DbError> {
        let connect_error =
            |e: mysql::Error| DbError::Connect { url: display.into(), message: message(&e) };
        let mut conn = Conn::new(opts.clone()).map_err(connect_error)?;
        let db = opts.get_db_name().unwrap_or("").to_string();
        if db.is_empty() {
            return Err(DbError::Connect {
                url: display.into(),
                message: "the URL names no database (mysql://user@host/DATABASE)".into(),
            });
        }
        // A Galera node: session locks are node-local, so the lease lock; and reads wait
        // for what other nodes committed (causal reads), so the version table read after
        // taking the lock sees the previous owner's last revision.
        let galera = conn
            .query_first::<(String, String), _>("SHOW VARIABLES LIKE 'wsrep_on'")
            .map_err(connect_error)?
            .is_some_and(|(_, v)| v == "ON");
        if galera {
            conn.query_drop("SET SESSION wsrep_sync_wait = 1").map_err(connect_error)?;
        }
        let strategy = strategy.unwrap_or(if galera {
            LockStrategy::Lease { lease: Duration::from_secs(30) }
        } else {
            LockStrategy::Session
        });
        Ok(MysqlConnection {
            opts: opts.clone(),
            conn,
            dialect: MysqlDialect,
            display: display.into(),
            lock_name: format!("retort:{db}"),
            locked: false,
            strategy,
            galera,
            held: None,
            scratch: None,
            lock_view: None,
        })
    }
}

impl Connection for MysqlConnection {
    fn dialect(&self) -> &dyn Dialect {
        &self.dialect
    }

    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        let Some(area) = &self.scratch else {
            return self.conn.query_drop(sql).map_err(|e| query_error(&e, sql));
        };
        area.check(sql)?;
        let outcome = self.conn.query_drop(sql).map_err(|e| query_error(&e, sql));
        area.confirm(&mut self.conn, sql)?;
        outcome
    }

    /// The count read from the statement's own result (its OK packet), not from the
    /// connection afterwards.
    fn execute_counted(&mut self, sql: &str) -> Result<u64, DbError> {
        if let Some(area) = &self.scratch {
            area.check(sql)?;
        }
        let result = self.conn.query_iter(sql).map_err(|e| query_error(&e, sql));
        let counted = result.map(|r| r.affected_rows());
        if let Some(area) = &self.scratch {
            area.confirm(&mut self.conn, sql)?;
        }
        counted
    }

    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        let rows: Vec<mysql::Row> = self.conn.query(sql).map_err(|e| query_error(&e, sql))?;
        Ok(rows.into_iter().map(|r| r.unwrap().into_iter().map(to_text).collect()).collect())
    }

    fn table_exists(&mut self, name: &str) -> Result<bool, DbError> {
        let sql = format!(
            "SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {}",
            self.dialect.quote_literal(name)
        );
        Ok(!self.query(&sql)?.is_empty())
    }

    /// Open InnoDB transactions of other sessions, oldest first (the usual holders of
    /// the metadata lock a DDL statement waits for).
    fn lock_blockers(&mut self) -> Vec<String> {
        let sql = "SELECT trx_mysql_thread_id, TIMESTAMPDIFF(SECOND, trx_started, NOW()), LEFT(REPLACE(COALESCE(trx_query, '(idle in transaction)'), '\\n', ' '), 120) \
                   FROM information_schema.innodb_trx WHERE trx_mysql_thread_id <> CONNECTION_ID() AND trx_started < NOW() - INTERVAL 1 SECOND ORDER BY trx_started LIMIT 5";
        self.query(sql)
            .unwrap_or_default()
            .into_iter()
            .map(|r| {
                format!(
                    "thread {} (in a transaction for {}s): {}",
                    r[0].clone().unwrap_or_default(),
                    r[1].clone().unwrap_or_default(),
                    r[2].clone().unwrap_or_default()
                )
            })
            .collect()
    }

    /// `GET_LOCK` is per session and released by the server if the process dies; on a
    /// Galera cluster (or with `?lock=lease`) a lease row instead (`lease.rs`).
    fn try_lock(&mut self, _timeout: Duration) -> Result<bool, DbError> {
        if let LockStrategy::Lease { lease } = self.strategy {
            let held = lease::try_take(&mut self.conn, &self.opts, &self.lock_name, lease)
                .map_err(|e| query_error(&e, "taking the lease lock"))?;
            let got = held.is_some();
            self.held = held.or(self.held.take());
            return Ok(got);
        }
        let sql = format!("SELECT GET_LOCK({}, 0)", self.dialect.quote_literal(&self.lock_name));
        let got = self.query(&sql)?.first().and_then(|r| r.first().cloned().flatten()).as_deref()
            == Some("1");
        self.locked |= got;
        Ok(got)
    }

    fn scratch_databases(&mut self) -> Result<Vec<String>, DbError> {
        let rows = self.query(scratch::LIST_SQL)?;
        Ok(rows.into_iter().filter_map(|r| r.into_iter().next().flatten()).collect())
    }

    fn confirm_lock(&mut self) -> Result<(), DbError> {
        let Some(held) = &self.held else { return Ok(()) };
        let owner = held.owner().to_string();
        match lease::confirm(&mut self.conn, &self.lock_name, &owner) {
            Ok(true) => Ok(()),
            Ok(false) => Err(DbError::LockLost {
                url: self.display.clone(),
                reason: format!("its lease ({}) was taken over by another run after it expired (this run was paused, or could not renew it, for longer than the lease)", lease::TABLE),
            }),
            Err(e) => Err(query_error(&e, "checking the lease lock")),
        }
    }

    fn unlock(&mut self) -> Result<(), DbError> {
        if let Some(held) = self.held.take() {
            lease::release(&mut self.conn, &self.lock_name, held)
                .map_err(|e| query_error(&e, "releasing the lease lock"))?;
        }
        if self.locked {
            let sql =
                format!("SELECT RELEASE_LOCK({})", self.dialect.quote_literal(&self.lock_name));
            self.query(&sql)?;
            self.locked = false;
        }
        Ok(())
    }

    fn describe(&self) -> String {
        self.display.clone()
    }

    /// InnoDB's row estimate from `information_schema.TABLES`.
    fn approximate_rows(&mut self, table: &str) -> Option<u64> {
        let sql = format!("SELECT TABLE_ROWS FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = {}", self.dialect.quote_literal(table));
        self.query(&sql).ok()?.into_iter().next()?.into_iter().next()??.parse().ok()
    }

    /// A Galera node: its name, the cluster's size, and how DDL replicates.
    fn cluster(&mut self) -> Option<String> {
        if !self.galera {
            return None;
        }
        let row = self
            .query("SELECT @@wsrep_node_name, (SELECT VARIABLE_VALUE FROM information_schema.GLOBAL_STATUS WHERE VARIABLE_NAME = 'wsrep_cluster_size'), @@wsrep_OSU_method")
            .ok()?
            .into_iter()
            .next()?;
        let get = |i: usize| row.get(i).cloned().flatten().unwrap_or_default();
        let method = get(2);
        let how = if method.eq_ignore_ascii_case("TOI") {
            "schema changes run on this node under Total Order Isolation: replicated in order, writes to a table wait cluster-wide while its DDL runs".to_string()
        } else {
            format!("wsrep_OSU_method is {method}: schema changes stay on this node")
        };
        Some(format!("Galera node {} of a cluster of {}; {how}", get(0), get(1)))
    }

    fn introspect(&mut self) -> Result<Schema, DbError> {
        introspect::introspect(self)
    }

    /// The version and the server-wide settings that decide how a model is normalised
    /// (a column's default character set and collation, the SQL mode, the case of table
    /// names): the autogenerate caches' keys hold it, so a reconfigured server is a miss.
    /// Global values, never the session's (a scratch session sets its own).
    fn server_version(&mut self) -> Result<String, DbError> {
        let row = self.query("SELECT CONCAT_WS(' ', VERSION(), @@GLOBAL.character_set_server, @@GLOBAL.collation_server, @@GLOBAL.sql_mode, @@GLOBAL.lower_case_table_names, @@GLOBAL.default_storage_engine)")?;
        Ok(row.into_iter().next().and_then(|r| r.into_iter().next().flatten()).unwrap_or_default())
    }

    /// Stored routines and events: outside the model.
    fn empty_scratch(&mut self) -> Result<(), DbError> {
        self.empty_kept()
    }

    fn uncompared(&mut self) -> Result<Vec<String>, DbError> {
        let rows = self.query(
            "SELECT (SELECT count(*) FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()), \
             (SELECT count(*) FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE())",
        )?;
        let n = |i: usize| {
            rows.first()
                .and_then(|r| r.get(i).cloned().flatten())
                .and_then(|v| v.parse::<i64>().ok())
                .unwrap_or(0)
        };
        Ok(retort_core::engine::counted(&[
            (n(0), "routine", "routines"),
            (n(1), "event", "events"),
        ]))
    }

    /// `mariadb-dump` (or `mysqldump`) with `--single-transaction`; the password goes in
    /// the environment (MYSQL_PWD), never on the command line or in a message.
    fn backup(&mut self, path: &std::path::Path) -> Result<(), DbError> {
        let out = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)
            .map_err(|e| DbError::Query { message: e.to_string(), sql: String::new() })?;
        let status = self
            .tool(
                &["mariadb-dump", "mysqldump"],
                &["--single-transaction", "--routines", "--triggers"],
            )?
            .stdout(out)
            .status();
        check_tool(status, "dump")
    }

    /// Replaces the whole database with the dump. MySQL cannot do it in one transaction,
    /// so the dump is first loaded into a scratch database (a dump that fails there never
    /// touches this one); then every object here is dropped (objects created after the
    /// backup included, which the dump's own `DROP TABLE IF EXISTS` would miss) and the
    /// dump is loaded.
    fn restore(&mut self, path: &std::path::Path) -> Result<(), DbError> {
        let mut head = String::new();
        let _ = std::io::Read::read_to_string(
            &mut std::io::Read::take(
                std::fs::File::open(path).map_err(|e| DbError::Query {
                    message: format!("cannot read {}: {e}", path.display()),
                    sql: String::new(),
                })?,
                200,
            ),
            &mut head,
        );
        if !(head.starts_with("-- MariaDB dump")
            || head.starts_with("-- MySQL dump")
            || head.starts_with("/*M!999999"))
        {
            return Err(DbError::NotABackup { path: path.to_path_buf(), expected: "a MySQL/MariaDB dump (mariadb-dump/mysqldump output, as `retort backup` writes)".into() });
        }
        {
            let trial = MysqlConnection::scratch(&self.opts, &self.display)?;
            trial.load_dump(path)?;
        }
        self.drop_all_objects()?;
        self.load_dump(path)
    }

    fn backup_extension(&self) -> &'static str {
        "sql"
    }

    /// `mariadb-dump` as for a backup; with `data_of`, the other tables' rows are left
    /// out (`--ignore-table-data`).
    fn backup_for_copy(
        &mut self,
        path: &std::path::Path,
        data_of: Option<&[String]>,
    ) -> Result<(), DbError> {
        let Some(keep) = data_of else { return self.backup(path) };
        let db = self.opts.get_db_name().unwrap_or_default().to_string();
        let mut args =
            vec!["--single-transaction".to_string(), "--routines".into(), "--triggers".into()];
        for table in self.table_names()? {
            if !keep.contains(&table) {
                args.push(format!("--ignore-table-data={db}.{table}"));
            }
        }
        let out = std::fs::OpenOptions::new()
            .write(true)
            .truncate(true)
            .open(path)
            .map_err(|e| DbError::Query { message: e.to_string(), sql: String::new() })?;
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let status = self.tool(&["mariadb-dump", "mysqldump"], &args)?.stdout(out).status();
        check_tool(status, "dump")
    }

    fn session_id(&mut self) -> Result<Option<String>, DbError> {
        Ok(self.query("SELECT CONNECTION_ID()")?.first().and_then(|r| r.first().cloned().flatten()))
    }

    fn held_locks(
        &mut self,
        session: Option<&str>,
    ) -> Result<Option<Vec<retort_core::engine::HeldLock>>, DbError> {
        let Some(id) = session.and_then(|s| s.parse::<u64>().ok()) else { return Ok(None) };
        let sql = match self.lock_view() {
            Some(LockView::MetadataLockInfo) => format!("SELECT TABLE_NAME, LOCK_MODE FROM information_schema.METADATA_LOCK_INFO WHERE THREAD_ID = {id} AND TABLE_SCHEMA = DATABASE() AND TABLE_NAME <> ''"),
            Some(LockView::PerformanceSchema) => format!("SELECT m.OBJECT_NAME, m.LOCK_TYPE FROM performance_schema.metadata_locks m JOIN performance_schema.threads t ON t.THREAD_ID = m.OWNER_THREAD_ID WHERE t.PROCESSLIST_ID = {id} AND m.OBJECT_TYPE = 'TABLE' AND m.OBJECT_SCHEMA = DATABASE() AND m.LOCK_STATUS = 'GRANTED'"),
            None => return Ok(None),
        };
        Ok(Some(
            retort_core::engine::pairs(self.query(&sql)?)
                .into_iter()
                .map(|(table, mode)| retort_core::engine::HeldLock {
                    table,
                    blocks_writes: mdl_blocks_writes(&mode),
                    mode,
                })
                .collect(),
        ))
    }

    fn lock_source(&mut self) -> String {
        match self.lock_view() {
            Some(LockView::MetadataLockInfo) => "information_schema.METADATA_LOCK_INFO".into(),
            Some(LockView::PerformanceSchema) => "performance_schema.metadata_locks".into(),
            None => "the server shows no session's metadata locks (MariaDB: INSTALL SONAME 'metadata_lock_info', or performance_schema = ON)".into(),
        }
    }

    fn cancel_session(&mut self, session: &str) -> Result<(), DbError> {
        if let Ok(id) = session.parse::<u64>() {
            self.execute(&format!("KILL QUERY {id}"))?;
        }
        Ok(())
    }

    /// InnoDB's table ids: an ALTER that copies or rebuilds the table gives it a new one.
    fn storage_ids(&mut self) -> Result<Vec<(String, String)>, DbError> {
        for sql in [
            "SELECT SUBSTRING_INDEX(NAME, '/', -1), TABLE_ID FROM information_schema.INNODB_SYS_TABLES WHERE NAME LIKE CONCAT(DATABASE(), '/%')",
            "SELECT SUBSTRING_INDEX(NAME, '/', -1), TABLE_ID FROM information_schema.INNODB_TABLES WHERE NAME LIKE CONCAT(DATABASE(), '/%')",
        ] {
            if let Ok(rows) = self.query(sql) {
                return Ok(retort_core::engine::pairs(rows));
            }
        }
        Ok(Vec::new())
    }

    /// The affected rows of the statement's OK packet (an ALTER that copies the table
    /// reports the rows it copied).
    fn execute_reporting(&mut self, sql: &str) -> Result<Option<u64>, DbError> {
        if self.scratch.is_some() {
            return self.execute(sql).map(|()| None);
        }
        let result = self.conn.query_iter(sql).map_err(|e| query_error(&e, sql))?;
        let rows = result.affected_rows();
        drop(result);
        Ok(Some(rows))
    }

    fn max_statement_bytes(&mut self) -> Result<Option<(usize, &'static str)>, DbError> {
        let rows = self.query("SELECT @@max_allowed_packet")?;
        let limit =
            rows.first().and_then(|r| r.first().cloned().flatten()).and_then(|v| v.parse().ok());
        Ok(limit.map(|l| (l, "max_allowed_packet")))
    }
}

fn check_tool(
    status: std::io::Result<std::process::ExitStatus>,
    what: &str,
) -> Result<(), DbError> {
    match status {
        Ok(s) if s.success() => Ok(()),
        Ok(s) => Err(DbError::Query {
            message: format!("the MySQL {what} tool failed ({s})"),
            sql: String::new(),
        }),
        Err(e) => Err(DbError::Unsupported(format!("the MySQL {what} tool could not be run: {e}"))),
    }
}

impl MysqlConnection {
    /// Where this server shows metadata locks ([`LockView`]), looked up once.
    fn lock_view(&mut self) -> Option<LockView> {
        if let Some(v) = self.lock_view {
            return v;
        }
        let view =
            if self.query("SELECT 1 FROM information_schema.METADATA_LOCK_INFO LIMIT 0").is_ok() {
                Some(LockView::MetadataLockInfo)
            } else if self
                .query("SELECT @@performance_schema")
                .ok()
                .and_then(|r| r.first().and_then(|r| r.first().cloned().flatten()))
                .is_some_and(|v| v == "1")
                && self.query("SELECT 1 FROM performance_schema.metadata_locks LIMIT 0").is_ok()
            {
                Some(LockView::PerformanceSchema)
            } else {
                None
            };
        self.lock_view = Some(view);
        view
    }

    /// The database's base tables, for `--ignore-table-data`.
    fn table_names(&mut self) -> Result<Vec<String>, DbError> {
        Ok(self
            .query("SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_TYPE = 'BASE TABLE'")?
            .into_iter()
            .filter_map(|r| r.into_iter().next().flatten())
            .collect())
    }

    /// Feeds a dump to the client tool, stopping at the first error. A dump that names
    /// a database (`mariadb-dump --databases` writes `CREATE DATABASE` and `USE`) is
    /// refused before anything runs: loaded here it would switch to, and write into,
    /// the database it names instead of this one.
    pub(crate) fn load_dump(&self, path: &std::path::Path) -> Result<(), DbError> {
        use std::io::BufRead;
        let file = std::fs::File::open(path).map_err(|e| DbError::Query {
            message: format!("cannot read {}: {e}", path.display()),
            sql: String::new(),
        })?;
        for line in std::io::BufReader::new(file).split(b'\n').map_while(Result::ok) {
            let upper = String::from_utf8_lossy(&line[..line.len().min(40)]).to_ascii_uppercase();
            if upper.starts_with("USE ") || upper.starts_with("CREATE DATABASE") {
                return Err(DbError::NotABackup {
                    path: path.to_path_buf(),
                    expected: format!("a dump of one database's objects, naming no database (this one has `{}`; dump with `mariadb-dump DBNAME`, without --databases, or as `retort backup` does)", String::from_utf8_lossy(&line).trim().trim_end_matches(';')),
                });
            }
        }
        self.load_dump_unchecked(path)
    }

    fn load_dump_unchecked(&self, path: &std::path::Path) -> Result<(), DbError> {
        let input = std::fs::File::open(path).map_err(|e| DbError::Query {
            message: format!("cannot read {}: {e}", path.display()),
            sql: String::new(),
        })?;
        let status = self.tool(&["mariadb", "mysql"], &[])?.stdin(input).status();
        check_tool(status, "restore")
    }

    /// Drops every table, view, sequence, routine and event of the connection's database.
    fn drop_all_objects(&mut self) -> Result<(), DbError> {
        let q = |s: &str| format!("`{}`", s.replace('`', "``"));
        let mut stmts = vec!["SET FOREIGN_KEY_CHECKS = 0".to_string()];
        for row in self.query("SELECT TABLE_NAME, TABLE_TYPE FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() ORDER BY TABLE_TYPE = 'VIEW' DESC")? {
            if let [Some(name), Some(kind)] = &row[..] {
                let what = match kind.as_str() {
                    "VIEW" | "SYSTEM VIEW" => "VIEW",
                    "SEQUENCE" => "SEQUENCE",
                    _ => "TABLE",
                };
                stmts.push(format!("DROP {what} IF EXISTS {}", q(name)));
            }
        }
        for row in self.query("SELECT ROUTINE_NAME, ROUTINE_TYPE FROM information_schema.ROUTINES WHERE ROUTINE_SCHEMA = DATABASE()")? {
            if let [Some(name), Some(kind)] = &row[..] {
                stmts.push(format!("DROP {kind} IF EXISTS {}", q(name)));
            }
        }
        for row in self.query(
            "SELECT EVENT_NAME FROM information_schema.EVENTS WHERE EVENT_SCHEMA = DATABASE()",
        )? {
            if let Some(name) = row.into_iter().next().flatten() {
                stmts.push(format!("DROP EVENT IF EXISTS {}", q(&name)));
            }
        }
        stmts.push("SET FOREIGN_KEY_CHECKS = 1".to_string());
        for s in &stmts {
            self.execute(s)?;
        }
        Ok(())
    }

    /// The first of `names` found on PATH, set up to reach this database.
    fn tool(&self, names: &[&str], extra: &[&str]) -> Result<std::process::Command, DbError> {
        let found = names
            .iter()
            .find(|n| std::process::Command::new(n).arg("--version").output().is_ok())
            .ok_or_else(|| {
                DbError::Unsupported(format!(
                    "none of {} is on PATH; install the MariaDB/MySQL client tools for backups",
                    names.join(", ")
                ))
            })?;
        let mut cmd = std::process::Command::new(found);
        cmd.arg("-h")
            .arg(self.opts.get_ip_or_hostname().to_string())
            .arg("-P")
            .arg(self.opts.get_tcp_port().to_string());
        if let Some(u) = self.opts.get_user() {
            cmd.arg("-u").arg(u);
        }
        if let Some(p) = self.opts.get_pass() {
            cmd.env("MYSQL_PWD", p);
        }
        cmd.args(extra).arg(self.opts.get_db_name().unwrap_or_default());
        cmd.stderr(std::process::Stdio::inherit());
        Ok(cmd)
    }
}
