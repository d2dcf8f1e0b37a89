//! What `upgrade` and `downgrade` share: the run (online or `--sql`) through the library's
//! one apply loop, and its progress rendered from the loop's events.
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::apply::Event;
use retort::{Direction, Error};
use std::time::Duration;

pub fn run(
    mode: Direction,
    target: &str,
    sql: bool,
    single_transaction: bool,
    settings: &Settings,
    printer: &Printer,
) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    if sql {
        printer.raw(&retort::ops::offline_script(&ws, mode, target)?);
        return Ok(0);
    }
    printer.note(format!(
        "retort: {} {}",
        if mode == Direction::Up { "upgrading" } else { "downgrading" },
        ws.describe_target()
    ));
    let mut progress = Progress::new(printer);
    let outcome =
        retort::ops::apply(&ws, mode, target, single_transaction, &mut |e| progress.event(e));
    progress.finish();
    let outcome = outcome?;
    let report = &outcome.report;
    if printer.json {
        printer.json(&outcome);
        return Ok(0);
    }
    if report.steps.is_empty() {
        printer
            .note(format!("Nothing to do: the database is at {}.", or_base(&report.heads_after)));
    } else {
        let total: u64 = report.steps.iter().map(|s| s.duration_ms).sum();
        printer.note(format!(
            "{} {} revision(s) in {} ms; the database is at {}.",
            if mode == Direction::Up { "Applied" } else { "Reverted" },
            report.steps.len(),
            total,
            or_base(&report.heads_after)
        ));
    }
    Ok(0)
}

fn or_base(heads: &[String]) -> String {
    if heads.is_empty() {
        "base".into()
    } else {
        heads.join(", ")
    }
}

/// Per-revision progress: a bar on a terminal, plain lines when piped.
pub(super) struct Progress<'p> {
    printer: &'p Printer,
    bar: Option<indicatif::ProgressBar>,
}

impl<'p> Progress<'p> {
    pub(super) fn new(printer: &'p Printer) -> Self {
        Progress { printer, bar: None }
    }

    pub(super) fn event(&mut self, event: Event<'_>) {
        if self.printer.quiet {
            return;
        }
        match event {
            Event::StepStarted { index, total, file, direction } => {
                if self.printer.tty {
                    let bar = self.bar.get_or_insert_with(|| {
                        let b = indicatif::ProgressBar::new(total as u64);
                        b.set_style(
                            indicatif::ProgressStyle::with_template(
                                "{spinner} [{pos}/{len}] {wide_msg} {elapsed}",
                            )
                            .expect("valid template"),
                        );
                        b.enable_steady_tick(Duration::from_millis(100));
                        b
                    });
                    bar.set_length(total as u64);
                    bar.set_position(index as u64 - 1);
                    bar.set_message(format!("{} {} {}", verb(direction), file.id, file.message));
                }
                if self.printer.verbose {
                    self.println(format!(
                        "  {} {} ({}):",
                        verb(direction),
                        file.id,
                        file.path.display()
                    ));
                    let section = match direction {
                        Direction::Up => Some(&file.upgrade),
                        Direction::Down => file.downgrade.as_ref(),
                    };
                    for stmt in
                        section.map(|s| retort::core::sql_split::split(&s.sql)).unwrap_or_default()
                    {
                        for line in stmt.sql.lines() {
                            self.println(format!("    {line}"));
                        }
                    }
                }
            }
            Event::StepFinished { index, total, file, direction, elapsed } => {
                self.println(format!(
                    "[{index}/{total}] {} {} {} ({} ms)",
                    verb(direction),
                    file.id,
                    file.message,
                    elapsed.as_millis()
                ));
            }
            Event::Replanned { heads } => {
                self.println(format!(
                    "another run moved the database to {}; continuing from there",
                    or_base(&heads)
                ));
            }
            Event::LockRetry { file, attempt, of, wait, message, blockers } => {
                self.println(format!("{} hit the database's lock timeout ({message}); nothing of it stayed; retry {attempt} of {of} in {} ms", file.id, wait.as_millis()));
                for b in blockers {
                    self.println(format!("  probably blocked by: {b}"));
                }
            }
            Event::WaitingForLock { timeout } => {
                self.println(format!("another retort run holds the migration lock; waiting up to {}s (--lock-timeout)", timeout.as_secs()));
            }
            Event::LockNote { message } => {
                self.println(format!("retort: {message}"));
            }
            Event::BackedUp { path } => {
                self.println(format!("retort: backed up to {}", path.display()));
            }
            Event::Cluster { description } => {
                self.println(format!("retort: {description}"));
            }
            Event::NonTransactional { file } => {
                self.println(format!(
                    "note: {} is marked transactional: false and runs outside a transaction",
                    file.id
                ));
            }
        }
    }

    fn println(&self, line: String) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn finish(&mut self) {
        if let Some(bar) = self.bar.take() {
            bar.finish_and_clear();
        }
    }
}

/// A bar left behind (a rehearsal's progress ends with its closure, not a call to
/// `finish`) is cleared too.
impl Drop for Progress<'_> {
    fn drop(&mut self) {
        self.finish();
    }
}

fn verb(d: Direction) -> &'static str {
    match d {
        Direction::Up => "upgrade",
        Direction::Down => "downgrade",
    }
}
