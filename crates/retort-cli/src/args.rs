//! The command line's global flags (clap only; no behaviour here). Each command's own
//! flags are its `Args`, in `commands/<command>.rs`.
use clap::Args;
use std::path::PathBuf;

#[derive(Debug, Args, Clone)]
pub struct Global {
    /// Path to retort.toml (default: search the current directory and its parents).
    #[arg(long, global = true, value_name = "PATH")]
    pub config: Option<PathBuf>,
    /// Environment from retort.toml (default: RETORT_ENV, else the project's default_env).
    #[arg(long, global = true, value_name = "NAME")]
    pub env: Option<String>,
    /// Read the models from this SQL file for this run, instead of retort.toml's `models`
    /// or `models_command` (flask-retort renders the app's metadata into one).
    #[arg(long, global = true, value_name = "FILE", env = "RETORT_MODELS")]
    pub models: Option<PathBuf>,
    /// Machine-readable output (read commands); the shapes are documented in the README.
    #[arg(long, global = true)]
    pub json: bool,
    /// Print only errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub quiet: bool,
    /// Print more detail (the SQL of each step).
    #[arg(short, long, global = true)]
    pub verbose: bool,
    /// Confirms a write to a protected environment; must name it.
    #[arg(long, global = true, value_name = "ENV")]
    pub confirm_env: Option<String>,
    /// Seconds to wait for another run's migration lock (at most a day).
    #[arg(long, global = true, default_value_t = 60, value_name = "SECS", value_parser = clap::value_parser!(u64).range(0..=86_400))]
    pub lock_timeout: u64,
    /// The database's lock timeout for each migration statement ("2s", "500ms", "0" for
    /// none; retort.toml's lock_timeout; default PostgreSQL 2s, MySQL/MariaDB 5s).
    #[arg(long, global = true, value_name = "DURATION", value_parser = duration)]
    pub ddl_lock_timeout: Option<std::time::Duration>,
    /// PostgreSQL statement_timeout for migration statements (retort.toml's statement_timeout).
    #[arg(long, global = true, value_name = "DURATION", value_parser = duration)]
    pub statement_timeout: Option<std::time::Duration>,
    /// Retries of a revision that hit the lock timeout (retort.toml's lock_retries; default 3).
    #[arg(long, global = true, value_name = "N")]
    pub lock_retries: Option<u32>,
    /// The most time one run waits between such retries (retort.toml's lock_retry_budget; default 60s).
    #[arg(long, global = true, value_name = "DURATION", value_parser = duration)]
    pub lock_retry_budget: Option<std::time::Duration>,
}

fn duration(text: &str) -> Result<std::time::Duration, String> {
    retort::core::config::parse_duration(text).ok_or_else(|| {
        format!("`{text}` is not a duration (\"2s\", \"500ms\", \"1m\"; at most a day)")
    })
}
