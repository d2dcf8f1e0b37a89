//! SQLite introspection into the core's schema model with four bulk queries, whatever
//! the number of tables: the `pragma_*` table-valued functions joined with
//! `sqlite_schema` (https://sqlite.org/pragma.html#pragfunc).
//!
//! What the pragmas do not expose (CHECK constraints, constraint names, collations,
//! generated expressions, AUTOINCREMENT, DEFERRABLE, expression-index text) is read
//! from the stored `CREATE` statements with sqlparser; if a statement does not parse,
//! the pragma information alone is used.
use retort_core::schema::{
    Check, Column, ForeignKey, Generated, Index, IndexPart, PrimaryKey, Schema, Table, Trigger,
    Unique, View,
};
use rusqlite::Connection;
use sqlparser::ast::{
    ColumnOption, CreateIndex, CreateTable, Expr, GeneratedExpressionMode, ObjectName, Statement,
    TableConstraint,
};
use sqlparser::dialect::SQLiteDialect;
use sqlparser::parser::Parser;
use std::collections::BTreeMap;

/// Normalises a declared type: upper case, single spaces, no spaces inside parentheses.
pub fn normalise_type(ty: &str) -> String {
    let collapsed = ty.split_whitespace().collect::<Vec<_>>().join(" ").to_ascii_uppercase();
    collapsed
        .replace(" (", "(")
        .replace("( ", "(")
        .replace(" )", ")")
        .replace(", ", ",")
        .replace(" ,", ",")
}

fn unquote(s: &str) -> String {
    let s = s.trim();
    let last = s.rsplit('.').next().unwrap_or(s);
    let b = last.as_bytes();
    if b.len() >= 2 && matches!((b[0], b[b.len() - 1]), (b'"', b'"') | (b'`', b'`') | (b'[', b']'))
    {
        last[1..last.len() - 1].to_string()
    } else {
        last.to_string()
    }
}

fn object_name(n: &ObjectName) -> String {
    unquote(&n.to_string())
}

/// What the CREATE TABLE text adds to the pragmas.
#[derive(Default)]
struct Parsed {
    pk_name: Option<String>,
    autoincrement: Option<String>,
    collations: BTreeMap<String, String>,
    generated: BTreeMap<String, Generated>,
    checks: Vec<Check>,
    uniques: Vec<Unique>,
    /// (columns, referenced table) → (name, deferrable)
    fks: Vec<(Vec<String>, String, Option<String>, bool)>,
    options: Vec<String>,
}

