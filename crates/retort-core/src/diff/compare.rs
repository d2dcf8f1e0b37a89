//! The diff, written once for every engine: from → to as an ordered list of changes.
//!
//! Order: views and triggers that go away first, then foreign keys and indexes that go
//! away, dropped tables (dependents first), renames, created tables (dependencies
//! first), column and constraint changes, then new indexes, foreign keys, triggers and
//! views. The downgrade is `diff(to, from)` with the renames reversed.
use super::change::Change;
use crate::schema::{Column, ForeignKey, Schema, Table, Unique};
use std::collections::{BTreeMap, BTreeSet};

/// Renames the user confirmed: tables `old → new`, columns `(table, old) → new`
/// (the table named as it is in the *target* schema).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Renames {
    pub tables: BTreeMap<String, String>,
    pub columns: BTreeMap<(String, String), String>,
}

impl Renames {
    /// The same renames, seen from the other side (for the downgrade).
    pub fn reversed(&self) -> Renames {
        let tables: BTreeMap<String, String> =
            self.tables.iter().map(|(a, b)| (b.clone(), a.clone())).collect();
        // Column keys name the table as in the target schema; in reverse the target is
        // the old schema, whose table name is the rename's source.
        let old_name = |t: &str| {
            self.tables
                .iter()
                .find(|(_, new)| new.as_str() == t)
                .map(|(old, _)| old.clone())
                .unwrap_or_else(|| t.to_string())
        };
        let columns = self
            .columns
            .iter()
            .map(|((t, old), new)| ((old_name(t), new.clone()), old.clone()))
            .collect();
        Renames { tables, columns }
    }

    pub fn is_empty(&self) -> bool {
        self.tables.is_empty() && self.columns.is_empty()
    }
}

/// Applies confirmed renames to a copy of `from`, so the rest of the diff sees
/// matching names (and an index on a renamed column is not "changed").
fn apply_renames(from: &Schema, renames: &Renames) -> Schema {
    let mut out = Schema { tables: BTreeMap::new(), ..from.clone() };
    let table_new = |t: &str| renames.tables.get(t).cloned().unwrap_or_else(|| t.to_string());
    for (name, table) in &from.tables {
        let new_name = table_new(name);
        let mut t = table.clone();
        t.name = new_name.clone();
        let col_new = |c: &str| {
            renames
                .columns
                .get(&(new_name.clone(), c.to_string()))
                .cloned()
                .unwrap_or_else(|| c.to_string())
        };
        for c in &mut t.columns {
            c.name = col_new(&c.name);
        }
        if let Some(pk) = &mut t.primary_key {
            pk.columns = pk.columns.iter().map(|c| col_new(c)).collect();
        }
        for u in &mut t.uniques {
            u.columns = u.columns.iter().map(|c| col_new(c)).collect();
        }
        for i in &mut t.indexes {
            for p in &mut i.parts {
                if !p.is_expr {
                    p.expr = col_new(&p.expr);
                }
            }
        }
        for fk in &mut t.foreign_keys {
            fk.columns = fk.columns.iter().map(|c| col_new(c)).collect();
        }
        out.tables.insert(new_name, t);
    }
    // References from other tables follow renamed tables and columns.
    let snapshot = out.clone();
    for t in out.tables.values_mut() {
        for fk in &mut t.foreign_keys {
            let target = table_new(&fk.ref_table);
            if snapshot.tables.contains_key(&target) {
                fk.ref_columns = fk
                    .ref_columns
                    .iter()
                    .map(|c| {
                        renames
                            .columns
                            .get(&(target.clone(), c.clone()))
                            .cloned()
                            .unwrap_or_else(|| c.clone())
                    })
                    .collect();
            }
            fk.ref_table = target;
        }
    }
    out
}

