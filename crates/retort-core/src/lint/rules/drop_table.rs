//! `drop-table`: a table and its rows go (not when the rows were just copied out by a rebuild).
use crate::lint::context::{last_ident, Context};
use crate::lint::{every_engine, no_revision_check, Rule, Severity};
use sqlparser::ast::{ObjectType, Statement};

pub static RULE: Rule = Rule {
    id: "drop-table",
    severity: Severity::Warning,
    summary: "drops a table and its rows",
    explanation: "drops a table and all its rows",
    fix: "make sure the data is no longer needed or was copied; back up first",
    applies: every_engine,
    statement,
    revision: no_revision_check,
};

fn statement(ctx: &Context, s: &Statement) -> Vec<String> {
    let Statement::Drop { object_type: ObjectType::Table, names, .. } = s else {
        return Vec::new();
    };
    names
        .iter()
        .filter(|n| !ctx.rows_copied_out_of(&last_ident(n)))
        .map(|n| format!("DROP TABLE {n}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{lint_errors, lint_ok};

    #[test]
    fn fires_on_a_drop_and_not_on_a_view() {
        lint_errors("DROP TABLE users;", "sqlite", "drop-table");
        lint_ok("DROP VIEW v;", "sqlite", "drop-table");
    }
}
