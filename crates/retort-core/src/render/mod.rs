//! The rendering policies every engine shares, written once (Atlas's `migrate.Plan`
//! builder plays this part): the engine crates answer narrow per-change questions
//! through [`ChangeRenderer`], and [`render`] decides the order and the notes:
//!
//! - views that read a table the changes rebuild or retype are dropped first (views on
//!   those views too, dependents before what they read) and recreated last;
//! - created tables come in dependency order with their foreign keys in their `CREATE
//!   TABLE`, as Alembic writes them; what must wait (a key to a table created later in a
//!   cycle, triggers, comments) runs once every table of the run exists;
//! - a change that loses data carries a `DATA LOSS` note on its statement, also when the
//!   engine expresses it inside a table rebuild;
//! - a change the engine cannot express is an error naming it, never a silent skip;
//! - every statement keeps the [`Change`] it came from, so a failure can name its cause.
use crate::schema::views;

use crate::diff::Change;
use crate::error::DbError;
use crate::schema::{ForeignKey, Schema, Table};
use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

/// One rendered statement, with the review note it deserves (a rebuild, data loss…)
/// and the change that produced it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RenderedStatement {
    pub sql: String,
    /// Written as a `-- ` comment above the statement.
    pub comment: Option<String>,
    /// The change this statement expresses; `None` for the shared policies' own
    /// statements (a dependent view dropped and recreated).
    pub source: Option<Arc<Change>>,
    /// Which of the revision's steps the statement runs in.
    pub phase: Phase,
    /// A new step (transaction) of its phase starts here: a run of drops too long for one
    /// transaction ([`ChangeRenderer::drops_per_transaction`]).
    pub starts_step: bool,
}

/// Where a statement runs in the revision. Plain changes all run in the
/// main transaction; an online rewrite splits one change over the later phases so that
/// no strong lock is held across a long scan. [`render`] orders statements by phase
/// (keeping their order within one) and [`to_section`] writes a `-- +step` line where
/// one phase ends and the next begins, so the file runs exactly in these transactions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    /// Values added to an existing enum, committed on their own: PostgreSQL refuses to
    /// use a value in the transaction that added it ("unsafe use of new value").
    EnumValues,
    /// The revision's main transaction.
    #[default]
    Main,
    /// Outside any transaction: `CREATE/DROP INDEX CONCURRENTLY`, once Main committed.
    Concurrent,
    /// A short transaction after the concurrent builds: constraints attached to the
    /// indexes just built (`USING INDEX`), keys and checks added `NOT VALID`.
    Attach,
    /// `VALIDATE CONSTRAINT`: scans the table under a lock that lets writes through, in
    /// a transaction of its own so the Attach locks are gone.
    Validate,
    /// What the validated constraints allow without a scan: `SET NOT NULL` proven by a
    /// valid check, then that helper check dropped.
    Finish,
}

impl Phase {
    pub fn transactional(self) -> bool {
        self != Phase::Concurrent
    }
}

/// How a revision is rendered.
#[derive(Clone, Copy, Debug, Default)]
pub struct RenderOptions {
    /// Rewrite locking changes of existing tables into their online forms.
    pub online: bool,
}

impl RenderedStatement {
    pub fn new(sql: impl Into<String>) -> Self {
        RenderedStatement {
            sql: sql.into(),
            comment: None,
            source: None,
            phase: Phase::Main,
            starts_step: false,
        }
    }

    pub fn with_comment(sql: impl Into<String>, comment: impl Into<String>) -> Self {
        RenderedStatement {
            sql: sql.into(),
            comment: Some(comment.into()),
            source: None,
            phase: Phase::Main,
            starts_step: false,
        }
    }

    /// The statement moved to `phase`.
    pub fn in_phase(mut self, phase: Phase) -> Self {
        self.phase = phase;
        self
    }

    /// Adds a line to the statement's note (a note it already has is not repeated).
    fn note(&mut self, line: &str) {
        match &mut self.comment {
            Some(c) if c.lines().any(|l| l == line) => {}
            Some(c) => *c = format!("{line}\n{c}"),
            None => self.comment = Some(line.to_string()),
        }
    }
}

