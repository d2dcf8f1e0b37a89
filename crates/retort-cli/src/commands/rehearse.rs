//! `retort rehearse [TARGET]`: one call into `ops::rehearse`, then the report — as text,
//! `--json`, or a Markdown summary for a pull request.
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::ops::rehearse::{RehearseEvent, RehearseOptions};
use retort::core::rehearse::Rehearsal;
use retort::Error;
use std::path::PathBuf;

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum Format {
    Text,
    Markdown,
}

/// What `rehearse` and `upgrade --rehearse` share.
#[derive(Debug, Clone, clap::Args)]
pub struct RehearsalArgs {
    /// Fail (exit 18) when a write would stall longer than this (`200ms`, `2s`).
    #[arg(long, value_name = "DURATION", value_parser = parse_stall)]
    pub max_stall: Option<std::time::Duration>,
    /// Writers beside the migrator, one per touched table (a write every 10 ms, each
    /// timed): the stall measured, not estimated from locks.
    #[arg(long)]
    pub load: bool,
    /// Copy only the rows of the tables the pending revisions name (and of the tables
    /// they reference); every definition is copied.
    #[arg(long)]
    pub only_touched: bool,
    /// Make the copy from this backup (as `retort backup` writes) instead of the live database.
    #[arg(long, value_name = "FILE")]
    pub from_backup: Option<PathBuf>,
}

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(default_value = "head", allow_hyphen_values = true)]
    pub target: String,
    #[command(flatten)]
    pub rehearsal: RehearsalArgs,
    /// `text`, or `markdown` for a pull request.
    #[arg(long, value_enum, default_value = "text")]
    pub format: Format,
}

fn parse_stall(text: &str) -> Result<std::time::Duration, String> {
    retort::core::config::parse_duration(text)
        .ok_or_else(|| format!("`{text}` is not a duration (e.g. 200ms, 2s, 1m)"))
}

impl RehearsalArgs {
    pub fn options(&self, target: &str) -> RehearseOptions {
        RehearseOptions {
            target: target.to_string(),
            from_backup: self.from_backup.clone(),
            only_touched: self.only_touched,
            load: self.load,
            max_stall: self.max_stall,
        }
    }
}

