//! Tables, columns, keys, indexes, foreign keys, checks and views.
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Schema {
    pub tables: BTreeMap<String, Table>,
    pub views: BTreeMap<String, View>,
    /// PostgreSQL `CREATE TYPE … AS ENUM`.
    pub enums: BTreeMap<String, EnumType>,
    /// Standalone sequences (not the ones owned by identity/serial columns).
    pub sequences: BTreeMap<String, Sequence>,
    /// PostgreSQL extensions whose objects live in the environment's schema.
    pub extensions: BTreeMap<String, Extension>,
    /// PostgreSQL `CREATE DOMAIN`: a type with a default, NOT NULL and checks.
    pub domains: BTreeMap<String, Domain>,
    /// PostgreSQL functions and procedures of the environment's schema (not those an
    /// extension brings), by signature: `touch()`, `add(integer, integer)`.
    pub functions: BTreeMap<String, Function>,
    /// PostgreSQL `CREATE TYPE … AS (…)`: a row type functions return or take.
    #[serde(default)]
    pub composites: BTreeMap<String, CompositeType>,
    /// Schemas the project owns besides the environment's own, that exist (PostgreSQL).
    /// Their objects are named `schema.name` everywhere in the model.
    #[serde(default)]
    pub schemas: std::collections::BTreeSet<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CompositeType {
    pub name: String,
    /// (attribute, type as the engine prints it), in order.
    pub attributes: Vec<(String, String)>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Domain {
    pub name: String,
    /// The underlying type as the engine prints it (`integer`, `character varying(10)`).
    pub base_type: String,
    pub default: Option<String>,
    pub not_null: bool,
    /// Named checks over `VALUE`.
    pub checks: Vec<Check>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Extension {
    pub name: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Function {
    /// `name(argument types)`: what tells overloads apart and what `DROP` names.
    pub signature: String,
    /// The full `CREATE OR REPLACE FUNCTION|PROCEDURE` statement as the engine prints it.
    pub sql: String,
    /// `FUNCTION` or `PROCEDURE`.
    pub kind: String,
    /// Its language: `sql` bodies are checked against the tables when created, so they
    /// are created after tables and views; the others before (defaults and triggers
    /// call them).
    pub language: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnumType {
    pub name: String,
    pub values: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sequence {
    pub name: String,
    pub start: i64,
    pub increment: i64,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub name: String,
    pub columns: Vec<Column>,
    pub primary_key: Option<PrimaryKey>,
    pub uniques: Vec<Unique>,
    pub indexes: Vec<Index>,
    pub foreign_keys: Vec<ForeignKey>,
    pub checks: Vec<Check>,
    pub triggers: Vec<Trigger>,
    /// Engine-only table options (SQLite `WITHOUT ROWID`, `STRICT`), as rendered text.
    pub options: Vec<String>,
    pub comment: Option<String>,
}

impl Table {
    pub fn column(&self, name: &str) -> Option<&Column> {
        self.columns.iter().find(|c| c.name == name)
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Column {
    pub name: String,
    /// The declared type as the engine reports it, e.g. `VARCHAR(255)`, `NUMERIC(10,2)`.
    pub ty: String,
    pub nullable: bool,
    /// The default expression as the engine reports it.
    pub default: Option<String>,
    pub generated: Option<Generated>,
    pub collation: Option<String>,
    /// SQLite `AUTOINCREMENT`, PostgreSQL identity, MySQL `AUTO_INCREMENT`.
    pub auto_increment: bool,
    /// PostgreSQL identity kind: `ALWAYS` or `BY DEFAULT`.
    pub identity: Option<String>,
    /// Character set (MySQL).
    pub charset: Option<String>,
    pub comment: Option<String>,
    /// MySQL `ON UPDATE CURRENT_TIMESTAMP[(n)]`: the expression set on every update.
    pub on_update: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Generated {
    pub expr: String,
    pub stored: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrimaryKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unique {
    /// `None` when the engine generated the name: such constraints compare by content.
    pub name: Option<String>,
    pub columns: Vec<String>,
    /// PostgreSQL 15 `NULLS NOT DISTINCT`.
    pub nulls_not_distinct: bool,
    /// `DEFERRABLE [INITIALLY DEFERRED]` as written after the columns, when deferrable.
    pub deferrable: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    pub name: String,
    pub unique: bool,
    pub parts: Vec<IndexPart>,
    /// Partial index predicate.
    pub predicate: Option<String>,
    /// Access method when not the engine's default (PostgreSQL `gin`, `gist`, …).
    pub method: Option<String>,
    /// PostgreSQL `INCLUDE (…)`: columns stored in the index, not searched by it.
    pub include: Vec<String>,
    /// PostgreSQL 15 `NULLS NOT DISTINCT` (a unique index treating NULLs as equal).
    pub nulls_not_distinct: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct IndexPart {
    /// A column name, or an expression when `is_expr`.
    pub expr: String,
    pub is_expr: bool,
    pub desc: bool,
    pub collation: Option<String>,
    /// `FIRST` or `LAST` where it is not the engine's default for the direction.
    pub nulls: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ForeignKey {
    pub name: Option<String>,
    pub columns: Vec<String>,
    pub ref_table: String,
    pub ref_columns: Vec<String>,
    /// `NO ACTION`, `CASCADE`, `SET NULL`, `SET DEFAULT`, `RESTRICT`.
    pub on_delete: String,
    pub on_update: String,
    pub deferrable: bool,
    /// `MATCH FULL` (a partly NULL key is refused); PostgreSQL.
    pub match_full: bool,
    /// MySQL: the index the engine made to back this key (dropped with it). Not compared.
    pub backing_index: Option<String>,
}

impl ForeignKey {
    /// The standard-SQL `FOREIGN KEY (…) REFERENCES t (…) [ON DELETE …] [ON UPDATE …]
    /// [DEFERRABLE …]` clause, the same on every engine but for identifier quoting.
    pub fn standard_clause(&self, quote: impl Fn(&str) -> String) -> String {
        let list = |cols: &[String]| cols.iter().map(|c| quote(c)).collect::<Vec<_>>().join(", ");
        let mut s =
            format!("FOREIGN KEY ({}) REFERENCES {}", list(&self.columns), quote(&self.ref_table));
        if !self.ref_columns.is_empty() {
            s.push_str(&format!(" ({})", list(&self.ref_columns)));
        }
        if self.on_delete != "NO ACTION" {
            s.push_str(&format!(" ON DELETE {}", self.on_delete));
        }
        if self.on_update != "NO ACTION" {
            s.push_str(&format!(" ON UPDATE {}", self.on_update));
        }
        if self.match_full {
            s.push_str(" MATCH FULL");
        }
        if self.deferrable {
            s.push_str(" DEFERRABLE INITIALLY DEFERRED");
        }
        s
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    pub name: Option<String>,
    pub expr: String,
    /// PostgreSQL `NO INHERIT`: the check does not apply to child tables.
    pub no_inherit: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Trigger {
    pub name: String,
    /// The full `CREATE TRIGGER` statement as stored by the engine.
    pub sql: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct View {
    pub name: String,
    /// The full `CREATE [MATERIALIZED] VIEW` statement (or definition) as stored by the
    /// engine.
    pub sql: String,
    /// PostgreSQL `CREATE MATERIALIZED VIEW`: its rows are stored, so creating it runs
    /// its query over the data, and it can have indexes.
    #[serde(default)]
    pub materialized: bool,
    /// A materialized view's indexes.
    #[serde(default)]
    pub indexes: Vec<Index>,
}
