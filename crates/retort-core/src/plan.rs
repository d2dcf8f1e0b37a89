//! Plans: (graph, the database's heads, a target) → the ordered steps to run and the
//! version-table operations each one implies. Pure functions over values, so upgrade,
//! downgrade, stamp and their `--sql` forms all share one planner.
//!
//! Version-table semantics follow Alembic: one row per applied head. Applying a
//! revision replaces its parents' rows with its own (a merge collapses rows; a new
//! branch adds one); reverting does the reverse.
use crate::error::{StateError, TargetError};
use crate::history::log::LogDirection;
use crate::revision::graph::RevisionGraph;
use crate::revision::id::RevisionId;
use serde::Serialize;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Direction {
    Up,
    Down,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::Up => "up",
            Direction::Down => "down",
        }
    }
}

/// A change to the version table's rows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "op", rename_all = "lowercase")]
pub enum VersionOp {
    Insert { rev: RevisionId },
    Update { from: RevisionId, to: RevisionId },
    Delete { rev: RevisionId },
}

#[derive(Clone, Debug)]
pub struct Step {
    /// Index into the graph.
    pub rev: usize,
    pub direction: Direction,
    pub version_ops: Vec<VersionOp>,
    /// The version table's rows this step expects to find (sorted); a concurrent run
    /// that moved them is detected before the step runs.
    pub heads_before: Vec<RevisionId>,
    /// The rows once `version_ops` ran (sorted); the migrator checks the table against
    /// them before committing, so a version-table statement that missed is caught.
    pub heads_after: Vec<RevisionId>,
    /// A squash run in place of its whole range (`rev` is the range's last revision).
    pub shortcut: Option<usize>,
}

impl Step {
    /// The file whose SQL the step runs: the squash for a collapsed range, else the revision's.
    pub fn file<'g>(&self, graph: &'g RevisionGraph) -> &'g crate::revision::file::RevisionFile {
        match self.shortcut {
            Some(k) => &graph.shortcut(k).file,
            None => graph.rev(self.rev),
        }
    }

    /// The section the step runs: the file's upgrade, or its downgrade (which the planner
    /// made sure exists for every downgrade step).
    pub fn section<'g>(&self, graph: &'g RevisionGraph) -> &'g crate::revision::file::Section {
        let file = self.file(graph);
        match self.direction {
            Direction::Up => &file.upgrade,
            Direction::Down => {
                file.downgrade.as_ref().expect("the planner only plans reversible downgrades")
            }
        }
    }
}

#[derive(Clone, Debug, Default)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// The version table's rows after the last step (sorted).
    pub heads_after: Vec<RevisionId>,
}

impl Plan {
    pub fn is_empty(&self) -> bool {
        self.steps.is_empty()
    }
}

fn sorted_ids(graph: &RevisionGraph, set: &[usize]) -> Vec<RevisionId> {
    let mut ids = graph.ids(set);
    ids.sort();
    ids
}

/// Checks the version table's rows against the graph and returns them as indices.
pub fn validate_heads(graph: &RevisionGraph, rows: &[String]) -> Result<Vec<usize>, StateError> {
    let mut heads = Vec::with_capacity(rows.len());
    for row in rows {
        let found = RevisionId::parse(row).and_then(|id| graph.index_of(&id));
        match found {
            Some(i) => heads.push(i),
            None => {
                return Err(StateError::UnknownRevision {
                    rev: row.clone(),
                    heads: graph.ids(&graph.heads()),
                })
            }
        }
    }
    for &h in &heads {
        let others: Vec<usize> = heads.iter().copied().filter(|&o| o != h).collect();
        let below = graph.walk_strict_ancestors(&others);
        if below[h] {
            let other = others
                .into_iter()
                .find(|&o| graph.walk_strict_ancestors(&[o])[h])
                .expect("some other head descends from h");
            return Err(StateError::Inconsistent {
                rev: graph.id(h).clone(),
                other: graph.id(other).clone(),
            });
        }
    }
    Ok(heads)
}

