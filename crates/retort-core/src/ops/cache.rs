//! `cache clear`: forget what autogenerate keeps between runs — the project's cache
//! (`.retort/`: schemas at head, models' schemas, the kept area's records) and its kept
//! scratch database on the scratch server ([`crate::models_area`]). Nothing is lost:
//! the next `migrate` or `check` creates what it needs again. For a server that
//! misbehaved mid-run, a scratch server about to go away, or a project being deleted.
use crate::error::Error;
use crate::ops::Workspace;

/// What `cache clear` removed.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Cleared {
    /// The project's `.retort/cache` directory existed and is gone.
    pub cache_dir: bool,
    /// The kept scratch database existed on the scratch server and is dropped.
    pub kept_database: Option<String>,
}

pub fn clear(ws: &Workspace) -> Result<Cleared, Error> {
    let dir = crate::fsio::cache_dir(&ws.project.dir);
    let cache_dir = dir.exists();
    if cache_dir {
        std::fs::remove_dir_all(&dir).map_err(|e| Error::io("removing the cache directory", e))?;
    }
    let name = crate::cleanup::kept_scratch_name(&ws.project.dir);
    let kept_database = if ws.env.url.is_some() || ws.project.file.project.scratch_url.is_some() {
        ws.drop_kept_scratch()?.then_some(name)
    } else {
        None
    };
    Ok(Cleared { cache_dir, kept_database })
}

impl crate::ops::JsonShape for Cleared {
    const COMMANDS: &'static [&'static str] = &["cache clear"];
    const SHAPE: &'static str =
        r#"`{"cache_dir": bool, "kept_database": "retort_scratch_keep_…" or null}`"#;
}
