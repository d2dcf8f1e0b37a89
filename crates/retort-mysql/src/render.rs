//! MySQL/MariaDB's answers to the shared renderer ([`retort_core::render`]): `MODIFY
//! COLUMN` restates the whole column (so its other attributes are kept), constraints are
//! added and dropped by name. Ordering and data-loss notes are the core's; MySQL keeps a
//! view over a changed table, so no view is dropped around the changes.
use retort_core::diff::Change;
use retort_core::error::DbError;
use retort_core::render::{ChangeRenderer, RenderedStatement, TableStatements};
use retort_core::schema::{Column, ForeignKey, Index, Schema, Table};

/// An identifier, quoted.
pub fn quote(ident: &str) -> String {
    format!("`{}`", ident.replace('`', "``"))
}

/// A string literal safe with and without `NO_BACKSLASH_ESCAPES`.
pub fn literal(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "''"))
}

use quote as qi;

fn cols(list: &[String]) -> String {
    list.iter().map(|c| qi(c)).collect::<Vec<_>>().join(", ")
}

fn column_def(c: &Column) -> String {
    let mut s = format!("{} {}", qi(&c.name), c.ty);
    if let Some(cs) = &c.charset {
        s.push_str(&format!(" CHARACTER SET {cs}"));
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
    } else {
        s.push_str(if c.nullable { " NULL" } else { " NOT NULL" });
        if let Some(d) = &c.default {
            s.push_str(&format!(" DEFAULT {d}"));
        }
        if let Some(u) = &c.on_update {
            s.push_str(&format!(" ON UPDATE {u}"));
        }
    }
    if c.auto_increment {
        s.push_str(" AUTO_INCREMENT");
    }
    if let Some(cm) = &c.comment {
        s.push_str(&format!(" COMMENT {}", literal(cm)));
    }
    s
}

fn name_or(name: &Option<String>, table: &str, suffix: &str, columns: &[String]) -> String {
    name.clone().unwrap_or_else(|| format!("{table}_{}_{suffix}", columns.join("_")))
}

fn fk_clause(fk: &ForeignKey) -> String {
    // InnoDB has no DEFERRABLE; its introspection never sets the flag.
    fk.standard_clause(qi)
}

/// The index to create for a foreign key before the key itself. When the key's name is
/// InnoDB's own (`t_ibfk_N`), its backing index is made under the name InnoDB gives it
/// in `CREATE TABLE` (the first column), so the index is named the same however the key
/// was made and a later downgrade can drop it by name.
fn backing_index<'a>(table: &Table, fk: &'a ForeignKey) -> Option<&'a str> {
    let ix = fk.backing_index.as_deref()?;
    let name = name_or(&fk.name, &table.name, "fk", &fk.columns);
    let taken = table.indexes.iter().any(|i| i.name == ix)
        || table.uniques.iter().any(|u| u.name.as_deref() == Some(ix));
    (ix != name && !taken).then_some(ix)
}

fn fk_def(table: &Table, fk: &ForeignKey) -> String {
    format!(
        "CONSTRAINT {} {}",
        qi(&name_or(&fk.name, &table.name, "fk", &fk.columns)),
        fk_clause(fk)
    )
}

/// Adds a foreign key to an existing table (its backing index first, see [`backing_index`]).
fn add_fk(table: &Table, fk: &ForeignKey) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(ix) = backing_index(table, fk) {
        out.push(format!("CREATE INDEX {} ON {} ({})", qi(ix), qi(&table.name), cols(&fk.columns)));
    }
    out.push(format!("ALTER TABLE {} ADD {}", qi(&table.name), fk_def(table, fk)));
    out
}

/// `CREATE TABLE` with the table's indexes and foreign keys inside it, as mysqldump
/// writes it: one statement, where each separate `CREATE INDEX` or `ADD FOREIGN KEY`
/// would alter the table again (~5 ms each on MariaDB, measured). `made_by_keys` are
/// the indexes InnoDB creates itself for a foreign key of the table (named after the
/// key), which come back with the key.
fn create_table(t: &Table, made_by_keys: &[&str]) -> String {
    let mut items: Vec<String> = t.columns.iter().map(column_def).collect();
    if let Some(pk) = &t.primary_key {
        items.push(format!("PRIMARY KEY ({})", cols(&pk.columns)));
    }
    for u in &t.uniques {
        items.push(format!(
            "CONSTRAINT {} UNIQUE ({})",
            qi(&name_or(&u.name, &t.name, "key", &u.columns)),
            cols(&u.columns)
        ));
    }
    for i in t.indexes.iter().filter(|i| !made_by_keys.contains(&i.name.as_str())) {
        items.push(format!("{}INDEX {} ({})", index_kind(i), qi(&i.name), index_parts(i)));
    }
    for c in &t.checks {
        match &c.name {
            Some(n) => items.push(format!("CONSTRAINT {} CHECK ({})", qi(n), c.expr)),
            None => items.push(format!("CHECK ({})", c.expr)),
        }
    }
    for fk in &t.foreign_keys {
        if let Some(ix) = backing_index(t, fk) {
            items.push(format!("INDEX {} ({})", qi(ix), cols(&fk.columns)));
        }
        items.push(fk_def(t, fk));
    }
    let mut s = format!("CREATE TABLE {} (\n    {}\n)", qi(&t.name), items.join(",\n    "));
    if let Some(cm) = &t.comment {
        s.push_str(&format!(" COMMENT = {}", literal(cm)));
    }
    s
}

