//! The lint rules of MySQL/MariaDB alone, listed by [`MysqlDialect`]'s `extra_rules`.
//!
//! `galera-rsu`: a revision that switches a Galera node to Rolling Schema Upgrade. Under
//! RSU a DDL statement runs on this node only and is not replicated: the other nodes keep
//! the old schema until someone repeats it on each of them, and the version table (which
//! does replicate) says they have it. retort runs revisions under the default Total Order
//! Isolation instead (Galera's documentation: "Schema Upgrades", TOI vs RSU).
//!
//! [`MysqlDialect`]: crate::MysqlDialect
use retort_core::lint::{every_engine, no_revision_check, Context, Rule, Severity};
use sqlparser::ast::Statement;

pub static RULES: &[&Rule] = &[&GALERA_RSU];

pub static GALERA_RSU: Rule = Rule {
    id: "galera-rsu",
    severity: Severity::Error,
    summary: "`SET wsrep_OSU_method = RSU`: the schema change would stay on one Galera node while the replicated version table says all have it",
    explanation: "switches the Galera node to Rolling Schema Upgrade: the schema change stays on this node while the replicated version table says every node has it",
    fix: "let retort run the revision under Total Order Isolation (the default); for a long ALTER under RSU do the rolling upgrade by hand on each node, then `retort stamp`; or mark it with `-- lint:ignore galera-rsu` if that is the plan",
    applies: every_engine,
    statement: galera_rsu,
    revision: no_revision_check,
};

fn galera_rsu(_ctx: &Context, s: &Statement) -> Vec<String> {
    let text = s.to_string().to_ascii_uppercase();
    if text.starts_with("SET") && text.contains("WSREP_OSU_METHOD") && text.contains("RSU") {
        vec!["SET wsrep_OSU_method = RSU".into()]
    } else {
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use crate::MysqlDialect;
    use retort_core::lint::lint_revision;
    use retort_core::revision::file::RevisionFile;

    /// The rule's findings on `up`, run through the core's lint driver with the real dialect.
    fn findings(up: &str) -> usize {
        let text = format!(
            "-- revision: abc\n-- message: m\n-- +upgrade\n{up}\n-- +downgrade\nSELECT 1;\n"
        );
        let file = RevisionFile::parse(std::path::Path::new("x.sql"), &text).unwrap();
        lint_revision(&file, &MysqlDialect).iter().filter(|d| d.rule == "galera-rsu").count()
    }

    #[test]
    fn fires_on_rsu_and_not_on_toi() {
        assert_eq!(findings("SET SESSION wsrep_OSU_method = 'RSU';"), 1);
        assert_eq!(findings("SET wsrep_OSU_method = RSU;"), 1);
        assert_eq!(findings("SET SESSION wsrep_OSU_method = 'TOI';"), 0);
        assert_eq!(
            findings("-- lint:ignore galera-rsu (rolling upgrade done by hand)\nSET SESSION wsrep_OSU_method = 'RSU';"),
            0
        );
    }
}
