//! The one apply loop: validate → resolve → plan → lock → execute → record.
//!
//! Upgrade, downgrade and stamp, online and offline (`--sql`), all go through here so
//! the policy exists once. Progress is reported through [`Event`]s; the CLI renders them.
use crate::engine::{Connection, Dialect, LogEntry, LogRecord, VersionTables};
use crate::error::{DbError, Error, ExecError, StateError};
use crate::plan::{self, Direction, Plan, Step, VersionOp};
use crate::revision::file::RevisionFile;
use crate::revision::graph::RevisionGraph;
use crate::revision::id::RevisionId;
use crate::revision::target::Target;
use crate::sql_split;
use std::time::{Duration, Instant};

/// Progress of a run, for the CLI's progress display.
#[derive(Debug)]
pub enum Event<'a> {
    StepStarted { index: usize, total: usize, file: &'a RevisionFile, direction: Direction },
    StepFinished { index: usize, total: usize, file: &'a RevisionFile, direction: Direction, elapsed: Duration },
    /// Another run moved the version table under us; the plan was recomputed.
    Replanned { heads: Vec<String> },
    /// A revision marked `transactional: false` runs outside a transaction.
    NonTransactional { file: &'a RevisionFile },
    /// Another run holds the migration lock; waiting up to the lock timeout.
    WaitingForLock { timeout: Duration },
    /// A backup was taken before the run (the environment asks for one).
    BackedUp { path: &'a std::path::Path },
}

/// Takes the engine's migration lock, waiting up to `timeout` and saying so once.
pub fn acquire_lock(conn: &mut dyn Connection, timeout: Duration, on_event: &mut dyn FnMut(Event<'_>)) -> Result<(), DbError> {
    let started = Instant::now();
    let mut announced = false;
    loop {
        if conn.try_lock(timeout)? {
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
}

impl Default for RunOptions {
    fn default() -> Self {
        RunOptions { lock_timeout: Duration::from_secs(60), applied_by: default_applied_by(), single_transaction: false }
    }
}

/// `user@host` of this process, for the log.
pub fn default_applied_by() -> String {
    let user = std::env::var("USER").or_else(|_| std::env::var("USERNAME")).unwrap_or_else(|_| "unknown".into());
    let host = std::fs::read_to_string("/etc/hostname").map(|h| h.trim().to_string()).unwrap_or_default();
    if host.is_empty() { user } else { format!("{user}@{host}") }
}

/// Which way a run moves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    Upgrade,
    Downgrade,
}

pub struct Migrator<'g> {
    pub graph: &'g RevisionGraph,
    pub tables: VersionTables,
}

fn sorted(mut v: Vec<String>) -> Vec<String> {
    v.sort();
    v
}


impl<'g> Migrator<'g> {
    pub fn new(graph: &'g RevisionGraph, tables: VersionTables) -> Self {
        Migrator { graph, tables }
    }

    /// The version table's raw rows (sorted); empty when the table does not exist yet.
    pub fn current_rows(&self, conn: &mut dyn Connection) -> Result<Vec<String>, DbError> {
        if !conn.table_exists(&self.tables.version)? {
            return Ok(Vec::new());
        }
        self.rows_of_existing_table(conn)
    }

    /// `current_rows` when the table is known to exist (inside a run: one query less per step).
    fn rows_of_existing_table(&self, conn: &mut dyn Connection) -> Result<Vec<String>, DbError> {
        let sql = format!("SELECT version_num FROM {}", conn.dialect().quote_ident(&self.tables.version));
        let rows = conn.query(&sql)?;
        Ok(sorted(rows.into_iter().filter_map(|r| r.into_iter().next().flatten()).collect()))
    }

    /// The database's heads, validated against the graph (and refused when dirty).
    pub fn current(&self, conn: &mut dyn Connection) -> Result<Vec<usize>, Error> {
        self.refuse_if_dirty(conn)?;
        let rows = self.current_rows(conn)?;
        Ok(plan::validate_heads(self.graph, &rows)?)
    }

    /// The log, oldest first.
    pub fn log(&self, conn: &mut dyn Connection) -> Result<Vec<LogEntry>, DbError> {
        self.log_where(conn, "")
    }

    fn log_where(&self, conn: &mut dyn Connection, filter: &str) -> Result<Vec<LogEntry>, DbError> {
        if !conn.table_exists(&self.tables.log)? {
            return Ok(Vec::new());
        }
        let sql = format!(
            "SELECT id, revision, direction, status, checksum, message, script, applied_at, duration_ms, applied_by, tool_version, error FROM {} {filter} ORDER BY id",
            conn.dialect().quote_ident(&self.tables.log)
        );
        let rows = conn.query(&sql)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let s = |i: usize| r.get(i).cloned().flatten();
                LogEntry {
                    id: s(0).and_then(|v| v.parse().ok()).unwrap_or_default(),
                    revision: s(1).unwrap_or_default(),
                    direction: s(2).unwrap_or_default(),
                    status: s(3).unwrap_or_default(),
                    checksum: s(4),
                    message: s(5),
                    script: s(6),
                    applied_at: s(7).unwrap_or_default(),
                    duration_ms: s(8).and_then(|v| v.parse().ok()),
                    applied_by: s(9),
                    tool_version: s(10).unwrap_or_default(),
                    error: s(11),
                }
            })
            .collect())
    }

    fn plan_for(&self, mode: Mode, current: &[usize], target: &[usize], text: &str) -> Result<Plan, Error> {
        Ok(match mode {
            Mode::Upgrade => {
                plan::check_upgrade_target(self.graph, current, target, text)?;
                plan::plan_upgrade(self.graph, current, target)
            }
            Mode::Downgrade => plan::plan_downgrade(self.graph, current, target, text)?,
        })
    }

    /// Resolves `target` against the database and returns the plan without running it.
    pub fn plan(&self, conn: &mut dyn Connection, mode: Mode, target: &Target) -> Result<Plan, Error> {
        let current = self.current(conn)?;
        let resolved = target.resolve(self.graph, &current)?;
        self.plan_for(mode, &current, &resolved, &target.text)
    }

    /// Runs an upgrade or downgrade, one transaction per revision with its version-table
    /// update. A failing revision is rolled back; the ones before it stay applied.
    pub fn run(
        &self,
        conn: &mut dyn Connection,
        mode: Mode,
        target: &Target,
        opts: &RunOptions,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<RunReport, Error> {
        self.with_lock(conn, opts.lock_timeout, on_event, |conn, on_event| self.run_locked(conn, mode, target, opts, on_event))
    }

    /// Runs `work` holding the migration lock — taken first (concurrent `CREATE TABLE IF
    /// NOT EXISTS` races on PostgreSQL), released after, on error too — with the
    /// bookkeeping tables in place.
    fn with_lock<T>(
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

    fn ensure_tables(&self, conn: &mut dyn Connection) -> Result<(), Error> {
        for ddl in conn.dialect().create_version_tables(&self.tables) {
            conn.execute(&ddl)?;
        }
        Ok(())
    }

    fn run_locked(
        &self,
        conn: &mut dyn Connection,
        mode: Mode,
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
        self.refuse_if_dirty(conn)?;
        let changed = self.changed_files(conn)?;
        if !changed.is_empty() {
            return Err(Error::Checksum { changed });
        }
        let rows = self.current_rows(conn)?;
        let mut current = plan::validate_heads(self.graph, &rows)?;
        // Resolve once: a relative target means "relative to where we started".
        let resolved = target.resolve(self.graph, &current)?;
        let mut report = RunReport { heads_before: rows, ..Default::default() };
        let mut plan = self.plan_for(mode, &current, &resolved, &target.text)?;
        let outer = opts.single_transaction && !plan.is_empty();
        if outer {
            if let Some(f) = plan.steps.iter().map(|s| self.graph.rev(s.rev)).find(|f| !f.transactional) {
                return Err(Error::usage(
                    format!("--single-transaction cannot include revision {}, which is marked transactional: false", f.id),
                    Some("upgrade up to the revision before it with --single-transaction, then run the rest without".into()),
                ));
            }
            conn.execute(conn.dialect().begin())?;
        }
        // Refuse a revision the server could not take before running any of the run.
        if let Some((limit, setting)) = conn.max_statement_bytes()? {
            for step in &plan.steps {
                let file = self.graph.rev(step.rev);
                // The log insert carries the whole file, quotes escaped, plus its other columns.
                let needed = file.text.len() + file.text.matches(['\'', '\\']).count() + 4096;
                if needed > limit {
                    if outer {
                        let _ = conn.execute(conn.dialect().rollback());
                    }
                    return Err(Error::TooLarge { rev: file.id.clone(), path: file.path.clone(), bytes: file.text.len(), limit, setting });
                }
            }
        }
        let mut total = plan.steps.len();
        let mut replans = 0usize;
        'replan: loop {
            for step in &plan.steps {
                // Ctrl-C stops here, between revisions, never inside one.
                if crate::interrupt::requested() {
                    let mut applied: Vec<RevisionId> = report.steps.iter().map(|s| s.revision.clone()).collect();
                    if outer {
                        let _ = conn.execute(conn.dialect().rollback());
                        applied.clear();
                    }
                    return Err(Error::Interrupted { applied });
                }
                let index = report.steps.len() + 1;
                let file = self.graph.rev(step.rev);
                on_event(Event::StepStarted { index, total, file, direction: step.direction });
                let started = Instant::now();
                let outcome = match self.apply_step(conn, step, opts, on_event, &report, started, outer) {
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
                    StepOutcome::Done => {}
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
                on_event(Event::StepFinished { index, total, file, direction: step.direction, elapsed });
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

    fn apply_step(
        &self,
        conn: &mut dyn Connection,
        step: &Step,
        opts: &RunOptions,
        on_event: &mut dyn FnMut(Event<'_>),
        report: &RunReport,
        started: Instant,
        in_outer_tx: bool,
    ) -> Result<StepOutcome, Error> {
        let file = self.graph.rev(step.rev);
        let section = match step.direction {
            Direction::Up => &file.upgrade,
            Direction::Down => file.downgrade.as_ref().expect("planner checked downgrade sections"),
        };
        let dialect = conn.dialect();
        // Inside a run-wide transaction the per-revision BEGIN/COMMIT become no-ops.
        let (begin, commit, rollback) = if in_outer_tx { ("", "", "") } else { (dialect.begin(), dialect.commit(), dialect.rollback()) };
        // Atomic: statements and bookkeeping commit together. Otherwise (MySQL DDL, or a
        // revision marked transactional: false) the log says "in progress" first, so a
        // failure halfway leaves a dirty marker instead of a silent partial state.
        let atomic = file.transactional && dialect.capabilities().transactional_ddl;
        if !file.transactional {
            on_event(Event::NonTransactional { file });
        }
        run_tx(conn, begin)?;
        let rows = self.rows_of_existing_table(conn)?;
        let expected: Vec<String> = step.heads_before.iter().map(|h| h.to_string()).collect();
        if rows != expected {
            run_tx(conn, rollback)?;
            return Ok(StepOutcome::Moved(rows));
        }
        let mut marker = None;
        if !atomic {
            let record = self.log_record(file, step.direction, "in_progress", None, None, &opts.applied_by);
            conn.execute(&conn.dialect().log_insert_sql(&self.tables, &record))?;
            run_tx(conn, commit)?;
            let log = conn.dialect().quote_ident(&self.tables.log);
            let q = format!(
                "SELECT MAX(id) FROM {log} WHERE revision = {} AND status = 'in_progress'",
                conn.dialect().quote_literal(file.id.as_str())
            );
            marker = conn.query(&q)?.first().and_then(|r| r.first().cloned().flatten());
        }
        let stmts = sql_split::split(&section.sql);
        let outcome = if atomic {
            let texts: Vec<String> = stmts.iter().map(|s| s.sql.clone()).collect();
            conn.execute_script(&texts)
        } else {
            // One at a time: each may commit, and the marker must say how far it got.
            stmts.iter().enumerate().try_for_each(|(i, s)| conn.execute(&s.sql).map_err(|e| (i, e)))
        };
        if let Err((index, e)) = outcome {
            let stmt = stmts[index].clone();
            {
                let cause = match &e {
                    DbError::Storage { cause, .. } => Some(*cause),
                    _ => None,
                };
                let message = match e {
                    DbError::Query { message, .. } | DbError::Storage { message, .. } => message,
                    other => other.to_string(),
                };
                if atomic {
                    // The revision's statements and version update go away together.
                    let _ = run_tx(conn, rollback);
                } else if let Some(id) = &marker {
                    let log = conn.dialect().quote_ident(&self.tables.log);
                    let upd = format!("UPDATE {log} SET status = 'failed', error = {} WHERE id = {id}", conn.dialect().quote_literal(&message));
                    let _ = conn.execute(&upd);
                }
                return Err(ExecError {
                    rev: file.id.clone(),
                    path: file.path.clone(),
                    line: section.first_line + stmt.line - 1,
                    message,
                    statement: stmt.sql,
                    applied: report.steps.iter().map(|s| s.revision.clone()).collect(),
                    dirty: !atomic,
                    cause,
                }
                .into());
            }
        }
        let duration = started.elapsed().as_millis() as u64;
        if !atomic {
            run_tx(conn, begin)?;
        }
        for op in &step.version_ops {
            conn.execute(&conn.dialect().version_op_sql(&self.tables, op))?;
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
                conn.execute(&format!("UPDATE {log} SET status = 'ok', duration_ms = {duration} WHERE id = {id}"))?;
            }
            None => {
                let now = crate::now_utc_iso();
                let record = self.log_record(file, step.direction, "ok", Some(&now), Some(duration), &opts.applied_by);
                conn.execute(&conn.dialect().log_insert_sql(&self.tables, &record))?;
            }
        }
        run_tx(conn, commit)?;
        Ok(StepOutcome::Done)
    }

    fn log_record<'a>(
        &self,
        file: &'a RevisionFile,
        direction: Direction,
        status: &'a str,
        applied_at: Option<&'a str>,
        duration_ms: Option<u64>,
        applied_by: &'a str,
    ) -> LogRecord<'a> {
        LogRecord {
            revision: file.id.as_str(),
            direction: direction.as_str(),
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

    /// Applied revisions whose file changed since it was applied (compared with the
    /// checksum the log recorded when it was applied, stamped or accepted).
    pub fn changed_files(&self, conn: &mut dyn Connection) -> Result<Vec<crate::error::ChangedFile>, Error> {
        let log = self.log(conn)?;
        let rows = self.current_rows(conn)?;
        let Ok(heads) = plan::validate_heads(self.graph, &rows) else { return Ok(Vec::new()) };
        let applied = self.graph.ancestors_inclusive(&heads);
        let mut recorded: std::collections::HashMap<&str, &LogEntry> = std::collections::HashMap::new();
        for e in &log {
            let counts = matches!(e.direction.as_str(), "up" | "stamp" | "accept") && matches!(e.status.as_str(), "ok" | "resolved-ok");
            if counts && e.checksum.is_some() {
                recorded.insert(e.revision.as_str(), e);
            }
        }
        let mut out = Vec::new();
        for &i in self.graph.topo_order() {
            if !applied[i] {
                continue;
            }
            let f = self.graph.rev(i);
            if let Some(e) = recorded.get(f.id.as_str()) {
                let was = e.checksum.clone().unwrap_or_default();
                if was != f.checksum {
                    out.push(crate::error::ChangedFile {
                        rev: f.id.clone(),
                        path: f.path.clone(),
                        recorded: was,
                        current: f.checksum.clone(),
                        diff: line_diff(e.script.as_deref().unwrap_or(""), &f.text),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Re-records the checksum (and text) of an applied revision after review.
    pub fn accept_change(&self, conn: &mut dyn Connection, rev: &RevisionId, opts: &RunOptions) -> Result<(), Error> {
        let file = self.graph.get(rev).ok_or_else(|| crate::error::TargetError::Unknown { name: rev.to_string(), heads: self.graph.ids(&self.graph.heads()) })?;
        let now = crate::now_utc_iso();
        let mut record = self.log_record(file, Direction::Up, "ok", Some(&now), Some(0), &opts.applied_by);
        record.direction = "accept";
        self.with_lock(conn, opts.lock_timeout, &mut |_| {}, |conn, _| Ok(conn.execute(&conn.dialect().log_insert_sql(&self.tables, &record))?))
    }

    /// The unfinished revision a non-transactional engine left behind, if any.
    pub fn dirty_entry(&self, conn: &mut dyn Connection) -> Result<Option<LogEntry>, DbError> {
        Ok(self.log_where(conn, "WHERE status IN ('in_progress', 'failed')")?.pop())
    }

    fn refuse_if_dirty(&self, conn: &mut dyn Connection) -> Result<(), Error> {
        match self.dirty_entry(conn)? {
            Some(e) => Err(StateError::Dirty { rev: e.revision, direction: e.direction, status: e.status, error: e.error }.into()),
            None => Ok(()),
        }
    }

    /// Records how the user repaired a dirty revision: `applied` moves the version
    /// table as if the step had finished; otherwise it stays where it was.
    pub fn resolve(&self, conn: &mut dyn Connection, applied: bool, opts: &RunOptions) -> Result<LogEntry, Error> {
        self.with_lock(conn, opts.lock_timeout, &mut |_| {}, |conn, _| {
            let entry = self.dirty_entry(conn)?.ok_or(StateError::NotDirty)?;
            let rows = self.current_rows(conn)?;
            let heads = plan::validate_heads(self.graph, &rows)?;
            let rev = RevisionId::parse(&entry.revision)
                .and_then(|id| self.graph.index_of(&id))
                .ok_or_else(|| StateError::UnknownRevision { rev: entry.revision.clone(), heads: self.graph.ids(&self.graph.heads()) })?;
            let d = conn.dialect();
            let mut sql = vec![d.begin().to_string()];
            if applied {
                let ops = if entry.direction == "down" {
                    let mut mask = self.graph.ancestors_inclusive(&heads);
                    mask[rev] = false;
                    plan::down_ops(self.graph, &heads, &mask, rev).0
                } else {
                    plan::up_ops(self.graph, &heads, rev).0
                };
                sql.extend(ops.iter().map(|op| d.version_op_sql(&self.tables, op)));
            }
            let status = if applied { "resolved-ok" } else { "resolved-undo" };
            sql.push(format!("UPDATE {} SET status = '{status}' WHERE id = {}", d.quote_ident(&self.tables.log), entry.id));
            sql.push(d.commit().to_string());
            for s in sql {
                conn.execute(&s)?;
            }
            Ok(entry)
        })
    }

    /// Version-table and log statements recorded with a step.
    fn bookkeeping_sql(
        &self,
        dialect: &dyn Dialect,
        step: &Step,
        applied_at: Option<&str>,
        duration_ms: Option<u64>,
        applied_by: &str,
    ) -> Vec<String> {
        let file = self.graph.rev(step.rev);
        let mut out: Vec<String> =
            step.version_ops.iter().map(|op| dialect.version_op_sql(&self.tables, op)).collect();
        out.push(dialect.log_insert_sql(&self.tables, &self.log_record(file, step.direction, "ok", applied_at, duration_ms, applied_by)));
        out
    }

    /// Offline mode: the SQL an upgrade or downgrade from `from_rows` to `target` would run,
    /// version-table and log statements included, as one script.
    pub fn offline_sql(
        &self,
        dialect: &dyn Dialect,
        mode: Mode,
        from_rows: &[String],
        target: &Target,
    ) -> Result<String, Error> {
        let current = plan::validate_heads(self.graph, from_rows)?;
        let resolved = target.resolve(self.graph, &current)?;
        let plan = self.plan_for(mode, &current, &resolved, &target.text)?;
        let mut out = String::new();
        out.push_str(&format!("-- {} ({}): offline {} to {}\n\n", crate::TOOL_VERSION, dialect.name(),
            if mode == Mode::Upgrade { "upgrade" } else { "downgrade" }, target.text));
        for ddl in dialect.create_version_tables(&self.tables) {
            out.push_str(&ddl);
            out.push_str(";\n");
        }
        out.push('\n');
        for step in &plan.steps {
            let file = self.graph.rev(step.rev);
            let section = match step.direction {
                Direction::Up => &file.upgrade,
                Direction::Down => file.downgrade.as_ref().expect("planner checked"),
            };
            let arrow = match step.direction {
                Direction::Up => format!("{} -> {}", join_or_base(&step.heads_before), file.id),
                Direction::Down => format!("{} -> {}", file.id, join_or_base(&plan_after(step))),
            };
            out.push_str(&format!("-- Running {} {arrow}: {}\n", step.direction.as_str(), file.message));
            if file.transactional {
                out.push_str(&format!("{};\n", dialect.begin()));
            } else {
                out.push_str("-- transactional: false (runs outside a transaction)\n");
            }
            for stmt in sql_split::split(&section.sql) {
                out.push_str(&stmt.sql);
                out.push_str(";\n");
            }
            if !file.transactional {
                out.push_str(&format!("{};\n", dialect.begin()));
            }
            for sql in self.bookkeeping_sql(dialect, step, None, None, "retort --sql") {
                out.push_str(&sql);
                out.push_str(";\n");
            }
            out.push_str(&format!("{};\n\n", dialect.commit()));
        }
        Ok(out)
    }

    /// Offline stamp, or the statements an online stamp runs.
    pub fn stamp_ops(&self, rows: &[String], target: &Target, purge: bool) -> Result<(Vec<VersionOp>, Vec<RevisionId>), Error> {
        // `--purge` realigns a table that may hold unknown rows, so those are tolerated,
        // except by a relative target, which counts from the current rows like `stamp -N`.
        let current = match plan::validate_heads(self.graph, rows) {
            Ok(current) => current,
            Err(_) if purge && !target.is_relative_to_current() => Vec::new(),
            Err(e) => return Err(e.into()),
        };
        let resolved = target.resolve(self.graph, &current)?;
        Ok(plan::plan_stamp(self.graph, rows, &current, &resolved, purge))
    }

    /// The statements that record a stamp: version-table ops and one log row per new head.
    pub fn stamp_sql(&self, dialect: &dyn Dialect, ops: &[VersionOp], heads: &[RevisionId], applied_at: Option<&str>, applied_by: &str) -> Vec<String> {
        let mut out: Vec<String> = ops.iter().map(|op| dialect.version_op_sql(&self.tables, op)).collect();
        for h in heads {
            let file = self.graph.get(h);
            out.push(dialect.log_insert_sql(&self.tables, &LogRecord {
                revision: h.as_str(),
                direction: "stamp",
                status: "ok",
                checksum: file.map(|f| f.checksum.as_str()),
                message: file.map(|f| f.message.as_str()).unwrap_or(""),
                script: file.map(|f| f.text.as_str()),
                applied_at,
                duration_ms: Some(0),
                applied_by,
                tool_version: crate::TOOL_VERSION,
            }));
        }
        if heads.is_empty() {
            out.push(dialect.log_insert_sql(&self.tables, &LogRecord {
                revision: "base", direction: "stamp", status: "ok", checksum: None, message: "", script: None,
                applied_at, duration_ms: Some(0), applied_by, tool_version: crate::TOOL_VERSION,
            }));
        }
        out
    }

    /// Sets the version table to `target` without running any revision.
    pub fn stamp(&self, conn: &mut dyn Connection, target: &Target, purge: bool, opts: &RunOptions) -> Result<RunReport, Error> {
        self.with_lock(conn, opts.lock_timeout, &mut |_| {}, |conn, _| {
            if !purge {
                self.refuse_if_dirty(conn)?;
            }
            conn.execute(conn.dialect().begin())?;
            let rows = self.current_rows(conn)?;
            let (ops, heads) = match self.stamp_ops(&rows, target, purge) {
                Ok(v) => v,
                Err(e) => {
                    let _ = conn.execute(conn.dialect().rollback());
                    return Err(e);
                }
            };
            let now = crate::now_utc_iso();
            for sql in self.stamp_sql(conn.dialect(), &ops, &heads, Some(&now), &opts.applied_by) {
                if let Err(e) = conn.execute(&sql) {
                    let _ = conn.execute(conn.dialect().rollback());
                    return Err(e.into());
                }
            }
            conn.execute(conn.dialect().commit())?;
            Ok(RunReport { heads_before: rows, heads_after: heads.iter().map(|h| h.to_string()).collect(), steps: Vec::new() })
        })
    }
}

/// The first differing lines of two texts, for showing what changed in a file.
pub fn line_diff(old: &str, new: &str) -> Vec<String> {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let mut out: Vec<String> = Vec::new();
    for l in &a[prefix..a.len() - suffix] {
        out.push(format!("- {l}"));
    }
    for l in &b[prefix..b.len() - suffix] {
        out.push(format!("+ {l}"));
    }
    if out.len() > 12 {
        let more = out.len() - 12;
        out.truncate(12);
        out.push(format!("  … {more} more line(s)"));
    }
    if !out.is_empty() {
        out.insert(0, format!("@ line {}", prefix + 1));
    }
    out
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
}

fn join_or_base(ids: &[RevisionId]) -> String {
    if ids.is_empty() {
        "base".into()
    } else {
        ids.iter().map(|i| i.as_str()).collect::<Vec<_>>().join(", ")
    }
}

fn plan_after(step: &Step) -> Vec<RevisionId> {
    step.version_ops
        .iter()
        .filter_map(|op| match op {
            VersionOp::Update { to, .. } => Some(to.clone()),
            VersionOp::Insert { rev } => Some(rev.clone()),
            VersionOp::Delete { .. } => None,
        })
        .collect()
}
