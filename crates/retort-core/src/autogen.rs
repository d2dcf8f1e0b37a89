//! Autogenerate: the schema at head (replayed migrations) against the models (applied
//! to a scratch database), both introspected by the same engine; the diff rendered
//! by the engine; the result verified by applying it to the replayed schema.
use crate::apply::{Migrator, RunOptions};
use crate::diff::change::Change;
use crate::diff::filter::TableFilter;
use crate::diff::notes::review_notes;
use crate::diff::rename::{candidates, RenameCandidate};
use crate::diff::{diff, Renames};
use crate::engine::{Connection, Dialect, ModelStatement, SkippedStatement};
use crate::error::{DbError, Error};
use crate::history::log::VersionTables;
use crate::plan::Direction;
use crate::render::{to_section, RenderOptions, RenderedStatement};
use crate::revision::graph::RevisionGraph;
use crate::revision::target::Target;
use crate::schema::Schema;
use crate::sql_split;
use std::path::Path;

/// Applies the models' SQL to an empty scratch database and reads the schema back.
///
/// The models are a declaration, not a script: objects may reference
/// objects declared later (dump order, alphabetical order, one file per table). The whole
/// script is tried at once first (one round trip where the engine batches); when a
/// statement fails, the models are loaded in passes — each pass runs the statements that
/// have not succeeded yet, each in a savepoint where DDL is transactional — until all
/// succeed, or a pass makes no progress: then the first statement that never succeeded is
/// the error, with its line and the engine's reason (what it is missing).
pub fn schema_of_models(
    conn: &mut dyn Connection,
    sql: &str,
    path: &Path,
) -> Result<Schema, Error> {
    crate::interrupt::check()?;
    let stmts = model_statements(conn.dialect(), sql, path)?;
    load_statements(conn, &stmts, path)?;
    crate::interrupt::check()?;
    Ok(conn.introspect()?)
}

/// The statements of the models that run on a scratch database, in order: every
/// statement is classified before any runs, so a refused one stops the load with nothing
/// run at all; skipped ones are left out ([`skipped_model_statements`] counts them).
pub fn model_statements(
    dialect: &dyn Dialect,
    sql: &str,
    path: &Path,
) -> Result<Vec<sql_split::Statement>, Error> {
    let mut stmts: Vec<sql_split::Statement> = Vec::new();
    for s in sql_split::split(sql) {
        match dialect.model_statement(&s.sql) {
            ModelStatement::Run(text) => {
                stmts.push(sql_split::Statement { sql: text.into_owned(), ..s.clone() })
            }
            ModelStatement::Skip(_) => {}
            ModelStatement::Refuse(reason) => {
                return Err(Error::Models {
                    path: path.to_path_buf(),
                    line: s.line,
                    message: reason,
                })
            }
        }
    }
    Ok(stmts)
}

/// Runs model statements as a declaration (in any order they succeed in; see
/// [`schema_of_models`]); an error names the first statement that never succeeded.
pub fn load_statements(
    conn: &mut dyn Connection,
    stmts: &[sql_split::Statement],
    path: &Path,
) -> Result<(), Error> {
    let texts: Vec<String> = stmts.iter().map(|s| s.sql.clone()).collect();
    let relax = conn.dialect().deferred_references();
    if let Some((off, _)) = relax {
        conn.execute(off)?;
    }
    let tx = conn.dialect().capabilities().transactional_ddl;
    let loaded = if tx { run_script(conn, &texts)?.is_ok() } else { false };
    if !loaded {
        if let Err((index, e)) = load_in_passes(conn, &texts, tx)? {
            let message = match e {
                // Refused by the scratch session before it ran: retrying cannot help.
                DbError::OutsideScratch { message, .. } => message,
                DbError::Query { message, .. } => format!("{message} (retried after every other statement of the models: nothing they declare provides it)"),
                other => format!("{other} (retried after every other statement of the models: nothing they declare provides it)"),
            };
            // A statement that failed because Ctrl-C tore down the scratch work is no fault
            // of the models.
            crate::interrupt::check()?;
            return Err(Error::Models {
                path: path.to_path_buf(),
                line: stmts[index].line,
                message,
            });
        }
    }
    if let Some((_, on)) = relax {
        conn.execute(on)?;
    }
    Ok(())
}

/// The statements of the models [`schema_of_models`] leaves out, counted by kind
/// (`2 ownership or privilege statements (not run)`), so `migrate` can say so.
pub fn skipped_model_statements(dialect: &dyn Dialect, sql: &str) -> Vec<String> {
    let mut counts: std::collections::BTreeMap<SkippedStatement, usize> = Default::default();
    for s in sql_split::split(sql) {
        if let ModelStatement::Skip(kind) = dialect.model_statement(&s.sql) {
            *counts.entry(kind).or_default() += 1;
        }
    }
    counts
        .into_iter()
        .map(|(kind, n)| {
            let (one, many) = kind.describe();
            if n == 1 {
                format!("1 {one}")
            } else {
                format!("{n} {many}")
            }
        })
        .collect()
}

