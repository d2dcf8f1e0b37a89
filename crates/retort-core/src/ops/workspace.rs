//! A loaded project, its chosen environment and engine, and the settings of this run:
//! resolved once from options + retort.toml + environment variables.
use crate::apply::RunOptions;
use crate::config::{Environment, Project};
use crate::engine::{Connection, Dialect, Engine};
use crate::error::{ConfigError, Error};
use crate::revision::{dir::MigrationDir, graph::RevisionGraph};
use crate::url::RedactedUrl;
use std::path::PathBuf;
use std::time::Duration;

/// What the caller chooses (the CLI's global flags; an application's settings).
#[derive(Clone, Debug, Default)]
pub struct WorkspaceOptions {
    /// retort.toml to use; by default searched from `cwd` upwards.
    pub config: Option<PathBuf>,
    pub cwd: PathBuf,
    /// Environment name; by default RETORT_ENV, else the project's `default_env`.
    pub env: Option<String>,
    /// A models file for this run, in place of the project's `models`/`models_command`.
    pub models: Option<PathBuf>,
    pub lock_timeout: Duration,
    /// Names the protected environment a write is confirmed for.
    pub confirm_env: Option<String>,
    /// Overrides of the environment's `lock_timeout`, `statement_timeout`, `lock_retries`
    /// and `lock_retry_budget` (the command line's).
    pub db_lock_timeout: Option<Duration>,
    pub statement_timeout: Option<Duration>,
    pub lock_retries: Option<u32>,
    pub lock_retry_budget: Option<Duration>,
}

pub struct Workspace {
    pub project: Project,
    pub env: Environment,
    pub lock_timeout: Duration,
    confirm_env: Option<String>,
    /// Revision files compiled into an application (name, text), used instead of the
    /// migrations directory ([`Workspace::for_embedded`]).
    embedded: Option<Vec<(String, String)>>,
    /// The engines of this build (the facade's registry).
    engines: &'static [&'static dyn Engine],
}

