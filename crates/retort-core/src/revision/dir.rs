//! The migrations directory on disk: `<root>/versions/*.sql`. The only I/O in the core.
use crate::error::{Error, FileError, GraphError};
use crate::revision::file::{NewRevision, RevisionFile};
use crate::revision::graph::RevisionGraph;
use crate::revision::id::RevisionId;
use std::path::{Path, PathBuf};

#[derive(Debug, Clone)]
pub struct MigrationDir {
    pub root: PathBuf,
}

impl MigrationDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        MigrationDir { root: root.into() }
    }

    pub fn versions(&self) -> PathBuf {
        self.root.join("versions")
    }

    /// Squashes kept beside the revisions they replace (`retort squash`).
    pub fn squashed(&self) -> PathBuf {
        self.root.join("squashed")
    }

    /// The graph with the squashes of `squashed/` added.
    fn with_shortcuts(&self, mut graph: RevisionGraph) -> Result<RevisionGraph, Error> {
        if let Some(paths) = sql_paths(&self.squashed())? {
            graph.add_shortcuts(on_all_cores(paths, |p| read_revision(&p))?)?;
        }
        Ok(graph)
    }

    /// Reads and parses every `.sql` file in `versions/`, sorted by file name.
    pub fn load_files(&self) -> Result<Vec<RevisionFile>, Error> {
        let Some(paths) = sql_paths(&self.versions())? else { return Ok(Vec::new()) };
        on_all_cores(paths, |p| read_revision(&p))
    }

    /// Loads the files and builds the graph, validating ids, parents and cycles.
    pub fn load_graph(&self) -> Result<RevisionGraph, Error> {
        self.with_shortcuts(RevisionGraph::build(self.load_files()?)?)
    }

    /// The graph for commands that only show it (history, heads, current, status): file
    /// texts come from `index` (see [`crate::revision::index`]) where a file's size and
    /// modification time say it is unchanged, which spares opening thousands of files.
    /// Never used by what runs a revision's SQL: those read every file from disk.
    pub fn load_graph_for_display(&self, index: &Path) -> Result<RevisionGraph, Error> {
        use crate::revision::index::{Index, Stamp};
        let Some(paths) = sql_paths(&self.versions())? else {
            return Ok(RevisionGraph::build(Vec::new())?);
        };
        let mut cached = Index::read(index);
        let indexed = cached.len();
        // Each file's stamp, then its text from the index where the stamp still matches.
        let stamped = on_all_cores(paths, |p| match std::fs::metadata(&p) {
            Ok(m) => Ok((p, Stamp::of(&m))),
            Err(source) => Err(FileError::Io { path: p, source }.into()),
        })?;
        let work: Vec<(PathBuf, Stamp, Option<String>)> = stamped
            .into_iter()
            .map(|(p, st)| (cached.take_text(&p, &st), p, st))
            .map(|(t, p, st)| (p, st, t))
            .collect();
        let loaded = on_all_cores(work, |(p, stamp, text)| match text {
            Some(text) => Ok((RevisionFile::parse_owned(&p, text)?, stamp, false)),
            None => Ok((read_revision(&p)?, stamp, true)),
        })?;
        if loaded.iter().any(|(_, _, fresh)| *fresh) || loaded.len() != indexed {
            Index::write(index, &self.versions(), loaded.iter().map(|(f, stamp, _)| (f, stamp)));
        }
        self.with_shortcuts(RevisionGraph::build(loaded.into_iter().map(|(f, _, _)| f).collect())?)
    }

    /// Writes a new revision file and returns its path. Refuses to overwrite.
    pub fn write(&self, new: &NewRevision) -> Result<(RevisionId, PathBuf), Error> {
        let id = new.id.clone().unwrap_or_else(RevisionId::generate);
        let versions = self.versions();
        std::fs::create_dir_all(&versions)
            .map_err(|e| Error::io(format!("creating {}", versions.display()), e))?;
        let path = versions.join(RevisionFile::file_name(&id, &new.message));
        let text = RevisionFile::render(new, &id);
        // Parse what we are about to write: a file we cannot read back must not exist.
        RevisionFile::parse(&path, &text)?;
        crate::fsio::write_new_atomic(&path, text.as_bytes())
            .map_err(|e| Error::io(format!("writing {}", path.display()), e))?;
        Ok((id, path))
    }

    /// Checks a new id does not collide with an existing revision.
    pub fn ensure_unused(graph: &RevisionGraph, id: &RevisionId, path: &Path) -> Result<(), Error> {
        if let Some(existing) = graph.get(id) {
            return Err(GraphError::Duplicate {
                id: id.clone(),
                first: existing.path.clone(),
                second: path.to_path_buf(),
            }
            .into());
        }
        Ok(())
    }
}

