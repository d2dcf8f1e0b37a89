//! `retort show REV`: one revision, header and SQL.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    pub rev: String,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let shown = retort::ops::graph::show(&settings.workspace()?, &args.rev)?;
    let graph = &shown.graph;
    for r in &shown.revisions {
        if printer.json {
            printer.json(r);
            continue;
        }
        let (i, f) = (r.index, graph.rev(r.index));
        printer.line(format!("Rev: {}{}", f.id, super::render::tags(graph, i)));
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