/// The version-table operations for applying `r` when the heads are `heads`.
pub fn up_ops(graph: &RevisionGraph, heads: &[usize], r: usize) -> (Vec<VersionOp>, Vec<usize>) {
    let replaced: Vec<usize> =
        heads.iter().copied().filter(|h| graph.parents(r).contains(h)).collect();
    let mut ops = Vec::new();
    match replaced.split_first() {
        None => ops.push(VersionOp::Insert { rev: graph.id(r).clone() }),
        Some((&first, rest)) => {
            ops.push(VersionOp::Update { from: graph.id(first).clone(), to: graph.id(r).clone() });
            for &other in rest {
                ops.push(VersionOp::Delete { rev: graph.id(other).clone() });
            }
        }
    }
    let mut new_heads: Vec<usize> =
        heads.iter().copied().filter(|h| !replaced.contains(h)).collect();
    new_heads.push(r);
    (ops, new_heads)
}

/// The version-table operations for reverting head `r`; `applied` must no longer
/// contain `r`.
pub fn down_ops(
    graph: &RevisionGraph,
    heads: &[usize],
    applied: &[bool],
    r: usize,
) -> (Vec<VersionOp>, Vec<usize>) {
    let uncovered: Vec<usize> = graph
        .parents(r)
        .iter()
        .copied()
        .filter(|&p| applied[p] && !graph.children(p).iter().any(|&c| applied[c]))
        .collect();
    let mut ops = Vec::new();
    match uncovered.split_first() {
        None => ops.push(VersionOp::Delete { rev: graph.id(r).clone() }),
        Some((&first, rest)) => {
            ops.push(VersionOp::Update { from: graph.id(r).clone(), to: graph.id(first).clone() });
            for &other in rest {
                ops.push(VersionOp::Insert { rev: graph.id(other).clone() });
            }
        }
    }
    let mut new_heads: Vec<usize> = heads.iter().copied().filter(|&h| h != r).collect();
    new_heads.extend(uncovered);
    (ops, new_heads)
}

/// Refuses an upgrade target below where the database is (`upgrade -1`, `upgrade
/// OLDREV`, `upgrade base`): Alembic refuses it too, and succeeding silently would hide a
/// typo. Base (an empty target) lies below every revision (`below` is then empty).
pub fn check_upgrade_target(
    graph: &RevisionGraph,
    current: &[usize],
    target: &[usize],
    target_text: &str,
) -> Result<(), TargetError> {
    if target.is_empty() && !current.is_empty() {
        return Err(TargetError::BelowCurrent {
            target: target_text.to_string(),
            below: Vec::new(),
            current: graph.ids(current),
        });
    }
    let below_current = graph.walk_strict_ancestors(current);
    let below: Vec<usize> =
        target.iter().copied().filter(|&t| below_current[t] && !current.contains(&t)).collect();
    if below.is_empty() {
        return Ok(());
    }
    Err(TargetError::BelowCurrent {
        target: target_text.to_string(),
        below: graph.ids(&below),
        current: graph.ids(current),
    })
}

/// Every revision needed to reach `target` that is not applied yet, parents first.
pub fn plan_upgrade(graph: &RevisionGraph, current: &[usize], target: &[usize]) -> Plan {
    let applied = graph.ancestors_inclusive(current);
    let wanted = graph.ancestors_inclusive(target);
    let mut heads: Vec<usize> = current.to_vec();
    let mut steps = Vec::new();
    // Revisions a squash already ran.
    let mut done = vec![false; graph.len()];
    for &r in graph.topo_order() {
        if !wanted[r] || applied[r] || done[r] {
            continue;
        }
        let heads_before = sorted_ids(graph, &heads);
        // A squash stands in for its range when the plan runs the whole range: the
        // database is at none of it. One inside it goes on with the originals.
        let shortcut = graph
            .shortcut_starting_at(r)
            .filter(|&k| graph.shortcut(k).chain.iter().all(|&c| wanted[c] && !applied[c]));
        let (ops, new_heads, rev) = match shortcut {
            Some(k) => {
                let chain = &graph.shortcut(k).chain;
                let last = *chain.last().expect("a squash has a range");
                for &c in chain {
                    done[c] = true;
                }
                // The version table moves from the range's parents straight to its end.
                let (ops, heads) = up_ops(graph, &heads, r);
                let to_last = |id: &RevisionId| {
                    if id == graph.id(r) {
                        graph.id(last).clone()
                    } else {
                        id.clone()
                    }
                };
                let ops = ops
                    .into_iter()
                    .map(|op| match op {
                        VersionOp::Insert { rev } => VersionOp::Insert { rev: to_last(&rev) },
                        VersionOp::Update { from, to } => {
                            VersionOp::Update { from, to: to_last(&to) }
                        }
                        delete => delete,
                    })
                    .collect();
                (ops, heads.into_iter().map(|h| if h == r { last } else { h }).collect(), last)
            }
            None => {
                let (ops, heads) = up_ops(graph, &heads, r);
                (ops, heads, r)
            }
        };
        heads = new_heads;
        let heads_after = sorted_ids(graph, &heads);
        steps.push(Step {
            rev,
            direction: Direction::Up,
            version_ops: ops,
            heads_before,
            heads_after,
            shortcut,
        });
    }
    Plan { steps, heads_after: sorted_ids(graph, &heads) }
}

