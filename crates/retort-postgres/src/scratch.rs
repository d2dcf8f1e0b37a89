//! Scratch areas for autogenerate: a database of the process's own on the server, where
//! the models and the replayed history keep their own schema names (`public.users` is
//! `public.users` there too, so generated SQL never names a scratch area). Creating a database costs a checkpoint (hundreds of milliseconds), so a
//! database is created once per concurrent use and reused: an area takes a free one
//! from the process's pool, empties it (drops every schema, recreates the environment's
//! schema), and gives it back when dropped. The databases go with
//! `retort_core::cleanup::run_all` (end of the command, error, Ctrl-C).
use crate::{message, render, PgConnection, PgUrl};
use postgres::{Config, NoTls};
use retort_core::engine::Connection;
use retort_core::error::DbError;

/// What makes a connection a scratch area.
pub(crate) struct Area {
    /// The environment's schema (`public` unless the URL says `?schema=`): the only one
    /// the models may create objects in.
    pub user_schema: String,
    /// The database, returned to the pool when the area is dropped.
    database: PgUrl,
    server: String,
    /// A project's kept area (`retort_core::models_area`): never pooled or dropped with
    /// the process; its session's advisory lock keeps other runs out.
    kept: bool,
}

/// The advisory lock a session holds on its kept area (keys are per database).
const KEPT_LOCK: &str = "SELECT pg_try_advisory_lock(hashtext('retort kept scratch'))";

/// Scratch databases this process created and is not using, by server.
static FREE: std::sync::Mutex<Vec<(String, PgUrl)>> = std::sync::Mutex::new(Vec::new());

/// Drops a scratch database from the server's maintenance database: the database the
/// admin URL names may be gone by the time the clean-up runs (a test's own database, or a
/// tenant dropped meanwhile), which once left scratch databases behind.
pub(crate) fn drop_database(admin: &Config, name: &str) {
    let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", render::quote(name));
    for db in ["postgres", "template1"].into_iter().map(Some).chain([admin.get_dbname()]) {
        let mut config = admin.clone();
        if let Some(db) = db {
            config.dbname(db);
        }
        if let Ok(mut c) = config.connect(NoTls) {
            if c.batch_execute(&sql).is_ok() {
                return;
            }
        }
    }
}

/// The server's scratch databases, any process's.
pub(crate) const LIST_SQL: &str =
    "SELECT datname FROM pg_database WHERE datname LIKE 'retort\\_scratch\\_%'";

/// Drops the scratch databases that processes of this machine left when they were
/// killed before their clean-up ran (`retort_core::cleanup::orphaned_scratch`).
fn drop_orphans(admin: &Config, client: &mut postgres::Client) {
    let Ok(rows) = client.query(LIST_SQL, &[]) else { return };
    let names: Vec<String> = rows.iter().map(|r| r.get::<_, String>(0)).collect();
    for name in retort_core::cleanup::orphaned_scratch(&names) {
        drop_database(admin, &name);
    }
}

/// Which server a URL points at (the pool never hands a database of one server to another).
fn server_key(config: &Config) -> String {
    format!("{:?}|{:?}|{:?}", config.get_hosts(), config.get_ports(), config.get_user())
}

fn create_database(admin_url: &PgUrl) -> Result<PgUrl, DbError> {
    create_database_with_cleanup(admin_url).map(|(url, _)| url)
}

/// A new scratch database and the id of the clean-up action that drops it.
fn create_database_with_cleanup(admin_url: &PgUrl) -> Result<(PgUrl, u64), DbError> {
    // After Ctrl-C the clean-up may already have run: never create another one.
    if retort_core::interrupt::requested() {
        return Err(DbError::Unsupported("interrupted".into()));
    }
    // The pid tells whose it is (tests check their own runs left nothing behind).
    let name = retort_core::cleanup::scratch_name();
    let mut admin_client = admin_url
        .config
        .connect(NoTls)
        .map_err(|e| DbError::Connect { url: admin_url.display.clone(), message: message(&e) })?;
    drop_orphans(&admin_url.config, &mut admin_client);
    if let Err(e) = admin_client.batch_execute(&format!("CREATE DATABASE {}", render::quote(&name)))
    {
        return Err(DbError::Connect {
            url: admin_url.display.clone(),
            message: format!(
                "cannot create a scratch database for autogenerate: {}. Grant CREATEDB to this user, or set `scratch_url` under [project] in retort.toml to a server where retort may create and drop databases",
                message(&e)
            ),
        });
    }
    let (admin, n) = (admin_url.config.clone(), name.clone());
    let cleanup = retort_core::cleanup::register(Box::new(move || {
        drop_database(&admin, &n);
        FREE.lock()
            .unwrap_or_else(|e| e.into_inner())
            .retain(|(_, url)| url.config.get_dbname() != Some(n.as_str()));
    }));
    let mut config = admin_url.config.clone();
    config.dbname(&name);
    let url = PgUrl {
        config,
        schema: None,
        lease: None,
        lease_length: std::time::Duration::from_secs(30),
        lock_given: true,
        display: format!("{} (scratch database {name})", admin_url.display),
    };
    Ok((url, cleanup))
}

