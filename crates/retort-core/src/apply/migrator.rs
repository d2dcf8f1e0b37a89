//! The migrator: a revision graph and the database's bookkeeping tables, composed of the
//! parts it owns — the [`VersionStore`] (every read and write of the tables), the
//! [`Planner`] (targets and plans over the graph) and the migration lock
//! ([`crate::apply::lock`]).
//!
//! Upgrade and downgrade go through [`Migrator::run`], whose loop is [`crate::apply::run`]'s
//! named phases, so the policy exists once; recording without running (stamp, resolve,
//! adopt, accept) is in `apply/stamp.rs`, offline scripts in `apply/offline.rs`.
//! Progress is reported through [`Event`]s; callers render them.
use crate::apply::lock::with_lock;
use crate::apply::planner::Planner;
use crate::apply::run::Run;
use crate::apply::run::{Event, RunOptions, RunReport};
use crate::engine::Connection;
use crate::error::Error;
use crate::history::log::VersionTables;
use crate::history::store::VersionStore;
use crate::plan::{self, Direction, Plan};
use crate::revision::graph::RevisionGraph;
use crate::revision::target::Target;

pub struct Migrator<'g> {
    pub graph: &'g RevisionGraph,
    pub store: VersionStore,
    pub(crate) planner: Planner<'g>,
}

impl<'g> Migrator<'g> {
    pub fn new(graph: &'g RevisionGraph, tables: VersionTables) -> Self {
        Migrator { graph, store: VersionStore::new(tables), planner: Planner { graph } }
    }

    /// The database's heads, validated against the graph (and refused when dirty).
    pub fn current(&self, conn: &mut dyn Connection) -> Result<Vec<usize>, Error> {
        self.store.refuse_if_dirty(conn)?;
        let rows = self.store.current_rows(conn)?;
        Ok(plan::validate_heads(self.graph, &rows)?)
    }

    /// The plan as the database looks now, read without the lock and without refusing a
    /// revision in progress (another run's, which the locked run will wait for): for
    /// decisions made before the lock (a backup, warnings). `None` when it cannot be told.
    pub fn peek_plan(
        &self,
        conn: &mut dyn Connection,
        mode: Direction,
        target: &Target,
    ) -> Option<Plan> {
        let rows = self.store.current_rows(conn).ok()?;
        let current = plan::validate_heads(self.graph, &rows).ok()?;
        self.planner.plan_to(mode, &current, target).ok()
    }

    /// Resolves `target` against the database and returns the plan without running it.
    pub fn plan(
        &self,
        conn: &mut dyn Connection,
        mode: Direction,
        target: &Target,
    ) -> Result<Plan, Error> {
        let current = self.current(conn)?;
        self.planner.plan_to(mode, &current, target)
    }

    /// Runs an upgrade or downgrade, one transaction per revision with its version-table
    /// update. A failing revision is rolled back; the ones before it stay applied.
    pub fn run(
        &self,
        conn: &mut dyn Connection,
        mode: Direction,
        target: &Target,
        opts: &RunOptions,
        on_event: &mut dyn FnMut(Event<'_>),
    ) -> Result<RunReport, Error> {
        with_lock(conn, &self.store, opts.lock_timeout, on_event, |conn, on_event| {
            Run::new(self.graph, &self.store, self.planner, opts, on_event)
                .execute(conn, mode, target)
        })
    }
}
