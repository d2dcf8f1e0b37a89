//! `retort man`: the manual page (roff), generated from the flags.
use crate::args::Cli;
use crate::output::Printer;
use clap::CommandFactory;
use retort::Error;

pub fn exec(printer: &Printer) -> Result<i32, Error> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| Error::io("writing the manual page", e))?;
    printer.raw(&String::from_utf8_lossy(&out));
    Ok(0)
}
