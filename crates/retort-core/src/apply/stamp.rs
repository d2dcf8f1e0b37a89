//! Recording without running revisions: `stamp` (and its offline statements), `resolve`
//! (how a dirty revision was repaired), the log of an adopted database, and accepting a
//! changed applied file after review. Each takes the migration lock like a run.
use crate::apply::lock::with_lock;
use crate::apply::{Migrator, RunOptions, RunReport};
use crate::engine::{Connection, Dialect};
use crate::error::{Error, StateError};
use crate::history::log::{LogDirection, LogEntry, LogRecord, LogStatus};
use crate::history::store::record_of;
use crate::plan::{self, VersionOp};
use crate::revision::id::RevisionId;
use crate::revision::target::Target;

impl Migrator<'_> {
    /// Records how the user repaired a dirty revision: `applied` moves the version
    /// table as if the step had finished; otherwise it stays where it was.
    pub fn resolve(
        &self,
        conn: &mut dyn Connection,
        applied: bool,
        opts: &RunOptions,
    ) -> Result<LogEntry, Error> {
        with_lock(conn, &self.store, opts.lock_timeout, &mut |_| {}, |conn, _| {
            let entry = self.store.dirty_entry(conn)?.ok_or(StateError::NotDirty)?;
            let rows = self.store.current_rows(conn)?;
            let heads = plan::validate_heads(self.graph, &rows)?;
            let rev = RevisionId::parse(&entry.revision)
                .and_then(|id| self.graph.index_of(&id))
                .ok_or_else(|| StateError::UnknownRevision {
                    rev: entry.revision.clone(),
                    heads: self.graph.ids(&self.graph.heads()),
                })?;
            let d = conn.dialect();
            let mut sql = vec![d.begin().to_string()];
            if applied {
                let ops = if entry.direction() == Some(LogDirection::Down) {
                    let mut mask = self.graph.ancestors_inclusive(&heads);
                    mask[rev] = false;
                    plan::down_ops(self.graph, &heads, &mask, rev).0
                } else {
                    plan::up_ops(self.graph, &heads, rev).0
                };
                sql.extend(ops.iter().map(|op| self.store.sql(d).version_op(op)));
            }
            let status =
                if applied { LogStatus::ResolvedOk } else { LogStatus::ResolvedUndo }.as_str();
            sql.push(format!(
                "UPDATE {} SET status = '{status}' WHERE id = {}",
                d.quote_ident(&self.store.tables.log),
                entry.id
            ));
            sql.push(d.commit().to_string());
            for s in sql {
                conn.execute(&s)?;
            }
            Ok(entry)
        })
    }

    /// Records every revision the version table says is applied as applied, with its
    /// checksum and text, without running or moving anything: the log of a database
    /// another tool (Alembic) brought to where it is. Refused when the log has entries.
    pub fn record_adopted(
        &self,
        conn: &mut dyn Connection,
        opts: &RunOptions,
    ) -> Result<Vec<RevisionId>, Error> {
        with_lock(conn, &self.store, opts.lock_timeout, &mut |_| {}, |conn, _| {
            let rows = self.store.current_rows(conn)?;
            let heads = plan::validate_heads(self.graph, &rows)?;
            if !self.store.log(conn)?.is_empty() {
                return Err(StateError::AlreadyManaged { rows }.into());
            }
            self.store.ensure_tables(conn)?;
            let applied = self.graph.ancestors_inclusive(&heads);
            let now = crate::now_utc_iso();
            let d = conn.dialect();
            let mut sql = vec![d.begin().to_string()];
            let mut recorded = Vec::new();
            for &i in self.graph.topo_order().iter().filter(|&&i| applied[i]) {
                let file = self.graph.rev(i);
                sql.push(self.store.sql(d).log_insert(&record_of(
                    file,
                    LogDirection::Stamp,
                    LogStatus::Ok,
                    Some(&now),
                    Some(0),
                    &opts.applied_by,
                )));
                recorded.push(file.id.clone());
            }
            sql.push(d.commit().to_string());
            let rollback = d.rollback().to_string();
            for s in &sql {
                if let Err(e) = conn.execute(s) {
                    let _ = conn.execute(&rollback);
                    return Err(e.into());
                }
            }
            Ok(recorded)
        })
    }

    /// Re-records the checksum (and text) of an applied revision after review.
    pub fn accept_change(
        &self,
        conn: &mut dyn Connection,
        rev: &RevisionId,
        opts: &RunOptions,
    ) -> Result<(), Error> {
        let file = self.graph.get(rev).ok_or_else(|| crate::error::TargetError::Unknown {
            name: rev.to_string(),
            heads: self.graph.ids(&self.graph.heads()),
        })?;
        let now = crate::now_utc_iso();
        let record = record_of(
            file,
            LogDirection::Accept,
            LogStatus::Ok,
            Some(&now),
            Some(0),
            &opts.applied_by,
        );
        with_lock(conn, &self.store, opts.lock_timeout, &mut |_| {}, |conn, _| {
            Ok(conn.execute(&self.store.sql(conn.dialect()).log_insert(&record))?)
        })
    }

    /// Offline stamp, or the statements an online stamp runs.
    pub fn stamp_ops(
        &self,
        rows: &[String],
        target: &Target,
        purge: bool,
    ) -> Result<(Vec<VersionOp>, Vec<RevisionId>), Error> {
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
    /// `how` says in the log whether the live schema was checked (`verified`, `forced`).
    pub fn stamp_sql(
        &self,
        dialect: &dyn Dialect,
        ops: &[VersionOp],
        heads: &[RevisionId],
        applied_at: Option<&str>,
        applied_by: &str,
        how: &str,
    ) -> Vec<String> {
        let mut out: Vec<String> =
            ops.iter().map(|op| self.store.sql(dialect).version_op(op)).collect();
        for h in heads {
            let file = self.graph.get(h);
            let message =
                format!("{} [stamp: {how}]", file.map(|f| f.message.as_str()).unwrap_or(""));
            out.push(self.store.sql(dialect).log_insert(&LogRecord {
                revision: h.as_str(),
                direction: LogDirection::Stamp,
                status: LogStatus::Ok,
                checksum: file.map(|f| f.checksum.as_str()),
                message: &message,
                script: file.map(|f| f.text.as_str()),
                applied_at,
                duration_ms: Some(0),
                applied_by,
                tool_version: crate::TOOL_VERSION,
            }));
        }
        if heads.is_empty() {
            out.push(self.store.sql(dialect).log_insert(&LogRecord {
                revision: "base",
                direction: LogDirection::Stamp,
                status: LogStatus::Ok,
                checksum: None,
                message: "",
                script: None,
                applied_at,
                duration_ms: Some(0),
                applied_by,
                tool_version: crate::TOOL_VERSION,
            }));
        }
        out
    }

    /// Sets the version table to `target` without running any revision; `how` goes into
    /// the log (see [`Self::stamp_sql`]).
    pub fn stamp(
        &self,
        conn: &mut dyn Connection,
        target: &Target,
        purge: bool,
        opts: &RunOptions,
        how: &str,
    ) -> Result<RunReport, Error> {
        with_lock(conn, &self.store, opts.lock_timeout, &mut |_| {}, |conn, _| {
            if !purge {
                self.store.refuse_if_dirty(conn)?;
            }
            conn.execute(conn.dialect().begin())?;
            let rows = self.store.current_rows(conn)?;
            let (ops, heads) = match self.stamp_ops(&rows, target, purge) {
                Ok(v) => v,
                Err(e) => {
                    let _ = conn.execute(conn.dialect().rollback());
                    return Err(e);
                }
            };
            let now = crate::now_utc_iso();
            for sql in
                self.stamp_sql(conn.dialect(), &ops, &heads, Some(&now), &opts.applied_by, how)
            {
                if let Err(e) = conn.execute(&sql) {
                    let _ = conn.execute(conn.dialect().rollback());
                    return Err(e.into());
                }
            }
            conn.execute(conn.dialect().commit())?;
            Ok(RunReport {
                heads_before: rows,
                heads_after: heads.iter().map(|h| h.to_string()).collect(),
                steps: Vec::new(),
            })
        })
    }
}
