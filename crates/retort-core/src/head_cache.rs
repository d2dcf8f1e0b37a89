//! The schema at a set of revisions, cached under the project (issue #12): replaying a
//! long history into a scratch database is most of what `migrate`, `check` and `drift`
//! cost on a server. An entry is keyed by everything that decides the introspected
//! result — the engine and its version, the table filter, and every revision file of
//! the ancestry (id and checksum) — so an edited, added or removed file is a different
//! key and the history is replayed again. Entries live in `.retort/cache/` beside
//! `retort.toml`, a directory that ignores itself in git. The cache is an optimisation:
//! a file that cannot be read or written is a miss, never an error.
use crate::diff::filter::TableFilter;
use crate::revision::graph::RevisionGraph;
use crate::schema::Schema;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// The project's cache folder (`.retort/cache`).
pub fn cache_dir(project_dir: &Path) -> PathBuf {
    project_dir.join(".retort").join("cache")
}

/// Creates `dir` (a [`cache_dir`]) and the `.gitignore` beside it that keeps `.retort/`
/// out of git; false when it cannot be created.
pub fn ensure_cache_dir(dir: &Path) -> bool {
    if std::fs::create_dir_all(dir).is_err() {
        return false;
    }
    if let Some(ignore) = dir.parent().map(|d| d.join(".gitignore")).filter(|p| !p.exists()) {
        let _ = std::fs::write(ignore, "# retort's cache: safe to delete, never to commit\n*\n");
    }
    true
}

pub struct HeadCache {
    dir: PathBuf,
    /// The engine's name and the project's table filter: part of every key.
    engine: String,
    filter: TableFilter,
}

impl HeadCache {
    /// The cache of the project whose `retort.toml` is in `project_dir`, for `engine`
    /// and the project's table `filter`.
    pub fn new(project_dir: &Path, engine: &str, filter: TableFilter) -> Self {
        HeadCache { dir: cache_dir(project_dir), engine: engine.to_string(), filter }
    }

    /// The key of the schema reached by applying `revisions` (indexes into `graph`, an
    /// ancestry: all of it is hashed in topological order) on `server_version`.
    pub fn key(&self, server_version: &str, graph: &RevisionGraph, revisions: &[bool]) -> String {
        let filter = &self.filter;
        let mut h = Sha256::new();
        h.update(b"retort head cache v1\n");
        for part in [self.engine.as_str(), server_version] {
            h.update(part.as_bytes());
            h.update(b"\n");
        }
        for pattern in filter.include.iter().chain([&"--".to_string()]).chain(&filter.exclude) {
            h.update(pattern.as_bytes());
            h.update(b"\n");
        }
        for &i in graph.topo_order() {
            if revisions.get(i).copied().unwrap_or(false) {
                let rev = graph.rev(i);
                h.update(format!("{} {}\n", rev.id, rev.checksum).as_bytes());
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    pub fn get(&self, key: &str) -> Option<Schema> {
        let text = std::fs::read_to_string(self.path(key)).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// Stores `schema` (atomically; a failure is ignored: the next run replays again).
    pub fn put(&self, key: &str, schema: &Schema) {
        let Ok(text) = serde_json::to_string(schema) else { return };
        if !ensure_cache_dir(&self.dir) {
            return;
        }
        // An entry already there under the same key is the same schema.
        let _ = crate::fsio::write_new_atomic(&self.path(key), text.as_bytes());
    }
}
