//! `retort current`: the revision(s) the database is at.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub fleet: super::fleet::FleetArgs,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    if args.fleet.used() {
        return super::fleet::run(
            retort::core::ops::fleet::FleetOp::Current,
            &args.fleet,
            settings,
            printer,
        );
    }
    let current = retort::ops::graph::current(&settings.workspace()?)?;
    if printer.json {
        printer.json(&current);
        return Ok(0);
    }
    let graph = &current.graph;
    if current.indices.is_empty() {
        printer.line("base (no revision applied)");
    }
    for &i in &current.indices {
        if printer.verbose {
            printer.line(super::render::revision_line(graph, i));
        } else {
            printer.line(format!("{}{}", graph.id(i), super::render::tags(graph, i)));
        }
    }
    Ok(0)
}
