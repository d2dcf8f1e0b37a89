//! What a rehearsal measured, per revision and per statement, and the verdict: built
//! from the statements the migrator ran ([`Ran`]), the lock samples and the timed
//! writes ([`Seen`]). Plain values that serialise to `rehearse --json`.
use crate::rehearse::observe::Ran;
use crate::rehearse::watch::{Seen, SAMPLE_EVERY};
use serde::Serialize;
use std::collections::HashMap;
use std::time::Duration;

/// A rehearsal of the pending revisions on a copy of the environment's database.
#[derive(Debug, Clone, Serialize)]
pub struct Rehearsal {
    pub env: String,
    /// Where the copy lived (dropped when the rehearsal ended).
    pub copy: String,
    /// What the copy was made from: `the live database` or the backup file.
    pub source: String,
    /// Whether only the touched tables' rows were copied.
    pub only_touched: bool,
    /// Making the copy: the dump (or the backup read) and the restore.
    pub copy_ms: u64,
    /// Dropping it afterwards.
    pub drop_ms: u64,
    /// Where the locks were read from, or why they could not be.
    pub lock_source: String,
    /// Whether writers ran beside the migrator (`--load`).
    pub load: bool,
    pub revisions: Vec<RevisionRehearsal>,
    /// Per table the revisions touched: the longest time a write to it waited.
    pub tables: Vec<TableStall>,
    pub verdict: Verdict,
}

#[derive(Debug, Clone, Serialize)]
pub struct RevisionRehearsal {
    pub revision: String,
    pub message: String,
    pub duration_ms: u64,
    pub statements: Vec<StatementRehearsal>,
}

