//! `retort revision`: an empty revision to write by hand.
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::revision::new;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What the revision does; goes into the file name.
    #[arg(short, long)]
    pub message: String,
    /// Parent revision (default: the single head; `base` starts a new root).
    #[arg(long, value_name = "REV")]
    pub head: Option<String>,
    /// Label the revision's branch.
    #[arg(long, value_name = "LABEL")]
    pub branch_label: Vec<String>,
    /// A revision (or branch label) that must be applied first without being the parent.
    #[arg(long, value_name = "REV")]
    pub depends_on: Vec<String>,
    /// Use this id instead of a random one.
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
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
