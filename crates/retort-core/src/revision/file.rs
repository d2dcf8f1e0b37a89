//! One revision file: `migrations/versions/<rev>_<slug>.sql`, a `-- key: value`
//! header followed by `-- +upgrade` and `-- +downgrade` sections of plain SQL.
//!
//! The format is line-oriented on purpose (like dbmate and goose): a reviewer reads it
//! as SQL, and every error can name a file and a line.
use crate::error::FileError;
use crate::revision::id::RevisionId;
use sha2::{Digest, Sha256};
use std::path::{Path, PathBuf};

/// A block of SQL inside a revision file, with the 1-based line its text starts on,
/// so a failing statement can be reported by file and line.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Section {
    pub sql: String,
    pub first_line: usize,
    /// `-- +step` markers inside the section, in order (see [`SqlStep`]).
    pub breaks: Vec<StepBreak>,
}

/// A `-- +step [transactional: false]` line: the statements after it form a new step.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StepBreak {
    /// 1-based line of the marker, counted within the section's text.
    pub line: usize,
    pub transactional: bool,
}

/// Statements of a section that share one transaction mode. A section without
/// `-- +step` markers is one step, transactional unless the header says otherwise; each
/// marker starts the next step. This is how one revision holds an online change in
/// order: `CREATE INDEX CONCURRENTLY` outside any transaction, then `ADD
/// CONSTRAINT ... USING INDEX` and `VALIDATE CONSTRAINT` each in a transaction of its
/// own, so no lock is held across the long scans.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlStep {
    pub transactional: bool,
    /// Each statement's `line` counts within the section, as for an unsplit section.
    pub statements: Vec<crate::sql_split::Statement>,
}

/// One step's text within its section.
#[derive(Clone, Copy, Debug)]
pub struct StepText<'a> {
    pub text: &'a str,
    /// Byte offset of `text` in the section.
    pub offset: usize,
    /// Lines of the section before `text`.
    pub line_offset: usize,
    pub transactional: bool,
}

impl Section {
    /// The section's statements grouped into steps; `default_transactional` is the
    /// header's `transactional` value, which the statements before any marker take.
    pub fn steps(&self, default_transactional: bool) -> Vec<SqlStep> {
        self.step_texts(default_transactional)
            .into_iter()
            .filter_map(|t| {
                let mut statements = crate::sql_split::split(t.text);
                for st in &mut statements {
                    st.line += t.line_offset;
                }
                (!statements.is_empty())
                    .then_some(SqlStep { transactional: t.transactional, statements })
            })
            .collect()
    }

    /// The section's text cut at its `-- +step` markers (marker lines left out), for
    /// readers that take text rather than statements (squawk's linter).
    pub fn step_texts(&self, default_transactional: bool) -> Vec<StepText<'_>> {
        let mut out = Vec::new();
        let (mut start, mut line_offset, mut mode) = (0usize, 0usize, default_transactional);
        let mut line_starts =
            std::iter::once(0).chain(self.sql.match_indices('\n').map(|(i, _)| i + 1));
        let mut seen = 0usize; // lines consumed from `line_starts`
        for b in &self.breaks {
            let marker_start = line_starts.nth(b.line - 1 - seen).unwrap_or(self.sql.len());
            let marker_end = self.sql[marker_start..]
                .find('\n')
                .map_or(self.sql.len(), |i| marker_start + i + 1);
            seen = b.line;
            out.push(StepText {
                text: &self.sql[start..marker_start],
                offset: start,
                line_offset,
                transactional: mode,
            });
            start = marker_end;
            line_offset = b.line;
            mode = b.transactional;
        }
        out.push(StepText {
            text: &self.sql[start..],
            offset: start,
            line_offset,
            transactional: mode,
        });
        out
    }

    /// Whether the section is more than one step: it cannot commit as one unit.
    pub fn is_multi_step(&self) -> bool {
        !self.breaks.is_empty()
    }
}

