//! `retort migrate`: autogenerate a revision from the models (renames asked on a terminal).
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::diff::rename::parse_rename;
use retort::ops::autogen::{MigrateOutcome, MigrateRequest};
use retort::Error;
use std::io::{BufRead, IsTerminal, Write};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// What the revision does; goes into the file name.
    #[arg(short, long)]
    pub message: String,
    /// Accept a rename: `table.old=new` for a column, `old=new` for a table. Repeatable.
    #[arg(long, value_name = "OLD=NEW")]
    pub rename: Vec<String>,
    /// Write a revision even when nothing changed.
    #[arg(long)]
    pub allow_empty: bool,
    /// Accept a models file that declares no tables (the revision then drops every table).
    #[arg(long)]
    pub allow_empty_models: bool,
    /// Do not check that the configured database is at head.
    #[arg(long)]
    pub ignore_db: bool,
    /// Never prompt, even on a terminal (renames then need --rename).
    #[arg(long)]
    pub no_input: bool,
    /// Skip applying the generated file to a copy of head before writing it (faster on
    /// very large schemas; the file is then marked unverified).
    #[arg(long)]
    pub no_verify: bool,
    /// Keep a revision that did not verify on the copy of head as a result (exit 0); it
    /// is written, marked UNVERIFIED, either way (without this: exit 17).
    #[arg(long)]
    pub allow_unverified: bool,
    /// Write locking changes of existing tables in their online forms (PostgreSQL:
    /// CREATE INDEX CONCURRENTLY, NOT VALID + VALIDATE, SET NOT NULL through a check;
    /// MySQL/MariaDB: ALGORITHM/LOCK clauses). Default: the environment's `online`,
    /// on for protected environments.
    #[arg(long, overrides_with = "no_online")]
    pub online: bool,
    /// Plain forms even where the environment asks for online ones.
    #[arg(long)]
    pub no_online: bool,
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
}

fn ask(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim(), "y" | "Y" | "yes")
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let mut req = MigrateRequest {
        message: args.message.clone(),
        rev_id: args.rev_id.clone(),
        allow_empty: args.allow_empty,
        allow_empty_models: args.allow_empty_models,
        ignore_db: args.ignore_db,
        no_verify: args.no_verify,
        allow_unverified: args.allow_unverified,
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
            super::render::sources_note(printer, &sources);
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
            super::render::sources_note(printer, &sources);
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
