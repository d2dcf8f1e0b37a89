//! `retort merge REV... -m MSG`: a revision joining heads.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Revisions to join (e.g. `heads`).
    #[arg(required = true)]
    pub revs: Vec<String>,
    #[arg(short, long)]
    pub message: String,
    #[arg(long, value_name = "LABEL")]
    pub branch_label: Vec<String>,
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let written = retort::ops::revision::merge(
        &settings.workspace()?,
        &args.revs,
        &args.message,
        &args.branch_label,
        args.rev_id.as_deref(),
    )?;
    printer.line(format!("Generated merge {} ({})", written.path.display(), written.id));
    Ok(0)
}