/// Progress of a rehearsal on stderr: where the copy is, then each revision.
pub fn progress(printer: &Printer) -> impl FnMut(RehearseEvent<'_>) + '_ {
    let mut run = super::applying::Progress::new(printer);
    move |e| match e {
        RehearseEvent::CopyReady { describe, elapsed } => printer.note(format!(
            "retort: the copy is {describe} (made in {} ms); it is dropped when the rehearsal ends",
            elapsed.as_millis()
        )),
        RehearseEvent::Run(e) => run.event(e),
    }
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    printer.note(format!(
        "retort: rehearsing {} on a copy of {}",
        args.target,
        ws.describe_target()
    ));
    let report = retort::core::ops::rehearse::rehearse(
        &ws,
        &args.rehearsal.options(&args.target),
        &mut progress(printer),
    )?;
    let code = if report.verdict.passed { 0 } else { retort::exit::STALL };
    if printer.json {
        printer.json(&report);
    } else {
        match args.format {
            Format::Text => text(&report, printer),
            Format::Markdown => printer.raw(&markdown(&report)),
        }
    }
    Ok(code)
}

fn text(r: &Rehearsal, printer: &Printer) {
    if r.revisions.is_empty() {
        printer.line("Nothing to rehearse: no revision is pending.");
        return;
    }
    printer.line(format!(
        "Rehearsed {} revision(s) on {} (copied from {}{}, {} ms; dropped)",
        r.revisions.len(),
        r.copy,
        r.source,
        if r.only_touched { ", touched tables' rows only" } else { "" },
        r.copy_ms
    ));
    for rev in &r.revisions {
        printer.line(format!("  {} {} ({} ms)", rev.revision, rev.message, rev.duration_ms));
        for s in &rev.statements {
            printer.line(format!(
                "    line {:<4} {:>7} ms  {}",
                s.line,
                s.duration_ms,
                first_line(&s.sql)
            ));
            if let Some(n) = s.rows_affected.filter(|n| *n > 0) {
                printer.line(format!("{:>22}{n} row(s) affected", ""));
            }
            for w in &s.rewrote {
                printer.line(format!(
                    "{:>22}rewrote {}{}",
                    "",
                    w.table,
                    w.rows.map(|n| format!(" ({n} rows)")).unwrap_or_default()
                ));
            }
            for l in &s.locks {
                printer.line(format!(
                    "{:>22}{} on {}, held {} ms{}",
                    "",
                    l.mode,
                    l.table,
                    l.held_ms,
                    if l.blocks_writes { " (blocks writes)" } else { "" }
                ));
            }
            for h in &s.hints {
                printer.line(format!("{:>22}{h}", ""));
            }
        }
    }
    printer.line(format!("Locks: {}", r.lock_source));
    for t in &r.tables {
        let writes = if r.load {
            format!(
                ", {} write(s){}",
                t.writes,
                if t.failed_writes > 0 {
                    format!(", {} failed", t.failed_writes)
                } else {
                    String::new()
                }
            )
        } else {
            String::new()
        };
        printer.line(format!(
            "  {}: longest write stall {} ms ({}){}{writes}",
            t.table,
            t.longest_stall_ms,
            if t.measured { "measured" } else { "from the locks held" },
            t.statement.as_ref().map(|s| format!(" during {s}")).unwrap_or_default()
        ));
    }
    printer.line(format!(
        "{}: {}",
        if r.verdict.passed { "PASS" } else { "FAIL" },
        r.verdict.summary
    ));
}

fn first_line(sql: &str) -> String {
    let line = sql.lines().next().unwrap_or_default();
    if sql.lines().nth(1).is_some() {
        format!("{line} …")
    } else {
        line.to_string()
    }
}

/// The report as Markdown, for a pull request's description or a CI comment.
fn markdown(r: &Rehearsal) -> String {
    let mut out = format!(
        "### retort rehearsal: {}\n\n{}\n\n",
        if r.verdict.passed { "passed" } else { "**failed**" },
        r.verdict.summary
    );
    if r.revisions.is_empty() {
        out.push_str("No revision is pending.\n");
        return out;
    }
    out.push_str(&format!(
        "On a copy of `{}` ({}, made from {} in {} ms){}.\n\n",
        r.env,
        r.copy,
        r.source,
        r.copy_ms,
        if r.load { ", with a writer on each touched table" } else { "" }
    ));
    out.push_str("| revision | line | statement | time | rewrote | locks held |\n|---|---|---|---|---|---|\n");
    for rev in &r.revisions {
        for s in &rev.statements {
            let cell = |t: String| t.replace('|', "\\|");
            out.push_str(&format!(
                "| {} | {} | `{}` | {} ms | {} | {} |\n",
                rev.revision,
                s.line,
                cell(first_line(&s.sql)),
                s.duration_ms,
                s.rewrote
                    .iter()
                    .map(|w| format!(
                        "{}{}",
                        w.table,
                        w.rows.map(|n| format!(" ({n} rows)")).unwrap_or_default()
                    ))
                    .collect::<Vec<_>>()
                    .join(", "),
                cell(
                    s.locks
                        .iter()
                        .map(|l| format!("{} {} {} ms", l.table, l.mode, l.held_ms))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        }
    }
    out.push_str("\n| table | longest write stall | writes |\n|---|---|---|\n");
    for t in &r.tables {
        out.push_str(&format!(
            "| {} | {} ms{} | {} |\n",
            t.table,
            t.longest_stall_ms,
            if t.measured { "" } else { " (from locks)" },
            if r.load { t.writes.to_string() } else { "–".into() }
        ));
    }
    out
}