/// `f` over `items`, in order, split over the machine's cores: the start-up of every
/// command is dominated by opening and reading thousands of small files (system calls,
/// not parsing). Small inputs stay on this thread.
fn on_all_cores<T: Send, R: Send>(
    items: Vec<T>,
    f: impl Fn(T) -> Result<R, Error> + Sync,
) -> Result<Vec<R>, Error> {
    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8);
    if threads < 2 || items.len() < 256 {
        return items.into_iter().map(f).collect();
    }
    let chunk = items.len().div_ceil(threads);
    let mut parts: Vec<Vec<T>> = Vec::new();
    let mut rest = items;
    while !rest.is_empty() {
        let tail = rest.split_off(chunk.min(rest.len()));
        parts.push(rest);
        rest = tail;
    }
    let f = &f;
    let done: Vec<Result<Vec<R>, Error>> = std::thread::scope(|s| {
        let handles: Vec<_> = parts
            .into_iter()
            .map(|part| s.spawn(move || part.into_iter().map(f).collect()))
            .collect();
        handles
            .into_iter()
            .map(|h| {
                h.join().unwrap_or_else(|_| {
                    Err(Error::io(
                        "reading revision files",
                        std::io::Error::other("a reader thread panicked"),
                    ))
                })
            })
            .collect()
    });
    let mut out = Vec::new();
    for part in done {
        out.extend(part?);
    }
    Ok(out)
}

/// One revision file, read and parsed. `File::read_to_end` without the size probe of
/// `fs::read_to_string`: one system call fewer per file, which is most of the cost.
fn read_revision(path: &Path) -> Result<RevisionFile, Error> {
    use std::io::Read;
    let io = |source| FileError::Io { path: path.to_path_buf(), source };
    let mut bytes = Vec::with_capacity(1024);
    std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(io)?;
    // Not UTF-8 is a malformed revision file (exit 4, like a bad header), named by line.
    let text = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() + 1;
        FileError::Malformed {
            path: path.to_path_buf(),
            line,
            message: format!(
                "not UTF-8 text (an invalid byte at offset {at}); save the file as UTF-8"
            ),
        }
    })?;
    Ok(RevisionFile::parse_owned(path, text)?)
}

/// The `.sql` files of `folder`, sorted by file name; `None` without the folder.
fn sql_paths(folder: &Path) -> Result<Option<Vec<PathBuf>>, Error> {
    let versions = folder.to_path_buf();
    let entries = match std::fs::read_dir(&versions) {
        Ok(e) => e,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => return Err(FileError::Io { path: versions, source }.into()),
    };
    // Sorted by file name (bytes): comparing whole paths component by component
    // showed up in profiles of 10,000-revision directories.
    let mut named: Vec<(std::ffi::OsString, PathBuf)> = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|source| FileError::Io { path: versions.clone(), source })?;
        let name = entry.file_name();
        let is_sql = name.as_encoded_bytes().ends_with(b".sql");
        if is_sql && entry.file_type().map(|t| t.is_file() || t.is_symlink()).unwrap_or(false) {
            named.push((name, entry.path()));
        }
    }
    named.sort_unstable_by(|a, b| a.0.cmp(&b.0));
    Ok(Some(named.into_iter().map(|(_, p)| p).collect()))
}
