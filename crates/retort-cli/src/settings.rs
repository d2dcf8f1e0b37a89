//! Resolves the global flags into the library's workspace options, once.
use crate::args::Global;
use retort::{Error, Workspace, WorkspaceOptions};
use std::path::PathBuf;
use std::time::Duration;

pub struct Settings {
    pub global: Global,
    pub cwd: PathBuf,
}

impl Settings {
    pub fn new(global: Global) -> Result<Self, Error> {
        let cwd =
            std::env::current_dir().map_err(|e| Error::io("reading the current directory", e))?;
        Ok(Settings { global, cwd })
    }

    pub fn workspace(&self) -> Result<Workspace, Error> {
        retort::workspace(&WorkspaceOptions {
            config: self.global.config.clone(),
            cwd: self.cwd.clone(),
            env: self.global.env.clone(),
            models: self.global.models.clone(),
            lock_timeout: Duration::from_secs(self.global.lock_timeout),
            confirm_env: self.global.confirm_env.clone(),
            db_lock_timeout: self.global.ddl_lock_timeout,
            statement_timeout: self.global.statement_timeout,
            lock_retries: self.global.lock_retries,
            lock_retry_budget: self.global.lock_retry_budget,
        })
    }
}
