//! `retort cache clear`: renders `retort::ops::cache::clear`.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

#[derive(Debug, clap::Subcommand)]
pub enum Args {
    /// Remove the project's cache (.retort/cache) and drop its kept scratch database;
    /// the next migrate or check creates what it needs again.
    Clear,
}

pub fn clear(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let cleared = retort::ops::cache::clear(&ws)?;
    if printer.json {
        printer.json_value(&serde_json::to_value(&cleared).expect("plain data serialises"));
        return Ok(0);
    }
    printer.line(if cleared.cache_dir {
        "removed the project's cache (.retort/cache)"
    } else {
        "no cache to remove (.retort/cache)"
    });
    match &cleared.kept_database {
        Some(name) => printer
            .line(format!("dropped the kept scratch database {name} ({})", ws.describe_target())),
        None => printer.line("no kept scratch database on the scratch server"),
    }
    Ok(0)
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    match args {
        Args::Clear => clear(settings, printer),
    }
}
