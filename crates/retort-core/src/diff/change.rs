//! One schema change. Each carries enough context to render it and to explain it.
use crate::schema::{
    Check, Column, CompositeType, Domain, EnumType, Extension, ForeignKey, Function, Index,
    PrimaryKey, Sequence, Table, Trigger, Unique, View,
};
use serde::Serialize;

// AlterColumn carries both columns whole (the renderers and notes read every attribute);
// a diff holds at most a few thousand changes, built once, so the size is not worth a Box.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Change {
    CreateTable {
        table: Table,
    },
    DropTable {
        table: Table,
    },
    RenameTable {
        from: String,
        to: String,
    },
    RenameColumn {
        table: String,
        from: String,
        to: String,
    },
    AddColumn {
        table: String,
        column: Column,
    },
    DropColumn {
        table: String,
        column: Column,
    },
    AlterColumn {
        table: String,
        from: Column,
        to: Column,
    },
    SetPrimaryKey {
        table: String,
        from: Option<PrimaryKey>,
        to: Option<PrimaryKey>,
    },
    AddUnique {
        table: String,
        unique: Unique,
    },
    DropUnique {
        table: String,
        unique: Unique,
    },
    CreateIndex {
        table: String,
        index: Index,
    },
    DropIndex {
        table: String,
        index: Index,
    },
    AddForeignKey {
        table: String,
        fk: ForeignKey,
    },
    DropForeignKey {
        table: String,
        fk: ForeignKey,
    },
    AddCheck {
        table: String,
        check: Check,
    },
    DropCheck {
        table: String,
        check: Check,
    },
    CreateTrigger {
        table: String,
        trigger: Trigger,
    },
    DropTrigger {
        table: String,
        trigger: Trigger,
    },
    SetTableOptions {
        table: String,
        from: Vec<String>,
        to: Vec<String>,
    },
    SetTableComment {
        table: String,
        from: Option<String>,
        to: Option<String>,
    },
    CreateView {
        view: View,
    },
    DropView {
        view: View,
    },
    CreateEnum {
        enum_type: EnumType,
    },
    DropEnum {
        enum_type: EnumType,
    },
    AlterEnum {
        from: EnumType,
        to: EnumType,
    },
    CreateSequence {
        sequence: Sequence,
    },
    DropSequence {
        sequence: Sequence,
    },
    AlterSequence {
        from: Sequence,
        to: Sequence,
    },
    CreateComposite {
        composite: CompositeType,
    },
    AlterComposite {
        from: CompositeType,
        to: CompositeType,
    },
    DropComposite {
        composite: CompositeType,
    },
    CreateDomain {
        domain: Domain,
    },
    AlterDomain {
        from: Domain,
        to: Domain,
    },
    DropDomain {
        domain: Domain,
    },
    CreateSchema {
        name: String,
    },
    DropSchema {
        name: String,
    },
    CreateExtension {
        extension: Extension,
    },
    DropExtension {
        extension: Extension,
    },
    CreateFunction {
        function: Function,
    },
    /// Same signature, another definition: replaced in place.
    ReplaceFunction {
        from: Function,
        to: Function,
    },
    DropFunction {
        function: Function,
    },
}

impl Change {
    /// The table a change belongs to (the new name for renames); `None` for views.
    pub fn table(&self) -> Option<&str> {
        use Change::*;
        match self {
            CreateTable { table } | DropTable { table } => Some(&table.name),
            RenameTable { to, .. } => Some(to),
            RenameColumn { table, .. }
            | AddColumn { table, .. }
            | DropColumn { table, .. }
            | AlterColumn { table, .. }
            | SetPrimaryKey { table, .. }
            | AddUnique { table, .. }
            | DropUnique { table, .. }
            | CreateIndex { table, .. }
            | DropIndex { table, .. }
            | AddForeignKey { table, .. }
            | DropForeignKey { table, .. }
            | AddCheck { table, .. }
            | DropCheck { table, .. }
            | CreateTrigger { table, .. }
            | DropTrigger { table, .. }
            | SetTableOptions { table, .. }
            | SetTableComment { table, .. } => Some(table),
            CreateView { .. }
            | DropView { .. }
            | CreateEnum { .. }
            | DropEnum { .. }
            | AlterEnum { .. }
            | CreateSequence { .. }
            | DropSequence { .. }
            | AlterSequence { .. }
            | CreateComposite { .. }
            | AlterComposite { .. }
            | DropComposite { .. }
            | CreateDomain { .. }
            | AlterDomain { .. }
            | DropDomain { .. }
            | CreateSchema { .. }
            | DropSchema { .. }
            | CreateExtension { .. }
            | DropExtension { .. }
            | CreateFunction { .. }
            | ReplaceFunction { .. }
            | DropFunction { .. } => None,
        }
    }

