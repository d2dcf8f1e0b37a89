//! Operations on the live database beside apply: `drift` (the schema against the one its
//! revision implies), `verify` (checksums of applied files), `baseline` (adopt a legacy
//! database), `recover_file` (write back a lost revision from the log), `resolve` (record
//! how a dirty revision was repaired).
use crate::apply::Migrator;
use crate::autogen;
use crate::diff::{diff, Change, Renames};
use crate::engine::Connection;
use crate::error::{ChangedFile, Error, StateError, TargetError};
use crate::history::log::LogEntry;
use crate::ops::Workspace;
use crate::plan::Direction;
use crate::revision::file::RevisionFile;
use crate::revision::graph::RevisionGraph;
use crate::revision::id::RevisionId;
use crate::revision::target::Target;
use crate::schema::Schema;
use std::path::PathBuf;

/// The schema the recorded revisions imply: from the project's cache when the same
/// revision files were replayed before on this engine version, else replayed into a
/// scratch database (and cached).
pub fn schema_at(
    ws: &Workspace,
    graph: &RevisionGraph,
    rows: &[String],
    server_version: &str,
) -> Result<Schema, Error> {
    let at: Vec<usize> = rows
        .iter()
        .filter_map(|r| RevisionId::parse(r).and_then(|id| graph.index_of(&id)))
        .collect();
    let cache = ws.head_cache()?;
    let key = cache.key(server_version, graph, &graph.ancestors_inclusive(&at));
    if let Some(schema) = cache.get(&key) {
        return Ok(schema);
    }
    let mut scratch = ws.scratch()?;
    let migrator = Migrator::new(graph, ws.project.tables());
    for row in rows {
        migrator.run(
            scratch.as_mut(),
            Direction::Up,
            &Target::parse(row)?,
            &Default::default(),
            &mut |_| {},
        )?;
    }
    let schema = ws.project.table_filter().apply(&scratch.introspect()?);
    cache.put(&key, &schema);
    Ok(schema)
}

/// Where the database is and how its schema differs from that revision's.
#[derive(Debug, serde::Serialize)]
pub struct Drift {
    pub current: Vec<String>,
    /// Printed as their descriptions, under `drift`.
    #[serde(rename = "drift", serialize_with = "descriptions")]
    pub changes: Vec<Change>,
}

fn descriptions<S: serde::Serializer>(changes: &[Change], s: S) -> Result<S::Ok, S::Error> {
    s.collect_seq(changes.iter().map(|c| c.describe()))
}

/// What `verify` found (and accepted, with `--accept`).
#[derive(Debug, serde::Serialize)]
pub struct Verified {
    /// The revision whose current text was accepted, if one was.
    #[serde(skip)]
    pub accepted: Option<RevisionId>,
    /// No applied file changed.
    pub ok: bool,
    pub changed: Vec<ChangedFile>,
}

/// Drift of an open connection (validated against the graph first).
pub fn drift_of(
    ws: &Workspace,
    graph: &RevisionGraph,
    conn: &mut dyn Connection,
) -> Result<Drift, Error> {
    let migrator = Migrator::new(graph, ws.project.tables());
    migrator.current(conn)?;
    let current = migrator.store.current_rows(conn)?;
    let version = conn.server_version()?;
    let expected = schema_at(ws, graph, &current, &version)?;
    let live = ws.project.table_filter().apply(&conn.introspect()?);
    Ok(Drift { current, changes: diff(&expected, &live, &Renames::default()) })
}

/// `retort drift`.
pub fn drift(ws: &Workspace) -> Result<Drift, Error> {
    let graph = ws.graph()?;
    let mut conn = ws.connect_existing()?;
    drift_of(ws, &graph, conn.as_mut())
}

/// `retort verify [--accept REV]`: applied files that changed since they were applied,
/// after re-recording `accept` (reviewed) if given.
pub fn verify(ws: &Workspace, accept: Option<&str>) -> Result<Verified, Error> {
    let graph = ws.graph()?;
    let migrator = Migrator::new(&graph, ws.project.tables());
    let mut conn = ws.connect_existing()?;
    let mut accepted = None;
    if let Some(rev) = accept {
        ws.guard_write("accept a changed revision")?;
        let set = Target::parse(rev)?.resolve(&graph, &[])?;
        let [i] = set.as_slice() else {
            return Err(Error::usage(format!("`{rev}` does not name one revision"), None));
        };
        let id = graph.id(*i).clone();
        migrator.accept_change(conn.as_mut(), &id, &ws.run_options())?;
        accepted = Some(id);
    }
    let changed =
        crate::history::verify::changed_files(&migrator.store, migrator.graph, conn.as_mut())?;
    Ok(Verified { accepted, ok: changed.is_empty(), changed })
}

/// What `baseline` wrote.
#[derive(Debug)]
pub struct Baseline {
    pub id: RevisionId,
    pub path: PathBuf,
    pub tables: usize,
    /// The baseline is a new root beside existing revisions (`merge heads` joins them).
    pub beside_others: bool,
}

