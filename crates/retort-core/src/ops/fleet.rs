//! One schema, many databases: an environment that names a fleet — a list of
//! URLs, or a URL template with `{target}` and the names from a list, a command or a query
//! on a control database — and the rollout of one operation over it.
//!
//! Each target is an ordinary [`Workspace`] ([`Workspace::for_target`]) and goes through
//! the same operation a single database does, so it gets its own migration lock,
//! transactions, backup and protected-environment guard. Before an upgrade or downgrade
//! takes a target's lock, a lock-free precheck reads its version table: a target already
//! at the goal costs one cheap query. Targets run on `parallel` threads; a canary stage
//! runs first and stops the rollout if any of it fails; otherwise the rollout stops at
//! the first failure (targets not started are `not_run`) unless `continue_on_error`.
//! The report of the last run is kept in `.retort/fleet/<env>.json`, so `resume` skips
//! the targets that finished.
use crate::apply::Migrator;
use crate::config::{Fleet, FleetNames};
use crate::diff::filter::glob;
use crate::error::Error;
use crate::ops::Workspace;
use crate::plan::Direction;
use crate::revision::target::Target;
use crate::url::RedactedUrl;
use serde::{Deserialize, Serialize};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

/// One database of a fleet.
#[derive(Clone, Debug)]
pub struct FleetTarget {
    pub name: String,
    pub url: RedactedUrl,
}

/// What to do on every target.
#[derive(Clone, Debug)]
pub enum FleetOp {
    Upgrade {
        target: String,
    },
    Downgrade {
        target: String,
    },
    /// Read the version table only (`current`).
    Current,
    /// Applied files against their recorded checksums (`verify`): a target with a
    /// changed file fails.
    Verify,
    /// The live schema against the one its revision implies (`drift`): a target that
    /// drifted fails.
    Drift,
    /// Where each target is and how many revisions it lacks (`status`); a target whose
    /// state is unusable (dirty, unknown revision) fails.
    Status,
    /// A target with pending revisions or drift fails (`check`; the models-against-head
    /// half of `check` is the project's, not a target's).
    Check,
}

impl FleetOp {
    fn key(&self) -> String {
        match self {
            FleetOp::Upgrade { target } => format!("upgrade {target}"),
            FleetOp::Downgrade { target } => format!("downgrade {target}"),
            FleetOp::Current => "current".into(),
            FleetOp::Verify => "verify".into(),
            FleetOp::Drift => "drift".into(),
            FleetOp::Status => "status".into(),
            FleetOp::Check => "check".into(),
        }
    }
}

#[derive(Clone, Debug)]
pub struct FleetOptions {
    /// Target names or glob patterns (`*`, `?`); empty: every target.
    pub select: Vec<String>,
    pub parallel: usize,
    /// Run this many targets first; stop if any of them fails.
    pub canary: usize,
    pub continue_on_error: bool,
    /// Skip the targets the last run of the same operation finished.
    pub resume: bool,
}

