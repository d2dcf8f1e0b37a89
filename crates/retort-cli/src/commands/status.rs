//! `retort status`: where the database is and what is pending, in one screen.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[command(flatten)]
    pub fleet: super::fleet::FleetArgs,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    if args.fleet.used() {
        return super::fleet::run(
            retort::core::ops::fleet::FleetOp::Status,
            &args.fleet,
            settings,
            printer,
        );
    }
    let ws = settings.workspace()?;
    let st = retort::ops::status::status(&ws)?;
    let (graph, rows, pending, changed) =
        (&st.graph, &st.current, &st.pending_indices, &st.changed);
    let heads = graph.heads();
    let state_error = &st.error;
    if printer.json {
        printer.json(&st);
    } else {
        printer.line(format!(
            "environment: {}{}",
            ws.env.name,
            if ws.env.protected { " (protected)" } else { "" }
        ));
        printer.line(format!(
            "database:    {}",
            ws.env.url.as_ref().map(|u| u.to_string()).unwrap_or_default()
        ));
        if let Some(c) = &st.cluster {
            printer.line(format!("cluster:     {c}"));
        }
        printer.line(format!(
            "current:     {}",
            if rows.is_empty() { "base".into() } else { rows.join(", ") }
        ));
        let head_ids: Vec<String> = graph.ids(&heads).iter().map(|h| h.to_string()).collect();
        printer.line(format!(
            "heads:       {}{}",
            if head_ids.is_empty() { "(no revisions)".into() } else { head_ids.join(", ") },
            if heads.len() > 1 { "  (several heads: `retort merge heads -m MSG`)" } else { "" }
        ));
        for s in graph.shortcuts() {
            let ids = graph.ids(&s.chain);
            printer.line(format!(
                "squash:      {} stands in for {} revisions ({} .. {}) for new databases; once every database is past {}: `retort squash --finish {}`",
                s.file.path.display(), ids.len(), ids[0], s.file.id, s.file.id, s.file.id
            ));
        }
        if let Some(p) = &st.in_progress {
            printer.line(format!("running:     {p}"));
        }
        for c in changed {
            printer.line(format!("problem:     applied revision {} ({}) was edited since it was applied — `retort verify` shows the change", c.rev, c.path.display()));
        }
        if let Some(e) = &state_error {
            printer.line(format!("problem:     {e}"));
        } else if pending.is_empty() {
            printer.line("pending:     none, the database is up to date");
        } else {
            printer.line(format!(
                "pending:     {} revision(s) — run `retort upgrade{}`",
                pending.len(),
                if heads.len() > 1 { " heads" } else { "" }
            ));
            for &i in pending {
                printer.line(format!("  {} {}", graph.id(i), graph.rev(i).message));
            }
        }
    }
    if let Some(e) = st.problem {
        let e: Error = e.into();
        // Under --json the document above already carries the error: one JSON object.
        if printer.json {
            return Ok(e.exit_code());
        }
        return Err(e);
    }
    Ok(if changed.is_empty() { 0 } else { retort::exit::CHECKSUM })
}
