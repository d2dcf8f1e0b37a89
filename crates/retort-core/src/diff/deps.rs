//! Which views read a table: engines that must drop a view before changing a table it
//! reads (SQLite rebuilds, PostgreSQL type changes) ask this, then recreate the view.
use crate::schema::Schema;

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_words_only() {
        assert!(mentions("SELECT * FROM users u", "users"));
        assert!(mentions("select * from \"Users\"", "users"));
        assert!(!mentions("SELECT * FROM users_archive", "users"));
    }
}