    /// A short human description, used in review notes and `check` output.
    pub fn describe(&self) -> String {
        use Change::*;
        match self {
            CreateTable { table } => format!("create table {}", table.name),
            DropTable { table } => format!("drop table {}", table.name),
            RenameTable { from, to } => format!("rename table {from} to {to}"),
            RenameColumn { table, from, to } => format!("rename column {table}.{from} to {to}"),
            AddColumn { table, column } => {
                format!("add column {table}.{} {}", column.name, column.ty)
            }
            DropColumn { table, column } => format!("drop column {table}.{}", column.name),
            AlterColumn { table, from, to } => {
                let mut what = Vec::new();
                if from.ty != to.ty {
                    what.push(format!("type {} -> {}", show(&from.ty), show(&to.ty)));
                }
                if from.nullable != to.nullable {
                    what.push(if to.nullable {
                        "drop NOT NULL".to_string()
                    } else {
                        "set NOT NULL".to_string()
                    });
                }
                if from.default != to.default {
                    what.push(format!(
                        "default {} -> {}",
                        from.default.as_deref().unwrap_or("none"),
                        to.default.as_deref().unwrap_or("none")
                    ));
                }
                if from.generated != to.generated {
                    what.push("generated expression".into());
                }
                if from.collation != to.collation {
                    what.push(format!(
                        "collation {} -> {}",
                        from.collation.as_deref().unwrap_or("default"),
                        to.collation.as_deref().unwrap_or("default")
                    ));
                }
                if from.identity != to.identity {
                    what.push("identity".into());
                }
                if from.charset != to.charset {
                    what.push("character set".into());
                }
                if from.comment != to.comment {
                    what.push("comment".into());
                }
                if from.on_update != to.on_update {
                    what.push("on update".into());
                }
                if from.auto_increment != to.auto_increment {
                    what.push("auto-increment".into());
                }
                format!("alter column {table}.{} ({})", to.name, what.join(", "))
            }
            SetPrimaryKey { table, to, .. } => match to {
                Some(pk) => format!("set primary key of {table} to ({})", pk.columns.join(", ")),
                None => format!("drop primary key of {table}"),
            },
            AddUnique { table, unique } => {
                format!("add unique ({}) on {table}", unique.columns.join(", "))
            }
            DropUnique { table, unique } => {
                format!("drop unique ({}) on {table}", unique.columns.join(", "))
            }
            CreateIndex { table, index } => format!("create index {} on {table}", index.name),
            DropIndex { table, index } => format!("drop index {} on {table}", index.name),
            AddForeignKey { table, fk } => {
                format!("add foreign key {table}({}) -> {}", fk.columns.join(", "), fk.ref_table)
            }
            DropForeignKey { table, fk } => {
                format!("drop foreign key {table}({}) -> {}", fk.columns.join(", "), fk.ref_table)
            }
            AddCheck { table, check } => format!("add check ({}) on {table}", check.expr),
            DropCheck { table, check } => format!("drop check ({}) on {table}", check.expr),
            CreateTrigger { trigger, .. } => format!("create trigger {}", trigger.name),
            DropTrigger { trigger, .. } => format!("drop trigger {}", trigger.name),
            SetTableOptions { table, to, .. } => {
                format!("set options of {table} to [{}]", to.join(", "))
            }
            SetTableComment { table, .. } => format!("set comment of {table}"),
            CreateEnum { enum_type } => {
                format!("create enum {} ({})", enum_type.name, enum_type.values.join(", "))
            }
            DropEnum { enum_type } => format!("drop enum {}", enum_type.name),
            AlterEnum { to, .. } => {
                format!("change enum {} to ({})", to.name, to.values.join(", "))
            }
            CreateSequence { sequence } => format!("create sequence {}", sequence.name),
            DropSequence { sequence } => format!("drop sequence {}", sequence.name),
            AlterSequence { to, .. } => format!("alter sequence {}", to.name),
            CreateComposite { composite } => format!("create type {}", composite.name),
            AlterComposite { to, .. } => format!("alter type {}", to.name),
            DropComposite { composite } => format!("drop type {}", composite.name),
            CreateDomain { domain } => {
                format!("create domain {} ({})", domain.name, domain.base_type)
            }
            AlterDomain { to, .. } => format!("alter domain {}", to.name),
            DropDomain { domain } => format!("drop domain {}", domain.name),
            CreateSchema { name } => format!("create schema {name}"),
            DropSchema { name } => format!("drop schema {name}"),
            CreateExtension { extension } => format!("create extension {}", extension.name),
            DropExtension { extension } => format!("drop extension {}", extension.name),
            CreateFunction { function } => {
                format!("create {} {}", function.kind.to_ascii_lowercase(), function.signature)
            }
            ReplaceFunction { to, .. } => {
                format!("replace {} {}", to.kind.to_ascii_lowercase(), to.signature)
            }
            DropFunction { function } => {
                format!("drop {} {}", function.kind.to_ascii_lowercase(), function.signature)
            }
            CreateView { view } => format!("create view {}", view.name),
            DropView { view } => format!("drop view {}", view.name),
        }
    }
}

fn show(ty: &str) -> &str {
    if ty.is_empty() {
        "(none)"
    } else {
        ty
    }
}
