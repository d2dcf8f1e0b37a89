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
                s.push(if waiting[1..].contains(&i) {
                    '/'
                } else if l.is_some() {
                    '|'
                } else {
                    ' '
                });
                s.push(' ');
            }
            for &w in &waiting[1..] {
                lanes[w] = None;
            }
            out.push(Line { art: s.trim_end().to_string(), rev: None });
        }
        out.push(Line { art: art(&lanes, Some((col, '*'))), rev: Some(r) });
        let parents: Vec<usize> =
            graph.parents(r).iter().copied().filter(|p| shown.contains(p)).collect();
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
                        s.push(if opened.contains(&i) {
                            '\\'
                        } else if l.is_some() {
                            '|'
                        } else {
                            ' '
                        });
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

/// The node text of a revision: id, labels, message (one line, shortened).
fn label(graph: &RevisionGraph, i: usize) -> (String, String) {
    let f = graph.rev(i);
    let labels: String = f.branch_labels.iter().map(|l| format!(" ({l})")).collect();
    let mut message: String = f.message.chars().take(60).collect();
    if f.message.chars().count() > 60 {
        message.push('…');
    }
    (format!("{}{labels}", f.id), message)
}

/// Edges among `shown`: (parent, child, is a dependency).
fn edges(graph: &RevisionGraph, shown: &[usize]) -> Vec<(usize, usize, bool)> {
    let set: std::collections::HashSet<usize> = shown.iter().copied().collect();
    let mut out = Vec::new();
    for &c in shown {
        for &p in graph.parents(c) {
            if set.contains(&p) {
                out.push((p, c, graph.dependencies(c).contains(&p)));
            }
        }
    }
    out
}

/// A Mermaid flowchart (renders on GitHub, GitLab and in most Markdown viewers): oldest
/// at the bottom, `depends_on` dotted, the database's `current` revisions highlighted.
pub fn mermaid(graph: &RevisionGraph, order: &[usize], current: &[usize]) -> String {
    // Mermaid's own escapes: quotes as #quot;, and no raw markup characters.
    let esc = |s: &str| s.replace('"', "#quot;").replace('<', "#lt;").replace('>', "#gt;");
    let mut out = String::from("flowchart BT\n");
    for &i in order {
        let (title, message) = label(graph, i);
        out.push_str(&format!(
            "    r_{}[\"{}<br/>{}\"]\n",
            graph.id(i),
            esc(&title),
            esc(&message)
        ));
    }
    for (p, c, dep) in edges(graph, order) {
        out.push_str(&format!(
            "    r_{} {} r_{}\n",
            graph.id(p),
            if dep { "-.->" } else { "-->" },
            graph.id(c)
        ));
    }
    let marked: Vec<String> = current
        .iter()
        .filter(|c| order.contains(c))
        .map(|&c| format!("r_{}", graph.id(c)))
        .collect();
    if !marked.is_empty() {
        out.push_str("    classDef current fill:#d4f7d4,stroke:#2e7d32,stroke-width:2px\n");
        out.push_str(&format!("    class {} current\n", marked.join(",")));
    }
    out
}

