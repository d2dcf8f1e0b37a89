//! `retort graph`: the revision graph drawn as ascii, Mermaid or DOT, the database's
//! revisions marked when it can be read.
use crate::output::Printer;
use crate::settings::Settings;
use retort::Error;

#[derive(Debug, clap::Args)]
pub struct Args {
    #[arg(long, value_enum, default_value = "ascii")]
    pub format: GraphFormat,
    /// Range FROM:TO (either side may be empty).
    #[arg(short = 'r', long, allow_hyphen_values = true)]
    pub rev_range: Option<String>,
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum GraphFormat {
    Ascii,
    Mermaid,
    Dot,
}

/// `retort graph`: the picture of the graph, with the database's current revisions
/// marked when the database can be read (a graph needs no database, so an unreachable
/// one is a note, not a failure).
pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    use retort::core::revision::draw;
    let drawing = retort::ops::graph::drawing(&settings.workspace()?, args.rev_range.as_deref())?;
    if let Some(note) = &drawing.note {
        printer.note(format!("note: {note}"));
    }
    let (graph, shown, current) = (&drawing.graph, &drawing.newest_first, &drawing.current);
    let text = match args.format {
        GraphFormat::Mermaid => draw::mermaid(graph, shown, current),
        GraphFormat::Dot => draw::dot(graph, shown, current),
        GraphFormat::Ascii => super::render::ascii_drawing(graph, shown, current),
    };
    printer.raw(&text);
    Ok(0)
}
