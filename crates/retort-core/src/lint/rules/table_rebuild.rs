//! `table-rebuild`: create a copy, copy every row, drop, rename — one finding about the
//! table, however many statements it takes.
use crate::lint::context::{alter_table, renamed_to, Context};
use crate::lint::{every_engine, no_revision_check, Rule, Severity};
use sqlparser::ast::{AlterTableOperation, Statement};

pub static RULE: Rule = Rule {
    id: "table-rebuild",
    severity: Severity::Warning,
    summary: "a table is rebuilt (copy, drop, rename: one finding, and a NOT NULL column the copy does not fill is `add-not-null-without-default`)",
    explanation: "rebuilds a table (create a copy, copy every row, drop, rename): holds the write lock for the whole copy and rewrites every row",
    fix: "fine for small tables; for large ones schedule it, or change the schema in steps the engine can do in place",
    applies: every_engine,
    statement,
    revision: no_revision_check,
};

fn statement(ctx: &Context, s: &Statement) -> Vec<String> {
    let Some((from, operations)) = alter_table(s) else { return Vec::new() };
    operations
        .iter()
        .filter_map(|op| match op {
            AlterTableOperation::RenameTable { table_name } => {
                let to = renamed_to(table_name);
                ctx.rebuild_completed(&from, &to)
                    .map(|_| format!("rebuilds table {to}: copies every row"))
            }
            _ => None,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{lint, lint_errors, lint_ok};

    fn rebuild(extra: &str) -> String {
        format!(
            "CREATE TABLE \"_retort_new_users\" (id INTEGER PRIMARY KEY, name TEXT{extra});\nINSERT INTO \"_retort_new_users\" (\"id\", \"name\") SELECT \"id\", \"name\" FROM \"users\";\nDROP TABLE \"users\";\nALTER TABLE \"_retort_new_users\" RENAME TO \"users\";\nPRAGMA foreign_key_check(\"users\");"
        )
    }

    /// A rebuild is one finding about the table, and a NOT NULL column
    /// the copy does not fill is the same error as `ADD COLUMN ... NOT NULL` without a default.
    #[test]
    fn a_rebuild_is_judged_as_one_change() {
        let d = lint(&rebuild(""), "SELECT 1;", true, "sqlite");
        let rules: Vec<&str> =
            d.iter().map(|x| x.rule.as_str()).filter(|r| *r != "unparsed").collect();
        assert_eq!(rules, vec!["table-rebuild"], "{d:?}");
        let hits = lint_errors(
            &rebuild(", full_name TEXT NOT NULL"),
            "sqlite",
            "add-not-null-without-default",
        );
        assert!(hits[0].message.contains("users.full_name"), "{hits:?}");
        lint_ok(
            &rebuild(", full_name TEXT NOT NULL DEFAULT ''"),
            "sqlite",
            "add-not-null-without-default",
        );
        // A plain DROP and RENAME are still what they are.
        lint_errors("DROP TABLE users;", "sqlite", "drop-table");
        lint_errors("ALTER TABLE a RENAME TO b;", "sqlite", "rename");
        lint_ok("ALTER TABLE a RENAME TO b;", "sqlite", "table-rebuild");
    }
}