#[derive(Debug, Clone, Serialize)]
pub struct StatementRehearsal {
    /// Its line in the revision file.
    pub line: usize,
    pub sql: String,
    pub duration_ms: u64,
    /// Rows the server said it affected (MySQL: rows an ALTER copied).
    pub rows_affected: Option<u64>,
    /// Tables it rewrote (new storage), with their rows.
    pub rewrote: Vec<Rewrite>,
    /// Locks it took, and how long each was held (until its transaction ended).
    pub locks: Vec<LockHeld>,
    /// What lint says of it: the online form where retort can write one.
    pub hints: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Rewrite {
    pub table: String,
    pub rows: Option<u64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct LockHeld {
    pub table: String,
    pub mode: String,
    pub held_ms: u64,
    pub blocks_writes: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct TableStall {
    pub table: String,
    /// The longest write stall: measured by the writers with `--load`, else the longest
    /// time a lock that blocks writes was held.
    pub longest_stall_ms: u64,
    pub measured: bool,
    /// The statement running when it began (`revision:line`).
    pub statement: Option<String>,
    /// Writes made during the rehearsal (with `--load`), and how many failed.
    pub writes: u64,
    pub failed_writes: u64,
}

#[derive(Debug, Clone, Serialize)]
pub struct Verdict {
    pub passed: bool,
    /// `--max-stall`, when given.
    pub max_stall_ms: Option<u64>,
    /// The longest stall of any table, when it could be told.
    pub longest_stall_ms: Option<u64>,
    pub table: Option<String>,
    pub statement: Option<String>,
    /// One line: why it passed or failed.
    pub summary: String,
}

impl Verdict {
    /// With no revision pending there is nothing to stall: passed.
    pub fn nothing_pending(max_stall: Option<Duration>) -> Verdict {
        Verdict {
            passed: true,
            max_stall_ms: max_stall.map(ms),
            longest_stall_ms: Some(0),
            table: None,
            statement: None,
            summary: "no revision is pending: nothing to rehearse".into(),
        }
    }
}

/// A revision the rehearsal ran: when its step started and ended, and the statements of
/// its section by text (to tell them from bookkeeping) with their lines.
pub struct StepWindow {
    pub revision: String,
    pub message: String,
    pub from: Duration,
    pub to: Duration,
    pub statements: Vec<(String, usize)>,
    /// Lint findings by line.
    pub hints: HashMap<usize, Vec<String>>,
    /// The online form of a statement by line (the engine's `online_hint`), said where
    /// the statement blocked writes.
    pub online: HashMap<usize, String>,
}

/// A lock seen held over consecutive samples.
struct Span {
    lock: crate::engine::HeldLock,
    from: Duration,
    to: Duration,
}

fn spans(seen: &Seen, ignore: &[String]) -> Vec<Span> {
    let mut open: HashMap<crate::engine::HeldLock, (Duration, Duration)> = HashMap::new();
    let mut done = Vec::new();
    for s in &seen.samples {
        let now: Vec<_> = s.locks.iter().filter(|l| !ignore.contains(&l.table)).cloned().collect();
        let ended: Vec<_> = open.keys().filter(|k| !now.contains(k)).cloned().collect();
        for k in ended {
            let (from, to) = open.remove(&k).unwrap_or_default();
            done.push(Span { lock: k, from, to });
        }
        for l in now {
            open.entry(l).and_modify(|e| e.1 = s.at).or_insert((s.at, s.at));
        }
    }
    done.extend(open.into_iter().map(|(lock, (from, to))| Span { lock, from, to }));
    done.sort_by_key(|s| s.from);
    done
}

/// A stall at least this long gets the statement's online form said beside it; shorter
/// ones (a brief lock at the end of an online form) are not worth a suggestion.
const NOTABLE_MS: u64 = 100;

fn ms(d: Duration) -> u64 {
    d.as_millis() as u64
}

/// Everything the rehearsal saw, put together. `ignore` are the bookkeeping tables;
/// `rows` counts a rewritten table's rows.
pub struct Inputs<'a> {
    pub windows: &'a [StepWindow],
    pub ran: &'a [Ran],
    pub seen: &'a Seen,
    pub ignore: &'a [String],
    pub touched: &'a [String],
    pub max_stall: Option<Duration>,
}

/// Per revision and statement, the tables' stalls and the verdict.
pub fn build(
    inputs: Inputs<'_>,
    rows: &mut dyn FnMut(&str) -> Option<u64>,
) -> (Vec<RevisionRehearsal>, Vec<TableStall>, Verdict) {
    let spans = spans(inputs.seen, inputs.ignore);
    let mut revisions = Vec::new();
    // (revision:line, from, to) of every statement, to name the one a stall began in.
    let mut timeline: Vec<(String, Duration, Duration)> = Vec::new();
    for w in inputs.windows {
        // The revision's own statements among what ran (bookkeeping left out), in order.
        let mut remaining: Vec<(String, usize)> = w.statements.clone();
        let mut matched: Vec<(&Ran, usize)> = Vec::new();
        for r in inputs.ran.iter().filter(|r| r.started >= w.from && r.started <= w.to) {
            let text = r.sql.trim();
            if let Some(at) = remaining.iter().position(|(s, _)| s.trim() == text) {
                matched.push((r, remaining.remove(at).1));
            }
        }
        let mut statements = Vec::new();
        for (k, (r, line)) in matched.iter().enumerate() {
            // A lock belongs to the statement running when it was first seen — or, seen
            // only after it ended (a slow sample), to the last statement before: locks
            // are held until the transaction ends.
            let until = matched.get(k + 1).map_or(w.to, |(n, _)| n.started);
            let locks: Vec<LockHeld> = spans
                .iter()
                .filter(|s| s.from >= r.started && s.from < until)
                .map(|s| LockHeld {
                    table: s.lock.table.clone(),
                    mode: s.lock.mode.clone(),
                    held_ms: ms(s.to - s.from + SAMPLE_EVERY),
                    blocks_writes: s.lock.blocks_writes,
                })
                .collect();
            timeline.push((format!("{}:{line}", w.revision), r.started, until));
            statements.push(StatementRehearsal {
                line: *line,
                sql: r.sql.trim().to_string(),
                duration_ms: ms(r.finished - r.started),
                rows_affected: r.rows,
                rewrote: r
                    .rewrote
                    .iter()
                    .filter(|t| !inputs.ignore.contains(t))
                    .map(|t| Rewrite { table: t.clone(), rows: rows(t) })
                    .collect(),
                hints: w
                    .online
                    .get(line)
                    .filter(|_| locks.iter().any(|l| l.blocks_writes && l.held_ms >= NOTABLE_MS))
                    .into_iter()
                    .cloned()
                    .chain(w.hints.get(line).cloned().unwrap_or_default())
                    .collect(),
                locks,
            });
        }
        revisions.push(RevisionRehearsal {
            revision: w.revision.clone(),
            message: w.message.clone(),
            duration_ms: ms(w.to - w.from),
            statements,
        });
    }
    let during = |at: Duration| {
        timeline.iter().rev().find(|(_, from, _)| *from <= at).map(|(name, _, _)| name.clone())
    };
    let load = !inputs.seen.writes.is_empty();
    let mut tables = Vec::new();
    for table in inputs.touched {
        let writes: Vec<_> = inputs.seen.writes.iter().filter(|w| &w.table == table).collect();
        let (stall, at) = if load {
            writes.iter().map(|w| (w.took, w.at)).max().unwrap_or_default()
        } else {
            spans
                .iter()
                .filter(|s| {
                    s.lock.blocks_writes && (&s.lock.table == table || s.lock.table == "(database)")
                })
                .map(|s| (s.to - s.from + SAMPLE_EVERY, s.from))
                .max()
                .unwrap_or_default()
        };
        tables.push(TableStall {
            table: table.clone(),
            longest_stall_ms: ms(stall),
            measured: load,
            statement: (stall > Duration::ZERO).then(|| during(at)).flatten(),
            writes: writes.len() as u64,
            failed_writes: writes.iter().filter(|w| !w.ok).count() as u64,
        });
    }
    // Measured stalls name their statement even where no lock was seen (MariaDB
    // without a lock table): its online form is said there too.
    for t in tables.iter().filter(|t| t.measured && t.longest_stall_ms >= NOTABLE_MS) {
        let Some((rev, line)) = t.statement.as_deref().and_then(|s| s.split_once(':')) else {
            continue;
        };
        let (Some(w), Ok(line)) =
            (inputs.windows.iter().find(|w| w.revision == rev), line.parse::<usize>())
        else {
            continue;
        };
        let Some(hint) = w.online.get(&line) else { continue };
        for st in
            revisions.iter_mut().filter(|r| r.revision == rev).flat_map(|r| r.statements.iter_mut())
        {
            if st.line == line && !st.hints.contains(hint) {
                st.hints.insert(0, hint.clone());
            }
        }
    }
    let known = load || inputs.seen.locks_visible;
    let worst = tables.iter().max_by_key(|t| t.longest_stall_ms);
    let limit = inputs.max_stall.map(ms);
    let verdict = match (known, worst, limit) {
        (false, _, Some(l)) => Verdict {
            passed: false,
            max_stall_ms: Some(l),
            longest_stall_ms: None,
            table: None,
            statement: None,
            summary: format!("the write stall could not be told ({}): run with --load to measure it with writers", inputs.seen.lock_source),
        },
        (_, Some(w), Some(l)) if w.longest_stall_ms > l => Verdict {
            passed: false,
            max_stall_ms: Some(l),
            longest_stall_ms: Some(w.longest_stall_ms),
            table: Some(w.table.clone()),
            statement: w.statement.clone(),
            summary: format!(
                "writes to {} {} {} ms (limit {l} ms), during {}",
                w.table,
                if w.measured { "waited" } else { "were blocked for" },
                w.longest_stall_ms,
                w.statement.as_deref().unwrap_or("the run")
            ),
        },
        (_, w, limit) => Verdict {
            passed: true,
            max_stall_ms: limit,
            longest_stall_ms: known.then(|| w.map_or(0, |w| w.longest_stall_ms)),
            table: w.map(|w| w.table.clone()),
            statement: w.and_then(|w| w.statement.clone()),
            summary: match (known, w, limit) {
                (false, _, _) => "the write stall could not be told (run with --load)".into(),
                (true, Some(w), Some(l)) => format!("the longest write stall, {} ms on {}, is within the limit ({l} ms)", w.longest_stall_ms, w.table),
                (true, Some(w), None) => format!("the longest write stall: {} ms on {}", w.longest_stall_ms, w.table),
                (true, None, _) => "no existing table is touched: nothing to stall".into(),
            },
        },
    };
    (revisions, tables, verdict)
}
