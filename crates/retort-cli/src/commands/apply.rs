//! `retort upgrade` and `retort downgrade`, online and `--sql`. Both call the library's
//! one apply loop and render its events.
use crate::args::{DowngradeArgs, UpgradeArgs};
use crate::output::Printer;
use crate::settings::Settings;
use retort::Workspace;
use retort::core::migrator::Event;
use retort::core::plan::Direction;
use retort::core::revision::target::parse_range;
use retort::{Error, Migrator, Mode, RevisionGraph, Target};
use std::time::Duration;

pub fn upgrade(args: &UpgradeArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    run(Mode::Upgrade, &args.target, args.sql, args.single_transaction, settings, printer)
}

pub fn downgrade(args: &DowngradeArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    run(Mode::Downgrade, &args.target, args.sql, args.single_transaction, settings, printer)
}

fn run(mode: Mode, target: &str, sql: bool, single_transaction: bool, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let graph = ws.graph()?;
    let migrator = Migrator::new(&graph, ws.project.tables());
    if sql {
        return offline(&ws, &graph, &migrator, mode, target, printer);
    }
    if target.contains(':') {
        return Err(Error::usage("a range FROM:TO is only for --sql", Some("name one target, e.g. `head` or `-1`".into())));
    }
    let target = Target::parse(target)?;
    ws.guard_write(if mode == Mode::Upgrade { "upgrade" } else { "downgrade" })?;
    let mut conn = ws.connect()?;
    if ws.env.backup && !migrator.plan(conn.as_mut(), mode, &target)?.is_empty() {
        let path = super::live::take_backup(&ws, conn.as_mut(), &graph)?;
        printer.note(format!("retort: backed up {} to {}", ws.describe_target(), path.display()));
    }
    printer.note(format!("retort: {} {}", if mode == Mode::Upgrade { "upgrading" } else { "downgrading" }, ws.describe_target()));
    let mut progress = Progress::new(printer);
    let opts = retort::RunOptions { single_transaction, ..ws.run_options() };
    let report = migrator.run(conn.as_mut(), mode, &target, &opts, &mut |e| progress.event(e));
    progress.finish();
    let report = report?;
    if printer.json {
        printer.json_value(&serde_json::json!({
            "env": ws.env.name,
            "url": ws.env.url.as_ref().map(|u| u.to_string()),
            "direction": if mode == Mode::Upgrade { "upgrade" } else { "downgrade" },
            "heads_before": report.heads_before,
            "heads_after": report.heads_after,
            "steps": report.steps,
        }));
        return Ok(0);
    }
    if report.steps.is_empty() {
        printer.note(format!("Nothing to do: the database is at {}.", or_base(&report.heads_after)));
    } else {
        let total: u64 = report.steps.iter().map(|s| s.duration_ms).sum();
        printer.note(format!(
            "{} {} revision(s) in {} ms; the database is at {}.",
            if mode == Mode::Upgrade { "Applied" } else { "Reverted" },
            report.steps.len(),
            total,
            or_base(&report.heads_after)
        ));
    }
    Ok(0)
}

fn offline(ws: &Workspace, graph: &RevisionGraph, migrator: &Migrator, mode: Mode, target: &str, printer: &Printer) -> Result<i32, Error> {
    let dialect = ws.dialect()?;
    let (from, to) = if target.contains(':') {
        let (from, to) = parse_range(target)?;
        let to = to.ok_or_else(|| Error::usage("the range has no end", Some("e.g. `retort upgrade --sql ae10:head`".into())))?;
        let from_rows = match from {
            Some(f) => graph.ids(&f.resolve(graph, &[])?).into_iter().map(|i| i.to_string()).collect(),
            None => Vec::new(),
        };
        (from_rows, to)
    } else {
        if mode == Mode::Downgrade {
            return Err(Error::usage(
                "downgrade --sql needs a starting point",
                Some("give a range FROM:TO, e.g. `retort downgrade --sql head:base`".into()),
            ));
        }
        (Vec::new(), Target::parse(target)?)
    };
    let sql = migrator.offline_sql(dialect.as_ref(), mode, &from, &to)?;
    printer.raw(&sql);
    Ok(0)
}

fn or_base(heads: &[String]) -> String {
    if heads.is_empty() { "base".into() } else { heads.join(", ") }
}

/// Per-revision progress: a bar on a terminal, plain lines when piped.
struct Progress<'p> {
    printer: &'p Printer,
    bar: Option<indicatif::ProgressBar>,
}

impl<'p> Progress<'p> {
    fn new(printer: &'p Printer) -> Self {
        Progress { printer, bar: None }
    }

    fn event(&mut self, event: Event<'_>) {
        if self.printer.quiet {
            return;
        }
        match event {
            Event::StepStarted { index, total, file, direction } => {
                if self.printer.tty {
                    let bar = self.bar.get_or_insert_with(|| {
                        let b = indicatif::ProgressBar::new(total as u64);
                        b.set_style(indicatif::ProgressStyle::with_template("{spinner} [{pos}/{len}] {wide_msg} {elapsed}").expect("valid template"));
                        b.enable_steady_tick(Duration::from_millis(100));
                        b
                    });
                    bar.set_length(total as u64);
                    bar.set_position(index as u64 - 1);
                    bar.set_message(format!("{} {} {}", verb(direction), file.id, file.message));
                }
                if self.printer.verbose {
                    self.println(format!("  {} {} ({}):", verb(direction), file.id, file.path.display()));
                    let section = match direction {
                        Direction::Up => Some(&file.upgrade),
                        Direction::Down => file.downgrade.as_ref(),
                    };
                    for stmt in section.map(|s| retort::core::sql_split::split(&s.sql)).unwrap_or_default() {
                        for line in stmt.sql.lines() {
                            self.println(format!("    {line}"));
                        }
                    }
                }
            }
            Event::StepFinished { index, total, file, direction, elapsed } => {
                self.println(format!("[{index}/{total}] {} {} {} ({} ms)", verb(direction), file.id, file.message, elapsed.as_millis()));
            }
            Event::Replanned { heads } => {
                self.println(format!("another run moved the database to {}; continuing from there", or_base(&heads)));
            }
            Event::WaitingForLock { timeout } => {
                self.println(format!("another retort run holds the migration lock; waiting up to {}s (--lock-timeout)", timeout.as_secs()));
            }
            Event::NonTransactional { file } => {
                self.println(format!("note: {} is marked transactional: false and runs outside a transaction", file.id));
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

fn verb(d: Direction) -> &'static str {
    match d {
        Direction::Up => "upgrade",
        Direction::Down => "downgrade",
    }
}
