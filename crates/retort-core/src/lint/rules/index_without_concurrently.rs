//! `index-without-concurrently`: where a plain CREATE INDEX blocks writes (PostgreSQL), an
//! index on an existing table should be built concurrently.
use crate::engine::Capabilities;
use crate::lint::context::{last_ident, Context};
use crate::lint::{no_revision_check, Rule, Severity};
use sqlparser::ast::Statement;

pub static RULE: Rule = Rule {
    id: "index-without-concurrently",
    severity: Severity::Warning,
    summary: "PostgreSQL: blocks writes while building",
    explanation: "CREATE INDEX on an existing table blocks writes to it until the index is built",
    fix: "use CREATE INDEX CONCURRENTLY in a step of its own (`-- +step transactional: false`); `retort migrate --online` writes it so",
    applies: has_concurrent_index,
    statement,
    revision: no_revision_check,
};

pub fn has_concurrent_index(c: &Capabilities) -> bool {
    c.concurrent_index
}

fn statement(ctx: &Context, s: &Statement) -> Vec<String> {
    let Statement::CreateIndex(ci) = s else { return Vec::new() };
    let table = last_ident(&ci.table_name);
    if ci.concurrently || ctx.is_new(&table) {
        return Vec::new();
    }
    vec![format!("CREATE INDEX on existing table {table}")]
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{lint_errors, lint_ok};

    #[test]
    fn fires_on_existing_tables_where_concurrently_exists() {
        lint_errors("CREATE INDEX ix ON users (name);", "postgres", "index-without-concurrently");
        lint_ok(
            "CREATE TABLE users (id INT);\nCREATE INDEX ix ON users (id);",
            "postgres",
            "index-without-concurrently",
        );
        lint_ok("CREATE INDEX ix ON users (name);", "sqlite", "index-without-concurrently");
    }
}
