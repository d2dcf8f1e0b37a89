//! `retort heads`: the heads of the revision graph.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

pub fn exec(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let heads = retort::ops::graph::heads(&settings.workspace()?)?;
    if printer.json {
        printer.json(&heads);
        return Ok(0);
    }
    let graph = &heads.graph;
    for &i in &heads.indices {
        if printer.verbose {
            printer.line(super::render::revision_line(graph, i));
        } else {
            printer.line(format!("{}{}", graph.id(i), super::render::tags(graph, i)));
        }
    }
    Ok(0)
}
