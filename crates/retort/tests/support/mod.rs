//! Shared harness for autogenerate round trips, parametrised by engine.
#![allow(dead_code)]
pub mod history;
pub mod servers;
use retort::core::diff::filter::TableFilter;
use retort::core::diff::rename::parse_rename;
use retort::core::diff::Renames;
use retort::core::history::log::VersionTables;
use retort::core::revision::file::NewRevision;
use retort::core::schema::Schema;
use retort::{Connection, Direction, RedactedUrl};

/// An engine the suite runs against.
pub struct Engine {
    pub name: &'static str,
    /// Where scratch databases go (server engines).
    pub server: Option<RedactedUrl>,
}

pub fn engines() -> Vec<Engine> {
    servers::engine_names()
        .into_iter()
        .map(|name| Engine { name, server: servers::admin_url(name).map(RedactedUrl::new) })
        .collect()
}

pub struct Case {
    pub name: String,
    pub from: String,
    pub to: String,
    pub data: Option<String>,
    pub renames: Vec<String>,
    /// Generate the online forms (`migrate --online`).
    pub online: bool,
    /// retort.toml `schemas`: the schemas the project owns besides its own.
    pub schemas: Vec<String>,
}

pub struct Outcome {
    /// The generated upgrade and downgrade sections (for snapshots).
    pub file_sections: String,
}

pub fn filter() -> TableFilter {
    let t = VersionTables::default();
    TableFilter { include: vec![], exclude: vec![t.version, t.log, "_retort_*".into()] }
}

/// Sorts what the comparison must not depend on (column order: ADD COLUMN appends).
pub fn normalise(mut s: Schema) -> Schema {
    for t in s.tables.values_mut() {
        t.columns.sort_by(|a, b| a.name.cmp(&b.name));
        t.uniques.sort_by(|a, b| a.columns.cmp(&b.columns));
        for fk in &mut t.foreign_keys {
            fk.backing_index = None; // the engine's name for its own index
        }
        t.foreign_keys.sort_by(|a, b| (&a.columns, &a.ref_table).cmp(&(&b.columns, &b.ref_table)));
        t.checks.sort_by(|a, b| a.expr.cmp(&b.expr));
        t.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        t.triggers.sort_by(|a, b| a.name.cmp(&b.name));
    }
    s
}

/// A table's rows, each a list of nullable column texts.
type Rows = Vec<Vec<Option<String>>>;

/// Rows of the columns that neither side changed (renamed ones followed), per table.
fn untouched_rows(
    conn: &mut dyn Connection,
    from: &Schema,
    to: &Schema,
    renames: &Renames,
    use_new_names: bool,
) -> Result<Vec<(String, Rows)>, String> {
    let mut out = Vec::new();
    for (tname, t) in &from.tables {
        let new_t = renames.tables.get(tname).cloned().unwrap_or_else(|| tname.clone());
        let Some(nt) = to.tables.get(&new_t) else { continue };
        let mut cols = Vec::new();
        for c in &t.columns {
            let new_c = renames
                .columns
                .get(&(new_t.clone(), c.name.clone()))
                .cloned()
                .unwrap_or_else(|| c.name.clone());
            if let Some(nc) = nt.column(&new_c) {
                let same = nc.ty == c.ty
                    && nc.generated.is_none()
                    && c.generated.is_none()
                    && nc.nullable == c.nullable
                    && nc.default == c.default;
                if same {
                    cols.push(if use_new_names { new_c } else { c.name.clone() });
                }
            }
        }
        if cols.is_empty() {
            continue;
        }
        let table = if use_new_names { &new_t } else { tname };
        let d = conn.dialect();
        let list = cols.iter().map(|c| d.quote_ident(c)).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT {list} FROM {} ORDER BY {list}", d.quote_ident(table));
        out.push((table.clone(), conn.query(&sql).map_err(|e| e.to_string())?));
    }
    out.sort();
    Ok(out)
}

pub fn compare(what: &str, got: &Schema, want: &Schema) -> Result<(), String> {
    let (g, w) = (normalise(got.clone()), normalise(want.clone()));
    if g != w {
        let changes = retort::core::diff::diff(&g, &w, &Renames::default());
        return Err(format!(
            "after {what} the schema differs ({}):\n got: {g:#?}\nwant: {w:#?}",
            changes.iter().map(|c| c.describe()).collect::<Vec<_>>().join("; ")
        ));
    }
    Ok(())
}

/// Why a case did not pass.
#[derive(Debug)]
pub enum CaseError {
    /// Autogenerate found nothing to do (the two sides are the same schema).
    NoChange,
    Failed(String),
}

impl std::fmt::Display for CaseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            CaseError::NoChange => f.write_str("autogenerate found no change"),
            CaseError::Failed(m) => f.write_str(m),
        }
    }
}

impl From<String> for CaseError {
    fn from(m: String) -> Self {
        CaseError::Failed(m)
    }
}

