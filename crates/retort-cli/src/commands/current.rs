//! `retort current`: the revision(s) the database is at.
use crate::output::Printer;
use crate::settings::Settings;
use retort::{Error, Migrator};
use serde_json::json;

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
    let ws = settings.workspace()?;
    let graph = ws.graph_for_display()?;
    let migrator = Migrator::new(&graph, ws.project.tables());
    let mut conn = ws.connect_existing()?;
    let heads = migrator.current(conn.as_mut())?;
    if printer.json {
        let revs: Vec<_> = heads.iter().map(|&i| super::render::revision_json(&graph, i)).collect();
        printer.json_value(&json!({
            "env": ws.env.name,
            "url": ws.env.url.as_ref().map(|u| u.to_string()),
            "current": graph.ids(&heads),
            "revisions": revs,
        }));
        return Ok(0);
    }
    if heads.is_empty() {
        printer.line("base (no revision applied)");
    }
    for &i in &heads {
        if printer.verbose {
            printer.line(super::render::revision_line(&graph, i));
        } else {
            printer.line(format!("{}{}", graph.id(i), super::render::tags(&graph, i)));
        }
    }
    Ok(0)
}