/// Joins rendered statements into a file section, with a `-- +step` line wherever the
/// phase changes (the statements come ordered by phase from [`render`]).
pub fn to_section(stmts: &[RenderedStatement]) -> String {
    let mut out = String::new();
    let mut phase = Phase::Main;
    for (i, s) in stmts.iter().enumerate() {
        if s.starts_step && s.phase == phase && i > 0 {
            out.push_str("-- +step\n");
        }
        if s.phase != phase {
            if i > 0 || !s.phase.transactional() {
                out.push_str(if s.phase.transactional() {
                    "-- +step\n"
                } else {
                    "-- +step transactional: false\n"
                });
            }
            phase = s.phase;
        }
        if let Some(c) = &s.comment {
            for line in c.lines() {
                out.push_str(&format!("-- {line}\n"));
            }
        }
        out.push_str(s.sql.trim_end());
        out.push_str(";\n");
    }
    out
}

/// A created table's statements: those that run at once (the table with the foreign
/// keys it is given, its indexes), and those that wait until every table the run
/// creates exists (triggers, comments).
#[derive(Default)]
pub struct TableStatements {
    pub now: Vec<RenderedStatement>,
    pub after_all_tables: Vec<RenderedStatement>,
}

/// What an engine answers so that [`render`] can write its SQL. One value per render
/// call, so an engine may plan the whole change list first (SQLite's rebuilds).
pub trait ChangeRenderer {
    /// Tables whose readers (views) the engine cannot keep while the changes run: a
    /// rebuilt table, a column whose type changes or that goes away.
    fn tables_blocking_views(&self) -> BTreeSet<String> {
        BTreeSet::new()
    }
    /// Whether `CREATE TABLE` refuses a foreign key to a table that does not exist yet
    /// and `DROP TABLE` a table another one references. SQLite does neither (so every
    /// key stays inline); on server engines a key closing a cycle of created tables is
    /// added once they all exist, and one closing a cycle of dropped tables is dropped
    /// before them.
    fn checks_references_in_ddl(&self) -> bool {
        true
    }
    /// How many tables one transaction may drop, where the engine holds a lock per
    /// dropped object until commit in a table of fixed size (PostgreSQL: table, indexes,
    /// TOAST, keys; `max_locks_per_transaction` × connections runs out near 850 tables
    /// of an ordinary shape). A longer run of drops is split into steps of this many.
    fn drops_per_transaction(&self) -> Option<usize> {
        None
    }
    /// `DROP VIEW` in the engine's quoting.
    fn drop_view(&self, name: &str) -> String;
    /// A created table with every foreign key `table` holds written inline (the core
    /// leaves out those that must wait and adds them as `AddForeignKey` changes).
    fn create_table(&mut self, table: &Table) -> Result<TableStatements, DbError>;
    /// Every change but `CreateTable`. An empty list means the change is expressed by
    /// an earlier statement of the same table (a rebuild); `Err` that it cannot be
    /// expressed at all ([`crate::engine::cannot_render`]).
    fn change(&mut self, change: &Change) -> Result<Vec<RenderedStatement>, DbError>;
}

/// The data a change destroys, said the same way for every engine.
fn data_loss(change: &Change) -> Option<String> {
    match change {
        Change::DropTable { table } => Some(format!("DATA LOSS: drops table {}", table.name)),
        Change::DropColumn { table, column } => {
            Some(format!("DATA LOSS: drops column {table}.{}", column.name))
        }
        _ => None,
    }
}

