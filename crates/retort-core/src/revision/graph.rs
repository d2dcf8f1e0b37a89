//! The revision graph: revisions as nodes, `down_revision` as edges to parents.
//!
//! A `depends_on` entry is an edge too, as in Alembic: the dependency is applied
//! first, and a database at the dependent revision is also at the dependency (its
//! version-table row merges into the dependent's, exactly as Alembic writes it).
//! [`RevisionGraph::dependencies`] tells such edges apart for display.
//!
//! Several roots, several heads and merges are all legal, as in Alembic. Every
//! algorithm here is iterative (explicit stacks, Kahn's algorithm) so a chain of
//! 10,000+ revisions cannot overflow the stack.
use crate::error::GraphError;
use crate::revision::file::RevisionFile;
use crate::revision::id::RevisionId;
use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap};

#[derive(Debug)]
pub struct RevisionGraph {
    revs: Vec<RevisionFile>,
    index: HashMap<RevisionId, usize>,
    parents: Vec<Vec<usize>>,
    children: Vec<Vec<usize>>,
    /// Parents before children; ties broken by creation time, then id.
    topo: Vec<usize>,
    labels: HashMap<String, usize>,
    /// The parents that are `depends_on` entries rather than `down_revision`s.
    dependencies: Vec<Vec<usize>>,
    /// Squashes kept beside the revisions they replace (`migrations/squashed/`).
    shortcuts: Vec<Shortcut>,
}

/// A squash (`retort squash`) while the revisions it replaces are still in `versions/`:
/// a database that has none of them runs the squash in their place; one inside the
/// range goes on with the originals. Its file's id is the range's last revision, so the
/// version table reads the same either way; once every database is past the range, the
/// originals are deleted and the squash moves into `versions/` as that revision.
#[derive(Debug)]
pub struct Shortcut {
    pub file: RevisionFile,
    /// The replaced revisions, oldest first; the last is the file's own id.
    pub chain: Vec<usize>,
}

impl RevisionGraph {
    pub fn build(files: Vec<RevisionFile>) -> Result<Self, GraphError> {
        let mut index = HashMap::with_capacity(files.len());
        for (i, f) in files.iter().enumerate() {
            if let Some(&prev) = index.get(&f.id) {
                let first: &RevisionFile = &files[prev];
                return Err(GraphError::Duplicate {
                    id: f.id.clone(),
                    first: first.path.clone(),
                    second: f.path.clone(),
                });
            }
            index.insert(f.id.clone(), i);
        }
        let n = files.len();
        let mut labels = HashMap::new();
        for (i, f) in files.iter().enumerate() {
            for l in &f.branch_labels {
                if let Some(&other) = labels.get(l) {
                    let other: usize = other;
                    return Err(GraphError::DuplicateLabel {
                        label: l.clone(),
                        first: files[other].id.clone(),
                        second: f.id.clone(),
                    });
                }
                labels.insert(l.clone(), i);
            }
        }
        let mut parents = vec![Vec::new(); n];
        let mut dependencies = vec![Vec::new(); n];
        let mut children = vec![Vec::new(); n];
        for (i, f) in files.iter().enumerate() {
            for d in &f.down {
                let Some(&p) = index.get(d) else {
                    return Err(GraphError::MissingParent {
                        missing: d.clone(),
                        referenced_by: f.path.clone(),
                    });
                };
                if !parents[i].contains(&p) {
                    parents[i].push(p);
                    children[p].push(i);
                }
            }
            for d in &f.depends_on {
                let found = RevisionId::parse(d)
                    .and_then(|id| index.get(&id).copied())
                    .or_else(|| labels.get(d).copied());
                let Some(p) = found else {
                    return Err(GraphError::MissingParent {
                        missing: RevisionId::from_db(d),
                        referenced_by: f.path.clone(),
                    });
                };
                if !parents[i].contains(&p) {
                    parents[i].push(p);
                    children[p].push(i);
                    dependencies[i].push(p);
                }
            }
        }
        // Kahn's algorithm with a heap so the order is deterministic.
        let key = |i: usize| (files[i].created.clone().unwrap_or_default(), files[i].id.clone(), i);
        let mut indegree: Vec<usize> = parents.iter().map(|p| p.len()).collect();
        let mut heap: BinaryHeap<Reverse<(String, RevisionId, usize)>> =
            (0..n).filter(|&i| indegree[i] == 0).map(|i| Reverse(key(i))).collect();
        let mut topo = Vec::with_capacity(n);
        while let Some(Reverse((_, _, i))) = heap.pop() {
            topo.push(i);
            for &c in &children[i] {
                indegree[c] -= 1;
                if indegree[c] == 0 {
                    heap.push(Reverse(key(c)));
                }
            }
        }
        if topo.len() < n {
            let mut ids: Vec<RevisionId> =
                (0..n).filter(|&i| indegree[i] > 0).map(|i| files[i].id.clone()).collect();
            ids.sort();
            return Err(GraphError::Cycle { ids });
        }
        // A squash that took its revisions' place (`replaces` in versions/) must not
        // share the graph with any of them.
        for f in &files {
            if let Some(r) = f.replaces.iter().find(|r| index.contains_key(*r)) {
                return Err(GraphError::Squash {
                    path: f.path.clone(),
                    message: format!("it replaces {r}, which is still in versions/; keep the squash in migrations/squashed/ until the files it replaces are deleted"),
                });
            }
        }
        Ok(RevisionGraph {
            revs: files,
            index,
            parents,
            children,
            topo,
            labels,
            dependencies,
            shortcuts: Vec::new(),
        })
    }

