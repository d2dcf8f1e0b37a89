//! `upgrade`, `downgrade` and `current` over a fleet (`--all`, `--target`, `--targets`):
//! one call into `ops::fleet::run`, a line per target as it finishes, then the table.
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::ops::fleet::{self, FleetOp, FleetOptions, TargetResult, TargetStatus};
use retort::Error;

/// Picking and rolling out over the targets of a fleet environment.
#[derive(Debug, clap::Args, Default, Clone)]
pub struct FleetArgs {
    /// Every target of the environment's fleet.
    #[arg(long)]
    pub all: bool,
    /// One target of the fleet by name (repeatable).
    #[arg(long = "target", value_name = "NAME")]
    pub target_names: Vec<String>,
    /// The targets whose names match GLOB (`*`, `?`; repeatable).
    #[arg(long = "targets", value_name = "GLOB")]
    pub target_globs: Vec<String>,
    /// How many targets run at once.
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u16).range(1..=256))]
    pub parallel: u16,
    /// Run this many targets first and stop if any of them fails.
    #[arg(long, default_value_t = 0)]
    pub canary: usize,
    /// Go on with the other targets after one fails (default: stop starting new ones).
    #[arg(long)]
    pub continue_on_error: bool,
    /// Skip the targets the last run of the same command finished.
    #[arg(long)]
    pub resume: bool,
}

impl FleetArgs {
    pub fn used(&self) -> bool {
        self.all || !self.target_names.is_empty() || !self.target_globs.is_empty()
    }
}

fn status(r: &TargetResult) -> &'static str {
    match r.status {
        TargetStatus::Ok => "ok",
        TargetStatus::Skipped => "skipped",
        TargetStatus::Failed => "FAILED",
        TargetStatus::NotRun => "not run",
    }
}

fn heads(h: &[String]) -> String {
    if h.is_empty() {
        "base".into()
    } else {
        h.join(",")
    }
}

pub fn run(
    op: FleetOp,
    args: &FleetArgs,
    settings: &Settings,
    printer: &Printer,
) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let mut select = args.target_names.clone();
    select.extend(args.target_globs.iter().cloned());
    let opts = FleetOptions {
        select: if args.all { Vec::new() } else { select },
        parallel: args.parallel as usize,
        canary: args.canary,
        continue_on_error: args.continue_on_error,
        resume: args.resume,
    };
    if !matches!(op, FleetOp::Current) {
        printer.note(format!(
            "retort: {} over the fleet of env {} ({} at a time{})",
            match &op {
                FleetOp::Upgrade { target } => format!("upgrade {target}"),
                FleetOp::Downgrade { target } => format!("downgrade {target}"),
                FleetOp::Verify => "verify".into(),
                FleetOp::Drift => "drift".into(),
                FleetOp::Status => "status".into(),
                FleetOp::Check => "check".into(),
                FleetOp::Current => String::new(),
            },
            ws.env.name,
            opts.parallel,
            if opts.canary > 0 { format!(", {} canary first", opts.canary) } else { String::new() }
        ));
    }
    let quiet = printer.quiet || printer.json;
    let report = fleet::run(&ws, &op, &opts, &|r, n, total| {
        if !quiet {
            eprintln!(
                "[{n}/{total}] {} {} ({} step(s), {} ms){}",
                r.target,
                status(r),
                r.steps,
                r.duration_ms,
                r.error
                    .as_deref()
                    .filter(|_| r.status == TargetStatus::Failed)
                    .map(|e| format!(": {}", e.lines().next().unwrap_or_default()))
                    .unwrap_or_default()
            );
        }
    })?;
    let failed = report.failed();
    let code = if failed > 0 { retort::exit::FLEET_FAILED } else { 0 };
    if printer.json {
        printer.json_value(&serde_json::to_value(&report).unwrap_or_default());
        return Ok(code);
    }
    let width = report.results.iter().map(|r| r.target.len()).max().unwrap_or(6).max(6);
    let pending = report.results.iter().any(|r| r.pending.is_some());
    printer.line(format!(
        "{:width$}  {:8}  {:>5}  {:>8}  before -> after{}",
        "target",
        "status",
        "steps",
        "ms",
        if pending { "  pending" } else { "" }
    ));
    for r in &report.results {
        let p = r.pending.map(|n| format!("  {n}")).unwrap_or_default();
        printer.line(format!(
            "{:width$}  {:8}  {:>5}  {:>8}  {} -> {}{p}",
            r.target,
            status(r),
            r.steps,
            r.duration_ms,
            heads(&r.before),
            heads(&r.after)
        ));
    }
    let count = |s: TargetStatus| report.results.iter().filter(|r| r.status == s).count();
    printer.note(format!(
        "{} target(s): {} ok, {} skipped, {failed} failed, {} not run{}",
        report.results.len(),
        count(TargetStatus::Ok),
        count(TargetStatus::Skipped),
        count(TargetStatus::NotRun),
        if failed > 0 || count(TargetStatus::NotRun) > 0 {
            "; fix the failures, then run again with --resume to skip the targets that finished"
        } else {
            ""
        }
    ));
    for r in report.results.iter().filter(|r| r.status == TargetStatus::Failed) {
        printer.note(format!("{}: {}", r.target, r.error.as_deref().unwrap_or_default()));
    }
    Ok(code)
}
