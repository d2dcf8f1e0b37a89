//! What a lint rule is ([`Rule`]: id, severity, where it applies, what it checks) and
//! what an engine's own linter reports ([`EngineFinding`]). Below the engine seam, so an
//! engine crate can define rules of its own ([`crate::engine::Dialect::extra_rules`]).
use crate::engine::Capabilities;
use crate::lint::context::Context;
use crate::revision::file::RevisionFile;
use serde::Serialize;
use sqlparser::ast::Statement;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

/// A rule: id, severity, what is wrong, how to fix it, where it applies, what it checks.
pub struct Rule {
    pub id: &'static str,
    pub severity: Severity,
    /// One line for the README's table of rules (generated from the registry).
    pub summary: &'static str,
    pub explanation: &'static str,
    pub fix: &'static str,
    /// Whether the rule applies to an engine, asked of its capabilities (never its name).
    pub applies: fn(&Capabilities) -> bool,
    /// Findings for one statement of the upgrade section (the context has seen it).
    pub statement: fn(&Context, &Statement) -> Vec<String>,
    /// Findings for the revision as a whole: (line, message).
    pub revision: fn(&RevisionFile) -> Vec<(usize, String)>,
}

/// For rules that only look at the revision as a whole.
pub fn no_statement_check(_: &Context, _: &Statement) -> Vec<String> {
    Vec::new()
}

/// For rules that only look at statements.
pub fn no_revision_check(_: &RevisionFile) -> Vec<(usize, String)> {
    Vec::new()
}

pub fn every_engine(_: &Capabilities) -> bool {
    true
}

/// A finding of an engine's own linter ([`Dialect::engine_lint`]), placed by its byte
/// offset in the upgrade section.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EngineFinding {
    pub rule: String,
    /// The retort rule this one replaces, if any: its `lint:ignore` name still counts.
    pub replaces: Option<&'static str>,
    pub severity: Severity,
    pub offset: usize,
    pub message: String,
    pub explanation: String,
    pub fix: String,
}
