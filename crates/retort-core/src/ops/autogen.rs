//! `migrate` (autogenerate a revision) and `check` (is anything left to generate, pending
//! or drifted): the whole pipeline — models and head through scratch databases, the
//! existing-database checks, the diff, rename confirmation, verification of the file
//! before it is written, lint of what was written.
use crate::apply::Migrator;
use crate::autogen::{self, Generated};
use crate::diff::rename::RenameCandidate;
use crate::diff::{diff, Renames};
use crate::engine::Connection;
use crate::error::{Error, StateError, TargetError};
use crate::head_cache::CachedModels;
use crate::lint::rules::unverified::UNVERIFIED;
use crate::lint::{lint_revision, Diagnostic, Severity};
use crate::models_area;
use crate::ops::Workspace;
use crate::render::RenderOptions;
use crate::revision::file::RevisionFile;
use crate::revision::graph::RevisionGraph;
use crate::revision::id::RevisionId;
use crate::schema::Schema;
use std::path::PathBuf;

/// Where one side of the comparison came from (`check --json` and `-v` say it).
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Source {
    /// The project's cache ([`crate::head_cache`]): the same inputs were read before on
    /// the same engine version, so no scratch database was needed.
    Cache,
    /// Created on a scratch database in this run.
    Scratch,
    /// Brought up to date on the project's kept scratch database by the statements that
    /// changed since the last run ([`crate::models_area`]).
    Incremental,
    /// Nothing was read: head's file records the fingerprint of these very models
    /// ([`crate::head_cache::HeadCache::fingerprint`]), so both sides are that verified head.
    Fingerprint,
}

/// The note line a verified generated revision carries: `models fingerprint: HEX` (then
/// `; not compared: …` when the models had such objects).
const FINGERPRINT: &str = "models fingerprint:";

/// The fingerprint a revision file records, what the models held that was not compared,
/// and the file's text without that line (what the fingerprint covers).
fn recorded_fingerprint(text: &str) -> Option<(String, Vec<String>, String)> {
    let is_line = |l: &str| l.trim_start_matches('-').trim_start().starts_with(FINGERPRINT);
    let line = text.lines().find(|l| is_line(l))?;
    let rest = line.trim_start_matches('-').trim_start()[FINGERPRINT.len()..].trim();
    let (hex, not_compared) = match rest.split_once("; not compared: ") {
        Some((hex, list)) => (hex, list.split(", ").map(str::to_string).collect()),
        None => (rest, Vec::new()),
    };
    let without: String =
        text.split_inclusive('\n').filter(|l| !is_line(l)).collect::<Vec<_>>().concat();
    Some((hex.to_string(), not_compared, without))
}

/// A scratch area holding the models, as this run read them.
pub struct ModelsArea {
    pub conn: Box<dyn Connection>,
    /// The kept area's token, when it is the project's kept area.
    token: Option<String>,
    pub source: Source,
}

/// The models read on a scratch area: its unfiltered schema, what was not compared, the
/// server's version, and the area (still holding them).
struct ModelsRead {
    schema: Schema,
    not_compared: Vec<String>,
    server_version: String,
    area: ModelsArea,
}

