//! `backup` and `restore`, and the backup `upgrade`/`downgrade` take first.
use crate::engine::Connection;
use crate::error::Error;
use crate::ops::Workspace;
use std::path::{Path, PathBuf};

/// Takes a backup of the environment's database, named after its revision, and prunes
/// old ones to the environment's `backup_keep`; returns the file.
pub fn take(ws: &Workspace, conn: &mut dyn Connection) -> Result<PathBuf, Error> {
    let rows = ws.store().current_rows(conn)?;
    let rev = if rows.is_empty() { "base".to_string() } else { rows.join("+") };
    let dir = ws.project.dir.join(&ws.project.file.project.backup_dir);
    let path = crate::backup::take(conn, &dir, &ws.env.name, &rev)?;
    crate::backup::prune(&dir, &ws.env.name, ws.env.backup_keep, &path)?;
    crate::backup::confirm(&path)?;
    Ok(path)
}

/// `retort backup`: backs up the environment's database (which must exist).
pub fn backup(ws: &Workspace) -> Result<PathBuf, Error> {
    // Only the version table's rows name the file: a migrations directory that does not
    // load still gets its database backed up.
    let mut conn = ws.connect_existing()?;
    take(ws, conn.as_mut())
}

/// `retort restore FILE`: replaces the environment's database with a backup; returns the
/// version table's rows afterwards.
pub fn restore(ws: &Workspace, file: &Path) -> Result<Vec<String>, Error> {
    ws.guard_write("restore a backup")?;
    if !file.is_file() {
        return Err(Error::usage(
            format!("{} is not a file", file.display()),
            Some(format!("backups are in {}", ws.project.file.project.backup_dir)),
        ));
    }
    let mut conn = ws.connect()?;
    // The migration lock, as upgrade takes it: a restore under a running upgrade would
    // wipe what the upgrade then reports as applied.
    crate::apply::lock::acquire_lock(conn.as_mut(), ws.lock_timeout, &mut |_| {})?;
    let restored = conn.restore(file);
    // The database was replaced: a lease row the restore took away is no error.
    let _ = conn.unlock();
    restored?;
    Ok(ws.store().current_rows(conn.as_mut())?)
}