/// Reverts every applied descendant of `target` (everything, for `base`), children first.
pub fn plan_downgrade(
    graph: &RevisionGraph,
    current: &[usize],
    target: &[usize],
    target_text: &str,
) -> Result<Plan, StateError> {
    let applied = graph.ancestors_inclusive(current);
    for &t in target {
        if !applied[t] {
            return Err(StateError::NotAnAncestor {
                target: format!("{target_text} ({})", graph.id(t)),
                current: graph.ids(current),
            });
        }
    }
    // Only the maximal elements of the target matter, and nothing a kept revision stands
    // on is reverted: what goes is what lies above a target and below none of them.
    let target = graph.reduce_to_heads(target);
    // Above a target means on its branch (a revision that merely depends on it stays,
    // as in Alembic), plus whatever depends on a revision that goes.
    let remove: Vec<bool> = if target.is_empty() {
        applied.clone()
    } else {
        let desc = graph.branch_descendants_inclusive(&target);
        let kept = graph.ancestors_inclusive(&target);
        let going: Vec<usize> =
            (0..graph.len()).filter(|&i| applied[i] && desc[i] && !kept[i]).collect();
        let dependents = graph.descendants_inclusive(&going);
        (0..graph.len()).map(|i| applied[i] && dependents[i]).collect()
    };
    revert(graph, current, applied, &remove)
}

/// Reverts `roots` and every applied revision above them (through any edge), children
/// first: `downgrade -N` that walked off the bottom of a branch.
pub fn plan_downgrade_branch(
    graph: &RevisionGraph,
    current: &[usize],
    roots: &[usize],
) -> Result<Plan, StateError> {
    let applied = graph.ancestors_inclusive(current);
    let above = graph.descendants_inclusive(roots);
    let remove: Vec<bool> = (0..graph.len()).map(|i| applied[i] && above[i]).collect();
    revert(graph, current, applied, &remove)
}

/// The steps that revert the `remove` revisions, children first.
fn revert(
    graph: &RevisionGraph,
    current: &[usize],
    mut applied: Vec<bool>,
    remove: &[bool],
) -> Result<Plan, StateError> {
    let mut heads: Vec<usize> = current.to_vec();
    let mut steps = Vec::new();
    for &r in graph.topo_order().iter().rev() {
        if !remove[r] {
            continue;
        }
        let file = graph.rev(r);
        if !file.reversible() {
            return Err(StateError::Irreversible { rev: file.id.clone(), path: file.path.clone() });
        }
        let heads_before = sorted_ids(graph, &heads);
        applied[r] = false;
        let (ops, new_heads) = down_ops(graph, &heads, &applied, r);
        heads = new_heads;
        let heads_after = sorted_ids(graph, &heads);
        steps.push(Step {
            rev: r,
            direction: Direction::Down,
            version_ops: ops,
            heads_before,
            heads_after,
            shortcut: None,
        });
    }
    Ok(Plan { steps, heads_after: sorted_ids(graph, &heads) })
}

/// The version-table operations that record `target` without running anything.
/// Without `purge`, heads on unrelated branches are kept, as in Alembic.
/// `current_rows` are the raw rows, so `--purge` works even when they are unknown.
pub fn plan_stamp(
    graph: &RevisionGraph,
    current_rows: &[String],
    current: &[usize],
    target: &[usize],
    purge: bool,
) -> (Vec<VersionOp>, Vec<RevisionId>) {
    let mut new: Vec<usize> = graph.reduce_to_heads(target);
    if !purge && !target.is_empty() {
        let related_up = graph.ancestors_inclusive(target);
        let related_down = graph.descendants_inclusive(target);
        for &h in current {
            if !related_up[h] && !related_down[h] && !new.contains(&h) {
                new.push(h);
            }
        }
    }
    let new_ids = sorted_ids(graph, &new);
    let mut ops = Vec::new();
    for row in current_rows {
        if !new_ids.iter().any(|n| n.as_str() == row) {
            ops.push(VersionOp::Delete { rev: RevisionId::from_db(row) });
        }
    }
    for n in &new_ids {
        if !current_rows.iter().any(|r| r == n.as_str()) {
            ops.push(VersionOp::Insert { rev: n.clone() });
        }
    }
    (ops, new_ids)
}