/// A rehearsal's copy: a new scratch database (never one of the pool: the copy is
/// filled, watched by several sessions and dropped as soon as the rehearsal ends)
/// restored from `backup`, opened with the environment's schema.
pub(crate) fn copy_database(
    admin_url: &PgUrl,
    schema: Option<String>,
    backup: &std::path::Path,
) -> Result<retort_core::engine::DatabaseCopy, DbError> {
    let (url, cleanup) = create_database_with_cleanup(admin_url)?;
    let name = url.config.get_dbname().unwrap_or_default().to_string();
    let host = match admin_url.config.get_hosts().first() {
        Some(postgres::config::Host::Tcp(h)) => h.clone(),
        _ => "localhost".into(),
    };
    let port = admin_url.config.get_ports().first().copied().unwrap_or(5432);
    let opened = PgUrl { schema, ..url.clone() };
    let copy = retort_core::engine::DatabaseCopy {
        describe: format!("database {name} on {host}:{port}"),
        name,
        open: std::sync::Arc::new(move || {
            let conn: Box<dyn Connection> = Box::new(PgConnection::open(&opened)?);
            Ok(conn)
        }),
        cleanup,
    };
    // Filled through a session without the schema setting: the schema comes with the dump.
    PgConnection::open(&url)?.restore(backup)?;
    Ok(copy)
}

/// Whether a used scratch database holds so many objects that emptying it costs more
/// (and more locks) than making a new one.
fn too_big_to_empty(url: &PgUrl) -> bool {
    let Ok(mut c) = url.config.connect(NoTls) else { return true };
    let n = c
        .simple_query("SELECT count(*) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'")
        .ok()
        .and_then(|m| m.into_iter().find_map(|m| match m {
            postgres::SimpleQueryMessage::Row(r) => r.get(0).and_then(|v| v.parse::<u64>().ok()),
            _ => None,
        }));
    n.is_none_or(|n| n > 500)
}

impl PgConnection {
    /// An empty scratch area on `admin_url`'s server whose schema is `user_schema`.
    pub fn scratch(admin_url: &PgUrl, user_schema: Option<&str>) -> Result<Self, DbError> {
        let server = server_key(&admin_url.config);
        let reused = {
            let mut free = FREE.lock().unwrap_or_else(|e| e.into_inner());
            free.iter().position(|(s, _)| *s == server).map(|i| free.swap_remove(i).1)
        };
        let (database, fresh) = match reused {
            Some(url) if !too_big_to_empty(&url) => (url, false),
            Some(url) => {
                // Dropping thousands of objects in one transaction runs out of lock
                // slots (max_locks_per_transaction); a new database is cheaper then.
                if let Some(name) = url.config.get_dbname() {
                    drop_database(&admin_url.config, name);
                }
                (create_database(admin_url)?, true)
            }
            None => (create_database(admin_url)?, true),
        };
        let user_schema = user_schema.unwrap_or("public").to_string();
        let mut conn = PgConnection::open(&database)?;
        let area = Area { user_schema: user_schema.clone(), database, server, kept: false };
        // From here on, dropping `conn` gives the database back to the pool.
        conn.scratch = Some(area);
        let mut reset = String::new();
        if !fresh {
            let schemas = conn.query("SELECT quote_ident(nspname) FROM pg_namespace WHERE nspname NOT LIKE 'pg\\_%' AND nspname <> 'information_schema'")?;
            for s in schemas.into_iter().filter_map(|r| r.into_iter().next().flatten()) {
                reset.push_str(&format!("DROP SCHEMA {s} CASCADE; "));
            }
        }
        if !fresh || user_schema != "public" {
            reset.push_str(&format!(
                "CREATE SCHEMA IF NOT EXISTS {}; ",
                render::quote(&user_schema)
            ));
        }
        // Scratch work is thrown away: never wait for the WAL flush at commit.
        reset.push_str(&format!("SET client_min_messages TO warning; SET search_path TO {}; SET synchronous_commit TO off", render::quote(&user_schema)));
        conn.execute(&reset)?;
        Ok(conn)
    }