/// Applies the models to the project's kept area — only the statements that changed
/// since its last run, where that can be done soundly — or to a new scratch database.
fn models_on_scratch(
    ws: &Workspace,
    sql: &str,
    path: &std::path::Path,
) -> Result<ModelsRead, Error> {
    let not_compared = |conn: &mut dyn Connection| -> Result<Vec<String>, Error> {
        let mut kinds = conn.uncompared()?;
        kinds.extend(autogen::skipped_model_statements(conn.dialect(), sql));
        Ok(kinds)
    };
    let Some(mut conn) = ws.kept_scratch()? else {
        let mut conn = ws.scratch()?;
        let schema = autogen::schema_of_models(conn.as_mut(), sql, path)?;
        let not_compared = not_compared(conn.as_mut())?;
        let server_version = conn.server_version()?;
        return Ok(ModelsRead {
            schema,
            not_compared,
            server_version,
            area: ModelsArea { conn, token: None, source: Source::Scratch },
        });
    };
    crate::interrupt::check()?;
    let stmts = autogen::model_statements(conn.dialect(), sql, path)?;
    let server_version = conn.server_version()?;
    let cache_dir = crate::fsio::cache_dir(&ws.project.dir);
    let old_token = models_area::read_token(conn.as_mut());
    let record = old_token
        .as_deref()
        .and_then(|t| models_area::read_record(&models_area::record_path(&cache_dir, t)))
        .filter(|r| {
            r.server_version == server_version
                && r.incremental_runs < models_area::FULL_RELOAD_EVERY
        });
    models_area::forget_token(conn.as_mut())?;
    if let Some(t) = &old_token {
        models_area::forget_record(&models_area::record_path(&cache_dir, t));
    }
    let brought = match &record {
        Some(r) => models_area::bring_up_to_date(conn.as_mut(), r, &stmts, path)?
            .map(|s| (s, r.incremental_runs + 1)),
        None => None,
    };
    let (schema, incremental_runs, source) = match brought {
        Some((schema, runs)) => (schema, runs, Source::Incremental),
        None => {
            conn.empty_scratch()?;
            autogen::load_statements(conn.as_mut(), &stmts, path)?;
            crate::interrupt::check()?;
            (conn.introspect()?, 0, Source::Scratch)
        }
    };
    let token = crate::RevisionId::generate().to_string();
    let statements = stmts.iter().map(|s| s.sql.clone()).collect();
    models_area::write_record(
        &models_area::record_path(&cache_dir, &token),
        &models_area::Record {
            server_version: server_version.clone(),
            statements,
            schema: schema.clone(),
            incremental_runs,
        },
    );
    models_area::set_token(conn.as_mut(), &token)?;
    let not_compared = not_compared(conn.as_mut())?;
    Ok(ModelsRead {
        schema,
        not_compared,
        server_version,
        area: ModelsArea { conn, token: Some(token), source },
    })
}

/// Where the two sides came from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Sources {
    pub models: Source,
    pub head: Source,
}

/// The two sides autogenerate compares, both normalised by the engine.
pub struct Inputs {
    pub graph: RevisionGraph,
    /// The schema the migrations build (replayed into a scratch database).
    pub head: Schema,
    /// The schema the models declare (applied to a scratch database).
    pub models: Schema,
    pub models_path: PathBuf,
    /// The models' text, for an area to verify on when none is open.
    models_sql: String,
    /// The scratch area still holding the replayed head: `migrate` verifies its file
    /// there, so the history is replayed once per run. `None` when the head came from
    /// the cache ([`crate::head_cache`]): verification then builds it.
    pub head_db: Option<Box<dyn Connection>>,
    /// The scratch area still holding the models, when they were created in this run and
    /// the head came from the cache: `migrate` verifies its file there, walking it from
    /// the models' end ([`autogen::verify_from_models`]), instead of creating the head.
    pub models_db: Option<ModelsArea>,
    /// Objects in the models of kinds the schema model does not cover (`1 policy`).
    pub not_compared: Vec<String>,
    /// The scratch server's version, part of the caches' keys.
    pub server_version: String,
    pub sources: Sources,
}

/// Reads the models' schema (from the cache when the same text was read before on the
/// same server version, else applied to a scratch area), then the schema at head (from
/// the cache, else replayed into another area, kept open in [`Inputs::head_db`]). One
/// area at a time, so one scratch database serves both where the engine reuses them.
/// Unchanged models and revision files touch no scratch database at all.
pub fn inputs(ws: &Workspace) -> Result<Inputs, Error> {
    inputs_from(ws, Prepared::read(ws)?)
}

