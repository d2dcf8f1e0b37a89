//! `retort squash A:B -m MSG`: one revision that does what a linear run of
//! revisions does, for new databases, without invalidating any database inside the run.
//!
//! The squash is generated, not concatenated: the history is replayed on a scratch
//! database up to A's parent and on to B, both schemas are introspected, and the diff
//! between them is rendered as one revision — then proven on another scratch database
//! (upgrade gives the schema at B, downgrade the schema at A's parent). Its id is B's, so
//! a version table reads the same whichever way a database got there.
//!
//! It lives in `migrations/squashed/` while the originals are in `versions/`: a database
//! at none of the range runs the squash in their place (the planner collapses the run), a
//! database inside it goes on with the originals. `finish` deletes the originals and moves
//! the squash into `versions/` once every database is past B, as Django's
//! `squashmigrations` is finished by deleting the replaced migrations.
use crate::autogen;
use crate::diff::Renames;
use crate::error::Error;
use crate::ops::Workspace;
use crate::plan::Direction;
use crate::revision::file::{NewRevision, RevisionFile};
use crate::revision::graph::RevisionGraph;
use crate::revision::id::RevisionId;
use crate::revision::target::{resolve_name, Target};
use crate::schema::Schema;
use std::path::PathBuf;

/// What `squash` wrote.
#[derive(Debug, serde::Serialize)]
pub struct Squashed {
    pub path: PathBuf,
    /// The revisions the squash runs in place of, oldest first (the last is its own id).
    pub range: Vec<RevisionId>,
    pub statements: usize,
}

/// Statements that change rows rather than the schema: a squash generated from two
/// schemas would silently leave them out.
const DATA_VERBS: &[&str] = &[
    "INSERT", "UPDATE", "DELETE", "MERGE", "COPY", "CALL", "DO", "SELECT", "REPLACE", "LOAD",
    "TRUNCATE", "WITH",
];

/// The linear run `A:B`, oldest first.
fn linear_range(graph: &RevisionGraph, range: &str) -> Result<Vec<usize>, Error> {
    let usage = |m: String| {
        Error::usage(m, Some("name a range of one line of history, oldest first: retort squash A:B -m MESSAGE (see `retort history`)".into()))
    };
    let (a, b) =
        range.split_once(':').ok_or_else(|| usage(format!("`{range}` is not a range A:B")))?;
    let (a, b) = (resolve_name(graph, a.trim())?, resolve_name(graph, b.trim())?);
    let mut chain = vec![b];
    let mut cur = b;
    while cur != a {
        match (graph.parents(cur), graph.dependencies(cur)) {
            ([p], []) => {
                if graph.children(*p).len() != 1 {
                    return Err(usage(format!("{} is a branch point inside the range: squash only a single line of history", graph.id(*p))));
                }
                cur = *p;
                chain.push(cur);
            }
            ([], _) => {
                return Err(usage(format!(
                    "{} is not an ancestor of {} along a single line of history",
                    graph.id(a),
                    graph.id(b)
                )))
            }
            _ => {
                return Err(usage(format!(
                    "{} is a merge or has a dependency: squash only a single line of history",
                    graph.id(cur)
                )))
            }
        }
    }
    chain.reverse();
    if chain.len() < 2 {
        return Err(usage("a squash needs at least two revisions".into()));
    }
    if let Some(s) = graph.shortcuts().iter().find(|s| s.chain.iter().any(|c| chain.contains(c))) {
        return Err(usage(format!(
            "{} already has a squash in migrations/squashed/ covering part of this range",
            s.file.id
        )));
    }
    Ok(chain)
}

/// Replays the history on `conn` up to `ids` (nothing for base) and returns the schema.
fn schema_at(
    ws: &Workspace,
    graph: &RevisionGraph,
    conn: &mut dyn crate::engine::Connection,
    ids: &[RevisionId],
) -> Result<Schema, Error> {
    for id in ids {
        crate::apply::Migrator::new(graph, ws.project.tables()).run(
            conn,
            Direction::Up,
            &Target::parse(id.as_str())?,
            &crate::apply::RunOptions::default(),
            &mut |_| {},
        )?;
    }
    Ok(ws.project.table_filter().apply(&conn.introspect()?))
}

