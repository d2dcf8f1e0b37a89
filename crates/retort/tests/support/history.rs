//! The history corpus: per engine, a schema history of our own
//! (`tests/history/<engine>.sql`, steps separated by `-- step: NAME`). For each step k the
//! step runs on a reference database, the engine's own dump tool writes the reference's
//! schema (`pg_dump --schema-only`, `mariadb-dump --no-data`, `sqlite3 .schema`), and
//! that dump — unchanged — is the project's models: `migrate` + `upgrade` must make the
//! project's database introspect equal to the reference at k, `downgrade -1` equal to
//! the reference at k-1 (then `upgrade` again for the next step).
use super::servers::TestDb;
use super::{compare, filter, project, Engine};
use retort::core::schema::Schema;
use retort::Direction;
use std::process::Command;

pub struct Step {
    pub name: String,
    pub sql: String,
    /// The schemas the history's project owns (`-- schemas:` at its top).
    pub schemas: Vec<String>,
}

/// The schemas a history's project owns: `-- schemas: a b` before its first step.
fn schemas(steps: &[Step]) -> Vec<String> {
    steps.first().map(|s| s.schemas.clone()).unwrap_or_default()
}

pub fn steps(text: &str) -> Vec<Step> {
    let schemas: Vec<String> = text
        .lines()
        .take_while(|l| !l.starts_with("-- step: "))
        .filter_map(|l| l.strip_prefix("-- schemas: "))
        .flat_map(|l| l.split_whitespace().map(str::to_string))
        .collect();
    let mut out: Vec<Step> = Vec::new();
    for line in text.lines() {
        if let Some(name) = line.strip_prefix("-- step: ") {
            out.push(Step {
                name: name.trim().to_string(),
                sql: String::new(),
                schemas: schemas.clone(),
            });
        } else if let Some(step) = out.last_mut() {
            step.sql.push_str(line);
            step.sql.push('\n');
        }
    }
    out
}

/// `scheme://user@host:port/db` → (user, host, port, db). Test URLs carry no password.
fn url_parts(url: &str) -> (String, String, String, String) {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let (auth, hostpath) = rest.split_once('@').unwrap_or(("", rest));
    let (hostport, db) = hostpath.split_once('/').unwrap_or((hostpath, ""));
    let (host, port) = hostport.split_once(':').unwrap_or((hostport, ""));
    (
        auth.to_string(),
        host.to_string(),
        port.to_string(),
        db.split('?').next().unwrap_or("").to_string(),
    )
}

/// The engine's own client dumping the database's schema, as a user would run it.
/// `variant` alternates the forms of the dump (PostgreSQL: with and without owners and
/// privileges).
fn dump(db: &TestDb, variant: usize) -> Result<String, String> {
    let (user, host, port, name) = url_parts(&db.url);
    let mut cmd = match db.engine {
        "postgres" => {
            let mut c = Command::new("pg_dump");
            c.args(["--schema-only", "-h", &host, "-p", &port, "-U", &user, &name]);
            if variant % 2 == 1 {
                c.args(["--no-owner", "--no-privileges"]);
            }
            c
        }
        "mysql" => {
            let mut c = Command::new("mariadb-dump");
            c.args(["--no-data", "-h", &host, "-P", &port, "-u", &user, &name]);
            c
        }
        _ => {
            let mut c = Command::new("sqlite3");
            c.args([db.url.trim_start_matches("sqlite://"), ".schema"]);
            c
        }
    };
    let out = cmd.output().map_err(|e| format!("cannot run the dump tool: {e}"))?;
    if !out.status.success() {
        return Err(format!("dump failed: {}", String::from_utf8_lossy(&out.stderr)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn schema_of(db: &TestDb) -> Result<Schema, String> {
    Ok(filter().apply(&db.connect().introspect().map_err(|e| e.to_string())?))
}

/// Runs every step; returns per step `None` (passed) or why it failed. A failed step
/// stops the run (the project's database no longer follows the reference).
pub fn run(engine: &Engine, steps: &[Step]) -> Result<Vec<(String, Option<String>)>, String> {
    let tmp = tempfile::tempdir().map_err(|e| e.to_string())?;
    let (ref_dir, proj_dir) = (tmp.path().join("reference"), tmp.path().join("project"));
    std::fs::create_dir_all(&ref_dir).map_err(|e| e.to_string())?;
    std::fs::create_dir_all(&proj_dir).map_err(|e| e.to_string())?;
    let reference = TestDb::new(engine.name, &ref_dir);
    let target = TestDb::new(engine.name, &proj_dir);
    let ws = project(&proj_dir, engine, &target, "", &schemas(steps))?;
    let mut before = schema_of(&reference)?;
    let mut results = Vec::new();
    for (k, step) in steps.iter().enumerate() {
        let outcome = run_step(engine, &ws, &reference, &target, step, k, &before);
        let failed = outcome.is_err();
        results.push((step.name.clone(), outcome.err()));
        if failed {
            break;
        }
        before = schema_of(&reference)?;
    }
    Ok(results)
}

fn run_step(
    _engine: &Engine,
    ws: &retort::Workspace,
    reference: &TestDb,
    target: &TestDb,
    step: &Step,
    k: usize,
    before: &Schema,
) -> Result<(), String> {
    let mut conn = reference.connect();
    for s in retort::core::sql_split::split(&step.sql) {
        conn.execute(&s.sql).map_err(|e| format!("the step itself fails on the reference: {e}"))?;
    }
    drop(conn);
    let models = dump(reference, k)?;
    std::fs::write(ws.project.models_path(), &models).map_err(|e| e.to_string())?;
    let request = retort::ops::autogen::MigrateRequest {
        message: step.name.clone(),
        allow_empty_models: true,
        ..Default::default()
    };
    // A file that did not verify is an error too (`Error::Unverified`).
    if let retort::ops::autogen::MigrateOutcome::NoChanges { .. } =
        retort::ops::autogen::migrate(ws, &request, &mut |_| false)
            .map_err(|e| format!("migrate: {e}"))?
    {
        return Err("migrate found no change".into());
    }
    let apply = |mode: Direction, target: &str| {
        retort::ops::apply(ws, mode, target, false, &mut |_| {})
            .map(|_| ())
            .map_err(|e| format!("{mode:?} to {target}: {e}"))
    };
    let want = schema_of(reference)?;
    apply(Direction::Up, "head")?;
    compare("upgrade", &schema_of(target)?, &want)?;
    apply(Direction::Down, "-1")?;
    compare("downgrade -1", &schema_of(target)?, before)?;
    apply(Direction::Up, "head")?;
    Ok(())
}
