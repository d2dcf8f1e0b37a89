//! `volatile-default`: where adding a column with a volatile default rewrites every row
//! (PostgreSQL), say so.
use crate::engine::Capabilities;
use crate::lint::context::{alter_table, Context};
use crate::lint::{no_revision_check, Rule, Severity};
use sqlparser::ast::{AlterTableOperation, ColumnOption, Expr, Statement};

pub static RULE: Rule = Rule {
    id: "volatile-default",
    severity: Severity::Warning,
    summary: "PostgreSQL: rewrites every row under a lock",
    explanation: "adds a column with a volatile default (now(), random(), …): every row is rewritten under an exclusive lock",
    fix: "add the column without default, backfill in batches, then set the default",
    applies: volatile_default_rewrites,
    statement,
    revision: no_revision_check,
};

fn volatile_default_rewrites(c: &Capabilities) -> bool {
    c.volatile_default_rewrites
}

fn volatile(e: &Expr) -> bool {
    let s = e.to_string().to_ascii_lowercase();
    [
        "now()",
        "random()",
        "clock_timestamp()",
        "gen_random_uuid()",
        "uuid_generate_v4()",
        "current_timestamp",
        "timeofday()",
    ]
    .iter()
    .any(|v| s.contains(v))
}

fn statement(ctx: &Context, s: &Statement) -> Vec<String> {
    let Some((table, operations)) = alter_table(s) else { return Vec::new() };
    if ctx.is_new(&table) {
        return Vec::new();
    }
    let mut out = Vec::new();
    for op in operations {
        let AlterTableOperation::AddColumn { column_def, .. } = op else { continue };
        for o in &column_def.options {
            if let ColumnOption::Default(d) = &o.option {
                if volatile(d) {
                    out.push(format!("{table}.{} DEFAULT {d}", column_def.name));
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{lint_errors, lint_ok};

    #[test]
    fn fires_on_volatile_defaults_only() {
        lint_errors(
            "ALTER TABLE users ADD COLUMN seen TIMESTAMP DEFAULT now();",
            "postgres",
            "volatile-default",
        );
        lint_ok("ALTER TABLE users ADD COLUMN seen INT DEFAULT 0;", "postgres", "volatile-default");
    }
}
