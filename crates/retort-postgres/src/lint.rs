//! PostgreSQL lint from squawk: the `squawk-linter` crate's rules over a
//! revision's upgrade section, mapped onto retort's severities, `-- lint:ignore` comments
//! and output, instead of re-implementing them. The retort rules squawk covers are
//! switched off for PostgreSQL ([`REPLACED`]); their names still work in `lint:ignore`.
//!
//! Pinned to squawk 2.68 (`=` in Cargo.toml): later releases need a newer Rust than the
//! project's toolchain.
use retort_core::lint::{EngineFinding, Severity};
use retort_core::revision::file::RevisionFile;
use squawk_linter::{Linter, Rule};

/// retort's rules that squawk's replace on PostgreSQL, with the squawk rule each maps to.
const EQUIVALENT: &[(Rule, &str)] = &[
    (Rule::RequireConcurrentIndexCreation, "index-without-concurrently"),
    (Rule::AddingNotNullableField, "set-not-null"),
    (Rule::AddingFieldWithDefault, "volatile-default"),
    (Rule::AddingRequiredField, "add-not-null-without-default"),
    (Rule::BanDropColumn, "drop-column"),
    (Rule::BanDropTable, "drop-table"),
    (Rule::RenamingColumn, "rename"),
    (Rule::RenamingTable, "rename"),
    (Rule::ChangingColumnType, "type-change"),
];

/// The retort rule ids [`EQUIVALENT`] names, for `Dialect::lint_replaces`.
pub const REPLACED: &[&str] = &[
    "index-without-concurrently",
    "set-not-null",
    "volatile-default",
    "add-not-null-without-default",
    "drop-column",
    "drop-table",
    "rename",
    "type-change",
];

/// Squawk rules left out: `prefer-robust-stmts` asks for `IF NOT EXISTS`, which would
/// hide drift in a tool that knows what has run (the version table);
/// `ban-concurrent-index-creation-in-transaction` stays silent on a one-statement file,
/// which retort does wrap in a transaction — retort's `non-transactional-statement` keeps
/// that case (and every engine's); `require-lock-timeout` / `require-statement-timeout`
/// ask each file to `SET` its timeouts, which belong to the migration session instead
/// (retort's job), so they would fire on every revision.
const EXCLUDED: &[Rule] = &[
    Rule::PreferRobustStmts,
    Rule::BanConcurrentIndexCreationInTransaction,
    Rule::RequireLockTimeout,
    Rule::RequireStatementTimeout,
];

/// retort's severity for a squawk rule: what fails on existing data or cannot run is an
/// error; style preferences are info; the rest (locks, rewrites, breaking the running
/// application) are warnings, as retort's own rules grade them.
fn severity(rule: Rule) -> Severity {
    match rule {
        Rule::AddingRequiredField
        | Rule::BanDropDatabase
        | Rule::TransactionNesting
        | Rule::BanUncommittedTransaction
        | Rule::IdentifierTooLong => Severity::Error,
        Rule::PreferBigintOverInt
        | Rule::PreferBigintOverSmallint
        | Rule::PreferIdentity
        | Rule::PreferTextField
        | Rule::PreferTimestampTz
        | Rule::BanCharField
        | Rule::UnusedIgnore => Severity::Info,
        _ => Severity::Warning,
    }
}

