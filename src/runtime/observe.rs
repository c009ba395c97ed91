//! One pass over the Engine: the containers, volumes, networks and images the desired state
//! names or dmap labelled for its maps, inspected in parallel, as a plain `Snapshot`.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::future::Future;

use bollard::models::{ContainerInspectResponse, ContainerStateStatusEnum, Volume};
use bollard::query_parameters::{
    ListContainersOptionsBuilder, ListNetworksOptionsBuilder, ListVolumesOptionsBuilder,
};

use futures_util::StreamExt;

use super::driver::Driver;
use super::error::{status, Error};
use super::labels;
use super::record;
use super::snapshot::{
    timestamp, ObservedContainer, ObservedEndpoint, ObservedMount, ObservedNetwork, ObservedVolume, RunState,
    Snapshot,
};
use super::spec::{Desired, MountKind};

fn sorted(map: Option<HashMap<String, String>>) -> BTreeMap<String, String> {
    map.unwrap_or_default().into_iter().collect()
}

fn failed(what: impl Into<String>) -> impl FnOnce(bollard::errors::Error) -> Error {
    let what = what.into();
    move |error| Error::Observe { what, error }
}

/// How many inspects are in flight at once. Each holds a connection of its own, and a process has
/// only so many: 20,000 at once failed with "resource temporarily unavailable" (os error 11) and
/// "too many open files" (24).
const IN_FLIGHT: usize = 32;

/// The outputs of `futures`, in their order, at most [`IN_FLIGHT`] running at once.
async fn bounded<F: Future>(futures: impl IntoIterator<Item = F>) -> Vec<F::Output> {
    futures_util::stream::iter(futures)
        .buffered(IN_FLIGHT)
        .collect()
        .await
}

