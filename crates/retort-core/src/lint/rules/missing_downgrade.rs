//! `missing-downgrade`: a revision that cannot be reverted (silenced in its header with
//! `-- lint:ignore missing-downgrade` when that is on purpose).
use crate::lint::{every_engine, no_statement_check, Rule, Severity};
use crate::revision::file::RevisionFile;

pub static RULE: Rule = Rule {
    id: "missing-downgrade",
    severity: Severity::Warning,
    summary: "the revision cannot be reverted",
    explanation: "the revision has no downgrade, so it cannot be reverted",
    fix: "write the `-- +downgrade` section (or a line `-- nothing to undo` in it, when that is on purpose)",
    applies: every_engine,
    statement: no_statement_check,
    revision,
};

fn revision(file: &RevisionFile) -> Vec<(usize, String)> {
    if file.reversible() {
        return Vec::new();
    }
    vec![(
        file.downgrade.as_ref().map(|d| d.first_line).unwrap_or(1),
        "no downgrade statements".into(),
    )]
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::lint;

    #[test]
    fn fires_without_downgrade_statements() {
        assert!(lint("CREATE TABLE a (id INT);", "", true, "sqlite")
            .iter()
            .any(|d| d.rule == "missing-downgrade"));
        assert!(!lint("CREATE TABLE a (id INT);", "DROP TABLE a;", true, "sqlite")
            .iter()
            .any(|d| d.rule == "missing-downgrade"));
    }
}
