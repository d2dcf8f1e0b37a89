//! `rename`: a table or column the running application still uses changes its name (not
//! the rename that completes a table rebuild, which keeps the name).
use crate::lint::context::{alter_table, renamed_to, Context};
use crate::lint::{every_engine, no_revision_check, Rule, Severity};
use sqlparser::ast::{AlterTableOperation, Statement};

pub static RULE: Rule = Rule {
    id: "rename",
    severity: Severity::Warning,
    summary: "renames a table/column the running app uses",
    explanation: "renames a table or column that the running application version still uses",
    fix: "add the new name, copy, switch the code, drop the old name in a later release (expand/contract)",
    applies: every_engine,
    statement,
    revision: no_revision_check,
};

fn statement(ctx: &Context, s: &Statement) -> Vec<String> {
    let Some((table, operations)) = alter_table(s) else { return Vec::new() };
    operations
        .iter()
        .filter_map(|op| match op {
            AlterTableOperation::RenameColumn { old_column_name, new_column_name } => {
                Some(format!("renames {table}.{old_column_name} to {new_column_name}"))
            }
            AlterTableOperation::RenameTable { table_name }
                if ctx.rebuild_completed(&table, &renamed_to(table_name)).is_none() =>
            {
                Some(format!("renames table {table}"))
            }
            AlterTableOperation::ChangeColumn { old_name, new_name, .. }
                if old_name != new_name =>
            {
                Some(format!("renames {table}.{old_name} to {new_name}"))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{lint_errors, lint_ok};

    #[test]
    fn fires_on_renames() {
        lint_errors("ALTER TABLE users RENAME COLUMN a TO b;", "sqlite", "rename");
        lint_errors("ALTER TABLE users RENAME TO people;", "sqlite", "rename");
        lint_ok("ALTER TABLE users ADD COLUMN b TEXT;", "sqlite", "rename");
    }
}
