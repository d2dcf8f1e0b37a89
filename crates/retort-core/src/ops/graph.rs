//! The revision graph as the read commands show it — `history`, `heads`, `branches`,
//! `show` (no database needed) and `current` (the database's revisions) — each as a value
//! that serialises to its documented JSON shape and keeps the graph for text rendering.
use crate::apply::Migrator;
use crate::error::{ConfigError, DbError, Error};
use crate::ops::Workspace;
use crate::revision::graph::RevisionGraph;
use crate::revision::id::RevisionId;
use crate::revision::target::{resolve_name, Target};
use serde::Serialize;

/// A *revision object* (README, "JSON output").
#[derive(Debug, Clone, Serialize)]
pub struct RevisionView {
    pub revision: RevisionId,
    pub down_revisions: Vec<RevisionId>,
    pub message: String,
    pub created: Option<String>,
    pub branch_labels: Vec<String>,
    pub path: String,
    pub is_head: bool,
    pub is_base: bool,
    pub is_merge: bool,
    pub is_branch_point: bool,
    pub transactional: bool,
}

impl RevisionView {
    pub fn of(graph: &RevisionGraph, i: usize) -> Self {
        let f = graph.rev(i);
        RevisionView {
            revision: f.id.clone(),
            down_revisions: f.down.clone(),
            message: f.message.clone(),
            created: f.created.clone(),
            branch_labels: f.branch_labels.clone(),
            path: f.path.display().to_string(),
            is_head: graph.children(i).is_empty(),
            is_base: graph.parents(i).is_empty(),
            is_merge: graph.parents(i).len() > 1,
            is_branch_point: graph.children(i).len() > 1,
            transactional: f.transactional,
        }
    }

    fn all(graph: &RevisionGraph, set: &[usize]) -> Vec<Self> {
        set.iter().map(|&i| Self::of(graph, i)).collect()
    }
}

/// `history`: `{"revisions": [...]}`, newest first.
#[derive(Debug, Serialize)]
pub struct History {
    #[serde(skip)]
    pub graph: RevisionGraph,
    /// The selected revisions, newest first (graph indices).
    #[serde(skip)]
    pub newest_first: Vec<usize>,
    pub revisions: Vec<RevisionView>,
}

/// `retort history [-r A:B]`.
pub fn history(ws: &Workspace, range: Option<&str>) -> Result<History, Error> {
    let graph = ws.graph_for_display()?;
    let selected = crate::revision::range::select(&graph, range)?;
    let newest_first: Vec<usize> =
        graph.topo_order().iter().rev().copied().filter(|&i| selected[i]).collect();
    let revisions = RevisionView::all(&graph, &newest_first);
    Ok(History { graph, newest_first, revisions })
}

/// `graph` and `history --graph`: the revisions to draw, newest first, and the database's
/// current ones to mark.
#[derive(Debug)]
pub struct Drawing {
    pub graph: RevisionGraph,
    pub newest_first: Vec<usize>,
    pub current: Vec<usize>,
    /// Why nothing is marked although a database is configured (it could not be read):
    /// a graph needs no database, so that is a note, not a failure.
    pub note: Option<String>,
}

/// The revisions of `range` and the database's current revisions, when it can be read.
pub fn drawing(ws: &Workspace, range: Option<&str>) -> Result<Drawing, Error> {
    let History { graph, newest_first, .. } = history(ws, range)?;
    let read = ws
        .connect_existing()
        .and_then(|mut c| Migrator::new(&graph, ws.project.tables()).current(c.as_mut()));
    let (current, note) = match read {
        Ok(current) => (current, None),
        // No database yet, or none configured: nothing is applied anywhere to mark.
        Err(Error::Db(DbError::Missing { .. }) | Error::Config(ConfigError::NoUrl { .. })) => {
            (Vec::new(), None)
        }
        Err(e) => (Vec::new(), Some(format!("the database's revisions are not marked ({e})"))),
    };
    Ok(Drawing { graph, newest_first, current, note })
}

/// `heads`: `{"heads": [...]}`.
#[derive(Debug, Serialize)]
pub struct Heads {
    #[serde(skip)]
    pub graph: RevisionGraph,
    #[serde(skip)]
    pub indices: Vec<usize>,
    pub heads: Vec<RevisionView>,
}

/// `retort heads`.
pub fn heads(ws: &Workspace) -> Result<Heads, Error> {
    let graph = ws.graph_for_display()?;
    let indices = graph.heads();
    let heads = RevisionView::all(&graph, &indices);
    Ok(Heads { graph, indices, heads })
}

/// A branch point: its revision object and its children.
#[derive(Debug, Serialize)]
pub struct BranchPoint {
    #[serde(flatten)]
    pub revision: RevisionView,
    pub children: Vec<RevisionId>,
}

