//! `update`: which containers are recreated and why, the cascade to those that share their
//! namespace, volumes or links, rebuilt volumes and networks, and changes made in place.

use std::collections::{BTreeMap, BTreeSet};

use super::{Builder, Options, PlanError, StepKind};
use crate::runtime::diff::{diff, Remedy};
use crate::runtime::snapshot::{owned, ObservedContainer, Snapshot};
use crate::runtime::spec::{DesiredContainer, MountKind};

/// Containers `update` must recreate, with the reason: what changed, forced, or a container
/// whose namespace, volumes or links they use being recreated.
pub(super) fn recreate_set(
    involved: &[&DesiredContainer],
    observed: &Snapshot,
    options: &Options,
) -> BTreeMap<String, String> {
    let updatable = crate::runtime::translate::UPDATABLE_KEYS;
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for c in involved {
        let Some(o) = observed.containers.get(&c.name) else {
            continue;
        };
        let mut reasons: Vec<String> = Vec::new();
        if options.force_update.contains(&c.name) {
            reasons.push("forced".into());
        }
        if !owned(&o.labels, &c.map) {
            reasons.push("adopted".into());
        }
        match &o.spec {
            None => reasons.push("created without a recorded spec".into()),
            Some(old) => {
                let keep_image = c.persistent && !options.update_persistent;
                for change in diff(old, &c.spec, updatable) {
                    if change.remedy == Remedy::Recreate
                        && !(keep_image && change.reason.starts_with("image "))
                    {
                        reasons.push(change.reason);
                    }
                }
            }
        }
        // The image the tag names now, against the one the container runs.
        if !c.persistent || options.update_persistent {
            if let Some(id) = observed.images.get(&c.spec.image) {
                if !o.image_id.is_empty() && *id != o.image_id {
                    reasons.push(format!("image changed {} → {}", short(&o.image_id), short(id)));
                }
            }
        }
        // Mounts as the Engine has them: a named volume mounted from elsewhere.
        for m in c.spec.mounts.iter().filter(|m| m.kind == MountKind::Volume) {
            if let Some(actual) = o.mounts.iter().find(|a| a.target == m.target) {
                if actual.source != m.source {
                    reasons.push(format!("volume `{}` mounted from `{}`", m.target, actual.source));
                }
            }
        }
        if !reasons.is_empty() {
            out.insert(c.name.clone(), reasons.join(", "));
        }
    }
    cascade(involved, observed, &mut out);
    out
}

/// Recreating a container recreates those that share its namespace, volumes or links.
pub(super) fn cascade(
    involved: &[&DesiredContainer],
    observed: &Snapshot,
    out: &mut BTreeMap<String, String>,
) {
    loop {
        let mut added = false;
        for c in involved {
            if out.contains_key(&c.name) || !observed.containers.contains_key(&c.name) {
                continue;
            }
            let link_targets = c.spec.links.iter().map(|l| l.container.clone());
            let uses: Vec<String> = c.shares_with().into_iter().chain(link_targets).collect();
            if let Some(dep) = uses.iter().find(|u| out.contains_key(*u)) {
                out.insert(c.name.clone(), format!("`{dep}` is recreated"));
                added = true;
            }
        }
        if !added {
            break;
        }
    }
}

