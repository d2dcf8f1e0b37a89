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
    /// The server's other databases (lower-cased), which no statement run here may name.
    others: std::collections::HashSet<String>,
    /// A project's kept area (`retort_core::models_area`): `CHARACTER SET … COLLATE …`
    /// to create it again with when emptied; never dropped with the process. Its
    /// session's `GET_LOCK` keeps other runs out.
    kept: Option<String>,
}

impl Area {
    /// Refuses a statement that could reach past the scratch database, before it runs:
    /// `USE` (the models loader skips it; anything else reaching here is refused too) and
    /// any `db.object` whose `db` is another database of the server (`DROP TABLE
    /// appdb.customers`). Privileges cannot draw this line — the scratch session is
    /// usually the environment's own user — so the statement's tokens are read with
    /// sqlparser's MySQL tokenizer; a statement it cannot tokenize is checked by text.
    pub(crate) fn check(&self, sql: &str) -> Result<(), DbError> {
        use sqlparser::tokenizer::{Token, Tokenizer};
        let refuse = |what: String| {
            DbError::OutsideScratch {
            message: format!(
                "{what}: the scratch database autogenerate loads the models into (`{}`) must not reach another database; models declare this database's objects, unqualified (if `{what}` is a table alias, rename it)",
                self.name
            ),
            sql: sql.to_string(),
        }
        };
        if retort_core::engine::leading_words(sql, 1).first().is_some_and(|w| w == "USE") {
            return Err(refuse("USE".into()));
        }
        let dialect = sqlparser::dialect::MySqlDialect {};
        match Tokenizer::new(&dialect, sql).tokenize() {
            Ok(tokens) => {
                let tokens: Vec<&Token> =
                    tokens.iter().filter(|t| !matches!(t, Token::Whitespace(_))).collect();
                for pair in tokens.windows(2) {
                    if let (Token::Word(w), Token::Period) = (pair[0], pair[1]) {
                        if self.others.contains(&w.value.to_lowercase()) {
                            return Err(refuse(format!("it names database `{}`", w.value)));
                        }
                    }
                }
                Ok(())
            }
            Err(_) => {
                let lower = sql.to_lowercase();
                match self.others.iter().find(|db| {
                    lower.contains(&format!("`{db}`.")) || lower.contains(&format!("{db}."))
                }) {
                    Some(db) => Err(refuse(format!("it names database `{db}`"))),
                    None => Ok(()),
                }
            }
        }
    }

    /// After each statement: the session must still be in the scratch database (a
    /// statement that changed it is undone at once, and refused).
    pub(crate) fn confirm(&self, conn: &mut Conn, sql: &str) -> Result<(), DbError> {
        let current: Option<Option<String>> =
            conn.query_first("SELECT DATABASE()").map_err(|e| DbError::Query {
                message: message(&e),
                sql: "SELECT DATABASE()".into(),
            })?;
        let current = current.flatten();
        if current.as_deref() == Some(self.name.as_str()) {
            return Ok(());
        }
        let _ = conn.query_drop(format!("USE `{}`", self.name));
        Err(DbError::OutsideScratch {
            message: format!(
                "the statement left the scratch database `{}` for {}: refused (models declare this database's objects only)",
                self.name,
                current.map(|c| format!("`{c}`")).unwrap_or_else(|| "no database".into())
            ),
            sql: sql.to_string(),
        })
    }
}

/// The server's scratch databases, any process's.
pub(crate) const LIST_SQL: &str = "SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE 'retort\\_scratch\\_%'";

fn drop_database(admin: &Opts, name: &str) {
    if let Ok(mut c) = Conn::new(admin.clone()) {
        let _ = c.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"));
    }
}

impl MysqlConnection {
    /// A new, empty scratch database on `admin`'s server.
    pub fn scratch(admin: &Opts, display: &str) -> Result<Self, DbError> {
        Self::area(admin, display, None)
    }

