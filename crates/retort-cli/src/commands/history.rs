//! `retort history`: the revisions, newest first (`-r A:B`, `--graph`, `-v`).
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

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
    if args.graph && !printer.json {
        let drawing = retort::ops::graph::drawing(&ws, args.rev_range.as_deref())?;
        if let Some(note) = &drawing.note {
            printer.note(format!("note: {note}"));
        }
        if !printer.quiet {
            let (graph, shown) = (&drawing.graph, &drawing.newest_first);
            printer.raw(&super::render::ascii_drawing(graph, shown, &drawing.current));
        }
        return Ok(0);
    }
    let history = retort::ops::graph::history(&ws, args.rev_range.as_deref())?;
    if printer.json {
        printer.json(&history);
        return Ok(0);
    }
    let (graph, newest_first) = (&history.graph, &history.newest_first);
    let mut out = String::with_capacity(newest_first.len() * 80);
    for &i in newest_first {
        if printer.verbose {
            let f = graph.rev(i);
            out.push_str(&format!("Rev: {}{}\n", f.id, super::render::tags(graph, i)));
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
            out.push_str(&super::render::revision_line(graph, i));
            out.push('\n');
        }
    }
    if !printer.quiet {
        printer.raw(&out);
    }
    Ok(0)
}
