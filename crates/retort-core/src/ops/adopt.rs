//! `retort adopt alembic`: turns an Alembic or Flask-Migrate project into a retort
//! project in place, history and database kept.
//!
//! 1. the graph from the `.py` files ([`crate::adopt::python`]), ids kept, so the
//!    database's `alembic_version` rows keep meaning the same revisions;
//! 2. each revision's SQL from Alembic's own offline mode — run here when `flask` or
//!    `alembic` is on PATH, else read from `--sql-from` files ([`crate::adopt::offline`]);
//!    a revision missing from that output becomes a "needs attention" file, never an
//!    empty one;
//! 3. the proof: the converted revisions replayed on a scratch database up to the live
//!    database's `alembic_version` must give its schema exactly (the drift check);
//!    otherwise the files are removed and the database is not touched;
//! 4. retort's log table records the applied revisions (checksum and text) beside the
//!    unchanged `alembic_version`; the `.py` files move to `alembic_versions/` beside
//!    the migrations; an empty models file gets the schema at head.
use crate::adopt::offline::{OfflineSection, OfflineSql};
use crate::adopt::python::{self, AlembicRevision};
use crate::apply::Migrator;
use crate::diff::Renames;
use crate::error::{Error, StateError};
use crate::lint::rules::needs_attention::NEEDS_ATTENTION;
use crate::ops::live::drift_of;
use crate::ops::Workspace;
use crate::revision::file::{checksum, NewRevision};
use crate::revision::id::RevisionId;
use crate::schema::Schema;
use std::path::PathBuf;
use std::process::Command;

/// Where the Alembic project is and how its offline SQL is obtained.
#[derive(Clone, Debug, Default)]
pub struct AdoptOptions {
    /// The Alembic script directory (holding `env.py` and `versions/`) or a directory
    /// holding `alembic.ini`; default: `alembic.ini` in the project, else `migrations/`.
    pub dir: Option<PathBuf>,
    /// Files of `alembic upgrade/downgrade --sql` output to use instead of running Alembic.
    pub sql_from: Vec<PathBuf>,
}

/// What `adopt` did.
#[derive(Debug, serde::Serialize)]
pub struct Adopted {
    #[serde(serialize_with = "revisions_with::<PathBuf, _>")]
    pub converted: Vec<(RevisionId, PathBuf)>,
    /// Revisions whose SQL Alembic's offline mode did not give, and why.
    #[serde(serialize_with = "revisions_with::<String, _>")]
    pub needs_attention: Vec<(RevisionId, String)>,
    /// How the offline SQL was obtained (a command line or the files read).
    pub sql_source: String,
    /// The version-table rows the log now records as applied (with their ancestors).
    pub current: Vec<String>,
    pub recorded: usize,
    pub python_moved_to: PathBuf,
    pub models_written: bool,
}

/// `[(id, x)]` as `[{"revision": id, "path"|"reason": x}]` (the documented shape).
fn revisions_with<T: serde::Serialize + WhatItIs, S: serde::Serializer>(
    pairs: &[(RevisionId, T)],
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap;
    struct One<'a, T>(&'a RevisionId, &'a T);
    impl<T: serde::Serialize + WhatItIs> serde::Serialize for One<'_, T> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            let mut m = s.serialize_map(Some(2))?;
            m.serialize_entry("revision", self.0)?;
            m.serialize_entry(T::KEY, self.1)?;
            m.end()
        }
    }
    s.collect_seq(pairs.iter().map(|(id, x)| One(id, x)))
}

/// The key a value paired with a revision goes under.
trait WhatItIs {
    const KEY: &'static str;
}
impl WhatItIs for PathBuf {
    const KEY: &'static str = "path";
}
impl WhatItIs for String {
    const KEY: &'static str = "reason";
}

enum Tool {
    Flask,
    Alembic { ini: PathBuf },
}

struct AlembicProject {
    script_dir: PathBuf,
    tool: Tool,
}