/// Squawk's findings over `file`'s upgrade section, one step at a time: a transactional
/// step runs inside the transaction retort opens (squawk's `assume_in_transaction`), and
/// a `-- +step` ends it, so `ADD ... NOT VALID` and a later step's `VALIDATE` are
/// separate transactions, as they run.
pub fn squawk(file: &RevisionFile) -> Vec<EngineFinding> {
    let mut out = Vec::new();
    for step in file.upgrade.step_texts(file.transactional) {
        let parsed = squawk_syntax::SourceFile::parse(step.text);
        let mut linter = Linter::with_rules(&[], EXCLUDED);
        linter.settings.assume_in_transaction = step.transactional;
        out.extend(linter.lint(&parsed, step.text).into_iter().map(|v| {
            let name = v.code.to_string();
            EngineFinding {
                replaces: EQUIVALENT.iter().find(|(r, _)| *r == v.code).map(|(_, id)| *id),
                severity: severity(v.code),
                offset: step.offset + usize::from(v.text_range.start()),
                explanation: format!("squawk's {name} rule, https://squawkhq.com/docs/{name}"),
                fix: v
                    .help
                    .clone()
                    .unwrap_or_else(|| format!("see https://squawkhq.com/docs/{name}")),
                message: v.message,
                rule: name,
            }
        }));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    fn file(up: &str, transactional: bool) -> RevisionFile {
        let text = format!(
            "-- revision: abc\n-- message: m\n{}\n-- +upgrade\n{up}\n-- +downgrade\n",
            if transactional { "" } else { "-- transactional: false\n" }
        );
        RevisionFile::parse(Path::new("x.sql"), &text).unwrap()
    }

    fn rules(up: &str, transactional: bool) -> Vec<(String, Severity)> {
        squawk(&file(up, transactional)).into_iter().map(|f| (f.rule, f.severity)).collect()
    }

    #[test]
    fn squawks_rules_are_graded_as_retort_grades_its_own() {
        assert!(rules("CREATE INDEX ix ON t (a);", true)
            .contains(&("require-concurrent-index-creation".into(), Severity::Warning)));
        assert!(rules("ALTER TABLE t ADD COLUMN c integer NOT NULL;", true)
            .contains(&("adding-required-field".into(), Severity::Error)));
        assert!(!rules("CREATE INDEX CONCURRENTLY ix ON t (a);\nSELECT 1;", true)
            .iter()
            .any(|(r, _)| r == "ban-concurrent-index-creation-in-transaction"));
        assert!(rules("ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id);", true)
            .iter()
            .any(|(r, _)| r == "adding-foreign-key-constraint"));
        let quiet = rules(
            "CREATE TABLE IF NOT EXISTS t (id bigint);\nALTER TABLE t ADD COLUMN c text;",
            true,
        );
        assert!(
            !quiet.iter().any(|(r, _)| r == "prefer-robust-stmts"
                || r.starts_with("require-") && r.ends_with("-timeout")),
            "{quiet:?}"
        );
    }

    /// The online forms retort generates pass squawk when their steps are
    /// separate transactions; the same statements in one transaction do not.
    #[test]
    fn steps_are_linted_as_the_transactions_they_run_in() {
        let online = "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) NOT VALID;\n-- +step\nALTER TABLE t VALIDATE CONSTRAINT fk;\n-- +step transactional: false\nCREATE INDEX CONCURRENTLY ix ON t (a);";
        let found = rules(online, true);
        assert!(found.is_empty(), "{found:?}");
        let together = rules(
            &online.replace("-- +step transactional: false\n", "").replace("-- +step\n", ""),
            true,
        );
        assert!(!together.is_empty());
        // Offsets still point into the whole section.
        let f = squawk(&file("SELECT 1;\n-- +step\nALTER TABLE t DROP COLUMN c;", true));
        let at = f.iter().find(|f| f.rule == "ban-drop-column").unwrap().offset;
        assert_eq!(
            &file("SELECT 1;\n-- +step\nALTER TABLE t DROP COLUMN c;", true).upgrade.sql
                [at..at + 5],
            "DROP "
        );
    }

    /// Per rule family, the dangerous statement is reported under squawk's
    /// name, and the online form `migrate --online` writes for it is not.
    #[test]
    fn each_rule_family_fires_on_the_dangerous_form_and_not_on_the_online_form() {
        let families: &[(&str, &str, &str)] = &[
            ("require-concurrent-index-creation", "CREATE INDEX ix ON t (a);", "-- +step transactional: false\nCREATE INDEX CONCURRENTLY ix ON t (a);"),
            (
                "adding-foreign-key-constraint",
                "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id);",
                "ALTER TABLE t ADD CONSTRAINT fk FOREIGN KEY (a) REFERENCES u (id) NOT VALID;\n-- +step\nALTER TABLE t VALIDATE CONSTRAINT fk;",
            ),
            ("constraint-missing-not-valid", "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0);", "ALTER TABLE t ADD CONSTRAINT c CHECK (a > 0) NOT VALID;\n-- +step\nALTER TABLE t VALIDATE CONSTRAINT c;"),
            (
                "disallowed-unique-constraint",
                "ALTER TABLE t ADD CONSTRAINT k UNIQUE (a);",
                "-- +step transactional: false\nCREATE UNIQUE INDEX CONCURRENTLY k ON t (a);\n-- +step\nALTER TABLE t ADD CONSTRAINT k UNIQUE USING INDEX k;",
            ),
            (
                "adding-not-nullable-field",
                "ALTER TABLE t ALTER COLUMN a SET NOT NULL;",
                "ALTER TABLE t ADD CONSTRAINT nn CHECK (a IS NOT NULL) NOT VALID;\n-- +step\nALTER TABLE t VALIDATE CONSTRAINT nn;\n-- +step\n-- lint:ignore adding-not-nullable-field (the check validated above proves it without a scan)\nALTER TABLE t ALTER COLUMN a SET NOT NULL;",
            ),
            ("adding-required-field", "ALTER TABLE t ADD COLUMN c integer NOT NULL;", "ALTER TABLE t ADD COLUMN c integer NOT NULL DEFAULT 0;"),
            ("adding-field-with-default", "ALTER TABLE t ADD COLUMN c double precision DEFAULT random();", "ALTER TABLE t ADD COLUMN c double precision DEFAULT 0;"),
            ("changing-column-type", "ALTER TABLE t ALTER COLUMN a TYPE bigint;", "ALTER TABLE t ADD COLUMN a_big bigint;"),
            ("renaming-column", "ALTER TABLE t RENAME COLUMN a TO b;", "ALTER TABLE t ADD COLUMN b integer;"),
            ("ban-drop-column", "ALTER TABLE t DROP COLUMN a;", "SELECT 1;"),
        ];
        for (rule, dangerous, safe) in families {
            let lint = |sql: &str| {
                let f = file(sql, true);
                let found: Vec<String> =
                    retort_core::lint::lint_revision(&f, &crate::dialect::PgDialect)
                        .into_iter()
                        .map(|d| d.rule)
                        .collect();
                found
            };
            assert!(
                lint(dangerous).iter().any(|r| r == rule),
                "{rule} on {dangerous}: {:?}",
                lint(dangerous)
            );
            assert!(
                !lint(safe).iter().any(|r| r == rule),
                "{rule} on the safe form {safe}: {:?}",
                lint(safe)
            );
        }
    }

    #[test]
    fn a_finding_is_placed_at_its_statement_and_knows_the_rule_it_replaces() {
        let f = squawk(&file("CREATE TABLE t (id bigint);\nALTER TABLE t DROP COLUMN id;", true));
        let drop = f.iter().find(|f| f.rule == "ban-drop-column").unwrap();
        assert_eq!(drop.replaces, Some("drop-column"));
        assert!(drop.offset >= "CREATE TABLE t (id bigint);\n".len(), "{drop:?}");
    }
}
