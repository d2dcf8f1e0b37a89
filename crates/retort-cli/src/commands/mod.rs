//! One file per command; each exposes `run(...) -> Result<i32, Error>`.
use crate::args::Command;
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::RevisionFile;
use retort::{Error, RevisionGraph};
use serde_json::{json, Value};

mod adopt;
mod apply;
mod autogen;
mod cache;
mod current;
mod doctor;
mod fleet;
mod graph_views;
mod init;
mod lint;
mod live;
mod merge;
mod revision;
mod shell;
mod squash;
mod stamp;
mod status;
mod test;

pub fn run(command: Command, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    match command {
        Command::Init(a) => init::run(&a, settings, printer),
        Command::Revision(a) => revision::run(&a, settings, printer),
        Command::Migrate(a) => autogen::migrate(&a, settings, printer),
        Command::Check(a) if a.fleet.used() => {
            fleet::run(retort::core::ops::fleet::FleetOp::Check, &a.fleet, settings, printer)
        }
        Command::Check(a) => autogen::check(&a, settings, printer),
        Command::Upgrade(a) => apply::upgrade(&a, settings, printer),
        Command::Downgrade(a) => apply::downgrade(&a, settings, printer),
        Command::Current(a) if a.fleet.used() => {
            fleet::run(retort::core::ops::fleet::FleetOp::Current, &a.fleet, settings, printer)
        }
        Command::Current(_) => current::run(settings, printer),
        Command::Status(a) if a.fleet.used() => {
            fleet::run(retort::core::ops::fleet::FleetOp::Status, &a.fleet, settings, printer)
        }
        Command::Status(_) => status::run(settings, printer),
        Command::History(a) => graph_views::history(&a, settings, printer),
        Command::Graph(a) => graph_views::graph(&a, settings, printer),
        Command::Heads => graph_views::heads(settings, printer),
        Command::Branches => graph_views::branches(settings, printer),
        Command::Show(a) => graph_views::show(&a, settings, printer),
        Command::Merge(a) => merge::run(&a, settings, printer),
        Command::Stamp(a) => stamp::run(&a, settings, printer),
        Command::Resolve(a) => stamp::resolve(&a, settings, printer),
        Command::Verify(a) if a.fleet.used() && a.accept.is_none() => {
            fleet::run(retort::core::ops::fleet::FleetOp::Verify, &a.fleet, settings, printer)
        }
        Command::Verify(a) => live::verify(&a, settings, printer),
        Command::Drift(a) if a.fleet.used() => {
            fleet::run(retort::core::ops::fleet::FleetOp::Drift, &a.fleet, settings, printer)
        }
        Command::Drift(_) => live::drift(settings, printer),
        Command::Baseline(a) => live::baseline(&a, settings, printer),
        Command::Adopt(crate::args::AdoptCommand::Alembic(a)) => {
            adopt::alembic(&a, settings, printer)
        }
        Command::RecoverFile(a) => live::recover_file(&a, settings, printer),
        Command::Backup => live::backup(settings, printer),
        Command::Lint(a) => lint::run(&a, settings, printer),
        Command::Doctor => doctor::run(settings, printer),
        Command::Cache(crate::args::CacheCommand::Clear) => cache::clear(settings, printer),
        Command::Test => test::run(settings, printer),
        Command::Squash(args) => squash::run(&args, settings, printer),
        Command::Completions { shell } => shell::completions(shell, printer),
        Command::Man => shell::man(printer),
        Command::Restore(a) => live::restore(&a, settings, printer),
    }
}

/// The documented JSON shape of one revision (README, "JSON output").
pub fn revision_json(graph: &RevisionGraph, i: usize) -> Value {
    let f = graph.rev(i);
    json!({
        "revision": f.id,
        "down_revisions": f.down,
        "message": f.message,
        "created": f.created,
        "branch_labels": f.branch_labels,
        "path": f.path.display().to_string(),
        "is_head": graph.children(i).is_empty(),
        "is_base": graph.parents(i).is_empty(),
        "is_merge": graph.parents(i).len() > 1,
        "is_branch_point": graph.children(i).len() > 1,
        "transactional": f.transactional,
    })
}

/// Alembic's one-line form: `parent -> rev (head) (branchpoint), message`.
pub fn revision_line(graph: &RevisionGraph, i: usize) -> String {
    let f: &RevisionFile = graph.rev(i);
    let parents = if f.down.is_empty() {
        "<base>".to_string()
    } else {
        f.down.iter().map(|d| d.as_str()).collect::<Vec<_>>().join(", ")
    };
    // Dependencies in parentheses after the parents, as Alembic writes them.
    let deps = if f.depends_on.is_empty() {
        String::new()
    } else {
        format!(
            " ({})",
            graph
                .ids(graph.dependencies(i))
                .iter()
                .map(|d| d.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    format!("{parents}{deps} -> {}{}, {}", f.id, tags(graph, i), f.message)
}

/// ` (label) (head) (mergepoint) (branchpoint)` markers.
pub fn tags(graph: &RevisionGraph, i: usize) -> String {
    let f = graph.rev(i);
    let mut s = String::new();
    for l in &f.branch_labels {
        s.push_str(&format!(" ({l})"));
    }
    if graph.children(i).is_empty() {
        s.push_str(" (head)");
    }
    // A dependency neither merges nor branches the history (Alembic marks neither).
    if f.down.len() > 1 {
        s.push_str(" (mergepoint)");
    }
    if graph.children(i).iter().filter(|&&c| !graph.dependencies(c).contains(&i)).count() > 1 {
        s.push_str(" (branchpoint)");
    }
    s
}
