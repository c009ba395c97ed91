//! The resolved model of checked maps: what each container instance, volume and network becomes
//! on the Engine, complete, decided once (`dmap show --json`, docs/cli.md; the runtime's desired
//! state is made of the same values).

pub(crate) mod container;
mod map;
mod parallel;

use std::collections::BTreeMap;
use std::path::Path;

use serde::Serialize;

pub(crate) use container::{
    Binding, ContainerSpec, EndpointSpec, MountKind, MountSpec, Prepare, ResolvedContainer,
};

use super::check::Checked;
use super::client::ClientConfig;
use super::problem::Problem;
use super::value::Value;

#[derive(Debug, Serialize)]
pub(crate) struct ResolvedModel {
    pub maps: Vec<ResolvedMap>,
}

#[derive(Debug, Serialize)]
pub(crate) struct ResolvedMap {
    pub name: String,
    /// In start order.
    pub containers: Vec<ResolvedContainer>,
    pub volumes: Vec<ResolvedVolume>,
    pub networks: Vec<ResolvedNetwork>,
}

/// An attached volume: a named volume of the map.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct ResolvedVolume {
    pub name: String,
    pub map: String,
    /// The configuration that attaches it.
    pub owner: String,
    pub driver: String,
    pub driver_options: BTreeMap<String, String>,
    /// Labels of its own (`create_options.labels`), beside dmap's.
    pub labels: BTreeMap<String, String>,
    /// The owner and mode it is prepared with, when a container attaching it is created.
    pub user: Option<String>,
    pub permissions: Option<String>,
}

/// A network of the map.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct ResolvedNetwork {
    pub name: String,
    pub map: String,
    pub driver: String,
    pub driver_options: BTreeMap<String, String>,
    pub internal: bool,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub create_options: BTreeMap<String, Value>,
}

/// The client a model is resolved for: only its containers, its hostnames, its interfaces.
#[derive(Clone, Copy)]
pub(crate) struct ClientContext<'a> {
    pub name: &'a str,
    pub config: &'a ClientConfig,
}

/// Resolves checked maps without a client (`dmap show`). `cwd` anchors relative file names
/// (paths stay pure data).
pub(crate) fn resolve(maps: &[Checked], cwd: &Path) -> ResolvedModel {
    ResolvedModel {
        maps: maps.iter().map(|c| map::resolve_map(c, cwd, None)).collect(),
    }
}

/// Resolves checked maps for one client; an interface alias the client lacks is a problem.
pub(crate) fn resolve_for(
    maps: &[Checked],
    cwd: &Path,
    client: ClientContext,
) -> Result<ResolvedModel, Vec<Problem>> {
    let model = ResolvedModel {
        maps: maps
            .iter()
            .map(|c| map::resolve_map(c, cwd, Some(client)))
            .collect(),
    };
    let mut problems = Vec::new();
    for (checked, map) in maps.iter().zip(&model.maps) {
        for c in &map.containers {
            for p in &c.spec.ports {
                if let (Some(interface), None) = (&p.interface, &p.host_ip) {
                    problems.push(Problem::new(
                        format!(
                            "container `{}` binds port {} to interface `{interface}`, which client `{}` does not define (its `interfaces{}`)",
                            c.name,
                            p.container_port,
                            client.name,
                            if p.ipv6 { "_ipv6" } else { "" }
                        ),
                        checked.configs[&c.config].origin_of("exposes").clone(),
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(model)
    } else {
        Err(problems)
    }
}