    /// The kept scratch database `name` on `admin`'s server, created when missing;
    /// `None` when another session holds it.
    pub fn kept_scratch(admin: &Opts, display: &str, name: &str) -> Result<Option<Self>, DbError> {
        let mut conn = Self::area(admin, display, Some(name))?;
        let got: Option<Option<i64>> = conn
            .conn
            .query_first(format!("SELECT GET_LOCK('{name}', 0)"))
            .map_err(|e| DbError::Connect { url: display.into(), message: message(&e) })?;
        Ok((got.flatten() == Some(1)).then_some(conn))
    }

    /// Empties a kept area: its database dropped and created again, from its own session.
    pub(crate) fn empty_kept(&mut self) -> Result<(), DbError> {
        let Some((name, options)) =
            self.scratch.as_ref().and_then(|a| Some((a.name.clone(), a.kept.clone()?)))
        else {
            return Err(DbError::Unsupported("not a kept scratch area".into()));
        };
        for sql in [
            format!("DROP DATABASE IF EXISTS `{name}`"),
            format!("CREATE DATABASE `{name}` {options}"),
            format!("USE `{name}`"),
        ] {
            self.conn.query_drop(&sql).map_err(|e| DbError::Query { sql, message: message(&e) })?;
        }
        Ok(())
    }

    /// A scratch database: a new one, or the kept one named `kept`.
    fn area(admin: &Opts, display: &str, kept: Option<&str>) -> Result<Self, DbError> {
        if retort_core::interrupt::requested() {
            return Err(DbError::Unsupported("interrupted".into()));
        }
        // The pid tells whose it is (tests check their own runs left nothing behind).
        let name = kept.map(str::to_string).unwrap_or_else(retort_core::cleanup::scratch_name);
        let mut c = Conn::new(admin.clone())
            .map_err(|e| DbError::Connect { url: display.into(), message: message(&e) })?;
        // What processes of this machine left when killed before their clean-up ran.
        if let Ok(names) = c.query::<String, _>(LIST_SQL) {
            for orphan in retort_core::cleanup::orphaned_scratch(&names) {
                let _ = c.query_drop(format!("DROP DATABASE IF EXISTS `{orphan}`"));
            }
        }
        let (charset, collation): (String, String) = c
            .query_first("SELECT @@character_set_database, @@collation_database")
            .map_err(|e| DbError::Connect { url: display.into(), message: message(&e) })?
            .unwrap_or_else(|| ("utf8mb4".into(), "utf8mb4_general_ci".into()));
        let options = format!("CHARACTER SET {charset} COLLATE {collation}");
        let if_not_exists = if kept.is_some() { "IF NOT EXISTS " } else { "" };
        if let Err(e) = c.query_drop(format!("CREATE DATABASE {if_not_exists}`{name}` {options}")) {
            return Err(DbError::Connect {
                url: display.into(),
                message: format!(
                    "cannot create a scratch database for autogenerate: {}. Grant CREATE/DROP to this user, or set `scratch_url` under [project] in retort.toml to a server where retort may create and drop databases",
                    message(&e)
                ),
            });
        }
        let others: std::collections::HashSet<String> = c
            .query::<String, _>("SHOW DATABASES")
            .map_err(|e| DbError::Connect { url: display.into(), message: message(&e) })?
            .into_iter()
            .filter(|db| db != &name && !db.eq_ignore_ascii_case("information_schema"))
            .map(|db| db.to_lowercase())
            .collect();
        // A kept area outlives the process; a new one goes with it, also on error and Ctrl-C.
        let cleanup_id = match kept {
            Some(_) => 0,
            None => {
                let (a, n) = (admin.clone(), name.clone());
                retort_core::cleanup::register(Box::new(move || drop_database(&a, &n)))
            }
        };
        let opts: Opts = OptsBuilder::from_opts(admin.clone()).db_name(Some(name.clone())).into();
        let what = if kept.is_some() { "kept scratch database" } else { "scratch database" };
        let mut conn = MysqlConnection::open(
            &opts,
            &format!("{display} ({what} {name})"),
            Some(crate::LockStrategy::Session),
        )?;
        conn.scratch = Some(Area {
            admin: admin.clone(),
            name,
            cleanup_id,
            others,
            kept: kept.map(|_| options),
        });
        Ok(conn)
    }
}