/// What autogenerate reads before any schema: the graph (one head), the models' text and
/// the scratch server's version.
pub struct Prepared {
    graph: RevisionGraph,
    models_sql: String,
    models_path: PathBuf,
    known_version: Option<String>,
}

impl Prepared {
    pub fn read(ws: &Workspace) -> Result<Self, Error> {
        let graph = ws.graph()?;
        let heads = graph.heads();
        if heads.len() > 1 {
            return Err(TargetError::MultipleHeads {
                heads: graph.ids(&heads),
                context: "autogenerate compares against one head".into(),
            }
            .into());
        }
        let (models_sql, models_path) = ws.project.models()?;
        Ok(Prepared { graph, models_sql, models_path, known_version: ws.scratch_server_version() })
    }

    /// Both sides are in the cache and equal (their digests, two small files: a
    /// 1,000-table schema is 2 MB of JSON), or head's file records the fingerprint of
    /// these models: nothing to generate, what was not compared, and which of the two
    /// said so. `None`: read them.
    pub fn unchanged(&self, ws: &Workspace) -> Result<Option<(Vec<String>, Source)>, Error> {
        let Some(version) = &self.known_version else { return Ok(None) };
        let cache = ws.head_cache()?;
        if let Some(models) = cache.models_digest(&cache.models_key(version, &self.models_sql)) {
            let head =
                cache.digest(&cache.key(version, &self.graph, &vec![true; self.graph.len()]));
            if head.as_deref() == Some(models.digest.as_str()) {
                return Ok(Some((models.not_compared, Source::Cache)));
            }
        }
        let heads = self.graph.heads();
        let [head] = heads.as_slice() else { return Ok(None) };
        let file = self.graph.rev(*head);
        let Some((recorded, not_compared, text)) = recorded_fingerprint(&file.text) else {
            return Ok(None);
        };
        let others: Vec<(&str, &str)> = (0..self.graph.len())
            .filter(|i| i != head)
            .map(|i| (self.graph.rev(i).id.as_str(), self.graph.rev(i).checksum.as_str()))
            .collect();
        let now = cache.fingerprint(version, &self.models_sql, &others, &text);
        Ok((now == recorded).then_some((not_compared, Source::Fingerprint)))
    }
}

fn inputs_from(ws: &Workspace, prepared: Prepared) -> Result<Inputs, Error> {
    let Prepared { graph, models_sql, models_path, known_version } = prepared;
    let filter = ws.project.table_filter();
    let cache = ws.head_cache()?;
    let cached =
        known_version.as_deref().and_then(|v| cache.get_models(&cache.models_key(v, &models_sql)));
    let (models, not_compared, server_version, models_db) = match (cached, known_version) {
        (Some(hit), Some(version)) => (hit.schema, hit.not_compared, version, None),
        _ => {
            let read = models_on_scratch(ws, &models_sql, &models_path)?;
            let entry = CachedModels {
                schema: filter.apply(&read.schema),
                not_compared: read.not_compared,
            };
            cache.put_models(&cache.models_key(&read.server_version, &models_sql), &entry);
            (entry.schema, entry.not_compared, read.server_version, Some(read.area))
        }
    };
    let models_source = models_db.as_ref().map_or(Source::Cache, |a| a.source);
    crate::interrupt::check()?;
    let key = cache.key(&server_version, &graph, &vec![true; graph.len()]);
    if let Some(head) = cache.get(&key) {
        let sources = Sources { models: models_source, head: Source::Cache };
        return Ok(Inputs {
            graph,
            head,
            models,
            models_path,
            models_sql,
            head_db: None,
            models_db,
            not_compared,
            server_version,
            sources,
        });
    }
    // The models' area goes back to the pool first: the history may be replayed into it.
    drop(models_db);
    let mut head_db = ws.scratch()?;
    let head =
        filter.apply(&autogen::schema_at_head(head_db.as_mut(), &graph, &ws.project.tables())?);
    cache.put(&key, &head);
    let sources = Sources { models: models_source, head: Source::Scratch };
    Ok(Inputs {
        graph,
        head,
        models,
        models_path,
        models_sql,
        head_db: Some(head_db),
        models_db: None,
        not_compared,
        server_version,
        sources,
    })
}

