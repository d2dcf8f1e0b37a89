//! `retort migrate -m MSG` (autogenerate) and `retort check`: flags in, one `ops` call,
//! the result rendered. The pipeline itself is `retort::ops::autogen`.
use crate::args::{CheckArgs, MigrateArgs};
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::diff::rename::parse_rename;
use retort::ops::autogen::{MigrateOutcome, MigrateRequest, Source, Sources};
use retort::Error;
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};

fn ask(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim(), "y" | "Y" | "yes")
}

pub fn migrate(args: &MigrateArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let mut req = MigrateRequest {
        message: args.message.clone(),
        rev_id: args.rev_id.clone(),
        allow_empty: args.allow_empty,
        allow_empty_models: args.allow_empty_models,
        ignore_db: args.ignore_db,
        no_verify: args.no_verify,
        online: if args.online {
            Some(true)
        } else if args.no_online {
            Some(false)
        } else {
            None
        },
        ..Default::default()
    };
    for r in &args.rename {
        parse_rename(r, &mut req.renames).map_err(|m| {
            Error::usage(
                m,
                Some("e.g. --rename users.name=full_name or --rename old_table=new_table".into()),
            )
        })?;
    }
    let interactive =
        !args.no_input && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    let outcome = retort::ops::autogen::migrate(&ws, &req, &mut |cand| {
        interactive && ask(&format!("Is {} a rename?", cand.describe()))
    })?;
    let rename_warning = |c: &retort::core::diff::rename::RenameCandidate| {
        printer.note(format!("warning: {} looks like a rename; generated as drop + add (pass --rename {} to keep the data)", c.describe(), c.flag()))
    };
    let not_compared_note = |kinds: &[String]| {
        if !kinds.is_empty() {
            printer.note(format!("note: not compared: {} (outside retort's schema model: write their changes by hand)", kinds.join(", ")));
        }
    };
    match outcome {
        MigrateOutcome::NoChanges { rename_candidates, not_compared, sources } => {
            sources_note(printer, &sources);
            not_compared_note(&not_compared);
            rename_candidates.iter().for_each(rename_warning);
            printer.note("No changes in schema detected; no revision written (use --allow-empty to write one anyway).");
        }
        MigrateOutcome::Written {
            id,
            path,
            generated,
            unverified,
            lint,
            not_compared,
            sources,
            ..
        } => {
            sources_note(printer, &sources);
            not_compared_note(&not_compared);
            generated.rename_candidates.iter().for_each(rename_warning);
            for p in &unverified {
                printer.note(format!("warning: {p}"));
            }
            for c in &generated.up {
                printer.note(format!("  detected: {}", c.describe()));
            }
            for n in &generated.notes {
                printer.note(format!("  review: {n}"));
            }
            if !lint.is_empty() && !printer.quiet {
                eprintln!("lint:");
                for d in &lint {
                    eprintln!("  {}:{}: [{}] {}", d.path, d.line, d.rule, d.message);
                }
            }
            printer.line(format!(
                "Generated {} ({id}); review it, then run `retort upgrade`.",
                path.display()
            ));
        }
    }
    Ok(0)
}

/// With `-v`: where the two schemas came from (the cache, or a scratch database).
fn sources_note(printer: &Printer, sources: &Sources) {
    if printer.verbose {
        let say = |s: Source| match s {
            Source::Cache => "from the cache (unchanged since an earlier run)",
            Source::Scratch => "created on a scratch database",
            Source::Incremental => {
                "brought up to date on the project's kept scratch database (only what changed)"
            }
        };
        printer.note(format!("models: {}; head: {}", say(sources.models), say(sources.head)));
    }
}

pub fn check(args: &CheckArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let report = retort::ops::autogen::check(&ws, args.no_db)?;
    let clean = report.clean();
    if printer.json {
        printer.json_value(&json!({
            "up_to_date": clean,
            "changes": report.changes,
            "database_checked": report.database_checked,
            "pending": report.pending,
            "drift": report.drift,
            "not_compared": report.not_compared,
            "sources": report.sources,
        }));
        return Ok(if clean { 0 } else { retort::exit::FOUND });
    }
    sources_note(printer, &report.sources);
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
