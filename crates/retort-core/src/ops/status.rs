//! `status`: where the database is, what is pending, and what is wrong with its state.
use crate::apply::Migrator;
use crate::error::{ChangedFile, Error, StateError};
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
}

pub fn status(ws: &Workspace) -> Result<Status, Error> {
    let graph = ws.graph_for_display()?;
    let migrator = Migrator::new(&graph, ws.project.tables());
    let mut conn = ws.connect_existing()?;
    let rows = migrator.current_rows(conn.as_mut())?;
    let current = match migrator.dirty_entry(conn.as_mut())? {
        Some(e) => Err(StateError::Dirty { rev: e.revision, direction: e.direction, status: e.status, error: e.error }),
        None => validate_heads(&graph, &rows),
    };
    let (pending, changed, problem) = match current {
        Ok(cur) => (plan_upgrade(&graph, &cur, &graph.heads()).steps.iter().map(|s| s.rev).collect(), migrator.changed_files(conn.as_mut())?, None),
        Err(e) => (Vec::new(), Vec::new(), Some(e)),
    };
    let cluster = conn.cluster();
    Ok(Status { graph, rows, pending, changed, problem, cluster })
}
