//! Renders changes as SQLite SQL: `ALTER TABLE` where SQLite allows it, otherwise a
//! table rebuild (https://sqlite.org/lang_altertable.html#otheralter, the procedure
//! Alembic's batch mode follows): create the new table, copy the rows, drop the old
//! one, rename, recreate indexes and triggers, then check foreign keys. Views that
//! read a rebuilt table are dropped first and recreated after, because SQLite's
//! RENAME refuses to run while a view points at a missing table.
use retort_core::error::DbError;
use retort_core::diff::deps::mentions;
use retort_core::diff::{Change, RenderedStatement};
use retort_core::engine::Dialect;
use retort_core::schema::{Column, ForeignKey, Index, Schema, Table};
use std::collections::{BTreeMap, BTreeSet};

fn qi(s: &str) -> String {
    format!("\"{}\"", s.replace('"', "\"\""))
}

fn column_def(c: &Column, inline_pk: bool) -> String {
    let mut s = qi(&c.name);
    if !c.ty.is_empty() {
        s.push(' ');
        s.push_str(&c.ty);
    }
    if !c.nullable {
        s.push_str(" NOT NULL");
    }
    if inline_pk {
        s.push_str(" PRIMARY KEY AUTOINCREMENT");
    }
    if let Some(d) = &c.default {
        s.push_str(&format!(" DEFAULT {}", default_sql(d)));
    }
    if let Some(coll) = &c.collation {
        s.push_str(&format!(" COLLATE {coll}"));
    }
    if let Some(g) = &c.generated {
        s.push_str(&format!(" GENERATED ALWAYS AS ({}) {}", g.expr, if g.stored { "STORED" } else { "VIRTUAL" }));
    }
    s
}

/// SQLite reports an expression default without the parentheses it needs in DDL.
fn default_sql(d: &str) -> String {
    let u = d.to_ascii_uppercase();
    let literal = d.starts_with('\'') && d.ends_with('\'') && d.len() >= 2
        || d.parse::<f64>().is_ok()
        || d.starts_with('(')
        || d.starts_with("X'") || d.starts_with("x'")
        || matches!(u.as_str(), "NULL" | "TRUE" | "FALSE" | "CURRENT_TIME" | "CURRENT_DATE" | "CURRENT_TIMESTAMP");
    if literal { d.to_string() } else { format!("({d})") }
}

fn constraint(name: &Option<String>) -> String {
    name.as_ref().map(|n| format!("CONSTRAINT {} ", qi(n))).unwrap_or_default()
}

fn cols(list: &[String]) -> String {
    list.iter().map(|c| qi(c)).collect::<Vec<_>>().join(", ")
}

fn fk_def(fk: &ForeignKey) -> String {
    format!("{}{}", constraint(&fk.name), fk.standard_clause(qi))
}

/// `CREATE TABLE name (...)` for a table of the model.
pub fn create_table(t: &Table, name: &str) -> String {
    let auto_pk = t
        .primary_key
        .as_ref()
        .filter(|pk| pk.columns.len() == 1 && pk.name.is_none())
        .and_then(|pk| t.column(&pk.columns[0]))
        .filter(|c| c.auto_increment)
        .map(|c| c.name.clone());
    let mut items: Vec<String> = t.columns.iter().map(|c| column_def(c, auto_pk.as_deref() == Some(c.name.as_str()))).collect();
    if let Some(pk) = &t.primary_key {
        if auto_pk.is_none() {
            items.push(format!("{}PRIMARY KEY ({})", constraint(&pk.name), cols(&pk.columns)));
        }
    }
    for u in &t.uniques {
        items.push(format!("{}UNIQUE ({})", constraint(&u.name), cols(&u.columns)));
    }
    for c in &t.checks {
        items.push(format!("{}CHECK ({})", constraint(&c.name), c.expr));
    }
    for fk in &t.foreign_keys {
        items.push(fk_def(fk));
    }
    let mut s = format!("CREATE TABLE {} (\n    {}\n)", qi(name), items.join(",\n    "));
    if !t.options.is_empty() {
        s.push(' ');
        s.push_str(&t.options.join(", "));
    }
    s
}

pub fn create_index(table: &str, i: &Index) -> String {
    let parts: Vec<String> = i
        .parts
        .iter()
        .map(|p| {
            let mut s = if p.is_expr { p.expr.clone() } else { qi(&p.expr) };
            if let Some(c) = &p.collation {
                s.push_str(&format!(" COLLATE {c}"));
            }
            if p.desc {
                s.push_str(" DESC");
            }
            s
        })
        .collect();
    let mut s = format!("CREATE {}INDEX {} ON {} ({})", if i.unique { "UNIQUE " } else { "" }, qi(&i.name), qi(table), parts.join(", "));
    if let Some(p) = &i.predicate {
        s.push_str(&format!(" WHERE {p}"));
    }
    s
}

