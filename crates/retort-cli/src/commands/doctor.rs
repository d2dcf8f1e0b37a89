//! `retort doctor`: renders `retort::ops::doctor::diagnose`.
use crate::output::Printer;
use crate::settings::Settings;
use retort::ops::doctor::Finding;
use retort::Error;
use serde_json::json;

pub fn exec(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let findings = retort::ops::doctor::diagnose(settings.workspace())?;
    report(printer, findings)
}

fn report(printer: &Printer, findings: Vec<Finding>) -> Result<i32, Error> {
    let problems = findings.iter().filter(|f| f.problem).count();
    if printer.json {
        let list: Vec<_> = findings
            .iter()
            .map(|f| json!({ "problem": f.problem, "what": f.what, "next": f.next }))
            .collect();
        printer.json_value(&json!({ "problems": problems, "findings": list }));
    } else {
        for f in &findings {
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
