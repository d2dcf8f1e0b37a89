//! `retort check`: exit 1 when the models differ from head, the database is behind, or it drifted.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only compare the models with head; do not look at the database.
    #[arg(long)]
    pub no_db: bool,
    #[command(flatten)]
    pub fleet: super::fleet::FleetArgs,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    if args.fleet.used() {
        return super::fleet::run(
            retort::core::ops::fleet::FleetOp::Check,
            &args.fleet,
            settings,
            printer,
        );
    }
    let ws = settings.workspace()?;
    let report = retort::ops::autogen::check(&ws, args.no_db)?;
    let clean = report.clean();
    if printer.json {
        printer.json(&report);
        return Ok(if clean { 0 } else { retort::exit::FOUND });
    }
    if !report.unverified.is_empty() {
        for u in &report.unverified {
            printer.line(format!("revisions: {u} is still marked UNVERIFIED — fix its SQL and delete the note (`retort lint` shows where); nothing else was compared"));
        }
        return Ok(retort::exit::FOUND);
    }
    if let Some(sources) = &report.sources {
        super::render::sources_note(printer, sources);
    }
    if report.changes.is_empty() {
        printer.line("models: match the schema at head");
    } else {
        printer.line(format!("models: differ from the schema at head ({} change(s)) — run `retort migrate -m MESSAGE`:", report.changes.len()));
        for c in &report.changes {
            printer.line(format!("  {c}"));
        }
    }
    if !report.not_compared.is_empty() {
        printer.line(format!(
            "models: not compared: {} (outside retort's schema model)",
            report.not_compared.join(", ")
        ));
    }
    if !report.database_checked {
        printer.line("database: not checked (no database, or --no-db)");
    } else if !report.pending.is_empty() {
        printer.line(format!(
            "database ({}): {} revision(s) pending — run `retort upgrade`:",
            ws.describe_target(),
            report.pending.len()
        ));
        for p in &report.pending {
            printer.line(format!("  {p}"));
        }
    } else if !report.drift.is_empty() {
        printer.line(format!(
            "database ({}): at head but drifted from it (changed outside the migrations):",
            ws.describe_target()
        ));
        for d in &report.drift {
            printer.line(format!("  {d}"));
        }
    } else {
        printer.line(format!("database ({}): at head, no drift", ws.describe_target()));
    }
    Ok(if clean { 0 } else { retort::exit::FOUND })
}
