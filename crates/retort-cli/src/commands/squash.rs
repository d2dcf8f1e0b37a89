//! `retort squash A:B -m MSG` and `retort squash --finish REV`: one call into `ops::squash`.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("what").required(true).args(["range", "finish"])))]
pub struct Args {
    /// The range to squash, oldest first: A:B.
    pub range: Option<String>,
    #[arg(short = 'm', long, requires = "range")]
    pub message: Option<String>,
    /// Once every database is past REV: delete the revisions its squash replaces and move
    /// the squash into versions/.
    #[arg(long, value_name = "REV", conflicts_with = "range")]
    pub finish: Option<String>,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let done = match (&args.finish, &args.range) {
        (Some(rev), _) => retort::core::ops::squash::finish(&ws, rev)?,
        (None, Some(range)) => retort::core::ops::squash::squash(
            &ws,
            range,
            args.message.as_deref().unwrap_or_default(),
        )?,
        (None, None) => unreachable!("clap requires one"),
    };
    if printer.json {
        printer.json_value(&serde_json::to_value(&done).unwrap_or_default());
        return Ok(0);
    }
    let ids: Vec<String> = done.range.iter().map(|r| r.to_string()).collect();
    if args.finish.is_some() {
        printer.line(format!(
            "{} is now the squash: deleted {} replaced file(s), moved it to {}",
            ids.last().cloned().unwrap_or_default(),
            ids.len(),
            done.path.display()
        ));
    } else {
        printer.line(format!(
            "squashed {} revisions ({} .. {}) into {} ({} statement(s))",
            ids.len(),
            ids[0],
            ids[ids.len() - 1],
            done.path.display(),
            done.statements
        ));
        printer.line("databases at none of them will run it instead; databases inside the range go on with the originals");
    }
    Ok(0)
}
