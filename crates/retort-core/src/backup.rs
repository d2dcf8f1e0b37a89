//! Backup files: where they go, what they are called, who may read them, how many are
//! kept. The engines write the contents ([`crate::engine::Connection::backup`]).
use crate::engine::Connection;
use crate::error::Error;
use std::path::{Path, PathBuf};

/// `<dir>/<env>-<UTC time>-<revision or base>.<ext>`.
pub fn backup_path(dir: &Path, env: &str, rev: &str, ext: &str) -> PathBuf {
    let time = crate::now_utc_iso().replace([':', '-'], "");
    dir.join(format!("{env}-{time}-{rev}.{ext}"))
}

/// Backs up the database into `dir` with owner-only permissions; returns the file.
pub fn take(conn: &mut dyn Connection, dir: &Path, env: &str, rev: &str) -> Result<PathBuf, Error> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
    let mut path = backup_path(dir, env, rev, conn.backup_extension());
    let mut n = 1;
    while path.exists() {
        n += 1;
        path = backup_path(dir, env, &format!("{rev}-{n}"), conn.backup_extension());
    }
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(&path).map_err(|e| Error::io(format!("creating {}", path.display()), e))?;
    if let Err(e) = conn.backup(&path) {
        let _ = std::fs::remove_file(&path);
        return Err(e.into());
    }
    Ok(path)
}

/// Deletes the oldest backups of `env` beyond `keep`.
pub fn prune(dir: &Path, env: &str, keep: usize) -> Result<Vec<PathBuf>, Error> {
    let prefix = format!("{env}-");
    let mut files: Vec<PathBuf> = match std::fs::read_dir(dir) {
        Ok(rd) => rd.filter_map(|e| e.ok()).map(|e| e.path()).filter(|p| p.file_name().is_some_and(|n| n.to_string_lossy().starts_with(&prefix))).collect(),
        Err(_) => return Ok(Vec::new()),
    };
    files.sort();
    let excess = files.len().saturating_sub(keep);
    let removed: Vec<PathBuf> = files.into_iter().take(excess).collect();
    for f in &removed {
        std::fs::remove_file(f).map_err(|e| Error::io(format!("removing {}", f.display()), e))?;
    }
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prune_keeps_the_newest_of_one_environment() {
        let d = tempfile::tempdir().unwrap();
        for name in ["prod-1-a.sql", "prod-2-a.sql", "prod-3-a.sql", "dev-1-a.sql"] {
            std::fs::write(d.path().join(name), "").unwrap();
        }
        let removed = prune(d.path(), "prod", 2).unwrap();
        assert_eq!(removed, vec![d.path().join("prod-1-a.sql")]);
        assert!(d.path().join("dev-1-a.sql").exists());
    }
}
