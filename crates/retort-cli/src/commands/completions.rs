//! `retort completions SHELL`: a completion script generated from the flags.
use crate::args::Cli;
use crate::output::Printer;
use clap::CommandFactory;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    pub shell: clap_complete::Shell,
}

pub fn exec(args: &Args, printer: &Printer) -> Result<i32, Error> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut Cli::command(), "retort", &mut out);
    printer.raw(&String::from_utf8_lossy(&out));
    Ok(0)
}
