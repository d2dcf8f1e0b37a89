//! The migration lock where a session advisory lock does not hold: behind
//! PgBouncer in transaction pooling the server session — and its advisory lock — changes
//! between transactions; CockroachDB has no advisory locks. A lease row is decided by the
//! database itself: `_retort_lock` (name, owner, expiry), taken by one INSERT (the primary
//! key decides), renewed by a thread with its own connection, expiring when the owner dies.
//! The same design as MySQL's (`retort-mysql/src/lease.rs`), in PostgreSQL's SQL.
//!
//! `?lock=lease` (with `&lease=SECONDS`, default 30) in the URL asks for it; it is also
//! chosen when the server refuses advisory locks.
use postgres::{Client, Config, NoTls};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

pub const TABLE: &str = "_retort_lock";
const NAME: &str = "migrate";

/// A lease this process holds, and the thread renewing it.
pub struct Held {
    owner: String,
    stop: Arc<AtomicBool>,
    renewer: Option<std::thread::JoinHandle<()>>,
}

impl Held {
    /// The owner token: unique to this taking of the lease (host, pid and a random id),
    /// so it fences — a run whose lease was taken over never finds it again.
    pub fn owner(&self) -> &str {
        &self.owner
    }
}

/// Inside a revision's transaction: whether the lease is still `owner`'s. The row is then
/// held `FOR KEY SHARE` until the transaction ends: renewals (an UPDATE of `expires_at`)
/// go on, while a takeover (which DELETEs the row) waits for this revision to commit and
/// is seen by the next revision's check.
pub fn confirm(client: &mut Client, owner: &str) -> Result<bool, postgres::Error> {
    let rows = client.simple_query(&format!(
        "SELECT 1 FROM {TABLE} WHERE name = '{NAME}' AND owner = '{owner}' FOR KEY SHARE"
    ))?;
    Ok(rows.iter().any(|m| matches!(m, postgres::SimpleQueryMessage::Row(_))))
}

fn expiry(lease: Duration) -> String {
    format!("now() + interval '{} milliseconds'", lease.as_millis())
}

/// SQLSTATEs that mean "someone else got there first": unique_violation,
/// serialization_failure, deadlock_detected, lock_not_available.
fn lost(e: &postgres::Error) -> bool {
    matches!(e.code().map(|c| c.code()), Some("23505" | "40001" | "40P01" | "55P03"))
}

/// Tries once to take the lease; `Ok(None)` when another owner holds it. `schema` is the
/// connection's search path (the lease lives beside the version table).
pub fn try_take(
    client: &mut Client,
    config: &Config,
    schema: Option<&str>,
    lease: Duration,
) -> Result<Option<Held>, postgres::Error> {
    // Concurrent `CREATE TABLE IF NOT EXISTS` can still collide in the catalog (23505 on
    // pg_type, 42P07 duplicate table, 42710 duplicate type): if the table exists now,
    // another run created it, which is all that is needed.
    // Tried a few times: the collision is reported while the other creator may still be
    // finishing its commit, and then the next try finds the table.
    let mut attempt = 0;
    while let Err(e) = client.batch_execute(&format!("CREATE TABLE IF NOT EXISTS {TABLE} (name text PRIMARY KEY, owner text NOT NULL, expires_at timestamptz NOT NULL)")) {
        let exists = client.simple_query(&format!("SELECT 1 WHERE to_regclass('{TABLE}') IS NOT NULL")).map(|m| m.iter().any(|m| matches!(m, postgres::SimpleQueryMessage::Row(_)))).unwrap_or(false);
        attempt += 1;
        if exists {
            break;
        }
        if attempt >= 5 {
            return Err(e);
        }
        std::thread::sleep(Duration::from_millis(20 * attempt));
    }
    // A crashed owner's lease: whoever deletes it first may take the lock.
    if let Err(e) = client
        .batch_execute(&format!("DELETE FROM {TABLE} WHERE name = '{NAME}' AND expires_at < now()"))
    {
        return if lost(&e) { Ok(None) } else { Err(e) };
    }
    let owner = retort_core::engine::lease::lease_owner();
    match client.batch_execute(&format!(
        "INSERT INTO {TABLE} (name, owner, expires_at) VALUES ('{NAME}', '{owner}', {})",
        expiry(lease)
    )) {
        Ok(()) => {}
        Err(e) if lost(&e) => return Ok(None),
        Err(e) => return Err(e),
    }
    let stop = Arc::new(AtomicBool::new(false));
    let renewer = {
        let (stop, config, owner, schema) =
            (stop.clone(), config.clone(), owner.clone(), schema.map(str::to_string));
        std::thread::Builder::new()
            .name("retort-lease".into())
            .spawn(move || renew(config, schema, &owner, lease, &stop))
            .ok()
    };
    Ok(Some(Held { owner, stop, renewer }))
}

/// Extends the lease every third of its length until told to stop.
fn renew(config: Config, schema: Option<String>, owner: &str, lease: Duration, stop: &AtomicBool) {
    let Ok(mut client) = config.connect(NoTls) else { return };
    if let Some(s) = schema {
        let _ = client.batch_execute(&format!("SET search_path TO {}", crate::render::quote(&s)));
    }
    let sql = format!(
        "UPDATE {TABLE} SET expires_at = {} WHERE name = '{NAME}' AND owner = '{owner}'",
        expiry(lease)
    );
    retort_core::engine::lease::renew_until_stopped(
        (lease / 3).max(Duration::from_millis(100)),
        stop,
        || {
            let _ = client.batch_execute(&sql);
        },
    );
}

/// Stops renewing and gives the lease up.
pub fn release(client: &mut Client, mut held: Held) -> Result<(), postgres::Error> {
    held.stop.store(true, Ordering::SeqCst);
    if let Some(t) = held.renewer.take() {
        let _ = t.join();
    }
    client.batch_execute(&format!(
        "DELETE FROM {TABLE} WHERE name = '{NAME}' AND owner = '{}'",
        held.owner
    ))
}

/// `lease=SECONDS` from a URL's query.
pub fn parse_lease(v: &str) -> Result<Duration, String> {
    let secs: f64 = v.parse().map_err(|_| format!("lease={v} is not a number of seconds"))?;
    if !(0.5..=3600.0).contains(&secs) {
        return Err(format!("lease={v}: give between 0.5 and 3600 seconds"));
    }
    Ok(Duration::from_secs_f64(secs))
}
