//! `add-not-null-without-default`: a NOT NULL column nothing fills is added to a table that
//! may have rows — by `ADD COLUMN`, or by a rebuild whose copy leaves the column empty.
use crate::lint::context::{alter_table, renamed_to, Context};
use crate::lint::{every_engine, no_revision_check, Rule, Severity};
use sqlparser::ast::{AlterTableOperation, ColumnDef, ColumnOption, Statement};

pub static RULE: Rule = Rule {
    id: "add-not-null-without-default",
    severity: Severity::Error,
    summary: "fails on any existing table with rows",
    explanation: "adds a NOT NULL column without a default to an existing table: fails on any table with rows",
    fix: "add a DEFAULT, or add the column nullable, backfill, then SET NOT NULL",
    applies: every_engine,
    statement,
    revision: no_revision_check,
};

fn has(col: &ColumnDef, f: impl Fn(&ColumnOption) -> bool) -> bool {
    col.options.iter().any(|o| f(&o.option))
}

fn statement(ctx: &Context, s: &Statement) -> Vec<String> {
    let Some((table, operations)) = alter_table(s) else { return Vec::new() };
    let mut out = Vec::new();
    for op in operations {
        match op {
            AlterTableOperation::AddColumn { column_def, .. } if !ctx.is_new(&table) => {
                let not_null = has(column_def, |o| matches!(o, ColumnOption::NotNull));
                let filled = has(column_def, |o| {
                    matches!(o, ColumnOption::Default(_) | ColumnOption::Generated { .. })
                });
                if not_null && !filled {
                    out.push(format!(
                        "adds {table}.{} NOT NULL without a default",
                        column_def.name
                    ));
                }
            }
            AlterTableOperation::RenameTable { table_name } => {
                let to = renamed_to(table_name);
                let Some((columns, copied)) = ctx.rebuild_completed(&table, &to) else { continue };
                for col in columns {
                    let primary =
                        has(col, |o| matches!(o, ColumnOption::Unique { is_primary: true, .. }));
                    let not_null = primary || has(col, |o| matches!(o, ColumnOption::NotNull));
                    let filled = has(col, |o| {
                        matches!(o, ColumnOption::Default(_) | ColumnOption::Generated { .. })
                    });
                    // SQLite fills an INTEGER PRIMARY KEY (the rowid) by itself.
                    let rowid =
                        primary && col.data_type.to_string().eq_ignore_ascii_case("integer");
                    if not_null
                        && !filled
                        && !rowid
                        && !copied.contains(&col.name.value.to_ascii_lowercase())
                    {
                        out.push(format!("the rebuild of {to} adds {to}.{} NOT NULL without a default: fails if {to} has rows", col.name.value));
                    }
                }
            }
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{lint_errors, lint_ok};

    #[test]
    fn fires_on_existing_tables_only() {
        lint_errors(
            "ALTER TABLE users ADD COLUMN code TEXT NOT NULL;",
            "postgres",
            "add-not-null-without-default",
        );
        lint_ok(
            "ALTER TABLE users ADD COLUMN code TEXT NOT NULL DEFAULT '';",
            "postgres",
            "add-not-null-without-default",
        );
        lint_ok(
            "CREATE TABLE t (id INT);\nALTER TABLE t ADD COLUMN code TEXT NOT NULL;",
            "postgres",
            "add-not-null-without-default",
        );
    }
}
