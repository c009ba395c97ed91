//! A container the caller runs once itself (`dmap job`, docker-map's `script`): the plan brings
//! up what it needs — its image, networks and volumes, the containers it depends on, started
//! (created when missing; `startup`) and waited for as its `depends_on` says — but not the
//! container itself. A container of its name that exists is left alone, refused, or removed
//! first, as the caller asks.

use std::collections::BTreeSet;

use super::forward::prerequisites;
use super::waits::wait_for_dependencies;
use super::{Action, Builder, PlanError};
use crate::runtime::spec::ResolvedContainer;

/// Containers run once, by Engine name, and what happens to one of that name that exists.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct RunOnce {
    pub containers: BTreeSet<String>,
    pub existing: Existing,
    /// Bring up, and wait for, what they depend on (`dmap job --no-deps`: not).
    pub dependencies: bool,
}

/// What happens to an existing container of the name a one-off container takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Existing {
    /// The one-off container has a name of its own (`dmap job`); the configuration's container
    /// is not touched.
    Keep,
    /// It is an error (`script` without `remove_existing_before`).
    Refuse,
    /// It is stopped and removed first (`remove_existing_before: true`).
    Remove,
}

/// Whether `c` is run once by the caller.
pub(super) fn is_run_once(b: &Builder, c: &ResolvedContainer) -> bool {
    b.options
        .run_once
        .as_ref()
        .is_some_and(|r| r.containers.contains(&c.name))
}

/// What a container run once needs, in place of its own steps.
pub(super) fn prepare(b: &mut Builder, action: &Action, c: &ResolvedContainer, errors: &mut Vec<PlanError>) {
    let existing = b.options.run_once.as_ref().map_or(Existing::Keep, |r| r.existing);
    let mut deps = prerequisites(b, action, c, true);
    if b.options.run_once.as_ref().is_none_or(|r| r.dependencies) {
        for dep in &c.depends_on {
            deps.extend(b.started.get(dep));
        }
        wait_for_dependencies(b, c, &mut deps);
    }
    let Some(o) = b.observed_container(&c.name) else {
        return;
    };
    match existing {
        Existing::Keep => {}
        Existing::Refuse => errors.push(PlanError::Existed { name: c.name.clone() }),
        Existing::Remove => {
            let mut stop = Vec::new();
            if o.is_running() {
                stop.push(b.stop(&c.name, "remove_existing_before", vec![]));
            }
            b.remove(&c.name, "remove_existing_before", stop);
        }
    }
}
