//! Revision ids: 12 random lowercase hex characters for new revisions; anything
//! Alembic accepts (letters, digits, `_`, up to 32 characters) when reading, so an
//! Alembic-managed database can be taken over.
use serde::Serialize;
use std::fmt;

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct RevisionId(String);

impl RevisionId {
    /// Validates an id read from a file, a flag or the version table.
    pub fn parse(s: &str) -> Option<Self> {
        let ok = !s.is_empty()
            && s.len() <= 32
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_');
        ok.then(|| RevisionId(s.to_string()))
    }

    /// A fresh random id (12 hex characters, 48 bits: collisions are caught by the graph).
    pub fn generate() -> Self {
        let mut bytes = [0u8; 6];
        getrandom::getrandom(&mut bytes).expect("the OS random source is available");
        RevisionId(bytes.iter().map(|b| format!("{b:02x}")).collect())
    }

    /// Wraps a version-table row as it is, even when it is not a valid id, so that
    /// `stamp --purge` can delete rows left by other tools.
    pub fn from_db(s: &str) -> Self {
        RevisionId(s.to_string())
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for RevisionId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_ids_are_12_lowercase_hex_and_differ() {
        let a = RevisionId::generate();
        let b = RevisionId::generate();
        assert_eq!(a.as_str().len(), 12);
        assert!(a.as_str().bytes().all(|c| c.is_ascii_hexdigit() && !c.is_ascii_uppercase()));
        assert_ne!(a, b);
    }

    #[test]
    fn parse_rejects_bad_ids() {
        assert!(RevisionId::parse("").is_none());
        assert!(RevisionId::parse("abc-def").is_none());
        assert!(RevisionId::parse(&"a".repeat(33)).is_none());
        assert!(RevisionId::parse("ae1027a6acf").is_some());
    }
}
