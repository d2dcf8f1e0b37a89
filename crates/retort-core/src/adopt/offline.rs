//! Splits the SQL of Alembic's offline mode (`alembic upgrade --sql base:heads`,
//! `alembic downgrade --sql heads:base`, or Flask-Migrate's `flask db ... --sql`) into
//! one section per revision, on the markers Alembic writes before each step
//! (`-- Running upgrade <from> -> <to>`, `-- Running downgrade <from> -> <to>`).
//!
//! What is Alembic's bookkeeping goes: statements on the version table, and the
//! transaction that wraps the whole script on PostgreSQL (`BEGIN;` first, `COMMIT;`
//! last). An `autocommit_block()` shows up as `COMMIT; ... BEGIN;` inside a step: that
//! step becomes a `transactional: false` revision. MySQL and SQLite output has no
//! transaction statements at all.
use crate::sql_split;
use std::collections::BTreeMap;

/// One revision's SQL in one direction.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfflineSection {
    pub statements: Vec<String>,
    /// False when the step ran (part of) its SQL outside a transaction.
    pub transactional: bool,
}

/// Each revision's upgrade and downgrade, by revision id.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OfflineSql {
    pub upgrade: BTreeMap<String, OfflineSection>,
    pub downgrade: BTreeMap<String, OfflineSection>,
}

impl OfflineSql {
    /// Adds the steps of one offline script (either direction; several scripts may be
    /// added, e.g. an upgrade and a downgrade file), and returns them in order
    /// (`true` for an upgrade step).
    pub fn add_script(&mut self, script: &str, version_table: &str) -> Vec<(bool, String)> {
        let mut current: Option<(bool, String, Vec<String>)> = None;
        let mut steps = Vec::new();
        let mut flush = |step: Option<(bool, String, Vec<String>)>, this: &mut OfflineSql| {
            if let Some((up, rev, lines)) = step {
                let section = section(&lines.join("\n"), version_table);
                steps.push((up, rev.clone()));
                if up {
                    this.upgrade.insert(rev, section)
                } else {
                    this.downgrade.insert(rev, section)
                };
            }
        };
        for line in script.lines() {
            // Alembic's log lines, when stderr was captured with the script.
            if line.starts_with("INFO  [") || line.starts_with("WARNI [") {
                continue;
            }
            if let Some((up, rev)) = marker(line) {
                flush(current.take(), self);
                current = Some((up, rev, Vec::new()));
            } else if let Some((_, _, lines)) = current.as_mut() {
                lines.push(line.to_string());
            }
        }
        flush(current, self);
        steps
    }

    /// Forgets a step: the one Alembic was writing when it failed is incomplete.
    pub fn forget(&mut self, step: &(bool, String)) {
        if step.0 {
            self.upgrade.remove(&step.1)
        } else {
            self.downgrade.remove(&step.1)
        };
    }
}

/// `-- Running upgrade a -> b` names `b`; `-- Running downgrade b -> a, c` names `b`.
fn marker(line: &str) -> Option<(bool, String)> {
    let rest = line.trim().strip_prefix("-- Running ")?;
    let (up, rest) = if let Some(r) = rest.strip_prefix("upgrade ") {
        (true, r)
    } else {
        (false, rest.strip_prefix("downgrade ")?)
    };
    let (from, to) = rest.split_once("->")?;
    let rev = if up { to } else { from };
    let rev = rev.trim();
    (!rev.is_empty() && !rev.contains(',')).then(|| (up, rev.to_string()))
}

fn section(sql: &str, version_table: &str) -> OfflineSection {
    let mut statements = Vec::new();
    let mut transactional = true;
    let mut outside = false;
    for s in sql_split::split(sql) {
        let text = s.sql.trim().trim_end_matches(';').trim().to_string();
        let upper = text.to_ascii_uppercase();
        let words: Vec<&str> = upper.split_whitespace().collect();
        match words.as_slice() {
            ["BEGIN"] | ["BEGIN", "TRANSACTION"] | ["START", "TRANSACTION"] => {
                outside = false;
                continue;
            }
            ["COMMIT"] => {
                outside = true;
                continue;
            }
            _ => {}
        }
        if touches(&words, &version_table.to_ascii_uppercase()) || text.is_empty() {
            continue;
        }
        // A statement after a COMMIT and before the next BEGIN runs outside a
        // transaction (Alembic's autocommit_block). The COMMIT that ends the whole
        // script is followed by nothing, so it changes nothing.
        if outside {
            transactional = false;
        }
        statements.push(text);
    }
    OfflineSection { statements, transactional }
}

