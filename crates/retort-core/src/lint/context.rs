//! What the rules know about the revision so far, statement by statement: tables it
//! created (rules about existing tables skip them), and table rebuilds in progress — a
//! rebuild (SQLite's procedure, Alembic's batch mode, or by hand: create a copy, copy the
//! rows, drop, rename) is judged as one change to the table, not as the DROP and RENAME it
//! is made of.
use crate::revision::file::RevisionFile;
use sqlparser::ast::{ColumnDef, ObjectName, SetExpr, Statement, TableFactor, TableObject};
use std::collections::HashMap;

pub struct Context<'a> {
    pub file: &'a RevisionFile,
    /// Whether the statement being judged runs inside a transaction (its `-- +step`).
    pub in_transaction: bool,
    /// Tables created by this revision so far (lower case, unqualified).
    created: Vec<String>,
    /// Their column definitions.
    new_tables: HashMap<String, Vec<ColumnDef>>,
    /// (new table, old table) → the columns copied from old into new.
    copies: HashMap<(String, String), Vec<String>>,
}

/// A table name without schema or quotes, lower case.
pub fn last_ident(name: &ObjectName) -> String {
    name.to_string()
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .trim_matches(['"', '`'])
        .to_ascii_lowercase()
}

impl<'a> Context<'a> {
    pub fn new(file: &'a RevisionFile) -> Self {
        Context {
            file,
            in_transaction: file.transactional,
            created: Vec::new(),
            new_tables: HashMap::new(),
            copies: HashMap::new(),
        }
    }

    /// Records what a statement creates or copies; called before the rules see it.
    pub fn observe(&mut self, s: &Statement) {
        match s {
            Statement::CreateTable(ct) => {
                self.created.push(last_ident(&ct.name));
                self.new_tables.insert(last_ident(&ct.name), ct.columns.clone());
            }
            Statement::Insert(ins) => {
                let (TableObject::TableName(into), Some(source)) = (&ins.table, &ins.source) else {
                    return;
                };
                let into = last_ident(into);
                let (true, SetExpr::Select(select)) =
                    (self.new_tables.contains_key(&into), source.body.as_ref())
                else {
                    return;
                };
                if let [from] = select.from.as_slice() {
                    if let TableFactor::Table { name, .. } = &from.relation {
                        let cols =
                            ins.columns.iter().map(|c| c.value.to_ascii_lowercase()).collect();
                        self.copies.insert((into, last_ident(name)), cols);
                    }
                }
            }
            _ => {}
        }
    }

    /// Whether `table` was created by this revision (before the current statement, or by it).
    pub fn is_new(&self, table: &str) -> bool {
        self.created.iter().any(|t| t == table)
    }

    /// Whether dropping `table` is part of a rebuild: its rows were copied into a new table.
    pub fn rows_copied_out_of(&self, table: &str) -> bool {
        self.copies.keys().any(|(_, old)| old == table)
    }

    /// When renaming `from` to `to` completes a rebuild of `to`: the new table's columns
    /// and the ones the copy filled.
    pub fn rebuild_completed(&self, from: &str, to: &str) -> Option<(&[ColumnDef], &[String])> {
        let copied = self.copies.get(&(from.to_string(), to.to_string()))?;
        Some((self.new_tables.get(from).map(|c| c.as_slice()).unwrap_or_default(), copied))
    }
}

/// An `ALTER TABLE`'s table (as [`last_ident`]) and operations; `None` for other statements.
pub fn alter_table(s: &Statement) -> Option<(String, &[sqlparser::ast::AlterTableOperation])> {
    match s {
        Statement::AlterTable { name, operations, .. } => {
            Some((last_ident(name), operations.as_slice()))
        }
        _ => None,
    }
}

/// The new name of an `ALTER TABLE ... RENAME TO`.
pub fn renamed_to(kind: &sqlparser::ast::RenameTableNameKind) -> String {
    match kind {
        sqlparser::ast::RenameTableNameKind::As(n) | sqlparser::ast::RenameTableNameKind::To(n) => {
            last_ident(n)
        }
    }
}
