//! SQLite's answers to the shared renderer ([`retort_core::render`]): `ALTER TABLE`
//! where SQLite allows it, otherwise a table rebuild
//! (https://sqlite.org/lang_altertable.html#otheralter, the procedure Alembic's batch
//! mode follows): create the new table, copy the rows, drop the old one, rename,
//! recreate indexes and triggers, then check foreign keys. A rebuilt table blocks the
//! views that read it (SQLite's RENAME refuses while a view points at a missing
//! table), so the core drops them first and recreates them after.
use retort_core::diff::Change;
use retort_core::error::DbError;
use retort_core::render::{ChangeRenderer, RenderedStatement, TableStatements};
use retort_core::schema::views::mentions;
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
        s.push_str(&format!(
            " GENERATED ALWAYS AS ({}) {}",
            g.expr,
            if g.stored { "STORED" } else { "VIRTUAL" }
        ));
    }
    s
}

/// SQLite reports an expression default without the parentheses it needs in DDL.
fn default_sql(d: &str) -> String {
    let u = d.to_ascii_uppercase();
    let literal = d.starts_with('\'') && d.ends_with('\'') && d.len() >= 2
        || d.parse::<f64>().is_ok()
        || d.starts_with('(')
        || d.starts_with("X'")
        || d.starts_with("x'")
        || matches!(
            u.as_str(),
            "NULL" | "TRUE" | "FALSE" | "CURRENT_TIME" | "CURRENT_DATE" | "CURRENT_TIMESTAMP"
        );
    if literal {
        d.to_string()
    } else {
        format!("({d})")
    }
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
    let mut items: Vec<String> = t
        .columns
        .iter()
        .map(|c| column_def(c, auto_pk.as_deref() == Some(c.name.as_str())))
        .collect();
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
    let mut s = format!(
        "CREATE {}INDEX {} ON {} ({})",
        if i.unique { "UNIQUE " } else { "" },
        qi(&i.name),
        qi(table),
        parts.join(", ")
    );
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
    let in_index = t
        .indexes
        .iter()
        .any(|i| i.parts.iter().any(|p| p.is_expr || p.expr == col) || i.predicate.is_some());
    let in_fk = t.foreign_keys.iter().any(|f| f.columns.iter().any(|c| c == col));
    !(in_pk
        || in_unique
        || in_index
        || in_fk
        || !t.checks.is_empty()
        || !t.triggers.is_empty()
        || !views.is_empty()
        || t.columns.iter().any(|c| c.generated.is_some()))
}

/// The plan of one render call: which tables are rebuilt (and why), where each table
/// and column lived before the renames, and which rebuilds are already written.
struct Sqlite<'a> {
    from: &'a Schema,
    to: &'a Schema,
    old_name: BTreeMap<String, String>,
    col_renames: BTreeMap<String, BTreeMap<String, String>>,
    rebuild: BTreeMap<String, Vec<String>>,
    rebuilt: BTreeSet<String>,
}

pub fn render(
    from: &Schema,
    to: &Schema,
    changes: &[Change],
) -> Result<Vec<RenderedStatement>, DbError> {
    retort_core::render::render(&mut Sqlite::plan(from, to, changes), from, to, changes)
}