/// A scratch database holding the schema at head, to verify a generated file on: the
/// one the history was replayed into, or — when the head came from the cache — one
/// built from the cached schema rendered as DDL (the history replayed if that fails).
fn head_db(ws: &Workspace, inputs: &mut Inputs) -> Result<Box<dyn Connection>, Error> {
    if let Some(db) = inputs.head_db.take() {
        return Ok(db);
    }
    let dialect = ws.dialect()?;
    let empty = Schema::default();
    let mut db = ws.scratch()?;
    let built = dialect
        .render(&empty, &inputs.head, &diff(&empty, &inputs.head, &Renames::default()))
        .ok()
        .map(|stmts| stmts.iter().try_for_each(|s| db.execute(&s.sql)).is_ok())
        .unwrap_or(false);
    if built && ws.project.table_filter().apply(&db.introspect()?) == inputs.head {
        return Ok(db);
    }
    drop(db);
    let mut db = ws.scratch()?;
    autogen::schema_at_head(db.as_mut(), &inputs.graph, &ws.project.tables())?;
    Ok(db)
}

/// Proves the generated file before it is written: on the models' scratch area when it
/// is still open and the head has no area ([`autogen::verify_from_models`]), else — or
/// when that finds a problem, for the authoritative message — on the head's.
fn verify_generated(
    ws: &Workspace,
    inputs: &mut Inputs,
    generated: &Generated,
) -> Result<Vec<String>, Error> {
    let filter = ws.project.table_filter();
    if inputs.head_db.is_none() {
        // Both sides came from the cache: the kept area (brought to these models, which
        // costs nothing when it holds them already) rather than the head built anew.
        if inputs.models_db.is_none() && ws.kept_scratch_enabled() {
            inputs.models_db =
                Some(models_on_scratch(ws, &inputs.models_sql, &inputs.models_path)?.area);
        }
        if let Some(mut area) = inputs.models_db.take() {
            // A kept area holds no token while the file runs on it: a run killed now
            // leaves an area the next run reloads in full.
            if area.token.is_some() {
                models_area::forget_token(area.conn.as_mut())?;
            }
            if autogen::verify_from_models(
                area.conn.as_mut(),
                generated,
                &inputs.head,
                &inputs.models,
                &filter,
            )?
            .is_empty()
            {
                // Back where it was: the models, as its record says.
                if let Some(token) = &area.token {
                    models_area::set_token(area.conn.as_mut(), token)?;
                }
                return Ok(Vec::new());
            }
        }
    }
    let mut db = head_db(ws, inputs)?;
    autogen::verify(db.as_mut(), generated, &inputs.head, &inputs.models, &filter)
}

/// Alembic refuses to autogenerate against a database that is behind; so do we. A database
/// that does not exist yet has nothing to compare (`None`).
fn target_at_head(
    ws: &Workspace,
    graph: &RevisionGraph,
) -> Result<Option<Box<dyn Connection>>, Error> {
    if ws.env.url.is_none() {
        return Ok(None);
    }
    let Ok(mut conn) = ws.connect_existing() else { return Ok(None) };
    let rows = ws.store().current_rows(conn.as_mut())?;
    let heads = graph.ids(&graph.heads());
    let head_rows: Vec<String> = heads.iter().map(|h| h.to_string()).collect();
    if rows != head_rows {
        return Err(StateError::NotUpToDate { current: rows, heads }.into());
    }
    Ok(Some(conn))
}

