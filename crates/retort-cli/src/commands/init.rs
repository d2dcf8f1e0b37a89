//! `retort init`: a new project (retort.toml, models.sql, migrations/versions/, .gitignore).
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::config::{template, FILE_NAME};
use retort::core::error::ConfigError;
use retort::Error;

const MODELS: &str = "-- The schema you want, as plain SQL DDL in your database's dialect.\n-- Edit it, then run `retort migrate -m \"what changed\"` to generate a revision.\n";
const GITIGNORE: &str = "# retort: backups can hold production data; never commit them.\n/backups/\n# retort's cache of replayed schemas\n/.retort/\n# local development databases\n*.db\n*.db-journal\n*.db-wal\n*.db-shm\n";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Directory to create the project in.
    #[arg(default_value = ".")]
    pub dir: std::path::PathBuf,
    /// Database URL for the dev environment (default: DATABASE_URL when set, which is then
    /// referenced as ${DATABASE_URL} rather than copied; else sqlite://dev.db).
    #[arg(long)]
    pub url: Option<String>,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let dir = settings.cwd.join(&args.dir);
    let config = dir.join(FILE_NAME);
    if config.exists() {
        return Err(ConfigError::AlreadyExists(config).into());
    }
    // retort.toml is committed: a password given with --url must not end up in it.
    if args.url.as_ref().is_some_and(|u| retort::RedactedUrl::new(u.clone()).has_password()) {
        return Err(Error::usage(
            "--url holds a password, which would be written into retort.toml in clear (and committed with it)",
            Some("give the URL through the environment instead: `DATABASE_URL='…' retort init` writes url = \"${DATABASE_URL}\"; or write `url = \"postgres://user:${DB_PASSWORD}@host/db\"` in retort.toml by hand".into()),
        ));
    }
    let versions = dir.join("migrations").join("versions");
    std::fs::create_dir_all(&versions)
        .map_err(|e| Error::io(format!("creating {}", versions.display()), e))?;
    // The engine follows --url, else DATABASE_URL, else SQLite. A URL
    // from the environment is referenced, not copied: it may hold a password.
    let (url, written_url) =
        match (&args.url, std::env::var("DATABASE_URL").ok().filter(|u| !u.trim().is_empty())) {
            (Some(u), _) => (u.clone(), u.clone()),
            (None, Some(env_url)) => (env_url, "${DATABASE_URL}".to_string()),
            (None, None) => ("sqlite://dev.db".to_string(), "sqlite://dev.db".to_string()),
        };
    let dialect = retort::engine_of(&retort::RedactedUrl::new(url))?;
    let write = |name: &str, text: &str| -> Result<(), Error> {
        let path = dir.join(name);
        if path.exists() {
            return Ok(()); // keep the user's models.sql / .gitignore
        }
        retort::core::fsio::write_new_atomic(&path, text.as_bytes())
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))
    };
    write(FILE_NAME, &template(dialect, &written_url))?;
    write("models.sql", MODELS)?;
    write(".gitignore", GITIGNORE)?;
    write("migrations/versions/.gitkeep", "")?;
    printer.line(format!("Created a retort project in {}", dir.display()));
    printer.line("  retort.toml, models.sql, migrations/versions/, .gitignore");
    printer.line("Next: describe your schema in models.sql, or write a revision with `retort revision -m MESSAGE`.");
    Ok(0)
}