/// Tables ordered so that referenced tables come before the tables referencing them.
pub fn dependency_order(tables: &[&Table]) -> Vec<String> {
    let names: BTreeSet<&str> = tables.iter().map(|t| t.name.as_str()).collect();
    let mut done: BTreeSet<String> = BTreeSet::new();
    let mut out = Vec::new();
    let mut remaining: Vec<&Table> = tables.to_vec();
    while !remaining.is_empty() {
        let before = remaining.len();
        remaining.retain(|t| {
            let ready = t.foreign_keys.iter().all(|fk| {
                fk.ref_table == t.name
                    || !names.contains(fk.ref_table.as_str())
                    || done.contains(&fk.ref_table)
            });
            if ready {
                done.insert(t.name.clone());
                out.push(t.name.clone());
            }
            !ready
        });
        if remaining.len() == before {
            // A reference cycle: SQLite does not check references at CREATE time and
            // server engines get their foreign keys added afterwards, so any order works.
            for t in remaining.drain(..) {
                out.push(t.name.clone());
            }
        }
    }
    out
}

fn unique_eq(a: &Unique, b: &Unique) -> bool {
    a.columns == b.columns
        && a.nulls_not_distinct == b.nulls_not_distinct
        && a.deferrable == b.deferrable
        && (a.name.is_none() || b.name.is_none() || a.name == b.name)
}

fn fk_eq(a: &ForeignKey, b: &ForeignKey) -> bool {
    a.columns == b.columns
        && a.ref_table == b.ref_table
        && a.ref_columns == b.ref_columns
        && a.on_delete == b.on_delete
        && a.on_update == b.on_update
        && a.deferrable == b.deferrable
        && a.match_full == b.match_full
        && (a.name.is_none() || b.name.is_none() || a.name == b.name)
}

fn column_changed(a: &Column, b: &Column) -> bool {
    a.ty != b.ty
        || a.nullable != b.nullable
        || a.default != b.default
        || a.generated != b.generated
        || a.collation != b.collation
        || a.auto_increment != b.auto_increment
        || a.identity != b.identity
        || a.charset != b.charset
        || a.comment != b.comment
        || a.on_update != b.on_update
}

/// Per table, the column lists that foreign keys present before and after the change need
/// an index on: its own keys' columns and the referenced columns of keys pointing at it.
/// MySQL refuses to drop the index such a key uses (error 1553, errno 150), so an index
/// or unique constraint that may be that index is dropped once its replacements exist.
/// Built once for all tables (per table it was a pass over every key of the schema).
fn kept_key_columns<'a>(from: &'a Schema, to: &'a Schema) -> BTreeMap<&'a str, Vec<Vec<&'a str>>> {
    let mut out: BTreeMap<&str, Vec<Vec<&str>>> = BTreeMap::new();
    for t in to.tables.values() {
        let Some(before) = from.tables.get(&t.name) else { continue };
        for fk in &t.foreign_keys {
            if !before.foreign_keys.iter().any(|o| fk_eq(o, fk)) {
                continue;
            }
            out.entry(t.name.as_str())
                .or_default()
                .push(fk.columns.iter().map(String::as_str).collect());
            out.entry(fk.ref_table.as_str())
                .or_default()
                .push(fk.ref_columns.iter().map(String::as_str).collect());
        }
    }
    out
}

