//! `doctor`: walks through the usual breakages — configuration, files and graph,
//! connection, version table against the graph, dirty state, edited or lost applied
//! files, drift, missing downgrades, backups not ignored by git — and says what to run.
use crate::apply::Migrator;
use crate::error::Error;
use crate::ops::Workspace;
use crate::plan::{plan_upgrade, validate_heads};

/// One thing checked: fine, or a problem with the command that fixes it.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Finding {
    pub problem: bool,
    pub what: String,
    pub next: Option<String>,
}

fn ok(what: impl Into<String>) -> Finding {
    Finding { problem: false, what: what.into(), next: None }
}

fn problem(what: impl Into<String>, next: impl Into<String>) -> Finding {
    Finding { problem: true, what: what.into(), next: Some(next.into()) }
}

/// Diagnoses a project; `loaded` is the attempt to load it (a broken configuration is a
/// finding too). Errors are only those of reading the database once connected.
/// What `doctor` found: every check, and how many are problems.
#[derive(Debug, serde::Serialize)]
pub struct Diagnosis {
    pub problems: usize,
    pub findings: Vec<Finding>,
}

/// `retort doctor`: the checks of [`diagnose`], counted.
pub fn doctor(loaded: Result<Workspace, Error>) -> Result<Diagnosis, Error> {
    let findings = diagnose(loaded)?;
    Ok(Diagnosis { problems: findings.iter().filter(|f| f.problem).count(), findings })
}

