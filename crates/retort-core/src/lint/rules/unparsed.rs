//! `unparsed`: a statement sqlparser cannot parse, so no rule checked it (reported by the
//! driver in `lint/mod.rs`, which is where parsing happens).
use crate::lint::{every_engine, no_revision_check, no_statement_check, Rule, Severity};

pub static RULE: Rule = Rule {
    id: "unparsed",
    severity: Severity::Info,
    summary: "sqlparser could not parse the statement",
    explanation: "the statement could not be parsed, so no rule checked it",
    fix: "review it by hand",
    applies: every_engine,
    statement: no_statement_check,
    revision: no_revision_check,
};

#[cfg(test)]
mod tests {
    use crate::lint::testing::lint_errors;

    #[test]
    fn fires_on_text_that_is_not_sql() {
        lint_errors("THIS IS NOT SQL AT ALL;", "postgres", "unparsed");
    }
}
