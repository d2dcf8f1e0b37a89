//! The models' scratch area kept between runs: a change to the models costs the change,
//! not the whole schema. Creating a few hundred tables on a server takes seconds
//! (PostgreSQL's catalog and files, not retort), and a developer who adds one column
//! pays it on every `migrate`. So a project keeps one scratch database for its models
//! ([`crate::cleanup::kept_scratch_name`]) and a record of the statements it holds
//! (`.retort/cache/kept/`); the next run brings it from those statements to the new ones:
//!
//! 1. Every statement is assigned to the table or view it defines or alters (`CREATE
//!    TABLE t`, `CREATE INDEX … ON t`, `ALTER TABLE t`, `COMMENT ON COLUMN t.c`,
//!    `CREATE VIEW v`), with the names it references (`REFERENCES p`, a view's sources).
//!    Anything else (types, functions, sequences, triggers …) is "other".
//! 2. The objects whose statements changed, and everything that references them
//!    (transitively), are dropped and their new statements run, as a declaration.
//! 3. The rest of the area must introspect exactly as before; if not — or if an "other"
//!    statement changed or names a reloaded object, or anything fails — the area is
//!    emptied and the models loaded in full (the caller does that on `None`).
//!
//! A full reload also happens every [`FULL_RELOAD_EVERY`] runs, and the generated
//! revision is still verified on its own. The area's token ([`TOKEN_TABLE`]) is dropped
//! before the area is touched and set once it is consistent, so a run killed halfway
//! leaves an area no record matches, and the next run reloads in full.
use crate::engine::{Connection, Dialect};
use crate::error::Error;
use crate::schema::Schema;
use crate::sql_split::Statement;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// After this many incremental runs the area is reloaded in full.
pub const FULL_RELOAD_EVERY: u32 = 25;

/// What the kept area holds, as the last run left it.
#[derive(serde::Serialize, serde::Deserialize)]
pub struct Record {
    pub server_version: String,
    /// The model statements run there, in order.
    pub statements: Vec<String>,
    /// The area as introspected (unfiltered).
    pub schema: Schema,
    /// Incremental runs since the last full load.
    pub incremental_runs: u32,
}

/// The one-row table that ties a kept area to its record: the area holds a random token,
/// the record is the file of that name. A record cannot then describe another area (the
/// project's other server, or this one changed by a run that was killed): the token is
/// dropped before the area changes and set again once area and record agree.
pub const TOKEN_TABLE: &str = "retort_kept_scratch_token";

/// The token the area holds, if any.
pub fn read_token(conn: &mut dyn Connection) -> Option<String> {
    conn.query(&format!("SELECT token FROM {TOKEN_TABLE}"))
        .ok()?
        .into_iter()
        .next()?
        .into_iter()
        .next()?
}

/// Drops the area's token: from here on its content is unknown to any record.
pub fn forget_token(conn: &mut dyn Connection) -> Result<(), Error> {
    Ok(conn.execute(&format!("DROP TABLE IF EXISTS {TOKEN_TABLE}"))?)
}

/// Sets the area's token (after its record is written).
pub fn set_token(conn: &mut dyn Connection, token: &str) -> Result<(), Error> {
    conn.execute(&format!("CREATE TABLE {TOKEN_TABLE} (token VARCHAR(64))"))?;
    Ok(conn.execute(&format!("INSERT INTO {TOKEN_TABLE} (token) VALUES ('{token}')"))?)
}

/// Where the record of the area holding `token` lives.
pub fn record_path(cache_dir: &Path, token: &str) -> PathBuf {
    cache_dir.join("kept").join(format!("{token}.json"))
}

pub fn read_record(path: &Path) -> Option<Record> {
    serde_json::from_str(&std::fs::read_to_string(path).ok()?).ok()
}

/// Forgets the record before the area changes: until [`write_record`], the area's
/// content is unknown and the next run reloads in full.
pub fn forget_record(path: &Path) {
    let _ = std::fs::remove_file(path);
}

pub fn write_record(path: &Path, record: &Record) {
    let Some(dir) = path.parent() else { return };
    if !crate::fsio::ensure_cache_dir(dir.parent().unwrap_or(dir))
        || std::fs::create_dir_all(dir).is_err()
    {
        return;
    }
    if let Ok(text) = serde_json::to_string(record) {
        let _ = std::fs::remove_file(path);
        let _ = crate::fsio::write_new_atomic(path, text.as_bytes());
    }
}

