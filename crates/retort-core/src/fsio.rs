//! Writing files so that a crash or a full disk never leaves half of one behind.
//!
//! A truncated revision file would load as a pending head, so every file
//! retort writes goes to a temporary file in the same directory, is flushed to disk, and
//! only then takes its name (a rename within one filesystem is atomic).
use std::io::Write;
use std::path::{Path, PathBuf};

/// Writes `bytes` to `path`, which must not exist yet (`AlreadyExists` otherwise).
pub fn write_new_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    // Dropping the temporary file on any error below removes it.
    let mut tmp = tempfile::Builder::new().prefix(".retort-").suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.as_file().sync_all()?;
    tmp.persist_noclobber(path).map_err(|e| e.error)?;
    // Make the new name itself durable.
    if let Ok(d) = std::fs::File::open(dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Replaces `path` with `bytes` atomically: readers see the old file or the new one,
/// never half of one. Not flushed to disk — for caches, which may be lost but not torn.
pub fn replace_atomic(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    };
    let mut tmp = tempfile::Builder::new().prefix(".retort-").suffix(".tmp").tempfile_in(dir)?;
    tmp.write_all(bytes)?;
    tmp.persist(path).map_err(|e| e.error)?;
    Ok(())
}

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writes_once_and_refuses_to_overwrite() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("a.sql");
        write_new_atomic(&p, b"one").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        let e = write_new_atomic(&p, b"two").unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::AlreadyExists);
        assert_eq!(std::fs::read(&p).unwrap(), b"one");
        assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 1, "no temporary file left");
    }
}
