//! The migrator's connection, watched: every statement it runs is timed (and, where the
//! server says, its rows counted), and the tables whose storage changed across it are
//! noted as rewritten. Everything else is passed through untouched, so the rehearsal
//! runs the ordinary migrator — same transactions, steps, timeouts and bookkeeping.
use crate::engine::{Connection, Dialect, HeldLock};
use crate::error::DbError;
use crate::schema::Schema;
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// One statement as the migrator ran it on the copy.
#[derive(Clone, Debug)]
pub struct Ran {
    pub sql: String,
    /// From the rehearsal's start.
    pub started: Duration,
    pub finished: Duration,
    pub rows: Option<u64>,
    /// Tables whose storage changed across the statement.
    pub rewrote: Vec<String>,
    pub failed: bool,
}

/// A connection whose statements are recorded in [`Observed::ran`].
pub struct Observed<'c> {
    inner: &'c mut dyn Connection,
    origin: Instant,
    pub ran: Vec<Ran>,
    storage: HashMap<String, String>,
}

impl<'c> Observed<'c> {
    pub fn new(inner: &'c mut dyn Connection, origin: Instant) -> Result<Self, DbError> {
        let storage = inner.storage_ids()?.into_iter().collect();
        Ok(Observed { inner, origin, ran: Vec::new(), storage })
    }

    fn record(&mut self, sql: &str, started: Instant, outcome: &Result<Option<u64>, DbError>) {
        let finished = self.origin.elapsed();
        let mut rewrote = Vec::new();
        // Only statements that can change a table's storage need the catalog read (it
        // runs in the migrator's transaction, so it sees the change before commit).
        if outcome.is_ok() && may_rewrite(sql) {
            if let Ok(now) = self.inner.storage_ids() {
                for (table, id) in &now {
                    if self.storage.get(table).is_some_and(|before| before != id) {
                        rewrote.push(table.clone());
                    }
                }
                self.storage = now.into_iter().collect();
            }
        }
        self.ran.push(Ran {
            sql: sql.to_string(),
            started: started.duration_since(self.origin),
            finished,
            rows: outcome.as_ref().ok().copied().flatten(),
            rewrote,
            failed: outcome.is_err(),
        });
    }
}

/// Statements that can give a table new storage (DDL, not data changes or bookkeeping).
fn may_rewrite(sql: &str) -> bool {
    let first = crate::engine::leading_words(sql, 1);
    matches!(
        first.first().map(String::as_str),
        Some("ALTER" | "CLUSTER" | "VACUUM" | "TRUNCATE" | "OPTIMIZE" | "REINDEX")
    )
}

impl Connection for Observed<'_> {
    fn dialect(&self) -> &dyn Dialect {
        self.inner.dialect()
    }
    fn execute(&mut self, sql: &str) -> Result<(), DbError> {
        let started = Instant::now();
        let outcome = self.inner.execute_reporting(sql);
        self.record(sql, started, &outcome);
        outcome.map(|_| ())
    }
    fn query(&mut self, sql: &str) -> Result<Vec<Vec<Option<String>>>, DbError> {
        self.inner.query(sql)
    }
    fn execute_counted(&mut self, sql: &str) -> Result<u64, DbError> {
        self.inner.execute_counted(sql)
    }
    fn table_exists(&mut self, name: &str) -> Result<bool, DbError> {
        self.inner.table_exists(name)
    }
    fn relation_exists(&mut self, name: &str) -> Result<bool, DbError> {
        self.inner.relation_exists(name)
    }
    fn lock_blockers(&mut self) -> Vec<String> {
        self.inner.lock_blockers()
    }
    fn try_lock(&mut self, timeout: Duration) -> Result<bool, DbError> {
        self.inner.try_lock(timeout)
    }
    fn unlock(&mut self) -> Result<(), DbError> {
        self.inner.unlock()
    }
    fn confirm_lock(&mut self) -> Result<(), DbError> {
        self.inner.confirm_lock()
    }
    fn lock_note(&mut self) -> Option<String> {
        self.inner.lock_note()
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
    fn introspect(&mut self) -> Result<Schema, DbError> {
        self.inner.introspect()
    }
    fn server_version(&mut self) -> Result<String, DbError> {
        self.inner.server_version()
    }
    fn max_statement_bytes(&mut self) -> Result<Option<(usize, &'static str)>, DbError> {
        self.inner.max_statement_bytes()
    }
    fn session_id(&mut self) -> Result<Option<String>, DbError> {
        self.inner.session_id()
    }
    fn held_locks(&mut self, session: Option<&str>) -> Result<Option<Vec<HeldLock>>, DbError> {
        self.inner.held_locks(session)
    }
}
