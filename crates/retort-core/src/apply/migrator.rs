//! The one apply loop: validate → resolve → plan → lock → execute → record.
//!
//! Upgrade and downgrade, online, go through [`Migrator::run`] so the policy exists once;
//! stamp, resolve and offline scripts live beside it in `apply/`, the version and log
//! tables in `history/`. Progress is reported through [`Event`]s; callers render them.
use crate::engine::Connection;
use crate::error::{DbError, Error, ExecError, StateError};
use crate::history::log::{LogDirection, LogRecord, LogStatus, VersionTables};
use crate::plan::{self, Direction, Plan, Step};
use crate::revision::file::RevisionFile;
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

pub struct Migrator<'g> {
    pub graph: &'g RevisionGraph,
    pub tables: VersionTables,
}

impl<'g> Migrator<'g> {
    pub fn new(graph: &'g RevisionGraph, tables: VersionTables) -> Self {
        Migrator { graph, tables }
    }
}

/// A target resolved against the database: the revisions it names, or for `-N` that
/// walked off the bottom of a branch, that branch's root (reverted with what is above).
pub(crate) struct ResolvedTarget {
    set: Vec<usize>,
    branch_root: Option<Vec<usize>>,
}

impl Migrator<'_> {
    /// The database's heads, validated against the graph (and refused when dirty).
    pub fn current(&self, conn: &mut dyn Connection) -> Result<Vec<usize>, Error> {
        self.refuse_if_dirty(conn)?;
        let rows = self.current_rows(conn)?;
        Ok(plan::validate_heads(self.graph, &rows)?)
    }

    /// Resolves `target` once, against where the run starts (a relative target means
    /// "relative to where we started", also when the run re-plans).
    pub(crate) fn resolve_target(
        &self,
        target: &Target,
        current: &[usize],
    ) -> Result<ResolvedTarget, Error> {
        Ok(ResolvedTarget {
            set: target.resolve(self.graph, current)?,
            branch_root: target.branch_root_walked_off(self.graph, current),
        })
    }

    pub(crate) fn plan_for(
        &self,
        mode: Direction,
        current: &[usize],
        target: &ResolvedTarget,
        text: &str,
    ) -> Result<Plan, Error> {
        Ok(match (mode, &target.branch_root) {
            (Direction::Up, _) => {
                plan::check_upgrade_target(self.graph, current, &target.set, text)?;
                plan::plan_upgrade(self.graph, current, &target.set)
            }
            (Direction::Down, Some(roots)) => {
                plan::plan_downgrade_branch(self.graph, current, roots)?
            }
            (Direction::Down, None) => {
                plan::plan_downgrade(self.graph, current, &target.set, text)?
            }
        })
    }

    /// The plan as the database looks now, read without the lock and without refusing a
    /// revision in progress (another run's, which the locked run will wait for): for
    /// decisions made before the lock (a backup, warnings). `None` when it cannot be told.
    pub fn peek_plan(
        &self,
        conn: &mut dyn Connection,
        mode: Direction,
        target: &Target,
    ) -> Option<Plan> {
        let rows = self.current_rows(conn).ok()?;
        let current = plan::validate_heads(self.graph, &rows).ok()?;
        let resolved = self.resolve_target(target, &current).ok()?;
        self.plan_for(mode, &current, &resolved, &target.text).ok()
    }

    /// Resolves `target` against the database and returns the plan without running it.
    pub fn plan(
        &self,
        conn: &mut dyn Connection,
        mode: Direction,
        target: &Target,
    ) -> Result<Plan, Error> {
        let current = self.current(conn)?;
        let resolved = self.resolve_target(target, &current)?;
        self.plan_for(mode, &current, &resolved, &target.text)
    }

    /// Runs an upgrade or downgrade, one transaction per revision with its version-table
    /// update. A failing revision is rolled back; the ones before it stay applied.
    pub fn run(
        &self,
        conn: &mut dyn Connection,
        mode: Direction,
        target: &Target,
        opts: &RunOptions,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<RunReport, Error> {
        self.with_lock(conn, opts.lock_timeout, on_event, |conn, on_event| {
            self.run_locked(conn, mode, target, opts, on_event)
        })
    }

    pub(crate) fn ensure_tables(&self, conn: &mut dyn Connection) -> Result<(), Error> {
        let names = [self.tables.version.clone(), self.tables.log.clone()];
        for (ddl, name) in
            crate::history::bookkeeping::Bookkeeping::new(conn.dialect(), &self.tables)
                .create_tables()
                .into_iter()
                .zip(names)
        {
            // Two runs whose migration lock did not hold (a pooler) can both create a
            // table `IF NOT EXISTS` and collide in the catalog: it exists, which is all
            // that is needed.
            if let Err(e) = conn.execute(&ddl) {
                if !conn.table_exists(&name).unwrap_or(false) {
                    return Err(e.into());
                }
            }
        }
        Ok(())
    }

    fn run_locked(
        &self,
        conn: &mut dyn Connection,
        mode: Direction,
        target: &Target,
        opts: &RunOptions,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<RunReport, Error> {
        if opts.single_transaction && !conn.dialect().capabilities().transactional_ddl {
            return Err(DbError::Unsupported(format!(
                "--single-transaction needs transactional DDL, which {} does not have (each DDL statement commits on its own), so the run could not be all or nothing; run without it",
                conn.dialect().name()
            ))
            .into());
        }
        // The database's own timeouts for this session (issue #14): a statement that
        // waits behind a long transaction gives up instead of queueing the table's
        // traffic behind its lock request, and the revision is retried below.
        let lock_timeout = opts.timeouts.lock.or_else(|| conn.dialect().default_lock_timeout());
        for sql in conn.dialect().session_timeouts_sql(lock_timeout, opts.timeouts.statement) {
            conn.execute(&sql)?;
        }
        self.refuse_if_dirty(conn)?;
        let changed = self.changed_files(conn)?;
        if !changed.is_empty() {
            return Err(Error::Checksum { changed });
        }
        let rows = self.current_rows(conn)?;
        let mut current = plan::validate_heads(self.graph, &rows)?;
        // Resolve once: a relative target means "relative to where we started".
        let resolved = self.resolve_target(target, &current)?;
        let mut report = RunReport { heads_before: rows, ..Default::default() };
        let mut plan = self.plan_for(mode, &current, &resolved, &target.text)?;
        let outer = opts.single_transaction && !plan.is_empty();
        if outer {
            let non_transactional = |s: &Step| {
                s.section(self.graph)
                    .steps(s.file(self.graph).transactional)
                    .iter()
                    .any(|st| !st.transactional)
            };
            if let Some(f) = plan
                .steps
                .iter()
                .filter(|s| non_transactional(s))
                .map(|s| s.file(self.graph))
                .next()
            {
                return Err(Error::usage(
                    format!("--single-transaction cannot include revision {}, which has statements marked transactional: false", f.id),
                    Some("upgrade up to the revision before it with --single-transaction, then run the rest without".into()),
                ));
            }
            conn.execute(conn.dialect().begin())?;
        }
        // Refuse a revision the server could not take before running any of the run.
        if let Some((limit, setting)) = conn.max_statement_bytes()? {
            for step in &plan.steps {
                let file = step.file(self.graph);
                // The log insert carries the whole file, quotes escaped, plus its other columns.
                let needed = file.text.len() + file.text.matches(['\'', '\\']).count() + 4096;
                if needed > limit {
                    if outer {
                        let _ = conn.execute(conn.dialect().rollback());
                    }
                    return Err(Error::TooLarge {
                        rev: file.id.clone(),
                        path: file.path.clone(),
                        bytes: file.text.len(),
                        limit,
                        setting,
                    });
                }
            }
        }
        let mut total = plan.steps.len();
        let mut replans = 0usize;
        let mut retries = Retries::default();
        'replan: loop {
            for step in &plan.steps {
                // Ctrl-C stops here, between revisions, never inside one.
                if crate::interrupt::requested() {
                    let mut applied: Vec<RevisionId> =
                        report.steps.iter().map(|s| s.revision.clone()).collect();
                    if outer {
                        let _ = conn.execute(conn.dialect().rollback());
                        applied.clear();
                    }
                    return Err(Error::Interrupted { applied });
                }
                let index = report.steps.len() + 1;
                let file = step.file(self.graph);
                on_event(Event::StepStarted { index, total, file, direction: step.direction });
                let started = Instant::now();
                let outcome = match self.apply_step(
                    conn,
                    step,
                    opts,
                    on_event,
                    &report,
                    started,
                    outer,
                    &mut retries,
                ) {
                    Ok(o) => o,
                    Err(Error::Exec(mut e)) if outer => {
                        let _ = conn.execute(conn.dialect().rollback());
                        e.applied.clear(); // the one transaction took them all back
                        return Err(Error::Exec(e));
                    }
                    Err(e) => {
                        if outer {
                            let _ = conn.execute(conn.dialect().rollback());
                        }
                        return Err(e);
                    }
                };
                match outcome {
                    StepOutcome::Done => retries.done(),
                    StepOutcome::LockTimedOut(message) => {
                        let next = retries.next_wait(&file.id, opts);
                        let blockers = conn.lock_blockers();
                        let Some(wait) = next else {
                            return Err(Error::LockTimeout {
                                rev: file.id.clone(),
                                path: file.path.clone(),
                                attempts: retries.attempts,
                                waited_ms: retries.waited.as_millis() as u64,
                                message,
                                blockers,
                                applied: report.steps.iter().map(|s| s.revision.clone()).collect(),
                            });
                        };
                        on_event(Event::LockRetry {
                            file,
                            attempt: retries.attempts,
                            of: opts.timeouts.retries,
                            wait,
                            message,
                            blockers,
                        });
                        crate::interrupt::sleep(wait)?;
                        retries.waited += wait;
                        // Nothing of the revision stayed; plan again from the table (another
                        // run may have moved it meanwhile).
                        let rows = self.current_rows(conn)?;
                        current = plan::validate_heads(self.graph, &rows)?;
                        plan = self.plan_for(mode, &current, &resolved, &target.text)?;
                        total = report.steps.len() + plan.steps.len();
                        continue 'replan;
                    }
                    StepOutcome::Moved(rows) => {
                        // Each legitimate re-plan follows another run's committed step, so
                        // more re-plans than revisions means the plan cannot converge:
                        // stop instead of re-running steps (issue #9 item 1).
                        replans += 1;
                        if replans > self.graph.len() {
                            if outer {
                                let _ = conn.execute(conn.dialect().rollback());
                            }
                            return Err(StateError::NoProgress { replans, rows }.into());
                        }
                        on_event(Event::Replanned { heads: rows.clone() });
                        current = plan::validate_heads(self.graph, &rows)?;
                        plan = self.plan_for(mode, &current, &resolved, &target.text)?;
                        total = report.steps.len() + plan.steps.len();
                        continue 'replan;
                    }
                }
                let elapsed = started.elapsed();
                on_event(Event::StepFinished {
                    index,
                    total,
                    file,
                    direction: step.direction,
                    elapsed,
                });
                report.steps.push(AppliedStep {
                    revision: file.id.clone(),
                    direction: step.direction,
                    duration_ms: elapsed.as_millis() as u64,
                });
            }
            break;
        }
        if outer {
            conn.execute(conn.dialect().commit())?;
        }
        report.heads_after = self.current_rows(conn)?;
        Ok(report)
    }

    #[allow(clippy::too_many_arguments)]
    fn apply_step(
        &self,
        conn: &mut dyn Connection,
        step: &Step,
        opts: &RunOptions,
        on_event: &mut dyn FnMut(Event<'_>),
        report: &RunReport,
        started: Instant,
        in_outer_tx: bool,
        retries: &mut Retries,
    ) -> Result<StepOutcome, Error> {
        let file = step.file(self.graph);
        let section = step.section(self.graph);
        let dialect = conn.dialect();
        let tx_ddl = dialect.capabilities().transactional_ddl;
        // Inside a run-wide transaction the per-revision BEGIN/COMMIT become no-ops.
        let (begin, commit, rollback) = if in_outer_tx {
            ("", "", "")
        } else {
            (dialect.begin(), dialect.commit(), dialect.rollback())
        };
        let steps = section.steps(file.transactional);
        // Atomic: statements and bookkeeping commit together. Otherwise (MySQL DDL, a
        // revision marked transactional: false, or one of several `-- +step`s) the log
        // says "in progress" first, so a failure halfway leaves a dirty marker instead
        // of a silent partial state.
        let atomic =
            tx_ddl && steps.iter().all(|s| s.transactional) && (steps.len() <= 1 || in_outer_tx);
        if steps.iter().any(|s| !s.transactional) {
            on_event(Event::NonTransactional { file });
        }
        run_tx(conn, begin)?;
        if let Err(e) = self.hold_version_table(conn, true) {
            let _ = run_tx(conn, rollback);
            return Err(e.into());
        }
        let rows = self.rows_of_existing_table(conn)?;
        let expected: Vec<String> = step.heads_before.iter().map(|h| h.to_string()).collect();
        if rows != expected {
            run_tx(conn, rollback)?;
            return Ok(StepOutcome::Moved(rows));
        }
        let mut marker = None;
        if !atomic {
            let record = self.log_record(
                file,
                step.direction.into(),
                LogStatus::InProgress,
                None,
                None,
                &opts.applied_by,
            );
            conn.execute(
                &crate::history::bookkeeping::Bookkeeping::new(conn.dialect(), &self.tables)
                    .log_insert(&record),
            )?;
            run_tx(conn, commit)?;
            let log = conn.dialect().quote_ident(&self.tables.log);
            let q = format!(
                "SELECT MAX(id) FROM {log} WHERE revision = {} AND status = '{}'",
                conn.dialect().quote_literal(file.id.as_str()),
                LogStatus::InProgress.as_str()
            );
            marker = conn.query(&q)?.first().and_then(|r| r.first().cloned().flatten());
        }
        let set_marker = |conn: &mut dyn Connection, status: LogStatus, note: &str| {
            if let Some(id) = &marker {
                let log = conn.dialect().quote_ident(&self.tables.log);
                let note = conn.dialect().quote_literal(note);
                let _ = conn.execute(&format!(
                    "UPDATE {log} SET status = '{}', error = {note} WHERE id = {id}",
                    status.as_str()
                ));
            }
        };
        let applied = || report.steps.iter().map(|s| s.revision.clone()).collect::<Vec<_>>();
        if atomic {
            let texts: Vec<String> =
                steps.iter().flat_map(|s| s.statements.iter().map(|x| x.sql.clone())).collect();
            if let Err((index, e)) = conn.execute_script(&texts) {
                let _ = run_tx(conn, rollback);
                // A lock timeout: nothing of the revision stayed, so the run may retry it.
                if let (DbError::LockTimeout { message, .. }, false) = (&e, in_outer_tx) {
                    return Ok(StepOutcome::LockTimedOut(message.clone()));
                }
                let stmt = steps
                    .iter()
                    .flat_map(|s| s.statements.iter())
                    .nth(index)
                    .cloned()
                    .unwrap_or_default();
                return Err(exec_error(file, section, &stmt, e, applied(), false).into());
            }
        } else {
            for (k, sql_step) in steps.iter().enumerate() {
                let in_tx = sql_step.transactional && tx_ddl && !in_outer_tx;
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
                        (&e, in_outer_tx, step_untouched)
                    {
                        if k == 0 {
                            // Nothing of the revision stayed: the run retries it from the plan.
                            set_marker(conn, LogStatus::ResolvedUndo, &format!("lock timeout before its first statement ran (nothing changed; retried): {message}"));
                            return Ok(StepOutcome::LockTimedOut(message.clone()));
                        }
                        // An earlier step committed: retry this step in place, within the
                        // same budget, while the migration lock keeps other runs out.
                        if let Some(wait) = retries.next_wait(&file.id, opts) {
                            let blockers = conn.lock_blockers();
                            on_event(Event::LockRetry {
                                file,
                                attempt: retries.attempts,
                                of: opts.timeouts.retries,
                                wait,
                                message: message.clone(),
                                blockers,
                            });
                            crate::interrupt::sleep(wait)?;
                            retries.waited += wait;
                            continue;
                        }
                    }
                    let stmt = sql_step.statements[index].clone();
                    // The first step's first statement failing (or its transaction rolled
                    // back) left nothing behind, on any engine: not dirty.
                    let dirty = !(k == 0 && step_untouched);
                    let mut err = exec_error(file, section, &stmt, e, applied(), dirty);
                    if steps.len() > 1 {
                        err.message = format!("step {} of {}: {}", k + 1, steps.len(), err.message);
                    }
                    let status = if dirty { LogStatus::Failed } else { LogStatus::ResolvedUndo };
                    set_marker(conn, status, &err.message);
                    return Err(err.into());
                }
            }
        }
        let duration = started.elapsed().as_millis() as u64;
        if !atomic {
            run_tx(conn, begin)?;
        }
        // Before the bookkeeping commits: where the revision's statements commit with it,
        // the lock must still be this run's (a lease taken over during a long revision
        // means another run may be applying it too), or it is all rolled back. Where they
        // already committed, the bookkeeping records what was done; the next revision's
        // check stops the run.
        if let Err(e) = self.hold_version_table(conn, atomic) {
            let _ = run_tx(conn, rollback);
            return Err(e.into());
        }
        for op in &step.version_ops {
            let changed = conn.execute_counted(
                &crate::history::bookkeeping::Bookkeeping::new(conn.dialect(), &self.tables)
                    .version_op(op),
            )?;
            if changed != 1 {
                let found = self.rows_of_existing_table(conn).unwrap_or_default();
                let _ = run_tx(conn, rollback);
                return Err(StateError::VersionTableMismatch {
                    rev: file.id.clone(),
                    expected: step.heads_after.iter().map(|h| h.to_string()).collect(),
                    found,
                    dirty: !atomic,
                }
                .into());
            }
        }
        // Defence in depth: an UPDATE or DELETE that matched no row would leave the table
        // disagreeing with the schema; check before committing (issue #9 item 1).
        let rows_after = self.rows_of_existing_table(conn)?;
        let expected_after: Vec<String> = step.heads_after.iter().map(|h| h.to_string()).collect();
        if rows_after != expected_after {
            let _ = run_tx(conn, rollback);
            return Err(StateError::VersionTableMismatch {
                rev: file.id.clone(),
                expected: expected_after,
                found: rows_after,
                dirty: !atomic,
            }
            .into());
        }
        match &marker {
            Some(id) => {
                let log = conn.dialect().quote_ident(&self.tables.log);
                conn.execute(&format!(
                    "UPDATE {log} SET status = '{}', duration_ms = {duration} WHERE id = {id}",
                    LogStatus::Ok.as_str()
                ))?;
            }
            None => {
                let now = crate::now_utc_iso();
                let record = self.log_record(
                    file,
                    step.direction.into(),
                    LogStatus::Ok,
                    Some(&now),
                    Some(duration),
                    &opts.applied_by,
                );
                conn.execute(
                    &crate::history::bookkeeping::Bookkeeping::new(conn.dialect(), &self.tables)
                        .log_insert(&record),
                )?;
            }
        }
        run_tx(conn, commit)?;
        Ok(StepOutcome::Done)
    }

    /// In a step's transaction: the version table locked (where `begin` does not already
    /// serialise writers) and, if `confirm`, the migration lock proven still ours.
    fn hold_version_table(&self, conn: &mut dyn Connection, confirm: bool) -> Result<(), DbError> {
        if let Some(sql) =
            crate::history::bookkeeping::Bookkeeping::new(conn.dialect(), &self.tables)
                .lock_version_table()
        {
            conn.execute(&sql)?;
        }
        if confirm {
            conn.confirm_lock()?;
        }
        Ok(())
    }

    pub(crate) fn log_record<'a>(
        &self,
        file: &'a RevisionFile,
        direction: LogDirection,
        status: LogStatus,
        applied_at: Option<&'a str>,
        duration_ms: Option<u64>,
        applied_by: &'a str,
    ) -> LogRecord<'a> {
        LogRecord {
            revision: file.id.as_str(),
            direction,
            status,
            checksum: Some(&file.checksum),
            message: &file.message,
            script: Some(&file.text),
            applied_at,
            duration_ms,
            applied_by,
            tool_version: crate::TOOL_VERSION,
        }
    }

    pub(crate) fn refuse_if_dirty(&self, conn: &mut dyn Connection) -> Result<(), Error> {
        match self.dirty_entry(conn)? {
            Some(e) => Err(StateError::Dirty {
                rev: e.revision,
                direction: e.direction,
                status: e.status,
                error: e.error,
            }
            .into()),
            None => Ok(()),
        }
    }
}

/// The error for a failed statement of `file`, with its line in the file.
fn exec_error(
    file: &RevisionFile,
    section: &crate::revision::file::Section,
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