    /// Adds the squashes of `migrations/squashed/`, checking each replaces a linear run of
    /// the graph that ends at its own id.
    pub fn add_shortcuts(&mut self, files: Vec<RevisionFile>) -> Result<(), GraphError> {
        for file in files {
            let bad = |message: String| GraphError::Squash { path: file.path.clone(), message };
            let ids: Vec<&RevisionId> =
                file.replaces.iter().chain(std::iter::once(&file.id)).collect();
            let mut chain = Vec::with_capacity(ids.len());
            for id in &ids {
                chain.push(self.index_of(id).ok_or_else(|| bad(format!("it replaces {id}, which is not in versions/ (delete the squash, or move it into versions/ once all the files it replaces are gone)")))?);
            }
            if chain.len() < 2 {
                return Err(bad("a squash replaces at least two revisions (`-- replaces:` lists all but the last)".into()));
            }
            let down: Vec<usize> = file.down.iter().filter_map(|d| self.index_of(d)).collect();
            if down.len() != file.down.len() || self.parents[chain[0]] != down {
                return Err(bad(format!("its down_revision must be the parents of {}", ids[0])));
            }
            for w in chain.windows(2) {
                if self.parents[w[1]] != [w[0]] || self.children[w[0]] != [w[1]] {
                    return Err(bad(format!("{} and {} are not a linear run (a branch, merge or dependency joins it there)", self.id(w[0]), self.id(w[1]))));
                }
            }
            if self.shortcuts.iter().any(|s| s.chain.iter().any(|c| chain.contains(c))) {
                return Err(bad("another squash covers some of the same revisions".into()));
            }
            self.shortcuts.push(Shortcut { file, chain });
        }
        Ok(())
    }

    /// The squash whose run starts at revision `i`.
    pub fn shortcut_starting_at(&self, i: usize) -> Option<usize> {
        self.shortcuts.iter().position(|s| s.chain[0] == i)
    }

    pub fn shortcut(&self, k: usize) -> &Shortcut {
        &self.shortcuts[k]
    }

    /// The squash kept for revision `id` (the last of its range), if any.
    pub fn shortcut_for(&self, id: &RevisionId) -> Option<&Shortcut> {
        self.shortcuts.iter().find(|s| &s.file.id == id)
    }

    pub fn shortcuts(&self) -> &[Shortcut] {
        &self.shortcuts
    }

    pub fn len(&self) -> usize {
        self.revs.len()
    }

    pub fn is_empty(&self) -> bool {
        self.revs.is_empty()
    }

    pub fn rev(&self, i: usize) -> &RevisionFile {
        &self.revs[i]
    }

