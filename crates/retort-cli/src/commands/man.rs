//! `retort man`: the manual page (roff), generated from the flags.
use crate::output::Printer;
use retort::Error;

/// `cli`: the whole command line's definition (see `completions`).
pub fn exec(cli: clap::Command, printer: &Printer) -> Result<i32, Error> {
    let mut out = Vec::new();
    clap_mangen::Man::new(cli)
        .render(&mut out)
        .map_err(|e| Error::io("writing the manual page", e))?;
    printer.raw(&String::from_utf8_lossy(&out));
    Ok(0)
}
