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
        let versions = self.versions();
        let entries = match std::fs::read_dir(&versions) {
            Ok(e) => e,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
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
        let paths: Vec<PathBuf> = named.into_iter().map(|(_, p)| p).collect();
        let mut files = Vec::with_capacity(paths.len());
        for path in paths {
            let text = std::fs::read_to_string(&path)
                .map_err(|source| FileError::Io { path: path.clone(), source })?;
            files.push(RevisionFile::parse_owned(&path, text)?);
        }
        Ok(files)
    }

    /// Loads the files and builds the graph, validating ids, parents and cycles.
    pub fn load_graph(&self) -> Result<RevisionGraph, Error> {
        Ok(RevisionGraph::build(self.load_files()?)?)
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