/// One statement of the models, as far as reloading is concerned.
#[derive(Debug, Clone, PartialEq)]
struct Classified {
    /// The table or view it defines or alters (lower-cased, unqualified); `None`: other.
    object: Option<String>,
    /// It creates a view (whose references are followed when what it reads is reloaded).
    view: bool,
    /// Names it references (lower-cased): for a table its `REFERENCES`, for a view or an
    /// "other" statement every word (a reference or not: more is only slower).
    refs: BTreeSet<String>,
}

/// Assigns a statement to the object it defines or alters, by its tokens (sqlparser's
/// tokenizer for the engine's dialect). Deliberately narrow: a statement shaped in any
/// way not listed here is "other", which only makes its changes cost a full reload.
fn classify(dialect: &dyn Dialect, sql: &str) -> Classified {
    use sqlparser::tokenizer::{Token, Tokenizer};
    let other = |refs: BTreeSet<String>| Classified { object: None, view: false, refs };
    let parser = dialect.parser_dialect();
    let Ok(tokens) = Tokenizer::new(parser.as_ref(), sql).tokenize() else {
        // Untokenizable: other, naming every word it might.
        return other(
            sql.split(|c: char| !c.is_alphanumeric() && c != '_').map(str::to_lowercase).collect(),
        );
    };
    let tokens: Vec<Token> =
        tokens.into_iter().filter(|t| !matches!(t, Token::Whitespace(_))).collect();
    let words: BTreeSet<String> = tokens
        .iter()
        .filter_map(|t| if let Token::Word(w) = t { Some(w.value.to_lowercase()) } else { None })
        .collect();
    // Unquoted words as upper-case keywords, quoted ones never match a keyword.
    let kw = |i: usize| match tokens.get(i) {
        Some(Token::Word(w)) if w.quote_style.is_none() => w.value.to_uppercase(),
        _ => String::new(),
    };
    let has = |k: &str| tokens.iter().enumerate().any(|(i, _)| kw(i) == k);
    // A possibly qualified name at `i`: its last part (lower-cased) and the index after it.
    let name_at = |mut i: usize| -> Option<(Vec<String>, usize)> {
        let mut parts = Vec::new();
        loop {
            let Some(Token::Word(w)) = tokens.get(i) else { return None };
            parts.push(w.value.to_lowercase());
            i += 1;
            if tokens.get(i) != Some(&Token::Period) {
                return Some((parts, i));
            }
            i += 1;
        }
    };
    let skip = |mut i: usize, words: &[&str]| {
        while words.contains(&kw(i).as_str()) {
            i += 1;
        }
        i
    };
    let references = || {
        let mut refs = BTreeSet::new();
        for (i, _) in tokens.iter().enumerate() {
            if kw(i) == "REFERENCES" {
                if let Some((parts, _)) = name_at(i + 1) {
                    refs.insert(parts.last().cloned().unwrap_or_default());
                }
            }
        }
        refs
    };
    let object = |parts: Vec<String>, refs: BTreeSet<String>| Classified {
        object: parts.last().cloned(),
        view: false,
        refs,
    };
    match (kw(0).as_str(), kw(1).as_str()) {
        ("CREATE", _) => {
            let i = skip(
                1,
                &[
                    "OR",
                    "REPLACE",
                    "GLOBAL",
                    "LOCAL",
                    "TEMPORARY",
                    "TEMP",
                    "UNLOGGED",
                    "RECURSIVE",
                    "UNIQUE",
                ],
            );
            match kw(i).as_str() {
                // `CREATE TABLE t (…)` only: AS SELECT, PARTITION OF, OF type, LIKE and
                // INHERITS tie a table to another in ways not followed here.
                "TABLE" if !has("LIKE") && !has("INHERITS") && !has("PARTITION") => {
                    let i = if kw(i + 1) == "IF" { i + 4 } else { i + 1 };
                    match name_at(i) {
                        Some((parts, next)) if tokens.get(next) == Some(&Token::LParen) => {
                            object(parts, references())
                        }
                        _ => other(words),
                    }
                }
                "INDEX" => {
                    let on = (i..tokens.len()).find(|&j| kw(j) == "ON");
                    match on.and_then(|on| name_at(skip(on + 1, &["ONLY"]))) {
                        Some((parts, _)) => object(parts, BTreeSet::new()),
                        None => other(words),
                    }
                }
                "VIEW" => {
                    let i = if kw(i + 1) == "IF" { i + 4 } else { i + 1 };
                    match name_at(i) {
                        Some((parts, _)) => {
                            Classified { view: true, ..object(parts, words.clone()) }
                        }
                        None => other(words),
                    }
                }
                _ => other(words),
            }
        }
        ("ALTER", "TABLE") if !has("RENAME") && !has("SCHEMA") => {
            let i = skip(2, &["ONLY"]);
            let i = if kw(i) == "IF" { i + 2 } else { i };
            match name_at(skip(i, &["ONLY"])) {
                Some((parts, _)) => object(parts, references()),
                None => other(words),
            }
        }
        ("COMMENT", "ON") if kw(2) == "TABLE" || kw(2) == "COLUMN" => match name_at(3) {
            Some((mut parts, _)) => {
                if kw(2) == "COLUMN" {
                    parts.pop();
                }
                if parts.is_empty() {
                    other(words)
                } else {
                    object(parts, BTreeSet::new())
                }
            }
            None => other(words),
        },
        _ => other(words),
    }
}