impl<'a> Sqlite<'a> {
    fn plan(from: &'a Schema, to: &'a Schema, changes: &[Change]) -> Self {
        let mut plan = Sqlite {
            from,
            to,
            old_name: BTreeMap::new(),
            col_renames: BTreeMap::new(),
            rebuild: BTreeMap::new(),
            rebuilt: BTreeSet::new(),
        };
        for c in changes {
            match c {
                Change::RenameTable { from, to } => {
                    plan.old_name.insert(to.clone(), from.clone());
                }
                Change::RenameColumn { table, from, to } => {
                    plan.col_renames
                        .entry(table.clone())
                        .or_default()
                        .insert(from.clone(), to.clone());
                }
                _ => {}
            }
        }
        for c in changes {
            let reason = match c {
                Change::AlterColumn { to, .. } => Some(format!("alter column {}", to.name)),
                Change::SetPrimaryKey { .. } => Some("change the primary key".into()),
                Change::AddUnique { .. } | Change::DropUnique { .. } => {
                    Some("change a unique constraint".into())
                }
                Change::AddForeignKey { .. } | Change::DropForeignKey { .. } => {
                    Some("change a foreign key".into())
                }
                Change::AddCheck { .. } | Change::DropCheck { .. } => {
                    Some("change a check constraint".into())
                }
                Change::SetTableOptions { .. } => Some("change table options".into()),
                Change::AddColumn { column, .. } if !simple_add(column) => {
                    Some(format!("add column {} (not addable by ALTER TABLE)", column.name))
                }
                Change::DropColumn { table, column } => match plan.table_before(table) {
                    Some(t) if simple_drop(t, &column.name, &plan.views_on(table)) => None,
                    _ => Some(format!(
                        "drop column {} (used by a constraint, index, trigger or view)",
                        column.name
                    )),
                },
                _ => None,
            };
            if let (Some(r), Some(t)) = (reason, c.table()) {
                if to.tables.contains_key(t) {
                    let reasons = plan.rebuild.entry(t.to_string()).or_default();
                    if !reasons.contains(&r) {
                        reasons.push(r);
                    }
                }
            }
        }
        plan
    }

    fn old_name<'b>(&'b self, t: &'b str) -> &'b str {
        self.old_name.get(t).map(String::as_str).unwrap_or(t)
    }

    fn table_before(&self, t: &str) -> Option<&'a Table> {
        self.from.tables.get(self.old_name(t))
    }

    fn views_on(&self, t: &str) -> Vec<&'a str> {
        let old = self.old_name(t);
        self.from
            .views
            .values()
            .filter(|v| mentions(&v.sql, t) || mentions(&v.sql, old))
            .map(|v| v.name.as_str())
            .collect()
    }
}

impl Sqlite<'_> {
    /// Rebuilds `table`, after the tables its foreign keys reference that are rebuilt too:
    /// its closing `PRAGMA foreign_key_check` fails with "foreign key mismatch" while a
    /// referenced table still has its old primary key or unique constraints.
    fn rebuild_with_referenced(&mut self, table: &str) -> Vec<RenderedStatement> {
        self.rebuilt.insert(table.to_string());
        let target = &self.to.tables[table];
        let mut out = Vec::new();
        for fk in &target.foreign_keys {
            if self.rebuild.contains_key(&fk.ref_table) && !self.rebuilt.contains(&fk.ref_table) {
                out.extend(self.rebuild_with_referenced(&fk.ref_table.clone()));
            }
        }
        // Columns as they are live when the rebuild runs: after the renames.
        let renamed = self.col_renames.get(table);
        let live: Vec<Column> = self
            .table_before(table)
            .map(|t| {
                t.columns
                    .iter()
                    .map(|c| Column {
                        name: renamed
                            .and_then(|r| r.get(&c.name))
                            .cloned()
                            .unwrap_or_else(|| c.name.clone()),
                        ..c.clone()
                    })
                    .collect()
            })
            .unwrap_or_default();
        out.extend(rebuild_table(target, &live, &self.rebuild[table]));
        out
    }
}