/// Inspects, [`IN_FLIGHT`] at a time, what the desired state names (absent ones answer 404), and lists what
/// dmap labelled, for the maps' orphans, helpers and adoption records: one round trip, then a
/// second only for labelled containers the maps no longer name and for volumes the list of
/// labelled ones does not hold (absent or foreign: the list gives what an inspect would).
pub(crate) async fn observe(driver: &Driver, desired: &Desired) -> Result<Snapshot, Error> {
    let docker = &driver.docker;
    let maps: BTreeSet<&str> = desired.maps.iter().map(String::as_str).collect();
    let ours = |labels: &BTreeMap<String, String>| {
        labels.get(labels::MAP).is_some_and(|m| maps.contains(m.as_str()))
    };
    let labelled = HashMap::from([("label".to_string(), vec![labels::MAP.to_string()])]);
    let container_names: Vec<&str> = desired.containers.iter().map(|c| c.name.as_str()).collect();
    let network_names: Vec<&str> = desired.networks.iter().map(|n| n.name.as_str()).collect();
    let volume_names: Vec<&str> = desired.volumes.iter().map(|v| v.name.as_str()).collect();
    let images: Vec<&String> = desired.images.iter().collect();
    let (listed, listed_volumes, containers, networks, image_infos) = futures_util::join!(
        docker.list_containers(Some(
            ListContainersOptionsBuilder::default()
                .all(true)
                .filters(&labelled)
                .build()
        )),
        docker.list_volumes(Some(
            ListVolumesOptionsBuilder::default().filters(&labelled).build()
        )),
        bounded(container_names.iter().map(|n| docker.inspect_container(n, None))),
        bounded(network_names.iter().map(|n| docker.inspect_network(n, None))),
        bounded(images.iter().map(|i| docker.inspect_image(i))),
    );
    let version = docker.client_version();
    let mut snapshot = Snapshot {
        api_version: (version.major_version, version.minor_version),
        ..Snapshot::default()
    };
    for (name, result) in container_names.iter().zip(containers) {
        match result {
            Ok(info) => {
                snapshot
                    .containers
                    .insert(name.to_string(), container(name, info));
            }
            Err(e) if status(&e) == Some(404) => {}
            Err(e) => return Err(failed(format!("inspect container `{name}`"))(e)),
        }
    }
    // Labelled containers of the maps the desired state does not name: orphans and helpers.
    let others: Vec<String> = listed
        .map_err(failed("list containers"))?
        .into_iter()
        .filter(|c| ours(&sorted(c.labels.clone())))
        .filter_map(|c| {
            // A link target is also listed under `/linker/alias`; its own name has no inner `/`.
            c.names?
                .iter()
                .map(|n| n.trim_start_matches('/'))
                .find(|n| !n.contains('/'))
                .map(str::to_string)
        })
        .filter(|n| !snapshot.containers.contains_key(n))
        .collect();
    let listed_volumes: HashMap<String, Volume> = listed_volumes
        .map_err(failed("list volumes"))?
        .volumes
        .unwrap_or_default()
        .into_iter()
        .map(|v| (v.name.clone(), v))
        .collect();
    let unlisted: Vec<&str> = volume_names
        .iter()
        .copied()
        .filter(|n| !listed_volumes.contains_key(*n))
        .collect();
    let (inspected, unlisted_volumes) = futures_util::join!(
        bounded(others.iter().map(|n| docker.inspect_container(n, None))),
        bounded(unlisted.iter().map(|n| docker.inspect_volume(n))),
    );
    for (name, result) in others.iter().zip(inspected) {
        match result {
            Ok(info) => {
                snapshot.containers.insert(name.clone(), container(name, info));
            }
            // Removed between listing and inspecting.
            Err(e) if status(&e) == Some(404) => {}
            Err(e) => return Err(failed(format!("inspect container `{name}`"))(e)),
        }
    }

    // Adoptions dmap recorded: (kind, name) → map.
    let mut adopted: BTreeMap<(String, String), String> = BTreeMap::new();
    for v in listed_volumes.values() {
        let labels: BTreeMap<String, String> = v.labels.clone().into_iter().collect();
        if !ours(&labels) {
            continue;
        }
        let kind = labels.get(labels::KIND).map(String::as_str);
        if kind == Some(labels::KIND_LOCK) {
            snapshot.locked.extend(labels.get(labels::MAP).cloned());
        }
        if kind != Some(labels::KIND_ADOPTION) {
            continue;
        }
        if let (Some(map), Some((kind, name))) = (
            labels.get(labels::MAP),
            labels.get(labels::ADOPTED).and_then(|a| a.split_once(':')),
        ) {
            adopted.insert((kind.to_string(), name.to_string()), map.clone());
            snapshot.markers.insert(v.name.clone());
        }
    }
    let mut unlisted_volumes: HashMap<&str, _> = unlisted.iter().copied().zip(unlisted_volumes).collect();
    for name in &volume_names {
        let result = match listed_volumes.get(*name) {
            Some(v) => Ok(v.clone()),
            None => match unlisted_volumes.remove(*name) {
                Some(result) => result,
                None => continue,
            },
        };
        match result {
            Ok(v) => {
                snapshot.volumes.insert(
                    name.to_string(),
                    ObservedVolume {
                        name: v.name,
                        driver: v.driver,
                        options: v.options.into_iter().collect(),
                        labels: v.labels.into_iter().collect(),
                        adopted_by: adopted.get(&("volume".to_string(), name.to_string())).cloned(),
                    },
                );
            }
            Err(e) if status(&e) == Some(404) => {}
            Err(e) => return Err(failed(format!("inspect volume `{name}`"))(e)),
        }
    }
    for (name, result) in network_names.iter().zip(networks) {
        let adopted_by = adopted.get(&("network".to_string(), name.to_string())).cloned();
        match result {
            Ok(n) => {
                let mut members: Vec<String> = n
                    .containers
                    .unwrap_or_default()
                    .into_values()
                    .filter_map(|e| e.name)
                    .collect();
                members.sort();
                snapshot.networks.insert(
                    name.to_string(),
                    ObservedNetwork {
                        id: n.id.unwrap_or_default(),
                        name: name.to_string(),
                        driver: n.driver.unwrap_or_default(),
                        options: sorted(n.options),
                        internal: n.internal.unwrap_or(false),
                        labels: sorted(n.labels),
                        containers: members,
                        adopted_by,
                    },
                );
            }
            Err(e) if status(&e) == Some(404) => {}
            Err(e) if ambiguous(&e) => {
                let mut found = duplicates(driver, name, adopted_by).await?;
                if found.len() < 2 {
                    return Err(failed(format!("inspect network `{name}`"))(e));
                }
                let (_, kept) = found.remove(keeper(&found));
                snapshot.networks.insert(name.to_string(), kept);
                snapshot
                    .duplicate_networks
                    .extend(found.into_iter().map(|(_, n)| n));
            }
            Err(e) => return Err(failed(format!("inspect network `{name}`"))(e)),
        }
    }
    for (image, result) in images.into_iter().zip(image_infos) {
        match result {
            Ok(info) => {
                let context = info
                    .config
                    .and_then(|c| c.labels)
                    .and_then(|mut l| l.remove(labels::CONTEXT));
                if let Some(digest) = context {
                    snapshot.image_contexts.insert(image.clone(), digest);
                }
                if let Some(id) = info.id {
                    snapshot.images.insert(image.clone(), id);
                }
            }
            Err(e) if status(&e) == Some(404) => {}
            Err(e) => return Err(failed(format!("inspect image `{image}`"))(e)),
        }
    }
    Ok(snapshot)
}