/// Renders `changes` (which turn `from` into `to`) through the engine's answers.
pub fn render(
    engine: &mut dyn ChangeRenderer,
    from: &Schema,
    to: &Schema,
    changes: &[Change],
) -> Result<Vec<RenderedStatement>, DbError> {
    let dropped_by_diff: BTreeSet<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::DropView { view } => Some(view.name.as_str()),
            _ => None,
        })
        .collect();
    let created_by_diff: BTreeSet<&str> = changes
        .iter()
        .filter_map(|c| match c {
            Change::CreateView { view } => Some(view.name.as_str()),
            _ => None,
        })
        .collect();
    let blocking = engine.tables_blocking_views();
    let blocking: Vec<&str> = blocking.iter().map(String::as_str).collect();
    let dependent = views::dependents(from, &blocking);

    let mut out = Vec::new();
    for v in &dependent.drop {
        if !dropped_by_diff.contains(v.as_str()) {
            out.push(RenderedStatement::with_comment(
                engine.drop_view(v),
                format!("view {v} reads a changed table: dropped here, recreated at the end"),
            ));
        }
    }
    // Where each created and dropped table comes in the run: a key to a table created
    // later must wait; a key from a table dropped later must go first.
    let checks = engine.checks_references_in_ddl();
    let created_at: BTreeMap<&str, usize> = changes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            Change::CreateTable { table } => Some((table.name.as_str(), i)),
            _ => None,
        })
        .collect();
    let dropped: Vec<(usize, &Table)> = changes
        .iter()
        .enumerate()
        .filter_map(|(i, c)| match c {
            Change::DropTable { table } => Some((i, table)),
            _ => None,
        })
        .collect();
    let mut deferred: Vec<RenderedStatement> = Vec::new();
    for (at, change) in changes.iter().enumerate() {
        let source = Arc::new(change.clone());
        let tag = |mut stmts: Vec<RenderedStatement>| {
            for s in &mut stmts {
                s.source = Some(source.clone());
            }
            stmts
        };
        if let Change::CreateTable { table } = change {
            let waits = |fk: &ForeignKey| {
                checks && created_at.get(fk.ref_table.as_str()).is_some_and(|&j| j > at)
            };
            let (later, inline): (Vec<ForeignKey>, Vec<ForeignKey>) =
                table.foreign_keys.iter().cloned().partition(|fk| waits(fk));
            let t = engine.create_table(&Table { foreign_keys: inline, ..table.clone() })?;
            out.extend(tag(t.now));
            for fk in later {
                deferred.extend(tag(
                    engine.change(&Change::AddForeignKey { table: table.name.clone(), fk })?
                ));
            }
            deferred.extend(tag(t.after_all_tables));
            continue;
        }
        out.append(&mut deferred);
        if let (Change::DropTable { table }, true) = (change, checks) {
            for (_, later) in dropped.iter().filter(|(j, _)| *j > at) {
                for fk in later.foreign_keys.iter().filter(|fk| fk.ref_table == table.name) {
                    out.extend(tag(engine.change(&Change::DropForeignKey {
                        table: later.name.clone(),
                        fk: fk.clone(),
                    })?));
                }
            }
        }
        let mut stmts = tag(engine.change(change)?);
        if let Some(loss) = data_loss(change) {
            match stmts.first_mut() {
                Some(first) => first.note(&loss),
                // Expressed inside a rebuild: the note goes on the rebuild's first statement.
                None => {
                    let table = change.table();
                    if let Some(host) = out.iter_mut().find(|s| {
                        s.comment.is_some() && s.source.as_deref().and_then(Change::table) == table
                    }) {
                        host.note(&loss);
                    }
                }
            }
        }
        out.extend(stmts);
    }
    out.append(&mut deferred);
    for v in &dependent.create {
        if let (Some(view), false) = (to.views.get(v), created_by_diff.contains(v.as_str())) {
            out.extend(engine.change(&Change::CreateView { view: view.clone() })?);
        }
    }
    // Online rewrites put parts of a change in later phases; order is kept within each.
    out.sort_by_key(|s| s.phase);
    if let Some(limit) = engine.drops_per_transaction() {
        split_long_drop_runs(&mut out, limit.max(1));
    }
    Ok(out)
}

/// Starts a new step at every `limit`-th dropped table of the main phase, when the
/// revision drops more than `limit`: the steps run one after the other, each in its own
/// transaction (the revision is then not atomic, and says so).
fn split_long_drop_runs(stmts: &mut [RenderedStatement], limit: usize) {
    let drops = |s: &RenderedStatement| {
        s.phase == Phase::Main && matches!(s.source.as_deref(), Some(Change::DropTable { .. }))
    };
    let total = stmts.iter().filter(|s| drops(s)).count();
    if total <= limit {
        return;
    }
    for (seen, s) in stmts.iter_mut().filter(|s| drops(s)).enumerate() {
        if seen > 0 && seen % limit == 0 {
            s.starts_step = true;
            s.note(&format!(
                "a step of its own: {total} tables are dropped {limit} per transaction (the engine's lock table would not hold them all)"
            ));
        }
    }
}