/// `update` of volumes and networks whose settings changed. A volume is recreated only with
/// `recreate_volumes` (its data is lost), and then every container using it is recreated; a
/// network is recreated and its containers reconnected. Returns the remove steps to complete
/// with the removals of the containers that use them.
pub(super) fn rebuild_objects(
    b: &mut Builder,
    involved: &[&DesiredContainer],
    recreate: &mut BTreeMap<String, String>,
    errors: &mut Vec<PlanError>,
) -> Vec<(usize, Vec<String>)> {
    let involved_names: BTreeSet<&str> = involved.iter().map(|c| c.name.as_str()).collect();
    let maps: BTreeSet<&str> = involved.iter().map(|c| c.map.as_str()).collect();
    let mut pending = Vec::new();
    for v in b.desired.volumes.iter().filter(|v| maps.contains(v.map.as_str())) {
        let Some(o) = b.observed.volumes.get(&v.name) else {
            continue;
        };
        if !owned(&o.labels, &v.map) {
            continue;
        }
        let changed = o.driver != v.driver || (!v.driver_options.is_empty() && o.options != v.driver_options);
        if !changed {
            continue;
        }
        let what = format!(
            "driver `{}` {:?} → `{}` {:?}",
            o.driver, o.options, v.driver, v.driver_options
        );
        if !b.options.recreate_volumes {
            b.plan.notes.push(format!(
                "volume `{}` has changed ({what}); it is kept, since recreating it loses its data: pass `recreate_volumes: true` to recreate it",
                v.name
            ));
            continue;
        }
        let users: Vec<String> = b
            .observed
            .containers
            .values()
            .filter(|c| c.mounts.iter().any(|m| m.source == v.name))
            .map(|c| c.name.clone())
            .collect();
        let outside: Vec<&String> = users
            .iter()
            .filter(|u| !involved_names.contains(u.as_str()))
            .collect();
        if let Some(first) = outside.first() {
            errors.push(PlanError::VolumeInUse {
                volume: v.name.clone(),
                container: (*first).clone(),
            });
            continue;
        }
        for u in &users {
            recreate
                .entry(u.clone())
                .or_insert_with(|| format!("volume `{}` is recreated", v.name));
        }
        let removed = b.step(
            StepKind::RemoveVolume {
                volume: v.name.clone(),
            },
            format!("recreate_volumes: {what}"),
            vec![],
        );
        let created = b.step(
            StepKind::CreateVolume {
                volume: v.name.clone(),
            },
            format!("recreate_volumes: {what}"),
            vec![removed],
        );
        b.volumes.insert(v.name.clone(), created);
        pending.push((removed, users));
    }
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
        let options_differ = !n.driver_options.is_empty() && o.options != n.driver_options;
        if o.driver == n.driver && o.internal == n.internal && !options_differ {
            continue;
        }
        let what = format!(
            "driver `{}` → `{}`{}",
            o.driver,
            n.driver,
            if o.internal == n.internal {
                ""
            } else {
                ", internal changed"
            }
        );
        let mut deps = Vec::new();
        let mut users = Vec::new();
        for member in &o.containers {
            let managed = b
                .observed
                .containers
                .get(member)
                .is_some_and(|c| owned(&c.labels, &n.map));
            if !managed {
                errors.push(PlanError::ForeignAttached {
                    network: n.name.clone(),
                    container: member.clone(),
                });
                continue;
            }
            if recreate.contains_key(member) {
                users.push(member.clone());
            } else {
                deps.push(b.step(
                    StepKind::DisconnectNetwork {
                        container: member.clone(),
                        network: n.name.clone(),
                    },
                    format!("network is recreated ({what})"),
                    vec![],
                ));
            }
        }
        let removed = b.step(
            StepKind::RemoveNetwork {
                network: n.name.clone(),
            },
            format!("changed: {what}"),
            deps,
        );
        let created = b.step(
            StepKind::CreateNetwork {
                network: n.name.clone(),
            },
            format!("changed: {what}"),
            vec![removed],
        );
        b.networks.insert(n.name.clone(), created);
        pending.push((removed, users));
        // Containers that stay are reconnected to the new network.
        for c in involved.iter().filter(|c| !recreate.contains_key(&c.name)) {
            let on_it = c.spec.networks.iter().any(|e| e.network == n.name);
            if on_it && b.observed.containers.contains_key(&c.name) {
                b.step(
                    StepKind::ConnectNetwork {
                        container: c.name.clone(),
                        network: n.name.clone(),
                    },
                    "network recreated",
                    vec![created],
                );
            }
        }
    }
    pending
}