/// The confirmed renames plus the names that differ only in case: on MySQL and SQLite
/// such names are the same identifier (drop + add would fail as a duplicate), and on
/// PostgreSQL a table or column whose name only changes case is renamed, not replaced —
/// either way a rename, which loses nothing.
fn with_case_renames(from: &Schema, to: &Schema, renames: &Renames) -> Renames {
    let mut out = renames.clone();
    let same = |a: &str, b: &str| a != b && a.eq_ignore_ascii_case(b);
    let gone: Vec<&String> = from
        .tables
        .keys()
        .filter(|t| !to.tables.contains_key(*t) && !out.tables.contains_key(*t))
        .collect();
    for old in gone {
        if let Some(new) = to.tables.keys().find(|n| {
            same(old, n) && !from.tables.contains_key(*n) && !out.tables.values().any(|v| v == *n)
        }) {
            out.tables.insert(old.clone(), new.clone());
        }
    }
    for (old_name, old) in &from.tables {
        let new_name = out.tables.get(old_name).unwrap_or(old_name);
        let Some(new) = to.tables.get(new_name) else { continue };
        for c in &old.columns {
            let key = (new_name.clone(), c.name.clone());
            if new.column(&c.name).is_some() || out.columns.contains_key(&key) {
                continue;
            }
            if let Some(n) =
                new.columns.iter().find(|n| same(&c.name, &n.name) && old.column(&n.name).is_none())
            {
                out.columns.insert(key, n.name.clone());
            }
        }
    }
    out
}

