//! `retort completions SHELL`: a completion script generated from the flags.
use crate::output::Printer;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    pub shell: clap_complete::Shell,
}

/// `cli`: the whole command line's definition, which this command cannot name itself
/// (it is one of its commands).
pub fn exec(args: &Args, mut cli: clap::Command, printer: &Printer) -> Result<i32, Error> {
    let mut out = Vec::new();
    clap_complete::generate(args.shell, &mut cli, "retort", &mut out);
    printer.raw(&String::from_utf8_lossy(&out));
    Ok(0)
}
