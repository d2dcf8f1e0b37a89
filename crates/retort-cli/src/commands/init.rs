//! `retort init`: a new project (retort.toml, models.sql, migrations/versions/, .gitignore).
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

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
    let database_url = std::env::var("DATABASE_URL").ok();
    let dir = retort::ops::init::init(
        &settings.cwd.join(&args.dir),
        args.url.as_deref(),
        database_url,
        retort::engines(),
    )?;
    printer.line(format!("Created a retort project in {}", dir.display()));
    printer.line("  retort.toml, models.sql, migrations/versions/, .gitignore");
    printer.line("Next: describe your schema in models.sql, or write a revision with `retort revision -m MESSAGE`.");
    Ok(0)
}
