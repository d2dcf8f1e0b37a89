//! Commands that compare the live database with the migrations: `verify` (checksums of
//! applied files), `drift` (schema vs its revision), `baseline` (adopt a legacy
//! database) and `recover-file` (write back a lost revision from the log).
use crate::args::{BaselineArgs, RecoverArgs, RestoreArgs, VerifyArgs};
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::autogen;
use retort::core::diff::{diff, Renames};
use retort::core::error::{exit, StateError, TargetError};
use retort::core::revision::file::{NewRevision, RevisionFile};
use retort::core::schema::Schema;
use retort::core::RevisionId;
use retort::{Error, Migrator, RevisionGraph, Target};
use serde_json::json;

pub fn verify(args: &VerifyArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let graph = ws.graph()?;
    let migrator = Migrator::new(&graph, ws.project.tables());
    let mut conn = ws.connect_existing()?;
    if let Some(rev) = &args.accept {
        ws.guard_write("accept a changed revision")?;
        let set = Target::parse(rev)?.resolve(&graph, &[])?;
        let [i] = set.as_slice() else {
            return Err(Error::usage(format!("`{rev}` does not name one revision"), None));
        };
        let id = graph.id(*i).clone();
        printer.note(format!("retort: accepting the current text of {id} on {}", ws.describe_target()));
        migrator.accept_change(conn.as_mut(), &id, &ws.run_options())?;
    }
    let changed = migrator.changed_files(conn.as_mut())?;
    if printer.json {
        printer.json_value(&json!({ "ok": changed.is_empty(), "changed": changed }));
    } else if changed.is_empty() {
        printer.line("All applied revision files match what was applied.");
    } else {
        for c in &changed {
            printer.line(format!("CHANGED {} ({}) since it was applied:", c.rev, c.path.display()));
            for l in &c.diff {
                printer.line(format!("    {l}"));
            }
        }
        printer.line(format!("Restore the files, or after review: retort verify --accept {}", changed[0].rev));
    }
    Ok(if changed.is_empty() { 0 } else { exit::CHECKSUM })
}

/// The schema the database's recorded revisions imply, replayed into a scratch database.
pub(super) fn schema_at_current(ws: &retort::Workspace, graph: &RevisionGraph, rows: &[String]) -> Result<Schema, Error> {
    let mut scratch = ws.scratch()?;
    let migrator = Migrator::new(graph, ws.project.tables());
    for row in rows {
        migrator.run(scratch.as_mut(), retort::Mode::Upgrade, &Target::parse(row)?, &Default::default(), &mut |_| {})?;
    }
    Ok(ws.project.table_filter().apply(&scratch.introspect()?))
}

pub fn drift(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let graph = ws.graph()?;
    let migrator = Migrator::new(&graph, ws.project.tables());
    let mut conn = ws.connect_existing()?;
    migrator.current(conn.as_mut())?;
    let rows = migrator.current_rows(conn.as_mut())?;
    let expected = schema_at_current(&ws, &graph, &rows)?;
    let live = ws.project.table_filter().apply(&conn.introspect()?);
    let changes = diff(&expected, &live, &Renames::default());
    if printer.json {
        printer.json_value(&json!({ "current": rows, "drift": changes.iter().map(|c| c.describe()).collect::<Vec<_>>() }));
    } else if changes.is_empty() {
        printer.line(format!("No drift: {} matches its revision ({}).", ws.describe_target(), if rows.is_empty() { "base".into() } else { rows.join(", ") }));
    } else {
        printer.line(format!("{} has drifted from its revision ({}):", ws.describe_target(), if rows.is_empty() { "base".into() } else { rows.join(", ") }));
        for c in &changes {
            printer.line(format!("  {}", c.describe()));
        }
        printer.line("Undo the manual change, or capture it: edit models.sql and run `retort migrate`, then `retort stamp` if it is already in place.");
    }
    Ok(if changes.is_empty() { 0 } else { exit::FOUND })
}

