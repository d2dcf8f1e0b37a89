//! The two schemas autogenerate compares, cached under the project: replaying a long
//! history, or creating a large model, on a scratch database is most of what `migrate`,
//! `check` and `drift` cost on a server, and paying it when nothing changed is waste.
//!
//! - The schema at a set of revisions: keyed by everything that decides the introspected
//!   result — the engine and its version, the table filter, and every revision file of
//!   the ancestry (id and checksum) — so an edited, added or removed file is a different
//!   key and the history is replayed again.
//! - The schema the models declare: keyed by the engine and its version, the table filter
//!   and the models' text, byte for byte — any edit is a different key and the models are
//!   applied to a scratch database again.
//!
//! Both keys also hold retort's own version (a build that introspects differently must
//! not read another build's entries). Entries live in `.retort/cache/` beside
//! `retort.toml`, a directory that ignores itself in git. The cache is an optimisation:
//! a file that cannot be read or written is a miss, never an error.
use crate::diff::filter::TableFilter;
use crate::revision::graph::RevisionGraph;
use crate::schema::Schema;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// How many models entries are kept: each edit of the models makes one, and only the
/// latest few can match again (an edit undone, a branch switched back).
const MODELS_ENTRIES_KEPT: usize = 16;

/// The schema the models declare, as the scratch database read it.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct CachedModels {
    pub schema: Schema,
    /// Objects of kinds the schema model does not cover (`1 policy`).
    pub not_compared: Vec<String>,
}

/// The digest of a models entry's schema, with what was not compared.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct ModelsDigest {
    pub digest: String,
    pub not_compared: Vec<String>,
}