/// What `migrate` is asked to do.
#[derive(Clone, Debug, Default)]
pub struct MigrateRequest {
    pub message: String,
    pub rev_id: Option<String>,
    /// Confirmed renames (`--rename`).
    pub renames: Renames,
    /// Write a revision even when nothing changed.
    pub allow_empty: bool,
    /// Accept models that declare no tables (the revision then drops every table).
    pub allow_empty_models: bool,
    /// Skip the checks against the configured database.
    pub ignore_db: bool,
    /// Skip applying the file to a copy of head before writing it.
    pub no_verify: bool,
    /// Keep a revision that did not verify as a result (it is written either way;
    /// without this the run ends in [`Error::Unverified`]).
    pub allow_unverified: bool,
    /// Online forms of locking changes; `None`: the environment's setting.
    pub online: Option<bool>,
}

/// What `migrate` did.
// One value per run: the two schemas it carries are not worth boxing.
#[allow(clippy::large_enum_variant)]
#[derive(Debug)]
pub enum MigrateOutcome {
    /// Nothing changed and `allow_empty` was not given: no file.
    NoChanges {
        rename_candidates: Vec<RenameCandidate>,
        not_compared: Vec<String>,
        sources: Sources,
    },
    Written {
        id: RevisionId,
        path: PathBuf,
        /// The two schemas compared: head (the migrations replayed) and the models.
        head: Schema,
        models: Schema,
        generated: Generated,
        /// Statements that did not verify on the copy of head (also noted in the file).
        unverified: Vec<String>,
        /// Lint findings (warnings and errors) on the written file.
        lint: Vec<Diagnostic>,
        /// Objects in the models the schema model does not cover (`1 policy`).
        not_compared: Vec<String>,
        sources: Sources,
    },
}

