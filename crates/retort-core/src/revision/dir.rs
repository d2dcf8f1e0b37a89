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

    /// Reads and parses every `.sql` file in `versions/`, sorted by file name.
    pub fn load_files(&self) -> Result<Vec<RevisionFile>, Error> {
        let Some(paths) = self.sql_paths()? else { return Ok(Vec::new()) };
        // Start-up of every command is dominated by opening and reading thousands of
        // small files (system calls, not parsing): split them over the machine's cores.
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8);
        if threads < 2 || paths.len() < 256 {
            return paths.iter().map(|p| read_revision(p)).collect();
        }
        let chunk = paths.len().div_ceil(threads);
        let parts: Vec<Result<Vec<RevisionFile>, Error>> = std::thread::scope(|s| {
            let handles: Vec<_> = paths.chunks(chunk).map(|part| s.spawn(move || part.iter().map(|p| read_revision(p)).collect())).collect();
            handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(Error::io("reading revision files", std::io::Error::other("a reader thread panicked"))))).collect()
        });
        let mut files = Vec::with_capacity(paths.len());
        for part in parts {
            files.extend(part?);
        }
        Ok(files)
    }

    /// Loads the files and builds the graph, validating ids, parents and cycles.
    pub fn load_graph(&self) -> Result<RevisionGraph, Error> {
        Ok(RevisionGraph::build(self.load_files()?)?)
    }

    /// The graph for commands that only show it (history, heads, current, status): file
    /// texts come from `index` (see [`crate::revision::index`]) where a file's size and
    /// modification time say it is unchanged, which spares opening thousands of files.
    /// Never used by what runs a revision's SQL: those read every file from disk.
    pub fn load_graph_for_display(&self, index: &Path) -> Result<RevisionGraph, Error> {
        let versions = self.versions();
        let Some(paths) = self.sql_paths()? else { return Ok(RevisionGraph::build(Vec::new())?) };
        let mut cached = crate::revision::index::Index::read(index);
        let indexed = cached.len();
        let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1).min(8);
        // Each file's stamp, then its text from the index where the stamp still matches.
        let stamp_of = |part: &[PathBuf]| -> Result<Vec<crate::revision::index::Stamp>, Error> {
            part.iter().map(|p| std::fs::metadata(p).map(|m| crate::revision::index::Stamp::of(&m)).map_err(|source| FileError::Io { path: p.clone(), source }.into())).collect()
        };
        let stamps: Vec<crate::revision::index::Stamp> = if threads < 2 || paths.len() < 256 {
            stamp_of(&paths)?
        } else {
            let parts: Vec<Result<Vec<_>, Error>> = std::thread::scope(|s| {
                let handles: Vec<_> = paths.chunks(paths.len().div_ceil(threads)).map(|part| s.spawn(move || stamp_of(part))).collect();
                handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(Error::io("reading revision files", std::io::Error::other("a reader thread panicked"))))).collect()
            });
            let mut all = Vec::with_capacity(paths.len());
            for part in parts {
                all.extend(part?);
            }
            all
        };
        let texts: Vec<Option<String>> = paths.iter().zip(&stamps).map(|(p, st)| cached.take_text(p, st)).collect();
        let work: Vec<(&PathBuf, crate::revision::index::Stamp, Option<String>)> = paths.iter().zip(stamps).zip(texts).map(|((p, st), t)| (p, st, t)).collect();
        let load = |part: Vec<(&PathBuf, crate::revision::index::Stamp, Option<String>)>| -> Result<Vec<(RevisionFile, crate::revision::index::Stamp, bool)>, Error> {
            part.into_iter()
                .map(|(p, stamp, text)| match text {
                    Some(text) => Ok((RevisionFile::parse_owned(p, text)?, stamp, false)),
                    None => Ok((read_revision(p)?, stamp, true)),
                })
                .collect()
        };
        let loaded: Vec<_> = if threads < 2 || work.len() < 256 {
            load(work)?
        } else {
            let chunk = work.len().div_ceil(threads);
            let mut parts_in: Vec<Vec<_>> = Vec::new();
            let mut rest = work;
            while !rest.is_empty() {
                let tail = rest.split_off(chunk.min(rest.len()));
                parts_in.push(rest);
                rest = tail;
            }
            let parts: Vec<Result<Vec<_>, Error>> = std::thread::scope(|s| {
                let handles: Vec<_> = parts_in.into_iter().map(|part| s.spawn(move || load(part))).collect();
                handles.into_iter().map(|h| h.join().unwrap_or_else(|_| Err(Error::io("reading revision files", std::io::Error::other("a reader thread panicked"))))).collect()
            });
            let mut all = Vec::with_capacity(paths.len());
            for part in parts {
                all.extend(part?);
            }
            all
        };
        if loaded.iter().any(|(_, _, fresh)| *fresh) || loaded.len() != indexed {
            crate::revision::index::Index::write(index, &versions, loaded.iter().map(|(f, stamp, _)| (f, stamp)));
        }
        Ok(RevisionGraph::build(loaded.into_iter().map(|(f, _, _)| f).collect())?)
    }

    /// The `.sql` files of `versions/`, sorted by file name; `None` without the folder.
    fn sql_paths(&self) -> Result<Option<Vec<PathBuf>>, Error> {
        let versions = self.versions();
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

/// One revision file, read and parsed. `File::read_to_end` without the size probe of
/// `fs::read_to_string`: one system call fewer per file, which is most of the cost.
fn read_revision(path: &Path) -> Result<RevisionFile, Error> {
    use std::io::Read;
    let io = |source| FileError::Io { path: path.to_path_buf(), source };
    let mut bytes = Vec::with_capacity(1024);
    std::fs::File::open(path).and_then(|mut f| f.read_to_end(&mut bytes)).map_err(io)?;
    let text = String::from_utf8(bytes).map_err(|_| io(std::io::Error::new(std::io::ErrorKind::InvalidData, "stream did not contain valid UTF-8")))?;
    Ok(RevisionFile::parse_owned(path, text)?)
}
