//! `status`: where the database is, what is pending, and what is wrong with its state.
use crate::apply::Migrator;
use crate::error::{ChangedFile, Error, StateError};
use crate::history::log::LogStatus;
use crate::ops::Workspace;
use crate::plan::{plan_upgrade, validate_heads};
use crate::revision::graph::RevisionGraph;

pub struct Status {
    pub graph: RevisionGraph,
    /// The version table's rows.
    pub rows: Vec<String>,
    /// Revisions `upgrade heads` would apply (graph indices, in order).
    pub pending: Vec<usize>,
    /// Applied files edited since they were applied (as `verify` reports them).
    pub changed: Vec<ChangedFile>,
    /// Why the state is not usable (dirty, unknown or inconsistent rows), if it is not.
    pub problem: Option<StateError>,
    /// The cluster the server belongs to (Galera node and size), if any.
    pub cluster: Option<String>,
    /// A revision another run is applying right now (it holds the migration lock), said
    /// as such rather than as a dirty database.
    pub in_progress: Option<String>,
}

pub fn status(ws: &Workspace) -> Result<Status, Error> {
    let graph = ws.graph_for_display()?;
    let migrator = Migrator::new(&graph, ws.project.tables());
    let mut conn = ws.connect_existing()?;
    let rows = migrator.store.current_rows(conn.as_mut())?;
    let mut in_progress = None;
    let current = match migrator.store.dirty_entry(conn.as_mut())? {
        Some(e)
            if e.status() == Some(LogStatus::InProgress)
                && another_run_holds_the_lock(conn.as_mut()) =>
        {
            in_progress = Some(format!(
                "revision {} ({}) is in progress by another run (it holds the migration lock)",
                e.revision, e.direction
            ));
            validate_heads(&graph, &rows)
        }
        Some(e) => Err(StateError::Dirty {
            rev: e.revision,
            direction: e.direction,
            status: e.status,
            error: e.error,
        }),
        None => validate_heads(&graph, &rows),
    };
    let (pending, changed, problem) = match current {
        Ok(cur) => (
            plan_upgrade(&graph, &cur, &graph.heads()).steps.iter().map(|s| s.rev).collect(),
            crate::history::verify::changed_files(&migrator.store, migrator.graph, conn.as_mut())?,
            None,
        ),
        Err(e) => (Vec::new(), Vec::new(), Some(e)),
    };
    let cluster = conn.cluster();
    Ok(Status { graph, rows, pending, changed, problem, cluster, in_progress })
}

/// Whether another run holds the migration lock now (tried once, released at once).
fn another_run_holds_the_lock(conn: &mut dyn crate::engine::Connection) -> bool {
    match conn.try_lock(std::time::Duration::ZERO) {
        Ok(true) => {
            let _ = conn.unlock();
            false
        }
        Ok(false) => true,
        Err(_) => false,
    }
}
