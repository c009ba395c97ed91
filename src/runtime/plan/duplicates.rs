//! Networks the Engine holds more than once under a name the maps use: an Engine accepts a
//! duplicate name from a create that does not ask it to check, and an older dmap, racing
//! another, could make one. Observing keeps one of them (the one in use, else the oldest); the
//! others go first, when they are the map's and unused, and everything else waits for them (the
//! name is ambiguous until then). Otherwise the plan is refused, naming them all.

use std::collections::{BTreeMap, BTreeSet};

use super::{short_id, Action, Builder, PlanError, StepKind};
use crate::runtime::snapshot::{owned, ObservedNetwork, Snapshot};
use crate::runtime::spec::{Desired, ResolvedContainer};

/// Whether `action` makes or removes networks.
fn touches_networks(action: &Action) -> bool {
    matches!(
        action,
        Action::Create | Action::Startup | Action::Update | Action::Shutdown | Action::Remove
    )
}

/// Each duplicated network of the involved containers' maps: its name, its map, the one kept,
/// the others.
fn duplicated<'a>(
    involved: &[&ResolvedContainer],
    desired: &'a Desired,
    observed: &'a Snapshot,
) -> Vec<(&'a str, &'a str, &'a ObservedNetwork, Vec<&'a ObservedNetwork>)> {
    let maps: BTreeSet<&str> = involved.iter().map(|c| c.map.as_str()).collect();
    let mut others: BTreeMap<&str, Vec<&ObservedNetwork>> = BTreeMap::new();
    for n in &observed.duplicate_networks {
        others.entry(n.name.as_str()).or_default().push(n);
    }
    others
        .into_iter()
        .filter_map(|(name, others)| {
            let wanted = desired.networks.iter().find(|n| n.name == name)?;
            let kept = observed.networks.get(name)?;
            maps.contains(wanted.map.as_str())
                .then_some((name, wanted.map.as_str(), kept, others))
        })
        .collect()
}

/// Why the duplicates of a network can't be resolved, if they can't: one is not dmap's for the
/// map, or more than one is in use.
fn unresolvable(map: &str, kept: &ObservedNetwork, others: &[&ObservedNetwork]) -> Option<String> {
    let all = || std::iter::once(kept).chain(others.iter().copied());
    if let Some(n) = all().find(|n| !owned(&n.labels, map)) {
        return Some(format!(
            "{} was not created by dmap for map `{map}`",
            short_id(&n.id)
        ));
    }
    let used: Vec<String> = all()
        .filter(|n| !n.containers.is_empty())
        .map(|n| {
            let users: Vec<String> = n.containers.iter().map(|c| format!("`{c}`")).collect();
            format!("{} (by {})", short_id(&n.id), users.join(", "))
        })
        .collect();
    (used.len() > 1).then(|| format!("several are in use: {}", used.join(", ")))
}

/// Duplicated networks that can't be resolved safely.
pub(super) fn refusals(
    involved: &[&ResolvedContainer],
    desired: &Desired,
    observed: &Snapshot,
    action: &Action,
) -> Vec<PlanError> {
    if !touches_networks(action) {
        return Vec::new();
    }
    duplicated(involved, desired, observed)
        .into_iter()
        .filter_map(|(name, map, kept, others)| {
            let why = unresolvable(map, kept, &others)?;
            Some(PlanError::AmbiguousNetwork {
                network: name.to_string(),
                ids: std::iter::once(kept)
                    .chain(others)
                    .map(|n| n.id.clone())
                    .collect(),
                why,
            })
        })
        .collect()
}

/// The unused duplicates are removed before any other step, and the plan notes which network
/// was kept.
pub(super) fn removals(b: &mut Builder, involved: &[&ResolvedContainer], action: &Action) {
    if !touches_networks(action) {
        return;
    }
    let mut removals = Vec::new();
    for (name, map, kept, others) in duplicated(involved, b.desired, b.observed) {
        if unresolvable(map, kept, &others).is_some() {
            continue;
        }
        let why_kept = if kept.containers.is_empty() {
            "the oldest"
        } else {
            "in use"
        };
        let gone: Vec<&str> = others.iter().map(|n| short_id(&n.id)).collect();
        b.plan.notes.push(format!(
            "network `{name}` exists {} times on the Engine (an older dmap could make it twice): keeping {} ({why_kept}), removing the unused {}",
            others.len() + 1,
            short_id(&kept.id),
            gone.join(", ")
        ));
        for n in others {
            let id = b.step(
                StepKind::RemoveDuplicateNetwork {
                    network: name.to_string(),
                    id: n.id.clone(),
                },
                format!(
                    "duplicate {}, unused (keeping {})",
                    short_id(&n.id),
                    short_id(&kept.id)
                ),
                vec![],
            );
            removals.push(id);
        }
    }
    if removals.is_empty() {
        return;
    }
    for (i, step) in b.plan.steps.iter_mut().enumerate() {
        if !removals.contains(&i) {
            step.deps.extend(removals.iter().copied());
        }
    }
}