/// A column `ALTER TABLE ADD COLUMN` accepts (https://sqlite.org/lang_altertable.html#altertabaddcol).
fn simple_add(c: &Column) -> bool {
    let constant_default = c.default.as_ref().is_none_or(|d| {
        let u = d.to_ascii_uppercase();
        !(d.contains('(') || u.contains("CURRENT_"))
    });
    !c.auto_increment
        && constant_default
        && (c.nullable || c.default.is_some())
        && c.generated.as_ref().is_none_or(|g| !g.stored)
}

/// A column `ALTER TABLE DROP COLUMN` can remove without a rebuild.
fn simple_drop(t: &Table, col: &str, views: &[&str]) -> bool {
    let in_pk = t.primary_key.as_ref().is_some_and(|pk| pk.columns.iter().any(|c| c == col));
    let in_unique = t.uniques.iter().any(|u| u.columns.iter().any(|c| c == col));
    let in_index = t.indexes.iter().any(|i| i.parts.iter().any(|p| p.is_expr || p.expr == col) || i.predicate.is_some());
    let in_fk = t.foreign_keys.iter().any(|f| f.columns.iter().any(|c| c == col));
    !(in_pk || in_unique || in_index || in_fk || !t.checks.is_empty() || !t.triggers.is_empty() || !views.is_empty()
        || t.columns.iter().any(|c| c.generated.is_some()))
}

pub fn render(_d: &dyn Dialect, from: &Schema, to: &Schema, changes: &[Change]) -> Result<Vec<RenderedStatement>, DbError> {
    // Where each target table lived before (renames).
    let mut old_name: BTreeMap<String, String> = BTreeMap::new();
    let mut col_renames: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for c in changes {
        match c {
            Change::RenameTable { from, to } => {
                old_name.insert(to.clone(), from.clone());
            }
            Change::RenameColumn { table, from, to } => {
                col_renames.entry(table.clone()).or_default().insert(from.clone(), to.clone());
            }
            _ => {}
        }
    }
    let from_table = |t: &str| from.tables.get(old_name.get(t).map(String::as_str).unwrap_or(t));
    let views_on = |t: &str| -> Vec<&str> {
        let old = old_name.get(t).map(String::as_str).unwrap_or(t);
        from.views.values().filter(|v| mentions(&v.sql, t) || mentions(&v.sql, old)).map(|v| v.name.as_str()).collect()
    };

    // Which tables need a rebuild, and why.
    let mut rebuild: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for c in changes {
        let reason = match c {
            Change::AlterColumn { to, .. } => Some(format!("alter column {}", to.name)),
            Change::SetPrimaryKey { .. } => Some("change the primary key".into()),
            Change::AddUnique { .. } | Change::DropUnique { .. } => Some("change a unique constraint".into()),
            Change::AddForeignKey { .. } | Change::DropForeignKey { .. } => Some("change a foreign key".into()),
            Change::AddCheck { .. } | Change::DropCheck { .. } => Some("change a check constraint".into()),
            Change::SetTableOptions { .. } => Some("change table options".into()),
            Change::AddColumn { column, .. } if !simple_add(column) => Some(format!("add column {} (not addable by ALTER TABLE)", column.name)),
            Change::DropColumn { table, column } => {
                let t = from_table(table);
                match t {
                    Some(t) if simple_drop(t, &column.name, &views_on(table)) => None,
                    _ => Some(format!("drop column {} (used by a constraint, index, trigger or view)", column.name)),
                }
            }
            _ => None,
        };
        if let (Some(r), Some(t)) = (reason, c.table()) {
            if to.tables.contains_key(t) {
                rebuild.entry(t.to_string()).or_default().push(r);
            }
        }
    }

    // Views reading a rebuilt table: dropped first, recreated at the end.
    let dropped_by_diff: BTreeSet<&str> = changes.iter().filter_map(|c| match c { Change::DropView { view } => Some(view.name.as_str()), _ => None }).collect();
    let created_by_diff: BTreeSet<&str> = changes.iter().filter_map(|c| match c { Change::CreateView { view } => Some(view.name.as_str()), _ => None }).collect();
    let mut dependent: BTreeSet<String> = BTreeSet::new();
    for t in rebuild.keys() {
        for v in views_on(t) {
            dependent.insert(v.to_string());
        }
    }

    let mut out = Vec::new();
    for v in &dependent {
        if !dropped_by_diff.contains(v.as_str()) {
            out.push(RenderedStatement::with_comment(format!("DROP VIEW {}", qi(v)), format!("view {v} reads a rebuilt table: dropped here, recreated at the end")));
        }
    }
    let mut rebuilt: BTreeSet<String> = BTreeSet::new();
    for c in changes {
        let table = c.table().unwrap_or_default().to_string();
        let in_rebuild = rebuild.contains_key(&table);
        match c {
            Change::DropView { view } => out.push(RenderedStatement::new(format!("DROP VIEW {}", qi(&view.name)))),
            Change::CreateView { view } => out.push(RenderedStatement::new(view.sql.clone())),
            Change::DropTrigger { trigger, .. } if !in_rebuild => out.push(RenderedStatement::new(format!("DROP TRIGGER {}", qi(&trigger.name)))),
            Change::DropIndex { index, .. } if !in_rebuild => out.push(RenderedStatement::new(format!("DROP INDEX {}", qi(&index.name)))),
            Change::DropTable { table } => out.push(RenderedStatement::with_comment(format!("DROP TABLE {}", qi(&table.name)), format!("DATA LOSS: drops table {}", table.name))),
            Change::RenameTable { from, to } => out.push(RenderedStatement::new(format!("ALTER TABLE {} RENAME TO {}", qi(from), qi(to)))),
            Change::RenameColumn { table, from, to } => out.push(RenderedStatement::new(format!("ALTER TABLE {} RENAME COLUMN {} TO {}", qi(table), qi(from), qi(to)))),
            Change::CreateTable { table } => {
                out.push(RenderedStatement::new(create_table(table, &table.name)));
                for i in &table.indexes {
                    out.push(RenderedStatement::new(create_index(&table.name, i)));
                }
                for t in &table.triggers {
                    out.push(RenderedStatement::new(t.sql.clone()));
                }
            }
            Change::AddColumn { table, column } if !in_rebuild => {
                out.push(RenderedStatement::new(format!("ALTER TABLE {} ADD COLUMN {}", qi(table), column_def(column, false))))
            }
            Change::DropColumn { table, column } if !in_rebuild => out.push(RenderedStatement::with_comment(
                format!("ALTER TABLE {} DROP COLUMN {}", qi(table), qi(&column.name)),
                format!("DATA LOSS: drops column {table}.{}", column.name),
            )),
            Change::CreateIndex { index, .. } if !in_rebuild => out.push(RenderedStatement::new(create_index(&table, index))),
            Change::CreateTrigger { trigger, .. } if !in_rebuild => out.push(RenderedStatement::new(trigger.sql.clone())),
            _ if in_rebuild && !rebuilt.contains(&table) && !matches!(c, Change::RenameTable { .. } | Change::RenameColumn { .. }) => {
                rebuilt.insert(table.clone());
                let target = &to.tables[&table];
                // Columns as they are live when the rebuild runs: after the renames.
                let renamed = col_renames.get(&table);
                let live: Vec<Column> = from_table(&table)
                    .map(|t| {
                        t.columns
                            .iter()
                            .map(|c| Column { name: renamed.and_then(|r| r.get(&c.name)).cloned().unwrap_or_else(|| c.name.clone()), ..c.clone() })
                            .collect()
                    })
                    .unwrap_or_default();
                out.extend(rebuild_table(target, &live, &rebuild[&table]));
            }
            // Already expressed by the table's rebuild.
            _ if in_rebuild => {}
            // Nothing SQLite can express (comments, enums, sequences): never skipped silently.
            _ => return Err(retort_core::engine::cannot_render("sqlite", c)),
        }
    }
    for v in &dependent {
        if let Some(view) = to.views.get(v) {
            if !created_by_diff.contains(v.as_str()) {
                out.push(RenderedStatement::new(view.sql.clone()));
            }
        }
    }
    Ok(out)
}