/// Computes the changes that turn `from` into `to`.
pub fn diff(from: &Schema, to: &Schema, renames: &Renames) -> Vec<Change> {
    let renames = &with_case_renames(from, to, renames);
    let renamed = apply_renames(from, renames);
    let from_r = &renamed;

    // Views: a changed or removed view goes, and so do the views reading it (PostgreSQL
    // refuses to drop a view others depend on); readers are dropped before what they
    // read and created after it.
    let changed = |name: &str| match (from.views.get(name), to.views.get(name)) {
        (Some(a), Some(b)) => {
            normalise_ws(&a.sql) != normalise_ws(&b.sql) || a.indexes != b.indexes
        }
        _ => true,
    };
    let gone: Vec<&str> = from.views.keys().filter(|n| changed(n)).map(String::as_str).collect();
    let dropped = crate::schema::views::dependents(from, &gone);
    let drop_views: Vec<Change> =
        dropped.drop.iter().map(|n| Change::DropView { view: from.views[n].clone() }).collect();
    let remade: Vec<&str> = to
        .views
        .keys()
        .filter(|n| changed(n) || dropped.drop.contains(n))
        .map(String::as_str)
        .collect();
    let order = crate::schema::views::dependents(to, &remade);
    let create_views: Vec<Change> = order
        .create
        .iter()
        .filter(|n| remade.contains(&n.as_str()))
        .map(|n| Change::CreateView { view: to.views[n].clone() })
        .collect();

    let mut early = Vec::new(); // drop triggers / fks / indexes on surviving tables
    let mut drops = Vec::new();
    let mut renames_out = Vec::new();
    let mut creates = Vec::new();
    let mut alters = Vec::new();
    let mut late = Vec::new(); // indexes, fks, triggers
    let mut late_drops = Vec::new(); // indexes a kept foreign key may use

    // Dropped tables, dependents first.
    let dropped: Vec<&Table> =
        from_r.tables.values().filter(|t| !to.tables.contains_key(&t.name)).collect();
    let mut order = dependency_order(&dropped);
    order.reverse();
    for name in order {
        let original = from
            .tables
            .values()
            .find(|t| renames.tables.get(&t.name).map(|n| n == &name).unwrap_or(t.name == name));
        drops.push(Change::DropTable {
            table: original.cloned().unwrap_or_else(|| from_r.tables[&name].clone()),
        });
    }

    for (old, new) in &renames.tables {
        if from.tables.contains_key(old) && to.tables.contains_key(new) {
            renames_out.push(Change::RenameTable { from: old.clone(), to: new.clone() });
        }
    }
    for ((table, old), new) in &renames.columns {
        let exists_before = from_r.tables.get(table).is_some_and(|t| t.column(new).is_some());
        let exists_after = to.tables.get(table).is_some_and(|t| t.column(new).is_some());
        if exists_before && exists_after {
            renames_out.push(Change::RenameColumn {
                table: table.clone(),
                from: old.clone(),
                to: new.clone(),
            });
        }
    }

    let created: Vec<&Table> =
        to.tables.values().filter(|t| !from_r.tables.contains_key(&t.name)).collect();
    for name in dependency_order(&created) {
        creates.push(Change::CreateTable { table: to.tables[&name].clone() });
    }

    let pk_cols = |pk: &Option<crate::schema::PrimaryKey>| pk.as_ref().map(|p| p.columns.clone());
    let pk_name_differs =
        |a: &Option<crate::schema::PrimaryKey>, b: &Option<crate::schema::PrimaryKey>| match (a, b)
        {
            (Some(a), Some(b)) => a.name.is_some() && b.name.is_some() && a.name != b.name,
            _ => false,
        };
    let kept_keys = kept_key_columns(from_r, to);
    for (name, new) in &to.tables {
        let Some(old) = from_r.tables.get(name) else { continue };
        let t = name.clone();
        // What runs before the renames names the table as it is then.
        let before = renames
            .tables
            .iter()
            .find(|(o, n)| *n == name && from.tables.contains_key(*o))
            .map_or_else(|| t.clone(), |(o, _)| o.clone());
        for trig in &old.triggers {
            if !new.triggers.contains(trig) {
                early.push(Change::DropTrigger { table: before.clone(), trigger: trig.clone() });
            }
        }
        for fk in &old.foreign_keys {
            if !new.foreign_keys.iter().any(|n| fk_eq(fk, n)) {
                early.push(Change::DropForeignKey { table: before.clone(), fk: fk.clone() });
            }
        }
        let pk_changes = pk_cols(&old.primary_key) != pk_cols(&new.primary_key)
            || pk_name_differs(&old.primary_key, &new.primary_key);
        // While the key changes, the old indexes stay until the new key exists (MySQL
        // refuses to leave an AUTO_INCREMENT column without a key even for a moment).
        // An index that may be what a kept foreign key uses waits for the new indexes
        // (MySQL refuses to drop the index a foreign key needs, error 1553) unless one of
        // them takes its name.
        let used_by_kept_keys = kept_keys.get(name.as_str()).map_or(&[][..], Vec::as_slice);
        let may_back_a_kept_key = |columns: Vec<&str>| {
            used_by_kept_keys
                .iter()
                .any(|k| columns.len() >= k.len() && columns.iter().zip(k).all(|(a, b)| a == b))
        };
        let waits = |i: &crate::schema::Index| {
            !new.indexes.iter().any(|n| n.name == i.name)
                && may_back_a_kept_key(
                    i.parts.iter().filter(|p| !p.is_expr).map(|p| p.expr.as_str()).collect(),
                )
        };
        let (waiting, dropped): (Vec<&crate::schema::Index>, Vec<&crate::schema::Index>) =
            old.indexes.iter().filter(|i| !new.indexes.contains(i)).partition(|i| waits(i));
        // The waiting ones run after the renames, under the table's new name.
        late_drops.extend(
            waiting.into_iter().map(|i| Change::DropIndex { table: t.clone(), index: i.clone() }),
        );
        let dropped_indexes: Vec<Change> = dropped
            .into_iter()
            .map(|i| Change::DropIndex {
                table: if pk_changes { t.clone() } else { before.clone() },
                index: i.clone(),
            })
            .collect();
        if !pk_changes {
            early.extend(dropped_indexes.iter().cloned());
        }
        for u in &old.uniques {
            if !new.uniques.iter().any(|n| unique_eq(u, n)) {
                let change = Change::DropUnique { table: t.clone(), unique: u.clone() };
                let renamed_in_place =
                    u.name.is_some() && new.uniques.iter().any(|n| n.name == u.name);
                if !renamed_in_place
                    && may_back_a_kept_key(u.columns.iter().map(String::as_str).collect())
                {
                    late_drops.push(change);
                } else {
                    alters.push(change);
                }
            }
        }
        for c in &old.checks {
            if !new
                .checks
                .iter()
                .any(|n| n.expr == c.expr && n.no_inherit == c.no_inherit && n.name == c.name)
            {
                alters.push(Change::DropCheck { table: t.clone(), check: c.clone() });
            }
        }
        // A column leaving the key, or gaining AUTO_INCREMENT (MySQL wants that column
        // keyed), changes once the new key is in place; the others before it, so that the
        // new key finds its columns NOT NULL and of a type it can cover.
        let in_key = |pk: &Option<crate::schema::PrimaryKey>, c: &str| {
            pk.as_ref().is_some_and(|p| p.columns.iter().any(|k| k == c))
        };
        let mut after_key = Vec::new();
        for col in &new.columns {
            match old.column(&col.name) {
                None => alters.push(Change::AddColumn { table: t.clone(), column: col.clone() }),
                Some(oc) if column_changed(oc, col) => {
                    let loses_auto = oc.auto_increment && !col.auto_increment;
                    let gains_auto = col.auto_increment && !oc.auto_increment;
                    let leaves_key =
                        in_key(&old.primary_key, &col.name) && !in_key(&new.primary_key, &col.name);
                    let waits = pk_changes && !loses_auto && (leaves_key || gains_auto);
                    let change =
                        Change::AlterColumn { table: t.clone(), from: oc.clone(), to: col.clone() };
                    if waits {
                        after_key.push(change)
                    } else {
                        alters.push(change)
                    }
                }
                Some(_) => {}
            }
        }
        // New indexes on columns the table already has come before a key change.
        let early_index = |idx: &crate::schema::Index| {
            pk_changes && idx.parts.iter().all(|p| !p.is_expr && old.column(&p.expr).is_some())
        };
        for idx in &new.indexes {
            if !old.indexes.contains(idx) && early_index(idx) {
                alters.push(Change::CreateIndex { table: t.clone(), index: idx.clone() });
            }
        }
        if pk_changes {
            alters.push(Change::SetPrimaryKey {
                table: t.clone(),
                from: old.primary_key.clone(),
                to: new.primary_key.clone(),
            });
            alters.extend(dropped_indexes);
        }
        alters.extend(after_key);
        // After the key changes: dropping a column of the old key drops the key with it.
        for col in &old.columns {
            if new.column(&col.name).is_none() {
                alters.push(Change::DropColumn { table: t.clone(), column: col.clone() });
            }
        }
        for u in &new.uniques {
            if !old.uniques.iter().any(|o| unique_eq(o, u)) {
                alters.push(Change::AddUnique { table: t.clone(), unique: u.clone() });
            }
        }
        for c in &new.checks {
            if !old
                .checks
                .iter()
                .any(|o| o.expr == c.expr && o.no_inherit == c.no_inherit && o.name == c.name)
            {
                alters.push(Change::AddCheck { table: t.clone(), check: c.clone() });
            }
        }
        if old.comment != new.comment {
            alters.push(Change::SetTableComment {
                table: t.clone(),
                from: old.comment.clone(),
                to: new.comment.clone(),
            });
        }
        if old.options != new.options {
            alters.push(Change::SetTableOptions {
                table: t.clone(),
                from: old.options.clone(),
                to: new.options.clone(),
            });
        }
        for idx in &new.indexes {
            if !old.indexes.contains(idx) && !early_index(idx) {
                late.push(Change::CreateIndex { table: t.clone(), index: idx.clone() });
            }
        }
        for fk in &new.foreign_keys {
            if !old.foreign_keys.iter().any(|o| fk_eq(o, fk)) {
                late.push(Change::AddForeignKey { table: t.clone(), fk: fk.clone() });
            }
        }
        for trig in &new.triggers {
            if !old.triggers.contains(trig) {
                late.push(Change::CreateTrigger { table: t.clone(), trigger: trig.clone() });
            }
        }
    }

    // Types and sequences: created before the tables that use them, dropped after.
    let mut types_first = Vec::new();
    let mut types_last = Vec::new();
    by_name(
        &from.enums,
        &to.enums,
        &mut types_first,
        &mut types_last,
        |e| Change::CreateEnum { enum_type: e },
        |from, to| Change::AlterEnum { from, to },
        |e| Change::DropEnum { enum_type: e },
    );
    by_name(
        &from.domains,
        &to.domains,
        &mut types_first,
        &mut types_last,
        |d| Change::CreateDomain { domain: d },
        |from, to| Change::AlterDomain { from, to },
        |d| Change::DropDomain { domain: d },
    );
    // Composite types after the enums and domains their attributes use, and after the
    // composite types they use.
    let (mut composites, mut composite_drops) = (Vec::new(), Vec::new());
    by_name(
        &from.composites,
        &to.composites,
        &mut composites,
        &mut composite_drops,
        |c| Change::CreateComposite { composite: c },
        |from, to| Change::AlterComposite { from, to },
        |c| Change::DropComposite { composite: c },
    );
    types_first.extend(composites_in_dependency_order(composites));
    let mut composite_drops = composites_in_dependency_order(composite_drops);
    composite_drops.reverse();
    types_last.extend(composite_drops);
    let mut sequence_drops = Vec::new();
    by_name(
        &from.sequences,
        &to.sequences,
        &mut types_first,
        &mut sequence_drops,
        |s| Change::CreateSequence { sequence: s },
        |from, to| Change::AlterSequence { from, to },
        |s| Change::DropSequence { sequence: s },
    );
    // A sequence no kept table draws from goes with the dropped tables, before a created
    // table's own sequence may take its name (a serial whose table is made anew).
    let drawn_from_by_a_kept_table = |c: &Change| {
        let Change::DropSequence { sequence } = c else { return false };
        from_r.tables.values().filter(|t| to.tables.contains_key(&t.name)).any(|t| {
            t.columns.iter().any(|col| {
                col.default
                    .as_deref()
                    .is_some_and(|d| crate::schema::views::mentions(d, &sequence.name))
            })
        })
    };
    let (late_sequence_drops, sequence_drops): (Vec<Change>, Vec<Change>) =
        sequence_drops.into_iter().partition(drawn_from_by_a_kept_table);
    types_last.extend(late_sequence_drops);

    // Extensions first of all (types and functions come from them), dropped last.
    let mut extensions_first = Vec::new();
    for (name, e) in &to.extensions {
        if !from.extensions.contains_key(name) {
            extensions_first.push(Change::CreateExtension { extension: e.clone() });
        }
    }
    let extensions_last: Vec<Change> = from
        .extensions
        .iter()
        .filter(|(n, _)| !to.extensions.contains_key(*n))
        .map(|(_, e)| Change::DropExtension { extension: e.clone() })
        .collect();
    // Functions: before the tables, checks and indexes that call them, except `sql`
    // ones whose bodies name a table or view this run creates (PostgreSQL checks an
    // `sql` body against the catalog when it is created); dropped once nothing uses them.
    let made_here: BTreeSet<String> = created
        .iter()
        .map(|t| t.name.to_ascii_lowercase())
        .chain(remade.iter().map(|v| v.to_ascii_lowercase()))
        .collect();
    let (mut functions_first, mut functions_late) = (Vec::new(), Vec::new());
    for (sig, f) in &to.functions {
        let change = match from.functions.get(sig) {
            None => Change::CreateFunction { function: f.clone() },
            Some(old) if normalise_ws(&old.sql) != normalise_ws(&f.sql) => {
                Change::ReplaceFunction { from: old.clone(), to: f.clone() }
            }
            _ => continue,
        };
        let names_made_here = f
            .sql
            .split(|ch: char| !(ch.is_alphanumeric() || ch == '_'))
            .any(|word| made_here.contains(&word.to_ascii_lowercase()));
        if f.language == "sql" && names_made_here {
            functions_late.push(change)
        } else {
            functions_first.push(change)
        }
    }
    for (sig, f) in &from.functions {
        if !to.functions.contains_key(sig) {
            types_last.insert(0, Change::DropFunction { function: f.clone() });
        }
    }

    // Schemas before anything that may live in them, dropped after everything.
    let mut out: Vec<Change> = to
        .schemas
        .difference(&from.schemas)
        .map(|name| Change::CreateSchema { name: name.clone() })
        .collect();
    out.extend(extensions_first);
    out.extend(drop_views);
    out.extend(early);
    out.extend(drops);
    out.extend(sequence_drops);
    out.extend(types_first);
    out.extend(functions_first);
    out.extend(renames_out);
    out.extend(creates);
    out.extend(alters);
    out.extend(late);
    out.extend(late_drops);
    out.extend(create_views);
    out.extend(functions_late);
    out.extend(types_last);
    out.extend(extensions_last);
    out.extend(
        from.schemas.difference(&to.schemas).map(|name| Change::DropSchema { name: name.clone() }),
    );
    out
}

