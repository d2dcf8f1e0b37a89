//! The `retort` binary: parse arguments, run one command, map its error to an exit code.
//! Every command is a thin call into the `retort` library.
mod args;
mod commands;
mod output;
mod settings;

use clap::Parser;

fn main() {
    // The first Ctrl-C — or SIGTERM or SIGHUP (ctrlc's `termination` feature): a service
    // manager stopping a deploy, a closed terminal — asks the command to stop at its next
    // safe point (see core::interrupt); a second one drops scratch databases and exits.
    let _ = ctrlc::set_handler(|| {
        if retort::core::interrupt::request() {
            retort::core::cleanup::run_all();
            eprintln!(
                "error: interrupted (aborted at once; `retort status` shows where the database is)"
            );
            std::process::exit(retort::exit::INTERRUPTED);
        }
        eprintln!("retort: interrupt received; stopping at the next safe point (Ctrl-C again aborts at once)");
    });
    let cli = commands::Cli::parse();
    let printer = output::Printer::new(cli.global.json, cli.global.quiet, cli.global.verbose);
    let code = match settings::Settings::new(cli.global.clone())
        .and_then(|s| commands::run(cli.command, &s, &printer))
    {
        Ok(code) => code,
        Err(err) => {
            // Whatever failed after an interrupt failed because of it: say so, not what broke.
            let err = if retort::core::interrupt::requested()
                && !matches!(err, retort::Error::Interrupted { .. })
            {
                retort::Error::Interrupted { applied: Vec::new() }
            } else {
                err
            };
            report_error(&err, &printer);
            err.exit_code()
        }
    };
    // Drop what the command left on servers (scratch databases) before exiting.
    retort::core::cleanup::run_all();
    std::process::exit(code);
}

/// Prints an error with its next step on stderr; with `--json` also as one JSON object on
/// stdout, so a consumer parsing stdout always gets JSON (README, "JSON output").
fn report_error(err: &retort::Error, printer: &output::Printer) {
    let red = if printer.tty { "\x1b[31m" } else { "" };
    let reset = if printer.tty { "\x1b[0m" } else { "" };
    let message = output::as_invoked(&err.to_string()).into_owned();
    let hint = err.hint().map(|h| output::as_invoked(&h).into_owned());
    eprintln!("{red}error{reset}: {message}");
    if let Some(hint) = &hint {
        eprintln!("  next: {hint}");
    }
    if printer.json {
        printer.json_value(&serde_json::json!({
            "error": { "class": err.class(), "exit_code": err.exit_code(), "message": message, "next": hint }
        }));
    }
}