    /// The kept scratch database `name` on `admin_url`'s server, created when missing;
    /// `None` when another session holds it.
    pub fn kept_scratch(
        admin_url: &PgUrl,
        user_schema: Option<&str>,
        name: &str,
    ) -> Result<Option<Self>, DbError> {
        if retort_core::interrupt::requested() {
            return Err(DbError::Unsupported("interrupted".into()));
        }
        let mut config = admin_url.config.clone();
        config.dbname(name);
        let url = PgUrl {
            config,
            schema: None,
            lease: None,
            lease_length: std::time::Duration::from_secs(30),
            lock_given: true,
            display: format!("{} (kept scratch database {name})", admin_url.display),
        };
        let mut conn = match PgConnection::open(&url) {
            Ok(c) => c,
            Err(_) => {
                let mut admin = admin_url.config.connect(NoTls).map_err(|e| DbError::Connect {
                    url: admin_url.display.clone(),
                    message: message(&e),
                })?;
                // Another run may have created it meanwhile: then it is there to open.
                let _ = admin.batch_execute(&format!("CREATE DATABASE {}", render::quote(name)));
                PgConnection::open(&url)?
            }
        };
        if conn.query(KEPT_LOCK)?.first().and_then(|r| r.first().cloned().flatten()).as_deref()
            != Some("t")
        {
            return Ok(None);
        }
        let user_schema = user_schema.unwrap_or("public").to_string();
        conn.scratch = Some(Area {
            user_schema: user_schema.clone(),
            database: url,
            server: server_key(&admin_url.config),
            kept: true,
        });
        conn.execute(&format!(
            "CREATE SCHEMA IF NOT EXISTS {0}; SET client_min_messages TO warning; SET search_path TO {0}; SET synchronous_commit TO off",
            render::quote(&user_schema)
        ))?;
        Ok(Some(conn))
    }

    /// Empties a kept area: its tables a hundred at a time (one statement over thousands
    /// would run out of lock slots, `max_locks_per_transaction`), then every schema.
    pub(crate) fn empty_kept(&mut self) -> Result<(), DbError> {
        let Some(user_schema) = self.scratch.as_ref().map(|a| a.user_schema.clone()) else {
            return Err(DbError::Unsupported("not a scratch area".into()));
        };
        let user = "n.nspname NOT LIKE 'pg\\_%' AND n.nspname <> 'information_schema'";
        loop {
            let rows = self.query(&format!(
                "SELECT quote_ident(n.nspname) || '.' || quote_ident(c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') AND {user} LIMIT 100"
            ))?;
            let names: Vec<String> =
                rows.into_iter().filter_map(|r| r.into_iter().next().flatten()).collect();
            if names.is_empty() {
                break;
            }
            self.execute(&format!("DROP TABLE IF EXISTS {} CASCADE", names.join(", ")))?;
        }
        let schemas =
            self.query(&format!("SELECT quote_ident(n.nspname) FROM pg_namespace n WHERE {user}"))?;
        let mut reset = String::new();
        for s in schemas.into_iter().filter_map(|r| r.into_iter().next().flatten()) {
            reset.push_str(&format!("DROP SCHEMA {s} CASCADE; "));
        }
        reset.push_str(&format!(
            "CREATE SCHEMA {0}; SET search_path TO {0}",
            render::quote(&user_schema)
        ));
        self.execute(&reset)
    }

    /// Before reading a scratch area: the models may have changed the session's
    /// `search_path` (pg_dump output empties it), and objects outside the schemas the
    /// project owns are refused — saying so beats silently leaving the object out of
    /// the diff.
    pub(crate) fn prepare_scratch_introspection(&mut self) -> Result<(), DbError> {
        // Only a scratch area: a real database may well have other schemas.
        let Some(user_schema) = self.scratch.as_ref().map(|a| a.user_schema.clone()) else {
            return Ok(());
        };
        self.execute(&format!("SET search_path TO {}", render::quote(&user_schema)))?;
        // Tables, views, functions and types (enums, domains, composite types) in a
        // schema the project does not own, except what an extension brought there.
        let owned: Vec<String> =
            std::iter::once(&user_schema).chain(&self.owned).map(|s| render::literal(s)).collect();
        let other = format!(
            "NOT IN ('pg_catalog', 'information_schema', {}) AND n.nspname NOT LIKE 'pg\\_%'",
            owned.join(", ")
        );
        let rows = self.query(&format!(
            "SELECT n.nspname || '.' || c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace \
             WHERE c.relkind IN ('r', 'p', 'v', 'm', 'c') AND n.nspname {other} \
             UNION SELECT n.nspname || '.' || p.proname || '()' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace \
             WHERE n.nspname {other} AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e') \
             UNION SELECT n.nspname || '.' || t.typname FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace \
             WHERE t.typtype IN ('e', 'd') AND n.nspname {other} AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_type'::regclass AND d.objid = t.oid AND d.deptype = 'e') \
             ORDER BY 1 LIMIT 5"
        ))?;
        let names: Vec<String> =
            rows.into_iter().filter_map(|r| r.into_iter().next().flatten()).collect();
        if names.is_empty() {
            return Ok(());
        }
        let managed = std::iter::once(&user_schema).chain(&self.owned).cloned().collect::<Vec<_>>();
        Err(DbError::Unsupported(format!(
            "the SQL creates {} outside the schemas this project manages ({}): move the object(s) into one of them, or add the schema to `schemas = [...]` under [project] in retort.toml",
            names.join(", "),
            managed.join(", "),
        )))
    }
}

impl Drop for PgConnection {
    fn drop(&mut self) {
        let _ = retort_core::engine::Connection::unlock(self);
        if let Some(a) = self.scratch.take().filter(|a| !a.kept) {
            // A session that failed mid-transaction is closed with the connection; the
            // next user empties the database first.
            FREE.lock().unwrap_or_else(|e| e.into_inner()).push((a.server, a.database));
        }
    }
}
