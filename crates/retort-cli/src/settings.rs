//! Resolves flags + retort.toml + environment variables once, into what commands use.
use crate::args::Global;
use retort::core::config::Environment;
use retort::core::error::ConfigError;
use retort::{Connection, Error, MigrationDir, Project, RevisionGraph, RunOptions};
use std::path::PathBuf;
use std::time::Duration;

pub struct Settings {
    pub global: Global,
    pub cwd: PathBuf,
}

/// A loaded project and its chosen environment.
pub struct Workspace {
    pub project: Project,
    pub env: Environment,
    pub lock_timeout: Duration,
    confirm_env: Option<String>,
}

fn var(name: &str) -> Option<String> {
    std::env::var(name).ok()
}

impl Settings {
    pub fn new(global: Global) -> Result<Self, Error> {
        let cwd = std::env::current_dir().map_err(|e| Error::io("reading the current directory", e))?;
        Ok(Settings { global, cwd })
    }

    pub fn workspace(&self) -> Result<Workspace, Error> {
        let project = match &self.global.config {
            Some(p) => {
                let p = self.cwd.join(p);
                if !p.is_file() {
                    return Err(ConfigError::ConfigFileMissing { path: p }.into());
                }
                Project::load(&p)?
            }
            None => Project::find(&self.cwd)?,
        };
        let env = project.environment(self.global.env.as_deref(), &var)?;
        Ok(Workspace { project, env, lock_timeout: Duration::from_secs(self.global.lock_timeout), confirm_env: self.global.confirm_env.clone() })
    }
}

impl Workspace {
    pub fn migrations(&self) -> MigrationDir {
        MigrationDir::new(self.project.migrations_dir())
    }

    pub fn graph(&self) -> Result<RevisionGraph, Error> {
        self.migrations().load_graph()
    }

    pub fn connect(&self) -> Result<Box<dyn Connection>, Error> {
        let url = self.env.url.as_ref().ok_or_else(|| ConfigError::NoUrl { env: self.env.name.clone() })?;
        self.engine()?.open(url, &self.project.dir)
    }

    /// Opens the database only if it exists: read commands must not create a SQLite file
    /// as a side effect of a typo in its path (issue #9 item 8).
    pub fn connect_existing(&self) -> Result<Box<dyn Connection>, Error> {
        let url = self.env.url.as_ref().ok_or_else(|| ConfigError::NoUrl { env: self.env.name.clone() })?;
        self.engine()?.open_existing(url, &self.project.dir)
    }

    /// The project's engine: the URL's when there is a URL, else retort.toml's `dialect`;
    /// the two must agree (the migrations are written for one engine).
    pub fn engine(&self) -> Result<&'static dyn retort::Engine, Error> {
        let configured = self.project.file.project.dialect.as_str();
        let named = retort::engine_named(configured).map_err(|_| ConfigError::Invalid {
            path: self.project.path.clone(),
            message: format!("dialect = \"{configured}\" is not an engine this build knows ({})", retort::supported_engines().join(", ")),
        })?;
        let Some(url) = &self.env.url else { return Ok(named) };
        let engine = retort::engine_for_url(url)?;
        if engine.name() != named.name() {
            return Err(ConfigError::Invalid {
                path: self.project.path.clone(),
                message: format!("dialect = \"{configured}\" but the URL of environment `{}` is {} ({url}); the migrations are written for one engine, so fix one of the two", self.env.name, engine.name()),
            }
            .into());
        }
        Ok(engine)
    }

    /// Refuses a write to a protected environment unless `--confirm-env` names it.
    pub fn guard_write(&self, action: &str) -> Result<(), Error> {
        if self.env.protected && self.confirm_env.as_deref() != Some(self.env.name.as_str()) {
            return Err(Error::Protected { env: self.env.name.clone(), action: action.to_string() });
        }
        Ok(())
    }

    /// A scratch database for autogenerate, on `scratch_url` or the environment's server.
    /// Never on a protected environment's server without `scratch_url`.
    pub fn scratch(&self) -> Result<Box<dyn retort::Connection>, Error> {
        let scratch_url = match &self.project.file.project.scratch_url {
            Some(raw) => Some(retort::RedactedUrl::new(retort::core::config::expand_vars(raw, &self.env.name, &var)?)),
            None => None,
        };
        let engine = self.engine()?;
        if scratch_url.is_none() && engine.dialect().capabilities().scratch_needs_server {
            self.guard_write("create scratch databases on its server (set scratch_url to use another server)")?;
        }
        engine.scratch(scratch_url.as_ref().or(self.env.url.as_ref()))
    }

    /// The dialect for offline work.
    pub fn dialect(&self) -> Result<Box<dyn retort::Dialect>, Error> {
        Ok(self.engine()?.dialect())
    }

    pub fn run_options(&self) -> RunOptions {
        RunOptions { lock_timeout: self.lock_timeout, ..Default::default() }
    }

    /// `env dev (sqlite://dev.db)`, password redacted.
    pub fn describe_target(&self) -> String {
        match &self.env.url {
            Some(u) => format!("env {} ({u})", self.env.name),
            None => format!("env {} (no URL)", self.env.name),
        }
    }
}
