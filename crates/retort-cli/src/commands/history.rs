//! `retort history`: the revisions, newest first (`-r A:B`, `--graph`, `-v`).
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;
use serde_json::json;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Range FROM:TO (either side may be empty).
    #[arg(short = 'r', long, allow_hyphen_values = true)]
    pub rev_range: Option<String>,
    /// Draw the graph's shape beside the list.
    #[arg(long)]
    pub graph: bool,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let graph = ws.graph_for_display()?;
    let selected = retort::core::revision::range::select(&graph, args.rev_range.as_deref())?;
    let newest_first: Vec<usize> =
        graph.topo_order().iter().rev().copied().filter(|&i| selected[i]).collect();
    if printer.json {
        let revs: Vec<_> =
            newest_first.iter().map(|&i| super::render::revision_json(&graph, i)).collect();
        printer.json_value(&json!({ "revisions": revs }));
        return Ok(0);
    }
    let mut out = String::with_capacity(newest_first.len() * 80);
    if args.graph {
        let current = super::render::current_revisions(&ws, &graph, printer);
        if !printer.quiet {
            printer.raw(&super::render::ascii_drawing(&graph, &newest_first, &current));
        }
        return Ok(0);
    }
    for &i in &newest_first {
        if printer.verbose {
            let f = graph.rev(i);
            out.push_str(&format!("Rev: {}{}\n", f.id, super::render::tags(&graph, i)));
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
            out.push_str(&super::render::revision_line(&graph, i));
            out.push('\n');
        }
    }
    if !printer.quiet {
        printer.raw(&out);
    }
    Ok(0)
}
