//! `retort recover-file REV`: a lost revision file written back from the log.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The revision whose file is missing.
    pub rev: String,
    /// Only print the text that would be written.
    #[arg(long)]
    pub dry_run: bool,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let r = retort::ops::live::recover_file(&ws, &args.rev, args.dry_run)?;
    printer.line(format!(
        "-- recovered from the log ({} at {}):",
        r.entry.direction, r.entry.applied_at
    ));
    printer.raw(&r.script);
    if r.written {
        printer.note(format!("Wrote {}; commit it to version control.", r.path.display()));
    }
    Ok(0)
}
