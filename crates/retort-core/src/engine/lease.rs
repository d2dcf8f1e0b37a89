//! The lease protocol's engine-neutral parts, for engines whose migration lock is a
//! lease row (a Galera cluster, PostgreSQL behind a transaction pooler): who holds a
//! lease, and the renewal loop that runs on its own connection while the run works.
use crate::revision::id::RevisionId;
use std::time::Duration;

/// For engines whose lock is a lease row (a Galera cluster, PostgreSQL behind a pooler):
/// calls `renew` every `every` until `stop` is set, checking `stop` often so releasing the
/// lock does not wait a whole period. Run on a thread with its own connection.
pub fn renew_until_stopped(
    every: Duration,
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
        RevisionId::generate()
    )
}
