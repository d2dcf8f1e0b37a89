//! Splits a section of SQL into statements, each with the line it starts on.
//!
//! Hand-rolled on purpose: we need byte-exact statement text and line numbers for
//! every engine's dialect (PostgreSQL dollar quotes, MySQL backticks, SQLite trigger
//! bodies), including SQL that sqlparser cannot parse; a lexer that only tracks
//! quotes, comments and BEGIN…END depth is enough for that and never rejects input.

/// One statement of a revision section.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Statement {
    /// The statement without its terminating `;`, trimmed.
    pub sql: String,
    /// 1-based line within the section where the statement starts.
    pub line: usize,
    /// Comment lines directly above the statement (for `-- lint:ignore`).
    pub comments: Vec<String>,
}

/// Splits `sql` at top-level semicolons. What the engines' own clients understand in a
/// script is understood too, so their dumps split as they would run: a `DELIMITER xx`
/// line (mysql client) changes the terminator, a line starting with `\\` at a statement
/// boundary is a client meta-command (psql's `\\restrict`, `\\connect`) and not SQL, and
/// MySQL's executable comments (`/*!40101 SET … */`) are statement text, not comments.
pub fn split(sql: &str) -> Vec<Statement> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut start: Option<usize> = None; // byte offset of first significant char
    let mut comments: Vec<String> = Vec::new();
    let mut depth: i32 = 0; // BEGIN/CASE … END nesting inside trigger bodies
    let mut delimiter = String::from(";");
    let mut i = 0;
    let n = bytes.len();

    // Offsets are asked for in increasing order: count newlines incrementally (O(n)).
    let mut counted = (0usize, 1usize);
    let mut line_of = |offset: usize| {
        counted.1 += bytes[counted.0..offset].iter().filter(|&&b| b == b'\n').count();
        counted.0 = offset;
        counted.1
    };

    while i < n {
        let c = bytes[i];
        let at_line_start = i == 0 || bytes[i - 1] == b'\n';
        if start.is_none() && at_line_start {
            let line_end = sql[i..].find('\n').map(|e| i + e).unwrap_or(n);
            let line = sql[i..line_end].trim();
            if line.starts_with('\\') {
                i = line_end;
                continue;
            }
            if let Some(d) = line
                .get(..10)
                .filter(|w| w.eq_ignore_ascii_case("DELIMITER "))
                .and_then(|_| line[10..].split_whitespace().next())
            {
                delimiter = d.to_string();
                i = line_end;
                continue;
            }
        }
        if delimiter != ";" && sql[i..].starts_with(delimiter.as_str()) {
            if let Some(s) = start.take() {
                out.push(Statement {
                    sql: sql[s..i].trim().to_string(),
                    line: line_of(s),
                    comments: std::mem::take(&mut comments),
                });
            } else {
                comments.clear();
            }
            i += delimiter.len();
            continue;
        }
        match c {
            b'-' if i + 1 < n && bytes[i + 1] == b'-' => {
                let end = sql[i..].find('\n').map(|e| i + e).unwrap_or(n);
                if start.is_none() {
                    comments.push(sql[i..end].to_string());
                }
                i = end;
                continue;
            }
            b'/' if i + 1 < n && bytes[i + 1] == b'*' => {
                if i + 2 < n && bytes[i + 2] == b'!' {
                    start.get_or_insert(i);
                }
                let end = sql[i + 2..].find("*/").map(|e| i + 2 + e + 2).unwrap_or(n);
                i = end;
                continue;
            }
            b'\'' | b'"' | b'`' => {
                start.get_or_insert(i);
                i = skip_quoted(bytes, i, c);
                continue;
            }
            b'$' => {
                start.get_or_insert(i);
                if let Some(end) = skip_dollar_quote(sql, i) {
                    i = end;
                    continue;
                }
            }
            b';' if depth <= 0 && delimiter == ";" => {
                if let Some(s) = start.take() {
                    out.push(Statement {
                        sql: sql[s..i].trim().to_string(),
                        line: line_of(s),
                        comments: std::mem::take(&mut comments),
                    });
                } else {
                    comments.clear();
                }
                depth = 0;
                i += 1;
                continue;
            }
            _ if c.is_ascii_whitespace() => {}
            _ if c.is_ascii_alphabetic() || c == b'_' => {
                let s = *start.get_or_insert(i);
                let mut j = i;
                while j < n && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
                    j += 1;
                }
                let word = &sql[i..j];
                let opens = word.eq_ignore_ascii_case("BEGIN") || word.eq_ignore_ascii_case("CASE");
                let closes = word.eq_ignore_ascii_case("END");
                // Only these rare words need the (prefix-scanning) trigger test.
                if (opens || closes) && is_trigger(&sql[s..i]) {
                    depth += if opens { 1 } else { -1 };
                }
                i = j;
                continue;
            }
            _ => {
                start.get_or_insert(i);
            }
        }
        i += 1;
    }
    if let Some(s) = start {
        let text = sql[s..].trim();
        if !text.is_empty() {
            out.push(Statement { sql: text.to_string(), line: line_of(s), comments });
        }
    }
    out
}

/// Whether the statement so far is a `CREATE [TEMP] TRIGGER`, whose body holds `;`.
fn is_trigger(prefix: &str) -> bool {
    let mut words = prefix.split_whitespace().map(|w| w.to_ascii_uppercase());
    if words.next().as_deref() != Some("CREATE") {
        return false;
    }
    for w in words.take(4) {
        if w == "TRIGGER" {
            return true;
        }
    }
    false
}

