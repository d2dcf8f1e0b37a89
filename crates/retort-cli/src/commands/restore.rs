//! `retort restore FILE`: a backup put back (under the migration lock).
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The backup file.
    pub file: std::path::PathBuf,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let file = settings.cwd.join(&args.file);
    printer.note(format!("retort: restoring {} into {}", file.display(), ws.describe_target()));
    let rows = retort::ops::backup::restore(&ws, &file)?;
    printer.line(format!(
        "Restored; the database is at {}.",
        if rows.is_empty() { "base".into() } else { rows.join(", ") }
    ));
    Ok(0)
}
