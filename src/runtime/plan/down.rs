//! Bringing containers down: stop, remove and shutdown, dependents first, and the attached
//! volumes and map networks that go with them.

use std::collections::BTreeSet;

use super::{Action, Builder, PlanError, StepKind};
use crate::runtime::snapshot::is_anonymous;
use crate::runtime::snapshot::owned;
use crate::runtime::spec::{MountKind, ResolvedContainer};

/// stop, remove or shutdown of the involved containers (the targets and their dependents).
pub(super) fn down(
    b: &mut Builder,
    action: &Action,
    involved: &[&ResolvedContainer],
    errors: &mut Vec<PlanError>,
) {
    let keep = kept(b, involved, action);
    // Dependents first: walk in reverse start order.
    for c in involved.iter().rev() {
        if !keep.contains(c.name.as_str()) {
            backward(b, action, c, errors);
        }
    }
    if matches!(action, Action::Shutdown | Action::Remove) {
        attached_volumes(b, involved, &keep);
    }
}

/// With `remove_persistent: false`, persistent containers stay, and so does everything they
/// need (their links, volumes_from and namespace owners, the owners of volumes they use),
/// running.
fn kept<'a>(b: &Builder<'a>, involved: &[&'a ResolvedContainer], action: &Action) -> BTreeSet<&'a str> {
    let mut keep: BTreeSet<&str> = BTreeSet::new();
    if b.options.remove_persistent || *action == Action::Stop {
        return keep;
    }
    let mut frontier: Vec<&str> = involved
        .iter()
        .filter(|c| c.persistent)
        .map(|c| c.name.as_str())
        .collect();
    while let Some(name) = frontier.pop() {
        if keep.insert(name) {
            if let Some(c) = b.desired.container(name) {
                frontier.extend(c.depends_on.iter().map(String::as_str));
            }
        }
    }
    keep
}

/// Whether stopping `c` is a kill: with SIGKILL as its stop signal there is no grace period, and
/// nothing runs in it once the signal is sent.
fn stop_is_kill(c: &ResolvedContainer) -> bool {
    c.spec.stop_signal.as_deref().is_some_and(|s| {
        let upper = s.to_ascii_uppercase();
        matches!(upper.strip_prefix("SIG").unwrap_or(&upper), "KILL" | "9")
    })
}

/// What a stop of a container with the dependent `d` waits for. A dependent stopped gracefully
/// may still need what it depends on while it shuts down, so its stop comes first. A dependent
/// that is killed needs nothing any more once the kill is sent: its stop is not waited for, only
/// what it waited for itself (graceful dependents further up still shut down first).
fn barrier(b: &Builder, d: &ResolvedContainer) -> Vec<usize> {
    match b.stopped.get(&d.name) {
        Some(&stop) if stop_is_kill(d) => b.plan.steps[stop].deps.clone(),
        Some(&stop) => vec![stop],
        None => Vec::new(),
    }
}

/// Steps that bring one container down; its dependents' steps exist already.
fn backward(b: &mut Builder, action: &Action, c: &ResolvedContainer, errors: &mut Vec<PlanError>) {
    let Some(o) = b.observed_container(&c.name) else {
        return;
    };
    let dependents: Vec<&ResolvedContainer> = b.dependents_of(&c.name).to_vec();
    // A stop waits only for the dependents bound to it (links, its volumes taken with
    // `volumes_from`, its network namespace), which must not outlive it running, and for those
    // whose `depends_on` names it, stopped first as Compose stops them. The others (start
    // order, a named volume it attaches) stop at the same time.
    let stops: Vec<usize> = dependents
        .iter()
        .filter(|d| {
            d.bindings().iter().any(|(n, _)| *n == c.name)
                || d.waits_for.iter().any(|g| g.container == c.name)
        })
        .flat_map(|d| barrier(b, d))
        .collect();
    let dependents: Vec<&str> = dependents.iter().map(|d| d.name.as_str()).collect();
    let mut removes: Vec<usize> = dependents
        .iter()
        .filter_map(|d| b.removed.get(*d).copied())
        .collect();
    match action {
        Action::Stop => {
            if o.is_running() {
                b.stop(&c.name, "running", stops);
            }
        }
        Action::Remove => {
            if o.is_running() {
                errors.push(PlanError::Running { name: c.name.clone() });
                return;
            }
            removes.extend(stops);
            b.remove(&c.name, "present", removes);
        }
        _ if o.is_running() && stop_is_kill(c) => {
            // One call: the Engine kills it and removes it (a forced remove). It waits only for
            // what its stop would: the Engine removes a container others link to, take volumes
            // from or share the namespace of, and those are killed or removed in this run too.
            let id = b.remove(&c.name, "running, killed (stop signal SIGKILL)", stops);
            b.stopped.insert(c.name.clone(), id);
        }
        _ => {
            // A container stops once its dependents have stopped, and is removed once they are
            // removed: stops of one layer need not wait for the removals above it.
            if o.is_running() {
                removes.push(b.stop(&c.name, "running", stops));
            } else {
                removes.extend(stops);
            }
            b.remove(&c.name, "shutdown", removes);
        }
    }
}

/// With `remove_attached`, the attached volumes of the involved configurations go too, whether
/// or not their containers still exist, once nothing that stays mounts them; and so do the
/// anonymous volumes of the containers removed (as `docker compose down -v` does).
fn attached_volumes(b: &mut Builder, involved: &[&ResolvedContainer], keep: &BTreeSet<&str>) {
    if !b.options.remove_attached {
        return;
    }
    let mut anonymous: Vec<(String, usize)> = Vec::new();
    for (name, removed) in &b.removed {
        let Some(o) = b.observed.containers.get(name) else {
            continue;
        };
        for m in o
            .mounts
            .iter()
            .filter(|m| m.kind == MountKind::Volume && is_anonymous(&m.source))
        {
            let elsewhere =
                b.observed.containers.values().any(|c| {
                    !b.removed.contains_key(&c.name) && c.mounts.iter().any(|x| x.source == m.source)
                });
            if !elsewhere && !anonymous.iter().any(|(v, _)| *v == m.source) {
                anonymous.push((m.source.clone(), *removed));
            }
        }
    }
    anonymous.sort();
    for (volume, removed) in anonymous {
        let users: Vec<usize> = b
            .observed
            .containers
            .values()
            .filter(|c| c.mounts.iter().any(|m| m.source == volume))
            .filter_map(|c| b.removed.get(&c.name).copied())
            .chain(std::iter::once(removed))
            .collect();
        b.step(
            StepKind::RemoveVolume { volume },
            "remove_attached (anonymous)",
            users,
        );
    }
    let owners: BTreeSet<(&str, &str)> = involved
        .iter()
        .filter(|c| !keep.contains(c.name.as_str()))
        .map(|c| (c.map.as_str(), c.config.as_str()))
        .collect();
    for v in &b.desired.volumes {
        if !owners.contains(&(v.map.as_str(), v.owner.as_str()))
            || !b
                .observed
                .volumes
                .get(&v.name)
                .is_some_and(|o| o.owned_by(&v.map))
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
        if users.iter().any(|u| !b.removed.contains_key(*u)) {
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

/// A map network goes when its last container does (orphans included, once removed); a
/// container dmap does not manage keeps it.
pub(super) fn networks_after_shutdown(
    b: &mut Builder,
    involved: &[&ResolvedContainer],
    errors: &mut Vec<PlanError>,
) {
    let maps: BTreeSet<&str> = involved.iter().map(|c| c.map.as_str()).collect();
    for n in b
        .desired
        .networks
        .iter()
        .filter(|n| maps.contains(n.map.as_str()))
    {
        let Some(o) = b.observed.networks.get(&n.name) else {
            continue;
        };
        if !o.owned_by(&n.map) {
            continue;
        }
        let remaining: Vec<&String> = o
            .containers
            .iter()
            .filter(|c| !b.removed.contains_key(*c))
            .collect();
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
        let targeted_all = involved.len() == b.desired.containers.iter().filter(|c| c.map == n.map).count();
        for r in remaining {
            let managed = b
                .observed
                .containers
                .get(r)
                .is_some_and(|c| owned(&c.labels, &n.map));
            if !managed && targeted_all {
                errors.push(PlanError::ForeignAttached {
                    network: n.name.clone(),
                    container: r.clone(),
                });
            }
        }
    }
}
