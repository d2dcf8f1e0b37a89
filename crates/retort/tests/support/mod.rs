//! Shared harness for autogenerate round trips, parametrised by engine.
#![allow(dead_code)]
pub mod servers;
use retort::core::autogen;
use retort::core::diff::filter::TableFilter;
use retort::core::diff::rename::parse_rename;
use retort::core::diff::Renames;
use retort::core::engine::VersionTables;
use retort::core::revision::file::NewRevision;
use retort::core::schema::Schema;
use retort::{Connection, Direction, MigrationDir, Migrator, RedactedUrl, RunOptions, Target};

/// An engine the suite runs against.
pub struct Engine {
    pub name: &'static str,
    /// Where scratch databases go (server engines).
    pub server: Option<RedactedUrl>,
}

pub fn engines() -> Vec<Engine> {
    servers::engine_names()
        .into_iter()
        .map(|name| Engine {
            name,
            server: match name {
                "postgres" => Some(RedactedUrl::new(servers::pg_admin_url())),
                "mysql" => Some(RedactedUrl::new(servers::mysql_admin_url())),
                _ => None,
            },
        })
        .collect()
}

pub struct Case {
    pub name: String,
    pub from: String,
    pub to: String,
    pub data: Option<String>,
    pub renames: Vec<String>,
}

pub struct Outcome {
    /// The generated upgrade and downgrade sections (for snapshots).
    pub file_sections: String,
}

fn filter() -> TableFilter {
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

fn schema_of(engine: &Engine, sql: &str) -> Result<Schema, String> {
    let mut scratch = retort::scratch(engine.name, engine.server.as_ref()).map_err(|e| e.to_string())?;
    autogen::schema_of_models(scratch.as_mut(), sql, std::path::Path::new("case.sql")).map(|s| filter().apply(&s)).map_err(|e| e.to_string())
}

/// Rows of the columns that neither side changed (renamed ones followed), per table.
fn untouched_rows(conn: &mut dyn Connection, from: &Schema, to: &Schema, renames: &Renames, use_new_names: bool) -> Result<Vec<(String, Vec<Vec<Option<String>>>)>, String> {
    let mut out = Vec::new();
    for (tname, t) in &from.tables {
        let new_t = renames.tables.get(tname).cloned().unwrap_or_else(|| tname.clone());
        let Some(nt) = to.tables.get(&new_t) else { continue };
        let mut cols = Vec::new();
        for c in &t.columns {
            let new_c = renames.columns.get(&(new_t.clone(), c.name.clone())).cloned().unwrap_or_else(|| c.name.clone());
            if let Some(nc) = nt.column(&new_c) {
                let same = nc.ty == c.ty && nc.generated.is_none() && c.generated.is_none() && nc.nullable == c.nullable && nc.default == c.default;
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

fn compare(what: &str, got: &Schema, want: &Schema) -> Result<(), String> {
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

pub fn run_case(engine: &Engine, case: &Case) -> Result<Outcome, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let from_schema = schema_of(engine, &case.from)?;
    let to_schema = schema_of(engine, &case.to)?;
    let mut renames = Renames::default();
    for r in &case.renames {
        parse_rename(r, &mut renames)?;
    }
    let dialect = retort::dialect(engine.name).map_err(|e| e.to_string())?;
    let generated = autogen::generate(dialect.as_ref(), &from_schema, &to_schema, &renames).map_err(|e| e.to_string())?;
    if generated.is_empty() {
        return Err("autogenerate found no change".into());
    }

    // Two revisions on disk: the `from` schema (with its rows), then the generated one.
    let dir = MigrationDir::new(tmp.path().join("migrations"));
    let base_sql = format!("{}\n{}", case.from, case.data.clone().unwrap_or_default());
    let (r1, _) = dir
        .write(&NewRevision { message: "from".into(), created: "2026-01-01T00:00:00Z".into(), transactional: true, upgrade: base_sql, ..Default::default() })
        .map_err(|e| e.to_string())?;
    dir.write(&NewRevision {
        down: vec![r1.clone()],
        message: "generated".into(),
        created: "2026-01-01T00:00:01Z".into(),
        transactional: true,
        notes: generated.notes.clone(),
        upgrade: generated.upgrade_section(),
        downgrade: generated.downgrade_section(),
        ..Default::default()
    })
    .map_err(|e| e.to_string())?;
    let graph = dir.load_graph().map_err(|e| e.to_string())?;
    let migrator = Migrator::new(&graph, VersionTables::default());
    let db = servers::TestDb::new(engine.name, tmp.path());
    let mut conn = db.connect();
    let run = |conn: &mut dyn Connection, mode: Direction, target: &str| {
        migrator.run(conn, mode, &Target::parse(target).unwrap(), &RunOptions::default(), &mut |_| {}).map(|_| ()).map_err(|e| format!("{mode:?} to {target}: {e}"))
    };
    run(conn.as_mut(), Direction::Up, r1.as_str())?;
    let before = untouched_rows(conn.as_mut(), &from_schema, &to_schema, &renames, false)?;
    run(conn.as_mut(), Direction::Up, "head")?;
    compare("upgrade", &filter().apply(&conn.introspect().map_err(|e| e.to_string())?), &to_schema)?;
    let after_up = untouched_rows(conn.as_mut(), &from_schema, &to_schema, &renames, true)?;
    let strip = |v: &Vec<(String, Vec<Vec<Option<String>>>)>| v.iter().map(|(_, r)| r.clone()).collect::<Vec<_>>();
    if strip(&before) != strip(&after_up) {
        return Err(format!("rows changed by the upgrade:\nbefore: {before:?}\nafter: {after_up:?}"));
    }
    run(conn.as_mut(), Direction::Down, r1.as_str())?;
    compare("downgrade", &filter().apply(&conn.introspect().map_err(|e| e.to_string())?), &from_schema)?;
    let after_down = untouched_rows(conn.as_mut(), &from_schema, &to_schema, &renames, false)?;
    if before != after_down {
        return Err(format!("rows changed by the round trip:\nbefore: {before:?}\nafter: {after_down:?}"));
    }
    let file_sections = format!("-- notes\n{}\n-- +upgrade\n{}\n-- +downgrade\n{}", generated.notes.join("\n"), generated.upgrade_section(), generated.downgrade_section());
    Ok(Outcome { file_sections })
}