/// Autogenerates a revision. `confirm_rename` is asked about each drop+add that looks
/// like a rename (the CLI asks on a terminal; return false to keep drop + add).
pub fn migrate(
    ws: &Workspace,
    req: &MigrateRequest,
    confirm_rename: &mut dyn FnMut(&RenameCandidate) -> bool,
) -> Result<MigrateOutcome, Error> {
    crate::revision::new::require_message(&req.message)?;
    let prepared = Prepared::read(ws)?;
    if !req.allow_empty {
        if let Some((not_compared, source)) = prepared.unchanged(ws)? {
            // As below: a database that is behind is refused even when nothing changed.
            if !req.ignore_db {
                target_at_head(ws, &prepared.graph)?;
            }
            return Ok(MigrateOutcome::NoChanges {
                rename_candidates: Vec::new(),
                not_compared,
                sources: Sources { models: source, head: source },
            });
        }
    }
    let mut inputs = inputs_from(ws, prepared)?;
    autogen::refuse_empty_models(
        &inputs.models,
        &inputs.head,
        &inputs.models_path,
        req.allow_empty_models,
    )?;
    let target = if req.ignore_db { None } else { target_at_head(ws, &inputs.graph)? };
    let dialect = ws.dialect()?;
    let mut renames = req.renames.clone();
    let options = RenderOptions { online: req.online.unwrap_or(ws.env.online) };
    let mut generated =
        autogen::generate(dialect.as_ref(), &inputs.head, &inputs.models, &renames, options)?;
    if let Some(mut conn) = target {
        let present =
            autogen::created_but_present(&generated, &mut |name| conn.relation_exists(name))?;
        if !present.is_empty() {
            return Err(StateError::TablesExist { tables: present }.into());
        }
    }
    let mut accepted = false;
    for cand in generated.rename_candidates.clone() {
        if confirm_rename(&cand) {
            cand.accept(&mut renames);
            accepted = true;
        }
    }
    if accepted {
        generated =
            autogen::generate(dialect.as_ref(), &inputs.head, &inputs.models, &renames, options)?;
    }
    if generated.is_empty() && !req.allow_empty {
        return Ok(MigrateOutcome::NoChanges {
            rename_candidates: generated.rename_candidates,
            not_compared: inputs.not_compared,
            sources: inputs.sources,
        });
    }
    // Prove the file before writing it: run it both ways on the replayed head.
    let mut notes = generated.notes.clone();
    let unverified = if req.no_verify {
        notes.push("NOT VERIFIED: generated with --no-verify; run it on a copy first".into());
        Vec::new()
    } else {
        verify_generated(ws, &mut inputs, &generated)?
    };
    for p in &unverified {
        notes.push(format!("{UNVERIFIED} {p}; edit this revision by hand"));
    }
    // The last safe point: after this the file exists.
    crate::interrupt::check()?;
    let dir = ws.migrations();
    let mut new = crate::revision::new::start(
        &inputs.graph,
        &dir,
        &req.message,
        req.rev_id.as_deref(),
        inputs.graph.ids(&inputs.graph.heads()),
    )?;
    let verified = !req.no_verify && unverified.is_empty();
    if !notes.is_empty() || verified {
        new.notes = std::iter::once("Review notes (generated by retort migrate):".to_string())
            .chain(notes.iter().map(|n| format!("  {n}")))
            .collect();
    }
    new.upgrade = generated.upgrade_section();
    new.downgrade = generated.downgrade_section();
    if verified {
        // The file as written but for this line is what the fingerprint covers.
        let id = new.id.clone().unwrap_or_else(RevisionId::generate);
        new.id = Some(id.clone());
        let others: Vec<(&str, &str)> = (0..inputs.graph.len())
            .map(|i| (inputs.graph.rev(i).id.as_str(), inputs.graph.rev(i).checksum.as_str()))
            .collect();
        let text = RevisionFile::render(&new, &id);
        let fingerprint = ws.head_cache()?.fingerprint(
            &inputs.server_version,
            &inputs.models_sql,
            &others,
            &text,
        );
        let mut line = format!("  {FINGERPRINT} {fingerprint}");
        if !inputs.not_compared.is_empty() {
            line.push_str(&format!("; not compared: {}", inputs.not_compared.join(", ")));
        }
        new.notes.push(line);
    }
    let (id, path) = dir.write(&new)?;
    // Lint what was written, as a reviewer would.
    let text =
        std::fs::read_to_string(&path).map_err(|e| Error::io("reading the new revision", e))?;
    let written = RevisionFile::parse(&path, &text)?;
    let lint = lint_revision(&written, dialect.as_ref())
        .into_iter()
        .filter(|d| d.severity != Severity::Info)
        .collect();
    // A verified file turns head into the models: the next run finds that in the cache.
    if !req.no_verify && unverified.is_empty() {
        if let Ok(graph) = ws.graph() {
            let cache = ws.head_cache()?;
            cache.put(
                &cache.key(&inputs.server_version, &graph, &vec![true; graph.len()]),
                &inputs.models,
            );
        }
    }
    // Written for the user to edit, but not a result a script may go on with.
    if !unverified.is_empty() && !req.allow_unverified {
        return Err(Error::Unverified { path, problems: unverified });
    }
    let sources = inputs.sources;
    Ok(MigrateOutcome::Written {
        id,
        path,
        head: inputs.head,
        models: inputs.models,
        generated,
        unverified,
        lint,
        not_compared: inputs.not_compared,
        sources,
    })
}

/// What `check` found.
#[derive(Debug, Clone, serde::Serialize)]
pub struct CheckReport {
    /// Nothing to change, nothing pending, no drift ([`CheckReport::clean`]).
    pub up_to_date: bool,
    /// Changes between the schema at head and the models (what `migrate` would write).
    pub changes: Vec<String>,
    /// Revisions whose file still carries migrate's UNVERIFIED note (`id (path)`).
    pub unverified: Vec<String>,
    /// Whether the configured database was checked (it exists and `--no-db` was not given).
    pub database_checked: bool,
    /// Revisions the database has not applied (`id message`).
    pub pending: Vec<String>,
    /// Differences between the database and head (only when nothing is pending).
    pub drift: Vec<String>,
    /// Objects in the models the schema model does not cover (`1 policy`).
    pub not_compared: Vec<String>,
    /// Where the models' schema and the schema at head came from; `None` when they were not
    /// compared (a revision still marked UNVERIFIED must be fixed first).
    pub sources: Option<Sources>,
}

