//! `needs-attention`: a revision `retort adopt alembic` could not convert (Alembic's
//! offline mode gave no SQL for it), marked in its notes; it stays an error until a
//! person writes its SQL and removes the marker.
use crate::lint::{every_engine, no_statement_check, Rule, Severity};
use crate::revision::file::RevisionFile;

/// The note `adopt alembic` writes into a revision it could not convert; the rule owns
/// the text so the writer and the check cannot drift apart.
pub const NEEDS_ATTENTION: &str = "NEEDS ATTENTION:";

pub static RULE: Rule = Rule {
    id: "needs-attention",
    severity: Severity::Error,
    summary: "a revision `adopt alembic` could not convert (its SQL must be written by hand)",
    explanation: "an adopted Alembic revision whose SQL could not be produced, so the file does not do what the Python did",
    fix: "write its SQL from the Python file kept in alembic_versions/, then delete the NEEDS ATTENTION line",
    applies: every_engine,
    statement: no_statement_check,
    revision,
};

fn revision(file: &RevisionFile) -> Vec<(usize, String)> {
    let marker = format!("-- {NEEDS_ATTENTION}");
    file.text
        .lines()
        .enumerate()
        .filter(|(_, l)| l.trim_start().starts_with(&marker))
        .map(|(i, l)| (i + 1, l.trim_start().trim_start_matches("-- ").to_string()))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::lint;
    use crate::lint::Severity;

    #[test]
    fn fires_on_the_marker_adopt_writes_and_not_otherwise() {
        let marked = "-- NEEDS ATTENTION: Alembic's offline mode stopped here.\nSELECT 1;";
        let hits: Vec<_> = lint(marked, "SELECT 1;", true, "sqlite")
            .into_iter()
            .filter(|d| d.rule == "needs-attention")
            .collect();
        assert_eq!(hits.len(), 1);
        assert_eq!(hits[0].severity, Severity::Error);
        assert!(!lint("-- needs attention of a reviewer\nSELECT 1;", "SELECT 1;", true, "sqlite")
            .iter()
            .any(|d| d.rule == "needs-attention"));
    }
}
