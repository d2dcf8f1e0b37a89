//! `retort lint [RANGE]`: the lint rules over revisions, generated or hand-written.
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::lint::{Diagnostic, Severity};
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// A revision, or a range FROM:TO (default: every revision).
    #[arg(allow_hyphen_values = true)]
    pub range: Option<String>,
}

/// Prints diagnostics in the human form; returns whether any is an error.
pub fn print(printer: &Printer, diags: &[Diagnostic]) -> bool {
    for d in diags {
        let sev = match d.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
            Severity::Info => "info",
        };
        printer.line(format!("{}:{}: {sev}[{}] {}", d.path, d.line, d.rule, d.message));
        printer.line(format!("    why: {}", d.explanation));
        printer.line(format!(
            "    fix: {}  (or `-- lint:ignore {}` above the statement)",
            d.fix, d.rule
        ));
    }
    diags.iter().any(|d| d.severity == Severity::Error)
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let report = retort::ops::lint::lint(&settings.workspace()?, args.range.as_deref())?;
    if printer.json {
        printer.json(&report);
    } else {
        let diags = &report.diagnostics;
        print(printer, diags);
        let count = |s: Severity| diags.iter().filter(|d| d.severity == s).count();
        printer.line(format!(
            "{} error(s), {} warning(s)",
            count(Severity::Error),
            count(Severity::Warning)
        ));
    }
    Ok(if report.errors { retort::exit::FOUND } else { 0 })
}