    pub fn get(&self, id: &RevisionId) -> Option<&RevisionFile> {
        self.index.get(id).map(|&i| &self.revs[i])
    }

    pub fn index_of(&self, id: &RevisionId) -> Option<usize> {
        self.index.get(id).copied()
    }

    pub fn id(&self, i: usize) -> &RevisionId {
        &self.revs[i].id
    }

    pub fn ids(&self, set: &[usize]) -> Vec<RevisionId> {
        set.iter().map(|&i| self.revs[i].id.clone()).collect()
    }

    pub fn parents(&self, i: usize) -> &[usize] {
        &self.parents[i]
    }

    /// The parents of `i` that it depends on (`depends_on`) rather than revises.
    pub fn dependencies(&self, i: usize) -> &[usize] {
        &self.dependencies[i]
    }

    pub fn children(&self, i: usize) -> &[usize] {
        &self.children[i]
    }

    /// The `down_revision` parents of `i` (its dependencies left out): the edges relative
    /// steps and `LABEL@head` follow, as in Alembic.
    pub fn revising_parents(&self, i: usize) -> Vec<usize> {
        self.parents[i].iter().copied().filter(|p| !self.dependencies[i].contains(p)).collect()
    }

    /// The children that revise `i` (name it as `down_revision`), not those that merely
    /// depend on it.
    pub fn revising_children(&self, i: usize) -> Vec<usize> {
        self.children[i].iter().copied().filter(|&c| !self.dependencies[c].contains(&i)).collect()
    }

    /// Revisions without a `down_revision` (roots, even when they depend on another).
    pub fn revising_bases(&self) -> Vec<usize> {
        self.topo.iter().copied().filter(|&i| self.revising_parents(i).is_empty()).collect()
    }

    pub fn label(&self, label: &str) -> Option<usize> {
        self.labels.get(label).copied()
    }

    /// Parents before children.
    pub fn topo_order(&self) -> &[usize] {
        &self.topo
    }

    /// Revisions without children, in topological order.
    pub fn heads(&self) -> Vec<usize> {
        self.topo.iter().copied().filter(|&i| self.children[i].is_empty()).collect()
    }

    /// Revisions without parents.
    pub fn bases(&self) -> Vec<usize> {
        self.topo.iter().copied().filter(|&i| self.parents[i].is_empty()).collect()
    }

    /// Revisions with more than one child.
    pub fn branch_points(&self) -> Vec<usize> {
        self.topo.iter().copied().filter(|&i| self.children[i].len() > 1).collect()
    }

    /// Membership mask of `start` and every ancestor of it.
    pub fn ancestors_inclusive(&self, start: &[usize]) -> Vec<bool> {
        self.walk(start, &self.parents)
    }

    /// Membership mask of `start` and every descendant of it.
    pub fn descendants_inclusive(&self, start: &[usize]) -> Vec<bool> {
        self.walk(start, &self.children)
    }

    /// As [`Self::descendants_inclusive`], through `down_revision` edges only: what
    /// lies above a revision on its own branch, not what merely depends on it.
    pub fn branch_descendants_inclusive(&self, start: &[usize]) -> Vec<bool> {
        let revising: Vec<Vec<usize>> =
            (0..self.revs.len()).map(|i| self.revising_children(i)).collect();
        self.walk(start, &revising)
    }

    fn walk(&self, start: &[usize], edges: &[Vec<usize>]) -> Vec<bool> {
        let mut seen = vec![false; self.revs.len()];
        let mut stack: Vec<usize> = start.to_vec();
        while let Some(i) = stack.pop() {
            if seen[i] {
                continue;
            }
            seen[i] = true;
            stack.extend(edges[i].iter().copied().filter(|&j| !seen[j]));
        }
        seen
    }

    /// The heads among `set`: members that are not an ancestor of another member.
    pub fn reduce_to_heads(&self, set: &[usize]) -> Vec<usize> {
        let mut out = Vec::new();
        for &i in set {
            let others: Vec<usize> = set.iter().copied().filter(|&j| j != i).collect();
            let below = self.walk_strict_ancestors(&others);
            if !below[i] && !out.contains(&i) {
                out.push(i);
            }
        }
        out
    }

