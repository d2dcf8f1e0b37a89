//! `retort rehearse` (and `upgrade --rehearse`): copy the environment's database (from
//! the live database, read only, or from a backup file) to a scratch database, run the
//! pending revisions there with the ordinary migrator while the lock sampler and the
//! writers watch ([`crate::rehearse`]), report, and drop the copy — also on failure and
//! on Ctrl-C. The environment's database is only read.
use crate::apply::{Event, Migrator};
use crate::error::Error;
use crate::ops::Workspace;
use crate::plan::Direction;
use crate::rehearse::observe::Observed;
pub use crate::rehearse::report::Rehearsal;
use crate::rehearse::report::{self, StepWindow};
use crate::rehearse::watch::Watchers;
use crate::revision::target::Target;
use std::collections::{BTreeSet, HashMap};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// What to rehearse and how.
#[derive(Clone, Debug, Default)]
pub struct RehearseOptions {
    /// The upgrade target (`head` when empty).
    pub target: String,
    /// Make the copy from this backup instead of the live database.
    pub from_backup: Option<PathBuf>,
    /// Copy only the rows of the tables the pending revisions name (and of the tables
    /// those reference); every definition is copied.
    pub only_touched: bool,
    /// Writers beside the migrator, one per touched table.
    pub load: bool,
    /// The verdict's limit on the longest write stall.
    pub max_stall: Option<Duration>,
}

