//! `retort revision -m MSG`: an empty revision to write by hand.
use crate::args::RevisionArgs;
use crate::output::Printer;
use crate::settings::Settings;
use retort::core::error::TargetError;
use retort::core::revision::file::NewRevision;
use retort::core::RevisionId;
use retort::{Error, MigrationDir, RevisionGraph, Target};

/// Parses `--rev-id` and checks it is unused.
pub fn explicit_id(graph: &RevisionGraph, dir: &MigrationDir, rev_id: Option<&str>) -> Result<Option<RevisionId>, Error> {
    let Some(raw) = rev_id else { return Ok(None) };
    let id = RevisionId::parse(raw).ok_or_else(|| {
        Error::usage(format!("`{raw}` is not a valid revision id"), Some("use letters, digits and `_`, at most 32 characters".into()))
    })?;
    MigrationDir::ensure_unused(graph, &id, &dir.versions())?;
    Ok(Some(id))
}

/// The parents of a new revision: `--head` if given, else the graph's single head.
pub fn parents_for_new(graph: &RevisionGraph, head: Option<&str>) -> Result<Vec<RevisionId>, Error> {
    match head {
        Some(h) => {
            let set = Target::parse(h)?.resolve(graph, &[])?;
            Ok(graph.ids(&set))
        }
        None => {
            let heads = graph.heads();
            if heads.len() > 1 {
                return Err(TargetError::MultipleHeads {
                    heads: graph.ids(&heads),
                    context: "a new revision needs one parent".into(),
                }
                .into());
            }
            Ok(graph.ids(&heads))
        }
    }
}

pub fn run(args: &RevisionArgs, settings: &Settings, printer: &Printer) -> Result<i32, Error> {
    let ws = settings.workspace()?;
    let dir = ws.migrations();
    let graph = dir.load_graph()?;
    require_message(&args.message)?;
    let down = parents_for_new(&graph, args.head.as_deref())?;
    let new = NewRevision {
        id: explicit_id(&graph, &dir, args.rev_id.as_deref())?,
        down,
        message: args.message.clone(),
        created: super::now_iso(),
        branch_labels: args.branch_label.clone(),
        transactional: true,
        ..Default::default()
    };
    let (id, path) = dir.write(&new)?;
    printer.line(format!("Generated {} ({id})", path.display()));
    Ok(0)
}

pub fn require_message(message: &str) -> Result<(), Error> {
    if message.trim().is_empty() {
        return Err(Error::usage("the message must not be empty", Some("say what the revision does: -m \"add email to users\"".into())));
    }
    Ok(())
}
