//! `retort heads`: the heads of the revision graph.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;
use serde_json::json;

pub fn exec(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let graph = settings.workspace()?.graph_for_display()?;
    let heads = graph.heads();
    if printer.json {
        let revs: Vec<_> = heads.iter().map(|&i| super::render::revision_json(&graph, i)).collect();
        printer.json_value(&json!({ "heads": revs }));
        return Ok(0);
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
