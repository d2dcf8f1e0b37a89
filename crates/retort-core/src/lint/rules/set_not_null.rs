//! `set-not-null`: a column becomes NOT NULL (fails on NULLs; scans under a lock on PostgreSQL).
use crate::lint::context::{alter_table, Context};
use crate::lint::{every_engine, no_revision_check, Rule, Severity};
use sqlparser::ast::{AlterColumnOperation, AlterTableOperation, Statement};

pub static RULE: Rule = Rule {
    id: "set-not-null",
    severity: Severity::Warning,
    summary: "fails on NULLs; scans under a lock on PostgreSQL",
    explanation: "makes a column NOT NULL: fails if a row holds NULL, and scans the table under a lock on PostgreSQL",
    fix: "backfill first; on PostgreSQL add a CHECK (col IS NOT NULL) NOT VALID, VALIDATE it, then SET NOT NULL",
    applies: every_engine,
    statement,
    revision: no_revision_check,
};

fn statement(_: &Context, s: &Statement) -> Vec<String> {
    let Some((table, operations)) = alter_table(s) else { return Vec::new() };
    operations
        .iter()
        .filter_map(|op| match op {
            AlterTableOperation::AlterColumn {
                column_name,
                op: AlterColumnOperation::SetNotNull,
            } => Some(format!("{table}.{column_name} SET NOT NULL")),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{lint_errors, lint_ok};

    #[test]
    fn fires_on_set_not_null_only() {
        lint_errors(
            "ALTER TABLE users ALTER COLUMN name SET NOT NULL;",
            "postgres",
            "set-not-null",
        );
        lint_ok("ALTER TABLE users ALTER COLUMN name DROP NOT NULL;", "postgres", "set-not-null");
    }
}
