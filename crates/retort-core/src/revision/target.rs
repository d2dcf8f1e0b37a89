//! Revision targets as Alembic accepts them: `head`, `heads`, `base`, full or
//! unambiguous partial ids, branch labels, `LABEL@head`, relative steps (`+2`, `-1`,
//! `head-1`, `ae10+2`) and ranges `A:B`.
//!
//! Parsing is by hand: the grammar is four tokens and a suffix, and errors must quote
//! the user's text, which a parser generator would not make simpler.
use crate::error::TargetError;
use crate::revision::graph::RevisionGraph;
use crate::revision::id::RevisionId;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Anchor {
    /// The database's current revision(s); the anchor of a bare `+N` / `-N`.
    Current,
    Head,
    Heads,
    Base,
    /// An id, a unique id prefix, or a branch label.
    Name(String),
    /// `NAME@head`: the head of the branch that NAME is on.
    BranchHead(String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Target {
    pub text: String,
    pub anchor: Anchor,
    pub delta: i64,
}

impl Target {
    pub fn parse(text: &str) -> Result<Target, TargetError> {
        let invalid =
            |reason: &str| TargetError::Invalid { target: text.to_string(), reason: reason.into() };
        let t = text.trim();
        if t.is_empty() {
            return Err(invalid("empty target"));
        }
        // Split a trailing +N / -N.
        let (body, delta) = match t.rfind(['+', '-']) {
            Some(pos) if t[pos + 1..].bytes().all(|b| b.is_ascii_digit()) && pos + 1 < t.len() => {
                let n: i64 = t[pos + 1..].parse().map_err(|_| invalid("step count too large"))?;
                let n = if &t[pos..pos + 1] == "-" { -n } else { n };
                (&t[..pos], n)
            }
            _ => (t, 0),
        };
        let anchor = match body {
            "" => Anchor::Current,
            "head" => Anchor::Head,
            "heads" => Anchor::Heads,
            "base" => Anchor::Base,
            _ => {
                if let Some(name) = body.strip_suffix("@head") {
                    check_name(name).map_err(|r| invalid(&r))?;
                    Anchor::BranchHead(name.to_string())
                } else {
                    check_name(body).map_err(|r| invalid(&r))?;
                    Anchor::Name(body.to_string())
                }
            }
        };
        if anchor == Anchor::Heads && delta != 0 {
            return Err(invalid("`heads` cannot take a relative step"));
        }
        Ok(Target { text: text.to_string(), anchor, delta })
    }

    /// `+N`/`-N` without an anchor: counted from the database's current revision(s).
    pub fn is_relative_to_current(&self) -> bool {
        self.anchor == Anchor::Current
    }

    /// For `-N` from the current revision that walks off the bottom of its branch: that
    /// branch's root, which goes with everything above it, while revisions of other roots
    /// that it depended on stay (as Alembic does; `REV-N` reaching base and `base` itself
    /// revert everything). `None` for every other target.
    pub fn branch_root_walked_off(
        &self,
        graph: &RevisionGraph,
        current: &[usize],
    ) -> Option<Vec<usize>> {
        if self.anchor != Anchor::Current || self.delta >= 0 {
            return None;
        }
        let reached = step(graph, current.to_vec(), self.delta, &self.text).ok()?;
        let root = step(graph, current.to_vec(), self.delta + 1, &self.text).ok()?;
        (reached.is_empty() && !root.is_empty()).then_some(root)
    }

    /// Resolves to a set of revisions; the empty set means `base`.
    /// `current` is the database's heads (needed only for bare relative steps).
    pub fn resolve(
        &self,
        graph: &RevisionGraph,
        current: &[usize],
    ) -> Result<Vec<usize>, TargetError> {
        let start: Vec<usize> = match &self.anchor {
            Anchor::Current => current.to_vec(),
            Anchor::Head => single_head(graph, &self.text)?.into_iter().collect(),
            Anchor::Heads => graph.heads(),
            Anchor::Base => Vec::new(),
            Anchor::Name(n) => vec![resolve_name(graph, n)?],
            Anchor::BranchHead(n) => {
                // The branch NAME is on: `down_revision` edges only (a revision that
                // merely depends on it is on another branch, as in Alembic).
                let from = resolve_name(graph, n)?;
                let desc = graph.branch_descendants_inclusive(&[from]);
                let heads: Vec<usize> = graph
                    .topo_order()
                    .iter()
                    .copied()
                    .filter(|&r| desc[r] && graph.revising_children(r).is_empty())
                    .collect();
                if heads.len() > 1 {
                    return Err(TargetError::MultipleHeads {
                        heads: graph.ids(&heads),
                        context: format!("`{}`", self.text),
                    });
                }
                heads
            }
        };
        step(graph, start, self.delta, &self.text)
    }
}

fn check_name(name: &str) -> Result<(), String> {
    if name.is_empty() {
        return Err("missing revision name".into());
    }
    if !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-' || b == b'.') {
        return Err(format!("`{name}` is not a revision id or branch label"));
    }
    Ok(())
}

fn single_head(graph: &RevisionGraph, text: &str) -> Result<Option<usize>, TargetError> {
    let heads = graph.heads();
    match heads.len() {
        0 => Ok(None),
        1 => Ok(Some(heads[0])),
        _ => Err(TargetError::MultipleHeads {
            heads: graph.ids(&heads),
            context: format!("`{text}` needs a single head"),
        }),
    }
}

/// An exact id, then an exact branch label, then a unique id prefix.
pub fn resolve_name(graph: &RevisionGraph, name: &str) -> Result<usize, TargetError> {
    if let Some(id) = RevisionId::parse(name) {
        if let Some(i) = graph.index_of(&id) {
            return Ok(i);
        }
    }
    if let Some(i) = graph.label(name) {
        return Ok(i);
    }
    let candidates: Vec<usize> = graph
        .topo_order()
        .iter()
        .copied()
        .filter(|&i| graph.id(i).as_str().starts_with(name))
        .collect();
    match candidates.len() {
        1 => Ok(candidates[0]),
        0 => Err(TargetError::Unknown { name: name.to_string(), heads: graph.ids(&graph.heads()) }),
        _ => {
            let mut ids = graph.ids(&candidates);
            ids.sort();
            Err(TargetError::Ambiguous { name: name.to_string(), candidates: ids })
        }
    }
}

fn step(
    graph: &RevisionGraph,
    mut set: Vec<usize>,
    delta: i64,
    text: &str,
) -> Result<Vec<usize>, TargetError> {
    if delta == 0 {
        return Ok(set);
    }
    if set.len() > 1 {
        return Err(TargetError::MultipleHeads {
            heads: graph.ids(&set),
            context: format!("relative target `{text}` is ambiguous"),
        });
    }
    if delta > 0 {
        for _ in 0..delta {
            let next: Vec<usize> = match set.first() {
                None => graph.revising_bases(),
                Some(&i) => graph.revising_children(i),
            };
            match next.len() {
                1 => set = next,
                0 => {
                    return Err(TargetError::OutOfRange {
                        target: text.to_string(),
                        reason: "past the head".into(),
                    })
                }
                _ => {
                    return Err(TargetError::MultipleHeads {
                        heads: graph.ids(&next),
                        context: format!("relative target `{text}` reaches a branch point; name a branch (LABEL@head or an id)"),
                    })
                }
            }
        }
    } else {
        // The merge the previous step went down through, if any.
        let mut merge: Option<usize> = None;
        for _ in 0..(-delta) {
            if set.is_empty() {
                return Err(TargetError::OutOfRange {
                    target: text.to_string(),
                    reason: "below base".into(),
                });
            }
            // Stepping below a merge's parents would have to pick a branch: refused, as
            // Alembic refuses an ambiguous walk (README, "Relative targets").
            if let (Some(m), true) = (merge, set.len() > 1) {
                return Err(TargetError::AmbiguousWalk {
                    target: text.to_string(),
                    merge: graph.id(m).clone(),
                    parents: graph.ids(&set),
                });
            }
            merge = (set.len() == 1 && graph.revising_parents(set[0]).len() > 1).then(|| set[0]);
            let mut next = Vec::new();
            for &i in &set {
                for p in graph.revising_parents(i) {
                    if !next.contains(&p) {
                        next.push(p);
                    }
                }
            }
            set = next;
        }
    }
    Ok(set)
}

/// `A:B` for `history -r` and offline mode; either side may be empty.
pub fn parse_range(text: &str) -> Result<(Option<Target>, Option<Target>), TargetError> {
    let Some((a, b)) = text.split_once(':') else {
        return Err(TargetError::Invalid {
            target: text.into(),
            reason: "expected a range A:B".into(),
        });
    };
    let side = |s: &str| if s.trim().is_empty() { Ok(None) } else { Target::parse(s).map(Some) };
    Ok((side(a)?, side(b)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revision::file::RevisionFile;
    use std::path::Path;

    fn rev(id: &str, down: &[&str], labels: &str) -> RevisionFile {
        let text = format!(
            "-- revision: {id}\n-- down_revision: {}\n-- message: m\n-- branch_labels: {labels}\n\n-- +upgrade\n-- +downgrade\n",
            down.join(", ")
        );
        RevisionFile::parse(Path::new("x.sql"), &text).unwrap()
    }

    fn graph() -> RevisionGraph {
        // a1 -> a2 -> {b1 (label feat) -> b2, c1}
        RevisionGraph::build(vec![
            rev("aa11", &[], ""),
            rev("aa22", &["aa11"], ""),
            rev("bb11", &["aa22"], "feat"),
            rev("bb22", &["bb11"], ""),
            rev("cc11", &["aa22"], ""),
        ])
        .unwrap()
    }

    fn ids(g: &RevisionGraph, set: Vec<usize>) -> Vec<String> {
        let mut v: Vec<String> = set.into_iter().map(|i| g.id(i).to_string()).collect();
        v.sort();
        v
    }

    fn res(g: &RevisionGraph, t: &str, current: &[&str]) -> Result<Vec<String>, TargetError> {
        let cur: Vec<usize> =
            current.iter().map(|c| g.index_of(&RevisionId::parse(c).unwrap()).unwrap()).collect();
        Target::parse(t)?.resolve(g, &cur).map(|s| ids(g, s))
    }

    #[test]
    fn names_prefixes_labels() {
        let g = graph();
        assert_eq!(res(&g, "aa22", &[]).unwrap(), vec!["aa22"]);
        assert_eq!(res(&g, "bb2", &[]).unwrap(), vec!["bb22"]);
        assert_eq!(res(&g, "feat", &[]).unwrap(), vec!["bb11"]);
        assert_eq!(res(&g, "feat@head", &[]).unwrap(), vec!["bb22"]);
        assert_eq!(res(&g, "base", &[]).unwrap(), Vec::<String>::new());
        assert_eq!(res(&g, "heads", &[]).unwrap(), vec!["bb22", "cc11"]);
        match res(&g, "aa", &[]) {
            Err(TargetError::Ambiguous { candidates, .. }) => assert_eq!(candidates.len(), 2),
            other => panic!("{other:?}"),
        }
        assert!(matches!(res(&g, "zz", &[]), Err(TargetError::Unknown { .. })));
        assert!(matches!(res(&g, "head", &[]), Err(TargetError::MultipleHeads { .. })));
        assert!(matches!(res(&g, "aa22@head", &[]), Err(TargetError::MultipleHeads { .. })));
    }

    #[test]
    fn relative_steps() {
        let g = graph();
        assert_eq!(res(&g, "+1", &[]).unwrap(), vec!["aa11"]);
        assert_eq!(res(&g, "+2", &[]).unwrap(), vec!["aa22"]);
        assert_eq!(res(&g, "+1", &["aa11"]).unwrap(), vec!["aa22"]);
        assert!(matches!(res(&g, "+1", &["aa22"]), Err(TargetError::MultipleHeads { .. })));
        assert_eq!(res(&g, "-1", &["bb22"]).unwrap(), vec!["bb11"]);
        assert_eq!(res(&g, "-1", &["aa11"]).unwrap(), Vec::<String>::new());
        assert!(matches!(res(&g, "-2", &["aa11"]), Err(TargetError::OutOfRange { .. })));
        assert_eq!(res(&g, "feat@head-2", &[]).unwrap(), vec!["aa22"]);
        assert_eq!(res(&g, "aa11+1", &[]).unwrap(), vec!["aa22"]);
        assert!(matches!(res(&g, "bb22+1", &[]), Err(TargetError::OutOfRange { .. })));
        assert!(matches!(res(&g, "-1", &["bb22", "cc11"]), Err(TargetError::MultipleHeads { .. })));
    }

    #[test]
    fn relative_walk_across_a_merge_is_refused_past_the_merge() {
        // a -> b -> c, a -> e, m = merge(c, e)
        let g = RevisionGraph::build(vec![
            rev("aa", &[], ""),
            rev("bb", &["aa"], ""),
            rev("cc", &["bb"], ""),
            rev("ee", &["aa"], ""),
            rev("mm", &["cc", "ee"], ""),
        ])
        .unwrap();
        // One step down from a merge means "undo the merge": both parents.
        assert_eq!(res(&g, "-1", &["mm"]).unwrap(), vec!["cc", "ee"]);
        assert_eq!(res(&g, "head-1", &[]).unwrap(), vec!["cc", "ee"]);
        // Two steps would have to choose a branch: refused, naming the merge.
        match res(&g, "-2", &["mm"]) {
            Err(TargetError::AmbiguousWalk { merge, .. }) => assert_eq!(merge.as_str(), "mm"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(res(&g, "head-3", &[]), Err(TargetError::AmbiguousWalk { .. })));
    }

    #[test]
    fn invalid_syntax() {
        assert!(Target::parse("").is_err());
        assert!(Target::parse("heads+1").is_err());
        assert!(Target::parse("a b").is_err());
        assert!(Target::parse("@head").is_err());
        let (a, b) = parse_range("aa11:head").unwrap();
        assert_eq!(a.unwrap().anchor, Anchor::Name("aa11".into()));
        assert_eq!(b.unwrap().anchor, Anchor::Head);
        assert!(parse_range("nocolon").is_err());
    }

    proptest::proptest! {
        #[test]
        fn parse_never_panics(s in "\\PC{0,20}") {
            let _ = Target::parse(&s);
        }

        #[test]
        fn relative_on_chain_matches_arithmetic(len in 1usize..40, at in 0usize..40, delta in -45i64..45) {
            let at = at % (len + 1); // number applied
            let mut files = vec![rev("r0", &[], "")];
            for i in 1..len { files.push(rev(&format!("r{i}"), &[&format!("r{}", i - 1)], "")); }
            let g = RevisionGraph::build(files).unwrap();
            let current: Vec<usize> = if at == 0 { vec![] } else { vec![g.index_of(&RevisionId::parse(&format!("r{}", at - 1)).unwrap()).unwrap()] };
            let t = Target::parse(&format!("{}{}", if delta >= 0 { "+" } else { "-" }, delta.abs())).unwrap();
            let got = t.resolve(&g, &current);
            let want = at as i64 + delta;
            if want < 0 || want > len as i64 {
                proptest::prop_assert!(got.is_err());
            } else if want == 0 {
                proptest::prop_assert_eq!(got.unwrap(), Vec::<usize>::new());
            } else {
                proptest::prop_assert_eq!(ids(&g, got.unwrap()), vec![format!("r{}", want - 1)]);
            }
        }
    }
}
