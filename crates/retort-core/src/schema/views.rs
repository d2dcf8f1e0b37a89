//! Which views read a table, and in which order to drop and recreate them when the
//! table changes under them (SQLite rebuilds, PostgreSQL type changes).
use crate::schema::Schema;
use std::collections::{BTreeMap, BTreeSet};

/// Whether `sql` mentions `name` as a whole word (case-insensitive). A view text is
/// not parsed: a false positive only costs a drop and re-create of the view.
pub fn mentions(sql: &str, name: &str) -> bool {
    let lower = sql.to_ascii_lowercase();
    let name = name.to_ascii_lowercase();
    let bytes = lower.as_bytes();
    let mut from = 0;
    while let Some(pos) = lower[from..].find(&name) {
        let start = from + pos;
        let end = start + name.len();
        let word = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
        if (start == 0 || !word(bytes[start - 1])) && (end >= bytes.len() || !word(bytes[end])) {
            return true;
        }
        from = end;
    }
    false
}

/// Names of the views in `schema` that mention any of `tables`.
pub fn views_reading(schema: &Schema, tables: &[&str]) -> Vec<String> {
    schema
        .views
        .values()
        .filter(|v| tables.iter().any(|t| mentions(&v.sql, t)))
        .map(|v| v.name.clone())
        .collect()
}

/// The views that read any of `tables` (or are among them), directly or through other such views, in two
/// orders: to drop them (a view before the views it reads) and to recreate them (a
/// view after the views it reads). Ties go by name, so the output is stable.
pub fn dependents(schema: &Schema, tables: &[&str]) -> Dependents {
    let mut found: BTreeSet<String> = views_reading(schema, tables).into_iter().collect();
    // A view named among `tables` is itself in the set (its text need not name it).
    found.extend(tables.iter().filter(|t| schema.views.contains_key(**t)).map(|t| t.to_string()));
    loop {
        let names: Vec<&str> = found.iter().map(String::as_str).collect();
        let more: Vec<String> =
            views_reading(schema, &names).into_iter().filter(|v| !found.contains(v)).collect();
        if more.is_empty() {
            break;
        }
        found.extend(more);
    }
    // reads[v] = the found views v reads.
    let reads: BTreeMap<&str, BTreeSet<&str>> = found
        .iter()
        .map(|v| {
            (
                v.as_str(),
                found
                    .iter()
                    .filter(|w| *w != v && mentions(&schema.views[v].sql, w))
                    .map(String::as_str)
                    .collect(),
            )
        })
        .collect();
    let create = topological(&reads);
    let mut readers: BTreeMap<&str, BTreeSet<&str>> =
        found.iter().map(|v| (v.as_str(), BTreeSet::new())).collect();
    for (v, rs) in &reads {
        for r in rs {
            readers.get_mut(r).expect("found view").insert(v);
        }
    }
    let drop = topological(&readers);
    Dependents { drop, create }
}

/// Views in the orders [`dependents`] gives.
pub struct Dependents {
    pub drop: Vec<String>,
    pub create: Vec<String>,
}

/// Kahn's algorithm over `after[v]` = what must come before v; smallest name first.
/// A cycle (impossible between real views) ends with the rest in name order.
fn topological(after: &BTreeMap<&str, BTreeSet<&str>>) -> Vec<String> {
    let mut done: BTreeSet<&str> = BTreeSet::new();
    let mut out = Vec::new();
    while out.len() < after.len() {
        let next = after
            .iter()
            .find(|(v, deps)| !done.contains(*v) && deps.iter().all(|d| done.contains(d)))
            .map(|(v, _)| *v);
        let next =
            next.unwrap_or_else(|| after.keys().find(|v| !done.contains(*v)).expect("one left"));
        done.insert(next);
        out.push(next.to_string());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        assert!(mentions("SELECT * FROM users u", "users"));
        assert!(mentions("select * from \"Users\"", "users"));
        assert!(!mentions("SELECT * FROM users_archive", "users"));
    }

    #[test]
    fn views_on_views_are_dropped_before_and_recreated_after_what_they_read() {
        let mut schema = Schema::default();
        for (name, sql) in [
            ("a_top", "CREATE VIEW a_top AS SELECT * FROM m_mid"),
            ("m_mid", "CREATE VIEW m_mid AS SELECT * FROM users"),
            ("z_direct", "CREATE VIEW z_direct AS SELECT id FROM users"),
            ("other", "CREATE VIEW other AS SELECT 1"),
        ] {
            schema.views.insert(
                name.into(),
                crate::schema::View { name: name.into(), sql: sql.into(), ..Default::default() },
            );
        }
        let d = dependents(&schema, &["users"]);
        assert_eq!(d.drop, ["a_top", "m_mid", "z_direct"]);
        assert_eq!(d.create, ["m_mid", "a_top", "z_direct"]);
    }
}
