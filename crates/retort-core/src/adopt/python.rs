//! Reads an Alembic revision file (`versions/*.py`) without running Python: the
//! module-level literal assignments Alembic's templates write — `revision`,
//! `down_revision`, `branch_labels`, `depends_on`, typed (`revision: str = ...`,
//! Alembic ≥ 1.13) or not (Flask-Migrate) — and the docstring's first line (the
//! message) and `Create Date:`.
//!
//! Hand-rolled on purpose: the values are string literals, `None`, and tuples or lists
//! of strings, so a few dozen lines cover them, where a Python parser crate
//! (rustpython-parser, ruff's) would add a large dependency for four assignments. A value
//! that is not such a literal is an error naming the file and line: retort never guesses
//! what Python would compute.
use crate::error::FileError;
use std::path::Path;

/// The graph fields of one Alembic revision.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AlembicRevision {
    pub id: String,
    pub down: Vec<String>,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
    pub message: String,
    /// `Create Date:` of the docstring, as written.
    pub created: Option<String>,
}

const KEYS: [&str; 4] = ["revision", "down_revision", "branch_labels", "depends_on"];

/// Parses one revision file's text.
pub fn parse(path: &Path, text: &str) -> Result<AlembicRevision, FileError> {
    let malformed = |line: usize, message: String| FileError::Malformed {
        path: path.to_path_buf(),
        line,
        message,
    };
    let lines: Vec<&str> = text.lines().collect();
    let mut out = AlembicRevision::default();
    let mut seen_revision = false;
    let mut i = 0;
    // The docstring: the first statement when it is a string literal.
    while i < lines.len() && (lines[i].trim().is_empty() || lines[i].trim_start().starts_with('#'))
    {
        i += 1;
    }
    if let Some(first) = lines.get(i) {
        let t = first.trim_start();
        if let Some(quote) = ["\"\"\"", "'''"].into_iter().find(|q| t.starts_with(q)) {
            let mut doc = String::new();
            let mut rest = &t[3..];
            loop {
                if let Some(end) = rest.find(quote) {
                    doc.push_str(&rest[..end]);
                    break;
                }
                doc.push_str(rest);
                doc.push('\n');
                i += 1;
                let Some(next) = lines.get(i) else {
                    return Err(malformed(i, "the docstring is not closed".into()));
                };
                rest = next;
            }
            out.message =
                doc.lines().map(str::trim).find(|l| !l.is_empty()).unwrap_or_default().to_string();
            out.created = doc
                .lines()
                .find_map(|l| l.trim().strip_prefix("Create Date:"))
                .map(|d| d.trim().to_string());
        }
    }
    while i < lines.len() {
        let line = lines[i];
        let lineno = i + 1;
        i += 1;
        // Module level only: an assignment inside a function is not the revision's.
        if line.starts_with([' ', '\t']) {
            continue;
        }
        let Some((name, value)) = assignment(line) else { continue };
        if !KEYS.contains(&name) {
            continue;
        }
        // A tuple or list may span lines: read until the brackets close.
        let mut value = strip_comment(value).to_string();
        while depth(&value) > 0 {
            let Some(next) = lines.get(i) else {
                return Err(malformed(lineno, format!("`{name}`: the bracket is not closed")));
            };
            value.push(' ');
            value.push_str(strip_comment(next));
            i += 1;
        }
        let items = literal(&value)
            .map_err(|why| malformed(lineno, format!("`{name} = {}`: {why}", value.trim())))?;
        match name {
            "revision" => {
                let [id] = items.as_slice() else {
                    return Err(malformed(lineno, "`revision` must be one string".into()));
                };
                out.id = id.clone();
                seen_revision = true;
            }
            "down_revision" => out.down = items,
            "branch_labels" => out.branch_labels = items,
            _ => out.depends_on = items,
        }
    }
    if !seen_revision {
        return Err(malformed(
            1,
            "no module-level `revision = '...'`: not an Alembic revision file".into(),
        ));
    }
    Ok(out)
}

/// `name = value` or `name: annotation = value` at the start of a line.
fn assignment(line: &str) -> Option<(&str, &str)> {
    let end = line.find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))?;
    let (name, rest) = line.split_at(end);
    let rest = rest.trim_start();
    let rest = match rest.strip_prefix(':') {
        // The annotation ends at the first `=` outside brackets (`Union[str, None]`).
        Some(annotated) => {
            let mut d = 0i32;
            let at = annotated.char_indices().find(|&(_, c)| {
                match c {
                    '[' | '(' => d += 1,
                    ']' | ')' => d -= 1,
                    _ => {}
                }
                c == '=' && d == 0
            })?;
            &annotated[at.0..]
        }
        None => rest,
    };
    let value = rest.strip_prefix('=')?;
    (!value.starts_with('=')).then_some((name, value.trim()))
}

