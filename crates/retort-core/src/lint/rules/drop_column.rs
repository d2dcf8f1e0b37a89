//! `drop-column`: a column and its values go, under the running application's feet.
use crate::lint::context::{alter_table, Context};
use crate::lint::{every_engine, no_revision_check, Rule, Severity};
use sqlparser::ast::{AlterTableOperation, Statement};

pub static RULE: Rule = Rule {
    id: "drop-column",
    severity: Severity::Warning,
    summary: "drops a column; breaks the running app version",
    explanation: "drops a column and its values, and breaks the running application version that still reads it",
    fix: "stop reading the column in a release before the one that drops it",
    applies: every_engine,
    statement,
    revision: no_revision_check,
};

fn statement(_: &Context, s: &Statement) -> Vec<String> {
    let Some((table, operations)) = alter_table(s) else { return Vec::new() };
    operations
        .iter()
        .filter_map(|op| match op {
            AlterTableOperation::DropColumn { column_names, .. } => Some(format!(
                "drops {table}.{}",
                column_names.iter().map(|c| c.value.clone()).collect::<Vec<_>>().join(", ")
            )),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{lint_errors, lint_ok};

    #[test]
    fn fires_on_drop_column_only() {
        lint_errors("ALTER TABLE users DROP COLUMN email;", "postgres", "drop-column");
        lint_ok("ALTER TABLE users ADD COLUMN email TEXT;", "postgres", "drop-column");
    }
}
