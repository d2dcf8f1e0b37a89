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
    std::fs::create_dir_all(dir)
        .map_err(|e| Error::io(format!("creating {}", dir.display()), e))?;
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

/// Checks that a backup just written is there, readable and not empty before anything
/// relies on it (an upgrade with `backup = true` runs only after this).
pub fn confirm(path: &Path) -> Result<(), Error> {
    use std::io::Read;
    let mut first = [0u8; 1];
    let read = std::fs::File::open(path).and_then(|mut f| f.read(&mut first));
    match read {
        Ok(1) => Ok(()),
        Ok(_) => Err(Error::io(
            format!("checking the backup {}", path.display()),
            std::io::Error::other("the file is empty"),
        )),
        Err(e) => Err(Error::io(format!("checking the backup {}", path.display()), e)),
    }
}

/// Where a file stands among `env`'s backups — its (time, copy number) — when retort
/// wrote it for exactly that environment: `<env>-<YYYYMMDDTHHMMSSZ>-<rev>[-n].<ext>`
/// ([`backup_path`], [`take`]). The whole name is parsed, so `dev` never claims
/// `dev-eu-…` (whose next part is no time) nor a file someone put there by hand.
fn backup_of(name: &str, env: &str) -> Option<(String, u32)> {
    let rest = name.strip_prefix(env)?.strip_prefix('-')?;
    let (time, rest) = (rest.get(..16)?, rest.get(16..)?);
    let b = time.as_bytes();
    let time_ok = b.iter().enumerate().all(|(i, c)| match i {
        8 => *c == b'T',
        15 => *c == b'Z',
        _ => c.is_ascii_digit(),
    });
    let (stem, ext) = rest.strip_prefix('-')?.rsplit_once('.')?;
    if !time_ok || ext.is_empty() || !ext.chars().all(|c| c.is_ascii_alphanumeric()) {
        return None;
    }
    let (rev, copy) = match stem.rsplit_once('-') {
        Some((rev, n)) => (rev, n.parse::<u32>().ok()?),
        None => (stem, 1),
    };
    let rev_ok = !rev.is_empty()
        && rev
            .split('+')
            .all(|r| !r.is_empty() && r.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'));
    rev_ok.then(|| (time.to_string(), copy))
}

/// Deletes the oldest backups retort wrote for `env` beyond `keep`; `just_written` is
/// never deleted (with `backup_keep = 0` it is the one kept).
pub fn prune(
    dir: &Path,
    env: &str,
    keep: usize,
    just_written: &Path,
) -> Result<Vec<PathBuf>, Error> {
    let mut files: Vec<((String, u32), PathBuf)> = match std::fs::read_dir(dir) {
        Ok(rd) => rd
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| p != just_written && p.is_file())
            .filter_map(|p| Some((backup_of(&p.file_name()?.to_string_lossy(), env)?, p)))
            .collect(),
        Err(_) => return Ok(Vec::new()),
    };
    files.sort();
    // The new backup counts as one of those kept.
    let excess = files.len().saturating_sub(keep.saturating_sub(1));
    let removed: Vec<PathBuf> = files.into_iter().take(excess).map(|(_, p)| p).collect();
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
        let names = [
            "prod-20260101T000000Z-base.sql",
            "prod-20260102T000000Z-aaaaaaaaaaaa.sql",
            "prod-20260102T000000Z-aaaaaaaaaaaa-2.sql",
            "prod-20260103T000000Z-aaaaaaaaaaaa+bbbbbbbbbbbb.sql",
            "prod-eu-20250101T000000Z-base.sql",
            "prod-0-handmade.sql",
            "dev-20250101T000000Z-base.sql",
        ];
        for name in names {
            std::fs::write(d.path().join(name), "").unwrap();
        }
        let new = d.path().join("prod-20260103T000000Z-aaaaaaaaaaaa+bbbbbbbbbbbb.sql");
        let removed = prune(d.path(), "prod", 2, &new).unwrap();
        assert_eq!(removed, vec![d.path().join(names[0]), d.path().join(names[1])]);
        for kept in &names[2..] {
            assert!(d.path().join(kept).exists(), "{kept}");
        }
        // keep = 0 keeps the new one all the same.
        assert_eq!(prune(d.path(), "prod", 0, &new).unwrap(), vec![d.path().join(names[2])]);
        assert!(new.exists());
    }

    #[test]
    fn only_names_retort_writes_belong_to_an_environment() {
        assert_eq!(
            backup_of("dev-20261203T094618Z-base.sqlite", "dev"),
            Some(("20261203T094618Z".into(), 1))
        );
        assert_eq!(
            backup_of("dev-20261203T094618Z-0123456789ab-3.sqlite", "dev"),
            Some(("20261203T094618Z".into(), 3))
        );
        for other in [
            "dev-eu-20261203T094618Z-base.sqlite",
            "dev-0-handmade.sqlite",
            "dev-20261203T094618Z-base",
            "dev-20261203T094618Z-.sqlite",
            "devx-20261203T094618Z-base.sqlite",
            "dev-20261203T094618Z-base.sqlite.tmp~",
        ] {
            assert_eq!(backup_of(other, "dev"), None, "{other}");
        }
    }
}
