//! `retort stamp TARGET [--purge] [--force] [--sql]`: move the version table without
//! running SQL, after checking that the live schema is the target's.
use crate::args::{ResolveArgs, StampArgs};
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

pub fn run(args: &StampArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
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

/// `retort resolve --applied|--reverted`: clears the dirty marker after a manual repair.
pub fn resolve(args: &ResolveArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
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
