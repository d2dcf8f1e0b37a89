//! Read-only views of the revision graph: `history`, `graph`, `heads`, `branches`,
//! `show`. None of them needs a database (`graph` marks the current revisions if it can).
use crate::args::{GraphArgs, GraphFormat, HistoryArgs, ShowArgs};
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::revision::target::resolve_name;
use retort::Error;
use serde_json::json;

pub fn history(args: &HistoryArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let graph = ws.graph_for_display()?;
    let selected = retort::core::revision::range::select(&graph, args.rev_range.as_deref())?;
    let newest_first: Vec<usize> =
        graph.topo_order().iter().rev().copied().filter(|&i| selected[i]).collect();
    if printer.json {
        let revs: Vec<_> = newest_first.iter().map(|&i| super::revision_json(&graph, i)).collect();
        printer.json_value(&json!({ "revisions": revs }));
        return Ok(0);
    }
    let mut out = String::with_capacity(newest_first.len() * 80);
    if args.graph {
        let current = current_revisions(&ws, &graph, printer);
        if !printer.quiet {
            printer.raw(&ascii_drawing(&graph, &newest_first, &current));
        }
        return Ok(0);
    }
    for &i in &newest_first {
        if printer.verbose {
            let f = graph.rev(i);
            out.push_str(&format!("Rev: {}{}\n", f.id, super::tags(&graph, i)));
            out.push_str(&format!(
                "Parent: {}\n",
                if f.down.is_empty() {
                    "<base>".into()
                } else {
                    f.down.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ")
                }
            ));
            if graph.children(i).len() > 1 {
                out.push_str(&format!(
                    "Branches into: {}\n",
                    graph
                        .ids(graph.children(i))
                        .iter()
                        .map(|d| d.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ));
            }
            if !f.branch_labels.is_empty() {
                out.push_str(&format!("Branch names: {}\n", f.branch_labels.join(", ")));
            }
            out.push_str(&format!("Path: {}\n", f.path.display()));
            if let Some(c) = &f.created {
                out.push_str(&format!("Created: {c}\n"));
            }
            out.push_str(&format!("\n    {}\n\n", f.message));
        } else {
            out.push_str(&super::revision_line(&graph, i));
            out.push('\n');
        }
    }
    if !printer.quiet {
        printer.raw(&out);
    }
    Ok(0)
}

/// `retort graph`: the picture of the graph, with the database's current revisions
/// marked when the database can be read (a graph needs no database, so an unreachable
/// one is a note, not a failure).
pub fn graph(args: &GraphArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    use retort::core::revision::draw;
    let ws = settings.workspace()?;
    let graph = ws.graph_for_display()?;
    let selected = retort::core::revision::range::select(&graph, args.rev_range.as_deref())?;
    let newest_first: Vec<usize> =
        graph.topo_order().iter().rev().copied().filter(|&i| selected[i]).collect();
    let current = current_revisions(&ws, &graph, printer);
    let text = match args.format {
        GraphFormat::Mermaid => draw::mermaid(&graph, &newest_first, &current),
        GraphFormat::Dot => draw::dot(&graph, &newest_first, &current),
        GraphFormat::Ascii => ascii_drawing(&graph, &newest_first, &current),
    };
    printer.raw(&text);
    Ok(0)
}

/// The database's current revisions, to mark in a drawing; a graph needs no database, so
/// one that cannot be read is a note (and nothing marked), not a failure.
fn current_revisions(
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
fn ascii_drawing(
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
                super::revision_line(graph, i),
                if current.contains(&i) { " (current)" } else { "" }
            ),
            None => format!("{}\n", line.art),
        })
        .collect()
}

pub fn heads(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let graph = settings.workspace()?.graph_for_display()?;
    let heads = graph.heads();
    if printer.json {
        let revs: Vec<_> = heads.iter().map(|&i| super::revision_json(&graph, i)).collect();
        printer.json_value(&json!({ "heads": revs }));
        return Ok(0);
    }
    for &i in &heads {
        if printer.verbose {
            printer.line(super::revision_line(&graph, i));
        } else {
            printer.line(format!("{}{}", graph.id(i), super::tags(&graph, i)));
        }
    }
    Ok(0)
}

pub fn branches(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let graph = settings.workspace()?.graph_for_display()?;
    let points = graph.branch_points();
    if printer.json {
        let list: Vec<_> = points
            .iter()
            .map(|&i| {
                let mut v = super::revision_json(&graph, i);
                v["children"] = json!(graph.ids(graph.children(i)));
                v
            })
            .collect();
        printer.json_value(&json!({ "branch_points": list }));
        return Ok(0);
    }
    for &i in &points {
        printer.line(super::revision_line(&graph, i));
        for &c in graph.children(i) {
            printer.line(format!(
                "    -> {}{}, {}",
                graph.id(c),
                super::tags(&graph, c),
                graph.rev(c).message
            ));
        }
    }
    Ok(0)
}

pub fn show(args: &ShowArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let graph = settings.workspace()?.graph_for_display()?;
    let set = match args.rev.as_str() {
        "head" | "heads" | "base" => retort::Target::parse(&args.rev)?.resolve(&graph, &[])?,
        name if name.contains(['+', '-', '@']) => {
            retort::Target::parse(name)?.resolve(&graph, &[])?
        }
        name => vec![resolve_name(&graph, name)?],
    };
    if set.is_empty() {
        return Err(Error::usage(
            format!("`{}` names no revision", args.rev),
            Some("`retort history` lists revisions".into()),
        ));
    }
    for i in set {
        let f = graph.rev(i);
        if printer.json {
            let mut v = super::revision_json(&graph, i);
            v["checksum"] = json!(f.checksum);
            v["upgrade"] = json!(f.upgrade.sql);
            v["downgrade"] = json!(f.downgrade.as_ref().map(|d| d.sql.clone()));
            printer.json_value(&v);
            continue;
        }
        printer.line(format!("Rev: {}{}", f.id, super::tags(&graph, i)));
        printer.line(format!(
            "Parent: {}",
            if f.down.is_empty() {
                "<base>".into()
            } else {
                f.down.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ")
            }
        ));
        printer.line(format!("Path: {}", f.path.display()));
        printer.line(format!("Checksum: {}", f.checksum));
        printer.line(format!("Message: {}\n", f.message));
        printer.line(f.text.trim_end());
    }
    Ok(0)
}