/// The transaction mode a `-- +step` line asks for, `None` when the line is not a marker.
fn step_marker(trimmed: &str) -> Option<Result<bool, String>> {
    let rest = trimmed.strip_prefix("-- +step")?;
    if !(rest.is_empty() || rest.starts_with(' ')) {
        return None;
    }
    Some(match rest.trim() {
        "" | "transactional: true" | "transactional:true" => Ok(true),
        "transactional: false" | "transactional:false" => Ok(false),
        other => Err(format!("`-- +step` takes nothing or `transactional: false`, not `{other}`")),
    })
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RevisionFile {
    pub id: RevisionId,
    /// Parents; empty for a root, several for a merge.
    pub down: Vec<RevisionId>,
    pub message: String,
    pub created: Option<String>,
    pub branch_labels: Vec<String>,
    /// Revisions (ids or branch labels) that must be applied first without being
    /// parents in the history: Alembic's `depends_on`, e.g. a revision of one branch
    /// needing a table another branch creates.
    pub depends_on: Vec<String>,
    /// A squash (`retort squash`): the revisions before this one that it stands in for,
    /// oldest first. The file's own id is the last revision of the squashed range.
    pub replaces: Vec<RevisionId>,
    /// False for statements that cannot run in a transaction (e.g. `CREATE INDEX CONCURRENTLY`).
    pub transactional: bool,
    pub upgrade: Section,
    /// `None` when the file has no `-- +downgrade` marker: the revision is irreversible.
    pub downgrade: Option<Section>,
    pub path: PathBuf,
    /// The file's full text as read; kept so the log can store exactly what was applied.
    pub text: String,
    /// sha256 of the text with line endings normalised, so a CRLF checkout does not
    /// count as an edit.
    pub checksum: String,
}

/// The fields a new revision file is written from.
#[derive(Clone, Debug, Default)]
pub struct NewRevision {
    pub id: Option<RevisionId>,
    pub down: Vec<RevisionId>,
    pub message: String,
    pub created: String,
    pub branch_labels: Vec<String>,
    pub depends_on: Vec<String>,
    pub replaces: Vec<RevisionId>,
    pub transactional: bool,
    /// Review notes written as comments above the upgrade section.
    pub notes: Vec<String>,
    pub upgrade: String,
    pub downgrade: String,
}

const KEYS: &[&str] = &[
    "revision",
    "down_revision",
    "message",
    "created",
    "branch_labels",
    "transactional",
    "depends_on",
    "replaces",
];

/// sha256 hex of a file's text after CRLF → LF.
pub fn checksum(text: &str) -> String {
    let normalised: std::borrow::Cow<str> =
        if text.contains('\r') { text.replace("\r\n", "\n").into() } else { text.into() };
    let digest = Sha256::digest(normalised.as_bytes());
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(HEX[(b >> 4) as usize] as char);
        out.push(HEX[(b & 15) as usize] as char);
    }
    out
}

fn split_list(value: &str) -> Vec<String> {
    value.split(',').map(|s| s.trim().to_string()).filter(|s| !s.is_empty()).collect()
}

/// What a `-- +downgrade` section says when it is empty on purpose.
pub const NOTHING_TO_UNDO: &str = "-- nothing to undo";

impl RevisionFile {
    /// Whether the revision can be reverted: its downgrade has statements, or its upgrade
    /// has none, or the downgrade section says on purpose that there is nothing to undo
    /// (a line `-- nothing to undo`; or `-- lint:ignore missing-downgrade` in the file).
    /// An empty downgrade of an upgrade that did something would report "reverted" while
    /// everything it made stays.
    pub fn reversible(&self) -> bool {
        let Some(down) = &self.downgrade else { return false };
        if !crate::sql_split::split(&down.sql).is_empty()
            || crate::sql_split::split(&self.upgrade.sql).is_empty()
        {
            return true;
        }
        let on_purpose =
            down.sql.lines().any(|l| l.trim().to_ascii_lowercase().starts_with(NOTHING_TO_UNDO));
        on_purpose
            || self
                .text
                .lines()
                .any(|l| l.trim().starts_with("-- lint:ignore") && l.contains("missing-downgrade"))
    }

    /// Parses a revision file's text; `path` is only used in errors and kept for reports.
    pub fn parse(path: &Path, text: &str) -> Result<Self, FileError> {
        Self::parse_owned(path, text.to_string())
    }

