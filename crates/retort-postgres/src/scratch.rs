//! Scratch areas for autogenerate: a fresh schema inside one uniquely named database that
//! the process creates on first use. Creating a database costs hundreds of milliseconds
//! and autogenerate needs three scratch areas, so they share one database and differ by
//! schema. A scratch area is an ordinary [`PgConnection`] that knows it is one (the
//! `scratch` field): it rewrites qualifiers of the environment's schema to its own
//! (`scratch_names`), refuses objects created in other schemas, and drops its schema when
//! dropped. The database goes with `retort_core::cleanup::run_all` (end of the command,
//! error, Ctrl-C).
use crate::{dialect, message, PgConnection, PgUrl};
use postgres::{Config, NoTls};
use retort_core::engine::Connection;
use retort_core::error::DbError;

/// What makes a connection a scratch area.
pub(crate) struct Area {
    /// This area's schema (`scratch_N`).
    pub schema: String,
    /// The environment's schema (`public` unless the URL says `?schema=`): names qualified
    /// with it are rewritten to this area's schema.
    pub user_schema: String,
}

struct SharedDatabase {
    url: PgUrl,
    counter: u32,
}

static SHARED: std::sync::Mutex<Option<SharedDatabase>> = std::sync::Mutex::new(None);

/// Drops the scratch database from the server's maintenance database: the database the
/// admin URL names may be gone by the time the clean-up runs (a test's own database, or a
/// tenant dropped meanwhile), which once left scratch databases behind.
fn drop_database(admin: &Config, name: &str) {
    let sql = format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", dialect::quote(name));
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

impl PgConnection {
    /// A fresh, empty scratch area in the process's scratch database on `admin_url`'s server.
    pub fn scratch(admin_url: &PgUrl, user_schema: Option<&str>) -> Result<Self, DbError> {
        let (url, n) = shared_database(admin_url)?;
        let schema = format!("scratch_{n}");
        let mut conn = PgConnection::open(&url)?;
        // Scratch work is thrown away: never wait for the WAL flush at commit.
        conn.execute(&format!("CREATE SCHEMA {0}; SET search_path TO {0}; SET synchronous_commit TO off", dialect::quote(&schema)))?;
        conn.scratch = Some(Area { schema, user_schema: user_schema.unwrap_or("public").to_string() });
        Ok(conn)
    }

    /// `sql` with the environment's schema qualifiers pointing at this area (scratch only).
    pub(crate) fn requalify<'a>(&self, sql: &'a str) -> std::borrow::Cow<'a, str> {
        match &self.scratch {
            Some(a) => crate::scratch_names::requalify(sql, &a.user_schema, &dialect::quote(&a.schema)),
            None => std::borrow::Cow::Borrowed(sql),
        }
    }

    /// Tables the scratch work created outside any scratch area: the models used a schema
    /// other than the environment's, which retort does not manage; saying so beats
    /// silently leaving the table out of the diff.
    pub(crate) fn refuse_foreign_schemas(&mut self) -> Result<(), DbError> {
        // Only a scratch area: a real database may well have other schemas.
        let Some(user_schema) = self.scratch.as_ref().map(|a| a.user_schema.clone()) else { return Ok(()) };
        let rows = self.query(
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
            user_schema,
            user_schema
        )))
    }
}

impl Drop for PgConnection {
    fn drop(&mut self) {
        if let Some(a) = self.scratch.take() {
            let _ = self.client.batch_execute(&format!("DROP SCHEMA IF EXISTS {} CASCADE", dialect::quote(&a.schema)));
        }
    }
}
