//! `retort revision`: an empty revision to write by hand.
use crate::output::Printer;
use crate::settings::Settings;
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
    let request = retort::ops::revision::RevisionRequest {
        message: &args.message,
        head: args.head.as_deref(),
        branch_labels: args.branch_label.clone(),
        depends_on: args.depends_on.clone(),
        rev_id: args.rev_id.as_deref(),
    };
    let written = retort::ops::revision::revision(&settings.workspace()?, &request)?;
    printer.line(format!("Generated {} ({})", written.path.display(), written.id));
    Ok(0)
}
