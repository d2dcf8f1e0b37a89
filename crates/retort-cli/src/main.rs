//! The `retort` binary: parse arguments, run one command, map its error to an exit code.
//! Every command is a thin call into the `retort` library.
mod args;
mod commands;
mod output;
mod settings;

use clap::Parser;

fn main() {
    // Ctrl-C drops scratch databases on the server before exiting.
    let _ = ctrlc::set_handler(|| {
        retort::core::cleanup::run_all();
        std::process::exit(130);
    });
    let cli = args::Cli::parse();
    let printer = output::Printer::new(cli.global.json, cli.global.quiet, cli.global.verbose);
    let code = match settings::Settings::new(cli.global.clone()).and_then(|s| commands::run(cli.command, &s, &printer)) {
        Ok(code) => code,
        Err(err) => {
            let red = if printer.tty { "\x1b[31m" } else { "" };
            let reset = if printer.tty { "\x1b[0m" } else { "" };
            eprintln!("{red}error{reset}: {err}");
            if let Some(hint) = err.hint() {
                eprintln!("  next: {hint}");
            }
            err.exit_code()
        }
    };
    // Drop what the command left on servers (scratch databases) before exiting.
    retort::core::cleanup::run_all();
    std::process::exit(code);
}