/// Walks `s` outside string literals: `visit` sees each character that is not quoted
/// (with its byte index) and may stop the walk by returning false.
fn outside_strings(s: &str, mut visit: impl FnMut(usize, char) -> bool) {
    let mut quote: Option<char> = None;
    for (i, c) in s.char_indices() {
        match (quote, c) {
            (None, '\'' | '"') => quote = Some(c),
            (Some(q), c) if c == q => quote = None,
            (None, c) if !visit(i, c) => return,
            _ => {}
        }
    }
}

fn strip_comment(s: &str) -> &str {
    let mut end = s.len();
    outside_strings(s, |i, c| {
        if c == '#' {
            end = i;
        }
        c != '#'
    });
    &s[..end]
}

/// How many brackets are still open at the end of `s`.
fn depth(s: &str) -> i32 {
    let mut d = 0;
    outside_strings(s, |_, c| {
        match c {
            '(' | '[' => d += 1,
            ')' | ']' => d -= 1,
            _ => {}
        }
        true
    });
    d
}

/// `None`, a string, or a tuple/list of strings, as a list of strings.
fn literal(value: &str) -> Result<Vec<String>, String> {
    let v = value.trim();
    if v == "None" || v == "()" || v == "[]" {
        return Ok(Vec::new());
    }
    let inner = match (v.chars().next(), v.chars().last()) {
        (Some('('), Some(')')) | (Some('['), Some(']')) => &v[1..v.len() - 1],
        _ => v,
    };
    let mut out = Vec::new();
    let mut rest = inner.trim();
    while !rest.is_empty() {
        let q = rest.chars().next().unwrap();
        if q != '\'' && q != '"' {
            return Err("not a string literal, None, or a tuple or list of strings (retort reads revision files without running Python)".into());
        }
        let end = rest[1..].find(q).ok_or("an unterminated string")? + 1;
        out.push(rest[1..end].to_string());
        rest = rest[end + 1..].trim_start();
        rest = rest.strip_prefix(',').unwrap_or(rest).trim_start();
        if !rest.is_empty() && !rest.starts_with(['\'', '"']) {
            return Err("not a string literal, None, or a tuple or list of strings (retort reads revision files without running Python)".into());
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLASK_MIGRATE: &str = r#""""merge bio and slug

Revision ID: f7cd1e21a707
Revises: c214b1df67ed, 11b7e10a3b32
Create Date: 2026-11-29 22:50:01.123456

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'f7cd1e21a707'
down_revision = ('c214b1df67ed', '11b7e10a3b32')
branch_labels = None
depends_on = None


def upgrade():
    revision = 'not this one'
    pass
"#;

    const ALEMBIC_TYPED: &str = r#""""Add account

Revision ID: 1975ea83b712
Revises: 
Create Date: 2026-01-02 03:04:05

"""
from typing import Sequence, Union

from alembic import op
import sqlalchemy as sa

# revision identifiers, used by Alembic.
revision: str = "1975ea83b712"
down_revision: Union[str, Sequence[str], None] = None  # the first one
branch_labels: Union[str, Sequence[str], None] = [
    "accounts",
]
depends_on: Union[str, Sequence[str], None] = "ae1027a6acf"
"#;

    #[test]
    fn reads_flask_migrates_template() {
        let r = parse(Path::new("f7.py"), FLASK_MIGRATE).unwrap();
        assert_eq!(r.id, "f7cd1e21a707");
        assert_eq!(r.down, ["c214b1df67ed", "11b7e10a3b32"]);
        assert!(r.branch_labels.is_empty() && r.depends_on.is_empty());
        assert_eq!(r.message, "merge bio and slug");
        assert_eq!(r.created.as_deref(), Some("2026-11-29 22:50:01.123456"));
    }

    #[test]
    fn reads_alembics_typed_template_with_comments_and_multi_line_lists() {
        let r = parse(Path::new("19.py"), ALEMBIC_TYPED).unwrap();
        assert_eq!(r.id, "1975ea83b712");
        assert!(r.down.is_empty());
        assert_eq!(r.branch_labels, ["accounts"]);
        assert_eq!(r.depends_on, ["ae1027a6acf"]);
        assert_eq!(r.message, "Add account");
    }

    #[test]
    fn a_computed_value_is_an_error_naming_file_and_line() {
        let text = "revision = 'abc'\ndown_revision = make_id()\n";
        match parse(Path::new("v/abc.py"), text) {
            Err(FileError::Malformed { path, line, message }) => {
                assert_eq!(path, Path::new("v/abc.py"));
                assert_eq!(line, 2);
                assert!(message.contains("without running Python"), "{message}");
            }
            other => panic!("{other:?}"),
        }
        assert!(matches!(
            parse(Path::new("x.py"), "import os\n"),
            Err(FileError::Malformed { line: 1, .. })
        ));
        assert!(matches!(
            parse(Path::new("x.py"), "revision = ('a',\n"),
            Err(FileError::Malformed { line: 1, .. })
        ));
        assert!(matches!(
            parse(Path::new("x.py"), "revision = ('a', 'b')\n"),
            Err(FileError::Malformed { .. })
        ));
    }
}