    /// As [`RevisionFile::parse`], keeping the text without copying it (directory loads).
    pub fn parse_owned(path: &Path, owned: String) -> Result<Self, FileError> {
        // Editors on Windows save a UTF-8 byte-order mark; it is not "SQL before the marker".
        let owned = match owned.strip_prefix('\u{feff}') {
            Some(rest) => rest.to_string(),
            None => owned,
        };
        let text = owned.as_str();
        let malformed = |line: usize, message: String| FileError::Malformed {
            path: path.to_path_buf(),
            line,
            message,
        };
        let mut id = None;
        let mut down = Vec::new();
        let mut message = String::new();
        let mut created = None;
        let mut branch_labels = Vec::new();
        let mut depends_on = Vec::new();
        let mut replaces = Vec::new();
        let mut transactional = true;

        #[derive(PartialEq)]
        enum Part {
            Header,
            Preamble,
            Upgrade,
            Downgrade,
        }
        let mut part = Part::Header;
        let mut upgrade: Option<Section> = None;
        let mut downgrade: Option<Section> = None;

        for (index, raw) in text.lines().enumerate() {
            let lineno = index + 1;
            let line = raw.trim_end_matches('\r');
            let trimmed = line.trim();
            if trimmed == "-- +upgrade" {
                if upgrade.is_some() {
                    return Err(malformed(lineno, "a second `-- +upgrade` marker".into()));
                }
                if downgrade.is_some() {
                    return Err(malformed(
                        lineno,
                        "`-- +upgrade` must come before `-- +downgrade`".into(),
                    ));
                }
                part = Part::Upgrade;
                upgrade = Some(Section {
                    sql: String::new(),
                    first_line: lineno + 1,
                    breaks: Vec::new(),
                });
                continue;
            }
            if trimmed == "-- +downgrade" {
                if upgrade.is_none() {
                    return Err(malformed(lineno, "`-- +downgrade` before `-- +upgrade`".into()));
                }
                if downgrade.is_some() {
                    return Err(malformed(lineno, "a second `-- +downgrade` marker".into()));
                }
                part = Part::Downgrade;
                downgrade = Some(Section {
                    sql: String::new(),
                    first_line: lineno + 1,
                    breaks: Vec::new(),
                });
                continue;
            }
            match part {
                Part::Header => {
                    if trimmed.is_empty() {
                        part = Part::Preamble;
                        continue;
                    }
                    let Some(rest) = trimmed.strip_prefix("--") else {
                        return Err(malformed(
                            lineno,
                            "SQL before the `-- +upgrade` marker".into(),
                        ));
                    };
                    let Some((key, value)) = rest.split_once(':') else {
                        return Err(malformed(
                            lineno,
                            format!("header line `{trimmed}` is not `-- key: value`"),
                        ));
                    };
                    let key = key.trim();
                    let value = value.trim();
                    match key {
                        "revision" => {
                            id = Some(RevisionId::parse(value).ok_or_else(|| {
                                malformed(lineno, format!("`{value}` is not a valid revision id"))
                            })?)
                        }
                        "down_revision" => {
                            if !(value.is_empty() || value == "none" || value == "None") {
                                for item in split_list(value) {
                                    down.push(RevisionId::parse(&item).ok_or_else(|| {
                                        malformed(
                                            lineno,
                                            format!("`{item}` is not a valid revision id"),
                                        )
                                    })?);
                                }
                            }
                        }
                        "message" => message = value.to_string(),
                        "created" => created = Some(value.to_string()),
                        "branch_labels" => branch_labels = split_list(value),
                        "transactional" => {
                            transactional = match value {
                                "true" => true,
                                "false" => false,
                                _ => {
                                    return Err(malformed(
                                        lineno,
                                        format!(
                                        "transactional must be `true` or `false`, not `{value}`"
                                    ),
                                    ))
                                }
                            }
                        }
                        "replaces" => {
                            for item in split_list(value) {
                                replaces.push(RevisionId::parse(&item).ok_or_else(|| {
                                    malformed(
                                        lineno,
                                        format!("replaces: `{item}` is not a valid revision id"),
                                    )
                                })?);
                            }
                        }
                        "depends_on" => {
                            depends_on = split_list(value);
                            if let Some(bad) =
                                depends_on.iter().find(|d| RevisionId::parse(d).is_none())
                            {
                                return Err(malformed(
                                    lineno,
                                    format!(
                                        "depends_on: `{bad}` is not a revision id or branch label"
                                    ),
                                ));
                            }
                        }
                        _ => {
                            return Err(malformed(
                                lineno,
                                format!("unknown header key `{key}` (known: {})", KEYS.join(", ")),
                            ))
                        }
                    }
                }
                Part::Preamble => {
                    if !(trimmed.is_empty() || trimmed.starts_with("--")) {
                        return Err(malformed(
                            lineno,
                            "SQL before the `-- +upgrade` marker".into(),
                        ));
                    }
                }
                Part::Upgrade | Part::Downgrade => {
                    let section = if part == Part::Upgrade {
                        upgrade.as_mut().unwrap()
                    } else {
                        downgrade.as_mut().unwrap()
                    };
                    if let Some(marker) = step_marker(trimmed) {
                        let transactional = marker.map_err(|m| malformed(lineno, m))?;
                        section.breaks.push(StepBreak {
                            line: lineno + 1 - section.first_line,
                            transactional,
                        });
                    }
                    push_line(section, line)
                }
            }
        }
        let id = id.ok_or_else(|| malformed(1, "missing `-- revision:` header".into()))?;
        let upgrade = upgrade.ok_or_else(|| {
            malformed(text.lines().count().max(1), "missing `-- +upgrade` marker".into())
        })?;
        if down.contains(&id) {
            return Err(malformed(1, format!("revision {id} names itself as its down_revision")));
        }
        Ok(RevisionFile {
            id,
            down,
            message,
            created,
            branch_labels,
            depends_on,
            replaces,
            transactional,
            upgrade,
            downgrade,
            path: path.to_path_buf(),
            checksum: checksum(text),
            text: owned,
        })
    }