fn short(id: &str) -> String {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    format!("sha256:{}…", &hex[..hex.len().min(12)])
}

/// `update` of a container that is kept: limits and restart policy in place, networks
/// reconnected.
pub(super) fn in_place(b: &mut Builder, c: &DesiredContainer, o: &ObservedContainer, ready: &mut Vec<usize>) {
    // Limits and restart policy are compared with what the Engine has now: `docker update`
    // changes them but not the recorded spec, and only what the map sets counts.
    let changed = engine_differences(c, o);
    if !changed.is_empty() {
        ready.push(b.step(
            StepKind::UpdateContainer {
                container: c.name.clone(),
            },
            changed.join(", "),
            vec![],
        ));
    }
    let wanted: BTreeSet<&str> = c.spec.networks.iter().map(|e| e.network.as_str()).collect();
    let uses_networks = c.spec.network_mode.is_none() || !c.spec.networks.is_empty();
    for e in &c.spec.networks {
        let mut deps: Vec<usize> = b.networks.get(&e.network).copied().into_iter().collect();
        match o.networks.get(&e.network) {
            None => ready.push(b.step(
                StepKind::ConnectNetwork {
                    container: c.name.clone(),
                    network: e.network.clone(),
                },
                "not connected",
                deps,
            )),
            Some(actual) => {
                let aliases_ok = e.aliases.iter().all(|a| actual.aliases.contains(a));
                let ip_ok = e.ipv4_address.is_none() || e.ipv4_address == actual.ipv4_address;
                if !aliases_ok || !ip_ok {
                    let reason = if aliases_ok {
                        "address changed"
                    } else {
                        "aliases changed"
                    };
                    let d = b.step(
                        StepKind::DisconnectNetwork {
                            container: c.name.clone(),
                            network: e.network.clone(),
                        },
                        reason,
                        std::mem::take(&mut deps),
                    );
                    ready.push(b.step(
                        StepKind::ConnectNetwork {
                            container: c.name.clone(),
                            network: e.network.clone(),
                        },
                        reason,
                        vec![d],
                    ));
                }
            }
        }
    }
    if uses_networks && !c.spec.networks.is_empty() {
        for (net, _) in o.networks.iter().filter(|(n, _)| !wanted.contains(n.as_str())) {
            let ours = b.desired.networks.iter().any(|n| n.name == *net) || net == "bridge";
            if ours {
                ready.push(b.step(
                    StepKind::DisconnectNetwork {
                        container: c.name.clone(),
                        network: net.clone(),
                    },
                    "left the map",
                    vec![],
                ));
            }
        }
    }
}

/// The limits and restart policy the map sets that differ from the Engine's, as reasons.
fn engine_differences(c: &DesiredContainer, o: &ObservedContainer) -> Vec<String> {
    let wanted = crate::runtime::translate::update_body(&c.spec.options, &BTreeMap::new())
        .ok()
        .flatten()
        .and_then(|b| serde_json::to_value(b).ok());
    let Some(serde_json::Value::Object(wanted)) = wanted else {
        return Vec::new();
    };
    wanted
        .iter()
        .filter(|(_, v)| !v.is_null())
        .filter(|(key, v)| !covers(o.host_config.get(key.as_str()), v))
        .map(|(key, v)| {
            let now = o
                .host_config
                .get(key.as_str())
                .map_or("unset".to_string(), |x| x.to_string());
            format!("`{key}` {now} → {v}")
        })
        .collect()
}

/// Does the Engine's value hold everything the wanted one says (objects compared key by key)?
fn covers(actual: Option<&serde_json::Value>, wanted: &serde_json::Value) -> bool {
    match (actual, wanted) {
        (Some(serde_json::Value::Object(a)), serde_json::Value::Object(w)) => {
            w.iter().all(|(k, v)| v.is_null() || covers(a.get(k), v))
        }
        (Some(a), w) => a == w,
        (None, _) => false,
    }
}
