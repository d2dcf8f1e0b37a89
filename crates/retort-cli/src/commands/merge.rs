//! `retort merge REV... -m MSG`: a revision joining heads.
use crate::output::Printer;
use crate::settings::Settings;
use retort::{Error, Target};

#[derive(Debug, clap::Args)]
pub struct Args {
    /// Revisions to join (e.g. `heads`).
    #[arg(required = true)]
    pub revs: Vec<String>,
    #[arg(short, long)]
    pub message: String,
    #[arg(long, value_name = "LABEL")]
    pub branch_label: Vec<String>,
    #[arg(long, value_name = "ID")]
    pub rev_id: Option<String>,
}

pub fn exec(args: &Args, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let dir = ws.migrations();
    let graph = dir.load_graph()?;
    retort::core::revision::new::require_message(&args.message)?;
    let mut set = Vec::new();
    for r in &args.revs {
        for i in Target::parse(r)?.resolve(&graph, &[])? {
            if !set.contains(&i) {
                set.push(i);
            }
        }
    }
    let parents = graph.reduce_to_heads(&set);
    if parents.len() < 2 {
        return Err(Error::usage(
            format!("nothing to merge: {} resolve to a single revision", args.revs.join(" ")),
            Some("`retort heads` lists the heads to merge".into()),
        ));
    }
    let mut new = retort::core::revision::new::start(
        &graph,
        &dir,
        &args.message,
        args.rev_id.as_deref(),
        graph.ids(&parents),
    )?;
    new.branch_labels = args.branch_label.clone();
    let (id, path) = dir.write(&new)?;
    printer.line(format!("Generated merge {} ({id})", path.display()));
    Ok(0)
}