fn parse_table(sql: &str) -> Option<Parsed> {
    let stmts = Parser::parse_sql(&SQLiteDialect {}, sql).ok()?;
    let Some(Statement::CreateTable(CreateTable {
        columns,
        constraints,
        without_rowid,
        strict,
        ..
    })) = stmts.into_iter().next()
    else {
        return None;
    };
    let mut p = Parsed::default();
    if without_rowid {
        p.options.push("WITHOUT ROWID".into());
    }
    if strict {
        p.options.push("STRICT".into());
    }
    for col in &columns {
        let cname = col.name.value.clone();
        for opt in &col.options {
            let name = opt.name.as_ref().map(|n| n.value.clone());
            match &opt.option {
                ColumnOption::Unique { is_primary: true, .. } => p.pk_name = name,
                ColumnOption::Unique { is_primary: false, .. } => p.uniques.push(Unique {
                    name,
                    columns: vec![cname.clone()],
                    ..Default::default()
                }),
                ColumnOption::Check(e) => {
                    p.checks.push(Check { name, expr: e.to_string(), ..Default::default() })
                }
                ColumnOption::Collation(c) => {
                    p.collations.insert(cname.clone(), object_name(c).to_ascii_uppercase());
                }
                ColumnOption::Generated {
                    generation_expr: Some(e), generation_expr_mode, ..
                } => {
                    p.generated.insert(
                        cname.clone(),
                        Generated {
                            expr: e.to_string(),
                            stored: matches!(
                                generation_expr_mode,
                                Some(GeneratedExpressionMode::Stored)
                            ),
                        },
                    );
                }
                ColumnOption::ForeignKey { foreign_table, characteristics, .. } => {
                    let deferrable =
                        characteristics.as_ref().and_then(|c| c.deferrable).unwrap_or(false);
                    p.fks.push((vec![cname.clone()], object_name(foreign_table), name, deferrable));
                }
                ColumnOption::DialectSpecific(tokens)
                    if tokens
                        .iter()
                        .any(|t| t.to_string().eq_ignore_ascii_case("AUTOINCREMENT")) =>
                {
                    p.autoincrement = Some(cname.clone());
                }
                _ => {}
            }
        }
    }
    for c in &constraints {
        match c {
            TableConstraint::Check { name, expr, .. } => p.checks.push(Check {
                name: name.as_ref().map(|n| n.value.clone()),
                expr: expr.to_string(),
                ..Default::default()
            }),
            TableConstraint::Unique { name, columns, .. } => p.uniques.push(Unique {
                name: name.as_ref().map(|n| n.value.clone()),
                columns: columns.iter().map(|c| unquote(&c.column.expr.to_string())).collect(),
                ..Default::default()
            }),
            TableConstraint::PrimaryKey { name, .. } => {
                p.pk_name = name.as_ref().map(|n| n.value.clone())
            }
            TableConstraint::ForeignKey {
                name, columns, foreign_table, characteristics, ..
            } => {
                let deferrable =
                    characteristics.as_ref().and_then(|c| c.deferrable).unwrap_or(false);
                p.fks.push((
                    columns.iter().map(|c| c.value.clone()).collect(),
                    object_name(foreign_table),
                    name.as_ref().map(|n| n.value.clone()),
                    deferrable,
                ));
            }
            _ => {}
        }
    }
    Some(p)
}

/// Expression parts and predicate of a `CREATE INDEX`.
fn parse_index(sql: &str) -> Option<(Vec<String>, Option<String>)> {
    let stmts = Parser::parse_sql(&SQLiteDialect {}, sql).ok()?;
    let Some(Statement::CreateIndex(CreateIndex { columns, predicate, .. })) =
        stmts.into_iter().next()
    else {
        return None;
    };
    let parts = columns
        .iter()
        .map(|c| match &c.column.expr {
            Expr::Collate { expr, .. } => expr.to_string(),
            e => e.to_string(),
        })
        .collect();
    Some((parts, predicate.map(|p| p.to_string())))
}

fn q(conn: &Connection, sql: &str, n: usize) -> rusqlite::Result<Vec<Vec<Option<String>>>> {
    let mut stmt = conn.prepare(sql)?;
    let rows = stmt.query_map([], |r| {
        (0..n)
            .map(|i| {
                r.get_ref(i).map(|v| match v {
                    rusqlite::types::ValueRef::Null => None,
                    rusqlite::types::ValueRef::Integer(i) => Some(i.to_string()),
                    rusqlite::types::ValueRef::Real(f) => Some(f.to_string()),
                    rusqlite::types::ValueRef::Text(t) | rusqlite::types::ValueRef::Blob(t) => {
                        Some(String::from_utf8_lossy(t).into_owned())
                    }
                })
            })
            .collect::<rusqlite::Result<Vec<_>>>()
    })?;
    rows.collect()
}

/// Ordinary tables: not SQLite's own, not virtual tables, and not the shadow tables a
/// virtual table keeps its data in (FTS5's `docs_content`, … — made by the virtual table).
const TABLES: &str =
    "m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.sql NOT LIKE 'CREATE VIRTUAL%' \
    AND m.name NOT IN (SELECT name FROM pragma_table_list WHERE type = 'shadow')";

