//! `retort revision -m MSG`: an empty revision to write by hand.
use crate::args::RevisionArgs;
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::revision::new;
use retort::Error;

pub fn run(args: &RevisionArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let dir = ws.migrations();
    let graph = dir.load_graph()?;
    new::require_message(&args.message)?;
    let down = new::parents(&graph, args.head.as_deref())?;
    let mut revision = new::start(&graph, &dir, &args.message, args.rev_id.as_deref(), down)?;
    revision.branch_labels = args.branch_label.clone();
    revision.depends_on = new::dependencies(&graph, &args.depends_on)?;
    let (id, path) = dir.write(&revision)?;
    printer.line(format!("Generated {} ({id})", path.display()));
    Ok(0)
}
