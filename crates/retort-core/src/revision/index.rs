//! An index of the revision files' texts, for the commands that only show the graph
//! (`history`, `heads`, `current`, `status`, …): with thousands of revisions their time
//! is opening and reading small files. The index (`.retort/cache/revisions.bin`) holds
//! each file's text with its size and modification time; a file whose size or time
//! differs is read again. Like git's index, an entry is trusted only when the file was
//! last modified well before the index was written ("racy" edits within the same clock
//! tick are re-read). Commands that run a revision's SQL never use it.
use crate::revision::file::RevisionFile;
use std::collections::HashMap;
use std::path::Path;

/// A file's size and modification time (nanoseconds since the epoch).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stamp {
    size: u64,
    mtime_ns: i128,
}

impl Stamp {
    pub fn of(meta: &std::fs::Metadata) -> Stamp {
        Stamp { size: meta.len(), mtime_ns: meta.modified().map(nanos).unwrap_or(i128::MAX) }
    }
}

fn nanos(t: std::time::SystemTime) -> i128 {
    match t.duration_since(std::time::UNIX_EPOCH) {
        Ok(d) => d.as_nanos() as i128,
        Err(e) => -(e.duration().as_nanos() as i128),
    }
}

/// Files modified less than this before the index was written are read again: coarse
/// file-system clocks (FAT: 2 s) could hide an edit of the same size.
const RACY_NS: i128 = 3_000_000_000;

/// The index on disk is a small binary layout of our own rather than JSON: it is read by
/// retort only, and unescaping thousands of SQL texts was most of the cost of reading it
/// as JSON. Layout (little-endian): magic `RTIX1\n`, the versions folder, the time it
/// was written, then per file its name, size, modification time and text; strings are a
/// u32 length and UTF-8 bytes. Anything unexpected reads as an empty index.
const MAGIC: &[u8] = b"RTIX1\n";

#[derive(Default)]
struct IndexFile {
    /// The `versions/` folder indexed (another project layout is another index).
    versions_dir: String,
    written_at_ns: i128,
    entries: HashMap<String, Entry>,
}

struct Entry {
    stamp: Stamp,
    text: String,
}

struct Reader<'a> {
    bytes: &'a [u8],
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Option<&'a [u8]> {
        if self.bytes.len() < n {
            return None;
        }
        let (head, rest) = self.bytes.split_at(n);
        self.bytes = rest;
        Some(head)
    }
    fn u32(&mut self) -> Option<u32> {
        Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?))
    }
    fn u64(&mut self) -> Option<u64> {
        Some(u64::from_le_bytes(self.take(8)?.try_into().ok()?))
    }
    fn i128(&mut self) -> Option<i128> {
        Some(i128::from_le_bytes(self.take(16)?.try_into().ok()?))
    }
    fn string(&mut self) -> Option<String> {
        let n = self.u32()? as usize;
        String::from_utf8(self.take(n)?.to_vec()).ok()
    }
}

fn put_string(out: &mut Vec<u8>, s: &str) {
    out.extend_from_slice(&(s.len() as u32).to_le_bytes());
    out.extend_from_slice(s.as_bytes());
}

impl IndexFile {
    fn decode(bytes: &[u8]) -> Option<IndexFile> {
        let mut r = Reader { bytes: bytes.strip_prefix(MAGIC)? };
        let versions_dir = r.string()?;
        let written_at_ns = r.i128()?;
        let n = r.u32()? as usize;
        let mut entries = HashMap::with_capacity(n.min(1 << 20));
        for _ in 0..n {
            let name = r.string()?;
            let stamp = Stamp { size: r.u64()?, mtime_ns: r.i128()? };
            entries.insert(name, Entry { stamp, text: r.string()? });
        }
        r.bytes.is_empty().then_some(IndexFile { versions_dir, written_at_ns, entries })
    }

    fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(
            64 + self.entries.values().map(|e| e.text.len() + 64).sum::<usize>(),
        );
        out.extend_from_slice(MAGIC);
        put_string(&mut out, &self.versions_dir);
        out.extend_from_slice(&self.written_at_ns.to_le_bytes());
        out.extend_from_slice(&(self.entries.len() as u32).to_le_bytes());
        for (name, e) in &self.entries {
            put_string(&mut out, name);
            out.extend_from_slice(&e.stamp.size.to_le_bytes());
            out.extend_from_slice(&e.stamp.mtime_ns.to_le_bytes());
            put_string(&mut out, &e.text);
        }
        out
    }
}