fn process_var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Workspace {
    /// Loads the project and environment; `engines` is the facade's registry.
    pub fn load(
        opts: &WorkspaceOptions,
        engines: &'static [&'static dyn Engine],
    ) -> Result<Self, Error> {
        let project = match &opts.config {
            Some(p) => {
                let p = opts.cwd.join(p);
                if !p.is_file() {
                    return Err(ConfigError::ConfigFileMissing { path: p }.into());
                }
                Project::load(&p)?
            }
            None => Project::find(&opts.cwd)?,
        };
        let mut project = project;
        if let Some(models) = &opts.models {
            project.file.project.models = opts.cwd.join(models).to_string_lossy().into_owned();
            project.file.project.models_command = None;
        }
        let mut env = project.environment(opts.env.as_deref(), &process_var)?;
        let t = &mut env.timeouts;
        t.lock = opts.db_lock_timeout.or(t.lock);
        t.statement = opts.statement_timeout.or(t.statement);
        t.retries = opts.lock_retries.unwrap_or(t.retries);
        t.budget = opts.lock_retry_budget.unwrap_or(t.budget);
        Ok(Workspace {
            project,
            env,
            lock_timeout: opts.lock_timeout,
            confirm_env: opts.confirm_env.clone(),
            embedded: None,
            engines,
        })
    }

    /// A workspace without retort.toml: one database and a migrations directory, with the
    /// defaults of a new project (no backups, not protected). For applications that only
    /// want "bring this database to head at start-up".
    pub fn for_database(
        url: &str,
        migrations_dir: &std::path::Path,
        engines: &'static [&'static dyn Engine],
    ) -> Result<Self, Error> {
        let url = RedactedUrl::new(url.to_string());
        let engine = crate::engine::for_url(engines, &url)?;
        let mut file = crate::config::ConfigFile::default();
        file.project.dialect = engine.name().to_string();
        file.project.migrations = migrations_dir.to_string_lossy().into_owned();
        let project =
            Project { dir: PathBuf::from("."), path: PathBuf::from("(no retort.toml)"), file };
        let env = Environment {
            name: "default".into(),
            url: Some(url),
            protected: false,
            backup: false,
            backup_keep: 10,
            url_source: "the application",
            timeouts: Default::default(),
            online: false,
            fleet: None,
        };
        Ok(Workspace {
            project,
            env,
            lock_timeout: RunOptions::default().lock_timeout,
            confirm_env: None,
            embedded: None,
            engines,
        })
    }

    /// As [`Workspace::for_database`], with the revision files given in memory (an
    /// application's embedded migrations: file name and text) instead of a directory.
    pub fn for_embedded(
        url: &str,
        files: Vec<(String, String)>,
        engines: &'static [&'static dyn Engine],
    ) -> Result<Self, Error> {
        let mut ws = Self::for_database(url, std::path::Path::new("(embedded)"), engines)?;
        ws.embedded = Some(files);
        Ok(ws)
    }

    pub fn migrations(&self) -> MigrationDir {
        MigrationDir::new(self.project.migrations_dir())
    }

    pub fn graph(&self) -> Result<RevisionGraph, Error> {
        match &self.embedded {
            Some(files) => {
                let versions = self.migrations().versions();
                let parsed: Result<Vec<_>, _> = files
                    .iter()
                    .map(|(name, text)| {
                        crate::revision::file::RevisionFile::parse(&versions.join(name), text)
                    })
                    .collect();
                Ok(RevisionGraph::build(parsed?)?)
            }
            None => self.migrations().load_graph(),
        }
    }

    /// The project's bookkeeping tables (their names from retort.toml).
    pub fn store(&self) -> crate::history::store::VersionStore {
        crate::history::store::VersionStore::new(self.project.tables())
    }

    /// The project's cache of schemas at sets of revisions, for this engine and filter.
    pub fn head_cache(&self) -> Result<crate::head_cache::HeadCache, Error> {
        Ok(crate::head_cache::HeadCache::new(
            &self.project.dir,
            self.dialect()?.name(),
            self.project.table_filter(),
            &self.project.file.project.schemas,
        ))
    }

    /// The graph for commands that only show it, file texts from the project's index
    /// where the files are unchanged ([`crate::revision::index`]). Never for running SQL.
    pub fn graph_for_display(&self) -> Result<RevisionGraph, Error> {
        if self.embedded.is_some() {
            return self.graph();
        }
        self.migrations().load_graph_for_display(
            &crate::fsio::cache_dir(&self.project.dir).join("revisions.bin"),
        )
    }

    pub fn url(&self) -> Result<&RedactedUrl, Error> {
        if self.env.fleet.is_some() {
            return Err(Error::usage(
                format!("environment `{}` is a fleet of databases", self.env.name),
                Some("pass --all, --target NAME or --targets GLOB (upgrade, downgrade, current, check); or DATABASE_URL for one database".into()),
            ));
        }
        self.env
            .url
            .as_ref()
            .ok_or_else(|| ConfigError::NoUrl { env: self.env.name.clone() }.into())
    }

    /// The same project and settings, for one target of a fleet: the
    /// environment named `env:target`, its URL the target's, its own lock, backups and
    /// guard as any single database gets.
    pub fn for_target(&self, target: &str, url: RedactedUrl) -> Workspace {
        let mut env = self.env.clone();
        env.name = format!("{}:{target}", self.env.name);
        env.url = Some(url);
        env.url_source = "the fleet";
        env.fleet = None;
        // The guard is the fleet's: confirming the environment confirms its targets.
        let confirm_env =
            self.confirm_env.as_ref().filter(|c| **c == self.env.name).map(|_| env.name.clone());
        Workspace {
            project: self.project.clone(),
            env,
            lock_timeout: self.lock_timeout,
            confirm_env,
            embedded: self.embedded.clone(),
            engines: self.engines,
        }
    }

    /// A connection to a URL of the project's engine family (a fleet's control database).
    pub fn open_url(&self, url: &RedactedUrl) -> Result<Box<dyn Connection>, Error> {
        crate::engine::for_url(self.engines, url)?.open_existing(url, &self.project.dir)
    }

    /// Opens the environment's database, creating it where the engine does (commands that write).
    pub fn connect(&self) -> Result<Box<dyn Connection>, Error> {
        self.owning_schemas(self.engine()?.open(self.url()?, &self.project.dir)?)
    }

    /// A connection told the schemas the project owns besides its own.
    fn owning_schemas(&self, mut conn: Box<dyn Connection>) -> Result<Box<dyn Connection>, Error> {
        conn.own_schemas(&self.project.file.project.schemas)?;
        Ok(conn)
    }

    /// Opens the database only if it exists: read commands must not create a SQLite file
    /// as a side effect of a typo in its path.
    pub fn connect_existing(&self) -> Result<Box<dyn Connection>, Error> {
        self.owning_schemas(self.engine()?.open_existing(self.url()?, &self.project.dir)?)
    }

    /// The project's engine: the URL's when there is a URL, else retort.toml's `dialect`;
    /// the two must agree (the migrations are written for one engine).
    pub fn engine(&self) -> Result<&'static dyn Engine, Error> {
        let configured = self.project.file.project.dialect.as_str();
        let named =
            crate::engine::named(self.engines, configured).map_err(|_| ConfigError::Invalid {
                path: self.project.path.clone(),
                message: format!(
                    "dialect = \"{configured}\" is not an engine this build knows ({})",
                    self.engines.iter().map(|e| e.name()).collect::<Vec<_>>().join(", ")
                ),
            })?;
        let Some(url) = &self.env.url else { return Ok(named) };
        let engine = crate::engine::for_url(self.engines, url)?;
        if engine.name() != named.name() {
            return Err(ConfigError::Invalid {
                path: self.project.path.clone(),
                message: format!("dialect = \"{configured}\" but the URL of environment `{}` is {} ({url}); the migrations are written for one engine, so fix one of the two", self.env.name, engine.name()),
            }
            .into());
        }
        Ok(engine)
    }

    /// The engine retort.toml names, even when the URL disagrees (for diagnostics).
    pub fn configured_engine(&self) -> Result<&'static dyn Engine, Error> {
        crate::engine::named(self.engines, &self.project.file.project.dialect)
    }

    /// Refuses a write to a protected environment unless the caller confirmed it by name.
    pub fn guard_write(&self, action: &str) -> Result<(), Error> {
        if self.env.protected && self.confirm_env.as_deref() != Some(self.env.name.as_str()) {
            return Err(Error::Protected {
                env: self.env.name.clone(),
                action: action.to_string(),
            });
        }
        Ok(())
    }

    /// `scratch_url` with its variables expanded, when the project sets one.
    pub fn scratch_url(&self) -> Result<Option<RedactedUrl>, Error> {
        match &self.project.file.project.scratch_url {
            Some(raw) => Ok(Some(RedactedUrl::new(crate::config::expand_vars(
                raw,
                &self.env.name,
                &process_var,
            )?))),
            None => Ok(None),
        }
    }

    /// The version of the server scratch work would run on, read without creating
    /// anything there (the caches' keys hold it); `None` when it cannot be read — the
    /// caller then takes the path that does not need it.
    pub fn scratch_server_version(&self) -> Option<String> {
        let engine = self.engine().ok()?;
        if !engine.dialect().capabilities().scratch_needs_server {
            // An in-memory scratch database costs nothing to open.
            return engine.scratch(None).ok()?.server_version().ok();
        }
        let url = self.scratch_url().ok()?.or_else(|| self.env.url.clone())?;
        engine.open_existing(&url, &self.project.dir).ok()?.server_version().ok()
    }

    /// A scratch database for autogenerate, on `scratch_url` or the environment's server.
    /// Never on a protected environment's server without `scratch_url`.
    pub fn scratch(&self) -> Result<Box<dyn Connection>, Error> {
        let scratch_url = self.scratch_url()?;
        let engine = self.engine()?;
        if scratch_url.is_none() && engine.dialect().capabilities().scratch_needs_server {
            self.guard_write(
                "create scratch databases on its server (set scratch_url to use another server)",
            )?;
        }
        self.owning_schemas(engine.scratch(scratch_url.as_ref().or(self.env.url.as_ref()))?)
    }

    /// The project's kept models area ([`crate::models_area`]) when the project keeps one
    /// (`keep_scratch`, `RETORT_KEEP_SCRATCH`) and the engine does; `None` also when
    /// another run holds it or it cannot be made (the caller takes [`Workspace::scratch`],
    /// whose error is the one to report).
    pub fn kept_scratch(&self) -> Result<Option<Box<dyn Connection>>, Error> {
        if !self.kept_scratch_enabled() {
            return Ok(None);
        }
        let engine = self.engine()?;
        let scratch_url = self.scratch_url()?;
        if scratch_url.is_none() {
            self.guard_write(
                "create scratch databases on its server (set scratch_url to use another server)",
            )?;
        }
        let name = crate::cleanup::kept_scratch_name(&self.project.dir);
        match engine.kept_scratch(scratch_url.as_ref().or(self.env.url.as_ref()), &name) {
            Ok(Some(conn)) => self.owning_schemas(conn).map(Some),
            _ => Ok(None),
        }
    }

    /// Whether this project keeps a models area: its setting (`keep_scratch`, overridden
    /// by `RETORT_KEEP_SCRATCH`) and an engine whose scratch work is on a server.
    pub fn kept_scratch_enabled(&self) -> bool {
        let keep = match process_var("RETORT_KEEP_SCRATCH").as_deref() {
            Some("0" | "false" | "no" | "off") => false,
            Some("1" | "true" | "yes" | "on") => true,
            _ => self.project.file.project.keep_scratch,
        };
        keep && self.engine().is_ok_and(|e| e.dialect().capabilities().scratch_needs_server)
    }

    /// Drops the project's kept models area on the scratch server; whether there was one.
    pub fn drop_kept_scratch(&self) -> Result<bool, Error> {
        let engine = self.engine()?;
        if !engine.dialect().capabilities().scratch_needs_server {
            return Ok(false);
        }
        let scratch_url = self.scratch_url()?;
        engine.drop_kept_scratch(
            scratch_url.as_ref().or(self.env.url.as_ref()),
            &crate::cleanup::kept_scratch_name(&self.project.dir),
        )
    }

    /// The dialect for offline work.
    pub fn dialect(&self) -> Result<Box<dyn Dialect>, Error> {
        Ok(self.engine()?.dialect())
    }

    pub fn run_options(&self) -> RunOptions {
        RunOptions {
            lock_timeout: self.lock_timeout,
            timeouts: self.env.timeouts.clone(),
            ..Default::default()
        }
    }

    /// `env dev (sqlite://dev.db)`, password redacted.
    pub fn describe_target(&self) -> String {
        match &self.env.url {
            Some(u) => format!("env {} ({u})", self.env.name),
            None => format!("env {} (no URL)", self.env.name),
        }
    }
}