fn index_parts(i: &Index) -> String {
    let parts: Vec<String> = i
        .parts
        .iter()
        .map(|p| {
            format!(
                "{}{}",
                if p.is_expr { p.expr.clone() } else { qi(&p.expr) },
                if p.desc { " DESC" } else { "" }
            )
        })
        .collect();
    parts.join(", ")
}

fn index_kind(i: &Index) -> &'static str {
    match i.method.as_deref() {
        Some("FULLTEXT") => "FULLTEXT ",
        Some("SPATIAL") => "SPATIAL ",
        _ if i.unique => "UNIQUE ",
        _ => "",
    }
}

fn create_index(table: &str, i: &Index) -> String {
    format!("CREATE {}INDEX {} ON {} ({})", index_kind(i), qi(&i.name), qi(table), index_parts(i))
}

/// The answers for one render call: the target schema (a foreign key's backing index
/// depends on the table it lands in).
struct Mysql<'a> {
    from: &'a Schema,
    to: &'a Schema,
    changes: &'a [Change],
    /// Ask the server for an online ALTER.
    online: bool,
}

pub fn render(
    from: &Schema,
    to: &Schema,
    changes: &[Change],
) -> Result<Vec<RenderedStatement>, DbError> {
    retort_core::render::render(&mut Mysql { from, to, changes, online: false }, from, to, changes)
}

/// As [`render`], with `ALGORITHM=INPLACE, LOCK=NONE` on the changes of existing tables
/// that InnoDB can make without copying the table or blocking writes
/// (https://dev.mysql.com/doc/refman/8.0/en/innodb-online-ddl-operations.html,
/// https://mariadb.com/kb/en/innodb-online-ddl-overview/). The clause is a demand, not a
/// hint: a server that would have to copy the table (an older version, a row format
/// that cannot) refuses the statement instead of silently locking the table for the
/// copy. On MariaDB `INPLACE` also admits the instant forms. Foreign keys (a copy unless
/// `foreign_key_checks` is off), checks and type changes have no online form and stay
/// as they are; lint warns about them.
pub fn render_online(
    from: &Schema,
    to: &Schema,
    changes: &[Change],
) -> Result<Vec<RenderedStatement>, DbError> {
    retort_core::render::render(&mut Mysql { from, to, changes, online: true }, from, to, changes)
}

impl Mysql<'_> {
    /// The foreign keys `index` serves that the target backs with an index InnoDB made
    /// for them (it makes one only for a key no index serves): dropping `index` first
    /// is refused (error 1553), so that index is made before, as the target has it.
    fn backing_to_restore<'b>(
        &'b self,
        table: &str,
        index: &Index,
    ) -> Vec<(&'b str, &'b ForeignKey)> {
        let (Some(before), Some(after)) = (self.from.tables.get(table), self.to.tables.get(table))
        else {
            return Vec::new();
        };
        after
            .foreign_keys
            .iter()
            .filter_map(|fk| {
                let ix = fk.backing_index.as_deref()?;
                let had_one = before
                    .foreign_keys
                    .iter()
                    .any(|b| b.name == fk.name && b.backing_index.is_some());
                let serves = index.parts.len() >= fk.columns.len()
                    && index.parts.iter().zip(&fk.columns).all(|(p, c)| !p.is_expr && &p.expr == c);
                (!had_one && serves).then_some((ix, fk))
            })
            .collect()
    }

    fn existing(&self, table: &str) -> bool {
        !self
            .changes
            .iter()
            .any(|c| matches!(c, Change::CreateTable { table: t } if t.name == table))
    }

    /// Whether InnoDB makes `c` in place without blocking writes, given the form this
    /// renderer writes for it.
    fn online_capable(c: &Change) -> bool {
        match c {
            Change::CreateIndex { index, .. } => {
                !matches!(index.method.as_deref(), Some("FULLTEXT" | "SPATIAL"))
            }
            Change::DropIndex { .. }
            | Change::AddUnique { .. }
            | Change::DropUnique { .. }
            | Change::AddColumn { .. }
            | Change::DropColumn { .. }
            | Change::RenameColumn { .. } => true,
            // ADD PRIMARY KEY rebuilds in place; DROP PRIMARY KEY alone needs a copy.
            Change::SetPrimaryKey { to, .. } => to.is_some(),
            // Nullability and default changes of the same type; a new type copies.
            Change::AlterColumn { from, to, .. } => {
                from.ty == to.ty && from.collation == to.collation && from.generated == to.generated
            }
            _ => false,
        }
    }
}