/// The statements grouped into the steps they run in: (transactional, statements).
pub fn steps(stmts: &[RenderedStatement]) -> Vec<(bool, &[RenderedStatement])> {
    stmts
        .chunk_by(|a, b| a.phase == b.phase && !b.starts_step)
        .map(|chunk| (chunk[0].phase.transactional(), chunk))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::schema::Column;

    /// An engine that writes one statement per change, rebuilds table `r` for any
    /// change to it (absorbing the rest), and cannot express sequences; `lenient` accepts
    /// forward references in CREATE TABLE (SQLite), `drop_limit` bounds a transaction's
    /// drops (PostgreSQL).
    #[derive(Default)]
    struct Fake {
        rebuilt: bool,
        lenient: bool,
        drop_limit: Option<usize>,
    }

    impl ChangeRenderer for Fake {
        fn checks_references_in_ddl(&self) -> bool {
            !self.lenient
        }
        fn drops_per_transaction(&self) -> Option<usize> {
            self.drop_limit
        }
        fn drop_view(&self, name: &str) -> String {
            format!("DROP VIEW {name}")
        }
        fn create_table(&mut self, t: &Table) -> Result<TableStatements, DbError> {
            let refs: Vec<&str> = t.foreign_keys.iter().map(|f| f.ref_table.as_str()).collect();
            Ok(TableStatements {
                now: vec![RenderedStatement::new(format!(
                    "CREATE {} [{}]",
                    t.name,
                    refs.join(" ")
                ))],
                after_all_tables: t
                    .triggers
                    .iter()
                    .map(|tr| RenderedStatement::new(format!("TRIGGER {}", tr.name)))
                    .collect(),
            })
        }
        fn change(&mut self, c: &Change) -> Result<Vec<RenderedStatement>, DbError> {
            match c {
                Change::CreateSequence { .. } => Err(crate::engine::cannot_render("fake", c)),
                _ if c.table() == Some("r") && self.rebuilt => Ok(Vec::new()),
                _ if c.table() == Some("r") => {
                    self.rebuilt = true;
                    Ok(vec![RenderedStatement::with_comment("REBUILD r", "TABLE REBUILD of r")])
                }
                _ => Ok(vec![RenderedStatement::new(c.describe())]),
            }
        }
    }

    fn table(name: &str, refs: &[&str]) -> Table {
        Table {
            name: name.into(),
            foreign_keys: refs
                .iter()
                .map(|r| ForeignKey {
                    ref_table: r.to_string(),
                    columns: vec!["x".into()],
                    ref_columns: vec!["id".into()],
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        }
    }

    fn run(changes: &[Change]) -> Result<Vec<RenderedStatement>, DbError> {
        render(&mut Fake::default(), &Schema::default(), &Schema::default(), changes)
    }

    /// As Alembic writes them: a created table's foreign keys are part of its `CREATE
    /// TABLE` (one statement, no table rebuilt by a later `ALTER` on MySQL); only a key
    /// to a table created later in the run (a cycle) waits for every created table.
    #[test]
    fn foreign_keys_of_created_tables_are_inline_unless_they_reference_a_later_table() {
        let mut a = table("a", &["b", "a", "existing"]);
        a.triggers.push(crate::schema::Trigger { name: "ta".into(), sql: String::new() });
        let changes = [
            Change::CreateTable { table: a },
            Change::CreateTable { table: table("b", &["a"]) },
            Change::DropTable { table: table("old", &[]) },
        ];
        let out = run(&changes).unwrap();
        let sql: Vec<&str> = out.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(
            sql,
            [
                "CREATE a [a existing]",
                "CREATE b [a]",
                "add foreign key a(x) -> b",
                "TRIGGER ta",
                "drop table old"
            ]
        );
        assert_eq!(out[2].source.as_deref(), Some(&changes[0]));
    }

    /// The mirror image: dropping tables in a cycle drops the key of a table dropped
    /// later that references one dropped earlier, before that earlier table goes.
    #[test]
    fn a_key_closing_a_cycle_of_dropped_tables_is_dropped_first() {
        let changes = [
            Change::DropTable { table: table("b", &["a"]) },
            Change::DropTable { table: table("a", &["b", "a"]) },
        ];
        let out = run(&changes).unwrap();
        let sql: Vec<&str> = out.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(sql, ["drop foreign key a(x) -> b", "drop table b", "drop table a"]);
        assert_eq!(out[1].comment.as_deref(), Some("DATA LOSS: drops table b"));
    }

    /// An engine that does not check references when a table is created (SQLite) gets
    /// every key inline, in the table's one statement.
    #[test]
    fn an_engine_that_accepts_forward_references_gets_every_key_inline() {
        let changes = [
            Change::CreateTable { table: table("a", &["b"]) },
            Change::CreateTable { table: table("b", &["a"]) },
        ];
        let out = render(
            &mut Fake { lenient: true, ..Fake::default() },
            &Schema::default(),
            &Schema::default(),
            &changes,
        )
        .unwrap();
        let sql: Vec<&str> = out.iter().map(|s| s.sql.as_str()).collect();
        assert_eq!(sql, ["CREATE a [b]", "CREATE b [a]"]);
    }

    #[test]
    fn data_loss_is_noted_also_inside_a_rebuild_and_every_statement_knows_its_change() {
        let col = |n: &str| Column {
            name: n.into(),
            ty: "int".into(),
            nullable: true,
            ..Default::default()
        };
        let changes = [
            Change::DropColumn { table: "t".into(), column: col("a") },
            Change::AlterColumn {
                table: "r".into(),
                from: col("b"),
                to: Column { nullable: false, ..col("b") },
            },
            Change::DropColumn { table: "r".into(), column: col("c") },
        ];
        let out = run(&changes).unwrap();
        assert_eq!(out.len(), 2);
        assert_eq!(out[0].comment.as_deref(), Some("DATA LOSS: drops column t.a"));
        assert_eq!(
            out[1].comment.as_deref(),
            Some("DATA LOSS: drops column r.c\nTABLE REBUILD of r")
        );
        assert_eq!(out[0].source.as_deref(), Some(&changes[0]));
        assert_eq!(out[1].source.as_deref(), Some(&changes[1]));
    }

    /// Statements come ordered by phase, and the section marks each step.
    #[test]
    fn phases_become_steps_in_order() {
        let st = |sql: &str, phase| RenderedStatement::new(sql).in_phase(phase);
        let section = to_section(&[
            st("A", Phase::Main),
            st("B", Phase::Concurrent),
            st("C", Phase::Concurrent),
            st("D", Phase::Attach),
            st("E", Phase::Validate),
        ]);
        assert_eq!(
            section,
            "A;\n-- +step transactional: false\nB;\nC;\n-- +step\nD;\n-- +step\nE;\n"
        );
        // A revision that starts outside a transaction says so on its first line; one
        // whose first statement is in a later transactional phase needs no marker.
        assert_eq!(
            to_section(&[st("B", Phase::Concurrent), st("D", Phase::Attach)]),
            "-- +step transactional: false\nB;\n-- +step\nD;\n"
        );
        assert_eq!(to_section(&[st("E", Phase::Validate)]), "E;\n");
        let file = format!("-- revision: abcd\n\n-- +upgrade\n{section}");
        let parsed =
            crate::revision::file::RevisionFile::parse(std::path::Path::new("x.sql"), &file)
                .unwrap();
        let shape: Vec<(bool, usize)> = parsed
            .upgrade
            .steps(true)
            .iter()
            .map(|s| (s.transactional, s.statements.len()))
            .collect();
        assert_eq!(shape, vec![(true, 1), (false, 2), (true, 1), (true, 1)]);
    }

    /// More drops than the engine's transaction holds are split into steps of that many;
    /// fewer stay in one transaction.
    #[test]
    fn a_long_run_of_drops_is_split_into_steps_the_engine_can_hold() {
        let drops = |n: usize| -> Vec<Change> {
            (0..n).map(|i| Change::DropTable { table: table(&format!("t{i}"), &[]) }).collect()
        };
        let render_n = |n: usize| {
            let changes = drops(n);
            render(
                &mut Fake { drop_limit: Some(2), ..Fake::default() },
                &Schema::default(),
                &Schema::default(),
                &changes,
            )
            .unwrap()
        };
        let five = render_n(5);
        let shape: Vec<usize> = steps(&five).iter().map(|(_, s)| s.len()).collect();
        assert_eq!(shape, vec![2, 2, 1]);
        let section = to_section(&five);
        assert_eq!(section.matches("-- +step\n").count(), 2, "{section}");
        assert!(section.contains("5 tables are dropped 2 per transaction"), "{section}");
        let two = render_n(2);
        assert_eq!(steps(&two).len(), 1);
        assert!(!to_section(&two).contains("-- +step"));
    }

    #[test]
    fn a_change_the_engine_cannot_express_is_an_error() {
        let seq = crate::schema::Sequence { name: "s".into(), start: 1, increment: 1 };
        let err = run(&[Change::CreateSequence { sequence: seq }]).unwrap_err();
        assert!(err.to_string().contains("create sequence s"), "{err}");
    }
}
