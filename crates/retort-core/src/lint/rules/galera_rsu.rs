//! `galera-rsu`: a revision that switches a Galera node to Rolling Schema Upgrade. Under
//! RSU a DDL statement runs on this node only and is not replicated: the other nodes keep
//! the old schema until someone repeats it on each of them, and the version table (which
//! does replicate) says they have it. retort runs revisions under the default Total Order
//! Isolation instead (issue #16).
use crate::lint::context::Context;
use crate::lint::{every_engine, no_revision_check, Rule, Severity};
use sqlparser::ast::Statement;

pub static RULE: Rule = Rule {
    id: "galera-rsu",
    severity: Severity::Error,
    explanation: "switches the Galera node to Rolling Schema Upgrade: the schema change stays on this node while the replicated version table says every node has it",
    fix: "let retort run the revision under Total Order Isolation (the default); for a long ALTER under RSU do the rolling upgrade by hand on each node, then `retort stamp`; or mark it with `-- lint:ignore galera-rsu` if that is the plan",
    applies: every_engine,
    statement,
    revision: no_revision_check,
};

fn statement(_ctx: &Context, s: &Statement) -> Vec<String> {
    let text = s.to_string().to_ascii_uppercase();
    if text.starts_with("SET") && text.contains("WSREP_OSU_METHOD") && text.contains("RSU") {
        vec!["SET wsrep_OSU_method = RSU".into()]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use crate::lint::testing::{lint_errors, lint_ok};

    #[test]
    fn fires_on_rsu_and_not_on_toi() {
        lint_errors("SET SESSION wsrep_OSU_method = 'RSU';", "mysql", "galera-rsu");
        lint_errors("SET wsrep_OSU_method = RSU;", "mysql", "galera-rsu");
        lint_ok("SET SESSION wsrep_OSU_method = 'TOI';", "mysql", "galera-rsu");
        lint_ok("-- lint:ignore galera-rsu (rolling upgrade done by hand)\nSET SESSION wsrep_OSU_method = 'RSU';", "mysql", "galera-rsu");
    }
}