    /// Mask of strict ancestors of `start`.
    pub fn walk_strict_ancestors(&self, start: &[usize]) -> Vec<bool> {
        let parents: Vec<usize> =
            start.iter().flat_map(|&i| self.parents[i].iter().copied()).collect();
        self.ancestors_inclusive(&parents)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    pub(crate) fn rev(id: &str, down: &[&str]) -> RevisionFile {
        let text = format!(
            "-- revision: {id}\n-- down_revision: {}\n-- message: m {id}\n\n-- +upgrade\n-- +downgrade\n",
            down.join(", ")
        );
        RevisionFile::parse(Path::new(&format!("{id}.sql")), &text).unwrap()
    }

    fn names(g: &RevisionGraph, set: &[usize]) -> Vec<String> {
        let mut v: Vec<String> = set.iter().map(|&i| g.id(i).to_string()).collect();
        v.sort();
        v
    }

    #[test]
    fn diamond_has_one_head_and_one_branch_point() {
        let g = RevisionGraph::build(vec![
            rev("a", &[]),
            rev("b", &["a"]),
            rev("c", &["a"]),
            rev("d", &["b", "c"]),
        ])
        .unwrap();
        assert_eq!(names(&g, &g.heads()), vec!["d"]);
        assert_eq!(names(&g, &g.bases()), vec!["a"]);
        assert_eq!(names(&g, &g.branch_points()), vec!["a"]);
        let order: Vec<String> = g.topo_order().iter().map(|&i| g.id(i).to_string()).collect();
        assert_eq!(order.first().unwrap(), "a");
        assert_eq!(order.last().unwrap(), "d");
    }

    #[test]
    fn many_roots_and_heads_are_allowed() {
        let g = RevisionGraph::build(vec![rev("a", &[]), rev("b", &[]), rev("c", &["a"])]).unwrap();
        assert_eq!(names(&g, &g.heads()), vec!["b", "c"]);
        assert_eq!(names(&g, &g.bases()), vec!["a", "b"]);
    }

    #[test]
    fn duplicate_missing_and_cycle_are_errors() {
        assert!(matches!(
            RevisionGraph::build(vec![rev("a", &[]), rev("a", &[])]),
            Err(GraphError::Duplicate { .. })
        ));
        match RevisionGraph::build(vec![rev("a", &["zz"])]) {
            Err(GraphError::MissingParent { missing, referenced_by }) => {
                assert_eq!(missing.as_str(), "zz");
                assert_eq!(referenced_by, Path::new("a.sql"));
            }
            other => panic!("{other:?}"),
        }
        match RevisionGraph::build(vec![
            rev("r", &[]),
            rev("a", &["c"]),
            rev("b", &["a"]),
            rev("c", &["b"]),
        ]) {
            Err(GraphError::Cycle { ids }) => assert_eq!(ids.len(), 3),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn deep_chain_of_10000_does_not_overflow() {
        let mut files = vec![rev("r0", &[])];
        for i in 1..10_000 {
            files.push(rev(&format!("r{i}"), &[&format!("r{}", i - 1)]));
        }
        let g = RevisionGraph::build(files).unwrap();
        assert_eq!(names(&g, &g.heads()), vec!["r9999"]);
        let head = g.heads()[0];
        assert_eq!(g.ancestors_inclusive(&[head]).iter().filter(|&&b| b).count(), 10_000);
        let root = g.bases()[0];
        assert_eq!(g.descendants_inclusive(&[root]).iter().filter(|&&b| b).count(), 10_000);
    }

    #[test]
    fn reduce_to_heads_drops_ancestors() {
        let g =
            RevisionGraph::build(vec![rev("a", &[]), rev("b", &["a"]), rev("c", &["a"])]).unwrap();
        let a = g.index_of(&RevisionId::parse("a").unwrap()).unwrap();
        let b = g.index_of(&RevisionId::parse("b").unwrap()).unwrap();
        let c = g.index_of(&RevisionId::parse("c").unwrap()).unwrap();
        assert_eq!(names(&g, &g.reduce_to_heads(&[a, b, c])), vec!["b", "c"]);
    }
}
