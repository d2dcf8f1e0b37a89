//! Applied revisions are immutable: each file's checksum as applied is in the log;
//! a file that changed since is reported with its changed lines, and can be accepted
//! after review (logged).
use crate::engine::Connection;
use crate::error::Error;
use crate::history::log::{LogDirection, LogEntry, LogStatus};
use crate::history::store::VersionStore;
use crate::plan;
use crate::revision::graph::RevisionGraph;

/// Applied revisions whose file changed since it was applied (compared with the
/// checksum the log recorded when it was applied, stamped or accepted).
pub fn changed_files(
    store: &VersionStore,
    graph: &RevisionGraph,
    conn: &mut dyn Connection,
) -> Result<Vec<crate::error::ChangedFile>, Error> {
    let log = store.log(conn)?;
    let rows = store.current_rows(conn)?;
    let Ok(heads) = plan::validate_heads(graph, &rows) else { return Ok(Vec::new()) };
    let applied = graph.ancestors_inclusive(&heads);
    let mut recorded: std::collections::HashMap<&str, &LogEntry> = std::collections::HashMap::new();
    for e in &log {
        let counts = matches!(
            e.direction(),
            Some(LogDirection::Up | LogDirection::Stamp | LogDirection::Accept)
        ) && matches!(e.status(), Some(LogStatus::Ok | LogStatus::ResolvedOk));
        if counts && e.checksum.is_some() {
            recorded.insert(e.revision.as_str(), e);
        }
    }
    let mut out = Vec::new();
    for &i in graph.topo_order() {
        if !applied[i] {
            continue;
        }
        let f = graph.rev(i);
        if let Some(e) = recorded.get(f.id.as_str()) {
            let was = e.checksum.clone().unwrap_or_default();
            // A squash ran in place of its range (its own text is in the log), or the
            // revision ran as the original before a squash took its file's place.
            let through_squash = graph.shortcut_for(&f.id).is_some_and(|s| s.file.checksum == was);
            let before_squash = !f.replaces.is_empty()
                && !e
                    .script
                    .as_deref()
                    .unwrap_or("")
                    .lines()
                    .any(|l| l.starts_with("-- replaces:"));
            if was != f.checksum && !through_squash && !before_squash {
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

/// The first differing lines of two texts, for showing what changed in a file.
pub fn line_diff(old: &str, new: &str) -> Vec<String> {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix =
        a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
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
