//! `retort revision` and `retort merge`: a new revision written by hand or joining
//! heads. The rules for building one (message, id, parents) are `revision::new`'s; this
//! is the operation a user asks for.
use crate::error::Error;
use crate::ops::Workspace;
use crate::revision::id::RevisionId;
use crate::revision::new;
use crate::revision::target::Target;
use std::path::PathBuf;

/// A revision file just written.
#[derive(Debug, serde::Serialize)]
pub struct Written {
    pub id: RevisionId,
    pub path: PathBuf,
}

/// What `retort revision` asks for.
#[derive(Debug, Default)]
pub struct RevisionRequest<'a> {
    pub message: &'a str,
    /// The parent (any target); default: the single head.
    pub head: Option<&'a str>,
    pub branch_labels: Vec<String>,
    /// Revisions (or labels) that must be applied first without being parents.
    pub depends_on: Vec<String>,
    pub rev_id: Option<&'a str>,
}

/// `retort revision -m MSG`: an empty revision to write by hand.
pub fn revision(ws: &Workspace, req: &RevisionRequest<'_>) -> Result<Written, Error> {
    let dir = ws.migrations();
    let graph = dir.load_graph()?;
    new::require_message(req.message)?;
    let down = new::parents(&graph, req.head)?;
    let mut revision = new::start(&graph, &dir, req.message, req.rev_id, down)?;
    revision.branch_labels = req.branch_labels.clone();
    revision.depends_on = new::dependencies(&graph, &req.depends_on)?;
    let (id, path) = dir.write(&revision)?;
    Ok(Written { id, path })
}

/// `retort merge REV... -m MSG`: a revision whose parents are the heads `revs` resolve
/// to; refused when they resolve to a single revision.
pub fn merge(
    ws: &Workspace,
    revs: &[String],
    message: &str,
    branch_labels: &[String],
    rev_id: Option<&str>,
) -> Result<Written, Error> {
    let dir = ws.migrations();
    let graph = dir.load_graph()?;
    new::require_message(message)?;
    let mut set = Vec::new();
    for r in revs {
        for i in Target::parse(r)?.resolve(&graph, &[])? {
            if !set.contains(&i) {
                set.push(i);
            }
        }
    }
    let parents = graph.reduce_to_heads(&set);
    if parents.len() < 2 {
        return Err(Error::usage(
            format!("nothing to merge: {} resolve to a single revision", revs.join(" ")),
            Some("`retort heads` lists the heads to merge".into()),
        ));
    }
    let mut new = new::start(&graph, &dir, message, rev_id, graph.ids(&parents))?;
    new.branch_labels = branch_labels.to_vec();
    let (id, path) = dir.write(&new)?;
    Ok(Written { id, path })
}
