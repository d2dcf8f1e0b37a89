//! Scratch databases for autogenerate (and restore's trial load): a uniquely named
//! database on the server with the same default character set and collation as the
//! user's. It is an ordinary [`MysqlConnection`] that knows it is one (the `scratch`
//! field) and drops its database when dropped; `retort_core::cleanup` drops it on error
//! and Ctrl-C.
use crate::{message, MysqlConnection};
use mysql::prelude::Queryable;
use mysql::{Conn, Opts, OptsBuilder};
use retort_core::error::DbError;

/// What makes a connection a scratch database.
pub(crate) struct Area {
    admin: Opts,
    name: String,
    cleanup_id: u64,
}

fn drop_database(admin: &Opts, name: &str) {
    if let Ok(mut c) = Conn::new(admin.clone()) {
        let _ = c.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"));
    }
}

impl MysqlConnection {
    /// A new, empty scratch database on `admin`'s server.
    pub fn scratch(admin: &Opts, display: &str) -> Result<Self, DbError> {
        if retort_core::interrupt::requested() {
            return Err(DbError::Unsupported("interrupted".into()));
        }
        // The pid tells whose it is (tests check their own runs left nothing behind).
        let name = format!("retort_scratch_{}_{}", std::process::id(), retort_core::RevisionId::generate());
        let mut c = Conn::new(admin.clone()).map_err(|e| DbError::Connect { url: display.into(), message: message(&e) })?;
        let (charset, collation): (String, String) = c
            .query_first("SELECT @@character_set_database, @@collation_database")
            .map_err(|e| DbError::Connect { url: display.into(), message: message(&e) })?
            .unwrap_or_else(|| ("utf8mb4".into(), "utf8mb4_general_ci".into()));
        if let Err(e) = c.query_drop(format!("CREATE DATABASE `{name}` CHARACTER SET {charset} COLLATE {collation}")) {
            return Err(DbError::Connect {
                url: display.into(),
                message: format!(
                    "cannot create a scratch database for autogenerate: {}. Grant CREATE/DROP to this user, or set `scratch_url` under [project] in retort.toml to a server where retort may create and drop databases",
                    message(&e)
                ),
            });
        }
        let (a, n) = (admin.clone(), name.clone());
        let cleanup_id = retort_core::cleanup::register(Box::new(move || drop_database(&a, &n)));
        let opts: Opts = OptsBuilder::from_opts(admin.clone()).db_name(Some(name.clone())).into();
        let mut conn = MysqlConnection::open(&opts, &format!("{display} (scratch database {name})"), Some(crate::LockStrategy::Session))?;
        conn.scratch = Some(Area { admin: admin.clone(), name, cleanup_id });
        Ok(conn)
    }
}

impl Drop for MysqlConnection {
    fn drop(&mut self) {
        let _ = retort_core::engine::Connection::unlock(self);
        if let Some(a) = self.scratch.take() {
            // From this very session first (no other connection holds it open), else as admin.
            if self.conn.query_drop(format!("DROP DATABASE IF EXISTS `{}`", a.name)).is_err() {
                drop_database(&a.admin, &a.name);
            }
            retort_core::cleanup::unregister(a.cleanup_id);
        }
    }
}