fn locate(ws: &Workspace, opts: &AdoptOptions) -> Result<AlembicProject, Error> {
    let base = ws.project.dir.clone();
    let given = opts.dir.as_ref().map(|d| base.join(d));
    let root = given.clone().unwrap_or_else(|| base.clone());
    let ini = root.join("alembic.ini");
    if ini.is_file() && !root.join("env.py").is_file() {
        let text = std::fs::read_to_string(&ini)
            .map_err(|e| Error::io(format!("reading {}", ini.display()), e))?;
        let location = text
            .lines()
            .find_map(|l| {
                l.trim()
                    .strip_prefix("script_location")
                    .map(|v| v.trim_start().trim_start_matches(['=', ':']).trim().to_string())
            })
            .ok_or_else(|| {
                Error::usage(format!("{} has no script_location", ini.display()), None)
            })?;
        let location = location.replace("%(here)s", &root.to_string_lossy());
        return Ok(AlembicProject { script_dir: root.join(location), tool: Tool::Alembic { ini } });
    }
    let script_dir = given.unwrap_or_else(|| base.join("migrations"));
    if script_dir.join("env.py").is_file() {
        return Ok(AlembicProject { script_dir, tool: Tool::Flask });
    }
    Err(Error::usage(
        format!(
            "no Alembic project found in {} (looked for alembic.ini and migrations/env.py)",
            root.display()
        ),
        Some("name the Alembic directory: `retort adopt alembic path/to/migrations`".into()),
    ))
}

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::split_paths(&std::env::var_os("PATH")?).map(|d| d.join(name)).find(|p| p.is_file())
}

/// Runs Alembic's offline mode both ways; what it printed before a failure is kept,
/// with the failure as the reason for the revisions it did not reach.
fn run_offline(
    ws: &Workspace,
    project: &AlembicProject,
    sql: &mut OfflineSql,
    table: &str,
) -> Result<(String, Option<String>), Error> {
    let (exe, prefix): (PathBuf, Vec<String>) = match &project.tool {
        Tool::Flask => (
            on_path("flask").ok_or_else(|| {
                missing_tool(
                    "flask db upgrade --sql base:heads",
                    "flask db downgrade --sql heads:base",
                )
            })?,
            vec!["db".into(), "-d".into(), project.script_dir.to_string_lossy().into()],
        ),
        Tool::Alembic { ini } => (
            on_path("alembic").ok_or_else(|| {
                missing_tool(
                    "alembic upgrade --sql base:heads",
                    "alembic downgrade --sql heads:base",
                )
            })?,
            vec!["-c".into(), ini.to_string_lossy().into()],
        ),
    };
    let mut failure = None;
    let mut shown = Vec::new();
    for args in [["upgrade", "--sql", "base:heads"], ["downgrade", "--sql", "heads:base"]] {
        let mut cmd = Command::new(&exe);
        cmd.args(&prefix).args(args).current_dir(&ws.project.dir);
        shown.push(
            format!(
                "{} {} {}",
                exe.file_name().unwrap_or_default().to_string_lossy(),
                if matches!(project.tool, Tool::Flask) { "db" } else { "" },
                args.join(" ")
            )
            .replace("  ", " "),
        );
        let out = cmd.output().map_err(|e| Error::io(format!("running {}", exe.display()), e))?;
        let steps = sql.add_script(&String::from_utf8_lossy(&out.stdout), table);
        if !out.status.success() {
            // Alembic writes a step's marker before running its Python: the last step
            // printed is the one that failed, and its SQL is incomplete.
            if let Some(last) = steps.last() {
                sql.forget(last);
            }
            let err = String::from_utf8_lossy(&out.stderr);
            let last = err
                .lines()
                .rev()
                .find(|l| !l.trim().is_empty())
                .unwrap_or("no message")
                .trim()
                .to_string();
            failure.get_or_insert(format!(
                "`{}` failed at or before it: {last}",
                shown.last().unwrap()
            ));
        }
    }
    Ok((shown.join("; "), failure))
}

fn missing_tool(up: &str, down: &str) -> Error {
    Error::usage(
        "Alembic's offline SQL is needed and neither the command nor --sql-from gives it".to_string(),
        Some(format!("run `{up} > up.sql` and `{down} > down.sql` where the application runs, then `retort adopt alembic --sql-from up.sql --sql-from down.sql`")),
    )
}

fn section_text(s: &OfflineSection) -> String {
    s.statements.iter().map(|t| format!("{t};\n")).collect()
}

