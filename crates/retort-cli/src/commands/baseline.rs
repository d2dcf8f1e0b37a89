//! `retort baseline -m MSG`: a revision creating the live schema, stamped.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(short, long)]
    pub message: String,
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    printer.note(format!("retort: baselining {}", ws.describe_target()));
    let b = retort::ops::live::baseline(&ws, &args.message, args.rev_id.as_deref())?;
    printer.line(format!(
        "Generated {} ({}) from {} table(s) and stamped the database with it.",
        b.path.display(),
        b.id,
        b.tables
    ));
    if b.beside_others {
        printer.line("The baseline is a new root beside the existing revisions: `retort merge heads -m ...` joins them.");
    }
    Ok(0)
}
