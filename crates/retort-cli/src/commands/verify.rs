//! `retort verify`: applied revision files unchanged (checksums); `--accept REV` after review.
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::error::exit;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Re-record the checksum of this applied revision after reviewing its change.
    #[arg(long, value_name = "REV")]
    pub accept: Option<String>,
    #[command(flatten)]
    pub fleet: super::fleet::FleetArgs,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    if args.fleet.used() && args.accept.is_none() {
        return super::fleet::run(
            retort::core::ops::fleet::FleetOp::Verify,
            &args.fleet,
            settings,
            printer,
        );
    }
    let ws = settings.workspace()?;
    let verified = retort::ops::live::verify(&ws, args.accept.as_deref())?;
    let (accepted, changed) = (&verified.accepted, &verified.changed);
    if let Some(id) = accepted {
        printer
            .note(format!("retort: accepted the current text of {id} on {}", ws.describe_target()));
    }
    if printer.json {
        printer.json(&verified);
    } else if changed.is_empty() {
        printer.line("All applied revision files match what was applied.");
    } else {
        for c in changed {
            printer.line(format!("CHANGED {} ({}) since it was applied:", c.rev, c.path.display()));
            for l in &c.diff {
                printer.line(format!("    {l}"));
            }
        }
        printer.line(format!(
            "Restore the files, or after review: retort verify --accept {}",
            changed[0].rev
        ));
    }
    Ok(if changed.is_empty() { 0 } else { exit::CHECKSUM })
}