pub fn diagnose(loaded: Result<Workspace, Error>) -> Result<Vec<Finding>, Error> {
    let mut f = Vec::new();
    let ws = match loaded {
        Ok(ws) => {
            f.push(ok(format!(
                "configuration: {} (environment {})",
                ws.project.path.display(),
                ws.env.name
            )));
            ws
        }
        Err(e) => {
            f.push(problem(format!("configuration: {e}"), e.hint().unwrap_or_default()));
            return Ok(f);
        }
    };
    let gitignore = std::fs::read_to_string(ws.project.dir.join(".gitignore")).unwrap_or_default();
    let backup_dir = ws.project.file.project.backup_dir.trim_matches('/').to_string();
    if gitignore.lines().any(|l| l.trim().trim_matches('/') == backup_dir) {
        f.push(ok(format!("backups: {backup_dir}/ is ignored by git")));
    } else {
        f.push(problem(format!("backups: {backup_dir}/ is not in .gitignore; backups hold data and must never be committed"), format!("echo '/{backup_dir}/' >> .gitignore")));
    }
    let graph = match ws.graph() {
        Ok(g) => {
            f.push(ok(format!("migrations: {} revision(s)", g.len())));
            Some(g)
        }
        Err(e) => {
            f.push(problem(format!("migrations: {e}"), e.hint().unwrap_or_default()));
            None
        }
    };
    if let Some(g) = &graph {
        let heads = g.heads();
        if heads.len() > 1 {
            f.push(problem(
                format!(
                    "graph: {} heads ({})",
                    heads.len(),
                    g.ids(&heads).iter().map(|h| h.to_string()).collect::<Vec<_>>().join(", ")
                ),
                "retort merge heads -m \"merge\"",
            ));
        }
        // The URL's engine, else retort.toml's (a URL/dialect mismatch is reported below).
        if let Ok(dialect) = ws.dialect().or_else(|_| ws.configured_engine().map(|e| e.dialect())) {
            for &i in g.topo_order() {
                let r = g.rev(i);
                let findings = crate::lint::lint_revision(r, dialect.as_ref());
                if findings.iter().any(|d| d.rule == "missing-downgrade") {
                    f.push(problem(format!("revision {} has no downgrade ({})", r.id, r.path.display()), "write its -- +downgrade section, or add `-- lint:ignore missing-downgrade` if it is irreversible on purpose".to_string()));
                }
                if findings.iter().any(|d| d.rule == "needs-attention") {
                    f.push(problem(
                        format!("revision {} was adopted from Alembic without its SQL ({})", r.id, r.path.display()),
                        "write its SQL from the Python file in alembic_versions/, then delete its NEEDS ATTENTION line",
                    ));
                }
            }
        }
    }
    let mut conn = match ws.connect_existing() {
        Ok(c) => {
            f.push(ok(format!("connection: {}", ws.describe_target())));
            c
        }
        Err(e) => {
            f.push(problem(format!("connection: {e}"), e.hint().unwrap_or_default()));
            return Ok(f);
        }
    };
    if let Ok(names) = conn.scratch_databases() {
        for name in crate::cleanup::orphaned_scratch(&names) {
            f.push(problem(
                format!("scratch database {name} was left on the server by a retort process of this machine that is gone (killed before it could drop it)"),
                format!("the next `retort migrate` or `retort check` from this machine drops it; or now, as a user who may: {}", conn.drop_scratch_sql(&name)),
            ));
        }
        // Kept models areas: this project's is as it should be; those of other projects
        // of this machine are named so a deleted checkout's can be dropped.
        let own = crate::cleanup::kept_scratch_name(&ws.project.dir);
        let machine = format!("retort_scratch_keep_{}_", crate::cleanup::host_tag());
        for name in names.iter().filter(|n| n.starts_with(&machine)) {
            if *name == own {
                f.push(ok(format!("kept scratch database {name}: this project's models, kept between runs (`retort cache clear` drops it)")));
            } else {
                f.push(ok(format!(
                    "kept scratch database {name}: another project of this machine keeps its models there; if that checkout is gone, drop it: {}",
                    conn.drop_scratch_sql(name)
                )));
            }
        }
    }
    let Some(graph) = graph else { return Ok(f) };
    let migrator = Migrator::new(&graph, ws.project.tables());
    if let Some(d) = migrator.store.dirty_entry(conn.as_mut())? {
        f.push(problem(
            format!("dirty: revision {} ({}) did not finish: {}", d.revision, d.direction, d.error.unwrap_or_default()),
            "repair its partial changes by hand, then `retort resolve --applied` or `retort resolve --reverted`",
        ));
    }
    let rows = migrator.store.current_rows(conn.as_mut())?;
    match validate_heads(&graph, &rows) {
        Err(e) => {
            let log = migrator.store.log(conn.as_mut())?;
            let unknown: Vec<&String> = rows
                .iter()
                .filter(|r| {
                    crate::revision::id::RevisionId::parse(r)
                        .and_then(|id| graph.index_of(&id))
                        .is_none()
                })
                .collect();
            for u in unknown {
                let in_log = log.iter().any(|e| &e.revision == u && e.script.is_some());
                f.push(problem(
                    format!("version table: the database is at {u}, which has no file"),
                    if in_log {
                        format!("retort recover-file {u}   (the log keeps the text as applied; or restore it from version control)")
                    } else {
                        "restore the file from version control, or `retort stamp --purge REV` if the database really is at REV".to_string()
                    },
                ));
            }
            if !matches!(e, crate::error::StateError::UnknownRevision { .. }) {
                f.push(problem(format!("version table: {e}"), "retort stamp --purge REV"));
            }
        }
        Ok(current) => {
            let pending = plan_upgrade(&graph, &current, &graph.heads()).steps.len();
            f.push(ok(format!(
                "version table: at {} ({pending} pending)",
                if rows.is_empty() { "base".into() } else { rows.join(", ") }
            )));
            let changed = crate::history::verify::changed_files(
                &migrator.store,
                migrator.graph,
                conn.as_mut(),
            )?;
            for c in &changed {
                f.push(problem(format!("applied revision {} was edited since it was applied ({})", c.rev, c.path.display()), format!("restore it (`retort verify` shows the change), or after review `retort verify --accept {}`", c.rev)));
            }
            if changed.is_empty() {
                match crate::ops::live::drift_of(&ws, &graph, conn.as_mut())
                    .map(|d| d.changes.len())
                {
                    Ok(0) => f.push(ok("drift: the schema matches its revision")),
                    Ok(n) => f.push(problem(
                        format!("drift: {n} difference(s) between the database and its revision"),
                        "retort drift",
                    )),
                    Err(e) => f.push(problem(
                        format!("drift: could not be checked: {e}"),
                        e.hint().unwrap_or_default(),
                    )),
                }
            }
        }
    }
    Ok(f)
}

impl crate::ops::JsonShape for Diagnosis {
    const COMMANDS: &'static [&'static str] = &["doctor"];
    const SHAPE: &'static str =
        r#"`{"problems": n, "findings": [{"problem": bool, "what", "next": command or null}]}`"#;
}