pub struct Index {
    file: IndexFile,
}

impl Index {
    /// The index at `path`; empty when it is missing or unreadable.
    pub fn read(path: &Path) -> Index {
        let file = std::fs::read(path).ok().and_then(|b| IndexFile::decode(&b)).unwrap_or_default();
        Index { file }
    }

    pub fn len(&self) -> usize {
        self.file.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.file.entries.is_empty()
    }

    /// Takes the indexed text of `path` out of the index if the file still has `stamp`.
    pub fn take_text(&mut self, path: &Path, stamp: &Stamp) -> Option<String> {
        if path.parent()?.as_os_str().as_encoded_bytes() != self.file.versions_dir.as_bytes() {
            return None;
        }
        let name = path.file_name()?.to_str()?;
        let entry = self.file.entries.get(name)?;
        let fresh = entry.stamp == *stamp
            && stamp.mtime_ns.saturating_add(RACY_NS) < self.file.written_at_ns;
        fresh.then(|| self.file.entries.remove(name).map(|e| e.text)).flatten()
    }

    /// Writes the index of `files` (atomically; a failure only costs the next run time).
    /// Not when every file is too recent to be trusted from it (a fresh checkout): the
    /// index would be written for nothing, run after run.
    pub fn write<'a>(
        path: &Path,
        versions: &Path,
        files: impl Iterator<Item = (&'a RevisionFile, &'a Stamp)>,
    ) {
        let files: Vec<(&RevisionFile, &Stamp)> = files.collect();
        let now = nanos(std::time::SystemTime::now());
        if files.iter().all(|(_, stamp)| stamp.mtime_ns.saturating_add(RACY_NS) >= now) {
            return;
        }
        let entries = files
            .into_iter()
            .filter_map(|(f, stamp)| {
                Some((
                    f.path.file_name()?.to_str()?.to_string(),
                    Entry { stamp: stamp.clone(), text: f.text.clone() },
                ))
            })
            .collect();
        let file = IndexFile {
            versions_dir: versions.to_string_lossy().into_owned(),
            written_at_ns: nanos(std::time::SystemTime::now()),
            entries,
        };
        let Some(dir) = path.parent() else { return };
        if crate::fsio::ensure_cache_dir(dir) {
            let _ = crate::fsio::replace_atomic(path, &file.encode());
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stamp(size: u64, mtime_ns: i128) -> Stamp {
        Stamp { size, mtime_ns }
    }

    #[test]
    fn round_trips_and_trusts_only_unchanged_settled_files() {
        let d = tempfile::tempdir().unwrap();
        let versions = d.path().join("versions");
        let f = |name: &str, text: &str| RevisionFile::parse(&versions.join(name), text).unwrap();
        let a = f("a.sql", "-- revision: 00000000000a\n-- down_revision:\n-- message: a\n\n-- +upgrade\nSELECT 'é';\n");
        let now = nanos(std::time::SystemTime::now());
        let (settled, racy) = (stamp(10, now - 10 * RACY_NS), stamp(10, now));
        let index_path = d.path().join(".retort/cache/revisions.bin");
        Index::write(&index_path, &versions, [(&a, &settled)].into_iter());
        let mut index = Index::read(&index_path);
        assert_eq!(index.len(), 1);
        assert_eq!(
            index.take_text(&versions.join("a.sql"), &stamp(11, settled.mtime_ns)),
            None,
            "another size"
        );
        assert_eq!(
            index.take_text(&versions.join("a.sql"), &stamp(10, settled.mtime_ns + 1)),
            None,
            "another time"
        );
        assert_eq!(
            index.take_text(&d.path().join("other/a.sql"), &settled),
            None,
            "another folder"
        );
        assert_eq!(
            index.take_text(&versions.join("a.sql"), &settled).as_deref(),
            Some(a.text.as_str())
        );
        Index::write(&index_path, &versions, [(&a, &settled), (&a, &racy)].into_iter());
        assert_eq!(
            Index::read(&index_path).take_text(&versions.join("a.sql"), &racy),
            None,
            "modified just before the index was written"
        );
        std::fs::remove_file(&index_path).unwrap();
        Index::write(&index_path, &versions, [(&a, &racy)].into_iter());
        assert!(!index_path.exists(), "nothing to trust yet: no index written");
        std::fs::write(&index_path, b"RTIX1\ngarbage").unwrap();
        assert!(Index::read(&index_path).is_empty());
    }
}
