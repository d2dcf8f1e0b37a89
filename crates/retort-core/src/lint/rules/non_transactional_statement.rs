//! `non-transactional-statement`: CREATE INDEX CONCURRENTLY cannot run in a transaction,
//! so its revision must say `transactional: false`.
use crate::lint::context::Context;
use crate::lint::rules::index_without_concurrently::has_concurrent_index;
use crate::lint::{no_revision_check, Rule, Severity};
use sqlparser::ast::Statement;

pub static RULE: Rule = Rule {
    id: "non-transactional-statement",
    severity: Severity::Error,
    summary: "e.g. `CONCURRENTLY` in a transactional revision",
    explanation: "this statement cannot run inside a transaction, but the revision is transactional",
    fix: "put it in a step of its own: a `-- +step transactional: false` line above it (and `-- +step` after it if transactional statements follow)",
    applies: has_concurrent_index,
    statement,
    revision: no_revision_check,
};

fn statement(ctx: &Context, s: &Statement) -> Vec<String> {
    match s {
        Statement::CreateIndex(ci) if ci.concurrently && ctx.in_transaction => {
            vec!["CREATE INDEX CONCURRENTLY in a transactional revision".into()]
        }
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{lint, lint_errors, lint_ok};

    #[test]
    fn fires_in_transactional_revisions_only() {
        lint_errors(
            "CREATE INDEX CONCURRENTLY ix ON users (name);",
            "postgres",
            "non-transactional-statement",
        );
        assert!(!lint(
            "CREATE INDEX CONCURRENTLY ix ON users (name);",
            "SELECT 1;",
            false,
            "postgres"
        )
        .iter()
        .any(|d| d.rule == "non-transactional-statement"));
        // A step of its own is enough, whatever the rest of the revision is.
        lint_ok("ALTER TABLE users ADD COLUMN name text;\n-- +step transactional: false\nCREATE INDEX CONCURRENTLY ix ON users (name);", "postgres", "non-transactional-statement");
        lint_errors("SELECT 1;\n-- +step transactional: false\nSELECT 2;\n-- +step\nCREATE INDEX CONCURRENTLY ix ON users (name);", "postgres", "non-transactional-statement");
    }
}
