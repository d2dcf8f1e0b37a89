//! `retort branches`: the branch points of the revision graph.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

pub fn exec(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let branches = retort::ops::graph::branches(&settings.workspace()?)?;
    if printer.json {
        printer.json(&branches);
        return Ok(0);
    }
    let graph = &branches.graph;
    for &i in &branches.indices {
        printer.line(super::render::revision_line(graph, i));
        for &c in graph.children(i) {
            printer.line(format!(
                "    -> {}{}, {}",
                graph.id(c),
                super::render::tags(graph, c),
                graph.rev(c).message
            ));
        }
    }
    Ok(0)
}