/// A schema's digest: equal digests are equal schemas (the serialisation is ordered).
pub fn schema_digest(schema: &Schema) -> String {
    let text = serde_json::to_string(schema).unwrap_or_default();
    Sha256::digest(text.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

pub struct HeadCache {
    dir: PathBuf,
    /// The engine's name, the project's table filter and the schemas it owns: part of
    /// every key.
    engine: String,
    filter: TableFilter,
    schemas: Vec<String>,
}

impl HeadCache {
    /// The cache of the project whose `retort.toml` is in `project_dir`, for `engine`,
    /// the project's table `filter` and the `schemas` it owns.
    pub fn new(project_dir: &Path, engine: &str, filter: TableFilter, schemas: &[String]) -> Self {
        HeadCache {
            dir: crate::fsio::cache_dir(project_dir),
            engine: engine.to_string(),
            filter,
            schemas: schemas.to_vec(),
        }
    }

    /// The key of the schema reached by applying `revisions` (indexes into `graph`, an
    /// ancestry: all of it is hashed in topological order) on `server_version`.
    pub fn key(&self, server_version: &str, graph: &RevisionGraph, revisions: &[bool]) -> String {
        // v3: introspection reads materialized views, composite types and sequences a
        // table owns under another name.
        let mut h = self.hasher("retort head cache v3", server_version);
        for &i in graph.topo_order() {
            if revisions.get(i).copied().unwrap_or(false) {
                let rev = graph.rev(i);
                h.update(format!("{} {}\n", rev.id, rev.checksum).as_bytes());
            }
        }
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// What every key starts from: the kind of entry, retort's version, the engine and
    /// its version, the table filter.
    fn hasher(&self, kind: &str, server_version: &str) -> Sha256 {
        let mut h = Sha256::new();
        for part in [kind, env!("CARGO_PKG_VERSION"), self.engine.as_str(), server_version] {
            h.update(part.as_bytes());
            h.update(b"\n");
        }
        let filter = &self.filter;
        for pattern in filter.include.iter().chain([&"--".to_string()]).chain(&filter.exclude) {
            h.update(pattern.as_bytes());
            h.update(b"\n");
        }
        h.update(b"schemas\n");
        for schema in &self.schemas {
            h.update(schema.as_bytes());
            h.update(b"\n");
        }
        h
    }

    /// The key of the schema `models_sql` declares on `server_version`.
    pub fn models_key(&self, server_version: &str, models_sql: &str) -> String {
        let mut h = self.hasher("retort models cache v2", server_version);
        h.update(models_sql.as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    /// The fingerprint `migrate` records in a revision it verified: the models' text on
    /// `server_version` (with the engine, filter and schemas of every key), every other
    /// revision's checksum, and `head_text` — the new file's own text without the
    /// fingerprint line. A later run whose inputs give the same value has models equal to
    /// that head, with no scratch database and no local cache (a fresh clone, CI).
    pub fn fingerprint(
        &self,
        server_version: &str,
        models_sql: &str,
        others: &[(&str, &str)],
        head_text: &str,
    ) -> String {
        let mut h = self.hasher("retort models fingerprint v1", server_version);
        h.update(models_sql.as_bytes());
        h.update(b"\nrevisions\n");
        let mut others = others.to_vec();
        others.sort();
        for (id, checksum) in others {
            h.update(format!("{id} {checksum}\n").as_bytes());
        }
        h.update(b"head\n");
        h.update(crate::revision::file::checksum(head_text).as_bytes());
        h.finalize().iter().map(|b| format!("{b:02x}")).collect()
    }

    fn models_dir(&self) -> PathBuf {
        self.dir.join("models")
    }

    /// The digest of the models' schema stored under `key`, and what was not compared:
    /// a small file beside the entry, so "are both sides equal?" needs neither schema.
    pub fn models_digest(&self, key: &str) -> Option<ModelsDigest> {
        serde_json::from_str(
            &std::fs::read_to_string(self.models_dir().join(format!("{key}.digest"))).ok()?,
        )
        .ok()
    }

    /// The digest of the schema at head stored under `key`.
    pub fn digest(&self, key: &str) -> Option<String> {
        std::fs::read_to_string(self.dir.join(format!("{key}.digest"))).ok()
    }

    pub fn get_models(&self, key: &str) -> Option<CachedModels> {
        let path = self.models_dir().join(format!("{key}.json"));
        let text = std::fs::read_to_string(&path).ok()?;
        let found: CachedModels = serde_json::from_str(&text).ok()?;
        // An entry of a build that kept no digests gets its digest now.
        let digest_path = self.models_dir().join(format!("{key}.digest"));
        if !digest_path.exists() {
            if let Ok(text) = serde_json::to_string(&ModelsDigest {
                digest: schema_digest(&found.schema),
                not_compared: found.not_compared.clone(),
            }) {
                let _ = crate::fsio::write_new_atomic(&digest_path, text.as_bytes());
            }
        }
        // Used: the newest again, so pruning keeps it.
        if let Ok(f) = std::fs::File::options().append(true).open(&path) {
            let _ = f.set_modified(std::time::SystemTime::now());
        }
        Some(found)
    }

    /// Stores the models' schema, keeping only the [`MODELS_ENTRIES_KEPT`] newest entries.
    pub fn put_models(&self, key: &str, models: &CachedModels) {
        let dir = self.models_dir();
        let Ok(text) = serde_json::to_string(models) else { return };
        if !crate::fsio::ensure_cache_dir(&self.dir) || std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let _ = crate::fsio::write_new_atomic(&dir.join(format!("{key}.json")), text.as_bytes());
        let digest = ModelsDigest {
            digest: schema_digest(&models.schema),
            not_compared: models.not_compared.clone(),
        };
        if let Ok(text) = serde_json::to_string(&digest) {
            let _ =
                crate::fsio::write_new_atomic(&dir.join(format!("{key}.digest")), text.as_bytes());
        }
        let Ok(entries) = std::fs::read_dir(&dir) else { return };
        let mut entries: Vec<(std::time::SystemTime, PathBuf)> = entries
            .flatten()
            .filter(|e| e.path().extension().is_some_and(|x| x == "json"))
            .filter_map(|e| Some((e.metadata().ok()?.modified().ok()?, e.path())))
            .collect();
        if entries.len() > MODELS_ENTRIES_KEPT {
            entries.sort();
            for (_, old) in &entries[..entries.len() - MODELS_ENTRIES_KEPT] {
                let _ = std::fs::remove_file(old);
                let _ = std::fs::remove_file(old.with_extension("digest"));
            }
        }
    }

    fn path(&self, key: &str) -> PathBuf {
        self.dir.join(format!("{key}.json"))
    }

    pub fn get(&self, key: &str) -> Option<Schema> {
        let text = std::fs::read_to_string(self.path(key)).ok()?;
        let schema = serde_json::from_str(&text).ok()?;
        let digest_path = self.dir.join(format!("{key}.digest"));
        if !digest_path.exists() {
            let _ = crate::fsio::write_new_atomic(&digest_path, schema_digest(&schema).as_bytes());
        }
        Some(schema)
    }

    /// Stores `schema` (atomically; a failure is ignored: the next run replays again).
    pub fn put(&self, key: &str, schema: &Schema) {
        let Ok(text) = serde_json::to_string(schema) else { return };
        if !crate::fsio::ensure_cache_dir(&self.dir) {
            return;
        }
        // An entry already there under the same key is the same schema.
        let _ = crate::fsio::write_new_atomic(&self.path(key), text.as_bytes());
        let _ = crate::fsio::write_new_atomic(
            &self.dir.join(format!("{key}.digest")),
            schema_digest(schema).as_bytes(),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every input that decides the introspected models is part of the key: another
    /// engine version (a server upgraded or reconfigured), another engine, another table
    /// filter or any byte of the models is a miss.
    #[test]
    fn the_models_key_follows_engine_version_filter_and_text() {
        let cache = |engine: &str, exclude: &[&str]| {
            let filter = TableFilter {
                include: vec![],
                exclude: exclude.iter().map(|s| s.to_string()).collect(),
            };
            HeadCache::new(Path::new("/nowhere"), engine, filter, &[])
        };
        let base = cache("postgres", &[]).models_key("160004", "CREATE TABLE t (id int);");
        assert_eq!(base, cache("postgres", &[]).models_key("160004", "CREATE TABLE t (id int);"));
        assert_ne!(base, cache("postgres", &[]).models_key("160005", "CREATE TABLE t (id int);"));
        let owning = HeadCache::new(
            Path::new("/nowhere"),
            "postgres",
            TableFilter::default(),
            &["utils".to_string()],
        );
        assert_ne!(base, owning.models_key("160004", "CREATE TABLE t (id int);"));
        assert_ne!(base, cache("mysql", &[]).models_key("160004", "CREATE TABLE t (id int);"));
        assert_ne!(
            base,
            cache("postgres", &["t"]).models_key("160004", "CREATE TABLE t (id int);")
        );
        assert_ne!(base, cache("postgres", &[]).models_key("160004", "CREATE TABLE t (id int) ;"));
    }

    /// Every input of a fingerprint changes it; the order the other revisions come in
    /// does not (a graph lists them as it likes).
    #[test]
    fn a_fingerprint_follows_each_of_its_inputs() {
        let cache = HeadCache::new(Path::new("/nowhere"), "postgres", TableFilter::default(), &[]);
        let models = "CREATE TABLE t (id int);";
        let others = [("aaaa00000001", "c1"), ("aaaa00000002", "c2")];
        let base = cache.fingerprint("160004", models, &others, "head text");
        let swapped = [others[1], others[0]];
        assert_eq!(base, cache.fingerprint("160004", models, &swapped, "head text"));
        assert_ne!(base, cache.fingerprint("160005", models, &others, "head text"));
        assert_ne!(
            base,
            cache.fingerprint("160004", "CREATE TABLE t (id bigint);", &others, "head text")
        );
        assert_ne!(base, cache.fingerprint("160004", models, &others[..1], "head text"));
        assert_ne!(
            base,
            cache.fingerprint("160004", models, &[others[0], ("aaaa00000002", "c3")], "head text")
        );
        assert_ne!(base, cache.fingerprint("160004", models, &others, "head text edited"));
        let mysql = HeadCache::new(Path::new("/nowhere"), "mysql", TableFilter::default(), &[]);
        assert_ne!(base, mysql.fingerprint("160004", models, &others, "head text"));
    }
}
