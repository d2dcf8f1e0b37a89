//! The revision graph drawn in text, newest first, the way `git log --graph` draws
//! commits: one lane per line of descent, `*` for a revision, `|\` where a merge's second
//! parent opens a lane, `|/` where lanes meet again at a branch point. Pure, so
//! `history --graph` (and later `retort graph`) only prints what it returns.
use crate::revision::graph::RevisionGraph;

/// One line of the drawing: the lane art and, for revision lines, the revision.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Line {
    pub art: String,
    pub rev: Option<usize>,
}

/// Draws `order` (newest first; any subset of the graph, e.g. a `-r` range).
pub fn ascii(graph: &RevisionGraph, order: &[usize]) -> Vec<Line> {
    let shown: std::collections::HashSet<usize> = order.iter().copied().collect();
    // Each lane waits for the revision it will print next.
    let mut lanes: Vec<Option<usize>> = Vec::new();
    let mut out = Vec::new();
    let art = |lanes: &[Option<usize>], mark: Option<(usize, char)>| -> String {
        let mut s = String::new();
        for (i, l) in lanes.iter().enumerate() {
            let c = match mark {
                Some((col, ch)) if col == i => ch,
                _ if l.is_some() => '|',
                _ => ' ',
            };
            s.push(c);
            s.push(' ');
        }
        s.trim_end().to_string()
    };
    for &r in order {
        let waiting: Vec<usize> = (0..lanes.len()).filter(|&i| lanes[i] == Some(r)).collect();
        let col = match waiting.first() {
            Some(&c) => c,
            None => match lanes.iter().position(|l| l.is_none()) {
                Some(free) => free,
                None => {
                    lanes.push(None);
                    lanes.len() - 1
                }
            },
        };
        lanes[col] = Some(r);
        // A branch point: the other lanes that waited for it end here.
        if waiting.len() > 1 {
            let mut s = String::new();
            for (i, l) in lanes.iter().enumerate() {
                s.push(if waiting[1..].contains(&i) { '/' } else if l.is_some() { '|' } else { ' ' });
                s.push(' ');
            }
            for &w in &waiting[1..] {
                lanes[w] = None;
            }
            out.push(Line { art: s.trim_end().to_string(), rev: None });
        }
        out.push(Line { art: art(&lanes, Some((col, '*'))), rev: Some(r) });
        let parents: Vec<usize> = graph.parents(r).iter().copied().filter(|p| shown.contains(p)).collect();
        match parents.split_first() {
            None => lanes[col] = None,
            Some((&first, rest)) => {
                lanes[col] = Some(first);
                let mut opened = Vec::new();
                for &p in rest {
                    // A parent another lane already waits for needs no new lane.
                    if lanes.contains(&Some(p)) {
                        continue;
                    }
                    let slot = match lanes.iter().position(|l| l.is_none()) {
                        Some(free) => free,
                        None => {
                            lanes.push(None);
                            lanes.len() - 1
                        }
                    };
                    lanes[slot] = Some(p);
                    opened.push(slot);
                }
                if !opened.is_empty() {
                    let mut s = String::new();
                    for (i, l) in lanes.iter().enumerate() {
                        s.push(if opened.contains(&i) { '\\' } else if l.is_some() { '|' } else { ' ' });
                        s.push(' ');
                    }
                    out.push(Line { art: s.trim_end().to_string(), rev: None });
                }
            }
        }
        while lanes.last() == Some(&None) {
            lanes.pop();
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::revision::file::RevisionFile;
    use std::path::Path;

    fn rev(id: &str, down: &[&str]) -> RevisionFile {
        RevisionFile::parse(Path::new("x.sql"), &format!("-- revision: {id}\n-- down_revision: {}\n-- message: m\n\n-- +upgrade\n-- +downgrade\n", down.join(", "))).unwrap()
    }

    fn drawing(g: &RevisionGraph) -> String {
        let order: Vec<usize> = g.topo_order().iter().rev().copied().collect();
        ascii(g, &order).iter().map(|l| format!("{} {}", l.art, l.rev.map(|r| g.id(r).to_string()).unwrap_or_default()).trim_end().to_string()).collect::<Vec<_>>().join("\n")
    }

    #[test]
    fn a_chain_is_one_lane() {
        let g = RevisionGraph::build(vec![rev("aa", &[]), rev("bb", &["aa"])]).unwrap();
        assert_eq!(drawing(&g), "* bb\n* aa");
    }

    #[test]
    fn a_merge_opens_a_lane_and_the_branch_point_closes_it() {
        let g = RevisionGraph::build(vec![rev("aa", &[]), rev("bb", &["aa"]), rev("cc", &["aa"]), rev("mm", &["bb", "cc"])]).unwrap();
        let d = drawing(&g);
        let lines: Vec<&str> = d.lines().collect();
        assert_eq!(lines.len(), 6, "{d}");
        assert_eq!(lines[0], "* mm");
        assert_eq!(lines[1], "| \\");
        assert!(lines[2].contains('*') && lines[3].contains('*'), "{d}");
        assert_eq!(lines[4], "| /");
        assert_eq!(lines[5], "* aa");
    }

    #[test]
    fn two_heads_stand_side_by_side() {
        let g = RevisionGraph::build(vec![rev("aa", &[]), rev("bb", &["aa"]), rev("cc", &["aa"])]).unwrap();
        let d = drawing(&g);
        assert!(d.lines().any(|l| l.starts_with("| *") || l.starts_with("* |")), "{d}");
        assert!(d.ends_with("* aa"), "{d}");
    }
}
