//! `retort current`: the revision(s) the database is at.
use crate::output::Printer;
use crate::settings::Settings;
use retort::{Error, Migrator};
use serde_json::json;

pub fn run(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let graph = ws.graph_for_display()?;
    let migrator = Migrator::new(&graph, ws.project.tables());
    let mut conn = ws.connect_existing()?;
    let heads = migrator.current(conn.as_mut())?;
    if printer.json {
        let revs: Vec<_> = heads.iter().map(|&i| super::revision_json(&graph, i)).collect();
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
            printer.line(super::revision_line(&graph, i));
        } else {
            printer.line(format!("{}{}", graph.id(i), super::tags(&graph, i)));
        }
    }
    Ok(0)
}