/// Progress of a rehearsal, for the CLI.
pub enum RehearseEvent<'a> {
    /// The copy is ready: where it is and how long it took.
    CopyReady { describe: &'a str, elapsed: Duration },
    /// An event of the migrator's run on the copy.
    Run(Event<'a>),
}

/// Rehearses the pending revisions up to `opts.target` on a copy.
pub fn rehearse(
    ws: &Workspace,
    opts: &RehearseOptions,
    on_event: &mut dyn FnMut(RehearseEvent<'_>),
) -> Result<Rehearsal, Error> {
    let target = Target::parse(if opts.target.is_empty() { "head" } else { &opts.target })?;
    let engine = ws.engine()?;
    let env_url = ws.url()?.clone();
    let server = copy_server(ws)?;
    let graph = ws.graph()?;
    let tables = ws.project.tables();
    let migrator = Migrator::new(&graph, tables.clone());
    // The environment's database: read only (its version table, its schema, a dump).
    let mut live = ws.connect_existing()?;
    let plan = migrator.plan(live.as_mut(), Direction::Up, &target)?;
    // Nothing pending: no schema to read, no copy to make.
    if plan.steps.is_empty() {
        return Ok(Rehearsal {
            env: ws.env.name.clone(),
            copy: "none (nothing is pending)".into(),
            source: "the live database".into(),
            only_touched: opts.only_touched,
            copy_ms: 0,
            drop_ms: 0,
            lock_source: String::new(),
            load: opts.load,
            revisions: Vec::new(),
            tables: Vec::new(),
            verdict: report::Verdict::nothing_pending(opts.max_stall),
        });
    }
    let bookkeeping = vec![tables.version.clone(), tables.log.clone()];
    let live_schema = live.introspect()?;
    let dialect = live.dialect();
    let parser = dialect.parser_dialect();
    let statements = pending_statements(&graph, &plan);
    let mut named = BTreeSet::new();
    for (sql, _) in statements.values().flatten() {
        named.extend(words(parser.as_ref(), sql));
    }
    let touched: Vec<String> = live_schema
        .tables
        .keys()
        .filter(|t| named.contains(&t.to_lowercase()) && !bookkeeping.contains(t))
        .cloned()
        .collect();
    let probes: Vec<(String, String)> = touched
        .iter()
        .filter_map(|t| {
            // A column a write may set to itself (not generated, not an identity).
            let column = live_schema.tables[t]
                .columns
                .iter()
                .find(|c| c.generated.is_none() && c.identity.is_none())?;
            let (table, column) = (quote_name(dialect, t), dialect.quote_ident(&column.name));
            Some((t.clone(), format!("UPDATE {table} SET {column} = {column} WHERE 1 = 0")))
        })
        .collect();

    let started = Instant::now();
    let scratch_dir =
        tempfile::tempdir().map_err(|e| Error::io("a temporary directory for the copy", e))?;
    let (source, backup) = match &opts.from_backup {
        Some(file) => (format!("backup {}", file.display()), file.clone()),
        None => {
            let path = scratch_dir.path().join(format!("copy.{}", live.backup_extension()));
            std::fs::File::create(&path).map_err(|e| Error::io("the copy's dump file", e))?;
            let data_of =
                opts.only_touched.then(|| rows_needed(&live_schema, &touched, &bookkeeping));
            live.backup_for_copy(&path, data_of.as_deref())?;
            ("the live database".to_string(), path)
        }
    };
    drop(live);
    crate::interrupt::check()?;
    let copy = engine.copy_database(server.as_ref(), &env_url, &ws.project.dir, &backup)?;
    drop(scratch_dir);
    let copy_elapsed = started.elapsed();
    on_event(RehearseEvent::CopyReady { describe: &copy.describe, elapsed: copy_elapsed });
    crate::interrupt::check()?;

    let mut conn = (copy.open)()?;
    conn.own_schemas(&ws.project.file.project.schemas)?;
    let session = conn.session_id()?;
    let origin = Instant::now();
    let watchers =
        Watchers::start(&copy.open, session, if opts.load { probes } else { Vec::new() }, origin)?;
    let mut windows: Vec<StepWindow> = Vec::new();
    let (lints, online) = hints(&graph, &plan, &statements, engine.dialect().as_ref());
    let (ran, outcome) = {
        let mut observed = Observed::new(conn.as_mut(), origin)?;
        let mut events = |e: Event<'_>| {
            match &e {
                Event::StepStarted { file, .. } => windows.push(StepWindow {
                    revision: file.id.to_string(),
                    message: file.message.clone(),
                    from: origin.elapsed(),
                    to: Duration::MAX,
                    statements: statements.get(&file.id.to_string()).cloned().unwrap_or_default(),
                    hints: lints.get(&file.id.to_string()).cloned().unwrap_or_default(),
                    online: online.get(&file.id.to_string()).cloned().unwrap_or_default(),
                }),
                Event::StepFinished { .. } => {
                    if let Some(w) = windows.last_mut() {
                        w.to = origin.elapsed();
                    }
                }
                _ => {}
            }
            on_event(RehearseEvent::Run(e));
        };
        let outcome =
            migrator.run(&mut observed, Direction::Up, &target, &ws.run_options(), &mut events);
        (std::mem::take(&mut observed.ran), outcome)
    };
    let seen = watchers.finish();
    outcome?;
    // A cancelled statement can end without an error (MySQL's SLEEP returns 1): what
    // ran after Ctrl-C measured nothing worth reporting.
    crate::interrupt::check()?;
    let end = origin.elapsed();
    for w in &mut windows {
        w.to = w.to.min(end);
    }
    let mut count = |t: &str| {
        let sql = format!("SELECT count(*) FROM {}", quote_name(conn.dialect(), t));
        conn.query(&sql).ok()?.first()?.first()?.as_ref()?.parse().ok()
    };
    let (revisions, tables, verdict) = report::build(
        report::Inputs {
            windows: &windows,
            ran: &ran,
            seen: &seen,
            ignore: &bookkeeping,
            touched: &touched,
            max_stall: opts.max_stall,
        },
        &mut count,
    );
    drop(conn);
    let describe = copy.describe.clone();
    let dropping = Instant::now();
    drop(copy);
    let drop_ms = dropping.elapsed().as_millis() as u64;
    Ok(Rehearsal {
        env: ws.env.name.clone(),
        copy: describe,
        source,
        only_touched: opts.only_touched,
        copy_ms: copy_elapsed.as_millis() as u64,
        drop_ms,
        lock_source: seen.lock_source.clone(),
        load: opts.load,
        revisions,
        tables,
        verdict,
    })
}

/// `upgrade --rehearse`: the rehearsal, as an error when its verdict failed.
pub fn gate(
    ws: &Workspace,
    opts: &RehearseOptions,
    on_event: &mut dyn FnMut(RehearseEvent<'_>),
) -> Result<Rehearsal, Error> {
    let r = rehearse(ws, opts, on_event)?;
    if !r.verdict.passed {
        return Err(Error::Stall { summary: r.verdict.summary.clone() });
    }
    Ok(r)
}

/// The server the copy goes on: `scratch_url`, else the environment's own — never a
/// protected environment's (the copy is written; production is only read).
fn copy_server(ws: &Workspace) -> Result<Option<crate::url::RedactedUrl>, Error> {
    let engine = ws.engine()?;
    if !engine.dialect().capabilities().scratch_needs_server {
        return Ok(None);
    }
    if let Some(url) = ws.scratch_url()? {
        return Ok(Some(url));
    }
    if ws.env.protected {
        return Err(Error::usage(
            format!("a rehearsal of protected environment `{}` needs a server for the copy: its own is only read", ws.env.name),
            Some("set scratch_url under [project] in retort.toml to a server where retort may create and drop databases".into()),
        ));
    }
    Ok(Some(ws.url()?.clone()))
}

/// Lower-cased words of a statement (identifiers unquoted), read with the engine's
/// tokenizer: which existing tables it names.
fn words(parser: &dyn sqlparser::dialect::Dialect, sql: &str) -> Vec<String> {
    use sqlparser::tokenizer::{Token, Tokenizer};
    Tokenizer::new(parser, sql)
        .tokenize()
        .map(|tokens| {
            tokens
                .into_iter()
                .filter_map(|t| match t {
                    Token::Word(w) => Some(w.value.to_lowercase()),
                    _ => None,
                })
                .collect()
        })
        .unwrap_or_default()
}

/// `schema.name` quoted part by part.
fn quote_name(dialect: &dyn crate::engine::Dialect, name: &str) -> String {
    name.split('.').map(|p| dialect.quote_ident(p)).collect::<Vec<_>>().join(".")
}

/// The tables whose rows an `--only-touched` copy needs: the touched ones, the tables
/// they reference (transitively: their foreign keys must hold), and the bookkeeping.
fn rows_needed(
    schema: &crate::schema::Schema,
    touched: &[String],
    bookkeeping: &[String],
) -> Vec<String> {
    let mut needed: BTreeSet<String> = touched.iter().cloned().collect();
    let mut todo: Vec<String> = touched.to_vec();
    while let Some(t) = todo.pop() {
        for fk in schema.tables.get(&t).map(|t| t.foreign_keys.as_slice()).unwrap_or_default() {
            if needed.insert(fk.ref_table.clone()) {
                todo.push(fk.ref_table.clone());
            }
        }
    }
    needed.extend(bookkeeping.iter().cloned());
    needed.into_iter().collect()
}

/// Each pending revision's upgrade statements with their lines in its file, by revision:
/// split once, read for the tables they name, the report's statements and the hints.
fn pending_statements(
    graph: &crate::revision::graph::RevisionGraph,
    plan: &crate::plan::Plan,
) -> HashMap<String, Vec<(String, usize)>> {
    plan.steps
        .iter()
        .map(|step| {
            let file = step.file(graph);
            let statements = crate::sql_split::split(&file.upgrade.sql)
                .into_iter()
                .map(|s| (s.sql, file.upgrade.first_line + s.line - 1))
                .collect();
            (file.id.to_string(), statements)
        })
        .collect()
}

/// What to say beside each statement of the pending revisions, by revision and line:
/// lint's findings, and the online form retort writes for it (the engine's
/// `online_hint`; the report says it where the statement blocked writes).
#[allow(clippy::type_complexity)]
fn hints(
    graph: &crate::revision::graph::RevisionGraph,
    plan: &crate::plan::Plan,
    statements: &HashMap<String, Vec<(String, usize)>>,
    dialect: &dyn crate::engine::Dialect,
) -> (HashMap<String, HashMap<usize, Vec<String>>>, HashMap<String, HashMap<usize, String>>) {
    let (mut lints, mut online): (
        HashMap<String, HashMap<usize, Vec<String>>>,
        HashMap<String, HashMap<usize, String>>,
    ) = Default::default();
    for step in &plan.steps {
        let file = step.file(graph);
        let id = file.id.to_string();
        for (sql, line) in statements.get(&id).into_iter().flatten() {
            if let Some(hint) = dialect.online_hint(sql) {
                online.entry(id.clone()).or_default().insert(*line, hint.to_string());
            }
        }
        for d in crate::lint::lint_revision(file, dialect) {
            lints
                .entry(id.clone())
                .or_default()
                .entry(d.line)
                .or_default()
                .push(format!("lint {}: {}", d.rule, d.message));
        }
    }
    (lints, online)
}

impl crate::ops::JsonShape for Rehearsal {
    const COMMANDS: &'static [&'static str] = &["rehearse"];
    const SHAPE: &'static str = r#"`{"env", "copy", "source", "only_touched": bool, "copy_ms", "drop_ms", "lock_source", "load": bool, "revisions": [{"revision", "message", "duration_ms", "statements": [{"line", "sql", "duration_ms", "rows_affected": n or null, "rewrote": [{"table", "rows"}], "locks": [{"table", "mode", "held_ms", "blocks_writes": bool}], "hints": [lines]}]}], "tables": [{"table", "longest_stall_ms", "measured": bool, "statement": "rev:line" or null, "writes", "failed_writes"}], "verdict": {"passed": bool, "max_stall_ms", "longest_stall_ms", "table", "statement", "summary"}}`"#;
}
