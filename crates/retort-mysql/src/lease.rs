//! The migration lock where `GET_LOCK` does not serialise runs.
//!
//! On a MariaDB Galera cluster `GET_LOCK` is node-local: two deploys against two nodes
//! both get "the" lock and can both apply a revision. A lease is decided by the cluster
//! instead: a row in `_retort_lock` (name, owner, expiry). Taking the lock is one
//! autocommit INSERT; the primary key decides the winner on one node, and Galera's
//! certification decides it across nodes (the loser's commit fails with 1213). A thread
//! with its own connection renews the expiry while the run lasts; a crashed owner stops
//! renewing and its lease expires, after which the next run deletes the row and takes
//! over. Expiries are the servers' clocks (`NOW(3)`), never the clients'.
//!
//! Chosen automatically when the server says `wsrep_on = ON`; `?lock=lease` (with
//! `&lease=SECONDS`, default 30) asks for it anywhere, `?lock=session` forces `GET_LOCK`.
use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How a connection serialises migration runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LockStrategy {
    /// `GET_LOCK`: per server session, released by the server if the process dies.
    Session,
    /// A lease row, for clusters where session locks are node-local.
    Lease { lease: Duration },
}

pub const TABLE: &str = "_retort_lock";

/// A lease this process holds, and the thread renewing it.
pub struct Held {
    owner: String,
    stop: Arc<AtomicBool>,
    renewer: Option<std::thread::JoinHandle<()>>,
}

impl Held {
    /// The owner token, unique to this taking of the lease: a run whose lease was taken
    /// over never finds it again (it fences).
    pub fn owner(&self) -> &str {
        &self.owner
    }
}

/// Whether the lease `name` is still `owner`'s: checked before each revision and before
/// its bookkeeping commits. A plain read: a shared row lock would hold up the renewals
/// (and DDL commits it away on MySQL anyway).
pub fn confirm(conn: &mut Conn, name: &str, owner: &str) -> Result<bool, mysql::Error> {
    let row: Option<u8> = conn.query_first(format!(
        "SELECT 1 FROM `{TABLE}` WHERE name = {} AND owner = {}",
        lit(name),
        lit(owner)
    ))?;
    Ok(row.is_some())
}

fn lit(s: &str) -> String {
    format!("'{}'", s.replace('\\', "\\\\").replace('\'', "''"))
}

fn expiry(lease: Duration) -> String {
    format!("NOW(3) + INTERVAL {} MICROSECOND", lease.as_micros())
}

/// Tries once to take the lease `name`; `Ok(None)` when another owner holds it.
pub fn try_take(
    conn: &mut Conn,
    opts: &Opts,
    name: &str,
    lease: Duration,
) -> Result<Option<Held>, mysql::Error> {
    // Created once: DDL on Galera is a cluster-wide operation (TOI), not for every poll.
    let exists: Option<u8> = conn.query_first(format!("SELECT 1 FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = '{TABLE}'"))?;
    if exists.is_none() {
        conn.query_drop(format!("CREATE TABLE IF NOT EXISTS `{TABLE}` (name VARCHAR(191) NOT NULL PRIMARY KEY, owner VARCHAR(191) NOT NULL, expires_at DATETIME(3) NOT NULL) ENGINE=InnoDB"))?;
    }
    // A crashed owner's lease: whoever deletes it first may take the lock.
    match conn.query_drop(format!(
        "DELETE FROM `{TABLE}` WHERE name = {} AND expires_at < NOW(3)",
        lit(name)
    )) {
        Ok(()) => {}
        Err(mysql::Error::MySqlError(e)) if e.code == 1213 || e.code == 1205 => return Ok(None),
        Err(e) => return Err(e),
    }
    let owner = retort_core::engine::lease::lease_owner();
    let insert = format!(
        "INSERT INTO `{TABLE}` (name, owner, expires_at) VALUES ({}, {}, {})",
        lit(name),
        lit(&owner),
        expiry(lease)
    );
    match conn.query_drop(insert) {
        Ok(()) => {}
        // Held (1062), or lost the race at certification (1213) / a lock wait (1205).
        Err(mysql::Error::MySqlError(e)) if matches!(e.code, 1062 | 1213 | 1205) => {
            return Ok(None)
        }
        Err(e) => return Err(e),
    }
    let stop = Arc::new(AtomicBool::new(false));
    let renewer = {
        let (stop, opts, name, owner) =
            (stop.clone(), opts.clone(), name.to_string(), owner.clone());
        std::thread::Builder::new()
            .name("retort-lease".into())
            .spawn(move || renew(opts, &name, &owner, lease, &stop))
            .ok()
    };
    Ok(Some(Held { owner, stop, renewer }))
}