/// A rehearsal's copy: a new scratch database with the character set and collation of
/// the environment's (`like`), loaded from `backup`, opened as an ordinary database (the
/// migrator, the lock sampler and the writers each open their own session).
pub(crate) fn copy_database(
    admin: &Opts,
    display: &str,
    like: &Opts,
    backup: &std::path::Path,
) -> Result<retort_core::engine::DatabaseCopy, DbError> {
    if retort_core::interrupt::requested() {
        return Err(DbError::Unsupported("interrupted".into()));
    }
    let name = retort_core::cleanup::scratch_name();
    let mut c = Conn::new(admin.clone())
        .map_err(|e| DbError::Connect { url: display.into(), message: message(&e) })?;
    let (charset, collation): (String, String) = Conn::new(like.clone())
        .ok()
        .and_then(|mut l| {
            l.query_first("SELECT @@character_set_database, @@collation_database").ok().flatten()
        })
        .unwrap_or_else(|| ("utf8mb4".into(), "utf8mb4_general_ci".into()));
    c.query_drop(format!("CREATE DATABASE `{name}` CHARACTER SET {charset} COLLATE {collation}"))
        .map_err(|e| DbError::Connect {
            url: display.into(),
            message: format!("cannot create a database for the rehearsal's copy: {}. Grant CREATE/DROP to this user, or set `scratch_url` under [project] in retort.toml to a server where retort may create and drop databases", message(&e)),
        })?;
    let (a, n) = (admin.clone(), name.clone());
    let cleanup = retort_core::cleanup::register(Box::new(move || drop_database(&a, &n)));
    let opts: Opts = OptsBuilder::from_opts(admin.clone()).db_name(Some(name.clone())).into();
    let shown = format!("{display} (rehearsal copy {name})");
    let copy = retort_core::engine::DatabaseCopy {
        describe: format!(
            "database {name} on {}:{}",
            admin.get_ip_or_hostname(),
            admin.get_tcp_port()
        ),
        name,
        open: {
            let (opts, shown) = (opts.clone(), shown.clone());
            std::sync::Arc::new(move || {
                let conn: Box<dyn retort_core::engine::Connection> = Box::new(
                    MysqlConnection::open(&opts, &shown, Some(crate::LockStrategy::Session))?,
                );
                Ok(conn)
            })
        },
        cleanup,
    };
    MysqlConnection::open(&opts, &shown, Some(crate::LockStrategy::Session))?.load_dump(backup)?;
    Ok(copy)
}

/// Drops a kept scratch database from `admin`'s server; whether it existed.
pub(crate) fn drop_kept(admin: &Opts, display: &str, name: &str) -> Result<bool, DbError> {
    let mut c = Conn::new(admin.clone())
        .map_err(|e| DbError::Connect { url: display.into(), message: message(&e) })?;
    let existed: Option<String> = c
        .query_first(format!(
            "SELECT schema_name FROM information_schema.schemata WHERE schema_name = '{name}'"
        ))
        .map_err(|e| DbError::Connect { url: display.into(), message: message(&e) })?;
    let _ = c.query_drop(format!("DROP DATABASE IF EXISTS `{name}`"));
    Ok(existed.is_some())
}

impl Drop for MysqlConnection {
    fn drop(&mut self) {
        let _ = retort_core::engine::Connection::unlock(self);
        if let Some(a) = self.scratch.take().filter(|a| a.kept.is_none()) {
            // From this very session first (no other connection holds it open), else as admin.
            if self.conn.query_drop(format!("DROP DATABASE IF EXISTS `{}`", a.name)).is_err() {
                drop_database(&a.admin, &a.name);
            }
            retort_core::cleanup::unregister(a.cleanup_id);
        }
    }
}
