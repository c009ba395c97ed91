//! Who owns what: objects with needed names that dmap did not create (or adopt) for the map are
//! refused unless `adopt: true`; adoptions of volumes and networks are recorded; containers
//! whose configuration left the map (orphans) are reported or removed.

use std::collections::BTreeSet;

use super::{leftovers, Action, Builder, Options, PlanError, StepKind};
use crate::runtime::labels;
use crate::runtime::snapshot::{owned, ObservedContainer, Snapshot};
use crate::runtime::spec::{Desired, ResolvedContainer};

/// The volumes and networks the involved containers use: (kind, name, map).
fn used_objects<'a>(
    involved: &[&ResolvedContainer],
    desired: &'a Desired,
) -> Vec<(&'static str, &'a str, &'a str)> {
    let mut out = Vec::new();
    for v in &desired.volumes {
        if involved
            .iter()
            .any(|c| c.spec.mounts.iter().any(|m| m.source == v.name))
        {
            out.push(("volume", v.name.as_str(), v.map.as_str()));
        }
    }
    for n in &desired.networks {
        if involved
            .iter()
            .any(|c| c.spec.networks.iter().any(|e| e.network == n.name))
        {
            out.push(("network", n.name.as_str(), n.map.as_str()));
        }
    }
    out
}

/// Is the volume or network dmap's for `map` (labelled, or adopted earlier)? None: absent.
fn object_owned(observed: &Snapshot, kind: &str, name: &str, map: &str) -> Option<bool> {
    match kind {
        "volume" => observed.volumes.get(name).map(|v| v.owned_by(map)),
        _ => observed.networks.get(name).map(|n| n.owned_by(map)),
    }
}

/// Objects with needed names that dmap did not create or adopt for this map are not touched.
pub(super) fn ownership(
    involved: &[&ResolvedContainer],
    desired: &Desired,
    observed: &Snapshot,
    options: &Options,
    action: &Action,
) -> Vec<PlanError> {
    if options.adopt {
        return Vec::new();
    }
    let mut errors = Vec::new();
    for c in involved {
        if let Some(o) = observed.containers.get(&c.name) {
            if !owned(&o.labels, &c.map) {
                errors.push(PlanError::Foreign {
                    kind: "container",
                    name: c.name.clone(),
                    map: c.map.clone(),
                });
            }
        }
    }
    if matches!(
        action,
        Action::Create | Action::Startup | Action::Update | Action::Shutdown | Action::Remove
    ) {
        for (kind, name, map) in used_objects(involved, desired) {
            if object_owned(observed, kind, name, map) == Some(false) {
                errors.push(PlanError::Foreign {
                    kind,
                    name: name.to_string(),
                    map: map.to_string(),
                });
            }
        }
    }
    errors
}

/// With `adopt: true`, foreign volumes and networks the involved containers use are recorded as
/// the map's, so later runs need no `adopt` (foreign containers are recreated with dmap's
/// labels instead).
pub(super) fn adoptions(b: &mut Builder, involved: &[&ResolvedContainer], action: &Action) {
    if !b.options.adopt || *action == Action::Start {
        return;
    }
    for (kind, name, map) in used_objects(involved, b.desired) {
        if object_owned(b.observed, kind, name, map) == Some(false) {
            b.step(
                StepKind::RecordAdoption {
                    kind,
                    name: name.to_string(),
                    map: map.to_string(),
                },
                "adopt: true",
                vec![],
            );
        }
    }
}

/// Containers labelled for the targets' maps whose configuration or instance is gone (on this
/// client): reported, or removed with `remove_orphans`.
pub(super) fn orphans(b: &mut Builder, action: &Action, involved: &[&ResolvedContainer]) {
    let maps: BTreeSet<&str> = involved.iter().map(|c| c.map.as_str()).collect();
    let client = b.desired.client.clone();
    let orphans: Vec<&ObservedContainer> = b
        .observed
        .containers
        .values()
        .filter(|o| !o.is_helper() && o.map().is_some_and(|m| maps.contains(m)))
        // Jobs kept with `--keep` go with `down --remove-orphans`, as Compose's `run` containers.
        .filter(|o| !o.is_job() || (*action == Action::Shutdown && b.options.remove_orphans))
        .filter(|o| b.desired.container(&o.name).is_none())
        .filter(|o| !leftovers::is_replacement(b.desired, &o.name))
        .filter(|o| {
            o.labels
                .get(crate::runtime::labels::CLIENT)
                .is_none_or(|c| *c == client)
        })
        .collect();
    let mut removals = Vec::new();
    for o in orphans {
        let scaled_away =
            scaled_away(o, involved, b.desired) && matches!(action, Action::Update | Action::Shutdown);
        if scaled_away {
            let mut deps = Vec::new();
            if o.is_running() {
                deps.push(b.stop(&o.name, "scaled down", vec![]));
            }
            removals.push(b.remove(&o.name, "scaled down", deps));
        } else if b.options.remove_orphans && matches!(action, Action::Update | Action::Shutdown) {
            let mut deps = Vec::new();
            if o.is_running() {
                deps.push(b.stop(&o.name, "orphan", vec![]));
            }
            removals.push(b.remove(&o.name, "orphan", deps));
        } else {
            b.plan.notes.push(format!(
                "container `{}` is no longer in map `{}` (an orphan); pass `remove_orphans: true` (`dmap up --remove-orphans`) to remove it",
                o.name,
                o.map().unwrap_or_default()
            ));
        }
    }
    // An orphan may hold what a container of the map needs (a host port, an alias): it goes
    // before anything starts, as Compose removes orphans first.
    if !removals.is_empty() {
        for step in &mut b.plan.steps {
            if matches!(
                step.kind,
                StepKind::StartContainer { .. } | StepKind::ReplaceContainer { start: true, .. }
            ) {
                step.deps.extend(removals.iter().copied());
            }
        }
    }
}

/// Whether a container left over by a scale is one of a configuration the action involves that
/// is numbered (instances `1`..`N`, or one container): one beyond its count now (`up --scale`,
/// `scale:`, `deploy.replicas`), or its single container when it is numbered now, or a numbered
/// one when it has a single container now; or one of a configuration that is abstract now
/// (scaled to 0). Those go without `remove_orphans`, as Compose removes them; a configuration
/// with named instances keeps the orphan rule.
fn scaled_away(o: &ObservedContainer, involved: &[&ResolvedContainer], desired: &Desired) -> bool {
    let numbered = |i: Option<&str>| i.is_none_or(crate::model::scale::is_numbered);
    let (Some(map), Some(config)) = (o.map(), o.labels.get(labels::CONFIG)) else {
        return false;
    };
    if desired
        .abstract_configs
        .contains(&(map.to_string(), config.clone()))
    {
        return true;
    }
    let mut same = involved
        .iter()
        .filter(|c| c.map == map && c.config == *config)
        .peekable();
    same.peek().is_some()
        && same.all(|c| numbered(c.instance.as_deref()))
        && numbered(o.labels.get(labels::INSTANCE).map(String::as_str))
}
