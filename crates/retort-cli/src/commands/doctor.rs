//! `retort doctor`: renders `retort::ops::doctor::diagnose`.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

pub fn exec(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let diagnosis = retort::ops::doctor::doctor(settings.workspace())?;
    let (problems, findings) = (diagnosis.problems, &diagnosis.findings);
    if printer.json {
        printer.json(&diagnosis);
    } else {
        for f in findings {
            printer.line(format!("{} {}", if f.problem { "✗" } else { "✓" }, f.what));
            if let Some(n) = &f.next {
                printer.line(format!("    run: {n}"));
            }
        }
        printer.line(if problems == 0 {
            "No problems found.".to_string()
        } else {
            format!("{problems} problem(s) found.")
        });
    }
    Ok(if problems == 0 { 0 } else { retort::exit::FOUND })
}