/// Writes the squash of `range` into `migrations/squashed/`.
pub fn squash(ws: &Workspace, range: &str, message: &str) -> Result<Squashed, Error> {
    crate::revision::new::require_message(message)?;
    let graph = ws.graph()?;
    let chain = linear_range(&graph, range)?;
    // Data changes cannot be expressed by a schema diff: list them and stop.
    let mut data = Vec::new();
    for &i in &chain {
        let f = graph.rev(i);
        for step in f.upgrade.steps(f.transactional) {
            for st in step.statements {
                let verb =
                    st.sql.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
                if DATA_VERBS.contains(&verb.as_str()) {
                    data.push(format!(
                        "{}:{}: {}",
                        f.path.display(),
                        f.upgrade.first_line + st.line - 1,
                        st.sql.lines().next().unwrap_or_default()
                    ));
                }
            }
        }
    }
    if !data.is_empty() {
        return Err(Error::usage(
            format!("the range changes data, which a squash generated from schemas would leave out:\n  {}", data.join("\n  ")),
            Some("squash a range that ends before such a revision or starts after it".into()),
        ));
    }
    let first = chain[0];
    let last = *chain.last().expect("two revisions at least");
    let parents = graph.ids(graph.parents(first));
    let dialect = ws.dialect()?;
    let (before, after) = {
        let mut db = ws.scratch()?;
        let before = schema_at(ws, &graph, db.as_mut(), &parents)?;
        let after = schema_at(ws, &graph, db.as_mut(), &[graph.id(last).clone()])?;
        (before, after)
    };
    let generated = autogen::generate(
        dialect.as_ref(),
        &before,
        &after,
        &Renames::default(),
        Default::default(),
    )?;
    if !generated.rename_candidates.is_empty() {
        let names: Vec<String> = generated.rename_candidates.iter().map(|c| c.describe()).collect();
        return Err(Error::usage(
            format!("the range renames ({}); a squash generated from schemas would drop and re-add, losing the rows of a database at {}", names.join("; "), parents.first().map_or("base".to_string(), |p| p.to_string())),
            Some("squash a range that ends before the rename or starts after it".into()),
        ));
    }
    // Proof: on a fresh copy at A's parent the squash gives the schema at B, and back.
    let mut db = ws.scratch()?;
    schema_at(ws, &graph, db.as_mut(), &parents)?;
    let problems =
        autogen::verify(db.as_mut(), &generated, &before, &after, &ws.project.table_filter())?;
    drop(db);
    if !problems.is_empty() {
        return Err(Error::usage(
            format!(
                "the squash does not reproduce the range on a scratch database: {}",
                problems.join("; ")
            ),
            Some("squash a shorter range, or write the revision by hand".into()),
        ));
    }
    let range_ids = graph.ids(&chain);
    let new = NewRevision {
        id: Some(graph.id(last).clone()),
        down: parents,
        message: message.to_string(),
        created: graph.rev(last).created.clone().unwrap_or_else(crate::now_utc_iso),
        replaces: range_ids[..range_ids.len() - 1].to_vec(),
        transactional: true,
        notes: vec![
            format!("Squash of {} revisions, {} to {} (generated by retort squash, proven on a scratch database).", chain.len(), range_ids[0], graph.id(last)),
            "A database at none of them runs this file in their place; one inside the range goes on with the originals.".into(),
            format!("Once every database is past {}: retort squash --finish {}", graph.id(last), graph.id(last)),
        ],
        upgrade: generated.upgrade_section(),
        downgrade: generated.downgrade_section(),
        ..Default::default()
    };
    let dir = ws.migrations();
    let folder = dir.squashed();
    std::fs::create_dir_all(&folder)
        .map_err(|e| Error::io(format!("creating {}", folder.display()), e))?;
    let path = folder.join(RevisionFile::file_name(graph.id(last), message));
    let text = RevisionFile::render(&new, graph.id(last));
    RevisionFile::parse(&path, &text)?;
    crate::fsio::write_new_atomic(&path, text.as_bytes())
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    // The graph must take it: a squash that does not fit is removed again.
    if let Err(e) = ws.graph() {
        let _ = std::fs::remove_file(&path);
        return Err(e);
    }
    Ok(Squashed { path, range: range_ids, statements: generated.up_sql.len() })
}

/// `retort squash --finish REV`: deletes the files the squash of `rev` replaces and moves
/// the squash into `versions/`, where it is revision `rev` from then on.
pub fn finish(ws: &Workspace, rev: &str) -> Result<Squashed, Error> {
    let graph = ws.graph()?;
    let id = graph.id(resolve_name(&graph, rev)?).clone();
    let shortcut = graph.shortcut_for(&id).ok_or_else(|| {
        Error::usage(
            format!("{id} has no squash in migrations/squashed/"),
            Some("create one with retort squash A:B -m MESSAGE".into()),
        )
    })?;
    let dest = ws.migrations().versions().join(shortcut.file.path.file_name().unwrap_or_default());
    let originals: Vec<PathBuf> =
        shortcut.chain.iter().map(|&i| graph.rev(i).path.clone()).collect();
    for p in &originals {
        std::fs::remove_file(p).map_err(|e| Error::io(format!("deleting {}", p.display()), e))?;
    }
    std::fs::rename(&shortcut.file.path, &dest).map_err(|e| {
        Error::io(format!("moving {} into versions/", shortcut.file.path.display()), e)
    })?;
    ws.graph()?;
    Ok(Squashed { path: dest, range: graph.ids(&shortcut.chain), statements: 0 })
}
