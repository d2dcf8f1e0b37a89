//! Renderings more than one command prints: a revision as a line or as JSON, its tags,
//! the drawing of the graph with the database's revisions marked, autogenerate's sources.
use crate::output::Printer;
use retort::core::RevisionFile;
use retort::ops::autogen::{Source, Sources};
use retort::RevisionGraph;
use serde_json::{json, Value};

/// The documented JSON shape of one revision (README, "JSON output").
pub fn revision_json(graph: &RevisionGraph, i: usize) -> Value {
    let f = graph.rev(i);
    json!({
        "revision": f.id,
        "down_revisions": f.down,
        "message": f.message,
        "created": f.created,
        "branch_labels": f.branch_labels,
        "path": f.path.display().to_string(),
        "is_head": graph.children(i).is_empty(),
        "is_base": graph.parents(i).is_empty(),
        "is_merge": graph.parents(i).len() > 1,
        "is_branch_point": graph.children(i).len() > 1,
        "transactional": f.transactional,
    })
}

/// Alembic's one-line form: `parent -> rev (head) (branchpoint), message`.
pub fn revision_line(graph: &RevisionGraph, i: usize) -> String {
    let f: &RevisionFile = graph.rev(i);
    let parents = if f.down.is_empty() {
        "<base>".to_string()
    } else {
        f.down.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ")
    };
    // Dependencies in parentheses after the parents, as Alembic writes them.
    let deps = if f.depends_on.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            graph
                .ids(graph.dependencies(i))
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!("{parents}{deps} -> {}{}, {}", f.id, tags(graph, i), f.message)
}

/// ` (label) (head) (mergepoint) (branchpoint)` markers.
pub fn tags(graph: &RevisionGraph, i: usize) -> String {
    let f = graph.rev(i);
    let mut s = String::new();
    for l in &f.branch_labels {
        s.push_str(&format!(" ({l})"));
    }
    if graph.children(i).is_empty() {
        s.push_str(" (head)");
    }
    // A dependency neither merges nor branches the history (Alembic marks neither).
    if f.down.len() > 1 {
        s.push_str(" (mergepoint)");
    }
    if graph.children(i).iter().filter(|&&c| !graph.dependencies(c).contains(&i)).count() > 1 {
        s.push_str(" (branchpoint)");
    }
    s
}

/// The database's current revisions, to mark in a drawing; a graph needs no database, so
/// one that cannot be read is a note (and nothing marked), not a failure.
pub fn current_revisions(
    ws: &retort::Workspace,
    graph: &retort::RevisionGraph,
    printer: &Printer,
) -> Vec<usize> {
    match ws
        .connect_existing()
        .and_then(|mut c| retort::Migrator::new(graph, ws.project.tables()).current(c.as_mut()))
    {
        Ok(current) => current,
        // No database yet, or none configured: nothing is applied anywhere to mark.
        Err(
            retort::Error::Db(retort::core::error::DbError::Missing { .. })
            | retort::Error::Config(retort::core::error::ConfigError::NoUrl { .. }),
        ) => Vec::new(),
        Err(e) => {
            printer.note(format!("note: the database's revisions are not marked ({e})"));
            Vec::new()
        }
    }
}

/// `history --graph` and `graph --format ascii`: the lanes, each revision's line, and
/// `(current)` where the database is.
pub fn ascii_drawing(
    graph: &retort::RevisionGraph,
    newest_first: &[usize],
    current: &[usize],
) -> String {
    retort::core::revision::draw::ascii(graph, newest_first)
        .into_iter()
        .map(|line| match line.rev {
            Some(i) => format!(
                "{}  {}{}\n",
                line.art,
                super::render::revision_line(graph, i),
                if current.contains(&i) { " (current)" } else { "" }
            ),
            None => format!("{}\n", line.art),
        })
        .collect()
}

/// With `-v`: where the two schemas came from (the cache, or a scratch database).
pub fn sources_note(printer: &Printer, sources: &Sources) {
    if printer.verbose {
        let say = |s: Source| match s {
            Source::Cache => "from the cache (unchanged since an earlier run)",
            Source::Scratch => "created on a scratch database",
            Source::Incremental => {
                "brought up to date on the project's kept scratch database (only what changed)"
            }
        };
        printer.note(format!("models: {}; head: {}", say(sources.models), say(sources.head)));
    }
}
