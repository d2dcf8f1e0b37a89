//! Applied revisions are immutable: each file's checksum as applied is in the log;
//! a file that changed since is reported with its changed lines, and can be accepted
//! after review (logged).
use crate::apply::migrator::{Migrator, RunOptions};
use crate::engine::Connection;
use crate::error::Error;
use crate::history::log::{LogDirection, LogEntry, LogStatus};
use crate::plan;
use crate::revision::id::RevisionId;

impl Migrator<'_> {
    /// Applied revisions whose file changed since it was applied (compared with the
    /// checksum the log recorded when it was applied, stamped or accepted).
    pub fn changed_files(
        &self,
        conn: &mut dyn Connection,
    ) -> Result<Vec<crate::error::ChangedFile>, Error> {
        let log = self.log(conn)?;
        let rows = self.current_rows(conn)?;
        let Ok(heads) = plan::validate_heads(self.graph, &rows) else { return Ok(Vec::new()) };
        let applied = self.graph.ancestors_inclusive(&heads);
        let mut recorded: std::collections::HashMap<&str, &LogEntry> =
            std::collections::HashMap::new();
        for e in &log {
            let counts = matches!(
                e.direction(),
                Some(LogDirection::Up | LogDirection::Stamp | LogDirection::Accept)
            ) && matches!(e.status(), Some(LogStatus::Ok | LogStatus::ResolvedOk));
            if counts && e.checksum.is_some() {
                recorded.insert(e.revision.as_str(), e);
            }
        }
        let mut out = Vec::new();
        for &i in self.graph.topo_order() {
            if !applied[i] {
                continue;
            }
            let f = self.graph.rev(i);
            if let Some(e) = recorded.get(f.id.as_str()) {
                let was = e.checksum.clone().unwrap_or_default();
                // A squash ran in place of its range (its own text is in the log), or the
                // revision ran as the original before a squash took its file's place.
                let through_squash =
                    self.graph.shortcut_for(&f.id).is_some_and(|s| s.file.checksum == was);
                let before_squash = !f.replaces.is_empty()
                    && !e
                        .script
                        .as_deref()
                        .unwrap_or("")
                        .lines()
                        .any(|l| l.starts_with("-- replaces:"));
                if was != f.checksum && !through_squash && !before_squash {
                    out.push(crate::error::ChangedFile {
                        rev: f.id.clone(),
                        path: f.path.clone(),
                        recorded: was,
                        current: f.checksum.clone(),
                        diff: line_diff(e.script.as_deref().unwrap_or(""), &f.text),
                    });
                }
            }
        }
        Ok(out)
    }

    /// Re-records the checksum (and text) of an applied revision after review.
    pub fn accept_change(
        &self,
        conn: &mut dyn Connection,
        rev: &RevisionId,
        opts: &RunOptions,
    ) -> Result<(), Error> {
        let file = self.graph.get(rev).ok_or_else(|| crate::error::TargetError::Unknown {
            name: rev.to_string(),
            heads: self.graph.ids(&self.graph.heads()),
        })?;
        let now = crate::now_utc_iso();
        let record = self.log_record(
            file,
            LogDirection::Accept,
            LogStatus::Ok,
            Some(&now),
            Some(0),
            &opts.applied_by,
        );
        self.with_lock(conn, opts.lock_timeout, &mut |_| {}, |conn, _| {
            Ok(conn.execute(
                &crate::history::bookkeeping::Bookkeeping::new(conn.dialect(), &self.tables)
                    .log_insert(&record),
            )?)
        })
    }
}

/// The first differing lines of two texts, for showing what changed in a file.
pub fn line_diff(old: &str, new: &str) -> Vec<String> {
    let (a, b): (Vec<&str>, Vec<&str>) = (old.lines().collect(), new.lines().collect());
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix =
        a[prefix..].iter().rev().zip(b[prefix..].iter().rev()).take_while(|(x, y)| x == y).count();
    let mut out: Vec<String> = Vec::new();
    for l in &a[prefix..a.len() - suffix] {
        out.push(format!("- {l}"));
    }
    for l in &b[prefix..b.len() - suffix] {
        out.push(format!("+ {l}"));
    }
    if out.len() > 12 {
        let more = out.len() - 12;
        out.truncate(12);
        out.push(format!("  … {more} more line(s)"));
    }
    if !out.is_empty() {
        out.insert(0, format!("@ line {}", prefix + 1));
    }
    out
}
