//! Commands on the live database beside apply: `verify`, `drift`, `baseline`,
//! `recover-file`, `backup`, `restore`. Each is one `retort::ops` call, rendered.
use crate::args::{BaselineArgs, RecoverArgs, RestoreArgs, VerifyArgs};
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::error::exit;
use retort::Error;
use serde_json::json;

pub fn verify(args: &VerifyArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let (accepted, changed) = retort::ops::live::verify(&ws, args.accept.as_deref())?;
    if let Some(id) = accepted {
        printer
            .note(format!("retort: accepted the current text of {id} on {}", ws.describe_target()));
    }
    if printer.json {
        printer.json_value(&json!({ "ok": changed.is_empty(), "changed": changed }));
    } else if changed.is_empty() {
        printer.line("All applied revision files match what was applied.");
    } else {
        for c in &changed {
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

pub fn drift(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let drift = retort::ops::live::drift(&ws)?;
    let at = if drift.current.is_empty() { "base".into() } else { drift.current.join(", ") };
    if printer.json {
        printer.json_value(&json!({ "current": drift.current, "drift": drift.changes.iter().map(|c| c.describe()).collect::<Vec<_>>() }));
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

pub fn baseline(args: &BaselineArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
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

pub fn recover_file(
    args: &RecoverArgs,
    settings: &Settings,
    printer: &Printer,
) -> Result<i32, Error> {
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

pub fn backup(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    printer.note(format!("retort: backing up {}", ws.describe_target()));
    let path = retort::ops::backup::backup(&ws)?;
    printer.line(format!("Backed up to {}", path.display()));
    Ok(0)
}

pub fn restore(args: &RestoreArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let file = settings.cwd.join(&args.file);
    printer.note(format!("retort: restoring {} into {}", file.display(), ws.describe_target()));
    let rows = retort::ops::backup::restore(&ws, &file)?;
    printer.line(format!(
        "Restored; the database is at {}.",
        if rows.is_empty() { "base".into() } else { rows.join(", ") }
    ));
    Ok(0)
}