    /// The file name a revision is written under: `<rev>_<slug>.sql`.
    pub fn file_name(id: &RevisionId, message: &str) -> String {
        let slug = slug(message);
        if slug.is_empty() {
            format!("{id}.sql")
        } else {
            format!("{id}_{slug}.sql")
        }
    }

    /// Renders a new revision file's text.
    pub fn render(new: &NewRevision, id: &RevisionId) -> String {
        let mut out = String::new();
        out.push_str(&format!("-- revision: {id}\n"));
        let down: Vec<&str> = new.down.iter().map(|d| d.as_str()).collect();
        out.push_str(&format!(
            "-- down_revision:{}{}\n",
            if down.is_empty() { "" } else { " " },
            down.join(", ")
        ));
        out.push_str(&format!("-- message: {}\n", new.message.replace('\n', " ")));
        out.push_str(&format!("-- created: {}\n", new.created));
        if !new.branch_labels.is_empty() {
            out.push_str(&format!("-- branch_labels: {}\n", new.branch_labels.join(", ")));
        }
        if !new.depends_on.is_empty() {
            out.push_str(&format!("-- depends_on: {}\n", new.depends_on.join(", ")));
        }
        if !new.replaces.is_empty() {
            let ids: Vec<&str> = new.replaces.iter().map(|r| r.as_str()).collect();
            out.push_str(&format!("-- replaces: {}\n", ids.join(", ")));
        }
        if !new.transactional {
            out.push_str("-- transactional: false\n");
        }
        out.push('\n');
        for note in &new.notes {
            for line in note.lines() {
                out.push_str(&format!("-- {line}\n"));
            }
        }
        if !new.notes.is_empty() {
            out.push('\n');
        }
        out.push_str("-- +upgrade\n");
        out.push_str(new.upgrade.trim_end());
        if !new.upgrade.trim().is_empty() {
            out.push('\n');
        }
        out.push_str("\n-- +downgrade\n");
        out.push_str(new.downgrade.trim_end());
        if !new.downgrade.trim().is_empty() {
            out.push('\n');
        }
        out
    }
}

fn push_line(section: &mut Section, line: &str) {
    section.sql.push_str(line);
    section.sql.push('\n');
}

