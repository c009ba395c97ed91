//! Bringing containers down: stop, remove and shutdown, dependents first, and the attached
//! volumes and map networks that go with them.

use std::collections::BTreeSet;

use super::{Action, Builder, PlanError, StepKind};
use crate::runtime::snapshot::owned;
use crate::runtime::spec::DesiredContainer;

/// Steps that bring one container down for stop/remove/shutdown; dependents come first.
pub(super) fn backward(b: &mut Builder, action: &Action, c: &DesiredContainer, errors: &mut Vec<PlanError>) {
    let Some(o) = b.observed_container(&c.name) else {
        return;
    };
    let dependents: Vec<usize> = b
        .desired
        .containers
        .iter()
        .filter(|d| d.depends_on.contains(&c.name))
        .flat_map(|d| [b.stopped.get(&d.name).copied(), b.removed.get(&d.name).copied()])
        .flatten()
        .collect();
    let keep = c.persistent && !b.options.remove_persistent;
    match action {
        Action::Stop => {
            if o.is_running() {
                let id = b.step(
                    StepKind::StopContainer {
                        container: c.name.clone(),
                    },
                    "running",
                    dependents,
                );
                b.stopped.insert(c.name.clone(), id);
            }
        }
        Action::Remove => {
            if keep {
                return;
            }
            if o.is_running() {
                errors.push(PlanError::Running { name: c.name.clone() });
                return;
            }
            let id = b.step(
                StepKind::RemoveContainer {
                    container: c.name.clone(),
                },
                "present",
                dependents,
            );
            b.removed.insert(c.name.clone(), id);
        }
        _ => {
            if keep {
                return;
            }
            // A container stops once its dependents have stopped, and is removed once they are
            // removed: stops of one layer need not wait for the removals above it.
            let dependent_names: Vec<&String> = b
                .desired
                .containers
                .iter()
                .filter(|d| d.depends_on.contains(&c.name))
                .map(|d| &d.name)
                .collect();
            let stops: Vec<usize> = dependent_names
                .iter()
                .filter_map(|d| b.stopped.get(*d).copied())
                .collect();
            let mut removes: Vec<usize> = dependent_names
                .iter()
                .filter_map(|d| b.removed.get(*d).copied())
                .collect();
            if o.is_running() {
                let id = b.step(
                    StepKind::StopContainer {
                        container: c.name.clone(),
                    },
                    "running",
                    stops,
                );
                b.stopped.insert(c.name.clone(), id);
                removes.push(id);
            } else {
                removes.extend(stops);
            }
            let id = b.step(
                StepKind::RemoveContainer {
                    container: c.name.clone(),
                },
                "shutdown",
                removes,
            );
            b.removed.insert(c.name.clone(), id);
        }
    }
}

/// With `remove_attached`, the attached volumes of removed containers go too, once nothing that
/// stays mounts them.
pub(super) fn attached_volumes(b: &mut Builder, involved: &[&DesiredContainer]) {
    if !b.options.remove_attached {
        return;
    }
    let removed: BTreeSet<String> = b.removed.keys().cloned().collect();
    for v in &b.desired.volumes {
        let owner_removed = involved
            .iter()
            .any(|c| c.map == v.map && c.config == v.owner && removed.contains(&c.name));
        if !owner_removed
            || !b
                .observed
                .volumes
                .get(&v.name)
                .is_some_and(|o| owned(&o.labels, &v.map))
        {
            continue;
        }
        let users: Vec<&str> = b
            .observed
            .containers
            .values()
            .filter(|o| o.mounts.iter().any(|m| m.source == v.name))
            .map(|o| o.name.as_str())
            .collect();
        if users.iter().any(|u| !removed.contains(*u)) {
            continue;
        }
        let deps: Vec<usize> = users.iter().filter_map(|u| b.removed.get(*u).copied()).collect();
        b.step(
            StepKind::RemoveVolume {
                volume: v.name.clone(),
            },
            "remove_attached",
            deps,
        );
    }
}

/// A map network goes when its last container does; a container dmap does not manage keeps it.
pub(super) fn networks_after_shutdown(
    b: &mut Builder,
    involved: &[&DesiredContainer],
    errors: &mut Vec<PlanError>,
) {
    let maps: BTreeSet<&str> = involved.iter().map(|c| c.map.as_str()).collect();
    let removed: BTreeSet<String> = b.removed.keys().cloned().collect();
    for n in b
        .desired
        .networks
        .iter()
        .filter(|n| maps.contains(n.map.as_str()))
    {
        let Some(o) = b.observed.networks.get(&n.name) else {
            continue;
        };
        if !owned(&o.labels, &n.map) {
            continue;
        }
        let remaining: Vec<&String> = o.containers.iter().filter(|c| !removed.contains(*c)).collect();
        if remaining.is_empty() {
            let deps: Vec<usize> = o
                .containers
                .iter()
                .filter_map(|c| b.removed.get(c).copied())
                .collect();
            b.step(
                StepKind::RemoveNetwork {
                    network: n.name.clone(),
                },
                "no containers left",
                deps,
            );
            continue;
        }
        // Remaining map containers keep it; a foreign one is worth saying.
        for r in remaining {
            let managed = b
                .observed
                .containers
                .get(r)
                .is_some_and(|c| owned(&c.labels, &n.map));
            let targeted_all =
                involved.len() == b.desired.containers.iter().filter(|c| c.map == n.map).count();
            if !managed && targeted_all {
                errors.push(PlanError::ForeignAttached {
                    network: n.name.clone(),
                    container: r.clone(),
                });
            }
        }
    }
}