/// Extends the lease every third of its length until told to stop.
fn renew(opts: Opts, name: &str, owner: &str, lease: Duration, stop: &AtomicBool) {
    let Ok(mut conn) = Conn::new(opts) else { return };
    let sql = format!(
        "UPDATE `{TABLE}` SET expires_at = {} WHERE name = {} AND owner = {}",
        expiry(lease),
        lit(name),
        lit(owner)
    );
    retort_core::engine::lease::renew_until_stopped(
        (lease / 3).max(Duration::from_millis(100)),
        stop,
        || {
            let _ = conn.query_drop(&sql);
        },
    );
}

/// Stops renewing and gives the lease up.
pub fn release(conn: &mut Conn, name: &str, mut held: Held) -> Result<(), mysql::Error> {
    held.stop.store(true, Ordering::SeqCst);
    if let Some(t) = held.renewer.take() {
        let _ = t.join();
    }
    conn.query_drop(format!(
        "DELETE FROM `{TABLE}` WHERE name = {} AND owner = {}",
        lit(name),
        lit(&held.owner)
    ))
}

/// The strategy a URL asks for (`?lock=lease|session`, `&lease=SECONDS`), and the URL
/// without those parameters (the driver refuses parameters it does not know).
pub fn from_url(url: &str) -> Result<(String, Option<LockStrategy>), String> {
    let Some((base, query)) = url.split_once('?') else { return Ok((url.to_string(), None)) };
    let mut kept = Vec::new();
    let (mut lock, mut lease) = (None, Duration::from_secs(30));
    for kv in query.split('&').filter(|kv| !kv.is_empty()) {
        match kv.split_once('=') {
            Some(("lock", v)) => lock = Some(v.to_string()),
            Some(("lease", v)) => {
                let secs: f64 =
                    v.parse().map_err(|_| format!("lease={v} is not a number of seconds"))?;
                if !(0.5..=3600.0).contains(&secs) {
                    return Err(format!("lease={v}: give between 0.5 and 3600 seconds"));
                }
                lease = Duration::from_secs_f64(secs);
            }
            _ => kept.push(kv),
        }
    }
    let strategy = match lock.as_deref() {
        None => None,
        Some("lease") => Some(LockStrategy::Lease { lease }),
        Some("session") => Some(LockStrategy::Session),
        Some(other) => return Err(format!("lock={other}: use lock=lease or lock=session")),
    };
    let url = if kept.is_empty() { base.to_string() } else { format!("{base}?{}", kept.join("&")) };
    Ok((
        url,
        strategy.map(|s| match s {
            LockStrategy::Lease { .. } => LockStrategy::Lease { lease },
            s => s,
        }),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lock_parameters_are_read_and_removed() {
        assert_eq!(from_url("mysql://r@h/db").unwrap(), ("mysql://r@h/db".into(), None));
        assert_eq!(
            from_url("mysql://r@h/db?lock=lease&lease=3").unwrap(),
            ("mysql://r@h/db".into(), Some(LockStrategy::Lease { lease: Duration::from_secs(3) }))
        );
        assert_eq!(
            from_url("mysql://r@h/db?ssl-mode=disabled&lock=session").unwrap(),
            ("mysql://r@h/db?ssl-mode=disabled".into(), Some(LockStrategy::Session))
        );
        assert!(from_url("mysql://r@h/db?lock=maybe").is_err());
        assert!(from_url("mysql://r@h/db?lock=lease&lease=0").is_err());
    }
}
