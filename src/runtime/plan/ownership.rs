//! Who owns what: objects with needed names that dmap did not create are refused, and
//! containers whose configuration left the map (orphans) are reported or removed.

use std::collections::{BTreeMap, BTreeSet};

use super::{Action, Builder, Options, PlanError, StepKind};
use crate::runtime::snapshot::{owned, ObservedContainer, Snapshot};
use crate::runtime::spec::{Desired, DesiredContainer};

/// Objects with needed names that dmap did not create for this map are not touched.
pub(super) fn ownership(
    involved: &[&DesiredContainer],
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
        let names: BTreeSet<&str> = involved.iter().map(|c| c.map.as_str()).collect();
        // A volume or network counts only when an involved container uses it.
        let mut foreign = |kind: &'static str,
                           name: &str,
                           map: &str,
                           labels: Option<&BTreeMap<String, String>>,
                           used: bool| {
            if used && names.contains(map) && labels.is_some_and(|l| !owned(l, map)) {
                errors.push(PlanError::Foreign {
                    kind,
                    name: name.to_string(),
                    map: map.to_string(),
                });
            }
        };
        for v in &desired.volumes {
            let used = involved
                .iter()
                .any(|c| c.spec.mounts.iter().any(|m| m.source == v.name));
            foreign(
                "volume",
                &v.name,
                &v.map,
                observed.volumes.get(&v.name).map(|o| &o.labels),
                used,
            );
        }
        for n in &desired.networks {
            let used = involved
                .iter()
                .any(|c| c.spec.networks.iter().any(|e| e.network == n.name));
            foreign(
                "network",
                &n.name,
                &n.map,
                observed.networks.get(&n.name).map(|o| &o.labels),
                used,
            );
        }
    }
    errors
}

/// Containers labelled for the maps whose configuration or instance is gone.
pub(super) fn orphans(b: &mut Builder, action: &Action) {
    let known: BTreeSet<&str> = b.desired.containers.iter().map(|c| c.name.as_str()).collect();
    let client_ok = |o: &ObservedContainer| {
        o.labels
            .get(crate::runtime::labels::CLIENT)
            .is_none_or(|c| *c == b.desired.client)
    };
    let orphans: Vec<&ObservedContainer> = b
        .observed
        .containers
        .values()
        .filter(|o| o.map().is_some_and(|m| b.desired.maps.iter().any(|x| x == m)))
        .filter(|o| !known.contains(o.name.as_str()) && client_ok(o))
        .collect();
    for o in orphans {
        if b.options.remove_orphans && matches!(action, Action::Update | Action::Shutdown) {
            let mut deps = Vec::new();
            if o.is_running() {
                deps.push(b.step(
                    StepKind::StopContainer {
                        container: o.name.clone(),
                    },
                    "orphan",
                    vec![],
                ));
            }
            b.step(
                StepKind::RemoveContainer {
                    container: o.name.clone(),
                },
                "orphan",
                deps,
            );
        } else {
            b.plan.notes.push(format!(
                "container `{}` is no longer in map `{}` (an orphan); pass `remove_orphans: true` to remove it",
                o.name,
                o.map().unwrap_or_default()
            ));
        }
    }
}