/// Composite types created, altered or dropped, each after those its attributes name.
fn composites_in_dependency_order(mut pending: Vec<Change>) -> Vec<Change> {
    let name = |c: &Change| match c {
        Change::CreateComposite { composite }
        | Change::DropComposite { composite }
        | Change::AlterComposite { to: composite, .. } => composite.clone(),
        _ => Default::default(),
    };
    let mut out = Vec::new();
    while !pending.is_empty() {
        let waiting: Vec<String> = pending.iter().map(|c| name(c).name).collect();
        let ready = pending.iter().position(|c| {
            let this = name(c);
            !this
                .attributes
                .iter()
                .any(|(_, ty)| waiting.iter().any(|w| *w != this.name && ty.trim_matches('"') == w))
        });
        // A cycle cannot be created in PostgreSQL; should one appear, keep name order.
        out.push(pending.remove(ready.unwrap_or(0)));
    }
    out
}

/// Named objects compared whole (enums, domains, sequences): created or altered in
/// `first`, in name order, and dropped in `last`.
fn by_name<T: PartialEq + Clone>(
    from: &BTreeMap<String, T>,
    to: &BTreeMap<String, T>,
    first: &mut Vec<Change>,
    last: &mut Vec<Change>,
    create: impl Fn(T) -> Change,
    alter: impl Fn(T, T) -> Change,
    drop: impl Fn(T) -> Change,
) {
    for (name, new) in to {
        match from.get(name) {
            None => first.push(create(new.clone())),
            Some(old) if old != new => first.push(alter(old.clone(), new.clone())),
            _ => {}
        }
    }
    last.extend(
        from.iter().filter(|(name, _)| !to.contains_key(*name)).map(|(_, old)| drop(old.clone())),
    );
}