/// The Engine's answer to a name several networks have (it accepts duplicate names from a
/// create that does not ask it to check): `network NAME is ambiguous (2 matches found based on
/// name)`.
fn ambiguous(e: &bollard::errors::Error) -> bool {
    matches!(e, bollard::errors::Error::DockerResponseServerError { message, .. } if message.contains("ambiguous"))
}

/// Every network named exactly `name`, with when it was created and the containers on it,
/// running or not (an inspect lists only the running ones, and a stopped container keeps the id
/// of its network).
async fn duplicates(
    driver: &Driver,
    name: &str,
    adopted_by: Option<String>,
) -> Result<Vec<(i128, ObservedNetwork)>, Error> {
    let docker = &driver.docker;
    let filters = HashMap::from([("name".to_string(), vec![name.to_string()])]);
    let listed = docker
        .list_networks(Some(
            ListNetworksOptionsBuilder::default().filters(&filters).build(),
        ))
        .await
        .map_err(failed(format!("list the networks named `{name}`")))?;
    // The Engine's name filter matches parts of names.
    let listed: Vec<_> = listed
        .into_iter()
        .filter(|n| n.name.as_deref() == Some(name))
        .collect();
    let users = bounded(listed.iter().map(|n| {
        let on = HashMap::from([("network".to_string(), vec![n.id.clone().unwrap_or_default()])]);
        async move {
            docker
                .list_containers(Some(
                    ListContainersOptionsBuilder::default()
                        .all(true)
                        .filters(&on)
                        .build(),
                ))
                .await
        }
    }))
    .await;
    let mut found = Vec::new();
    for (n, users) in listed.into_iter().zip(users) {
        let mut members: Vec<String> = users
            .map_err(failed(format!("list the containers on network `{name}`")))?
            .into_iter()
            .filter_map(|c| {
                c.names?
                    .iter()
                    .map(|n| n.trim_start_matches('/'))
                    .find(|n| !n.contains('/'))
                    .map(str::to_string)
            })
            .collect();
        members.sort();
        let created = n.created.map_or(0, |t| t.unix_timestamp_nanos());
        found.push((
            created,
            ObservedNetwork {
                id: n.id.unwrap_or_default(),
                name: name.to_string(),
                driver: n.driver.unwrap_or_default(),
                options: sorted(n.options),
                internal: n.internal.unwrap_or(false),
                labels: sorted(n.labels),
                containers: members,
                adopted_by: adopted_by.clone(),
            },
        ));
    }
    Ok(found)
}

/// Which of several networks of one name is kept: the one containers are on, else the oldest
/// (the id decides a tie). Whether the others may go is the planner's call.
fn keeper(found: &[(i128, ObservedNetwork)]) -> usize {
    found
        .iter()
        .enumerate()
        .min_by_key(|(_, (created, n))| (n.containers.is_empty(), *created, n.id.clone()))
        .map_or(0, |(i, _)| i)
}

fn container(name: &str, info: ContainerInspectResponse) -> ObservedContainer {
    let labels = sorted(info.config.as_ref().and_then(|c| c.labels.clone()));
    let spec = labels
        .get(labels::SPEC)
        .and_then(|s| record::read(s, labels.get(labels::SCHEMA).map(String::as_str)));
    let st = info.state.unwrap_or_default();
    let never_started = st
        .started_at
        .as_deref()
        .is_none_or(|s| s.starts_with("0001-01-01"));
    let state = match (
        st.status,
        st.running.unwrap_or(false),
        st.restarting.unwrap_or(false),
    ) {
        (_, _, true) => RunState::Restarting,
        (_, true, _) if st.paused == Some(true) => RunState::Paused,
        (_, true, _) => RunState::Running,
        (Some(ContainerStateStatusEnum::CREATED), _, _) => RunState::Created,
        _ if never_started => RunState::Created,
        _ => RunState::Exited {
            code: st.exit_code.unwrap_or(0),
        },
    };
    let mounts = info
        .mounts
        .unwrap_or_default()
        .into_iter()
        .map(|m| {
            let volume = m.typ.as_deref() == Some("volume");
            ObservedMount {
                target: m.destination.unwrap_or_default(),
                kind: if volume {
                    MountKind::Volume
                } else {
                    MountKind::Bind
                },
                source: if volume { m.name } else { m.source }.unwrap_or_default(),
            }
        })
        .collect();
    let published = info
        .network_settings
        .as_ref()
        .and_then(|n| n.ports.as_ref())
        .and_then(|p| serde_json::to_value(p).ok())
        .unwrap_or(serde_json::Value::Null);
    let networks = info
        .network_settings
        .and_then(|n| n.networks)
        .unwrap_or_default()
        .into_iter()
        .map(|(net, e)| {
            (
                net,
                ObservedEndpoint {
                    aliases: e.aliases.unwrap_or_default(),
                    ipv4_address: e.ipam_config.and_then(|c| c.ipv4_address),
                },
            )
        })
        .collect();
    ObservedContainer {
        id: info.id.unwrap_or_default(),
        name: name.to_string(),
        created: info.created.map_or(0, |t| t.unix_timestamp_nanos()),
        started_at: st.started_at.as_deref().and_then(timestamp),
        image_id: info.image.unwrap_or_default(),
        state,
        labels,
        spec,
        mounts,
        networks,
        health: st.health.and_then(|h| h.status).map(|s| s.to_string()),
        host_config: info
            .host_config
            .and_then(|h| serde_json::to_value(h).ok())
            .unwrap_or(serde_json::Value::Null),
        published,
    }
}

