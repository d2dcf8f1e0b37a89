//! `missing-downgrade`: a revision that cannot be reverted (silenced in its header with
//! `-- lint:ignore missing-downgrade` when that is on purpose).
use crate::lint::{every_engine, no_statement_check, Rule, Severity};
use crate::revision::file::RevisionFile;
use crate::sql_split;

pub static RULE: Rule = Rule {
    id: "missing-downgrade",
    severity: Severity::Warning,
    explanation: "the revision has no downgrade, so it cannot be reverted",
    fix: "write the `-- +downgrade` section (or document why it is irreversible)",
    applies: every_engine,
    statement: no_statement_check,
    revision,
};

fn revision(file: &RevisionFile) -> Vec<(usize, String)> {
    let empty_down = file.downgrade.as_ref().is_none_or(|d| sql_split::split(&d.sql).is_empty());
    let has_upgrade = !sql_split::split(&file.upgrade.sql).is_empty();
    let ignored = file.text.lines().any(|l| l.trim().starts_with("-- lint:ignore") && l.contains("missing-downgrade"));
    if !empty_down || !has_upgrade || ignored {
        return Vec::new();
    }
    vec![(file.downgrade.as_ref().map(|d| d.first_line).unwrap_or(1), "no downgrade statements".into())]
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::lint;

    #[test]
    fn fires_without_downgrade_statements() {
        assert!(lint("CREATE TABLE a (id INT);", "", true, "sqlite").iter().any(|d| d.rule == "missing-downgrade"));
        assert!(!lint("CREATE TABLE a (id INT);", "DROP TABLE a;", true, "sqlite").iter().any(|d| d.rule == "missing-downgrade"));
    }
}
