//! `retort branches`: the branch points of the revision graph.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;
use serde_json::json;

pub fn exec(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let graph = settings.workspace()?.graph_for_display()?;
    let points = graph.branch_points();
    if printer.json {
        let list: Vec<_> = points
            .iter()
            .map(|&i| {
                let mut v = super::render::revision_json(&graph, i);
                v["children"] = json!(graph.ids(graph.children(i)));
                v
            })
            .collect();
        printer.json_value(&json!({ "branch_points": list }));
        return Ok(0);
    }
    for &i in &points {
        printer.line(super::render::revision_line(&graph, i));
        for &c in graph.children(i) {
            printer.line(format!(
                "    -> {}{}, {}",
                graph.id(c),
                super::render::tags(&graph, c),
                graph.rev(c).message
            ));
        }
    }
    Ok(0)
}
