//! `retort lint [REV or A:B]`: the lint rules over the selected revisions, for the
//! project's engine (its own rules included).
use crate::error::Error;
use crate::lint::{Diagnostic, Severity};
use crate::ops::Workspace;

/// What `lint` found.
#[derive(Debug, serde::Serialize)]
pub struct LintReport {
    pub engine: String,
    /// Whether any finding is an error (the command then exits 1).
    pub errors: bool,
    pub diagnostics: Vec<Diagnostic>,
}

/// Lints the revisions `range` selects (`None`: all), in graph order.
pub fn lint(ws: &Workspace, range: Option<&str>) -> Result<LintReport, Error> {
    let graph = ws.graph()?;
    let dialect = ws.dialect()?;
    let diagnostics = crate::lint::lint_range(&graph, range, dialect.as_ref())?;
    let errors = diagnostics.iter().any(|d| d.severity == Severity::Error);
    Ok(LintReport { engine: dialect.name().to_string(), errors, diagnostics })
}

impl crate::ops::JsonShape for LintReport {
    const COMMANDS: &'static [&'static str] = &["lint"];
    const SHAPE: &'static str = r#"`{"engine", "errors": bool, "diagnostics": [{"rule", "severity", "revision", "path", "line", "message", "explanation", "fix"}]}`"#;
}
