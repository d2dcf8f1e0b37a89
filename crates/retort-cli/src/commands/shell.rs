//! `retort completions SHELL` and `retort man`: generated from the clap definitions, so
//! they never disagree with the flags the binary accepts. Both are built in memory and
//! printed through the printer, where a closed pipe (`| head`) counts as success.
use crate::args::Cli;
use crate::output::Printer;
use clap::CommandFactory;
use retort::Error;

pub fn completions(shell: clap_complete::Shell, printer: &Printer) -> Result<i32, Error> {
    let mut out = Vec::new();
    clap_complete::generate(shell, &mut Cli::command(), "retort", &mut out);
    printer.raw(&String::from_utf8_lossy(&out));
    Ok(0)
}

pub fn man(printer: &Printer) -> Result<i32, Error> {
    let mut out = Vec::new();
    clap_mangen::Man::new(Cli::command())
        .render(&mut out)
        .map_err(|e| Error::io("writing the manual page", e))?;
    printer.raw(&String::from_utf8_lossy(&out));
    Ok(0)
}
