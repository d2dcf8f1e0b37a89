//! `retort migrate -m MSG` (autogenerate) and `retort check`. Both compare the models,
//! applied to a scratch database, with the migrations replayed into another one; the
//! target database is only read (to warn when it is behind), never written.
use crate::args::{CheckArgs, MigrateArgs};
use crate::output::Printer;
use crate::settings::Settings;
use retort::Workspace;
use retort::core::autogen::{self, Generated};
use retort::core::diff::rename::parse_rename;
use retort::core::diff::Renames;
use retort::core::error::{StateError, TargetError};
use retort::core::revision::file::NewRevision;
use retort::core::schema::Schema;
use retort::{Error, Migrator, RevisionGraph};
use serde_json::json;
use std::io::{BufRead, IsTerminal, Write};

struct Inputs {
    graph: RevisionGraph,
    head: Schema,
    models: Schema,
    models_path: std::path::PathBuf,
}

fn load(ws: &Workspace) -> Result<Inputs, Error> {
    let graph = ws.graph()?;
    let heads = graph.heads();
    if heads.len() > 1 {
        return Err(TargetError::MultipleHeads { heads: graph.ids(&heads), context: "autogenerate compares against one head".into() }.into());
    }
    let filter = ws.project.table_filter();
    let models_path = ws.project.models_path();
    let models_sql = std::fs::read_to_string(&models_path).map_err(|e| Error::io(format!("reading {}", models_path.display()), e))?;
    let mut scratch = ws.scratch()?;
    let models = filter.apply(&autogen::schema_of_models(scratch.as_mut(), &models_sql, &models_path)?);
    drop(scratch);
    retort::core::interrupt::check()?;
    let mut scratch = ws.scratch()?;
    let head = filter.apply(&autogen::schema_at_head(scratch.as_mut(), &graph, &ws.project.tables())?);
    Ok(Inputs { graph, head, models, models_path })
}

/// Alembic refuses to autogenerate against a database that is behind; so do we. A database
/// that does not exist yet has nothing to compare (`None`).
fn check_target_at_head(ws: &Workspace, graph: &RevisionGraph) -> Result<Option<Box<dyn retort::Connection>>, Error> {
    let Some(url) = &ws.env.url else { return Ok(None) };
    let Ok(mut conn) = retort::connect_existing(url, &ws.project.dir) else { return Ok(None) };
    let migrator = Migrator::new(graph, ws.project.tables());
    let rows = migrator.current_rows(conn.as_mut())?;
    let heads = graph.ids(&graph.heads());
    let head_rows: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    if rows != head_rows {
        return Err(StateError::NotUpToDate { current: rows, heads }.into());
    }
    Ok(Some(conn))
}

fn ask(question: &str) -> bool {
    eprint!("{question} [y/N] ");
    let _ = std::io::stderr().flush();
    let mut line = String::new();
    if std::io::stdin().lock().read_line(&mut line).is_err() {
        return false;
    }
    matches!(line.trim(), "y" | "Y" | "yes")
}