/// `retort baseline -m MSG`: a revision that creates the live schema, stamped on the
/// database it was taken from. Refused on a database retort already manages.
pub fn baseline(ws: &Workspace, message: &str, rev_id: Option<&str>) -> Result<Baseline, Error> {
    crate::revision::new::require_message(message)?;
    ws.guard_write("baseline")?;
    let dir = ws.migrations();
    let graph = dir.load_graph()?;
    let mut conn = ws.connect_existing()?;
    let rows = ws.store().current_rows(conn.as_mut())?;
    if !rows.is_empty() {
        return Err(StateError::AlreadyManaged { rows }.into());
    }
    let live = ws.project.table_filter().apply(&conn.introspect()?);
    if live.tables.is_empty() && live.views.is_empty() {
        return Err(Error::usage(
            "the database has no tables to baseline",
            Some("for a new database, write models.sql and run `retort migrate`".into()),
        ));
    }
    let dialect = ws.dialect()?;
    let generated = autogen::generate(
        dialect.as_ref(),
        &Schema::default(),
        &live,
        &Renames::default(),
        Default::default(),
    )?;
    let mut new = crate::revision::new::start(&graph, &dir, message, rev_id, Vec::new())?;
    new.notes = vec![
        "Baseline: the schema of an existing database, recorded by `retort baseline`.".into(),
        "The database it was taken from is stamped with this revision; it was not run there."
            .into(),
    ];
    new.upgrade = generated.upgrade_section();
    new.downgrade = generated.downgrade_section();
    let (id, path) = dir.write(&new)?;
    let graph = dir.load_graph()?;
    Migrator::new(&graph, ws.project.tables()).stamp(
        conn.as_mut(),
        &Target::parse(id.as_str())?,
        true,
        &ws.run_options(),
        "baseline written from the live schema",
    )?;
    Ok(Baseline { id, path, tables: live.tables.len(), beside_others: graph.heads().len() > 1 })
}

/// What `recover-file` found (and wrote, unless a dry run).
#[derive(Debug)]
pub struct Recovered {
    pub entry: LogEntry,
    pub path: PathBuf,
    pub script: String,
    pub written: bool,
}

/// `retort recover-file REV`: the text the log kept for a revision whose file is lost.
pub fn recover_file(ws: &Workspace, rev: &str, dry_run: bool) -> Result<Recovered, Error> {
    let dir = ws.migrations();
    let files = dir.load_files()?;
    let mut conn = ws.connect_existing()?;
    let log = ws.store().log(conn.as_mut())?;
    let entry = log
        .iter()
        .rev()
        .find(|e| (e.revision == rev || e.revision.starts_with(rev)) && e.script.is_some())
        .cloned()
        .ok_or_else(|| TargetError::Unknown { name: rev.to_string(), heads: Vec::new() })?;
    if files.iter().any(|f| f.id.as_str() == entry.revision) {
        return Err(Error::usage(
            format!("revision {} has a file already", entry.revision),
            Some("`retort verify` compares it with what was applied".into()),
        ));
    }
    let script = entry.script.clone().unwrap_or_default();
    let id = RevisionId::parse(&entry.revision)
        .ok_or_else(|| TargetError::Unknown { name: entry.revision.clone(), heads: Vec::new() })?;
    let path =
        dir.versions().join(RevisionFile::file_name(&id, entry.message.as_deref().unwrap_or("")));
    RevisionFile::parse(&path, &script)?;
    if !dry_run {
        std::fs::create_dir_all(dir.versions())
            .map_err(|e| Error::io("creating the versions directory", e))?;
        crate::fsio::write_new_atomic(&path, script.as_bytes())
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    }
    Ok(Recovered { entry, path, script, written: !dry_run })
}

/// `retort resolve --applied|--reverted`: records how a dirty revision was repaired;
/// returns the dirty entry and the version table's rows afterwards.
pub fn resolve(ws: &Workspace, applied: bool) -> Result<(LogEntry, Vec<String>), Error> {
    ws.guard_write("resolve")?;
    let graph = ws.graph()?;
    let migrator = Migrator::new(&graph, ws.project.tables());
    let mut conn = ws.connect_existing()?;
    let entry = migrator.resolve(conn.as_mut(), applied, &ws.run_options())?;
    Ok((entry, migrator.store.current_rows(conn.as_mut())?))
}

impl crate::ops::JsonShape for Drift {
    const COMMANDS: &'static [&'static str] = &["drift"];
    const SHAPE: &'static str = r#"`{"current": [ids], "drift": [descriptions]}`"#;
}

impl crate::ops::JsonShape for Verified {
    const COMMANDS: &'static [&'static str] = &["verify"];
    const SHAPE: &'static str =
        r#"`{"ok": bool, "changed": [{"rev", "path", "recorded", "current", "diff"}]}`"#;
}
