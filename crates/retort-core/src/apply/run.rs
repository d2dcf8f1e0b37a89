//! One upgrade or downgrade under the migration lock, as named phases.
//!
//! [`Run::execute`]: prepare the session (timeouts) → refuse an unsafe start (dirty,
//! changed files) → resolve and plan → open the run-wide transaction if asked → refuse
//! a revision the server cannot take → run the plan, step by step, re-planning when
//! another run moved the version table and retrying a revision that hit the lock
//! timeout → commit → report.
//!
//! Each step ([`Run::step`]): begin and hold the version table (it must still say what
//! the plan expects) → mark the revision in progress where it cannot be atomic → run its
//! statements (all at once, or `-- +step` by step) → record it (version ops, each
//! changing exactly one row; the log row) and commit.
use crate::apply::planner::{Planner, ResolvedTarget};
use crate::engine::{Connection, Dialect};
use crate::error::{DbError, Error, ExecError, StateError};
use crate::history::log::LogStatus;
use crate::history::store::{record_of, VersionStore};
use crate::plan::{self, Direction, Plan, Step};
use crate::revision::file::{RevisionFile, Section, SqlStep};
use crate::revision::graph::RevisionGraph;
use crate::revision::id::RevisionId;
use crate::revision::target::Target;
use crate::sql_split;
use std::time::{Duration, Instant};

/// Progress of a run, for the CLI's progress display.
#[derive(Debug)]
pub enum Event<'a> {
    StepStarted {
        index: usize,
        total: usize,
        file: &'a RevisionFile,
        direction: Direction,
    },
    StepFinished {
        index: usize,
        total: usize,
        file: &'a RevisionFile,
        direction: Direction,
        elapsed: Duration,
    },
    /// Another run moved the version table under us; the plan was recomputed.
    Replanned {
        heads: Vec<String>,
    },
    /// A revision marked `transactional: false` runs outside a transaction.
    NonTransactional {
        file: &'a RevisionFile,
    },
    /// Another run holds the migration lock; waiting up to the lock timeout.
    WaitingForLock {
        timeout: Duration,
    },
    /// How the migration lock is held, when the user should know (a pooler detected).
    LockNote {
        message: String,
    },
    /// A backup was taken before the run (the environment asks for one).
    BackedUp {
        path: &'a std::path::Path,
    },
    /// The server is a cluster node; how the revisions' schema changes replicate.
    Cluster {
        description: String,
    },
    /// A statement of `file` hit the database's lock timeout; nothing of the revision
    /// stayed, and it is tried again after `wait`. `blockers` are the sessions that
    /// probably hold the lock (long open transactions), as the engine describes them.
    LockRetry {
        file: &'a RevisionFile,
        attempt: u32,
        of: u32,
        wait: Duration,
        message: String,
        blockers: Vec<String>,
    },
}

#[derive(Debug, Clone, serde::Serialize)]
pub struct AppliedStep {
    pub revision: RevisionId,
    pub direction: Direction,
    pub duration_ms: u64,
}

#[derive(Debug, Clone, Default, serde::Serialize)]
pub struct RunReport {
    pub heads_before: Vec<String>,
    pub heads_after: Vec<String>,
    pub steps: Vec<AppliedStep>,
}

/// Options that shape a run.
#[derive(Clone, Debug)]
pub struct RunOptions {
    pub lock_timeout: Duration,
    /// Recorded in the log's `applied_by` column.
    pub applied_by: String,
    /// Run every revision of this run in one transaction (engines with transactional DDL
    /// only): all or nothing, and faster. The default is one transaction per revision.
    pub single_transaction: bool,
    /// The database's lock and statement timeouts for the run, and the retry policy.
    pub timeouts: crate::config::SessionTimeouts,
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions {
            lock_timeout: Duration::from_secs(60),
            applied_by: default_applied_by(),
            single_transaction: false,
            timeouts: Default::default(),
        }
    }
}