/// Whether the Engine holds image `reference` (none: it does not), and the context digest dmap
/// recorded on it when it built it.
pub(crate) async fn image_context(driver: &Driver, reference: &str) -> Result<Option<Option<String>>, Error> {
    Ok(held_image(driver, reference).await?.map(|held| held.context))
}

/// An image the Engine holds under a reference: the context it was built from, and the digest
/// its repository's registry knows it by, when it was pushed or pulled there.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct HeldImage {
    /// `dmap.context`, when dmap built it.
    pub context: Option<String>,
    /// `sha256:...` of its `RepoDigests` entry for the reference's repository.
    pub pushed: Option<String>,
}

/// What the Engine holds under `reference`; None when it holds nothing there.
pub(crate) async fn held_image(driver: &Driver, reference: &str) -> Result<Option<HeldImage>, Error> {
    match driver.docker.inspect_image(reference).await {
        Ok(info) => {
            let (repository, _) = crate::model::image::split_tag(reference);
            let pushed = info.repo_digests.unwrap_or_default().into_iter().find_map(|d| {
                d.split_once('@')
                    .filter(|(repo, _)| *repo == repository)
                    .map(|(_, digest)| digest.to_string())
            });
            Ok(Some(HeldImage {
                context: info
                    .config
                    .and_then(|c| c.labels)
                    .and_then(|mut l| l.remove(labels::CONTEXT)),
                pushed,
            }))
        }
        Err(e) if status(&e) == Some(404) => Ok(None),
        Err(e) => Err(failed(format!("inspect image `{reference}`"))(e)),
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::{bounded, keeper, ObservedNetwork, IN_FLIGHT};

    #[test]
    fn of_duplicate_networks_the_one_in_use_is_kept_else_the_oldest() {
        let net = |id: &str, created: i128, users: &[&str]| {
            (
                created,
                ObservedNetwork {
                    id: id.into(),
                    containers: users.iter().map(|u| u.to_string()).collect(),
                    ..ObservedNetwork::default()
                },
            )
        };
        let cases = [
            ("the oldest", vec![net("b", 2, &[]), net("a", 1, &[])], "a"),
            (
                "the one in use",
                vec![net("a", 1, &[]), net("b", 2, &["m.web"])],
                "b",
            ),
            (
                "the oldest in use",
                vec![net("c", 3, &["x"]), net("a", 1, &[]), net("b", 2, &["y"])],
                "b",
            ),
            ("a tie: the id", vec![net("d", 5, &[]), net("c", 5, &[])], "c"),
        ];
        for (what, found, kept) in cases {
            assert_eq!(found[keeper(&found)].1.id, kept, "{what}");
        }
    }

    #[test]
    fn inspects_run_a_bounded_number_at_a_time_and_answer_in_order() {
        let running = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_time()
            .build()
            .expect("runtime");
        let out = rt.block_on(bounded((0..500).map(|i| {
            let (running, most) = (&running, &most);
            async move {
                let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                most.fetch_max(now, Ordering::SeqCst);
                tokio::time::sleep(std::time::Duration::from_millis(1)).await;
                running.fetch_sub(1, Ordering::SeqCst);
                i
            }
        })));
        assert_eq!(out, (0..500).collect::<Vec<_>>());
        assert_eq!(most.load(Ordering::SeqCst), IN_FLIGHT);
    }
}