/// A retort project in `dir` whose dev environment is `db`, with `to` as its models.
pub fn project(
    dir: &std::path::Path,
    engine: &Engine,
    db: &servers::TestDb,
    models: &str,
    schemas: &[String],
) -> Result<retort::Workspace, String> {
    let schemas: Vec<String> = schemas.iter().map(|s| format!("{s:?}")).collect();
    std::fs::write(
        dir.join("retort.toml"),
        format!(
            "[project]\ndialect = \"{}\"\nschemas = [{}]\n\n[env.dev]\nurl = \"{}\"\n",
            engine.name,
            schemas.join(", "),
            db.url
        ),
    )
    .map_err(|e| e.to_string())?;
    std::fs::write(dir.join("models.sql"), models).map_err(|e| e.to_string())?;
    retort::workspace(&retort::WorkspaceOptions {
        cwd: dir.to_path_buf(),
        lock_timeout: std::time::Duration::from_secs(60),
        ..Default::default()
    })
    .map_err(|e| e.to_string())
}

/// One case through the library's operations, as `retort upgrade` / `retort migrate` run
/// them: the `from` schema (with its rows) as a first revision, then `migrate` with the
/// `to` schema as models (verification and lint included), upgrade, downgrade.
pub fn run_case(engine: &Engine, case: &Case) -> Result<Outcome, CaseError> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let mut renames = Renames::default();
    for r in &case.renames {
        parse_rename(r, &mut renames)?;
    }
    let db = servers::TestDb::new(engine.name, tmp.path());
    let ws = project(tmp.path(), engine, &db, &case.to, &case.schemas)?;
    let base_sql = format!("{}\n{}", case.from, case.data.clone().unwrap_or_default());
    let (r1, _) = ws
        .migrations()
        .write(&NewRevision {
            message: "from".into(),
            created: "2026-01-01T00:00:00Z".into(),
            transactional: true,
            upgrade: base_sql,
            ..Default::default()
        })
        .map_err(|e| e.to_string())?;
    let apply = |mode: Direction, target: &str| {
        retort::ops::apply(&ws, mode, target, false, &mut |_| {})
            .map(|_| ())
            .map_err(|e| format!("{mode:?} to {target}: {e}"))
    };
    apply(Direction::Up, r1.as_str())?;
    let mut conn = ws.connect().map_err(|e| e.to_string())?;
    let request = retort::ops::autogen::MigrateRequest {
        message: "generated".into(),
        renames: renames.clone(),
        allow_empty_models: true,
        online: Some(case.online),
        ..Default::default()
    };
    // The schemas compared below are the ones migrate normalised through the engine: head
    // (the `from` revision replayed) and the models (`to`).
    let (generated, from_schema, to_schema) =
        match retort::ops::autogen::migrate(&ws, &request, &mut |_| false)
            .map_err(|e| format!("migrate: {e}"))?
        {
            retort::ops::autogen::MigrateOutcome::NoChanges { .. } => {
                return Err(CaseError::NoChange)
            }
            // A file that did not verify is an error (`Error::Unverified`), above.
            retort::ops::autogen::MigrateOutcome::Written { generated, head, models, .. } => {
                (generated, filter().apply(&head), filter().apply(&models))
            }
        };
    let before = untouched_rows(conn.as_mut(), &from_schema, &to_schema, &renames, false)?;
    apply(Direction::Up, "head")?;
    compare(
        "upgrade",
        &filter().apply(&conn.introspect().map_err(|e| e.to_string())?),
        &to_schema,
    )?;
    let after_up = untouched_rows(conn.as_mut(), &from_schema, &to_schema, &renames, true)?;
    let strip = |v: &Vec<(String, Vec<Vec<Option<String>>>)>| {
        v.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>()
    };
    if strip(&before) != strip(&after_up) {
        return Err(format!(
            "rows changed by the upgrade:\nbefore: {before:?}\nafter: {after_up:?}"
        )
        .into());
    }
    apply(Direction::Down, r1.as_str())?;
    compare(
        "downgrade",
        &filter().apply(&conn.introspect().map_err(|e| e.to_string())?),
        &from_schema,
    )?;
    let after_down = untouched_rows(conn.as_mut(), &from_schema, &to_schema, &renames, false)?;
    if before != after_down {
        return Err(format!(
            "rows changed by the round trip:\nbefore: {before:?}\nafter: {after_down:?}"
        )
        .into());
    }
    drop(conn);
    let file_sections = format!(
        "-- notes\n{}\n-- +upgrade\n{}\n-- +downgrade\n{}",
        generated.notes.join("\n"),
        generated.upgrade_section(),
        generated.downgrade_section()
    );
    Ok(Outcome { file_sections })
}

/// The scratch databases a process (by pid) has on the servers, from their catalogs.
pub fn scratch_databases_of(pid: u32) -> Vec<String> {
    let like = format!("retort\\_scratch\\_{pid}\\_%");
    let mut left = Vec::new();
    for engine in engines() {
        let Some(server) = &engine.server else { continue };
        let sql = if engine.name == "postgres" {
            format!("SELECT datname FROM pg_database WHERE datname LIKE '{like}'")
        } else {
            format!("SELECT schema_name FROM information_schema.schemata WHERE schema_name LIKE '{like}'")
        };
        if let Ok(mut c) = retort::connect(server, std::path::Path::new(".")) {
            left.extend(
                c.query(&sql)
                    .unwrap_or_default()
                    .into_iter()
                    .filter_map(|r| r.into_iter().next().flatten()),
            );
        }
    }
    left
}
