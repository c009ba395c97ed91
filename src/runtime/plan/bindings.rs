//! Containers bound to another one's identity — by a link, `volumes_from` or its network
//! namespace — keep pointing at the container that existed when they were created (or, for a
//! namespace, started). So whenever a container gets a new incarnation in a run, everything
//! bound to it is recreated in the same run, wherever it is in the maps; and a binding already
//! stale on the Engine (a manual `docker rm`, an interrupted run, a restarted namespace owner)
//! is repaired by the next `startup` or `update`.

use std::collections::{BTreeMap, BTreeSet};

use super::{Action, Builder};
use crate::runtime::snapshot::ObservedContainer;
use crate::runtime::spec::{Binding, ResolvedContainer};

/// Why `c`, bound to `d` by `how`, points at an older incarnation of `d` on the Engine.
fn stale(how: Binding, c: &ObservedContainer, d: &ObservedContainer) -> Option<String> {
    match how {
        Binding::Namespace => {
            if c.namespace_owner().is_some_and(|id| id != d.id) {
                Some(format!(
                    "`{}` was recreated after it joined its network namespace",
                    d.name
                ))
            } else if c.is_running() && d.started_at.zip(c.started_at).is_some_and(|(d, c)| d > c) {
                Some(format!(
                    "`{}` was restarted after it joined its network namespace",
                    d.name
                ))
            } else {
                None
            }
        }
        Binding::Link | Binding::VolumesFrom if d.created > c.created => Some(format!(
            "`{}` was recreated after it {}",
            d.name,
            if how == Binding::Link {
                "linked to it"
            } else {
                "took its volumes"
            }
        )),
        _ => None,
    }
}

/// Adds to `replace` every existing container bound to one that gets a new incarnation in this
/// run (recreated, or created because it was missing) and, for `startup` and `update`, every
/// binding that is already stale; repeated until nothing changes, since a recreated container
/// has its own dependents. Returns the containers so added that are not among `involved`.
pub(super) fn cascade<'a>(
    b: &Builder<'a>,
    action: &Action,
    involved: &[&'a ResolvedContainer],
    replace: &mut BTreeMap<String, String>,
) -> Vec<&'a ResolvedContainer> {
    let involved_names: BTreeSet<&str> = involved.iter().map(|c| c.name.as_str()).collect();
    let maps: BTreeSet<&str> = involved.iter().map(|c| c.map.as_str()).collect();
    let existing: Vec<(&'a ResolvedContainer, &'a ObservedContainer)> = b
        .desired
        .containers
        .iter()
        .filter(|c| maps.contains(c.map.as_str()))
        .filter_map(|c| b.observed.containers.get(&c.name).map(|o| (c, o)))
        .collect();
    if matches!(action, Action::Startup | Action::Update) {
        for (c, o) in &existing {
            if replace.contains_key(&c.name) {
                continue;
            }
            let why = c.bindings().into_iter().find_map(|(name, how)| {
                let d = b.observed.containers.get(name)?;
                stale(how, o, d)
            });
            if let Some(why) = why {
                replace.insert(c.name.clone(), why);
            }
        }
    }
    // Started in this run: involved containers not running now, or replaced.
    let starting = matches!(action, Action::Startup | Action::Update);
    loop {
        let mut added = false;
        for (c, o) in &existing {
            if replace.contains_key(&c.name) {
                continue;
            }
            let why = c.bindings().into_iter().find_map(|(name, how)| {
                if replace.contains_key(name) {
                    return Some(format!("`{name}` is recreated"));
                }
                let will_exist = involved_names.contains(name);
                match b.observed.containers.get(name) {
                    None if will_exist => Some(format!("`{name}` is created")),
                    Some(d)
                        if how == Binding::Namespace
                            && o.is_running()
                            && starting
                            && will_exist
                            && !d.is_running() =>
                    {
                        Some(format!("`{name}` is started and its network namespace is new"))
                    }
                    _ => None,
                }
            });
            if let Some(why) = why {
                replace.insert(c.name.clone(), why);
                added = true;
            }
        }
        if !added {
            break;
        }
    }
    existing
        .iter()
        .map(|(c, _)| *c)
        .filter(|c| replace.contains_key(&c.name) && !involved_names.contains(c.name.as_str()))
        .collect()
}
