//! `retort show REV`: one revision, header and SQL.
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::revision::target::resolve_name;
use retort::Error;
use serde_json::json;

#[derive(Debug, clap::Args)]
pub struct Args {
    pub rev: String,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let graph = settings.workspace()?.graph_for_display()?;
    let set = match args.rev.as_str() {
        "head" | "heads" | "base" => retort::Target::parse(&args.rev)?.resolve(&graph, &[])?,
        name if name.contains(['+', '-', '@']) => {
            retort::Target::parse(name)?.resolve(&graph, &[])?
        }
        name => vec![resolve_name(&graph, name)?],
    };
    if set.is_empty() {
        return Err(Error::usage(
            format!("`{}` names no revision", args.rev),
            Some("`retort history` lists revisions".into()),
        ));
    }
    for i in set {
        let f = graph.rev(i);
        if printer.json {
            let mut v = super::render::revision_json(&graph, i);
            v["checksum"] = json!(f.checksum);
            v["upgrade"] = json!(f.upgrade.sql);
            v["downgrade"] = json!(f.downgrade.as_ref().map(|d| d.sql.clone()));
            printer.json_value(&v);
            continue;
        }
        printer.line(format!("Rev: {}{}", f.id, super::render::tags(&graph, i)));
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