/// A file-name slug from a message: lowercase ASCII words joined by `_`, at most 40 chars.
pub fn slug(message: &str) -> String {
    let mut out = String::new();
    for c in message.chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.ends_with('_') && !out.is_empty() {
            out.push('_');
        }
        if out.len() >= 40 {
            break;
        }
    }
    out.trim_end_matches('_').to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "-- revision: 3f2a9c1b7d4e\n-- down_revision: 1a2b3c4d5e6f\n-- message: add email to users\n-- created: 2026-11-23T12:00:00Z\n\n-- +upgrade\nALTER TABLE users ADD COLUMN email VARCHAR(255);\n\n-- +downgrade\nALTER TABLE users DROP COLUMN email;\n";

    #[test]
    fn parses_the_brief_example() {
        let f = RevisionFile::parse(Path::new("x.sql"), SAMPLE).unwrap();
        assert_eq!(f.id.as_str(), "3f2a9c1b7d4e");
        assert_eq!(f.down.len(), 1);
        assert_eq!(f.message, "add email to users");
        assert_eq!(f.upgrade.first_line, 7);
        assert!(f.upgrade.sql.contains("ADD COLUMN email"));
        assert!(f.downgrade.as_ref().unwrap().sql.contains("DROP COLUMN"));
        assert!(f.transactional);
    }

    #[test]
    fn render_then_parse_round_trips() {
        let new = NewRevision {
            down: vec![RevisionId::parse("aaaa").unwrap(), RevisionId::parse("bbbb").unwrap()],
            message: "merge things".into(),
            created: "2026-01-01T00:00:00Z".into(),
            branch_labels: vec!["feature".into()],
            depends_on: vec!["feature".into()],
            transactional: false,
            notes: vec!["WARNING: data loss".into()],
            upgrade: "CREATE TABLE t (a INT);".into(),
            downgrade: "DROP TABLE t;".into(),
            ..Default::default()
        };
        let id = RevisionId::parse("cccc").unwrap();
        let text = RevisionFile::render(&new, &id);
        let f = RevisionFile::parse(Path::new("x.sql"), &text).unwrap();
        assert_eq!(f.down, new.down);
        assert_eq!(f.branch_labels, vec!["feature".to_string()]);
        assert_eq!(f.depends_on, vec!["feature".to_string()]);
        assert!(!f.transactional);
        assert_eq!(f.upgrade.sql.trim(), "CREATE TABLE t (a INT);");
        assert_eq!(f.downgrade.unwrap().sql.trim(), "DROP TABLE t;");
    }

    #[test]
    fn malformed_header_names_the_line() {
        let text = "-- revision: abc\n-- down_revision abc\n\n-- +upgrade\n";
        let err = RevisionFile::parse(Path::new("m.sql"), text).unwrap_err();
        match err {
            FileError::Malformed { line, .. } => assert_eq!(line, 2),
            other => panic!("unexpected {other:?}"),
        }
        let text = "-- revision: abc\n-- colour: blue\n\n-- +upgrade\n";
        assert!(matches!(
            RevisionFile::parse(Path::new("m.sql"), text),
            Err(FileError::Malformed { line: 2, .. })
        ));
    }

    #[test]
    fn missing_markers_and_ids_are_errors() {
        assert!(RevisionFile::parse(Path::new("m.sql"), "-- revision: abc\n\nSELECT 1;\n").is_err());
        assert!(RevisionFile::parse(Path::new("m.sql"), "-- message: x\n\n-- +upgrade\n").is_err());
        assert!(RevisionFile::parse(
            Path::new("m.sql"),
            "-- revision: abc\n-- down_revision: abc\n\n-- +upgrade\n"
        )
        .is_err());
    }

    /// One revision holds transactional and non-transactional steps in order.
    #[test]
    fn step_markers_split_a_section_and_keep_file_lines() {
        let text = "-- revision: abcd\n\n-- +upgrade\nALTER TABLE t ADD c int;\n-- +step transactional: false\nCREATE INDEX CONCURRENTLY i ON t (c);\n\n-- +step\nALTER TABLE t VALIDATE CONSTRAINT k;\nSELECT 1;\n-- +downgrade\nDROP INDEX i;\n";
        let f = RevisionFile::parse(Path::new("s.sql"), text).unwrap();
        let steps = f.upgrade.steps(f.transactional);
        let shape: Vec<(bool, Vec<usize>)> = steps
            .iter()
            .map(|s| {
                (
                    s.transactional,
                    s.statements.iter().map(|x| f.upgrade.first_line + x.line - 1).collect(),
                )
            })
            .collect();
        assert_eq!(shape, vec![(true, vec![4]), (false, vec![6]), (true, vec![9, 10])]);
        assert!(steps[1].statements[0].sql.starts_with("CREATE INDEX CONCURRENTLY"));
        let down = f.downgrade.as_ref().unwrap();
        assert!(!down.is_multi_step());
        assert_eq!(down.steps(true).len(), 1);
        // A marker before any statement leaves no empty step; the header's default holds
        // for what comes before the first marker.
        let text = "-- revision: abcd\n-- transactional: false\n\n-- +upgrade\n-- +step transactional: false\nDROP INDEX CONCURRENTLY i;\n";
        let f = RevisionFile::parse(Path::new("s.sql"), text).unwrap();
        assert_eq!(f.upgrade.steps(f.transactional).len(), 1);
        let bad = "-- revision: abcd\n\n-- +upgrade\n-- +step sometimes\nSELECT 1;\n";
        assert!(matches!(
            RevisionFile::parse(Path::new("s.sql"), bad),
            Err(FileError::Malformed { line: 4, .. })
        ));
        // `-- +stepping` is an ordinary comment.
        let f = RevisionFile::parse(
            Path::new("s.sql"),
            "-- revision: abcd\n\n-- +upgrade\n-- +stepping\nSELECT 1;\n",
        )
        .unwrap();
        assert!(!f.upgrade.is_multi_step());
    }

    #[test]
    fn checksum_ignores_crlf() {
        assert_eq!(checksum("a\nb\n"), checksum("a\r\nb\r\n"));
        assert_ne!(checksum("a\nb\n"), checksum("a\nc\n"));
    }

    #[test]
    fn slugs() {
        assert_eq!(slug("Add email to Users!"), "add_email_to_users");
        assert_eq!(slug("  "), "");
    }
}