impl Default for FleetOptions {
    fn default() -> Self {
        FleetOptions {
            select: Vec::new(),
            parallel: 4,
            canary: 0,
            continue_on_error: false,
            resume: false,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TargetStatus {
    /// Revisions ran.
    Ok,
    /// Already at the goal (the precheck), or finished by the run being resumed.
    Skipped,
    Failed,
    /// Not started: the rollout stopped first.
    NotRun,
}

/// One target's line of the report.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct TargetResult {
    pub target: String,
    /// Password redacted.
    pub url: String,
    pub status: TargetStatus,
    pub before: Vec<String>,
    pub after: Vec<String>,
    pub steps: usize,
    pub duration_ms: u64,
    pub error: Option<String>,
    /// The exit code the error would have on its own.
    pub exit_code: Option<i32>,
    /// Revisions `upgrade heads` would apply (`status`, `check`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending: Option<usize>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct FleetReport {
    pub env: String,
    pub operation: String,
    pub results: Vec<TargetResult>,
}

impl FleetReport {
    pub fn failed(&self) -> usize {
        self.results.iter().filter(|r| r.status == TargetStatus::Failed).count()
    }
}

/// The fleet's targets, in the order they are named (a command or query runs now). A name
/// listed twice is refused: the target would be migrated twice at once.
pub fn targets(ws: &Workspace) -> Result<Vec<FleetTarget>, Error> {
    let targets = named_targets(ws)?;
    let mut seen = std::collections::HashSet::new();
    if let Some(twice) = targets.iter().find(|t| !seen.insert(t.name.as_str())) {
        return Err(Error::usage(
            format!(
                "fleet target `{}` is listed twice in environment `{}`",
                twice.name, ws.env.name
            ),
            Some(
                "name each target once (its URLs, or the list, command or query that names them)"
                    .into(),
            ),
        ));
    }
    Ok(targets)
}

fn named_targets(ws: &Workspace) -> Result<Vec<FleetTarget>, Error> {
    let Some(fleet) = &ws.env.fleet else {
        return Err(Error::usage(format!("environment `{}` is not a fleet", ws.env.name), Some("give it `urls = [...]`, or a `url` with {target} and `targets`, `targets_command` or `targets_query` (see the README)".into())));
    };
    let names = match fleet {
        Fleet::Urls(urls) => {
            return Ok(urls
                .iter()
                .map(|u| FleetTarget { name: name_of(u), url: u.clone() })
                .collect())
        }
        Fleet::Template { names, .. } => match names {
            FleetNames::List(list) => list.clone(),
            FleetNames::Command(cmd) => {
                let out = std::process::Command::new("sh")
                    .arg("-c")
                    .arg(cmd)
                    .current_dir(&ws.project.dir)
                    .output()
                    .map_err(|e| Error::io(format!("running targets_command `{cmd}`"), e))?;
                if !out.status.success() {
                    return Err(Error::usage(
                        format!(
                            "targets_command `{cmd}` failed ({}): {}",
                            out.status,
                            String::from_utf8_lossy(&out.stderr).trim()
                        ),
                        Some("run it by hand from the project directory".into()),
                    ));
                }
                String::from_utf8_lossy(&out.stdout)
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty() && !l.starts_with('#'))
                    .map(str::to_string)
                    .collect()
            }
            FleetNames::Query { control, sql } => {
                let mut conn = ws.open_url(control)?;
                conn.query(sql)?
                    .into_iter()
                    .filter_map(|r| r.into_iter().next().flatten())
                    .collect()
            }
        },
    };
    let Fleet::Template { url, .. } = fleet else { unreachable!("urls returned above") };
    names
        .into_iter()
        .map(|n| {
            // A name goes into a URL and file names: only characters that need no escaping.
            if let Err(message) = crate::config::safe_name("fleet target", &n) {
                return Err(Error::usage(
                    message,
                    Some("fix the list, command or query that names the targets".into()),
                ));
            }
            Ok(FleetTarget { url: RedactedUrl::new(url.replace("{target}", &n)), name: n })
        })
        .collect()
}

/// A target's name from its URL: the schema it selects, else the database (file stem).
fn name_of(url: &RedactedUrl) -> String {
    let raw = url.expose();
    let (path, query) = raw.split_once('?').unwrap_or((raw, ""));
    if let Some(schema) = query.split('&').find_map(|kv| kv.strip_prefix("schema=")) {
        return schema.to_string();
    }
    let last = path.rsplit('/').next().unwrap_or(path);
    last.strip_suffix(".db").or_else(|| last.strip_suffix(".sqlite")).unwrap_or(last).to_string()
}

fn report_path(ws: &Workspace) -> PathBuf {
    // Not under the cache (safe to delete): `--resume` reads it.
    ws.project.dir.join(".retort").join("fleet").join(format!("{}.json", ws.env.name))
}

/// The last run's report of this environment, if any.
pub fn last_report(ws: &Workspace) -> Option<FleetReport> {
    serde_json::from_slice(&std::fs::read(report_path(ws)).ok()?).ok()
}

/// Runs `op` over the fleet; `on_done` hears of each target as it finishes (from worker
/// threads). Failures are in the report, not an `Err`: the caller decides the exit code.
pub fn run(
    ws: &Workspace,
    op: &FleetOp,
    opts: &FleetOptions,
    on_done: &(dyn Fn(&TargetResult, usize, usize) + Sync),
) -> Result<FleetReport, Error> {
    let all = targets(ws)?;
    let selected: Vec<FleetTarget> = if opts.select.is_empty() {
        all.clone()
    } else {
        all.iter().filter(|t| opts.select.iter().any(|p| glob(p, &t.name))).cloned().collect()
    };
    if selected.is_empty() {
        return Err(Error::usage(
            format!("no target of `{}` matches {}", ws.env.name, opts.select.join(", ")),
            Some(format!(
                "the targets are: {}",
                all.iter().take(20).map(|t| t.name.as_str()).collect::<Vec<_>>().join(", ")
            )),
        ));
    }
    if let FleetOp::Upgrade { .. } | FleetOp::Downgrade { .. } = op {
        ws.guard_write(&op.key())?;
    }
    let finished: std::collections::HashMap<String, TargetResult> =
        match (opts.resume, last_report(ws)) {
            (true, Some(last)) if last.operation == op.key() => last
                .results
                .into_iter()
                .filter(|r| matches!(r.status, TargetStatus::Ok | TargetStatus::Skipped))
                .map(|r| (r.target.clone(), r))
                .collect(),
            _ => Default::default(),
        };
    // Loaded once for the lock-free prechecks; each operation loads its own as it runs.
    let graph = ws.graph()?;
    let total = selected.len();
    let results: Mutex<Vec<Option<TargetResult>>> = Mutex::new(vec![None; total]);
    let stop = AtomicBool::new(false);
    let done = AtomicUsize::new(0);
    let one = |i: usize| {
        let t = &selected[i];
        let result = if let Some(last) = finished.get(&t.name) {
            TargetResult {
                status: TargetStatus::Skipped,
                steps: 0,
                duration_ms: 0,
                error: Some("finished by the run being resumed".into()),
                ..last.clone()
            }
        } else {
            run_one(ws, &graph, t, op)
        };
        if result.status == TargetStatus::Failed && !opts.continue_on_error {
            stop.store(true, Ordering::SeqCst);
        }
        let n = done.fetch_add(1, Ordering::SeqCst) + 1;
        on_done(&result, n, total);
        results.lock().unwrap_or_else(|e| e.into_inner())[i] = Some(result);
    };
    let stage = |range: std::ops::Range<usize>, stop_on_failure: bool| {
        let next = AtomicUsize::new(range.start);
        let workers = opts.parallel.max(1).min(range.len().max(1));
        std::thread::scope(|s| {
            for _ in 0..workers {
                s.spawn(|| loop {
                    if (stop_on_failure && stop.load(Ordering::SeqCst))
                        || crate::interrupt::requested()
                    {
                        break;
                    }
                    let i = next.fetch_add(1, Ordering::SeqCst);
                    if i >= range.end {
                        break;
                    }
                    one(i);
                });
            }
        });
    };
    let canary = opts.canary.min(total);
    if canary > 0 {
        stage(0..canary, true);
        let canary_failed = results.lock().unwrap_or_else(|e| e.into_inner())[..canary]
            .iter()
            .flatten()
            .any(|r| r.status == TargetStatus::Failed);
        if canary_failed {
            stop.store(true, Ordering::SeqCst);
        }
    }
    if !stop.load(Ordering::SeqCst) {
        stage(canary..total, !opts.continue_on_error);
    }
    let results: Vec<TargetResult> = results
        .into_inner()
        .unwrap_or_else(|e| e.into_inner())
        .into_iter()
        .enumerate()
        .map(|(i, r)| {
            r.unwrap_or_else(|| TargetResult {
                status: TargetStatus::NotRun,
                ..result_for(&selected[i])
            })
        })
        .collect();
    let report = FleetReport { env: ws.env.name.clone(), operation: op.key(), results };
    if matches!(op, FleetOp::Upgrade { .. } | FleetOp::Downgrade { .. }) {
        let path = report_path(ws);
        if let Some(dir) = path.parent() {
            let _ = std::fs::create_dir_all(dir);
        }
        if let Ok(json) = serde_json::to_vec_pretty(&report) {
            let _ = std::fs::write(&path, json);
        }
    }
    crate::interrupt::check()?;
    Ok(report)
}

fn result_for(t: &FleetTarget) -> TargetResult {
    TargetResult {
        target: t.name.clone(),
        url: t.url.to_string(),
        status: TargetStatus::Ok,
        before: Vec::new(),
        after: Vec::new(),
        steps: 0,
        duration_ms: 0,
        error: None,
        exit_code: None,
        pending: None,
    }
}

/// One target: precheck without the lock, then the operation a single database gets.
fn run_one(
    ws: &Workspace,
    graph: &crate::revision::graph::RevisionGraph,
    t: &FleetTarget,
    op: &FleetOp,
) -> TargetResult {
    let started = Instant::now();
    let tws = ws.for_target(&t.name, t.url.clone());
    let mut result = result_for(t);
    let outcome: Result<(), Error> = (|| {
        let migrator = Migrator::new(graph, tws.project.tables());
        let (mode, target) = match op {
            FleetOp::Upgrade { target } => (Direction::Up, target),
            FleetOp::Downgrade { target } => (Direction::Down, target),
            FleetOp::Current
            | FleetOp::Verify
            | FleetOp::Drift
            | FleetOp::Status
            | FleetOp::Check => {
                let mut conn = tws.connect_existing()?;
                let current = migrator.current(conn.as_mut())?;
                result.before = graph.ids(&current).iter().map(|i| i.to_string()).collect();
                if matches!(op, FleetOp::Status | FleetOp::Check) {
                    result.pending = Some(
                        crate::plan::plan_upgrade(graph, &current, &graph.heads()).steps.len(),
                    );
                }
                result.after = result.before.clone();
                result.status = TargetStatus::Skipped;
                let found: Option<(String, i32)> = match op {
                    FleetOp::Verify => {
                        let changed = crate::history::verify::changed_files(
                            &migrator.store,
                            migrator.graph,
                            conn.as_mut(),
                        )?;
                        (!changed.is_empty()).then(|| {
                            (
                                format!(
                                    "applied file(s) changed: {}",
                                    changed
                                        .iter()
                                        .map(|c| c.rev.to_string())
                                        .collect::<Vec<_>>()
                                        .join(", ")
                                ),
                                crate::error::exit::CHECKSUM,
                            )
                        })
                    }
                    FleetOp::Drift | FleetOp::Check => {
                        let pending = result.pending.unwrap_or(0);
                        let drift = crate::ops::live::drift_of(&tws, graph, conn.as_mut())?;
                        if pending > 0 {
                            Some((
                                format!("{pending} pending revision(s)"),
                                crate::error::exit::FOUND,
                            ))
                        } else {
                            (!drift.changes.is_empty()).then(|| {
                                (
                                    format!(
                                        "drifted: {}",
                                        drift
                                            .changes
                                            .iter()
                                            .map(|c| c.describe())
                                            .collect::<Vec<_>>()
                                            .join("; ")
                                    ),
                                    crate::error::exit::FOUND,
                                )
                            })
                        }
                    }
                    _ => None,
                };
                if let Some((error, code)) = found {
                    result.status = TargetStatus::Failed;
                    result.error = Some(error);
                    result.exit_code = Some(code);
                } else if !matches!(op, FleetOp::Current) {
                    result.status = TargetStatus::Ok;
                }
                return Ok(());
            }
        };
        let mut conn = tws.connect()?;
        let rows = migrator.store.current_rows(conn.as_mut())?;
        result.before = rows.clone();
        // Without the lock: another run's revision in progress is waited for by the
        // operation below, not taken for a dirty database here.
        if migrator
            .peek_plan(conn.as_mut(), mode, &Target::parse(target)?)
            .is_some_and(|p| p.is_empty())
        {
            result.after = rows;
            result.status = TargetStatus::Skipped;
            return Ok(());
        }
        drop(conn);
        let outcome = crate::ops::apply(&tws, mode, target, false, &mut |_| {})?;
        result.before = outcome.report.heads_before;
        result.after = outcome.report.heads_after;
        result.steps = outcome.report.steps.len();
        Ok(())
    })();
    if let Err(e) = outcome {
        result.status = TargetStatus::Failed;
        result.exit_code = Some(e.exit_code());
        result.error = Some(e.to_string());
        // Where the failure left it: revisions before the failing one stay applied.
        let rows = tws
            .connect_existing()
            .and_then(|mut c| Migrator::new(graph, tws.project.tables()).current(c.as_mut()));
        if let Ok(rows) = rows {
            result.after = graph.ids(&rows).iter().map(|i| i.to_string()).collect();
        }
    }
    result.duration_ms = started.elapsed().as_millis() as u64;
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn globs_and_names() {
        assert!(
            glob("eu-*", "eu-west")
                && glob("*", "x")
                && glob("t?", "t1")
                && glob("a*b*c", "axxbyyc")
        );
        assert!(!glob("eu-*", "us-east") && !glob("t?", "t10") && !glob("a*b", "ac"));
        assert_eq!(name_of(&RedactedUrl::new("sqlite://tenants/acme.db".into())), "acme");
        assert_eq!(
            name_of(&RedactedUrl::new("postgres://u:p@h/app?schema=globex".into())),
            "globex"
        );
        assert_eq!(name_of(&RedactedUrl::new("mysql://root@h:3306/shard_7".into())), "shard_7");
    }
}