impl From<Direction> for LogDirection {
    fn from(d: Direction) -> Self {
        match d {
            Direction::Up => LogDirection::Up,
            Direction::Down => LogDirection::Down,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revision::file::RevisionFile;
    use std::path::Path;

    fn rev(id: &str, down: &[&str]) -> RevisionFile {
        let text = format!(
            "-- revision: {id}\n-- down_revision: {}\n-- message: m\n\n-- +upgrade\n-- +downgrade\n",
            down.join(", ")
        );
        RevisionFile::parse(Path::new("x.sql"), &text).unwrap()
    }

    /// A squash runs in place of its whole range, moving the version table
    /// from the range's parent straight to its end; a database inside the range, or a
    /// plan that needs only part of it, uses the originals. Squashes that do not fit
    /// the graph are refused.
    #[test]
    fn a_squash_stands_in_for_its_whole_range_only() {
        let squash = |down: &str, replaces: &str, id: &str| {
            let text = format!("-- revision: {id}\n-- down_revision: {down}\n-- replaces: {replaces}\n-- message: squash\n\n-- +upgrade\n-- +downgrade\n");
            RevisionFile::parse(Path::new("s.sql"), &text).unwrap()
        };
        let graph = || {
            RevisionGraph::build(vec![
                rev("aa", &[]),
                rev("bb", &["aa"]),
                rev("cc", &["bb"]),
                rev("dd", &["cc"]),
                rev("ee", &["dd"]),
                rev("ff", &[]),
            ])
            .unwrap()
        };
        let mut g = graph();
        g.add_shortcuts(vec![squash("aa", "bb, cc", "dd")]).unwrap();
        let plan = plan_upgrade(&g, &[], &g.heads());
        let shape: Vec<(&str, bool)> =
            plan.steps.iter().map(|s| (g.id(s.rev).as_str(), s.shortcut.is_some())).collect();
        assert_eq!(shape, vec![("aa", false), ("dd", true), ("ee", false), ("ff", false)]);
        assert_eq!(
            plan.steps[1].version_ops,
            vec![VersionOp::Update {
                from: RevisionId::parse("aa").unwrap(),
                to: RevisionId::parse("dd").unwrap()
            }]
        );
        assert_eq!(plan.steps[1].file(&g).message, "squash");
        assert_eq!(names(&plan.heads_after), ["ee", "ff"]);
        // Inside the range, or only part of it wanted: the originals.
        let plan = plan_upgrade(&g, &[idx(&g, "bb")], &[idx(&g, "ee")]);
        assert!(plan.steps.iter().all(|s| s.shortcut.is_none()) && plan.steps.len() == 3);
        let plan = plan_upgrade(&g, &[idx(&g, "aa")], &[idx(&g, "cc")]);
        assert!(plan.steps.iter().all(|s| s.shortcut.is_none()) && plan.steps.len() == 2);
        // Wrong parent, a gap in the run, a revision that is not there.
        assert!(graph().add_shortcuts(vec![squash("ff", "bb, cc", "dd")]).is_err());
        assert!(graph().add_shortcuts(vec![squash("aa", "bb", "dd")]).is_err());
        assert!(graph().add_shortcuts(vec![squash("aa", "bb, zz", "dd")]).is_err());
        // A finished squash may not share versions/ with a revision it replaces.
        assert!(RevisionGraph::build(vec![
            rev("aa", &[]),
            rev("bb", &["aa"]),
            squash("aa", "bb", "cc")
        ])
        .is_err());
    }

    fn idx(g: &RevisionGraph, id: &str) -> usize {
        g.index_of(&RevisionId::parse(id).unwrap()).unwrap()
    }

    fn names(ids: &[RevisionId]) -> Vec<&str> {
        ids.iter().map(|i| i.as_str()).collect()
    }

    /// Applies version ops to a row set, as the database would.
    fn apply(rows: &mut Vec<String>, ops: &[VersionOp]) {
        for op in ops {
            match op {
                VersionOp::Insert { rev } => rows.push(rev.to_string()),
                VersionOp::Update { from, to } => {
                    let pos =
                        rows.iter().position(|r| r == from.as_str()).expect("row to update exists");
                    rows[pos] = to.to_string();
                }
                VersionOp::Delete { rev } => {
                    let before = rows.len();
                    rows.retain(|r| r != rev.as_str());
                    assert_eq!(rows.len() + 1, before, "row to delete exists");
                }
            }
        }
        rows.sort();
    }

    /// What Alembic 1.x does with `depends_on` (observed: `alembic upgrade` /
    /// `downgrade` on SQLite with these four revisions): the dependency is applied
    /// first and its row merges into the dependent's; downgrading the dependency's
    /// branch leaves the dependent, which still implies it, alone.
    #[test]
    fn depends_on_is_applied_first_and_recorded_as_alembic_records_it() {
        let dep = |id: &str, down: &str, on: &str| {
            let text = format!("-- revision: {id}\n-- down_revision: {down}\n-- depends_on: {on}\n\n-- +upgrade\n-- +downgrade\n");
            RevisionFile::parse(Path::new("x.sql"), &text).unwrap()
        };
        let mut lib = rev("bbb", &[]);
        lib.branch_labels = vec!["lib".into()];
        let g = RevisionGraph::build(vec![
            rev("aaa", &[]),
            lib,
            dep("ccc", "aaa", "lib"),
            rev("ddd", &["bbb"]),
        ])
        .unwrap();
        assert_eq!(g.dependencies(idx(&g, "ccc")), [idx(&g, "bbb")]);

        let up = plan_upgrade(&g, &[], &[idx(&g, "ccc")]);
        let order: Vec<&str> = up.steps.iter().map(|s| g.id(s.rev).as_str()).collect();
        assert_eq!(order.last(), Some(&"ccc"));
        assert!(order.contains(&"bbb"), "{order:?}");
        let mut rows = Vec::new();
        for s in &up.steps {
            apply(&mut rows, &s.version_ops);
        }
        assert_eq!(rows, ["ccc"]);

        let heads = plan_upgrade(&g, &[idx(&g, "ccc")], &g.heads());
        assert_eq!(names(&heads.heads_after), ["ccc", "ddd"]);
        let down = plan_downgrade(&g, &[idx(&g, "ccc"), idx(&g, "ddd")], &[idx(&g, "bbb")], "bbb")
            .unwrap();
        assert_eq!(down.steps.len(), 1);
        assert_eq!(names(&down.heads_after), ["ccc"]);
        // Reverting the dependency itself reverts what depends on it first.
        let gone = plan_downgrade(&g, &[idx(&g, "ccc")], &[idx(&g, "aaa")], "aaa").unwrap();
        let order: Vec<&str> = gone.steps.iter().map(|s| g.id(s.rev).as_str()).collect();
        assert_eq!(order, ["ccc"]);
        let mut rows = vec!["ccc".to_string()];
        for s in &gone.steps {
            apply(&mut rows, &s.version_ops);
        }
        assert_eq!(rows, ["aaa", "bbb"]);
    }

    #[test]
    fn a_dependency_nothing_provides_is_named() {
        let text = "-- revision: ccc\n-- down_revision:\n-- depends_on: nowhere\n\n-- +upgrade\n-- +downgrade\n";
        let f = RevisionFile::parse(Path::new("ccc.sql"), text).unwrap();
        match RevisionGraph::build(vec![f]) {
            Err(crate::error::GraphError::MissingParent { missing, .. }) => {
                assert_eq!(missing.as_str(), "nowhere")
            }
            other => panic!("{other:?}"),
        }
    }

    fn diamond() -> RevisionGraph {
        RevisionGraph::build(vec![
            rev("a", &[]),
            rev("b", &["a"]),
            rev("c", &["a"]),
            rev("m", &["b", "c"]),
        ])
        .unwrap()
    }

    #[test]
    fn upgrade_through_a_diamond_collapses_rows() {
        let g = diamond();
        let plan = plan_upgrade(&g, &[], &[idx(&g, "m")]);
        let mut rows = Vec::new();
        for s in &plan.steps {
            assert_eq!(
                names(&s.heads_before),
                rows.iter().map(|r: &String| r.as_str()).collect::<Vec<_>>()
            );
            apply(&mut rows, &s.version_ops);
        }
        assert_eq!(rows, vec!["m"]);
        assert_eq!(names(&plan.heads_after), vec!["m"]);
        assert_eq!(plan.steps.len(), 4);
    }

    #[test]
    fn upgrading_one_branch_then_the_other_gives_two_rows() {
        let g = diamond();
        let p1 = plan_upgrade(&g, &[], &[idx(&g, "b")]);
        assert_eq!(names(&p1.heads_after), vec!["b"]);
        let p2 = plan_upgrade(&g, &[idx(&g, "b")], &[idx(&g, "c")]);
        assert_eq!(p2.steps.len(), 1);
        assert_eq!(
            p2.steps[0].version_ops,
            vec![VersionOp::Insert { rev: RevisionId::parse("c").unwrap() }]
        );
        assert_eq!(names(&p2.heads_after), vec!["b", "c"]);
    }

    #[test]
    fn downgrading_a_merge_splits_rows_and_base_clears() {
        let g = diamond();
        let p = plan_downgrade(&g, &[idx(&g, "m")], &[idx(&g, "b")], "b").unwrap();
        assert_eq!(p.steps.len(), 1);
        assert_eq!(names(&p.heads_after), vec!["b", "c"]);
        let mut rows = vec!["m".to_string()];
        apply(&mut rows, &p.steps[0].version_ops);
        assert_eq!(rows, vec!["b", "c"]);

        let p = plan_downgrade(&g, &[idx(&g, "m")], &[], "base").unwrap();
        let mut rows = vec!["m".to_string()];
        for s in &p.steps {
            apply(&mut rows, &s.version_ops);
        }
        assert!(rows.is_empty());
        assert_eq!(p.steps.len(), 4);
        assert_eq!(g.id(p.steps[0].rev).as_str(), "m");
    }

    #[test]
    fn downgrade_to_unapplied_revision_is_an_error() {
        let g = diamond();
        assert!(matches!(
            plan_downgrade(&g, &[idx(&g, "b")], &[idx(&g, "c")], "c"),
            Err(StateError::NotAnAncestor { .. })
        ));
    }

    #[test]
    fn downgrade_only_touches_the_named_branch() {
        let g = RevisionGraph::build(vec![
            rev("a", &[]),
            rev("b1", &["a"]),
            rev("b2", &["b1"]),
            rev("c1", &["a"]),
        ])
        .unwrap();
        let p =
            plan_downgrade(&g, &[idx(&g, "b2"), idx(&g, "c1")], &[idx(&g, "b1")], "b1").unwrap();
        assert_eq!(p.steps.len(), 1);
        assert_eq!(names(&p.heads_after), vec!["b1", "c1"]);
    }

    #[test]
    fn validate_heads_rejects_unknown_and_inconsistent_rows() {
        let g = diamond();
        assert!(matches!(
            validate_heads(&g, &["zzz".into()]),
            Err(StateError::UnknownRevision { .. })
        ));
        assert!(matches!(
            validate_heads(&g, &["a".into(), "m".into()]),
            Err(StateError::Inconsistent { .. })
        ));
        assert_eq!(validate_heads(&g, &["b".into(), "c".into()]).unwrap().len(), 2);
    }

    #[test]
    fn stamp_keeps_unrelated_branches_unless_purged() {
        let g = RevisionGraph::build(vec![rev("a", &[]), rev("b", &["a"]), rev("x", &[])]).unwrap();
        let rows = vec!["a".to_string(), "x".to_string()];
        let cur = vec![idx(&g, "a"), idx(&g, "x")];
        let (_, heads) = plan_stamp(&g, &rows, &cur, &[idx(&g, "b")], false);
        assert_eq!(names(&heads), vec!["b", "x"]);
        let (_, heads) = plan_stamp(&g, &rows, &cur, &[], false);
        assert!(heads.is_empty(), "stamp base clears every row");
        let (ops, heads) = plan_stamp(&g, &rows, &cur, &[idx(&g, "b")], true);
        assert_eq!(names(&heads), vec!["b"]);
        let mut r = rows.clone();
        apply(&mut r, &ops);
        assert_eq!(r, vec!["b"]);
    }

    /// A→B→C→D, A→E, F = merge(D, E).
    fn merged_branches() -> RevisionGraph {
        RevisionGraph::build(vec![
            rev("a", &[]),
            rev("b", &["a"]),
            rev("c", &["b"]),
            rev("d", &["c"]),
            rev("e", &["a"]),
            rev("f", &["d", "e"]),
        ])
        .unwrap()
    }

    #[test]
    fn downgrade_never_reverts_an_ancestor_of_a_kept_target() {
        // The target {c, a} (what a walk of -2 from f used to give) reduces to {c}: b, its
        // ancestor, stays; d and f, above it, go; e is on another branch and stays, as
        // for `downgrade c`.
        let g = merged_branches();
        let p = plan_downgrade(&g, &[idx(&g, "f")], &[idx(&g, "c"), idx(&g, "a")], "-2").unwrap();
        let reverted: Vec<&str> = p.steps.iter().map(|s| g.id(s.rev).as_str()).collect();
        assert!(!reverted.contains(&"b"), "reverted b below the kept c: {reverted:?}");
        assert!(!reverted.contains(&"c"));
        let mut rows = vec!["f".to_string()];
        for s in &p.steps {
            assert_eq!(names(&s.heads_before), rows.iter().map(|r| r.as_str()).collect::<Vec<_>>());
            apply(&mut rows, &s.version_ops);
            assert_eq!(names(&s.heads_after), rows.iter().map(|r| r.as_str()).collect::<Vec<_>>());
        }
        assert_eq!(rows, vec!["c", "e"]);
        assert_eq!(names(&p.heads_after), vec!["c", "e"]);
    }

    #[test]
    fn upgrade_to_a_target_below_the_current_revision_is_refused() {
        let g = merged_branches();
        let err = check_upgrade_target(&g, &[idx(&g, "d")], &[idx(&g, "b")], "-2").unwrap_err();
        assert!(matches!(err, crate::error::TargetError::BelowCurrent { .. }), "{err:?}");
        assert!(check_upgrade_target(&g, &[idx(&g, "d")], &[idx(&g, "d")], "head").is_ok());
        assert!(check_upgrade_target(&g, &[idx(&g, "d")], &[idx(&g, "e")], "e").is_ok());
        assert!(check_upgrade_target(&g, &[], &[idx(&g, "f")], "head").is_ok());
        // Base is below every revision (`upgrade base`, `upgrade -2` from the second).
        let err = check_upgrade_target(&g, &[idx(&g, "b")], &[], "base").unwrap_err();
        assert!(err.to_string().contains("`base` (base) is below"), "{err}");
        assert!(check_upgrade_target(&g, &[], &[], "base").is_ok());
    }

    proptest::proptest! {
        /// Random DAGs: upgrading to heads then downgrading to base leaves no rows, and
        /// every intermediate row set matches what the planner expected.
        #[test]
        fn random_dags_round_trip(edges in proptest::collection::vec(proptest::collection::vec(0usize..1000, 0..3), 1..40)) {
            let mut files = Vec::new();
            for (i, parents) in edges.iter().enumerate() {
                let mut down: Vec<String> = Vec::new();
                if i > 0 {
                    for p in parents { let p = format!("r{}", p % i); if !down.contains(&p) { down.push(p); } }
                }
                let refs: Vec<&str> = down.iter().map(|s| s.as_str()).collect();
                files.push(rev(&format!("r{i}"), &refs));
            }
            let g = RevisionGraph::build(files).unwrap();
            let up = plan_upgrade(&g, &[], &g.heads());
            proptest::prop_assert_eq!(up.steps.len(), g.len());
            let mut rows: Vec<String> = Vec::new();
            for s in &up.steps {
                proptest::prop_assert_eq!(names(&s.heads_before), rows.iter().map(|r| r.as_str()).collect::<Vec<_>>());
                apply(&mut rows, &s.version_ops);
            }
            proptest::prop_assert_eq!(names(&up.heads_after), rows.iter().map(|r| r.as_str()).collect::<Vec<_>>());
            let current = validate_heads(&g, &rows).unwrap();
            let down = plan_downgrade(&g, &current, &[], "base").unwrap();
            for s in &down.steps {
                proptest::prop_assert_eq!(names(&s.heads_before), rows.iter().map(|r| r.as_str()).collect::<Vec<_>>());
                apply(&mut rows, &s.version_ops);
            }
            proptest::prop_assert!(rows.is_empty());
        }
    }
}
