//! Offline mode: the exact statements an online run executes, as one script for a DBA
//! to review and run with the engine's client.
use crate::apply::migrator::Migrator;
use crate::engine::Dialect;
use crate::error::Error;
use crate::plan::{self, Direction, Step, VersionOp};
use crate::revision::id::RevisionId;
use crate::revision::target::Target;

impl Migrator<'_> {
    /// Version-table and log statements recorded with a step.
    fn bookkeeping_sql(
        &self,
        dialect: &dyn Dialect,
        step: &Step,
        applied_at: Option<&str>,
        duration_ms: Option<u64>,
        applied_by: &str,
    ) -> Vec<String> {
        let file = step.file(self.graph);
        let mut out: Vec<String> =
            step.version_ops.iter().map(|op| self.store.sql(dialect).version_op(op)).collect();
        out.push(self.store.sql(dialect).log_insert(&crate::history::store::record_of(
            file,
            step.direction.into(),
            crate::history::log::LogStatus::Ok,
            applied_at,
            duration_ms,
            applied_by,
        )));
        out
    }

    /// Offline stamp: the script that records `target` on a database at base (the
    /// bookkeeping tables, then the version-table and log statements in one transaction).
    pub fn offline_stamp_sql(
        &self,
        dialect: &dyn Dialect,
        target: &Target,
        purge: bool,
    ) -> Result<String, Error> {
        let (ops, heads) = self.stamp_ops(&[], target, purge)?;
        let mut out = String::new();
        if let Some(preamble) = dialect.offline_preamble() {
            out.push_str(preamble);
            out.push('\n');
        }
        for ddl in self.store.sql(dialect).create_tables() {
            out.push_str(&format!("{ddl};\n"));
        }
        out.push_str(&format!("{};\n", dialect.begin()));
        for sql in self.stamp_sql(
            dialect,
            &ops,
            &heads,
            None,
            "retort --sql",
            "offline (--sql), not verified",
        ) {
            out.push_str(&format!("{sql};\n"));
        }
        out.push_str(&format!("{};\n", dialect.commit()));
        Ok(out)
    }

    /// Offline mode: the SQL an upgrade or downgrade from `from_rows` to `target` would run,
    /// version-table and log statements included, as one script.
    pub fn offline_sql(
        &self,
        dialect: &dyn Dialect,
        mode: Direction,
        from_rows: &[String],
        target: &Target,
    ) -> Result<String, Error> {
        let current = plan::validate_heads(self.graph, from_rows)?;
        let plan = self.planner.plan_to(mode, &current, target)?;
        let mut out = String::new();
        if let Some(preamble) = dialect.offline_preamble() {
            out.push_str(preamble);
            out.push('\n');
        }
        out.push_str(&format!(
            "-- {} ({}): offline {} to {}\n\n",
            crate::TOOL_VERSION,
            dialect.name(),
            if mode == Direction::Up { "upgrade" } else { "downgrade" },
            target.text
        ));
        for ddl in self.store.sql(dialect).create_tables() {
            out.push_str(&ddl);
            out.push_str(";\n");
        }
        out.push('\n');
        for step in &plan.steps {
            let file = step.file(self.graph);
            let section = step.section(self.graph);
            let arrow = match step.direction {
                Direction::Up => format!("{} -> {}", join_or_base(&step.heads_before), file.id),
                Direction::Down => format!("{} -> {}", file.id, join_or_base(&plan_after(step))),
            };
            out.push_str(&format!(
                "-- Running {} {arrow}: {}\n",
                step.direction.as_str(),
                file.message
            ));
            // Each `-- +step` in its own transaction (or none), as the online run does;
            // the bookkeeping in a transaction after the last.
            let steps = section.steps(file.transactional);
            let last_in_tx = steps.last().is_none_or(|s| s.transactional);
            for (k, sql_step) in steps.iter().enumerate() {
                if k > 0 && steps[k - 1].transactional {
                    out.push_str(&format!("{};\n", dialect.commit()));
                }
                if sql_step.transactional {
                    out.push_str(&format!("{};\n", dialect.begin()));
                } else {
                    out.push_str("-- transactional: false (runs outside a transaction)\n");
                }
                for stmt in &sql_step.statements {
                    out.push_str(&stmt.sql);
                    out.push_str(";\n");
                }
            }
            if steps.is_empty() || !last_in_tx {
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