/// `user@host` of this process, for the log.
pub fn default_applied_by() -> String {
    let user = std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .unwrap_or_else(|_| "unknown".into());
    let host =
        std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    if host.is_empty() {
        user
    } else {
        format!("{user}@{host}")
    }
}

/// The state of one run: what it was asked, what it has applied, its retries.
pub(crate) struct Run<'r, 'g> {
    pub graph: &'g RevisionGraph,
    pub store: &'r VersionStore,
    pub planner: Planner<'g>,
    pub opts: &'r RunOptions,
    pub on_event: &'r mut dyn FnMut(Event<'_>),
    /// Every revision of the run in one transaction (`--single-transaction`, a
    /// non-empty plan): per-revision BEGIN/COMMIT become no-ops.
    outer: bool,
    report: RunReport,
    retries: Retries,
}

impl<'r, 'g> Run<'r, 'g> {
    pub fn new(
        graph: &'g RevisionGraph,
        store: &'r VersionStore,
        planner: Planner<'g>,
        opts: &'r RunOptions,
        on_event: &'r mut dyn FnMut(Event<'_>),
    ) -> Self {
        Run {
            graph,
            store,
            planner,
            opts,
            on_event,
            outer: false,
            report: RunReport::default(),
            retries: Retries::default(),
        }
    }

    pub fn execute(
        mut self,
        conn: &mut dyn Connection,
        mode: Direction,
        target: &Target,
    ) -> Result<RunReport, Error> {
        self.prepare_session(conn)?;
        self.refuse_unsafe_start(conn)?;
        let rows = self.store.current_rows(conn)?;
        let current = plan::validate_heads(self.graph, &rows)?;
        // Resolve once: a relative target means "relative to where we started".
        let resolved = self.planner.resolve(target, &current)?;
        self.report.heads_before = rows;
        let plan = self.planner.plan(mode, &current, &resolved)?;
        self.open_run_transaction(conn, &plan)?;
        self.refuse_oversized(conn, &plan)?;
        self.run_plan(conn, mode, &resolved, plan)?;
        if self.outer {
            conn.execute(conn.dialect().commit())?;
        }
        self.report.heads_after = self.store.current_rows(conn)?;
        Ok(self.report)
    }

    /// The run-wide transaction needs transactional DDL; the database's own lock and
    /// statement timeouts are set for the session: a statement that waits behind a long
    /// transaction gives up instead of queueing the table's traffic behind its lock
    /// request, and the revision is retried.
    fn prepare_session(&self, conn: &mut dyn Connection) -> Result<(), Error> {
        if self.opts.single_transaction && !conn.dialect().capabilities().transactional_ddl {
            return Err(DbError::Unsupported(format!(
                "--single-transaction needs transactional DDL, which {} does not have (each DDL statement commits on its own), so the run could not be all or nothing; run without it",
                conn.dialect().name()
            ))
            .into());
        }
        let timeouts = &self.opts.timeouts;
        let lock_timeout = timeouts.lock.or_else(|| conn.dialect().default_lock_timeout());
        for sql in conn.dialect().session_timeouts_sql(lock_timeout, timeouts.statement) {
            conn.execute(&sql)?;
        }
        Ok(())
    }

    /// Nothing runs on a dirty database or over applied files that changed.
    fn refuse_unsafe_start(&self, conn: &mut dyn Connection) -> Result<(), Error> {
        self.store.refuse_if_dirty(conn)?;
        let changed = crate::history::verify::changed_files(self.store, self.graph, conn)?;
        if !changed.is_empty() {
            return Err(Error::Checksum { changed });
        }
        Ok(())
    }

    /// `--single-transaction`: one BEGIN for the whole plan, refused when a revision of
    /// it has statements that must run outside a transaction.
    fn open_run_transaction(
        &mut self,
        conn: &mut dyn Connection,
        plan: &Plan,
    ) -> Result<(), Error> {
        self.outer = self.opts.single_transaction && !plan.is_empty();
        if !self.outer {
            return Ok(());
        }
        let non_transactional = |s: &Step| {
            s.section(self.graph)
                .steps(s.file(self.graph).transactional)
                .iter()
                .any(|st| !st.transactional)
        };
        if let Some(f) =
            plan.steps.iter().filter(|s| non_transactional(s)).map(|s| s.file(self.graph)).next()
        {
            return Err(Error::usage(
                format!("--single-transaction cannot include revision {}, which has statements marked transactional: false", f.id),
                Some("upgrade up to the revision before it with --single-transaction, then run the rest without".into()),
            ));
        }
        conn.execute(conn.dialect().begin())?;
        Ok(())
    }

    /// Refuses a revision the server could not take, before running any of the run.
    fn refuse_oversized(&self, conn: &mut dyn Connection, plan: &Plan) -> Result<(), Error> {
        let Some((limit, setting)) = conn.max_statement_bytes()? else { return Ok(()) };
        for step in &plan.steps {
            let file = step.file(self.graph);
            // The log insert carries the whole file, quotes escaped, plus its other columns.
            let needed = file.text.len() + file.text.matches(['\'', '\\']).count() + 4096;
            if needed > limit {
                self.rollback_run(conn);
                return Err(Error::TooLarge {
                    rev: file.id.clone(),
                    path: file.path.clone(),
                    bytes: file.text.len(),
                    limit,
                    setting,
                });
            }
        }
        Ok(())
    }

    /// The plan's steps in order; on a lock timeout (nothing of the revision stayed) or
    /// a version table another run moved, the plan is recomputed from the table.
    fn run_plan(
        &mut self,
        conn: &mut dyn Connection,
        mode: Direction,
        resolved: &ResolvedTarget,
        mut plan: Plan,
    ) -> Result<(), Error> {
        let mut total = plan.steps.len();
        let mut replans = 0usize;
        'replan: loop {
            for step in &plan.steps {
                self.stop_if_interrupted(conn)?;
                let index = self.report.steps.len() + 1;
                let file = step.file(self.graph);
                (self.on_event)(Event::StepStarted {
                    index,
                    total,
                    file,
                    direction: step.direction,
                });
                let started = Instant::now();
                let outcome = self.step(conn, step, started).inspect_err(|_| {
                    self.rollback_run(conn);
                });
                let outcome = match outcome {
                    Err(Error::Exec(mut e)) if self.outer => {
                        e.applied.clear(); // the one transaction took them all back
                        return Err(Error::Exec(e));
                    }
                    other => other?,
                };
                let rows = match outcome {
                    StepOutcome::Done => {
                        self.retries.done();
                        let elapsed = started.elapsed();
                        (self.on_event)(Event::StepFinished {
                            index,
                            total,
                            file,
                            direction: step.direction,
                            elapsed,
                        });
                        self.report.steps.push(AppliedStep {
                            revision: file.id.clone(),
                            direction: step.direction,
                            duration_ms: elapsed.as_millis() as u64,
                        });
                        continue;
                    }
                    StepOutcome::LockTimedOut(message) => {
                        self.wait_to_retry(conn, file, message)?;
                        // Nothing of the revision stayed; plan again from the table
                        // (another run may have moved it meanwhile).
                        self.store.current_rows(conn)?
                    }
                    StepOutcome::Moved(rows) => {
                        // Each legitimate re-plan follows another run's committed step, so
                        // more re-plans than revisions means the plan cannot converge:
                        // stop instead of re-running steps.
                        replans += 1;
                        if replans > self.graph.len() {
                            self.rollback_run(conn);
                            return Err(StateError::NoProgress { replans, rows }.into());
                        }
                        (self.on_event)(Event::Replanned { heads: rows.clone() });
                        rows
                    }
                };
                let current = plan::validate_heads(self.graph, &rows)?;
                plan = self.planner.plan(mode, &current, resolved)?;
                total = self.report.steps.len() + plan.steps.len();
                continue 'replan;
            }
            return Ok(());
        }
    }

    /// Ctrl-C stops between revisions, never inside one.
    fn stop_if_interrupted(&self, conn: &mut dyn Connection) -> Result<(), Error> {
        if !crate::interrupt::requested() {
            return Ok(());
        }
        let mut applied = self.applied();
        if self.outer {
            self.rollback_run(conn);
            applied.clear();
        }
        Err(Error::Interrupted { applied })
    }

    /// A lock timeout of a whole revision: wait (jittered back-off) and let the plan
    /// retry it, or give up naming who probably held the lock.
    fn wait_to_retry(
        &mut self,
        conn: &mut dyn Connection,
        file: &'g RevisionFile,
        message: String,
    ) -> Result<(), Error> {
        let next = self.retries.next_wait(&file.id, self.opts);
        let blockers = conn.lock_blockers();
        let Some(wait) = next else {
            return Err(Error::LockTimeout {
                rev: file.id.clone(),
                path: file.path.clone(),
                attempts: self.retries.attempts,
                waited_ms: self.retries.waited.as_millis() as u64,
                message,
                blockers,
                applied: self.applied(),
            });
        };
        (self.on_event)(Event::LockRetry {
            file,
            attempt: self.retries.attempts,
            of: self.opts.timeouts.retries,
            wait,
            message,
            blockers,
        });
        crate::interrupt::sleep(wait)?;
        self.retries.waited += wait;
        Ok(())
    }

    /// One revision: statements and bookkeeping, atomically where the engine and the
    /// revision allow, else marked in progress first so a failure halfway leaves a
    /// dirty marker instead of a silent partial state.
    fn step(
        &mut self,
        conn: &mut dyn Connection,
        step: &Step,
        started: Instant,
    ) -> Result<StepOutcome, Error> {
        let file = step.file(self.graph);
        let section = step.section(self.graph);
        let tx_ddl = conn.dialect().capabilities().transactional_ddl;
        let steps = section.steps(file.transactional);
        // Atomic: statements and bookkeeping commit together. Otherwise (MySQL DDL, a
        // revision marked transactional: false, or one of several `-- +step`s) the log
        // says "in progress" first.
        let atomic =
            tx_ddl && steps.iter().all(|s| s.transactional) && (steps.len() <= 1 || self.outer);
        if steps.iter().any(|s| !s.transactional) {
            (self.on_event)(Event::NonTransactional { file });
        }
        if let Some(moved) = self.begin_step(conn, step)? {
            return Ok(moved);
        }
        let marker = if atomic { None } else { self.mark_in_progress(conn, step)? };
        let ran = if atomic {
            self.run_atomic(conn, file, section, &steps)?
        } else {
            self.run_stepwise(conn, file, section, &steps, &marker)?
        };
        if let Some(timed_out) = ran {
            return Ok(timed_out);
        }
        self.record_step(conn, step, atomic, &marker, started.elapsed().as_millis() as u64)?;
        Ok(StepOutcome::Done)
    }

    /// BEGIN, the version table held and the lock confirmed; `Moved` when the table no
    /// longer says what the plan expects (another run got there first).
    fn begin_step(
        &self,
        conn: &mut dyn Connection,
        step: &Step,
    ) -> Result<Option<StepOutcome>, Error> {
        let [begin, _, rollback] = self.tx_sql(conn.dialect());
        run_tx(conn, begin)?;
        if let Err(e) = self.store.hold(conn, true) {
            let _ = run_tx(conn, rollback);
            return Err(e.into());
        }
        let rows = self.store.rows_of_existing_table(conn)?;
        let expected: Vec<String> = step.heads_before.iter().map(|h| h.to_string()).collect();
        if rows != expected {
            run_tx(conn, rollback)?;
            return Ok(Some(StepOutcome::Moved(rows)));
        }
        Ok(None)
    }

    /// The log row saying "in progress", committed before any statement runs; its id.
    fn mark_in_progress(
        &self,
        conn: &mut dyn Connection,
        step: &Step,
    ) -> Result<Option<String>, Error> {
        let file = step.file(self.graph);
        let [_, commit, _] = self.tx_sql(conn.dialect());
        let record = record_of(
            file,
            step.direction.into(),
            LogStatus::InProgress,
            None,
            None,
            &self.opts.applied_by,
        );
        conn.execute(&self.store.sql(conn.dialect()).log_insert(&record))?;
        run_tx(conn, commit)?;
        let log = conn.dialect().quote_ident(&self.store.tables.log);
        let q = format!(
            "SELECT MAX(id) FROM {log} WHERE revision = {} AND status = '{}'",
            conn.dialect().quote_literal(file.id.as_str()),
            LogStatus::InProgress.as_str()
        );
        Ok(conn.query(&q)?.first().and_then(|r| r.first().cloned().flatten()))
    }

    /// The whole revision in the step's transaction; a lock timeout rolls it back and
    /// asks for a retry (outside a run-wide transaction).
    fn run_atomic(
        &self,
        conn: &mut dyn Connection,
        file: &RevisionFile,
        section: &Section,
        steps: &[SqlStep],
    ) -> Result<Option<StepOutcome>, Error> {
        let [_, _, rollback] = self.tx_sql(conn.dialect());
        let texts: Vec<String> =
            steps.iter().flat_map(|s| s.statements.iter().map(|x| x.sql.clone())).collect();
        let Err((index, e)) = conn.execute_script(&texts) else { return Ok(None) };
        let _ = run_tx(conn, rollback);
        // A lock timeout: nothing of the revision stayed, so the run may retry it.
        if let (DbError::LockTimeout { message, .. }, false) = (&e, self.outer) {
            return Ok(Some(StepOutcome::LockTimedOut(message.clone())));
        }
        let stmt =
            steps.iter().flat_map(|s| s.statements.iter()).nth(index).cloned().unwrap_or_default();
        Err(exec_error(file, section, &stmt, e, self.applied(), false).into())
    }

    /// `-- +step` by step (or statement by statement where nothing is transactional),
    /// the marker saying how far it got when one fails.
    fn run_stepwise(
        &mut self,
        conn: &mut dyn Connection,
        file: &'g RevisionFile,
        section: &Section,
        steps: &[SqlStep],
        marker: &Option<String>,
    ) -> Result<Option<StepOutcome>, Error> {
        let [begin, commit, rollback] = self.tx_sql(conn.dialect());
        let tx_ddl = conn.dialect().capabilities().transactional_ddl;
        for (k, sql_step) in steps.iter().enumerate() {
            let in_tx = sql_step.transactional && tx_ddl && !self.outer;
            loop {
                let outcome = if in_tx {
                    conn.execute(begin)?;
                    let texts: Vec<String> =
                        sql_step.statements.iter().map(|x| x.sql.clone()).collect();
                    let r = conn.execute_script(&texts);
                    match &r {
                        Ok(()) => conn.execute(commit)?,
                        Err(_) => {
                            let _ = conn.execute(rollback);
                        }
                    }
                    r
                } else {
                    // One at a time: each may commit, and the marker must say how far it got.
                    sql_step
                        .statements
                        .iter()
                        .enumerate()
                        .try_for_each(|(i, s)| conn.execute(&s.sql).map_err(|e| (i, e)))
                };
                let Err((index, e)) = outcome else { break };
                // Nothing of this step stayed: it ran in a transaction, or its first
                // statement failed. Where statements may already have committed it is
                // an ordinary failure: a retry would not be safe.
                let step_untouched = in_tx || index == 0;
                if let (DbError::LockTimeout { message, .. }, false, true) =
                    (&e, self.outer, step_untouched)
                {
                    if k == 0 {
                        // Nothing of the revision stayed: the run retries it from the plan.
                        self.set_marker(conn, marker, LogStatus::ResolvedUndo, &format!("lock timeout before its first statement ran (nothing changed; retried): {message}"));
                        return Ok(Some(StepOutcome::LockTimedOut(message.clone())));
                    }
                    // An earlier step committed: retry this step in place, within the
                    // same budget, while the migration lock keeps other runs out.
                    if let Some(wait) = self.retries.next_wait(&file.id, self.opts) {
                        let blockers = conn.lock_blockers();
                        (self.on_event)(Event::LockRetry {
                            file,
                            attempt: self.retries.attempts,
                            of: self.opts.timeouts.retries,
                            wait,
                            message: message.clone(),
                            blockers,
                        });
                        crate::interrupt::sleep(wait)?;
                        self.retries.waited += wait;
                        continue;
                    }
                }
                let stmt = sql_step.statements[index].clone();
                // The first step's first statement failing (or its transaction rolled
                // back) left nothing behind, on any engine: not dirty.
                let dirty = !(k == 0 && step_untouched);
                let mut err = exec_error(file, section, &stmt, e, self.applied(), dirty);
                if steps.len() > 1 {
                    err.message = format!("step {} of {}: {}", k + 1, steps.len(), err.message);
                }
                let status = if dirty { LogStatus::Failed } else { LogStatus::ResolvedUndo };
                self.set_marker(conn, marker, status, &err.message);
                return Err(err.into());
            }
        }
        Ok(None)
    }

    /// The version ops (each must change exactly one row), the table checked against the
    /// plan, the log row (or the marker finished), then COMMIT.
    fn record_step(
        &self,
        conn: &mut dyn Connection,
        step: &Step,
        atomic: bool,
        marker: &Option<String>,
        duration: u64,
    ) -> Result<(), Error> {
        let file = step.file(self.graph);
        let [begin, commit, rollback] = self.tx_sql(conn.dialect());
        if !atomic {
            run_tx(conn, begin)?;
        }
        // Before the bookkeeping commits: where the revision's statements commit with it,
        // the lock must still be this run's (a lease taken over during a long revision
        // means another run may be applying it too), or it is all rolled back. Where they
        // already committed, the bookkeeping records what was done; the next revision's
        // check stops the run.
        if let Err(e) = self.store.hold(conn, atomic) {
            let _ = run_tx(conn, rollback);
            return Err(e.into());
        }
        let mismatch =
            |found: Vec<String>, expected: Vec<String>| StateError::VersionTableMismatch {
                rev: file.id.clone(),
                expected,
                found,
                dirty: !atomic,
            };
        let expected_after: Vec<String> = step.heads_after.iter().map(|h| h.to_string()).collect();
        for op in &step.version_ops {
            let changed = conn.execute_counted(&self.store.sql(conn.dialect()).version_op(op))?;
            if changed != 1 {
                let found = self.store.rows_of_existing_table(conn).unwrap_or_default();
                let _ = run_tx(conn, rollback);
                return Err(mismatch(found, expected_after).into());
            }
        }
        // Defence in depth: an UPDATE or DELETE that matched no row would leave the table
        // disagreeing with the schema; check before committing.
        let rows_after = self.store.rows_of_existing_table(conn)?;
        if rows_after != expected_after {
            let _ = run_tx(conn, rollback);
            return Err(mismatch(rows_after, expected_after).into());
        }
        match marker {
            Some(id) => {
                let log = conn.dialect().quote_ident(&self.store.tables.log);
                conn.execute(&format!(
                    "UPDATE {log} SET status = '{}', duration_ms = {duration} WHERE id = {id}",
                    LogStatus::Ok.as_str()
                ))?;
            }
            None => {
                let now = crate::now_utc_iso();
                let record = record_of(
                    file,
                    step.direction.into(),
                    LogStatus::Ok,
                    Some(&now),
                    Some(duration),
                    &self.opts.applied_by,
                );
                conn.execute(&self.store.sql(conn.dialect()).log_insert(&record))?;
            }
        }
        run_tx(conn, commit)?;
        Ok(())
    }

    /// The in-progress marker's final status and the reason, when there is a marker.
    fn set_marker(
        &self,
        conn: &mut dyn Connection,
        marker: &Option<String>,
        status: LogStatus,
        note: &str,
    ) {
        if let Some(id) = marker {
            let log = conn.dialect().quote_ident(&self.store.tables.log);
            let note = conn.dialect().quote_literal(note);
            let _ = conn.execute(&format!(
                "UPDATE {log} SET status = '{}', error = {note} WHERE id = {id}",
                status.as_str()
            ));
        }
    }

    /// BEGIN, COMMIT, ROLLBACK of a revision; empty inside the run-wide transaction.
    fn tx_sql(&self, dialect: &dyn Dialect) -> [&'static str; 3] {
        if self.outer {
            ["", "", ""]
        } else {
            [dialect.begin(), dialect.commit(), dialect.rollback()]
        }
    }

    /// Rolls back the run-wide transaction, if there is one (on the way out with an error).
    fn rollback_run(&self, conn: &mut dyn Connection) {
        if self.outer {
            let _ = conn.execute(conn.dialect().rollback());
        }
    }

    fn applied(&self) -> Vec<RevisionId> {
        self.report.steps.iter().map(|s| s.revision.clone()).collect()
    }
}