/// Alembic's `Create Date: 2026-11-29 22:50:01.123456` as retort's `created`.
fn created(rev: &AlembicRevision) -> String {
    match rev.created.as_deref().and_then(|d| d.get(..19)) {
        Some(d) if d.bytes().all(|b| b.is_ascii_digit() || b"-: ".contains(&b)) => {
            format!("{}Z", d.replacen(' ', "T", 1))
        }
        _ => crate::now_utc_iso(),
    }
}

/// `retort adopt alembic`.
pub fn adopt_alembic(ws: &Workspace, opts: &AdoptOptions) -> Result<Adopted, Error> {
    ws.guard_write("adopt an Alembic project")?;
    let project = locate(ws, opts)?;
    let dir = ws.migrations();
    if !dir.load_graph()?.is_empty() {
        return Err(Error::usage(
            format!("{} already holds retort revisions", dir.versions().display()),
            Some("adopt into a project without .sql revisions".into()),
        ));
    }
    let versions = project.script_dir.join("versions");
    let mut py: Vec<PathBuf> = std::fs::read_dir(&versions)
        .map_err(|e| Error::io(format!("reading {}", versions.display()), e))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.extension().is_some_and(|x| x == "py")
                && p.file_name().is_some_and(|n| n != "__init__.py")
        })
        .collect();
    py.sort();
    let mut revisions = Vec::new();
    for p in &py {
        let text = std::fs::read_to_string(p)
            .map_err(|e| Error::io(format!("reading {}", p.display()), e))?;
        revisions.push((python::parse(p, &text)?, checksum(&text), p.clone()));
    }
    let table = ws.project.tables().version;
    let mut sql = OfflineSql::default();
    let (sql_source, failure) = if opts.sql_from.is_empty() {
        let (source, failure) = run_offline(ws, &project, &mut sql, &table)?;
        if let (Some(why), true) = (&failure, sql.upgrade.is_empty()) {
            return Err(Error::usage(
                format!("Alembic's offline mode gave no SQL: {why}"),
                Some("run retort where the application's environment is set (FLASK_APP, DATABASE_URL, ...), or give the SQL with --sql-from".into()),
            ));
        }
        (source, failure)
    } else {
        for f in &opts.sql_from {
            let path = ws.project.dir.join(f);
            let text = std::fs::read_to_string(&path)
                .map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
            sql.add_script(&text, &table);
        }
        (opts.sql_from.iter().map(|p| p.display().to_string()).collect::<Vec<_>>().join(", "), None)
    };

    // Write the converted revisions; on any failure below they are removed again.
    let mut converted = Vec::new();
    let mut needs_attention = Vec::new();
    let written = (|| -> Result<(), Error> {
        for (rev, sum, path) in &revisions {
            let id = RevisionId::parse(&rev.id).ok_or_else(|| {
                Error::usage(
                    format!(
                        "{}: `{}` is not a revision id retort can keep",
                        path.display(),
                        rev.id
                    ),
                    None,
                )
            })?;
            let relative = path.strip_prefix(&ws.project.dir).unwrap_or(path);
            let mut notes =
                vec![format!("Adopted from Alembic: {} (sha256 {sum})", relative.display())];
            let (up, down) = (sql.upgrade.get(&rev.id), sql.downgrade.get(&rev.id));
            if up.is_none() || down.is_none() {
                let why = failure.clone().unwrap_or_else(|| {
                    format!(
                        "Alembic's offline SQL has no {} step for this revision",
                        if up.is_none() { "upgrade" } else { "downgrade" }
                    )
                });
                notes.push(format!("{NEEDS_ATTENTION} {why}. Write its SQL by hand from the Python file, then run `retort lint`."));
                needs_attention.push((id.clone(), why));
            }
            let new = NewRevision {
                id: Some(id.clone()),
                down: rev.down.iter().filter_map(|d| RevisionId::parse(d)).collect(),
                message: if rev.message.is_empty() { rev.id.clone() } else { rev.message.clone() },
                created: created(rev),
                branch_labels: rev.branch_labels.clone(),
                depends_on: rev.depends_on.clone(),
                replaces: Vec::new(),
                transactional: up.is_none_or(|s| s.transactional)
                    && down.is_none_or(|s| s.transactional),
                notes,
                upgrade: up.map(section_text).unwrap_or_default(),
                downgrade: down
                    .map(|d| {
                        let text = section_text(d);
                        // Alembic's `def downgrade(): pass` runs no SQL, on purpose.
                        if crate::sql_split::split(&text).is_empty() {
                            format!(
                                "{}: Alembic's downgrade() runs no SQL\n{text}",
                                crate::revision::file::NOTHING_TO_UNDO
                            )
                        } else {
                            text
                        }
                    })
                    .unwrap_or_default(),
            };
            let (_, written) = dir.write(&new)?;
            converted.push((id, written));
        }
        Ok(())
    })();
    let undo = |converted: &[(RevisionId, PathBuf)]| {
        for (_, p) in converted {
            let _ = std::fs::remove_file(p);
        }
    };
    if let Err(e) = written {
        undo(&converted);
        return Err(e);
    }

    // The proof, then the log.
    // (the revisions the database is at, how many were recorded, the connection to go on with)
    type Proven = (Vec<String>, usize, Box<dyn crate::engine::Connection>);
    let proven = (|| -> Result<Proven, Error> {
        let graph = ws.graph()?;
        let mut conn = ws.connect_existing()?;
        let drift = drift_of(ws, &graph, conn.as_mut())?;
        if !drift.changes.is_empty() {
            return Err(StateError::AdoptionDiffers {
                current: drift.current,
                differences: drift.changes.iter().map(|c| c.describe()).collect(),
            }
            .into());
        }
        let recorded = Migrator::new(&graph, ws.project.tables())
            .record_adopted(conn.as_mut(), &ws.run_options())?;
        Ok((drift.current, recorded.len(), conn))
    })();
    let (current, recorded, mut conn) = match proven {
        Ok(v) => v,
        Err(e) => {
            undo(&converted);
            return Err(e);
        }
    };

    let moved_to = project.script_dir.join("alembic_versions");
    std::fs::create_dir_all(&moved_to)
        .map_err(|e| Error::io(format!("creating {}", moved_to.display()), e))?;
    for (_, _, p) in &revisions {
        let to = moved_to.join(p.file_name().unwrap_or_default());
        std::fs::rename(p, &to)
            .map_err(|e| Error::io(format!("moving {} to {}", p.display(), to.display()), e))?;
    }
    let models_written = write_models_if_empty(ws, conn.as_mut())?;
    Ok(Adopted {
        converted,
        needs_attention,
        sql_source,
        current,
        recorded,
        python_moved_to: moved_to,
        models_written,
    })
}

