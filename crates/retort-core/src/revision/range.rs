//! The one range selection: `A:B` names the revisions that descend from A and lead to B,
//! both inclusive; a missing side, or `base`, is open. `history -r` and `lint` both use it
//! (`lint base:head` once selected nothing because it had its own copy).
use crate::error::TargetError;
use crate::revision::graph::RevisionGraph;
use crate::revision::target::{parse_range, Target};

/// A mask over the graph: `range` as `A:B`; a single target selects exactly what it
/// resolves to; `None` selects everything.
pub fn select(graph: &RevisionGraph, range: Option<&str>) -> Result<Vec<bool>, TargetError> {
    let Some(range) = range else { return Ok(vec![true; graph.len()]) };
    if !range.contains(':') {
        let mut mask = vec![false; graph.len()];
        for i in Target::parse(range)?.resolve(graph, &[])? {
            mask[i] = true;
        }
        return Ok(mask);
    }
    let (from, to) = parse_range(range)?;
    let upper = match to {
        Some(t) => {
            let set = t.resolve(graph, &[])?;
            // `A:base` selects nothing above base; `A:` or `A:heads` everything.
            graph.ancestors_inclusive(&set)
        }
        None => vec![true; graph.len()],
    };
    let lower = match from {
        Some(f) => {
            let set = f.resolve(graph, &[])?;
            if set.is_empty() {
                vec![true; graph.len()]
            } else {
                graph.descendants_inclusive(&set)
            }
        }
        None => vec![true; graph.len()],
    };
    Ok(upper.iter().zip(lower).map(|(a, b)| *a && b).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revision::file::RevisionFile;
    use std::path::Path;

    fn chain() -> RevisionGraph {
        let rev = |id: &str, down: &str| {
            RevisionFile::parse(Path::new("x.sql"), &format!("-- revision: {id}\n-- down_revision: {down}\n-- message: m\n\n-- +upgrade\n-- +downgrade\n")).unwrap()
        };
        RevisionGraph::build(vec![rev("aa", ""), rev("bb", "aa"), rev("cc", "bb")]).unwrap()
    }

    fn count(mask: Vec<bool>) -> usize {
        mask.into_iter().filter(|&b| b).count()
    }

    #[test]
    fn base_to_head_is_everything() {
        let g = chain();
        assert_eq!(count(select(&g, Some("base:head")).unwrap()), 3);
        assert_eq!(count(select(&g, Some(":head")).unwrap()), 3);
        assert_eq!(count(select(&g, Some("bb:")).unwrap()), 2);
        assert_eq!(count(select(&g, Some("aa:bb")).unwrap()), 2);
        assert_eq!(count(select(&g, Some("bb")).unwrap()), 1);
        assert_eq!(count(select(&g, None).unwrap()), 3);
        assert_eq!(count(select(&g, Some("base:base")).unwrap()), 0);
    }
}
