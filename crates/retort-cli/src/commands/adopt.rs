//! `retort adopt alembic`: one call into `ops::adopt`, then the report.
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::ops::adopt::{adopt_alembic, AdoptOptions};
use retort::Error;

#[derive(Debug, clap::Subcommand)]
pub enum Args {
    /// An Alembic or Flask-Migrate project: revisions converted with their ids, SQL from
    /// Alembic's offline mode, proven against the live database, recorded in the log.
    Alembic(AlembicArgs),
}

#[derive(Debug, clap::Args)]
pub struct AlembicArgs {
    /// The Alembic directory (with env.py and versions/) or the one holding alembic.ini
    /// (default: alembic.ini here, else migrations/).
    pub dir: Option<std::path::PathBuf>,
    /// Output of `alembic upgrade --sql base:heads` / `downgrade --sql heads:base` to
    /// use instead of running Alembic (repeatable).
    #[arg(long, value_name = "FILE")]
    pub sql_from: Vec<std::path::PathBuf>,
}

pub fn alembic(args: &AlembicArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    printer.note(format!("retort: adopting the Alembic project for {}", ws.describe_target()));
    let opts = AdoptOptions { dir: args.dir.clone(), sql_from: args.sql_from.clone() };
    let a = adopt_alembic(&ws, &opts)?;
    if printer.json {
        printer.json(&a);
        return Ok(if a.needs_attention.is_empty() { 0 } else { 1 });
    }
    printer.line(format!(
        "Converted {} Alembic revision(s), ids kept (SQL from {}).",
        a.converted.len(),
        a.sql_source
    ));
    printer.line(format!(
        "Proven: the converted revisions replayed to {} give the live schema exactly; the log records {} revision(s) as applied, alembic_version is unchanged.",
        if a.current.is_empty() { "base".to_string() } else { a.current.join(", ") },
        a.recorded
    ));
    printer.line(format!("The Python revision files moved to {}.", a.python_moved_to.display()));
    if a.models_written {
        printer.line(format!(
            "{} now holds the schema at head: change it there and run `retort migrate -m MESSAGE`.",
            ws.project.models_path().display()
        ));
    }
    if !a.needs_attention.is_empty() {
        printer.line(format!("{} revision(s) need attention (their SQL is not in the files; `retort lint` flags them):", a.needs_attention.len()));
        for (id, why) in &a.needs_attention {
            printer.line(format!("  {id}: {why}"));
        }
        return Ok(1);
    }
    Ok(0)
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    match args {
        Args::Alembic(a) => alembic(a, settings, printer),
    }
}