impl ChangeRenderer for Mysql<'_> {
    fn drop_view(&self, name: &str) -> String {
        format!("DROP VIEW {}", qi(name))
    }

    fn create_table(&mut self, table: &Table) -> Result<TableStatements, DbError> {
        let s = RenderedStatement::new;
        let mut out = TableStatements::default();
        // Every key of the table counts, also one the core adds later (a cycle).
        let keys = self.to.tables.get(&table.name).map_or(&table.foreign_keys, |t| &t.foreign_keys);
        let made_by_keys: Vec<&str> = keys.iter().filter_map(|f| f.name.as_deref()).collect();
        out.now.push(s(create_table(table, &made_by_keys)));
        for t in &table.triggers {
            out.after_all_tables.push(s(t.sql.clone()));
        }
        Ok(out)
    }

    fn change(&mut self, c: &Change) -> Result<Vec<RenderedStatement>, DbError> {
        let to = self.to;
        let mut out = Vec::new();
        let s = |sql: String| RenderedStatement::new(sql);
        match c {
            Change::CreateTable { table } => {
                let t = self.create_table(table)?;
                return Ok(t.now.into_iter().chain(t.after_all_tables).collect());
            }
            Change::DropTable { table } => out.push(s(format!("DROP TABLE {}", qi(&table.name)))),
            Change::RenameTable { from, to } => {
                out.push(s(format!("RENAME TABLE {} TO {}", qi(from), qi(to))))
            }
            Change::RenameColumn { table, from, to } => out.push(s(format!(
                "ALTER TABLE {} RENAME COLUMN {} TO {}",
                qi(table),
                qi(from),
                qi(to)
            ))),
            Change::AddColumn { table, column } => {
                out.push(s(format!("ALTER TABLE {} ADD COLUMN {}", qi(table), column_def(column))))
            }
            Change::DropColumn { table, column } => {
                out.push(s(format!("ALTER TABLE {} DROP COLUMN {}", qi(table), qi(&column.name))))
            }
            Change::AlterColumn { table, from, to } => {
                if let (true, Some(d)) = (from.nullable && !to.nullable, &to.default) {
                    out.push(RenderedStatement::with_comment(
                        format!(
                            "UPDATE {} SET {} = {d} WHERE {} IS NULL",
                            qi(table),
                            qi(&to.name),
                            qi(&to.name)
                        ),
                        format!("NULLs in {table}.{} become the column default", to.name),
                    ));
                }
                out.push(RenderedStatement::with_comment(
                    format!("ALTER TABLE {} MODIFY COLUMN {}", qi(table), column_def(to)),
                    format!("MODIFY COLUMN restates every attribute of {table}.{}; it may copy the table", to.name),
                ))
            }
            Change::SetPrimaryKey { table, from, to } => {
                let mut parts = Vec::new();
                if from.is_some() {
                    parts.push("DROP PRIMARY KEY".to_string());
                }
                if let Some(pk) = to {
                    parts.push(format!("ADD PRIMARY KEY ({})", cols(&pk.columns)));
                }
                out.push(s(format!("ALTER TABLE {} {}", qi(table), parts.join(", "))));
            }
            Change::AddUnique { table, unique } => out.push(s(format!(
                "ALTER TABLE {} ADD CONSTRAINT {} UNIQUE ({})",
                qi(table),
                qi(&name_or(&unique.name, table, "key", &unique.columns)),
                cols(&unique.columns)
            ))),
            Change::DropUnique { table, unique } => out.push(s(format!(
                "ALTER TABLE {} DROP INDEX {}",
                qi(table),
                qi(&name_or(&unique.name, table, "key", &unique.columns))
            ))),
            Change::AddCheck { table, check } => out.push(s(match &check.name {
                Some(n) => format!(
                    "ALTER TABLE {} ADD CONSTRAINT {} CHECK ({})",
                    qi(table),
                    qi(n),
                    check.expr
                ),
                None => format!("ALTER TABLE {} ADD CHECK ({})", qi(table), check.expr),
            })),
            Change::DropCheck { table, check } => out.push(s(format!(
                "ALTER TABLE {} DROP CONSTRAINT {}",
                qi(table),
                qi(check.name.as_deref().unwrap_or("unnamed_check"))
            ))),
            Change::AddForeignKey { table, fk } => {
                let t = to
                    .tables
                    .get(table)
                    .cloned()
                    .unwrap_or_else(|| Table { name: table.clone(), ..Default::default() });
                out.extend(add_fk(&t, fk).into_iter().map(s));
            }
            Change::DropForeignKey { table, fk } => {
                out.push(s(format!(
                    "ALTER TABLE {} DROP FOREIGN KEY {}",
                    qi(table),
                    qi(&name_or(&fk.name, table, "fk", &fk.columns))
                )));
                // The index InnoDB made for the key outlives it; drop it unless wanted, or
                // unless its table is going too (a key dropped to break a cycle of dropped
                // tables, render/mod.rs).
                if let (Some(ix), Some(target)) = (&fk.backing_index, to.tables.get(table)) {
                    let wanted = target.indexes.iter().any(|i| &i.name == ix);
                    if !wanted {
                        out.push(s(format!("DROP INDEX {} ON {}", qi(ix), qi(table))));
                    }
                }
            }
            Change::CreateIndex { table, index } => out.push(s(create_index(table, index))),
            Change::DropIndex { table, index } => {
                for (ix, fk) in self.backing_to_restore(table, index) {
                    // Whether it is still there depends on how the database got here (InnoDB
                    // drops an index it made itself once another serves the key, not one
                    // created by hand): IF NOT EXISTS, in MariaDB's executable comment
                    // (https://mariadb.com/kb/en/comment-syntax/); MySQL has no such clause.
                    out.push(RenderedStatement::with_comment(
                        format!(
                            "CREATE INDEX /*M! IF NOT EXISTS */ {} ON {} ({})",
                            qi(ix),
                            qi(table),
                            cols(&fk.columns)
                        ),
                        format!(
                            "foreign key {} needs an index of its own once {} goes",
                            fk.name.as_deref().unwrap_or(ix),
                            index.name
                        ),
                    ));
                }
                out.push(s(format!("DROP INDEX {} ON {}", qi(&index.name), qi(table))))
            }
            Change::CreateTrigger { trigger, .. } => out.push(s(trigger.sql.clone())),
            Change::DropTrigger { trigger, .. } => {
                out.push(s(format!("DROP TRIGGER {}", qi(&trigger.name))))
            }
            Change::SetTableComment { table, to, .. } => out.push(s(format!(
                "ALTER TABLE {} COMMENT = {}",
                qi(table),
                literal(to.as_deref().unwrap_or(""))
            ))),
            Change::CreateView { view } => out.push(s(view.sql.clone())),
            Change::DropView { view } => out.push(s(format!("DROP VIEW {}", qi(&view.name)))),
            // MySQL introspection reports none of these; should a diff carry one, say so.
            Change::SetTableOptions { .. }
            | Change::CreateEnum { .. }
            | Change::DropEnum { .. }
            | Change::AlterEnum { .. }
            | Change::CreateSequence { .. }
            | Change::DropSequence { .. }
            | Change::AlterSequence { .. }
            | Change::CreateSchema { .. }
            | Change::DropSchema { .. }
            | Change::CreateComposite { .. }
            | Change::AlterComposite { .. }
            | Change::DropComposite { .. }
            | Change::CreateDomain { .. }
            | Change::AlterDomain { .. }
            | Change::DropDomain { .. }
            | Change::CreateExtension { .. }
            | Change::DropExtension { .. }
            | Change::CreateFunction { .. }
            | Change::ReplaceFunction { .. }
            | Change::DropFunction { .. } => {
                return Err(retort_core::engine::cannot_render("mysql", c))
            }
        }
        if self.online && Self::online_capable(c) && c.table().is_some_and(|t| self.existing(t)) {
            // `DROP INDEX ... ON t` takes no ALGORITHM clause on MariaDB 10.11; its ALTER
            // TABLE spelling does.
            if let Change::DropIndex { table, index } = c {
                out = vec![s(format!("ALTER TABLE {} DROP INDEX {}", qi(table), qi(&index.name)))];
            }
            for st in &mut out {
                if st.sql.starts_with("ALTER TABLE") {
                    st.sql.push_str(", ALGORITHM=INPLACE, LOCK=NONE");
                } else if st.sql.starts_with("CREATE") || st.sql.starts_with("DROP INDEX") {
                    st.sql.push_str(" ALGORITHM=INPLACE LOCK=NONE");
                }
            }
        }
        Ok(out)
    }
}