/// Brings the kept area from `record` to the statements `new`, reloading only the objects
/// whose statements changed and what references them. `Ok(Some(schema))`: done, the area
/// introspected (unfiltered); `Ok(None)`: it cannot be done soundly — reload in full.
/// An error of a statement is `Ok(None)` too (the full load reports it properly).
pub fn bring_up_to_date(
    conn: &mut dyn Connection,
    record: &Record,
    new: &[Statement],
    path: &Path,
) -> Result<Option<Schema>, Error> {
    let dialect = conn.dialect();
    let group = |stmts: &[&str]| {
        let mut objects: BTreeMap<String, Vec<String>> = BTreeMap::new();
        let mut others: Vec<(String, BTreeSet<String>)> = Vec::new();
        let mut refs: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
        for sql in stmts {
            let c = classify(dialect, sql);
            match c.object {
                Some(o) => {
                    objects.entry(o.clone()).or_default().push(sql.to_string());
                    refs.entry(o).or_default().extend(c.refs);
                }
                None => others.push((sql.to_string(), c.refs)),
            }
        }
        (objects, others, refs)
    };
    let old_texts: Vec<&str> = record.statements.iter().map(String::as_str).collect();
    let new_texts: Vec<&str> = new.iter().map(|s| s.sql.as_str()).collect();
    let (old_objects, old_others, old_refs) = group(&old_texts);
    let (new_objects, new_others, new_refs) = group(&new_texts);
    if old_others.iter().map(|o| &o.0).ne(new_others.iter().map(|o| &o.0)) {
        return Ok(None);
    }
    let names: BTreeSet<&String> = old_objects.keys().chain(new_objects.keys()).collect();
    let mut affected: BTreeSet<String> = names
        .iter()
        .filter(|n| old_objects.get(**n) != new_objects.get(**n))
        .map(|n| n.to_string())
        .collect();
    if affected.is_empty() {
        return Ok(Some(record.schema.clone()));
    }
    // A view over a reloaded object is reloaded too (it goes with the object's drop),
    // under the old statements' references and the new. A table whose foreign key points
    // at one keeps its place: the key is added back afterwards, from the record.
    let views: BTreeSet<String> = record
        .schema
        .views
        .keys()
        .map(|v| v.to_lowercase())
        .chain(
            new_texts
                .iter()
                .map(|sql| classify(dialect, sql))
                .filter(|c| c.view)
                .filter_map(|c| c.object),
        )
        .collect();
    loop {
        let more: Vec<String> = names
            .iter()
            .filter(|n| !affected.contains(**n) && views.contains(**n))
            .filter(|n| {
                old_refs
                    .get(**n)
                    .into_iter()
                    .chain(new_refs.get(**n))
                    .flatten()
                    .any(|r| affected.contains(r))
            })
            .map(|n| n.to_string())
            .collect();
        if more.is_empty() {
            break;
        }
        affected.extend(more);
    }
    // An "other" statement naming a reloaded object (a trigger on it, a function over its
    // rows, a sequence it owns) would not be run again: not this way.
    if new_others.iter().any(|(_, refs)| refs.iter().any(|r| affected.contains(r))) {
        return Ok(None);
    }
    // Drop what exists of them, under the names the area has them by.
    let mut drops = Vec::new();
    for (name, _) in
        record.schema.views.iter().filter(|(n, _)| affected.contains(&n.to_lowercase()))
    {
        drops.push(dialect.drop_for_reload(true, name));
    }
    for (name, _) in
        record.schema.tables.iter().filter(|(n, _)| affected.contains(&n.to_lowercase()))
    {
        drops.push(dialect.drop_for_reload(false, name));
    }
    let rerun: Vec<Statement> = new
        .iter()
        .filter(|s| classify(dialect, &s.sql).object.is_some_and(|o| affected.contains(&o)))
        .cloned()
        .collect();
    let relax = dialect.deferred_references();
    if let Some((off, _)) = relax {
        conn.execute(off)?;
    }
    for d in &drops {
        if conn.execute(d).is_err() {
            return Ok(None);
        }
    }
    if let Some((_, on)) = relax {
        conn.execute(on)?;
    }
    if crate::autogen::load_statements(conn, &rerun, path).is_err() {
        crate::interrupt::check()?;
        return Ok(None);
    }
    // The rest of the area as it was: then the area is what a full load would give. The
    // one difference allowed is a foreign key the drop took from a table that stays
    // (PostgreSQL's CASCADE): added back as the record has it.
    let untouched = |s: &Schema| {
        let mut s = s.clone();
        s.tables.retain(|n, _| !affected.contains(&n.to_lowercase()));
        s.views.retain(|n, _| !affected.contains(&n.to_lowercase()));
        s
    };
    let mut schema = conn.introspect()?;
    let (now, was) = (untouched(&schema), untouched(&record.schema));
    if now != was {
        let missing = crate::diff::diff(&now, &was, &Default::default());
        if !missing.iter().all(|c| matches!(c, crate::diff::change::Change::AddForeignKey { .. })) {
            return Ok(None);
        }
        let Ok(stmts) = conn.dialect().render(&now, &was, &missing) else { return Ok(None) };
        let texts: Vec<String> = stmts.into_iter().map(|s| s.sql).collect();
        if texts.iter().any(|s| conn.execute(s).is_err()) {
            return Ok(None);
        }
        schema = conn.introspect()?;
        if untouched(&schema) != was {
            return Ok(None);
        }
    }
    Ok(Some(schema))
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Pg;
    impl crate::engine::Dialect for Pg {
        fn name(&self) -> &'static str {
            "test"
        }
        fn capabilities(&self) -> crate::engine::Capabilities {
            Default::default()
        }
        fn parser_dialect(&self) -> Box<dyn sqlparser::dialect::Dialect> {
            Box::new(sqlparser::dialect::PostgreSqlDialect {})
        }
        fn now_expr(&self) -> &'static str {
            "now()"
        }
        fn log_id_column(&self) -> &'static str {
            "id SERIAL PRIMARY KEY"
        }
    }

    fn object(sql: &str) -> (Option<String>, Vec<String>) {
        let c = classify(&Pg, sql);
        let refs = if c.object.is_some() && !sql.contains("VIEW") {
            c.refs.into_iter().collect()
        } else {
            vec![]
        };
        (c.object, refs)
    }

    #[test]
    fn statements_belong_to_the_table_or_view_they_define_or_alter() {
        let o = |s: &str| Some(s.to_string());
        assert_eq!(
            object("CREATE TABLE public.\"Orders\" (id int, c int REFERENCES customers (id))"),
            (o("orders"), vec!["customers".into()])
        );
        assert_eq!(object("CREATE TABLE IF NOT EXISTS t (id int)"), (o("t"), vec![]));
        assert_eq!(object("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS ix ON ONLY s.t USING btree (lower(name))"), (o("t"), vec![]));
        assert_eq!(object("CREATE INDEX ON t (a)"), (o("t"), vec![]));
        assert_eq!(
            object("ALTER TABLE ONLY t ADD CONSTRAINT fk FOREIGN KEY (p) REFERENCES p (id)"),
            (o("t"), vec!["p".into()])
        );
        assert_eq!(object("COMMENT ON COLUMN public.t.c IS 'x'"), (o("t"), vec![]));
        assert_eq!(object("COMMENT ON TABLE t IS 'x'"), (o("t"), vec![]));
        assert_eq!(object("CREATE OR REPLACE VIEW v AS SELECT * FROM t").0, o("v"));
        assert!(classify(&Pg, "CREATE VIEW v AS SELECT a FROM t JOIN u USING (id)")
            .refs
            .contains("u"));
        // Everything else is other.
        for sql in [
            "CREATE TABLE t AS SELECT 1",
            "CREATE TABLE c PARTITION OF p FOR VALUES IN (1)",
            "CREATE TABLE t (LIKE u INCLUDING ALL)",
            "ALTER TABLE t RENAME TO u",
            "CREATE TYPE mood AS ENUM ('a')",
            "CREATE FUNCTION f() RETURNS int AS $$ SELECT 1 $$ LANGUAGE sql",
            "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()",
            "CREATE MATERIALIZED VIEW m AS SELECT 1",
            "COMMENT ON INDEX ix IS 'x'",
        ] {
            assert_eq!(classify(&Pg, sql).object, None, "{sql}");
        }
        assert!(classify(
            &Pg,
            "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()"
        )
        .refs
        .contains("t"));
    }
}
