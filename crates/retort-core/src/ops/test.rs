//! `retort test`: the checks pytest-alembic runs as a plugin, built in, on a
//! scratch database of the project's engine — one head; every revision upgraded, then
//! downgraded (the schema must be what it was before), then upgraded again (the schema
//! must be what the first upgrade gave); and the models equal to the schema at head.
//! Where `<migrations>/tests/<revision>.sql` exists it runs after the revision's first
//! upgrade: it seeds data and checks it ([`data_checks`]).
//!
//! The revisions' SQL runs directly, in graph order, each in a transaction where the
//! engine has transactional DDL and the file allows it: what is under test is the SQL of
//! each file, not the bookkeeping, which the apply tests cover.
use crate::diff::{diff, Renames};
use crate::engine::Connection;
use crate::error::Error;
use crate::ops::Workspace;
use crate::revision::file::{RevisionFile, Section};
use crate::schema::Schema;
use crate::sql_split;
use serde::Serialize;

/// One check and what it found.
#[derive(Debug, Clone, Serialize)]
pub struct Check {
    pub name: String,
    /// The revision it is about, if any.
    pub revision: Option<String>,
    pub ok: bool,
    /// What differs or failed (one line each); empty when ok.
    pub problems: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct TestReport {
    /// Every check passed.
    pub ok: bool,
    pub checks: Vec<Check>,
}

fn check(name: impl Into<String>, revision: Option<&RevisionFile>, problems: Vec<String>) -> Check {
    Check {
        name: name.into(),
        revision: revision.map(|r| r.id.to_string()),
        ok: problems.is_empty(),
        problems,
    }
}

/// Runs one section; `Err` is the failing statement's line and message.
fn run(conn: &mut dyn Connection, file: &RevisionFile, section: &Section) -> Result<(), String> {
    let d = conn.dialect();
    let tx_ddl = d.capabilities().transactional_ddl;
    let (begin, commit, rollback) =
        (d.begin().to_string(), d.commit().to_string(), d.rollback().to_string());
    for step in section.steps(file.transactional) {
        let atomic = step.transactional && tx_ddl;
        if atomic {
            conn.execute(&begin).map_err(|e| e.to_string())?;
        }
        for s in &step.statements {
            if let Err(e) = conn.execute(&s.sql) {
                if atomic {
                    let _ = conn.execute(&rollback);
                }
                return Err(format!(
                    "{}:{}: {e}",
                    file.path.display(),
                    section.first_line + s.line - 1
                ));
            }
        }
        if atomic {
            conn.execute(&commit).map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}

/// The data checks of a revision, `<migrations>/tests/<revision>.sql`, run once after its
/// first upgrade: statements that change data seed the tables (the revisions after it
/// then run on rows, which is where `ADD COLUMN ... NOT NULL` and type changes fail), and
/// each `SELECT` / `WITH` is a check that must return no rows.
fn data_checks(
    conn: &mut dyn Connection,
    path: &std::path::Path,
) -> Result<Option<Vec<String>>, Error> {
    let Ok(sql) = std::fs::read_to_string(path) else { return Ok(None) };
    let mut problems = Vec::new();
    for s in sql_split::split(&sql) {
        let first = s.sql.split_whitespace().next().unwrap_or_default().to_ascii_uppercase();
        let at = format!("{}:{}", path.display(), s.line);
        if first == "SELECT" || first == "WITH" {
            match conn.query(&s.sql) {
                Ok(rows) if rows.is_empty() => {}
                Ok(rows) => {
                    let row: Vec<String> = rows[0]
                        .iter()
                        .map(|v| v.clone().unwrap_or_else(|| "NULL".into()))
                        .collect();
                    problems.push(format!(
                        "{at}: the check returned {} row(s), the first ({}); it must return none",
                        rows.len(),
                        row.join(", ")
                    ));
                }
                Err(e) => problems.push(format!("{at}: {e}")),
            }
        } else if let Err(e) = conn.execute(&s.sql) {
            problems.push(format!("{at}: {e}"));
        }
    }
    Ok(Some(problems))
}

fn differences(expected: &Schema, found: &Schema) -> Vec<String> {
    diff(expected, found, &Renames::default())
        .iter()
        .map(|c| format!("to match, the schema would need: {}", c.describe()))
        .collect()
}

/// `retort test`.
pub fn test(ws: &Workspace) -> Result<TestReport, Error> {
    let engine = ws.engine()?;
    if ws.env.protected
        && engine.dialect().capabilities().scratch_needs_server
        && ws.project.file.project.scratch_url.is_none()
    {
        return Err(Error::usage(
            format!("`retort test` never runs on the server of a protected environment (`{}`)", ws.env.name),
            Some("run it against a development environment (--env dev), or set scratch_url under [project] to a server for scratch work".into()),
        ));
    }
    let graph = ws.graph()?;
    let mut checks = Vec::new();
    let heads = graph.heads();
    checks.push(check(
        "one head",
        None,
        if heads.len() > 1 {
            vec![format!(
                "{} heads: {}; join them with `retort merge heads -m MESSAGE`",
                heads.len(),
                graph.ids(&heads).iter().map(|h| h.to_string()).collect::<Vec<_>>().join(", ")
            )]
        } else {
            Vec::new()
        },
    ));
    let filter = ws.project.table_filter();
    let mut scratch = ws.scratch()?;
    let introspect =
        |c: &mut dyn Connection| -> Result<Schema, Error> { Ok(filter.apply(&c.introspect()?)) };
    let mut before = introspect(scratch.as_mut())?;
    let mut broken = false;
    for &i in graph.topo_order() {
        crate::interrupt::check()?;
        let file = graph.rev(i);
        if let Err(e) = run(scratch.as_mut(), file, &file.upgrade) {
            checks.push(check("upgrade", Some(file), vec![e]));
            broken = true;
            break;
        }
        let after = introspect(scratch.as_mut())?;
        if let Some(problems) = data_checks(
            scratch.as_mut(),
            &ws.project.migrations_dir().join("tests").join(format!("{}.sql", file.id)),
        )? {
            broken |= !problems.is_empty();
            checks.push(check("data checks", Some(file), problems));
        }
        let Some(down) = &file.downgrade else {
            checks.push(check("upgrade (irreversible: no round trip)", Some(file), Vec::new()));
            before = after;
            continue;
        };
        if let Err(e) = run(scratch.as_mut(), file, down) {
            checks.push(check("downgrade", Some(file), vec![e]));
            broken = true;
            break;
        }
        let reverted = introspect(scratch.as_mut())?;
        let mut problems: Vec<String> = differences(&before, &reverted)
            .into_iter()
            .map(|p| format!("after its downgrade: {p}"))
            .collect();
        if let Err(e) = run(scratch.as_mut(), file, &file.upgrade) {
            problems.push(format!("upgrading again failed: {e}"));
            checks.push(check("round trip", Some(file), problems));
            broken = true;
            break;
        }
        let again = introspect(scratch.as_mut())?;
        problems.extend(
            differences(&after, &again).into_iter().map(|p| format!("after upgrading again: {p}")),
        );
        broken |= !problems.is_empty();
        checks.push(check("round trip", Some(file), problems));
        before = again;
    }
    drop(scratch);
    if !broken {
        // The models against the schema every revision gave (with several heads: all of them).
        let (sql, path) = ws.project.models()?;
        let mut scratch = ws.scratch()?;
        let models =
            filter.apply(&crate::autogen::schema_of_models(scratch.as_mut(), &sql, &path)?);
        let changes = diff(&before, &models, &Renames::default());
        checks.push(check(
            "models match head",
            None,
            changes
                .iter()
                .map(|c| {
                    format!(
                        "not in the revisions: {} (run `retort migrate -m MESSAGE`)",
                        c.describe()
                    )
                })
                .collect(),
        ));
    }
    Ok(TestReport { ok: checks.iter().all(|c| c.ok), checks })
}

impl crate::ops::JsonShape for TestReport {
    const COMMANDS: &'static [&'static str] = &["test"];
    const SHAPE: &'static str = r#"`{"ok": bool, "checks": [{"name", "revision": id or null, "ok": bool, "problems": [lines]}]}`"#;
}
