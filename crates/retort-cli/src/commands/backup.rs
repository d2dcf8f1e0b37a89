//! `retort backup`: the database backed up into the backup directory.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

pub fn exec(settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    printer.note(format!("retort: backing up {}", ws.describe_target()));
    let path = retort::ops::backup::backup(&ws)?;
    printer.line(format!("Backed up to {}", path.display()));
    Ok(0)
}