/// A Graphviz digraph (`retort graph --format dot | dot -Tsvg`): the same picture.
pub fn dot(graph: &RevisionGraph, order: &[usize], current: &[usize]) -> String {
    let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
    let mut out = String::from(
        "digraph revisions {\n    rankdir=BT;\n    node [shape=box, fontname=\"monospace\"];\n",
    );
    for &i in order {
        let (title, message) = label(graph, i);
        let style = if current.contains(&i) {
            ", style=\"filled,bold\", fillcolor=\"#d4f7d4\""
        } else {
            ""
        };
        out.push_str(&format!(
            "    \"{}\" [label=\"{}\\n{}\"{style}];\n",
            graph.id(i),
            esc(&title),
            esc(&message)
        ));
    }
    for (p, c, dep) in edges(graph, order) {
        out.push_str(&format!(
            "    \"{}\" -> \"{}\"{};\n",
            graph.id(p),
            graph.id(c),
            if dep { " [style=dashed]" } else { "" }
        ));
    }
    out.push_str("}\n");
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
        ascii(g, &order)
            .iter()
            .map(|l| {
                format!("{} {}", l.art, l.rev.map(|r| g.id(r).to_string()).unwrap_or_default())
                    .trim_end()
                    .to_string()
            })
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// A graph with a branch, a merge, a label, a dependency and a current revision,
    /// in both picture formats; the Mermaid text is also checked line by line against
    /// the statements it may contain (node, edge, classDef, class), every edge between
    /// declared nodes.
    #[test]
    fn mermaid_and_dot_draw_branches_merges_labels_dependencies_and_the_current_revision() {
        let mut lib = rev("l", &[]);
        lib.branch_labels = vec!["lib".into()];
        lib.message = "say \"hi\" <b>".into();
        let mut d = rev("d", &["b", "c"]);
        d.depends_on = vec!["l".into()];
        let g =
            RevisionGraph::build(vec![rev("a", &[]), rev("b", &["a"]), rev("c", &["a"]), lib, d])
                .unwrap();
        let order: Vec<usize> = g.topo_order().iter().rev().copied().collect();
        let cur = [g.index_of(&crate::revision::id::RevisionId::parse("d").unwrap()).unwrap()];
        let m = mermaid(&g, &order, &cur);
        assert!(m.starts_with("flowchart BT\n"));
        assert!(m.contains("    r_l[\"l (lib)<br/>say #quot;hi#quot; #lt;b#gt;\"]\n"), "{m}");
        for edge in ["r_a --> r_b", "r_a --> r_c", "r_b --> r_d", "r_c --> r_d", "r_l -.-> r_d"] {
            assert!(m.contains(edge), "{edge} in\n{m}");
        }
        assert!(m.ends_with("    class r_d current\n"), "{m}");
        let mut nodes = std::collections::HashSet::new();
        for line in m.lines().skip(1) {
            let t = line.trim();
            if t.starts_with("classDef current ") || t.starts_with("class ") {
                continue;
            }
            if let Some((id, rest)) = t.split_once("[\"") {
                assert!(rest.ends_with("\"]") && !rest[..rest.len() - 2].contains('"'), "{t}");
                assert!(
                    id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
                        && nodes.insert(id.to_string()),
                    "{t}"
                );
            } else if let [from, arrow, to] = t.split(' ').collect::<Vec<_>>()[..] {
                assert!(
                    ["-->", "-.->"].contains(&arrow) && nodes.contains(from) && nodes.contains(to),
                    "{t}"
                );
            } else {
                panic!("not a node, edge or class statement: {t}");
            }
        }
        let dot = dot(&g, &order, &cur);
        assert!(dot.contains("\"l\" [label=\"l (lib)\\nsay \\\"hi\\\" <b>\"];"), "{dot}");
        assert!(
            dot.contains("\"l\" -> \"d\" [style=dashed];") && dot.contains("\"b\" -> \"d\";"),
            "{dot}"
        );
        assert!(dot.contains("\"d\" [label=\"d\\nm\", style=\"filled,bold\""), "{dot}");
        assert_eq!(dot.matches('{').count(), dot.matches('}').count());
    }

    #[test]
    fn a_chain_is_one_lane() {
        let g = RevisionGraph::build(vec![rev("aa", &[]), rev("bb", &["aa"])]).unwrap();
        assert_eq!(drawing(&g), "* bb\n* aa");
    }

    #[test]
    fn a_merge_opens_a_lane_and_the_branch_point_closes_it() {
        let g = RevisionGraph::build(vec![
            rev("aa", &[]),
            rev("bb", &["aa"]),
            rev("cc", &["aa"]),
            rev("mm", &["bb", "cc"]),
        ])
        .unwrap();
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
        let g = RevisionGraph::build(vec![rev("aa", &[]), rev("bb", &["aa"]), rev("cc", &["aa"])])
            .unwrap();
        let d = drawing(&g);
        assert!(d.lines().any(|l| l.starts_with("| *") || l.starts_with("* |")), "{d}");
        assert!(d.ends_with("* aa"), "{d}");
    }
}