/// The error for a failed statement of `file`, with its line in the file.
fn exec_error(
    file: &RevisionFile,
    section: &Section,
    stmt: &sql_split::Statement,
    e: DbError,
    applied: Vec<RevisionId>,
    dirty: bool,
) -> ExecError {
    let cause = match &e {
        DbError::Storage { cause, .. } => Some(*cause),
        _ => None,
    };
    let message = match e {
        DbError::Query { message, .. } | DbError::Storage { message, .. } => message,
        other => other.to_string(),
    };
    ExecError {
        rev: file.id.clone(),
        path: file.path.clone(),
        line: section.first_line + stmt.line.max(1) - 1,
        message,
        statement: stmt.sql.clone(),
        applied,
        dirty,
        cause,
    }
}

/// Lock-timeout retries of the revision being tried, and the time waited in the run.
#[derive(Default)]
struct Retries {
    rev: Option<RevisionId>,
    attempts: u32,
    waited: Duration,
}

impl Retries {
    /// Counts an attempt of `rev` and returns how long to wait before the next, or
    /// `None` when the retries or the budget are spent.
    fn next_wait(&mut self, rev: &RevisionId, opts: &RunOptions) -> Option<Duration> {
        if self.rev.as_ref() != Some(rev) {
            self.rev = Some(rev.clone());
            self.attempts = 0;
        }
        self.attempts += 1;
        let wait = retry_wait(self.attempts).min(opts.timeouts.budget.saturating_sub(self.waited));
        (self.attempts <= opts.timeouts.retries && !wait.is_zero()).then_some(wait)
    }

    fn done(&mut self) {
        self.rev = None;
        self.attempts = 0;
    }
}

/// Runs a transaction-control statement; empty inside a run-wide transaction.
fn run_tx(conn: &mut dyn Connection, sql: &str) -> Result<(), DbError> {
    if sql.is_empty() {
        Ok(())
    } else {
        conn.execute(sql)
    }
}

enum StepOutcome {
    Done,
    /// The version table no longer matched the plan (a concurrent run); these are its rows.
    Moved(Vec<String>),
    /// A statement hit the database's lock timeout and nothing of the revision stayed.
    LockTimedOut(String),
}

/// How long to wait before lock-timeout retry `attempt` (1-based): exponential from a
/// quarter second, capped at ten, with ±50% jitter so that deploys retrying together
/// do not collide again.
fn retry_wait(attempt: u32) -> Duration {
    let base = Duration::from_millis(250)
        .saturating_mul(1 << attempt.saturating_sub(1).min(6))
        .min(Duration::from_secs(10));
    let mut b = [0u8; 2];
    let jitter = if getrandom::getrandom(&mut b).is_ok() {
        u16::from_le_bytes(b) as f64 / u16::MAX as f64
    } else {
        0.5
    };
    base.mul_f64(0.5 + jitter)
}
