//! Lint: rules over any revision, generated or hand-written, its SQL parsed with
//! sqlparser in the engine's dialect. Each rule lives in `rules/<rule>.rs` with a stable
//! id, a severity, a one-line explanation, a fix, the capabilities it needs and its tests;
//! `-- lint:ignore RULE` directly above a statement silences it there. Statements sqlparser
//! cannot parse are skipped (reported as `unparsed`, info).
//!
//! Adding a rule: a new file in `rules/` and one line in `rules::RULES`; a rule of one
//! engine alone lives in that engine's crate and is listed by its `Dialect::extra_rules`.
pub mod context;
pub mod rule;
pub mod rules;

use crate::engine::Dialect;
use crate::revision::file::RevisionFile;
use crate::sql_split::{self, Statement as Split};
pub use context::Context;
pub use rule::{
    every_engine, no_revision_check, no_statement_check, EngineFinding, Rule, Severity,
};
pub use rules::RULES;
use serde::Serialize;
use sqlparser::parser::Parser;

pub fn rule(id: &str) -> &'static Rule {
    RULES.iter().copied().find(|r| r.id == id).expect("known rule id")
}

#[derive(Clone, Debug, Serialize)]
pub struct Diagnostic {
    pub rule: String,
    pub severity: Severity,
    pub revision: String,
    pub path: String,
    pub line: usize,
    pub message: String,
    pub explanation: String,
    pub fix: String,
}

fn ignored(stmt: &Split, id: &str) -> bool {
    stmt.comments.iter().any(|c| {
        c.trim_start_matches('-')
            .trim()
            .strip_prefix("lint:ignore")
            .is_some_and(|rest| rest.split([',', ' ']).any(|r| r.trim() == id))
    })
}

/// Lints one revision file for the engine whose dialect is given.
pub fn lint_revision(file: &RevisionFile, engine: &dyn Dialect) -> Vec<Diagnostic> {
    let parser = engine.parser_dialect();
    let caps = engine.capabilities();
    let replaced = engine.lint_replaces();
    let rules: Vec<&Rule> = RULES
        .iter()
        .chain(engine.extra_rules())
        .copied()
        .filter(|r| (r.applies)(&caps) && !replaced.contains(&r.id))
        .collect();
    let diagnostic = |r: &Rule, line: usize, message: String| Diagnostic {
        rule: r.id.to_string(),
        severity: r.severity,
        revision: file.id.to_string(),
        path: file.path.display().to_string(),
        line,
        message,
        explanation: r.explanation.to_string(),
        fix: r.fix.to_string(),
    };
    let mut out = Vec::new();
    let mut ctx = Context::new(file);
    let statements = sql_split::split(&file.upgrade.sql);
    for f in engine.engine_lint(file) {
        // The statement the finding is in: its ignores apply, its line is the report's.
        let line_in_section =
            file.upgrade.sql[..f.offset.min(file.upgrade.sql.len())].matches('\n').count() + 1;
        let st = statements.iter().rev().find(|s| s.line <= line_in_section);
        if st.is_some_and(|st| ignored(st, &f.rule) || f.replaces.is_some_and(|r| ignored(st, r))) {
            continue;
        }
        out.push(Diagnostic {
            rule: f.rule,
            severity: f.severity,
            revision: file.id.to_string(),
            path: file.path.display().to_string(),
            line: file.upgrade.first_line + line_in_section - 1,
            message: f.message,
            explanation: f.explanation,
            fix: f.fix,
        });
    }
    for st in &statements {
        let line = file.upgrade.first_line + st.line - 1;
        ctx.in_transaction = file
            .upgrade
            .breaks
            .iter()
            .rev()
            .find(|b| b.line < st.line)
            .map_or(file.transactional, |b| b.transactional);
        let Ok(parsed) = Parser::parse_sql(parser.as_ref(), &st.sql) else {
            if !ignored(st, "unparsed") {
                out.push(diagnostic(
                    rule("unparsed"),
                    line,
                    format!("could not parse: {}", st.sql.lines().next().unwrap_or_default()),
                ));
            }
            continue;
        };
        for s in &parsed {
            ctx.observe(s);
            for r in &rules {
                if ignored(st, r.id) {
                    continue;
                }
                out.extend((r.statement)(&ctx, s).into_iter().map(|m| diagnostic(r, line, m)));
            }
        }
    }
    for r in &rules {
        out.extend((r.revision)(file).into_iter().map(|(line, m)| diagnostic(r, line, m)));
    }
    out
}