/// Whether a statement is Alembic's bookkeeping on the version table.
fn touches(words: &[&str], table: &str) -> bool {
    let named =
        |w: Option<&&str>| w.is_some_and(|w| w.trim_matches(|c| c == '"' || c == '`') == table);
    match words {
        ["INSERT", "INTO", t, ..]
        | ["DELETE", "FROM", t, ..]
        | ["UPDATE", t, ..]
        | ["DROP", "TABLE", t, ..] => named(Some(t)),
        ["CREATE", "TABLE", t, ..] => named(Some(t)) || t.starts_with(&format!("{table}(")),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Captured from `flask db upgrade --sql base:heads` / `downgrade --sql heads:base`
    /// on the application of tests/adopt/flask_app.py (Flask-Migrate 4, Alembic 1.x).
    fn captured(engine: &str) -> OfflineSql {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../../tests/adopt/offline");
        let mut sql = OfflineSql::default();
        for direction in ["upgrade", "downgrade"] {
            let text = std::fs::read_to_string(format!("{dir}/{engine}.{direction}.sql")).unwrap();
            sql.add_script(&text, "alembic_version");
        }
        sql
    }

    #[test]
    fn postgres_steps_keep_their_sql_and_an_autocommit_block_is_not_transactional() {
        let sql = captured("postgres");
        assert_eq!(sql.upgrade.len(), 5);
        assert_eq!(sql.downgrade.len(), 5);
        let all: Vec<&String> = sql
            .upgrade
            .values()
            .chain(sql.downgrade.values())
            .flat_map(|s| &s.statements)
            .collect();
        assert!(
            all.iter().all(|s| !s.contains("alembic_version")
                && s.as_str() != "BEGIN"
                && s.as_str() != "COMMIT"),
            "{all:#?}"
        );
        let index: Vec<&OfflineSection> = sql
            .upgrade
            .values()
            .filter(|s| s.statements.iter().any(|t| t.contains("CONCURRENTLY")))
            .collect();
        assert_eq!(index.len(), 1);
        assert!(!index[0].transactional);
        assert_eq!(
            index[0].statements,
            ["CREATE INDEX CONCURRENTLY ix_posts_title ON posts (title)"]
        );
        assert_eq!(sql.upgrade.values().filter(|s| !s.transactional).count(), 1);
        assert_eq!(sql.downgrade.values().filter(|s| !s.transactional).count(), 1);
        // The merge has no SQL of its own; the data migration is plain SQL.
        assert!(sql.upgrade.values().any(|s| s.statements.is_empty()));
        assert!(all.iter().any(|s| s.starts_with("UPDATE posts SET slug=lower(posts.title)")));
    }

    #[test]
    fn mysql_and_sqlite_output_have_no_transactions_to_drop() {
        for engine in ["mysql", "sqlite"] {
            let sql = captured(engine);
            assert_eq!((sql.upgrade.len(), sql.downgrade.len()), (5, 5), "{engine}");
            assert!(
                sql.upgrade.values().chain(sql.downgrade.values()).all(|s| s.transactional),
                "{engine}"
            );
            let first = sql
                .upgrade
                .values()
                .find(|s| s.statements.iter().any(|t| t.starts_with("CREATE TABLE users")))
                .unwrap();
            assert_eq!(first.statements.len(), 2, "{engine}: {first:?}");
        }
    }

    #[test]
    fn markers_name_the_revision_a_step_applies_or_reverts() {
        assert_eq!(marker("-- Running upgrade  -> abc"), Some((true, "abc".into())));
        assert_eq!(marker("-- Running upgrade a, b -> m"), Some((true, "m".into())));
        assert_eq!(marker("-- Running downgrade m -> a, b"), Some((false, "m".into())));
        assert_eq!(marker("-- Running downgrade abc -> "), Some((false, "abc".into())));
        assert_eq!(marker("-- a comment"), None);
    }
}
