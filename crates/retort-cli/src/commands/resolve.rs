//! `retort resolve --applied|--reverted`: record how a dirty revision was repaired.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
pub struct Args {
    /// The failed revision's changes are now all in place: record it as applied.
    #[arg(long)]
    pub applied: bool,
    /// None of its changes remain: record it as not applied.
    #[arg(long)]
    pub reverted: bool,
}

/// `retort resolve --applied|--reverted`: clears the dirty marker after a manual repair.
pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    printer.note(format!("retort: resolving {}", ws.describe_target()));
    let (entry, rows) = retort::ops::live::resolve(&ws, args.applied)?;
    printer.note(format!(
        "Recorded {} of {} as {}; the database is at {}.",
        if entry.direction() == Some(retort::core::history::log::LogDirection::Down) {
            "the downgrade"
        } else {
            "the upgrade"
        },
        entry.revision,
        if args.applied { "done" } else { "not done" },
        if rows.is_empty() { "base".to_string() } else { rows.join(", ") }
    ));
    Ok(0)
}