pub fn baseline(args: &BaselineArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    super::revision::require_message(&args.message)?;
    ws.guard_write("baseline")?;
    let dir = ws.migrations();
    let graph = dir.load_graph()?;
    let mut conn = ws.connect_existing()?;
    let rows = Migrator::new(&graph, ws.project.tables()).current_rows(conn.as_mut())?;
    if !rows.is_empty() {
        return Err(StateError::AlreadyManaged { rows }.into());
    }
    let live = ws.project.table_filter().apply(&conn.introspect()?);
    if live.tables.is_empty() && live.views.is_empty() {
        return Err(Error::usage("the database has no tables to baseline", Some("for a new database, write models.sql and run `retort migrate`".into())));
    }
    let dialect = ws.dialect()?;
    let generated = autogen::generate(dialect.as_ref(), &Schema::default(), &live, &Renames::default())?;
    let new = NewRevision {
        id: super::revision::explicit_id(&graph, &dir, args.rev_id.as_deref())?,
        down: Vec::new(),
        message: args.message.clone(),
        created: super::now_iso(),
        transactional: true,
        notes: vec!["Baseline: the schema of an existing database, recorded by `retort baseline`.".into(), "The database it was taken from is stamped with this revision; it was not run there.".into()],
        upgrade: generated.upgrade_section(),
        downgrade: generated.downgrade_section(),
        ..Default::default()
    };
    let (id, path) = dir.write(&new)?;
    let graph = dir.load_graph()?;
    let migrator = Migrator::new(&graph, ws.project.tables());
    printer.note(format!("retort: stamping {} with the baseline", ws.describe_target()));
    migrator.stamp(conn.as_mut(), &Target::parse(id.as_str())?, true, &ws.run_options())?;
    printer.line(format!("Generated {} ({id}) from {} table(s) and stamped the database with it.", path.display(), live.tables.len()));
    if graph.heads().len() > 1 {
        printer.line("The baseline is a new root beside the existing revisions: `retort merge heads -m ...` joins them.");
    }
    Ok(0)
}

pub fn recover_file(args: &RecoverArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let dir = ws.migrations();
    let files = dir.load_files()?;
    let empty = RevisionGraph::build(Vec::new())?;
    let migrator = Migrator::new(&empty, ws.project.tables());
    let mut conn = ws.connect_existing()?;
    let log = migrator.log(conn.as_mut())?;
    let entry = log
        .iter()
        .rev()
        .find(|e| (e.revision == args.rev || e.revision.starts_with(&args.rev)) && e.script.is_some())
        .ok_or_else(|| TargetError::Unknown { name: args.rev.clone(), heads: Vec::new() })?;
    if files.iter().any(|f| f.id.as_str() == entry.revision) {
        return Err(Error::usage(format!("revision {} has a file already", entry.revision), Some("`retort verify` compares it with what was applied".into())));
    }
    let script = entry.script.clone().unwrap_or_default();
    let id = RevisionId::parse(&entry.revision).ok_or(StateError::NotDirty)?;
    let path = dir.versions().join(RevisionFile::file_name(&id, entry.message.as_deref().unwrap_or("")));
    RevisionFile::parse(&path, &script)?;
    printer.line(format!("-- recovered from the log ({} at {}):", entry.direction, entry.applied_at));
    printer.raw(&script);
    if !args.dry_run {
        std::fs::create_dir_all(dir.versions()).map_err(|e| Error::io("creating the versions directory", e))?;
        retort::core::fsio::write_new_atomic(&path, script.as_bytes()).map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        printer.note(format!("Wrote {}; commit it to version control.", path.display()));
    }
    Ok(0)
}

pub fn backup(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    printer.note(format!("retort: backing up {}", ws.describe_target()));
    let path = retort::ops::backup::backup(&ws)?;
    printer.line(format!("Backed up to {}", path.display()));
    Ok(0)
}

pub fn restore(args: &RestoreArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let file = settings.cwd.join(&args.file);
    printer.note(format!("retort: restoring {} into {}", file.display(), ws.describe_target()));
    let rows = retort::ops::backup::restore(&ws, &file)?;
    printer.line(format!("Restored; the database is at {}.", if rows.is_empty() { "base".into() } else { rows.join(", ") }));
    Ok(0)
}
