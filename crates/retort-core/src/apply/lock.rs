//! The migration lock: taken before anything is read or written, held for the whole run,
//! released after, on error too. Engines provide the primitive (advisory lock, GET_LOCK,
//! SQLite's write lock); this waits, reports and times out the same way for all.
use crate::apply::migrator::{Event, Migrator};
use crate::engine::Connection;
use crate::error::{DbError, Error};
use std::time::{Duration, Instant};

/// Takes the engine's migration lock, waiting up to `timeout` and saying so once.
pub fn acquire_lock(
    conn: &mut dyn Connection,
    timeout: Duration,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<(), DbError> {
    let started = Instant::now();
    let mut announced = false;
    loop {
        if conn.try_lock(timeout)? {
            if let Some(note) = conn.lock_note() {
                on_event(Event::LockNote { message: note });
            }
            return Ok(());
        }
        if !announced {
            on_event(Event::WaitingForLock { timeout });
            announced = true;
        }
        if started.elapsed() >= timeout {
            return Err(DbError::Locked { url: conn.describe(), seconds: timeout.as_secs() });
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

impl Migrator<'_> {
    /// Runs `work` holding the migration lock — taken first (concurrent `CREATE TABLE IF
    /// NOT EXISTS` races on PostgreSQL), released after, on error too — with the
    /// bookkeeping tables in place.
    pub(crate) fn with_lock<T>(
        &self,
        conn: &mut dyn Connection,
        timeout: Duration,
        on_event: &mut dyn FnMut(Event<'_>),
        work: impl FnOnce(&mut dyn Connection, &mut dyn FnMut(Event<'_>)) -> Result<T, Error>,
    ) -> Result<T, Error> {
        acquire_lock(conn, timeout, on_event)?;
        let result = self.ensure_tables(conn).and_then(|_| work(conn, on_event));
        let unlock = conn.unlock();
        let value = result?;
        unlock?;
        Ok(value)
    }
}

/// For engines whose lock is a lease row (a Galera cluster, PostgreSQL behind a pooler):
/// calls `renew` every `every` until `stop` is set, checking `stop` often so releasing the
/// lock does not wait a whole period. Run on a thread with its own connection.
pub fn renew_until_stopped(
    every: std::time::Duration,
    stop: &std::sync::atomic::AtomicBool,
    mut renew: impl FnMut(),
) {
    let tick = Duration::from_millis(50);
    loop {
        let mut waited = Duration::ZERO;
        while waited < every {
            if stop.load(std::sync::atomic::Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(tick);
            waited += tick;
        }
        renew();
    }
}

/// Who holds a lease: `host:pid:random`, in characters that need no quoting in SQL.
pub fn lease_owner() -> String {
    let host: String = std::fs::read_to_string("/etc/hostname")
        .unwrap_or_default()
        .trim()
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_'))
        .collect();
    format!(
        "{}:{}:{}",
        if host.is_empty() { "host" } else { &host },
        std::process::id(),
        crate::revision::id::RevisionId::generate()
    )
}
