//! `update`: which containers are recreated and why, volumes and networks whose settings
//! changed, and what changes in place (limits, restart policy, networks).

use std::collections::{BTreeMap, BTreeSet};

use super::{Builder, PlanError, StepKind};
use crate::model::options::{self, bytes_text, Engine, Reading};
use crate::runtime::diff::{diff, Field, Remedy};
use crate::runtime::record::recorded;
use crate::runtime::snapshot::{owned, ObservedContainer};
use crate::runtime::spec::{MountKind, ResolvedContainer};

/// Containers `update` must recreate, with the reason: what changed in their spec, forced,
/// adopted, a new image behind the tag, a named volume mounted from elsewhere. (Containers bound
/// to one of these are added by the binding cascade.)
pub(super) fn recreate_set(b: &Builder, involved: &[&ResolvedContainer]) -> BTreeMap<String, String> {
    let options = b.options;
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for c in involved {
        let Some(o) = b.observed.containers.get(&c.name) else {
            continue;
        };
        let mut reasons: Vec<String> = Vec::new();
        if options.force_update.contains(&c.name) {
            reasons.push("forced".into());
        }
        let adopted = !owned(&o.labels, &c.map);
        if adopted {
            reasons.push("adopted".into());
        }
        // A persistent container keeps its image unless `update_persistent`.
        let keep_image = c.persistent && !options.update_persistent;
        match &o.spec {
            None if adopted => {}
            None => reasons.push("created without a recorded spec".into()),
            Some(old) => {
                for change in diff(old, &recorded(&c.spec)) {
                    if change.remedy == Remedy::Recreate && !(keep_image && change.field == Field::Image) {
                        reasons.push(change.reason);
                    }
                }
            }
        }
        // The image the tag names now, against the one the container runs.
        if !keep_image {
            if let Some(id) = b.observed.images.get(&c.spec.image) {
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
    out
}

/// Volumes and networks whose settings changed. A volume is recreated only with
/// `recreate_volumes` (its data is lost), and then every container using it is recreated; else
/// the change is reported. A network is recreated and every container of the map on it is
/// reconnected (or, when it is recreated anyway, joins at create). Returns the remove steps,
/// to complete with the removals of the containers that use them.
pub(super) fn rebuild_objects(
    b: &mut Builder,
    involved: &[&ResolvedContainer],
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
        if !o.owned_by(&v.map) || (o.driver == v.driver && o.options == v.driver_options) {
            continue;
        }
        let what = format!(
            "driver `{}` {} → `{}` {}",
            o.driver,
            options_text(&o.options),
            v.driver,
            options_text(&v.driver_options)
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
        if let Some(outside) = users.iter().find(|u| !involved_names.contains(u.as_str())) {
            errors.push(PlanError::VolumeInUse {
                volume: v.name.clone(),
                container: outside.clone(),
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
        let options_differ = !n.driver_options.is_empty() && o.options != n.driver_options;
        if !o.owned_by(&n.map) || (o.driver == n.driver && o.internal == n.internal && !options_differ) {
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
        let mut disconnected = Vec::new();
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
                disconnected.push(b.step(
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
            disconnected,
        );
        let created = b.step(
            StepKind::CreateNetwork {
                network: n.name.clone(),
            },
            format!("changed: {what}"),
            vec![removed],
        );
        b.networks.insert(n.name.clone(), created);
        b.rebuilt.insert(n.name.clone());
        pending.push((removed, users));
        // Every container of the map on it that stays is reconnected, targeted or not.
        let stay: Vec<String> = b
            .desired
            .containers
            .iter()
            .filter(|c| c.spec.networks.iter().any(|e| e.network == n.name))
            .filter(|c| !recreate.contains_key(&c.name) && b.observed.containers.contains_key(&c.name))
            .map(|c| c.name.clone())
            .collect();
        for c in stay {
            b.step(
                StepKind::ConnectNetwork {
                    container: c,
                    network: n.name.clone(),
                },
                "network recreated",
                vec![created],
            );
        }
    }
    pending
}

fn options_text(options: &BTreeMap<String, String>) -> String {
    if options.is_empty() {
        "(no options)".into()
    } else {
        let items: Vec<String> = options.iter().map(|(k, v)| format!("{k}={v}")).collect();
        format!("({})", items.join(", "))
    }
}

fn short(id: &str) -> String {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    format!("sha256:{}…", &hex[..hex.len().min(12)])
}

/// `update` of a container that is kept: limits and restart policy in place, networks
/// reconnected, joined or left.
pub(super) fn in_place(
    b: &mut Builder,
    c: &ResolvedContainer,
    o: &ObservedContainer,
    ready: &mut Vec<usize>,
) {
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
    networks_in_place(b, c, o, ready);
}

/// The networks a container should be on: its map networks, else (no `networks`, no
/// `network_mode`) the default bridge. None: its network mode decides (host, none, another
/// container's namespace).
fn wanted_networks(c: &ResolvedContainer) -> Option<Vec<&str>> {
    if !c.spec.networks.is_empty() {
        Some(c.spec.networks.iter().map(|e| e.network.as_str()).collect())
    } else if c.spec.network_mode.is_none() {
        Some(vec!["bridge"])
    } else {
        None
    }
}

fn networks_in_place(b: &mut Builder, c: &ResolvedContainer, o: &ObservedContainer, ready: &mut Vec<usize>) {
    let Some(wanted) = wanted_networks(c) else {
        return;
    };
    let recorded = o.spec.as_ref().map(|s| s.networks.as_slice()).unwrap_or_default();
    let short_id = &o.id[..o.id.len().min(12)];
    // A recreated network's members were disconnected and are reconnected with it.
    let kept: Vec<&str> = wanted
        .iter()
        .copied()
        .filter(|n| !b.rebuilt.contains(*n))
        .collect();
    for net in &kept {
        let endpoint = c.spec.networks.iter().find(|e| e.network == *net);
        let deps: Vec<usize> = b.networks.get(*net).copied().into_iter().collect();
        let Some(actual) = o.networks.get(*net) else {
            ready.push(b.step(
                StepKind::ConnectNetwork {
                    container: c.name.clone(),
                    network: net.to_string(),
                },
                "not connected",
                deps,
            ));
            continue;
        };
        let Some(e) = endpoint else { continue };
        // The Engine adds the container's short id and hostname to the aliases it was given.
        let engine_added = |a: &String| a == short_id || Some(a) == c.spec.hostname.as_ref();
        let actual_aliases: BTreeSet<&String> = actual.aliases.iter().filter(|a| !engine_added(a)).collect();
        let wanted_aliases: BTreeSet<&String> = e.aliases.iter().collect();
        let links_changed = recorded
            .iter()
            .find(|r| r.network == e.network)
            .is_some_and(|r| r.links != e.links);
        let reason = if actual_aliases != wanted_aliases {
            "aliases changed"
        } else if e.ipv4_address.is_some() && e.ipv4_address != actual.ipv4_address {
            "address changed"
        } else if links_changed {
            "links changed"
        } else {
            continue;
        };
        let d = b.step(
            StepKind::DisconnectNetwork {
                container: c.name.clone(),
                network: e.network.clone(),
            },
            reason,
            deps,
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
    // Map networks (and the default bridge) it should no longer be on.
    let leave: Vec<String> = o
        .networks
        .keys()
        .filter(|n| !wanted.contains(&n.as_str()) && !b.rebuilt.contains(*n))
        .filter(|n| *n == "bridge" || b.desired.networks.iter().any(|d| d.name == **n))
        .cloned()
        .collect();
    for net in leave {
        let reason = if c.spec.networks.is_empty() {
            "back on the default bridge"
        } else {
            "not in `networks`"
        };
        ready.push(b.step(
            StepKind::DisconnectNetwork {
                container: c.name.clone(),
                network: net,
            },
            reason,
            vec![],
        ));
    }
}

/// The options the map sets that `docker update` changes in place and that differ from the
/// Engine's, as reasons in the map's words.
fn engine_differences(c: &ResolvedContainer, o: &ObservedContainer) -> Vec<String> {
    c.spec
        .options
        .iter()
        .filter_map(|(key, value)| {
            let def = options::get(key).filter(|d| d.in_place)?;
            let Engine::HostConfig(name) = def.engine else {
                return None;
            };
            let wanted = def.engine_value(value).ok().filter(|w| !w.is_null())?;
            let now = o.host_config.get(name);
            (!covers(now, &wanted)).then(|| {
                format!(
                    "`{key}` {} → {}",
                    readable(now, def.reading),
                    readable(Some(&wanted), def.reading)
                )
            })
        })
        .collect()
}

/// An Engine value as the map writes it: `64m`, `0.5` CPUs, `on-failure:3`; `unset` for nothing
/// (or 0, which the Engine reports for no limit).
fn readable(v: Option<&serde_json::Value>, reading: Reading) -> String {
    let Some(v) = v.filter(|v| !v.is_null()) else {
        return "unset".into();
    };
    match (reading, v.as_i64()) {
        (Reading::Bytes | Reading::NanoCpus, Some(0)) => "unset".into(),
        (Reading::Bytes, Some(-1)) => "unlimited".into(),
        (Reading::Bytes, Some(n)) => bytes_text(n),
        (Reading::NanoCpus, Some(n)) => format!("{}", n as f64 / 1e9),
        (_, _) => match v {
            serde_json::Value::Object(m) => {
                let name = m.get("Name").and_then(|n| n.as_str()).unwrap_or("");
                match m.get("MaximumRetryCount").and_then(serde_json::Value::as_i64) {
                    Some(n) if n > 0 => format!("{name}:{n}"),
                    _ if name.is_empty() => "unset".into(),
                    _ => name.to_string(),
                }
            }
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        },
    }
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

#[cfg(test)]
mod readable_tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn limits_read_as_the_map_writes_them() {
        let cases = [
            ("Memory", json!(67_108_864), "mem_limit", "64m"),
            ("Memory", json!(0), "mem_limit", "unset"),
            ("MemorySwap", json!(-1), "memswap_limit", "unlimited"),
            ("Memory", json!(1_610_612_736), "mem_limit", "1.5g"),
            ("NanoCpus", json!(500_000_000), "nano_cpus", "0.5"),
            (
                "RestartPolicy",
                json!({"Name": "on-failure", "MaximumRetryCount": 3}),
                "restart_policy",
                "on-failure:3",
            ),
            (
                "RestartPolicy",
                json!({"Name": "", "MaximumRetryCount": 0}),
                "restart_policy",
                "unset",
            ),
            ("PidsLimit", json!(100), "pids_limit", "100"),
        ];
        for (field, value, key, text) in cases {
            let def = options::of_host_config_field(field).expect(field);
            assert_eq!(
                (def.key, readable(Some(&value), def.reading).as_str()),
                (key, text),
                "{field} {value}"
            );
        }
    }
}