impl ChangeRenderer for Sqlite<'_> {
    fn tables_blocking_views(&self) -> BTreeSet<String> {
        self.rebuild.keys().flat_map(|t| [t.clone(), self.old_name(t).to_string()]).collect()
    }

    /// SQLite checks references when rows change, not when a table is created or dropped.
    fn checks_references_in_ddl(&self) -> bool {
        false
    }

    fn drop_view(&self, name: &str) -> String {
        format!("DROP VIEW {}", qi(name))
    }

    /// Foreign keys are part of SQLite's `CREATE TABLE`: nothing waits.
    fn create_table(&mut self, table: &Table) -> Result<TableStatements, DbError> {
        let mut now = vec![RenderedStatement::new(create_table(table, &table.name))];
        now.extend(
            table.indexes.iter().map(|i| RenderedStatement::new(create_index(&table.name, i))),
        );
        now.extend(table.triggers.iter().map(|t| RenderedStatement::new(t.sql.clone())));
        Ok(TableStatements { now, after_all_tables: Vec::new() })
    }

    fn change(&mut self, c: &Change) -> Result<Vec<RenderedStatement>, DbError> {
        let table = c.table().unwrap_or_default().to_string();
        let in_rebuild = self.rebuild.contains_key(&table);
        let one = |sql: String| Ok(vec![RenderedStatement::new(sql)]);
        match c {
            Change::DropView { view } => one(format!("DROP VIEW {}", qi(&view.name))),
            Change::CreateView { view } => one(view.sql.clone()),
            Change::DropTrigger { trigger, .. } if !in_rebuild => {
                one(format!("DROP TRIGGER {}", qi(&trigger.name)))
            }
            Change::DropIndex { index, .. } if !in_rebuild => {
                one(format!("DROP INDEX {}", qi(&index.name)))
            }
            Change::DropTable { table } => one(format!("DROP TABLE {}", qi(&table.name))),
            // SQLite compares names without case, so a rename that only changes case is
            // refused as a clash with itself: it goes through a name of its own.
            Change::RenameTable { from, to } if from.eq_ignore_ascii_case(to) => {
                let through = format!("{to}__retort_case");
                Ok(vec![
                    RenderedStatement::new(format!(
                        "ALTER TABLE {} RENAME TO {}",
                        qi(from),
                        qi(&through)
                    )),
                    RenderedStatement::new(format!(
                        "ALTER TABLE {} RENAME TO {}",
                        qi(&through),
                        qi(to)
                    )),
                ])
            }
            Change::RenameTable { from, to } => {
                one(format!("ALTER TABLE {} RENAME TO {}", qi(from), qi(to)))
            }
            Change::RenameColumn { table, from, to } => {
                one(format!("ALTER TABLE {} RENAME COLUMN {} TO {}", qi(table), qi(from), qi(to)))
            }
            Change::CreateTable { table } => Ok(self.create_table(table)?.now),
            Change::AddColumn { table, column } if !in_rebuild => {
                one(format!("ALTER TABLE {} ADD COLUMN {}", qi(table), column_def(column, false)))
            }
            Change::DropColumn { table, column } if !in_rebuild => {
                one(format!("ALTER TABLE {} DROP COLUMN {}", qi(table), qi(&column.name)))
            }
            Change::CreateIndex { index, .. } if !in_rebuild => one(create_index(&table, index)),
            Change::CreateTrigger { trigger, .. } if !in_rebuild => one(trigger.sql.clone()),
            _ if in_rebuild && !self.rebuilt.contains(&table) => {
                Ok(self.rebuild_with_referenced(&table))
            }
            // Already expressed by the table's rebuild.
            _ if in_rebuild => Ok(Vec::new()),
            // Nothing SQLite can express (comments, enums, sequences): never skipped silently.
            _ => Err(retort_core::engine::cannot_render("sqlite", c)),
        }
    }
}

fn rebuild_table(
    target: &Table,
    live_columns: &[Column],
    reasons: &[String],
) -> Vec<RenderedStatement> {
    let name = &target.name;
    let tmp = format!("_retort_new_{name}");
    let copy: Vec<(&Column, &Column)> = target
        .columns
        .iter()
        .filter(|c| c.generated.is_none())
        .filter_map(|c| {
            live_columns.iter().find(|l| l.name == c.name && l.generated.is_none()).map(|l| (c, l))
        })
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
        format!(
            "TABLE REBUILD of {name} (SQLite cannot {} in place): copies every row",
            reasons.join(", ")
        ),
    )];
    if !copy.is_empty() {
        let sql = format!(
            "INSERT INTO {} ({copy_list}) SELECT {select_list} FROM {}",
            qi(&tmp),
            qi(name)
        );
        let filled: Vec<&str> = copy
            .iter()
            .filter(|(c, old)| c.default.is_some() && old.nullable && !c.nullable)
            .map(|(c, _)| c.name.as_str())
            .collect();
        out.push(if filled.is_empty() {
            RenderedStatement::new(sql)
        } else {
            RenderedStatement::with_comment(
                sql,
                format!("NULLs in {} become the column default", filled.join(", ")),
            )
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
