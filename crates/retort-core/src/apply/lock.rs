//! The migration lock: taken before anything is read or written, held for the whole run,
//! released after, on error too. Engines provide the primitive (advisory lock, GET_LOCK,
//! SQLite's write lock); this waits, reports and times out the same way for all.
use crate::apply::run::Event;
use crate::engine::Connection;
use crate::error::{DbError, Error};
use crate::history::store::VersionStore;
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

/// Runs `work` holding the migration lock — taken first (concurrent `CREATE TABLE IF
/// NOT EXISTS` races on PostgreSQL), released after, on error too — with the
/// bookkeeping tables in place.
pub fn with_lock<T>(
    conn: &mut dyn Connection,
    store: &VersionStore,
    timeout: Duration,
    on_event: &mut dyn FnMut(Event<'_>),
    work: impl FnOnce(&mut dyn Connection, &mut dyn FnMut(Event<'_>)) -> Result<T, Error>,
) -> Result<T, Error> {
    acquire_lock(conn, timeout, on_event)?;
    let result = store.ensure_tables(conn).and_then(|_| work(conn, on_event));
    let unlock = conn.unlock();
    let value = result?;
    unlock?;
    Ok(value)
}
