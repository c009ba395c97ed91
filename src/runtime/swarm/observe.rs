//! A Swarm client as it is: the services and overlay networks with the names a map needs or
//! carrying its labels, and each service's tasks (how many run, on which nodes, the last error).

use std::collections::{BTreeMap, HashMap};

use bollard::models::TaskState;
use bollard::query_parameters::{ListNetworksOptions, ListServicesOptions, ListTasksOptions};

use super::spec::WantedService;
use crate::runtime::driver::Driver;
use crate::runtime::error::Error;
use crate::runtime::labels;
use crate::runtime::observe::{held_image, HeldImage};

#[derive(Clone, Debug, Default)]
pub(crate) struct SwarmSnapshot {
    pub services: BTreeMap<String, ObservedService>,
    pub networks: BTreeMap<String, ObservedNetwork>,
    /// The declared images the services run, as the manager holds them (it builds and pushes
    /// them), by reference; absent when it holds none.
    pub images: BTreeMap<String, HeldImage>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ObservedService {
    pub id: String,
    pub name: String,
    /// The map it was made for (`dmap.map`), none when dmap did not make it.
    pub map: Option<String>,
    /// `dmap.spec` and `dmap.spec.base` (the digest without `replicas`).
    pub digest: Option<String>,
    pub base_digest: Option<String>,
    pub replicas: u64,
    /// Tasks meant to run that run.
    pub running: usize,
    /// Network names the service is on.
    pub networks: Vec<String>,
    /// Node hostnames its running tasks are on.
    pub nodes: Vec<String>,
    /// The newest task error (`no suitable node ...`), if a task has one.
    pub last_error: Option<String>,
}

impl ObservedService {
    /// Whether only `replicas` differ from what `wanted` asks for.
    pub(crate) fn same_but_replicas(&self, wanted: &WantedService) -> bool {
        self.base_digest.as_deref() == Some(wanted.base_digest.as_str())
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ObservedNetwork {
    pub id: String,
    pub map: Option<String>,
}

fn filter(key: &str, value: String) -> Option<HashMap<String, Vec<String>>> {
    Some(HashMap::from([(key.to_string(), vec![value])]))
}

/// Observes what `wanted` and `networks` need, in one pass over the manager.
pub(crate) async fn observe(
    driver: &Driver,
    wanted: &[WantedService],
    networks: &[(String, String)],
) -> Result<SwarmSnapshot, Error> {
    let docker = &driver.docker;
    let failed = |what: &'static str| {
        move |e: bollard::errors::Error| Error::Observe {
            what: what.into(),
            error: e,
        }
    };
    let mut snapshot = SwarmSnapshot::default();
    // Networks: ids to names (a service's spec names them by id).
    let all_networks = docker
        .list_networks(Some(ListNetworksOptions {
            filters: filter("driver", "overlay".into()),
        }))
        .await
        .map_err(failed("networks"))?;
    let mut network_names: HashMap<String, String> = HashMap::new();
    for n in all_networks {
        let (Some(id), Some(name)) = (n.id, n.name) else {
            continue;
        };
        network_names.insert(id.clone(), name.clone());
        if networks.iter().any(|(w, _)| *w == name) {
            let map = n.labels.and_then(|l| l.get(labels::MAP).cloned());
            snapshot.networks.insert(name, ObservedNetwork { id, map });
        }
    }
    // Services: those labelled for the maps, and any with a wanted name.
    let mut maps: Vec<&str> = wanted.iter().map(|w| w.map.as_str()).collect();
    maps.sort();
    maps.dedup();
    let mut found = Vec::new();
    for map in maps {
        found.extend(
            docker
                .list_services(Some(ListServicesOptions {
                    filters: filter("label", format!("{}={map}", labels::MAP)),
                    status: Some(true),
                }))
                .await
                .map_err(failed("services"))?,
        );
    }
    for w in wanted {
        if !found
            .iter()
            .any(|s| s.spec.as_ref().and_then(|s| s.name.as_deref()) == Some(w.name.as_str()))
        {
            found.extend(
                docker
                    .list_services(Some(ListServicesOptions {
                        filters: filter("name", w.name.clone()),
                        status: Some(true),
                    }))
                    .await
                    .map_err(failed("services"))?
                    .into_iter()
                    .filter(|s| s.spec.as_ref().and_then(|s| s.name.as_deref()) == Some(w.name.as_str())),
            );
        }
    }
    let nodes: HashMap<String, String> = docker
        .list_nodes(None::<bollard::query_parameters::ListNodesOptions>)
        .await
        .map_err(failed("nodes"))?
        .into_iter()
        .filter_map(|n| Some((n.id?, n.description?.hostname?)))
        .collect();
    for s in found {
        let Some(spec) = s.spec else { continue };
        let Some(name) = spec.name.clone() else { continue };
        let labels = spec.labels.clone().unwrap_or_default();
        let replicas = spec
            .mode
            .as_ref()
            .and_then(|m| m.replicated.as_ref())
            .and_then(|r| r.replicas)
            .map_or(0, |r| u64::try_from(r).unwrap_or(0));
        let nets = spec
            .task_template
            .as_ref()
            .and_then(|t| t.networks.as_ref())
            .map(|n| {
                n.iter()
                    .filter_map(|a| a.target.as_ref())
                    .map(|t| network_names.get(t).cloned().unwrap_or_else(|| t.clone()))
                    .collect()
            })
            .unwrap_or_default();
        let tasks = docker
            .list_tasks(Some(ListTasksOptions {
                filters: filter("service", name.clone()),
            }))
            .await
            .map_err(failed("tasks"))?;
        let mut running = 0;
        let mut on_nodes = Vec::new();
        let mut last: Option<(String, String)> = None;
        for t in &tasks {
            let status = t.status.as_ref();
            let state = status.and_then(|st| st.state);
            if t.desired_state == Some(TaskState::RUNNING) && state == Some(TaskState::RUNNING) {
                running += 1;
                if let Some(node) = t.node_id.as_ref().and_then(|n| nodes.get(n)) {
                    if !on_nodes.contains(node) {
                        on_nodes.push(node.clone());
                    }
                }
            }
            // Errors of the tasks meant to run now (a retry is `ready` first), not of history.
            let current = matches!(t.desired_state, Some(TaskState::RUNNING | TaskState::READY));
            if let Some(err) = status
                .and_then(|st| st.err.clone())
                .filter(|e| current && !e.is_empty())
            {
                let when = t
                    .updated_at
                    .as_ref()
                    .map(|d| format!("{d:?}"))
                    .unwrap_or_default();
                if last.as_ref().is_none_or(|(w, _)| when > *w) {
                    last = Some((when, err));
                }
            }
        }
        on_nodes.sort();
        snapshot.services.insert(
            name.clone(),
            ObservedService {
                id: s.id.unwrap_or_default(),
                name,
                map: labels.get(labels::MAP).cloned(),
                digest: labels.get(labels::SPEC).cloned(),
                base_digest: labels.get(super::spec::BASE_LABEL).cloned(),
                replicas,
                running,
                networks: nets,
                nodes: on_nodes,
                last_error: last.map(|(_, e)| e),
            },
        );
    }
    for reference in wanted.iter().filter_map(|w| w.build.as_ref()) {
        if !snapshot.images.contains_key(reference) {
            if let Some(held) = held_image(driver, reference).await? {
                snapshot.images.insert(reference.clone(), held);
            }
        }
    }
    Ok(snapshot)
}
