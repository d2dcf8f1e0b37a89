//! `retort drift`: how the live database differs from the schema its revision implies.
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::error::exit;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub fleet: super::fleet::FleetArgs,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    if args.fleet.used() {
        return super::fleet::run(
            retort::core::ops::fleet::FleetOp::Drift,
            &args.fleet,
            settings,
            printer,
        );
    }
    let ws = settings.workspace()?;
    let drift = retort::ops::live::drift(&ws)?;
    let at = if drift.current.is_empty() { "base".into() } else { drift.current.join(", ") };
    if printer.json {
        printer.json(&drift);
    } else if drift.changes.is_empty() {
        printer.line(format!("No drift: {} matches its revision ({at}).", ws.describe_target()));
    } else {
        printer.line(format!("{} has drifted from its revision ({at}):", ws.describe_target()));
        for c in &drift.changes {
            printer.line(format!("  {}", c.describe()));
        }
        printer.line("Undo the manual change, or capture it: edit models.sql and run `retort migrate`, then `retort stamp` if it is already in place.");
    }
    Ok(if drift.changes.is_empty() { 0 } else { exit::FOUND })
}
