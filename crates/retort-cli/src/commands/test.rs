//! `retort test`: one call into `ops::test`, then each check with what it found.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

pub fn exec(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    printer.note(format!(
        "retort: testing the revisions on a scratch database of {}",
        ws.describe_target()
    ));
    let graph = ws.graph_for_display()?;
    let report = retort::core::ops::test::test(&ws)?;
    let code = if report.ok { 0 } else { retort::exit::FOUND };
    if printer.json {
        printer.json(&report);
        return Ok(code);
    }
    for c in &report.checks {
        let about = c
            .revision
            .as_deref()
            .map(|r| {
                format!(
                    " {r} {}",
                    retort::core::revision::id::RevisionId::parse(r)
                        .and_then(|id| graph.get(&id))
                        .map(|f| f.message.as_str())
                        .unwrap_or("")
                )
            })
            .unwrap_or_default();
        printer.line(format!("{} {}{about}", if c.ok { "ok  " } else { "FAIL" }, c.name));
        for p in &c.problems {
            printer.line(format!("       {p}"));
        }
    }
    let failed = report.checks.iter().filter(|c| !c.ok).count();
    printer.line(if failed == 0 {
        format!("{} check(s) passed", report.checks.len())
    } else {
        format!("{failed} of {} check(s) failed", report.checks.len())
    });
    Ok(code)
}