fn normalise_ws(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::{Column, Index, IndexPart, PrimaryKey};

    fn col(name: &str, ty: &str) -> Column {
        Column { name: name.into(), ty: ty.into(), nullable: true, ..Default::default() }
    }

    fn table(name: &str, cols: &[(&str, &str)]) -> Table {
        Table {
            name: name.into(),
            columns: cols.iter().map(|(n, t)| col(n, t)).collect(),
            primary_key: Some(PrimaryKey { name: None, columns: vec![cols[0].0.into()] }),
            ..Default::default()
        }
    }

    fn schema(tables: Vec<Table>) -> Schema {
        Schema {
            tables: tables.into_iter().map(|t| (t.name.clone(), t)).collect(),
            ..Default::default()
        }
    }

    #[test]
    fn equal_schemas_have_no_changes() {
        let s = schema(vec![table("a", &[("id", "INTEGER"), ("x", "TEXT")])]);
        assert!(diff(&s, &s, &Renames::default()).is_empty());
    }

    #[test]
    fn creates_follow_dependencies_and_drops_reverse_them() {
        let mut child = table("child", &[("id", "INTEGER"), ("p", "INTEGER")]);
        child.foreign_keys.push(ForeignKey {
            columns: vec!["p".into()],
            ref_table: "parent".into(),
            ref_columns: vec!["id".into()],
            on_delete: "NO ACTION".into(),
            on_update: "NO ACTION".into(),
            ..Default::default()
        });
        let parent = table("parent", &[("id", "INTEGER")]);
        let empty = Schema::default();
        let full = schema(vec![child, parent]);
        let up = diff(&empty, &full, &Renames::default());
        let names: Vec<_> = up.iter().map(|c| c.table().unwrap().to_string()).collect();
        assert_eq!(names, vec!["parent", "child"]);
        let down = diff(&full, &empty, &Renames::default());
        let names: Vec<_> = down.iter().map(|c| c.table().unwrap().to_string()).collect();
        assert_eq!(names, vec!["child", "parent"]);
    }

    #[test]
    fn column_changes_and_renames() {
        let from =
            schema(vec![table("a", &[("id", "INTEGER"), ("name", "TEXT"), ("gone", "INT")])]);
        let mut to_t = table("a", &[("id", "INTEGER"), ("full_name", "TEXT"), ("added", "INT")]);
        to_t.indexes.push(Index {
            name: "ix".into(),
            unique: false,
            parts: vec![IndexPart { expr: "full_name".into(), ..Default::default() }],
            ..Default::default()
        });
        let mut from_t = from.tables["a"].clone();
        from_t.indexes.push(Index {
            name: "ix".into(),
            unique: false,
            parts: vec![IndexPart { expr: "name".into(), ..Default::default() }],
            ..Default::default()
        });
        let from = schema(vec![from_t]);
        let to = schema(vec![to_t]);
        let mut r = Renames::default();
        r.columns.insert(("a".into(), "name".into()), "full_name".into());
        let up = diff(&from, &to, &r);
        assert_eq!(up.len(), 3, "{up:#?}");
        assert!(
            matches!(&up[0], Change::RenameColumn { from, to, .. } if from == "name" && to == "full_name")
        );
        assert!(up
            .iter()
            .any(|c| matches!(c, Change::AddColumn { column, .. } if column.name == "added")));
        assert!(up
            .iter()
            .any(|c| matches!(c, Change::DropColumn { column, .. } if column.name == "gone")));
        // Reverse renames give the downgrade.
        let down = diff(&to, &from, &r.reversed());
        assert!(
            matches!(&down[0], Change::RenameColumn { from, to, .. } if from == "full_name" && to == "name")
        );
        assert_eq!(down.len(), 3);
    }

    #[test]
    fn unnamed_uniques_compare_by_content() {
        let mut a = table("a", &[("id", "INTEGER"), ("e", "TEXT")]);
        a.uniques.push(Unique { name: None, columns: vec!["e".into()], ..Default::default() });
        let mut b = a.clone();
        b.uniques[0].name = Some("uq_e".into());
        assert!(diff(&schema(vec![a.clone()]), &schema(vec![b]), &Renames::default()).is_empty());
        let mut c = a.clone();
        c.uniques[0].columns = vec!["id".into()];
        assert_eq!(diff(&schema(vec![a]), &schema(vec![c]), &Renames::default()).len(), 2);
    }

    #[test]
    fn table_rename() {
        let from = schema(vec![table("old", &[("id", "INTEGER")])]);
        let to = schema(vec![table("new", &[("id", "INTEGER")])]);
        let mut r = Renames::default();
        r.tables.insert("old".into(), "new".into());
        assert_eq!(
            diff(&from, &to, &r),
            vec![Change::RenameTable { from: "old".into(), to: "new".into() }]
        );
        assert_eq!(
            diff(&to, &from, &r.reversed()),
            vec![Change::RenameTable { from: "new".into(), to: "old".into() }]
        );
        assert_eq!(diff(&from, &to, &Renames::default()).len(), 2);
    }
}
