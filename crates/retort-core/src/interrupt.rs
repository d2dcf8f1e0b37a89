//! Ctrl-C as a request, not an abort.
//!
//! The first interrupt only sets a flag: the work in progress stops at the next safe point
//! (between revisions, between autogenerate's phases) and reports [`Error::Interrupted`],
//! so a revision is never cut in half by the first Ctrl-C (on MySQL that would leave the
//! database dirty) and no thread drops a scratch database another thread is still using.
//! The CLI aborts at once on a second interrupt.
use crate::error::Error;
use std::sync::atomic::{AtomicBool, Ordering};

static REQUESTED: AtomicBool = AtomicBool::new(false);

/// Records an interrupt; returns whether one had already been requested.
pub fn request() -> bool {
    REQUESTED.swap(true, Ordering::SeqCst)
}

pub fn requested() -> bool {
    REQUESTED.load(Ordering::SeqCst)
}

/// `Err(Interrupted)` once an interrupt was requested: call at safe points.
pub fn check() -> Result<(), Error> {
    if requested() {
        return Err(Error::Interrupted { applied: Vec::new() });
    }
    Ok(())
}

/// Sleeps for `wait`, waking early (with `Err(Interrupted)`) when an interrupt arrives:
/// a retry's back-off is a safe point too.
pub fn sleep(wait: std::time::Duration) -> Result<(), Error> {
    let until = std::time::Instant::now() + wait;
    while let Some(left) = until.checked_duration_since(std::time::Instant::now()) {
        check()?;
        std::thread::sleep(left.min(std::time::Duration::from_millis(50)));
    }
    check()
}