fn rebuild_table(target: &Table, live_columns: &[Column], reasons: &[String]) -> Vec<RenderedStatement> {
    let name = &target.name;
    let tmp = format!("_retort_new_{name}");
    let copy: Vec<(&Column, &Column)> = target
        .columns
        .iter()
        .filter(|c| c.generated.is_none())
        .filter_map(|c| live_columns.iter().find(|l| l.name == c.name && l.generated.is_none()).map(|l| (c, l)))
        .collect();
    let copy_list = copy.iter().map(|(c, _)| qi(&c.name)).collect::<Vec<_>>().join(", ");
    // A column that becomes NOT NULL with a default gets the default where it held NULL.
    let select_list = copy
        .iter()
        .map(|(c, old)| match (&c.default, old.nullable && !c.nullable) {
            (Some(d), true) => format!("COALESCE({}, {})", qi(&c.name), default_sql(d)),
            _ => qi(&c.name),
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut out = vec![RenderedStatement::with_comment(
        create_table(target, &tmp),
        format!("TABLE REBUILD of {name} (SQLite cannot {} in place): copies every row", reasons.join(", ")),
    )];
    if !copy.is_empty() {
        let sql = format!("INSERT INTO {} ({copy_list}) SELECT {select_list} FROM {}", qi(&tmp), qi(name));
        let filled: Vec<&str> = copy.iter().filter(|(c, old)| c.default.is_some() && old.nullable && !c.nullable).map(|(c, _)| c.name.as_str()).collect();
        out.push(if filled.is_empty() {
            RenderedStatement::new(sql)
        } else {
            RenderedStatement::with_comment(sql, format!("NULLs in {} become the column default", filled.join(", ")))
        });
    }
    out.push(RenderedStatement::new(format!("DROP TABLE {}", qi(name))));
    out.push(RenderedStatement::new(format!("ALTER TABLE {} RENAME TO {}", qi(&tmp), qi(name))));
    for i in &target.indexes {
        out.push(RenderedStatement::new(create_index(name, i)));
    }
    for t in &target.triggers {
        out.push(RenderedStatement::new(t.sql.clone()));
    }
    out.push(RenderedStatement::new(format!("PRAGMA foreign_key_check({})", qi(name))));
    out
}