/// An empty (or missing) models file gets the live schema, so the next `migrate`
/// starts from where the database is rather than proposing to drop it all.
fn write_models_if_empty(
    ws: &Workspace,
    conn: &mut dyn crate::engine::Connection,
) -> Result<bool, Error> {
    let path = ws.project.models_path();
    let existing = std::fs::read_to_string(&path).unwrap_or_default();
    if !crate::sql_split::split(&existing).is_empty() || path.is_dir() {
        return Ok(false);
    }
    let live = ws.project.table_filter().apply(&conn.introspect()?);
    let dialect = ws.dialect()?;
    let generated = crate::autogen::generate(
        dialect.as_ref(),
        &Schema::default(),
        &live,
        &Renames::default(),
        Default::default(),
    )?;
    let text = format!("-- The schema at the adopted Alembic head, written by `retort adopt alembic`.\n-- From now on, change the schema here and run `retort migrate -m MESSAGE`.\n\n{}", generated.upgrade_section());
    crate::fsio::replace_atomic(&path, text.as_bytes())
        .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
    Ok(true)
}

impl crate::ops::JsonShape for Adopted {
    const COMMANDS: &'static [&'static str] = &["adopt alembic"];
    const SHAPE: &'static str = r#"`{"converted": [{"revision", "path"}], "needs_attention": [{"revision", "reason"}], "sql_source", "current": [ids], "recorded": n, "python_moved_to", "models_written": bool}`"#;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alembics_create_date_becomes_created_and_anything_else_is_now() {
        let rev = |d: &str| AlembicRevision { created: Some(d.into()), ..Default::default() };
        assert_eq!(created(&rev("2026-11-29 22:50:01.123456")), "2026-11-29T22:50:01Z");
        // Not a date, or cut inside a character: the time of adoption, never a panic.
        for odd in ["yesterday", "2026-11-29 22:50:0é1", "2026-11-29 22:5ü:01.1"] {
            assert!(created(&rev(odd)).ends_with('Z'), "{odd}");
        }
    }
}
