//! Renderings more than one command prints: a revision as a line, its tags, the graph
//! drawn as text lanes with the current revisions marked, autogenerate's sources.
use crate::output::Printer;
use retort::core::RevisionFile;
use retort::ops::autogen::{Source, Sources};
use retort::RevisionGraph;

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
            Source::Fingerprint => {
                "equal by head's recorded fingerprint of these models (nothing read)"
            }
        };
        printer.note(format!("models: {}; head: {}", say(sources.models), say(sources.head)));
    }
}
