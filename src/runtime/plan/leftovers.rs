//! What an interrupted run left on the Engine, labelled, and how the next run cleans it up:
//! volume-preparation helpers, and the new container of a recreation under its temporary name
//! (`StepKind::ReplaceContainer`). Such a new container is removed while the old one exists
//! (the recreation is planned again); once the old one is gone, it was about to be renamed, and
//! is: it mounts the old container's anonymous volumes, so removing it would orphan them.

use std::collections::BTreeSet;

use super::{Builder, StepKind};
use crate::runtime::snapshot::{ObservedContainer, Snapshot};
use crate::runtime::spec::{Desired, ResolvedContainer};
use crate::runtime::translate::{replaced_by, replacement_name};

/// Volume-preparation helpers of the involved containers' maps that an interrupted run left:
/// removed before volumes are prepared again, and before the volumes they mount are removed.
pub(super) fn helpers(b: &mut Builder, involved: &[&ResolvedContainer]) {
    let maps: BTreeSet<&str> = involved.iter().map(|c| c.map.as_str()).collect();
    let left: Vec<&ObservedContainer> = b
        .observed
        .containers
        .values()
        .filter(|o| o.is_helper() && o.map().is_some_and(|m| maps.contains(m)))
        .collect();
    for o in left {
        let id = b.step(
            StepKind::RemoveLeftover {
                container: o.name.clone(),
            },
            "left by an interrupted run",
            vec![],
        );
        b.helpers.push(id);
        b.removed.insert(o.name.clone(), id);
    }
}

/// New containers of interrupted recreations of the involved containers.
#[derive(Debug, Default)]
pub(super) struct Replacements {
    /// (container, temporary name): the old container is gone; this one takes its name.
    renamed: Vec<(String, String)>,
    /// (container, temporary name): the old container still exists; this one goes.
    stale: Vec<(String, String)>,
}

/// Is `name` the temporary name of a container of the maps being recreated?
pub(crate) fn is_replacement(desired: &Desired, name: &str) -> bool {
    replaced_by(name).is_some_and(|c| desired.container(c).is_some())
}

/// The leftover replacements of the involved containers, and — when one stands in for its
/// removed old container — the observed state as it will be once it is renamed.
pub(super) fn replacements(
    observed: &Snapshot,
    involved: &[&ResolvedContainer],
) -> (Option<Snapshot>, Replacements) {
    let mut found = Replacements::default();
    for c in involved {
        let temp = replacement_name(&c.name);
        let ours = observed.containers.get(&temp).and_then(ObservedContainer::map);
        if ours != Some(c.map.as_str()) {
            continue;
        }
        if observed.containers.contains_key(&c.name) {
            found.stale.push((c.name.clone(), temp));
        } else {
            found.renamed.push((c.name.clone(), temp));
        }
    }
    if found.renamed.is_empty() {
        return (None, found);
    }
    let mut adjusted = observed.clone();
    for (name, temp) in &found.renamed {
        if let Some(o) = adjusted.containers.remove(temp) {
            let o = ObservedContainer {
                name: name.clone(),
                ..o
            };
            adjusted.containers.insert(name.clone(), o);
        }
        for n in adjusted.networks.values_mut() {
            for member in n.containers.iter_mut().filter(|m| *m == temp) {
                member.clone_from(name);
            }
        }
    }
    (Some(adjusted), found)
}

/// Steps for the leftover replacements, which every other step on their container waits for.
pub(super) fn replacement_steps(b: &mut Builder, found: &Replacements) {
    let mut first: Vec<(String, usize)> = Vec::new();
    for (name, temp) in &found.stale {
        let id = b.step(
            StepKind::RemoveLeftover {
                container: temp.clone(),
            },
            "left by an interrupted recreation",
            vec![],
        );
        first.push((name.clone(), id));
    }
    for (name, temp) in &found.renamed {
        let id = b.step(
            StepKind::RenameContainer {
                container: name.clone(),
                from: temp.clone(),
            },
            "left by an interrupted recreation, after the old container was removed",
            vec![],
        );
        first.push((name.clone(), id));
    }
    let names: BTreeSet<&str> = first.iter().map(|(n, _)| n.as_str()).collect();
    if names.is_empty() {
        return;
    }
    for (i, step) in b.plan.steps.iter_mut().enumerate() {
        let subject = step.kind.subject();
        if !names.contains(subject) {
            continue;
        }
        for (name, id) in &first {
            if name == subject && *id != i {
                step.deps.push(*id);
            }
        }
        step.deps.sort_unstable();
        step.deps.dedup();
    }
}