/// Runs `texts` in passes until every statement succeeded (`Ok(Ok)`) or a pass made no
/// progress (`Ok(Err)` with the first statement still failing, everything rolled back
/// where DDL is transactional).
fn load_in_passes(
    conn: &mut dyn Connection,
    texts: &[String],
    tx: bool,
) -> Result<Result<(), (usize, DbError)>, Error> {
    if tx {
        conn.execute(conn.dialect().begin())?;
    }
    let mut pending: Vec<usize> = (0..texts.len()).collect();
    loop {
        crate::interrupt::check()?;
        let mut failed: Vec<(usize, DbError)> = Vec::new();
        for &i in &pending {
            let outcome = if tx {
                conn.execute("SAVEPOINT retort_model")?;
                let r = conn.execute(&texts[i]);
                conn.execute(if r.is_ok() {
                    "RELEASE SAVEPOINT retort_model"
                } else {
                    "ROLLBACK TO SAVEPOINT retort_model"
                })?;
                r
            } else {
                conn.execute(&texts[i])
            };
            if let Err(e) = outcome {
                failed.push((i, e));
            }
        }
        if failed.is_empty() {
            if tx {
                conn.execute(conn.dialect().commit())?;
            }
            return Ok(Ok(()));
        }
        if failed.len() == pending.len() {
            if tx {
                let _ = conn.execute(conn.dialect().rollback());
            }
            return Ok(Err(failed.swap_remove(0)));
        }
        pending = failed.into_iter().map(|(i, _)| i).collect();
    }
}

/// Runs statements on a scratch database: in one transaction where DDL is transactional
/// (one commit, and one round trip on engines that batch), rolled back when one fails.
/// The inner error is the failing statement's index and message.
fn run_script(
    conn: &mut dyn Connection,
    texts: &[String],
) -> Result<Result<(), (usize, DbError)>, Error> {
    let tx = conn.dialect().capabilities().transactional_ddl;
    if !tx {
        return Ok(texts
            .iter()
            .enumerate()
            .try_for_each(|(i, s)| conn.execute(s).map_err(|e| (i, e))));
    }
    conn.execute(conn.dialect().begin())?;
    match conn.execute_script(texts) {
        Ok(()) => {
            conn.execute(conn.dialect().commit())?;
            Ok(Ok(()))
        }
        Err(failed) => {
            let _ = conn.execute(conn.dialect().rollback());
            Ok(Err(failed))
        }
    }
}

/// Refuses models that declare nothing when head has tables: an empty or unsaved
/// models file must not turn into a revision that drops every table.
pub fn refuse_empty_models(
    models: &Schema,
    head: &Schema,
    path: &Path,
    allow: bool,
) -> Result<(), Error> {
    if allow || !models.tables.is_empty() || !models.views.is_empty() || head.tables.is_empty() {
        return Ok(());
    }
    Err(Error::EmptyModels { path: path.to_path_buf(), tables: head.tables.len() })
}

/// Tables and views the generated revision would create that the live database already
/// has: made outside the migrations (a legacy database), so the revision would fail on it.
/// `exists` asks the live database about one name (a lookup, not an introspection of the
/// whole database: this runs on every `migrate`).
pub fn created_but_present(
    generated: &Generated,
    exists: &mut dyn FnMut(&str) -> Result<bool, DbError>,
) -> Result<Vec<String>, Error> {
    // What the revision itself drops or renames away first (a changed view is dropped and
    // recreated) is not in the way.
    let freed: Vec<&str> = generated
        .up
        .iter()
        .filter_map(|c| match c {
            Change::DropTable { table } => Some(table.name.as_str()),
            Change::DropView { view } => Some(view.name.as_str()),
            Change::RenameTable { from, .. } => Some(from.as_str()),
            _ => None,
        })
        .collect();
    let mut present = Vec::new();
    for c in &generated.up {
        let name = match c {
            Change::CreateTable { table } => &table.name,
            Change::CreateView { view } => &view.name,
            _ => continue,
        };
        if !freed.contains(&name.as_str()) && exists(name)? {
            present.push(name.clone());
        }
    }
    Ok(present)
}

/// Replays every revision up to the graph's heads into an empty scratch database.
pub fn schema_at_head(
    conn: &mut dyn Connection,
    graph: &RevisionGraph,
    tables: &VersionTables,
) -> Result<Schema, Error> {
    if !graph.is_empty() {
        let migrator = Migrator::new(graph, tables.clone());
        migrator.run(
            conn,
            Direction::Up,
            &Target::parse("heads")?,
            &RunOptions::default(),
            &mut |_| {},
        )?;
    }
    Ok(conn.introspect()?)
}

