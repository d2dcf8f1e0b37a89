//! `type-change`: a column's type changes (data may not fit; PostgreSQL and MySQL rewrite).
use crate::lint::context::{alter_table, Context};
use crate::lint::{every_engine, no_revision_check, Rule, Severity};
use sqlparser::ast::{AlterColumnOperation, AlterTableOperation, Statement};

pub static RULE: Rule = Rule {
    id: "type-change",
    severity: Severity::Warning,
    summary: "changes a type: may lose data, rewrites the table",
    explanation: "changes a column's type: may lose data when narrowing, and rewrites and locks the table on PostgreSQL and MySQL",
    fix: "prefer a new column, backfill, switch; check values fit the new type",
    applies: every_engine,
    statement,
    revision: no_revision_check,
};

fn statement(_: &Context, s: &Statement) -> Vec<String> {
    let Some((table, operations)) = alter_table(s) else { return Vec::new() };
    operations
        .iter()
        .filter_map(|op| match op {
            AlterTableOperation::ChangeColumn { old_name, new_name, .. }
                if old_name == new_name =>
            {
                Some(format!("changes {table}.{old_name}"))
            }
            AlterTableOperation::ModifyColumn { col_name, .. } => {
                Some(format!("MODIFY COLUMN {table}.{col_name}"))
            }
            AlterTableOperation::AlterColumn {
                column_name,
                op: AlterColumnOperation::SetDataType { .. },
            } => Some(format!("changes the type of {table}.{column_name}")),
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{lint_errors, lint_ok};

    #[test]
    fn fires_on_type_changes_only() {
        lint_errors(
            "ALTER TABLE users ALTER COLUMN name TYPE varchar(10);",
            "postgres",
            "type-change",
        );
        lint_errors(
            "ALTER TABLE users MODIFY COLUMN name varchar(10) NOT NULL;",
            "mysql",
            "type-change",
        );
        lint_ok("ALTER TABLE users ALTER COLUMN name SET DEFAULT 'x';", "postgres", "type-change");
    }
}