/// `branches`: `{"branch_points": [...]}`.
#[derive(Debug, Serialize)]
pub struct Branches {
    #[serde(skip)]
    pub graph: RevisionGraph,
    #[serde(skip)]
    pub indices: Vec<usize>,
    pub branch_points: Vec<BranchPoint>,
}

/// `retort branches`.
pub fn branches(ws: &Workspace) -> Result<Branches, Error> {
    let graph = ws.graph_for_display()?;
    let indices = graph.branch_points();
    let branch_points = indices
        .iter()
        .map(|&i| BranchPoint {
            revision: RevisionView::of(&graph, i),
            children: graph.ids(graph.children(i)),
        })
        .collect();
    Ok(Branches { graph, indices, branch_points })
}

/// One revision as `show` prints it: its revision object, checksum and SQL.
#[derive(Debug, Serialize)]
pub struct ShownRevision {
    #[serde(flatten)]
    pub revision: RevisionView,
    pub checksum: String,
    pub upgrade: String,
    /// `None` when the revision is irreversible.
    pub downgrade: Option<String>,
    #[serde(skip)]
    pub index: usize,
}

/// `show`: the revisions a name selects (usually one).
#[derive(Debug)]
pub struct Shown {
    pub graph: RevisionGraph,
    pub revisions: Vec<ShownRevision>,
}

/// `retort show REV`: an id, a prefix or a label, or `head`/`heads`/`base` and relative
/// names resolved from base (show needs no database).
pub fn show(ws: &Workspace, name: &str) -> Result<Shown, Error> {
    let graph = ws.graph_for_display()?;
    let set = match name {
        "head" | "heads" | "base" => Target::parse(name)?.resolve(&graph, &[])?,
        name if name.contains(['+', '-', '@']) => Target::parse(name)?.resolve(&graph, &[])?,
        name => vec![resolve_name(&graph, name)?],
    };
    if set.is_empty() {
        return Err(Error::usage(
            format!("`{name}` names no revision"),
            Some("`retort history` lists revisions".into()),
        ));
    }
    let revisions = set
        .into_iter()
        .map(|i| {
            let f = graph.rev(i);
            ShownRevision {
                revision: RevisionView::of(&graph, i),
                checksum: f.checksum.clone(),
                upgrade: f.upgrade.sql.clone(),
                downgrade: f.downgrade.as_ref().map(|d| d.sql.clone()),
                index: i,
            }
        })
        .collect();
    Ok(Shown { graph, revisions })
}

/// `current`: `{"env", "url", "current": [ids], "revisions": [...]}`.
#[derive(Debug, Serialize)]
pub struct Current {
    pub env: String,
    pub url: Option<String>,
    pub current: Vec<RevisionId>,
    pub revisions: Vec<RevisionView>,
    #[serde(skip)]
    pub graph: RevisionGraph,
    #[serde(skip)]
    pub indices: Vec<usize>,
}

/// `retort current`: the database's revisions, validated against the graph.
pub fn current(ws: &Workspace) -> Result<Current, Error> {
    let graph = ws.graph_for_display()?;
    let mut conn = ws.connect_existing()?;
    let indices = Migrator::new(&graph, ws.project.tables()).current(conn.as_mut())?;
    Ok(Current {
        env: ws.env.name.clone(),
        url: ws.env.url.as_ref().map(|u| u.to_string()),
        current: graph.ids(&indices),
        revisions: RevisionView::all(&graph, &indices),
        graph,
        indices,
    })
}

impl crate::ops::JsonShape for Current {
    const COMMANDS: &'static [&'static str] = &["current"];
    const SHAPE: &'static str =
        r#"`{"env", "url", "current": [ids], "revisions": [revision objects]}`"#;
}

impl crate::ops::JsonShape for History {
    const COMMANDS: &'static [&'static str] = &["history"];
    const SHAPE: &'static str = r#"`{"revisions": [revision objects, newest first]}`"#;
}

impl crate::ops::JsonShape for Heads {
    const COMMANDS: &'static [&'static str] = &["heads"];
    const SHAPE: &'static str = r#"`{"heads": [revision objects]}`"#;
}

impl crate::ops::JsonShape for Branches {
    const COMMANDS: &'static [&'static str] = &["branches"];
    const SHAPE: &'static str = r#"`{"branch_points": [revision object + "children": [ids]]}`"#;
}

impl crate::ops::JsonShape for ShownRevision {
    const COMMANDS: &'static [&'static str] = &["show REV"];
    const SHAPE: &'static str =
        r#"revision object + `"checksum"`, `"upgrade"`, `"downgrade"` (null when irreversible)"#;
}