fn skip_quoted(bytes: &[u8], open: usize, quote: u8) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        if bytes[i] == quote {
            if i + 1 < bytes.len() && bytes[i + 1] == quote {
                i += 2;
                continue;
            }
            return i + 1;
        }
        i += 1;
    }
    bytes.len()
}

/// `sql` without its comments (`-- …` and `/* … */` outside quotes), trimmed. An engine
/// that stores a view's text verbatim (SQLite) keeps whatever comments the file had —
/// `sqlite3 .schema` appends `/* v(a,b) */` to every view — and comments are not schema.
pub fn strip_comments(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let (mut i, mut copied) = (0, 0);
    while i < bytes.len() {
        match bytes[i] {
            b'\'' | b'"' | b'`' => i = skip_quoted(bytes, i, bytes[i]),
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                out.push_str(&sql[copied..i]);
                i = sql[i..].find('\n').map(|e| i + e).unwrap_or(bytes.len());
                copied = i;
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') && bytes.get(i + 2) != Some(&b'!') => {
                out.push_str(&sql[copied..i]);
                i = sql[i + 2..].find("*/").map(|e| i + 2 + e + 2).unwrap_or(bytes.len());
                copied = i;
            }
            _ => i += 1,
        }
    }
    out.push_str(&sql[copied..]);
    out.trim().to_string()
}

/// `$tag$ … $tag$` (PostgreSQL); `None` when `$` does not open one (e.g. `$1`).
fn skip_dollar_quote(sql: &str, open: usize) -> Option<usize> {
    let rest = &sql[open + 1..];
    let close = rest.find('$')?;
    let tag = &rest[..close];
    if !tag.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
        || tag.bytes().next().is_some_and(|b| b.is_ascii_digit())
    {
        return None;
    }
    let delim = format!("${tag}$");
    let body_start = open + delim.len();
    let end =
        sql[body_start..].find(&delim).map(|e| body_start + e + delim.len()).unwrap_or(sql.len());
    Some(end)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(s: &str) -> Vec<String> {
        split(s).into_iter().map(|s| s.sql).collect()
    }

    #[test]
    fn splits_with_lines_and_comments() {
        let st = split("-- note\nCREATE TABLE a (x INT);\n\nINSERT INTO a VALUES (1);\n");
        assert_eq!(st.len(), 2);
        assert_eq!(st[0].line, 2);
        assert_eq!(st[0].comments, vec!["-- note".to_string()]);
        assert_eq!(st[1].line, 4);
        assert_eq!(st[1].sql, "INSERT INTO a VALUES (1)");
    }

    #[test]
    fn semicolons_inside_quotes_comments_and_bodies_do_not_split() {
        assert_eq!(
            sqls("INSERT INTO t VALUES ('a;b', \"c;d\", `e;f`); /* x; */ SELECT 1;").len(),
            2
        );
        assert_eq!(
            sqls("CREATE FUNCTION f() RETURNS int AS $$ SELECT 1; $$ LANGUAGE sql; SELECT 2;")
                .len(),
            2
        );
        assert_eq!(sqls("CREATE FUNCTION f() AS $body$ a; b; $body$; SELECT $1;").len(), 2);
        let trig = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET x = CASE WHEN 1 THEN 2 END; DELETE FROM b; END;\nSELECT 1;";
        let s = sqls(trig);
        assert_eq!(s.len(), 2, "{s:?}");
        assert!(s[0].ends_with("END"));
        assert_eq!(sqls("SELECT 'it''s; fine';").len(), 1);
    }

    #[test]
    fn only_comments_yield_nothing() {
        assert!(split("-- nothing here\n\n/* or here */\n").is_empty());
        assert_eq!(sqls("SELECT 1"), vec!["SELECT 1"]);
    }

    #[test]
    fn client_scripts_split_as_their_clients_run_them() {
        // psql meta-commands (pg_dump writes \restrict since 15.14) are not SQL.
        assert_eq!(sqls("\\restrict abc\nSET x = 1;\n\\unrestrict abc\n"), vec!["SET x = 1"]);
        // mysqldump: executable comments are statements; DELIMITER changes the terminator.
        let dump = "/*!40101 SET NAMES utf8 */;\nDELIMITER ;;\n/*!50003 CREATE*/ /*!50003 TRIGGER t BEFORE INSERT ON a FOR EACH ROW BEGIN SET NEW.x = 1; SET NEW.y = 2; END */;;\nDELIMITER ;\nCREATE TABLE b (x INT);\n";
        let s = split(dump);
        assert_eq!(s.len(), 3, "{s:?}");
        assert_eq!(s[0].sql, "/*!40101 SET NAMES utf8 */");
        assert!(
            s[1].sql.starts_with("/*!50003 CREATE*/") && s[1].sql.ends_with("END */"),
            "{}",
            s[1].sql
        );
        assert_eq!((s[2].sql.as_str(), s[2].line), ("CREATE TABLE b (x INT)", 5));
    }

    #[test]
    fn comments_are_stripped_outside_quotes_only() {
        assert_eq!(
            strip_comments("CREATE VIEW v AS SELECT a FROM t\n/* v(a) */"),
            "CREATE VIEW v AS SELECT a FROM t"
        );
        assert_eq!(strip_comments("SELECT '/* kept */', 1 -- gone\n"), "SELECT '/* kept */', 1");
    }

    proptest::proptest! {
        #[test]
        fn stripping_never_panics(s in "\\PC{0,60}") { let _ = strip_comments(&s); }
    }

    proptest::proptest! {
        #[test]
        fn never_panics(s in "\\PC{0,60}") { let _ = split(&s); }
    }
}