/// Lints the revisions a range selects (`None`: all), in graph order (`retort lint`).
pub fn lint_range(
    graph: &crate::revision::graph::RevisionGraph,
    range: Option<&str>,
    engine: &dyn Dialect,
) -> Result<Vec<Diagnostic>, crate::error::Error> {
    let selected = crate::revision::range::select(graph, range)?;
    Ok(graph
        .topo_order()
        .iter()
        .copied()
        .filter(|&i| selected[i])
        .flat_map(|i| lint_revision(graph.rev(i), engine))
        .collect())
}

/// Helpers for the rules' tests: a stand-in dialect per engine (the core cannot depend on
/// the engine crates), and assertions that fail when a rule finds nothing or fires where
/// it must not.
#[cfg(test)]
pub mod testing {
    use super::*;
    use crate::engine::Capabilities;
    use std::path::Path;

    pub struct Like(pub &'static str);

    impl Dialect for Like {
        fn name(&self) -> &'static str {
            self.0
        }
        fn capabilities(&self) -> Capabilities {
            match self.0 {
                "postgres" => Capabilities {
                    transactional_ddl: true,
                    concurrent_index: true,
                    volatile_default_rewrites: true,
                    scratch_needs_server: true,
                },
                "mysql" => Capabilities { scratch_needs_server: true, ..Default::default() },
                _ => Capabilities { transactional_ddl: true, ..Default::default() },
            }
        }
        fn parser_dialect(&self) -> Box<dyn sqlparser::dialect::Dialect> {
            match self.0 {
                "postgres" => Box::new(sqlparser::dialect::PostgreSqlDialect {}),
                "mysql" => Box::new(sqlparser::dialect::MySqlDialect {}),
                _ => Box::new(sqlparser::dialect::SQLiteDialect {}),
            }
        }
        fn now_expr(&self) -> &'static str {
            "now()"
        }
        fn log_id_column(&self) -> &'static str {
            "id INTEGER"
        }
    }

    pub fn lint(
        up: &str,
        down: &str,
        transactional: bool,
        engine: &'static str,
    ) -> Vec<Diagnostic> {
        let text = format!(
            "-- revision: abc\n-- message: m\n{}\n-- +upgrade\n{up}\n-- +downgrade\n{down}\n",
            if transactional { "" } else { "-- transactional: false\n" }
        );
        lint_revision(&RevisionFile::parse(Path::new("x.sql"), &text).unwrap(), &Like(engine))
    }

    /// The findings of rule `id` on `up`; fails when there are none.
    pub fn lint_errors(up: &str, engine: &'static str, id: &str) -> Vec<Diagnostic> {
        let hits: Vec<Diagnostic> =
            lint(up, "SELECT 1;", true, engine).into_iter().filter(|x| x.rule == id).collect();
        assert!(!hits.is_empty(), "rule {id} did not fire on:\n{up}");
        hits
    }

    /// Fails when rule `id` fires on `up`.
    pub fn lint_ok(up: &str, engine: &'static str, id: &str) {
        let d = lint(up, "SELECT 1;", true, engine);
        assert!(!d.iter().any(|x| x.rule == id), "rule {id} fired on:\n{up}\n{d:?}");
    }
}

#[cfg(test)]
mod tests {
    use super::testing::lint;
    use super::*;

    #[test]
    fn rule_ids_are_unique() {
        for (i, a) in RULES.iter().enumerate() {
            assert!(!RULES[i + 1..].iter().any(|b| b.id == a.id), "duplicate rule {}", a.id);
        }
    }

    #[test]
    fn lint_ignore_silences_one_occurrence() {
        let d = lint(
            "-- lint:ignore drop-table\nDROP TABLE a;\nDROP TABLE b;",
            "SELECT 1;",
            true,
            "sqlite",
        );
        let hits: Vec<_> = d.iter().filter(|x| x.rule == "drop-table").collect();
        assert_eq!(hits.len(), 1);
        assert!(hits[0].message.contains('b'));
    }
}
