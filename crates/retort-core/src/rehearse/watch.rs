//! What runs beside the migrator during a rehearsal, each on its own session of the
//! copy: the lock sampler (which locks the migrator's session holds, every few
//! milliseconds; on Ctrl-C it also cancels the migrator's statement, so a long rewrite
//! stops at once) and, with `--load`, one writer per touched table (a write every 10 ms,
//! each timed: how long the writes waited is the stall production would feel).
use crate::engine::registry::OpenCopy;
use crate::engine::{Connection, HeldLock};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// How often the sampler reads the locks.
pub const SAMPLE_EVERY: Duration = Duration::from_millis(5);
/// How often each writer writes (as the project's own online test does).
pub const WRITE_EVERY: Duration = Duration::from_millis(10);

/// The locks the migrator's session held at one moment.
#[derive(Clone, Debug)]
pub struct Sample {
    /// When the read returned (see `sample`).
    pub at: Duration,
    pub locks: Vec<HeldLock>,
}

/// One write of a probe: when it started and how long it took.
#[derive(Clone, Debug)]
pub struct Write {
    pub table: String,
    pub at: Duration,
    pub took: Duration,
    pub ok: bool,
}

/// What the watchers saw.
#[derive(Default)]
pub struct Seen {
    pub samples: Vec<Sample>,
    pub writes: Vec<Write>,
    /// Where the locks were read from, or why they could not be.
    pub lock_source: String,
    /// Whether the server showed locks at all (else only writes tell the stall).
    pub locks_visible: bool,
}

/// The sampler and the writers, running until [`Watchers::finish`].
pub struct Watchers {
    stop: Arc<AtomicBool>,
    sampler: Option<JoinHandle<Seen>>,
    writers: Vec<JoinHandle<Vec<Write>>>,
}

type Ready = mpsc::Sender<crate::Result<()>>;

/// Opens a session of the copy in the calling thread (connections stay in the thread
/// that opened them) and says whether it could.
fn open_here(open: &OpenCopy, ready: &Ready) -> Option<Box<dyn Connection>> {
    match open() {
        Ok(c) => {
            let _ = ready.send(Ok(()));
            Some(c)
        }
        Err(e) => {
            let _ = ready.send(Err(e));
            None
        }
    }
}

impl Watchers {
    /// Starts the sampler on `session` (the migrator's) and a writer per `(table, sql)`.
    /// Every session is open before this returns, so the first statement is watched.
    pub fn start(
        open: &OpenCopy,
        session: Option<String>,
        probes: Vec<(String, String)>,
        origin: Instant,
    ) -> crate::Result<Watchers> {
        let stop = Arc::new(AtomicBool::new(false));
        let (ready, started) = mpsc::channel();
        let sampler = {
            let (stop, open, ready) = (stop.clone(), open.clone(), ready.clone());
            std::thread::spawn(move || match open_here(&open, &ready) {
                Some(conn) => sample(conn, session, origin, &stop),
                None => Seen::default(),
            })
        };
        let mut writers = Vec::new();
        let n = probes.len();
        for (table, sql) in probes {
            let (stop, open, ready) = (stop.clone(), open.clone(), ready.clone());
            writers.push(std::thread::spawn(move || match open_here(&open, &ready) {
                Some(conn) => write(conn, table, sql, origin, &stop),
                None => Vec::new(),
            }));
        }
        let watchers = Watchers { stop, sampler: Some(sampler), writers };
        for _ in 0..=n {
            started.recv().unwrap_or(Ok(()))?;
        }
        Ok(watchers)
    }

    /// Stops every thread and collects what they saw.
    pub fn finish(mut self) -> Seen {
        self.stop.store(true, Ordering::SeqCst);
        let mut seen = self.sampler.take().and_then(|h| h.join().ok()).unwrap_or_default();
        seen.writes = self.writers.drain(..).filter_map(|h| h.join().ok()).flatten().collect();
        seen
    }
}

impl Drop for Watchers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
    }
}

fn sample(
    mut conn: Box<dyn Connection>,
    session: Option<String>,
    origin: Instant,
    stop: &AtomicBool,
) -> Seen {
    let mut seen = Seen { lock_source: conn.lock_source(), ..Seen::default() };
    let mut cancelled = false;
    while !stop.load(Ordering::SeqCst) {
        if crate::interrupt::requested() && !cancelled {
            if let Some(s) = &session {
                let _ = conn.cancel_session(s);
            }
            cancelled = true;
        }
        let read = conn.held_locks(session.as_deref());
        // Dated when the read returned, not when it was sent: a lock in the answer was
        // taken before that moment, so it is never dated before the statement that took
        // it began (dated at the send, a read slowed by a busy server put the lock of a
        // statement that began during the read before that statement, and the report
        // then lost it).
        let at = origin.elapsed();
        match read {
            Ok(Some(locks)) => {
                seen.locks_visible = true;
                seen.samples.push(Sample { at, locks });
            }
            Ok(None) => {}
            // A failed read (the server busy) is a gap in the samples, not an error.
            Err(_) => {}
        }
        std::thread::sleep(SAMPLE_EVERY);
    }
    seen
}

fn write(
    mut conn: Box<dyn Connection>,
    table: String,
    sql: String,
    origin: Instant,
    stop: &AtomicBool,
) -> Vec<Write> {
    let mut writes = Vec::new();
    while !stop.load(Ordering::SeqCst) && !crate::interrupt::requested() {
        let started = Instant::now();
        let ok = conn.execute(&sql).is_ok();
        writes.push(Write {
            table: table.clone(),
            at: started.duration_since(origin),
            took: started.elapsed(),
            ok,
        });
        std::thread::sleep(WRITE_EVERY);
    }
    writes
}