pub fn migrate(args: &MigrateArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    super::revision::require_message(&args.message)?;
    let mut renames = Renames::default();
    for r in &args.rename {
        parse_rename(r, &mut renames).map_err(|m| Error::usage(m, Some("e.g. --rename users.name=full_name or --rename old_table=new_table".into())))?;
    }
    let inputs = load(&ws)?;
    autogen::refuse_empty_models(&inputs.models, &inputs.head, &inputs.models_path, args.allow_empty_models)?;
    let target = if args.ignore_db { None } else { check_target_at_head(&ws, &inputs.graph)? };
    let dialect = ws.dialect()?;
    let mut generated: Generated = autogen::generate(dialect.as_ref(), &inputs.head, &inputs.models, &renames)?;
    if let Some(mut conn) = target {
        let live = ws.project.table_filter().apply(&conn.introspect()?);
        let present = autogen::created_but_present(&generated, &live);
        if !present.is_empty() {
            return Err(StateError::TablesExist { tables: present }.into());
        }
    }
    let interactive = !args.no_input && std::io::stdin().is_terminal() && std::io::stderr().is_terminal();
    if interactive && !generated.rename_candidates.is_empty() {
        let mut accepted = false;
        for cand in generated.rename_candidates.clone() {
            if ask(&format!("Is {} a rename?", cand.describe())) {
                cand.accept(&mut renames);
                accepted = true;
            }
        }
        if accepted {
            generated = autogen::generate(dialect.as_ref(), &inputs.head, &inputs.models, &renames)?;
        }
    }
    for c in &generated.rename_candidates {
        printer.note(format!("warning: {} looks like a rename; generated as drop + add (pass --rename {} to keep the data)", c.describe(), c.flag()));
    }
    if generated.is_empty() && !args.allow_empty {
        printer.note("No changes in schema detected; no revision written (use --allow-empty to write one anyway).");
        return Ok(0);
    }
    // Prove the file before writing it: apply it to a copy of the schema at head.
    let mut notes = generated.notes.clone();
    let problems = if args.no_verify {
        notes.push("NOT VERIFIED: generated with --no-verify; run it on a copy first".into());
        Vec::new()
    } else {
        let mut scratch = ws.scratch()?;
        autogen::schema_at_head(scratch.as_mut(), &inputs.graph, &ws.project.tables())?;
        autogen::verify(scratch.as_mut(), &generated, &inputs.head, &inputs.models, &ws.project.table_filter())?
    };
    for p in &problems {
        notes.push(format!("UNVERIFIED: {p}; edit this revision by hand"));
        printer.note(format!("warning: {p}"));
    }
    // The last safe point: after this the file exists.
    retort::core::interrupt::check()?;
    let dir = ws.migrations();
    let new = NewRevision {
        id: super::revision::explicit_id(&inputs.graph, &dir, args.rev_id.as_deref())?,
        down: inputs.graph.ids(&inputs.graph.heads()),
        message: args.message.clone(),
        created: super::now_iso(),
        branch_labels: Vec::new(),
        transactional: true,
        notes: if notes.is_empty() { Vec::new() } else { std::iter::once("Review notes (generated by retort migrate):".to_string()).chain(notes.iter().map(|n| format!("  {n}"))).collect() },
        upgrade: generated.upgrade_section(),
        downgrade: generated.downgrade_section(),
    };
    let (id, path) = dir.write(&new)?;
    for c in &generated.up {
        printer.note(format!("  detected: {}", c.describe()));
    }
    for n in &generated.notes {
        printer.note(format!("  review: {n}"));
    }
    // Lint what was generated, as a reviewer would.
    let written = retort::core::RevisionFile::parse(&path, &std::fs::read_to_string(&path).map_err(|e| Error::io("reading the new revision", e))?)?;
    let diags: Vec<_> = retort::core::lint::lint_revision(&written, dialect.as_ref()).into_iter().filter(|d| d.severity != retort::core::lint::Severity::Info).collect();
    if !diags.is_empty() && !printer.quiet {
        eprintln!("lint:");
        for d in &diags {
            eprintln!("  {}:{}: [{}] {}", d.path, d.line, d.rule, d.message);
        }
    }
    printer.line(format!("Generated {} ({id}); review it, then run `retort upgrade`.", path.display()));
    Ok(0)
}

/// What `check` found in the configured database (when it exists).
struct DatabaseFindings {
    pending: Vec<String>,
    drift: Vec<String>,
}

fn database_findings(ws: &Workspace, graph: &RevisionGraph, head: &Schema) -> Result<Option<DatabaseFindings>, Error> {
    if ws.env.url.is_none() {
        return Ok(None);
    }
    let mut conn = ws.connect_existing()?;
    let migrator = Migrator::new(graph, ws.project.tables());
    let current = migrator.current(conn.as_mut())?;
    let pending: Vec<String> = retort::core::plan::plan_upgrade(graph, &current, &graph.heads())
        .steps
        .iter()
        .map(|s| format!("{} {}", graph.id(s.rev), graph.rev(s.rev).message))
        .collect();
    let drift = if pending.is_empty() {
        let live = ws.project.table_filter().apply(&conn.introspect()?);
        retort::core::diff::diff(head, &live, &Renames::default()).iter().map(|c| c.describe()).collect()
    } else {
        Vec::new()
    };
    Ok(Some(DatabaseFindings { pending, drift }))
}

pub fn check(args: &CheckArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let inputs = load(&ws)?;
    let changes = retort::core::diff::diff(&inputs.head, &inputs.models, &Renames::default());
    let db = if args.no_db { None } else { database_findings(&ws, &inputs.graph, &inputs.head)? };
    let (pending, drift) = db.as_ref().map(|d| (d.pending.clone(), d.drift.clone())).unwrap_or_default();
    let clean = changes.is_empty() && pending.is_empty() && drift.is_empty();
    if printer.json {
        printer.json_value(&json!({
            "up_to_date": clean,
            "changes": changes.iter().map(|c| c.describe()).collect::<Vec<_>>(),
            "database_checked": db.is_some(),
            "pending": pending,
            "drift": drift,
        }));
    } else {
        if changes.is_empty() {
            printer.line("models: match the schema at head");
        } else {
            printer.line(format!("models: differ from the schema at head ({} change(s)) — run `retort migrate -m MESSAGE`:", changes.len()));
            for c in &changes {
                printer.line(format!("  {}", c.describe()));
            }
        }
        match &db {
            None => printer.line("database: not checked (no database, or --no-db)"),
            Some(_) if !pending.is_empty() => {
                printer.line(format!("database ({}): {} revision(s) pending — run `retort upgrade`:", ws.describe_target(), pending.len()));
                for p in &pending {
                    printer.line(format!("  {p}"));
                }
            }
            Some(_) if !drift.is_empty() => {
                printer.line(format!("database ({}): at head but drifted from it (changed outside the migrations):", ws.describe_target()));
                for d in &drift {
                    printer.line(format!("  {d}"));
                }
            }
            Some(_) => printer.line(format!("database ({}): at head, no drift", ws.describe_target())),
        }
    }
    Ok(if clean { 0 } else { retort::exit::FOUND })
}