impl CheckReport {
    pub fn clean(&self) -> bool {
        self.changes.is_empty()
            && self.unverified.is_empty()
            && self.pending.is_empty()
            && self.drift.is_empty()
    }
}

/// The revisions whose file still carries migrate's UNVERIFIED note, as `id (path)`.
fn unverified_revisions(graph: &RevisionGraph) -> Vec<String> {
    let rule = &crate::lint::rules::unverified::RULE;
    graph
        .topo_order()
        .iter()
        .map(|&i| graph.rev(i))
        .filter(|f| !(rule.revision)(f).is_empty())
        .map(|f| format!("{} ({})", f.id, f.path.display()))
        .collect()
}

/// `check`: the models against head, and (unless `no_db`) the database against both.
pub fn check(ws: &Workspace, no_db: bool) -> Result<CheckReport, Error> {
    let prepared = Prepared::read(ws)?;
    // Head is the history replayed: a revision still marked UNVERIFIED may not even run, so
    // it is reported first, and alone.
    let unverified = unverified_revisions(&prepared.graph);
    if !unverified.is_empty() {
        return Ok(CheckReport {
            up_to_date: false,
            changes: Vec::new(),
            unverified,
            database_checked: false,
            pending: Vec::new(),
            drift: Vec::new(),
            not_compared: Vec::new(),
            sources: None,
        });
    }
    if no_db || ws.env.url.is_none() {
        if let Some((not_compared, source)) = prepared.unchanged(ws)? {
            let sources = Some(Sources { models: source, head: source });
            return Ok(CheckReport {
                up_to_date: true,
                changes: Vec::new(),
                unverified: Vec::new(),
                database_checked: false,
                pending: Vec::new(),
                drift: Vec::new(),
                not_compared,
                sources,
            });
        }
    }
    let mut inputs = inputs_from(ws, prepared)?;
    let changes = diff(&inputs.head, &inputs.models, &Renames::default())
        .iter()
        .map(|c| c.describe())
        .collect();
    let mut report = CheckReport {
        up_to_date: false,
        changes,
        unverified: Vec::new(),
        database_checked: false,
        pending: Vec::new(),
        drift: Vec::new(),
        not_compared: std::mem::take(&mut inputs.not_compared),
        sources: Some(inputs.sources),
    };
    if no_db || ws.env.url.is_none() {
        report.up_to_date = report.clean();
        return Ok(report);
    }
    let graph = &inputs.graph;
    let mut conn = ws.connect_existing()?;
    let current = Migrator::new(graph, ws.project.tables()).current(conn.as_mut())?;
    report.database_checked = true;
    report.pending = crate::plan::plan_upgrade(graph, &current, &graph.heads())
        .steps
        .iter()
        .map(|s| format!("{} {}", graph.id(s.rev), s.file(graph).message))
        .collect();
    if report.pending.is_empty() {
        let live = ws.project.table_filter().apply(&conn.introspect()?);
        report.drift =
            diff(&inputs.head, &live, &Renames::default()).iter().map(|c| c.describe()).collect();
    }
    report.up_to_date = report.clean();
    Ok(report)
}

impl crate::ops::JsonShape for CheckReport {
    const COMMANDS: &'static [&'static str] = &["check"];
    const SHAPE: &'static str = r#"`{"up_to_date": bool, "changes": [descriptions], "unverified": ["id (path)", ..] (files still marked UNVERIFIED), "database_checked": bool, "pending": [..], "drift": [descriptions], "not_compared": ["1 policy", ..], "sources": {"models": "cache"\|"fingerprint"\|"incremental"\|"scratch", "head": "cache"\|"fingerprint"\|"scratch"} or null (not compared while a revision is marked UNVERIFIED)}`"#;
}
