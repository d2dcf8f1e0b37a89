//! `status`: where the database is, what is pending, and what is wrong with its state.
use crate::apply::Migrator;
use crate::error::{ChangedFile, Error, StateError};
use crate::history::log::LogStatus;
use crate::ops::graph::RevisionView;
use crate::ops::Workspace;
use crate::plan::{plan_upgrade, validate_heads};
use crate::revision::graph::RevisionGraph;
use crate::revision::id::RevisionId;

#[derive(Debug, serde::Serialize)]
pub struct Status {
    pub env: String,
    pub url: Option<String>,
    pub protected: bool,
    /// The version table's rows.
    pub current: Vec<String>,
    pub heads: Vec<RevisionId>,
    /// Revisions `upgrade heads` would apply, in order.
    pub pending: Vec<RevisionView>,
    pub up_to_date: bool,
    /// Applied files edited since they were applied (as `verify` reports them).
    pub changed: Vec<ChangedFile>,
    /// `problem` as the user reads it.
    pub error: Option<String>,
    /// The cluster the server belongs to (Galera node and size), if any.
    pub cluster: Option<String>,
    /// A revision another run is applying right now (it holds the migration lock), said
    /// as such rather than as a dirty database.
    pub in_progress: Option<String>,
    /// Squashes standing in for their ranges for new databases.
    pub squashes: Vec<Squash>,
    #[serde(skip)]
    pub graph: RevisionGraph,
    /// `pending` as graph indices.
    #[serde(skip)]
    pub pending_indices: Vec<usize>,
    /// Why the state is not usable (dirty, unknown or inconsistent rows), if it is not.
    #[serde(skip)]
    pub problem: Option<StateError>,
}

/// A squash file and the revisions it replaces.
#[derive(Debug, serde::Serialize)]
pub struct Squash {
    pub revision: RevisionId,
    pub replaces: Vec<RevisionId>,
    pub path: std::path::PathBuf,
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
    let squashes = graph
        .shortcuts()
        .iter()
        .map(|s| Squash {
            revision: s.file.id.clone(),
            replaces: graph.ids(&s.chain),
            path: s.file.path.clone(),
        })
        .collect();
    Ok(Status {
        env: ws.env.name.clone(),
        url: ws.env.url.as_ref().map(|u| u.to_string()),
        protected: ws.env.protected,
        heads: graph.ids(&graph.heads()),
        pending: pending.iter().map(|&i| RevisionView::of(&graph, i)).collect(),
        up_to_date: problem.is_none() && pending.is_empty() && changed.is_empty(),
        error: problem.as_ref().map(|e| e.to_string()),
        current: rows,
        changed,
        cluster,
        in_progress,
        squashes,
        graph,
        pending_indices: pending,
        problem,
    })
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

impl crate::ops::JsonShape for Status {
    const COMMANDS: &'static [&'static str] = &["status"];
    const SHAPE: &'static str = r#"`{"env", "url", "protected", "current": [ids], "heads": [ids], "pending": [revision objects], "up_to_date": bool, "changed": [{"rev", "path", "recorded", "current", "diff"}], "error": string or null, "cluster": string or null, "in_progress": string or null (a revision another run is applying now), "squashes": [{"revision", "replaces": [ids], "path"}]}`; over a fleet (`--all`, ...) the fleet report instead (see Fleets)"#;
}
