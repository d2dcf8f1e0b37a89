//! Human and `--json` output. Human text goes to stdout, progress and notes to stderr;
//! a closed pipe (`retort history | head`) counts as success.
use std::io::{IsTerminal, Write};

pub struct Printer {
    pub json: bool,
    pub quiet: bool,
    pub verbose: bool,
    /// stderr is a terminal: progress bars and colour are allowed.
    pub tty: bool,
}

impl Printer {
    pub fn new(json: bool, quiet: bool, verbose: bool) -> Self {
        Printer { json, quiet, verbose, tty: std::io::stderr().is_terminal() }
    }

    /// A line of the command's result on stdout.
    pub fn line(&self, text: impl AsRef<str>) {
        if self.quiet && !self.json {
            return;
        }
        write_stdout(&format!("{}\n", as_invoked(text.as_ref())));
    }

    /// Raw text on stdout (offline SQL), never suppressed.
    pub fn raw(&self, text: &str) {
        write_stdout(text);
    }

    /// A note about what is happening, on stderr.
    pub fn note(&self, text: impl AsRef<str>) {
        if !self.quiet {
            eprintln!("{}", as_invoked(text.as_ref()));
        }
    }

    /// A command's outcome as its documented JSON (through a `Value`, so keys come out in
    /// the same order however the outcome was built).
    pub fn json<T: serde::Serialize>(&self, outcome: &T) {
        self.json_value(&serde_json::to_value(outcome).expect("outcomes serialise"));
    }

    pub fn json_value(&self, value: &serde_json::Value) {
        write_stdout(&format!(
            "{}\n",
            serde_json::to_string_pretty(value).expect("JSON values serialise")
        ));
    }
}

/// The commands a message names (`run \`retort upgrade\``), as the user types them: a
/// wrapper that runs retort under its own command (flask-retort's `flask db`) sets
/// `RETORT_INVOKED_AS`, and the next step then reads `run \`flask db upgrade\``.
pub fn as_invoked(text: &str) -> std::borrow::Cow<'_, str> {
    match std::env::var("RETORT_INVOKED_AS") {
        Ok(name) if !name.trim().is_empty() && text.contains("`retort ") => {
            text.replace("`retort ", &format!("`{} ", name.trim())).into()
        }
        _ => text.into(),
    }
}

fn write_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_all(text.as_bytes()).and_then(|_| out.flush()) {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}
