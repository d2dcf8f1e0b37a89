//! `retort stamp TARGET`: set the version table without running revisions (`--sql`, `--purge`).
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(allow_hyphen_values = true)]
    pub target: String,
    /// Delete every row of the version table first (also rows for unknown revisions).
    #[arg(long)]
    pub purge: bool,
    /// Record the target even when the live schema differs from the target's (logged as forced).
    #[arg(long)]
    pub force: bool,
    /// Print the SQL instead of running it.
    #[arg(long)]
    pub sql: bool,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    if args.sql {
        printer.raw(&retort::ops::offline_stamp_script(&ws, &args.target, args.purge)?);
        return Ok(0);
    }
    printer.note(format!("retort: stamping {}", ws.describe_target()));
    let report = retort::ops::stamp(&ws, &args.target, args.purge, args.force)?;
    let show = |v: &[String]| if v.is_empty() { "base".to_string() } else { v.join(", ") };
    printer.note(format!(
        "Stamped: {} -> {}",
        show(&report.heads_before),
        show(&report.heads_after)
    ));
    Ok(0)
}