/// What the schema model does not cover, as `N kind` (virtual tables).
pub fn uncompared(conn: &Connection) -> rusqlite::Result<Vec<String>> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND sql LIKE 'CREATE VIRTUAL%'",
        [],
        |r| r.get(0),
    )?;
    Ok(retort_core::engine::counted(&[(n, "virtual table", "virtual tables")]))
}

pub fn introspect(conn: &Connection) -> rusqlite::Result<Schema> {
    let mut schema = Schema::default();
    let objects = q(conn, "SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' AND name NOT IN (SELECT name FROM pragma_table_list WHERE type = 'shadow') ORDER BY name", 4)?;
    let mut parsed: BTreeMap<String, Parsed> = BTreeMap::new();
    let mut index_sql: BTreeMap<String, String> = BTreeMap::new();
    let mut triggers = Vec::new();
    for o in &objects {
        let (ty, name, tbl, sql) = (
            o[0].as_deref().unwrap_or(""),
            o[1].clone().unwrap_or_default(),
            o[2].clone().unwrap_or_default(),
            o[3].clone().unwrap_or_default(),
        );
        match ty {
            "table" if !sql.starts_with("CREATE VIRTUAL") => {
                schema
                    .tables
                    .insert(name.clone(), Table { name: name.clone(), ..Default::default() });
                if let Some(p) = parse_table(&sql) {
                    parsed.insert(name, p);
                }
            }
            // Stored verbatim, with whatever comments the creating file had.
            "view" => {
                schema.views.insert(
                    name.clone(),
                    View {
                        name,
                        sql: retort_core::sql_split::strip_comments(&sql),
                        ..Default::default()
                    },
                );
            }
            "index" => {
                index_sql.insert(name, sql);
            }
            "trigger" => triggers
                .push((tbl, Trigger { name, sql: retort_core::sql_split::strip_comments(&sql) })),
            _ => {}
        }
    }

    let cols = q(conn, &format!("SELECT m.name, p.name, p.type, p.\"notnull\", p.dflt_value, p.pk, p.hidden FROM sqlite_schema m, pragma_table_xinfo(m.name) p WHERE {TABLES} ORDER BY m.name, p.cid"), 7)?;
    let mut pks: BTreeMap<String, Vec<(i64, String)>> = BTreeMap::new();
    for r in cols {
        let table = r[0].clone().unwrap_or_default();
        let Some(t) = schema.tables.get_mut(&table) else { continue };
        let name = r[1].clone().unwrap_or_default();
        let hidden: i64 = r[6].as_deref().and_then(|h| h.parse().ok()).unwrap_or(0);
        if hidden == 1 {
            continue;
        }
        let p = parsed.get(&table);
        let pk: i64 = r[5].as_deref().and_then(|v| v.parse().ok()).unwrap_or(0);
        if pk > 0 {
            pks.entry(table.clone()).or_default().push((pk, name.clone()));
        }
        t.columns.push(Column {
            ty: normalise_type(r[2].as_deref().unwrap_or("")),
            nullable: r[3].as_deref() != Some("1"),
            default: r[4].clone().map(|d| d.trim().to_string()),
            generated: p.and_then(|p| p.generated.get(&name).cloned()).or_else(|| {
                (hidden >= 2).then(|| Generated { expr: String::new(), stored: hidden == 3 })
            }),
            collation: p.and_then(|p| p.collations.get(&name).cloned()),
            auto_increment: p.is_some_and(|p| p.autoincrement.as_deref() == Some(name.as_str())),
            name,
            ..Default::default()
        });
    }
    for (table, mut cols) in pks {
        cols.sort();
        let t = schema.tables.get_mut(&table).expect("pk of a known table");
        t.primary_key = Some(PrimaryKey {
            name: parsed.get(&table).and_then(|p| p.pk_name.clone()),
            columns: cols.into_iter().map(|(_, c)| c).collect(),
        });
    }

    let idx = q(conn, &format!("SELECT m.name, il.name, il.\"unique\", il.origin, il.partial, ii.name, ii.\"desc\", ii.coll FROM sqlite_schema m, pragma_index_list(m.name) il, pragma_index_xinfo(il.name) ii WHERE {TABLES} AND ii.key = 1 ORDER BY m.name, il.name, ii.seqno"), 8)?;
    let mut grouped: BTreeMap<(String, String), Vec<Vec<Option<String>>>> = BTreeMap::new();
    for r in idx {
        grouped
            .entry((r[0].clone().unwrap_or_default(), r[1].clone().unwrap_or_default()))
            .or_default()
            .push(r);
    }
    for ((table, name), rows) in grouped {
        let Some(t) = schema.tables.get_mut(&table) else { continue };
        let origin = rows[0][3].as_deref().unwrap_or("c");
        let columns: Vec<Option<String>> = rows.iter().map(|r| r[5].clone()).collect();
        match origin {
            "u" => {
                let cols: Vec<String> = columns.into_iter().flatten().collect();
                let uname = parsed.get(&table).and_then(|p| {
                    p.uniques.iter().find(|u| u.columns == cols).and_then(|u| u.name.clone())
                });
                t.uniques.push(Unique { name: uname, columns: cols, ..Default::default() });
            }
            "pk" => {}
            _ => {
                let parsed_index = index_sql.get(&name).and_then(|s| parse_index(s));
                let parts = rows
                    .iter()
                    .enumerate()
                    .map(|(i, r)| {
                        let coll = r[7]
                            .clone()
                            .filter(|c| !c.eq_ignore_ascii_case("BINARY"))
                            .map(|c| c.to_ascii_uppercase());
                        match &r[5] {
                            Some(col) => IndexPart {
                                expr: col.clone(),
                                is_expr: false,
                                desc: r[6].as_deref() == Some("1"),
                                collation: coll,
                                nulls: None,
                            },
                            None => IndexPart {
                                expr: parsed_index
                                    .as_ref()
                                    .and_then(|(p, _)| p.get(i).cloned())
                                    .unwrap_or_else(|| "<expression>".into()),
                                is_expr: true,
                                desc: r[6].as_deref() == Some("1"),
                                collation: coll,
                                nulls: None,
                            },
                        }
                    })
                    .collect();
                let predicate = if rows[0][4].as_deref() == Some("1") {
                    parsed_index.and_then(|(_, p)| p)
                } else {
                    None
                };
                t.indexes.push(Index {
                    name,
                    unique: rows[0][2].as_deref() == Some("1"),
                    parts,
                    predicate,
                    ..Default::default()
                });
            }
        }
    }

    let fks = q(conn, &format!("SELECT m.name, f.id, f.\"table\", f.\"from\", f.\"to\", f.on_update, f.on_delete FROM sqlite_schema m, pragma_foreign_key_list(m.name) f WHERE {TABLES} ORDER BY m.name, f.id, f.seq"), 7)?;
    let mut fk_groups: BTreeMap<(String, i64), Vec<Vec<Option<String>>>> = BTreeMap::new();
    for r in fks {
        let id = r[1].as_deref().and_then(|v| v.parse().ok()).unwrap_or(0);
        fk_groups.entry((r[0].clone().unwrap_or_default(), id)).or_default().push(r);
    }
    // pragma_foreign_key_list numbers constraints in reverse declaration order.
    for ((table, _), rows) in fk_groups.into_iter().rev() {
        let Some(t) = schema.tables.get_mut(&table) else { continue };
        let columns: Vec<String> = rows.iter().map(|r| r[3].clone().unwrap_or_default()).collect();
        let ref_table = rows[0][2].clone().unwrap_or_default();
        let ref_columns: Vec<String> = rows.iter().filter_map(|r| r[4].clone()).collect();
        let (name, deferrable) = parsed
            .get(&table)
            .and_then(|p| {
                p.fks
                    .iter()
                    .find(|(c, rt, _, _)| c == &columns && rt.eq_ignore_ascii_case(&ref_table))
            })
            .map(|(_, _, n, d)| (n.clone(), *d))
            .unwrap_or((None, false));
        t.foreign_keys.push(ForeignKey {
            name,
            columns,
            ref_table,
            ref_columns,
            on_update: rows[0][5].clone().unwrap_or_else(|| "NO ACTION".into()),
            on_delete: rows[0][6].clone().unwrap_or_else(|| "NO ACTION".into()),
            deferrable,
            match_full: false,
            backing_index: None,
        });
    }

    for (name, p) in parsed {
        if let Some(t) = schema.tables.get_mut(&name) {
            t.checks = p.checks;
            t.options = p.options;
        }
    }
    for (table, trig) in triggers {
        if let Some(t) = schema.tables.get_mut(&table) {
            t.triggers.push(trig);
        }
    }
    Ok(schema)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_whole_model() {
        let c = Connection::open_in_memory().unwrap();
        c.execute_batch(
            r#"
            CREATE TABLE users (id INTEGER PRIMARY KEY AUTOINCREMENT, email varchar( 255 ) NOT NULL COLLATE NOCASE,
                score NUMERIC(10, 2) DEFAULT 0, CONSTRAINT uq_email UNIQUE (email), CHECK (score >= 0));
            CREATE TABLE posts (id INTEGER, author INTEGER, title TEXT, slug TEXT GENERATED ALWAYS AS (lower(title)) STORED,
                PRIMARY KEY (id), CONSTRAINT fk_author FOREIGN KEY (author) REFERENCES users (id) ON DELETE CASCADE DEFERRABLE INITIALLY DEFERRED);
            CREATE INDEX ix_posts_title ON posts (title DESC) WHERE title IS NOT NULL;
            CREATE UNIQUE INDEX ix_lower ON posts (lower(title));
            CREATE VIEW v AS SELECT id FROM users;
            CREATE TRIGGER trg AFTER INSERT ON posts BEGIN SELECT 1; END;
            "#,
        )
        .unwrap();
        let s = introspect(&c).unwrap();
        let users = &s.tables["users"];
        assert!(users.columns[0].auto_increment);
        assert_eq!(users.columns[1].ty, "VARCHAR(255)");
        assert!(!users.columns[1].nullable);
        assert_eq!(users.columns[1].collation.as_deref(), Some("NOCASE"));
        assert_eq!(users.columns[2].ty, "NUMERIC(10,2)");
        assert_eq!(users.columns[2].default.as_deref(), Some("0"));
        assert_eq!(
            users.uniques,
            vec![Unique {
                name: Some("uq_email".into()),
                columns: vec!["email".into()],
                ..Default::default()
            }]
        );
        assert_eq!(users.checks.len(), 1);
        let posts = &s.tables["posts"];
        assert_eq!(posts.primary_key.as_ref().unwrap().columns, vec!["id"]);
        assert!(posts.columns[3].generated.as_ref().unwrap().stored);
        assert!(posts.columns[3].generated.as_ref().unwrap().expr.contains("lower"));
        let fk = &posts.foreign_keys[0];
        assert_eq!(
            (fk.name.as_deref(), fk.on_delete.as_str(), fk.deferrable),
            (Some("fk_author"), "CASCADE", true)
        );
        let partial = posts.indexes.iter().find(|i| i.name == "ix_posts_title").unwrap();
        assert!(partial.parts[0].desc && partial.predicate.is_some());
        let expr = posts.indexes.iter().find(|i| i.name == "ix_lower").unwrap();
        assert!(expr.unique && expr.parts[0].is_expr && expr.parts[0].expr.contains("lower"));
        assert_eq!(posts.triggers.len(), 1);
        assert!(s.views.contains_key("v"));
    }
}
