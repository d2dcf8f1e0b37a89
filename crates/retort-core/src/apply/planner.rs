//! A run's target, resolved once against where the database starts, and the plan to it
//! from wherever the database is now (the run re-plans after another run moved it).
use crate::error::Error;
use crate::plan::{self, Direction, Plan};
use crate::revision::graph::RevisionGraph;
use crate::revision::target::Target;

/// A target resolved against the database: the revisions it names, or for `-N` that
/// walked off the bottom of a branch, that branch's root (reverted with what is above).
pub(crate) struct ResolvedTarget {
    set: Vec<usize>,
    branch_root: Option<Vec<usize>>,
    /// The target as the user wrote it, for messages.
    text: String,
}

/// Plans over one revision graph.
#[derive(Clone, Copy)]
pub(crate) struct Planner<'g> {
    pub graph: &'g RevisionGraph,
}

impl<'g> Planner<'g> {
    /// Resolves `target` once, against where the run starts (a relative target means
    /// "relative to where we started", also when the run re-plans).
    pub fn resolve(&self, target: &Target, current: &[usize]) -> Result<ResolvedTarget, Error> {
        Ok(ResolvedTarget {
            set: target.resolve(self.graph, current)?,
            branch_root: target.branch_root_walked_off(self.graph, current),
            text: target.text.clone(),
        })
    }

    /// The steps from `current` to the resolved target.
    pub fn plan(
        &self,
        mode: Direction,
        current: &[usize],
        target: &ResolvedTarget,
    ) -> Result<Plan, Error> {
        let text = target.text.as_str();
        Ok(match (mode, &target.branch_root) {
            (Direction::Up, _) => {
                plan::check_upgrade_target(self.graph, current, &target.set, text)?;
                plan::plan_upgrade(self.graph, current, &target.set)
            }
            (Direction::Down, Some(roots)) => {
                plan::plan_downgrade_branch(self.graph, current, roots)?
            }
            (Direction::Down, None) => {
                plan::plan_downgrade(self.graph, current, &target.set, text)?
            }
        })
    }

    /// Resolve and plan in one go, for a plan that is shown rather than run.
    pub fn plan_to(
        &self,
        mode: Direction,
        current: &[usize],
        target: &Target,
    ) -> Result<Plan, Error> {
        let resolved = self.resolve(target, current)?;
        self.plan(mode, current, &resolved)
    }
}
