//! Building a new revision: the message rule, an explicit id checked against the graph,
//! the parents (a named head or the single head), the clock. `revision`, `migrate`,
//! `merge` and `baseline` all start here, so the rules exist once.
use crate::error::{Error, TargetError};
use crate::revision::dir::MigrationDir;
use crate::revision::file::NewRevision;
use crate::revision::graph::RevisionGraph;
use crate::revision::id::RevisionId;
use crate::revision::target::Target;

/// `-m` is required and must say something (the slug goes into the file name).
pub fn require_message(message: &str) -> Result<(), Error> {
    if message.trim().is_empty() {
        return Err(Error::usage(
            "the message must not be empty",
            Some("say what the revision does: -m \"add email to users\"".into()),
        ));
    }
    Ok(())
}

/// Parses an explicit id (`--rev-id`) and checks it is unused.
pub fn explicit_id(
    graph: &RevisionGraph,
    dir: &MigrationDir,
    rev_id: Option<&str>,
) -> Result<Option<RevisionId>, Error> {
    let Some(raw) = rev_id else { return Ok(None) };
    let id = RevisionId::parse(raw).ok_or_else(|| {
        Error::usage(
            format!("`{raw}` is not a valid revision id"),
            Some("use letters, digits and `_`, at most 32 characters".into()),
        )
    })?;
    MigrationDir::ensure_unused(graph, &id, &dir.versions())?;
    Ok(Some(id))
}

/// A new revision's `depends_on` (Alembic's `--depends-on`): each entry resolved as a
/// target (id, prefix, label), written as the full id so the file does not depend on
/// which prefixes are unambiguous today.
pub fn dependencies(graph: &RevisionGraph, names: &[String]) -> Result<Vec<String>, Error> {
    let mut out = Vec::new();
    for name in names {
        for id in graph.ids(&Target::parse(name)?.resolve(graph, &[])?) {
            if !out.contains(&id.to_string()) {
                out.push(id.to_string());
            }
        }
    }
    Ok(out)
}

/// The parents of a new revision: `head` if given (any target), else the graph's single head.
pub fn parents(graph: &RevisionGraph, head: Option<&str>) -> Result<Vec<RevisionId>, Error> {
    match head {
        Some(h) => Ok(graph.ids(&Target::parse(h)?.resolve(graph, &[])?)),
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

/// A new revision with the checks above and `created` set to now; the caller fills in
/// the SQL, notes and labels.
pub fn start(
    graph: &RevisionGraph,
    dir: &MigrationDir,
    message: &str,
    rev_id: Option<&str>,
    down: Vec<RevisionId>,
) -> Result<NewRevision, Error> {
    require_message(message)?;
    Ok(NewRevision {
        id: explicit_id(graph, dir, rev_id)?,
        down,
        message: message.to_string(),
        created: crate::now_utc_iso(),
        transactional: true,
        ..Default::default()
    })
}