/// A generated revision before it is written.
#[derive(Debug, Clone)]
pub struct Generated {
    pub up: Vec<Change>,
    pub down: Vec<Change>,
    pub up_sql: Vec<RenderedStatement>,
    pub down_sql: Vec<RenderedStatement>,
    pub notes: Vec<String>,
    /// Drop+add pairs the user did not confirm as renames.
    pub rename_candidates: Vec<RenameCandidate>,
}

impl Generated {
    pub fn is_empty(&self) -> bool {
        self.up.is_empty()
    }

    pub fn upgrade_section(&self) -> String {
        to_section(&self.up_sql)
    }

    pub fn downgrade_section(&self) -> String {
        to_section(&self.down_sql)
    }
}

/// Everything but the bookkeeping and unowned tables.
pub fn owned(schema: &Schema, filter: &TableFilter) -> Schema {
    filter.apply(schema)
}

/// Diffs `head` → `models`, renders both directions and collects review notes.
pub fn generate(
    dialect: &dyn Dialect,
    head: &Schema,
    models: &Schema,
    renames: &Renames,
    options: RenderOptions,
) -> Result<Generated, Error> {
    let up = diff(head, models, renames);
    let down = diff(models, head, &renames.reversed());
    let render = |from: &Schema, to: &Schema, changes: &[Change]| {
        if options.online {
            dialect.render_online(from, to, changes)
        } else {
            dialect.render(from, to, changes)
        }
    };
    let up_sql = render(head, models, &up)?;
    let down_sql = render(models, head, &down)?;
    let rename_candidates = candidates(&up);
    let notes = review_notes(&up, &down, &rename_candidates);
    Ok(Generated { up, down, up_sql, down_sql, notes, rename_candidates })
}

/// Proves a generated revision on the scratch database holding the replayed head (the
/// one `schema_at_head` read, so the history is replayed once per run): the upgrade must
/// turn it into `models`, then the downgrade back into `head`. Returns what differs.
pub fn verify(
    head_db: &mut dyn Connection,
    generated: &Generated,
    head: &Schema,
    models: &Schema,
    filter: &TableFilter,
) -> Result<Vec<String>, Error> {
    let mut problems = apply_and_compare(head_db, &generated.up_sql, models, filter, "upgrade")?;
    if problems.is_empty() {
        problems = apply_and_compare(head_db, &generated.down_sql, head, filter, "downgrade")?;
    }
    Ok(problems)
}

/// The same proof walked from the other end, on the scratch database holding the models
/// (used when the head came from the cache, so no database holds it): the downgrade must
/// turn it into `head`, then the upgrade back into `models` — the upgrade then runs on a
/// schema that introspects as head, which is what [`verify`] proves. Saves creating the
/// head's schema on another scratch database; a caller that gets problems here asks
/// [`verify`] for the authoritative answer.
pub fn verify_from_models(
    models_db: &mut dyn Connection,
    generated: &Generated,
    head: &Schema,
    models: &Schema,
    filter: &TableFilter,
) -> Result<Vec<String>, Error> {
    let mut problems =
        apply_and_compare(models_db, &generated.down_sql, head, filter, "downgrade")?;
    if problems.is_empty() {
        problems = apply_and_compare(models_db, &generated.up_sql, models, filter, "upgrade")?;
    }
    Ok(problems)
}

fn apply_and_compare(
    conn: &mut dyn Connection,
    stmts: &[RenderedStatement],
    expect: &Schema,
    filter: &TableFilter,
    what: &str,
) -> Result<Vec<String>, Error> {
    // Step by step, as the revision will run: a concurrent index build outside any
    // transaction, each other step in its own.
    for (transactional, step) in crate::render::steps(stmts) {
        let texts: Vec<String> = step.iter().map(|s| s.sql.clone()).collect();
        let outcome = if transactional {
            run_script(conn, &texts)?
        } else {
            texts.iter().enumerate().try_for_each(|(i, s)| conn.execute(s).map_err(|e| (i, e)))
        };
        if let Err((i, e)) = outcome {
            let cause = step[i]
                .source
                .as_deref()
                .map(|c| format!(", which expresses: {}", c.describe()))
                .unwrap_or_default();
            return Ok(vec![format!(
                "the generated {what} fails on a copy of the schema: {e} (in `{}`{cause})",
                texts[i]
            )]);
        }
    }
    let got = filter.apply(&conn.introspect()?);
    Ok(diff(&got, expect, &Renames::default())
        .iter()
        .map(|c| format!("after the generated {what}, still to do: {}", c.describe()))
        .collect())
}
