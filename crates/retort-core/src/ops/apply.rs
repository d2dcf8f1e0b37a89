//! `upgrade`, `downgrade` and `stamp`, online and offline: the policy around the one apply
//! loop (protected-environment guard, backup before migrating when the environment asks),
//! so the CLI and applications embedding retort behave the same.
use crate::apply::{Event, Migrator, RunOptions, RunReport};
use crate::error::Error;
use crate::ops::Workspace;
use crate::plan::Direction;
use crate::revision::target::{parse_range, Target};
use std::path::PathBuf;

/// What an upgrade or downgrade did.
#[derive(Debug, Clone, serde::Serialize)]
pub struct ApplyOutcome {
    /// The environment and its database (password hidden).
    pub env: String,
    pub url: Option<String>,
    /// `upgrade` or `downgrade`.
    pub direction: &'static str,
    /// The backup taken first, when the environment asks for backups and there was work.
    pub backup: Option<PathBuf>,
    #[serde(flatten)]
    pub report: RunReport,
}

/// Upgrades or downgrades the environment's database to `target`. Takes a backup first
/// when the environment has `backup = true` and the plan is not empty.
pub fn apply(
    ws: &Workspace,
    mode: Direction,
    target: &str,
    single_transaction: bool,
    on_event: &mut dyn FnMut(Event<'_>),
) -> Result<ApplyOutcome, Error> {
    if target.contains(':') {
        return Err(Error::usage(
            "a range FROM:TO is only for --sql",
            Some("name one target, e.g. `head` or `-1`".into()),
        ));
    }
    let target = Target::parse(target)?;
    ws.guard_write(if mode == Direction::Up { "upgrade" } else { "downgrade" })?;
    let graph = ws.graph()?;
    let migrator = Migrator::new(&graph, ws.project.tables());
    let mut conn = ws.connect()?;
    // Before the lock: another run may be in the middle of a revision, which the locked
    // run below waits for rather than calls dirty.
    let peek = migrator.peek_plan(conn.as_mut(), mode, &target);
    if let Some(description) = conn.cluster() {
        on_event(Event::Cluster { description });
        for warning in
            peek.as_ref().map(|plan| large_alters(conn.as_mut(), plan, &graph)).unwrap_or_default()
        {
            on_event(Event::Cluster { description: warning });
        }
    }
    let backup = if ws.env.backup && peek.as_ref().is_none_or(|p| !p.is_empty()) {
        let path = crate::ops::backup::take(ws, conn.as_mut())?;
        on_event(Event::BackedUp { path: &path });
        Some(path)
    } else {
        None
    };
    let opts = RunOptions { single_transaction, ..ws.run_options() };
    let report = migrator.run(conn.as_mut(), mode, &target, &opts, on_event)?;
    Ok(ApplyOutcome {
        env: ws.env.name.clone(),
        url: ws.env.url.as_ref().map(|u| u.to_string()),
        direction: if mode == Direction::Up { "upgrade" } else { "downgrade" },
        backup,
        report,
    })
}

/// Tables at least this large (the engine's row estimate) get a warning before an ALTER
/// runs on a cluster where DDL blocks writes on every node.
const LARGE_TABLE_ROWS: u64 = 100_000;

/// On a cluster node (Galera under TOI): the planned `ALTER TABLE`s of large tables, each
/// said with its size, since writes to the table wait on every node while it runs.
fn large_alters(
    conn: &mut dyn crate::engine::Connection,
    plan: &crate::plan::Plan,
    graph: &crate::revision::graph::RevisionGraph,
) -> Vec<String> {
    let parser = conn.dialect().parser_dialect();
    let mut out = Vec::new();
    for step in &plan.steps {
        let file = step.file(graph);
        for st in crate::sql_split::split(&step.section(graph).sql) {
            let Ok(parsed) = sqlparser::parser::Parser::parse_sql(parser.as_ref(), &st.sql) else {
                continue;
            };
            for s in &parsed {
                let Some((table, _)) = crate::lint::context::alter_table(s) else { continue };
                if let Some(rows) = conn.approximate_rows(&table).filter(|r| *r >= LARGE_TABLE_ROWS)
                {
                    out.push(format!(
                        "warning: revision {} alters {table} (about {rows} rows) under Total Order Isolation: writes to {table} wait on every node while it runs; run it at a quiet time, or change the table with an online tool (pt-online-schema-change, gh-ost) and `retort stamp`",
                        file.id
                    ));
                }
            }
        }
    }
    out
}

/// Offline mode: the script an upgrade or downgrade would run. `target` is `TO` (from
/// base) or `FROM:TO`; a downgrade needs the range.
pub fn offline_script(ws: &Workspace, mode: Direction, target: &str) -> Result<String, Error> {
    let graph = ws.graph()?;
    let migrator = Migrator::new(&graph, ws.project.tables());
    let dialect = ws.dialect()?;
    let (from, to) = if target.contains(':') {
        let (from, to) = parse_range(target)?;
        let to = to.ok_or_else(|| {
            Error::usage(
                "the range has no end",
                Some("e.g. `retort upgrade --sql ae10:head`".into()),
            )
        })?;
        let from_rows = match from {
            Some(f) => {
                graph.ids(&f.resolve(&graph, &[])?).into_iter().map(|i| i.to_string()).collect()
            }
            None => Vec::new(),
        };
        (from_rows, to)
    } else {
        if mode == Direction::Down {
            return Err(Error::usage(
                "downgrade --sql needs a starting point",
                Some("give a range FROM:TO, e.g. `retort downgrade --sql head:base`".into()),
            ));
        }
        (Vec::new(), Target::parse(target)?)
    };
    migrator.offline_sql(dialect.as_ref(), mode, &from, &to)
}

/// Sets the version table to `target` without running any revision. Unless `force`,
/// the live schema must first equal the schema at the stamped revision(s) — what `drift`
/// would compare afterwards — or nothing is recorded: "align by hand, then stamp" is
/// where databases end up recorded at a revision whose schema they do not have.
pub fn stamp(
    ws: &Workspace,
    target_text: &str,
    purge: bool,
    force: bool,
) -> Result<RunReport, Error> {
    let target = Target::parse(target_text)?;
    ws.guard_write("stamp")?;
    let graph = ws.graph()?;
    let mut conn = ws.connect()?;
    let migrator = Migrator::new(&graph, ws.project.tables());
    let how = if force {
        "forced, the live schema was not compared"
    } else {
        let rows = migrator.store.current_rows(conn.as_mut())?;
        let (_, heads) = migrator.stamp_ops(&rows, &target, purge)?;
        if heads.is_empty() {
            "base"
        } else {
            let at: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
            let version = conn.server_version()?;
            let expected = crate::ops::live::schema_at(ws, &graph, &at, &version)?;
            let live = ws.project.table_filter().apply(&conn.introspect()?);
            let changes = crate::diff::diff(&expected, &live, &crate::diff::Renames::default());
            if !changes.is_empty() {
                return Err(Error::StampMismatch {
                    target: target_text.to_string(),
                    at,
                    differences: changes.iter().map(|c| c.describe()).collect(),
                });
            }
            "verified, the live schema matched"
        }
    };
    migrator.stamp(conn.as_mut(), &target, purge, &ws.run_options(), how)
}

/// Offline stamp: the script that records `target` on a database at base.
pub fn offline_stamp_script(ws: &Workspace, target: &str, purge: bool) -> Result<String, Error> {
    let graph = ws.graph()?;
    Migrator::new(&graph, ws.project.tables()).offline_stamp_sql(
        ws.dialect()?.as_ref(),
        &Target::parse(target)?,
        purge,
    )
}

impl crate::ops::JsonShape for ApplyOutcome {
    const COMMANDS: &'static [&'static str] = &["upgrade", "downgrade"];
    const SHAPE: &'static str = r#"`{"env", "url", "direction", "backup": path or null, "heads_before": [ids], "heads_after": [ids], "steps": [{"revision", "direction": "up"/"down", "duration_ms"}]}`"#;
}
