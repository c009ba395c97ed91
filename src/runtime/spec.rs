//! The desired state of a client's Engine, derived purely from checked maps: every container as
//! dmap would create it, and the volumes, networks and images it needs. The container spec is
//! also what dmap records on the container, so `update` can name the field that changed.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::Path;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::context::Context;
use crate::model::check::Checked;
use crate::model::client::ClientConfig;
use crate::model::exec::ExecCommand;
use crate::model::healthcheck::HealthCheck;
use crate::model::resolved::{self, ClientContext, Mount};
use crate::model::{name, Problem, Value};

/// A container as created; recorded in the `dmap.spec` label. Fields a newer dmap adds must
/// default to what older ones meant, so recorded specs of older versions compare equal.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct ContainerSpec {
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domainname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub env: BTreeMap<String, String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub command: Option<Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entrypoint: Option<Value>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub mounts: Vec<MountSpec>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub volumes_from: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub network_mode: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub networks: Vec<EndpointSpec>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkSpec>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ports: Vec<PortSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub healthcheck: Option<HealthCheck>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_signal: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<u64>,
    /// Every other `create_options` / `host_config` keyword (docker-py names; `host_config` wins).
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, Value>,
    /// How a Swarm client runs it (`deploy`); on a Swarm client the spec is a service's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<crate::model::deploy::Deploy>,
}

/// What a mount is; recorded in the spec label as `volume`, `bind`, `anonymous`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MountKind {
    /// A named volume.
    Volume,
    /// A host path.
    Bind,
    /// A volume of the container's own, made by the Engine (`shares`).
    Anonymous,
}

impl MountKind {
    pub fn as_str(self) -> &'static str {
        match self {
            MountKind::Volume => "volume",
            MountKind::Bind => "bind",
            MountKind::Anonymous => "anonymous",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct MountSpec {
    pub kind: MountKind,
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    pub target: String,
    #[serde(default)]
    pub readonly: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct EndpointSpec {
    pub network: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<LinkSpec>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_address: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct LinkSpec {
    pub container: String,
    pub alias: String,
}

impl From<&resolved::ResolvedLink> for LinkSpec {
    fn from(l: &resolved::ResolvedLink) -> Self {
        LinkSpec {
            container: l.container.clone(),
            alias: l.alias.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PortSpec {
    /// `80/tcp`
    pub port: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_port: Option<u16>,
}

/// chown/chmod of an attached volume, run when a container attaching it is created.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Prepare {
    pub volume: String,
    /// Where the attaching container mounts it (the helper mounts it at the same path).
    pub path: String,
    /// `user:group` for `chown -R`.
    pub owner: Option<String>,
    /// The mode for `chmod -R`.
    pub mode: Option<String>,
}

/// One container instance of a map, as it should be on this client.
#[derive(Clone, Debug)]
pub struct DesiredContainer {
    pub map: String,
    pub config: String,
    pub instance: Option<String>,
    /// The Engine name.
    pub name: String,
    pub spec: ContainerSpec,
    pub persistent: bool,
    pub exec_commands: Vec<ExecCommand>,
    /// The user exec commands run as when they name none.
    pub exec_user: Option<String>,
    pub start_delay: Option<f64>,
    pub prepare: Vec<Prepare>,
    /// Engine names of the containers this one needs first.
    pub depends_on: Vec<String>,
    /// Position in the map's start order (for stable output).
    pub order: usize,
}

/// How a container is bound to another one's identity: the Engine resolves these to the other
/// container's id when the container is created (or, for a namespace, started), so recreating
/// the other container leaves this one pointing at the old one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Binding {
    /// `links`, on the default bridge or a map network.
    Link,
    /// `uses` of a container: its volumes (`volumes_from`).
    VolumesFrom,
    /// `network_mode` naming a container: its network namespace.
    Namespace,
}

impl DesiredContainer {
    /// The containers this one is bound to, and how; each once, the strongest binding first.
    pub fn bindings(&self) -> Vec<(&str, Binding)> {
        let namespace = self
            .spec
            .network_mode
            .as_deref()
            .and_then(|m| m.strip_prefix("container:"))
            .map(|c| (c, Binding::Namespace));
        let volumes = self
            .spec
            .volumes_from
            .iter()
            .map(|v| (v.strip_suffix(":ro").unwrap_or(v), Binding::VolumesFrom));
        let links = self
            .spec
            .links
            .iter()
            .chain(self.spec.networks.iter().flat_map(|e| &e.links))
            .map(|l| (l.container.as_str(), Binding::Link));
        let mut out: Vec<(&str, Binding)> = Vec::new();
        for (name, how) in namespace.into_iter().chain(volumes).chain(links) {
            if !out.iter().any(|(n, _)| *n == name) {
                out.push((name, how));
            }
        }
        out
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DesiredVolume {
    pub map: String,
    pub name: String,
    /// The configuration that attaches it.
    pub owner: String,
    pub driver: String,
    pub driver_options: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DesiredNetwork {
    pub map: String,
    pub name: String,
    pub driver: String,
    pub driver_options: BTreeMap<String, String>,
    pub internal: bool,
    pub create_options: BTreeMap<String, Value>,
}

/// An image built from a context instead of pulled: declared by a map (`m.images.NAME = df`) or
/// asked for by `d.build`.
#[derive(Clone, Debug)]
pub struct DesiredBuild {
    /// The name it was declared under (`m.images.NAME`), or the tag given to `d.build`.
    pub name: String,
    /// The full reference it is tagged with.
    pub reference: String,
    /// More tags for the same image.
    pub extra_tags: Vec<String>,
    pub context: Arc<Context>,
    /// `sha256:HEX` of the uncompressed context tar, recorded on the image.
    pub digest: String,
}

/// Everything the maps want on one client.
#[derive(Clone, Debug, Default)]
pub struct Desired {
    pub client: String,
    pub maps: Vec<String>,
    pub containers: Vec<DesiredContainer>,
    pub volumes: Vec<DesiredVolume>,
    pub networks: Vec<DesiredNetwork>,
    pub images: BTreeSet<String>,
    /// Images built rather than pulled, by reference.
    pub builds: BTreeMap<String, DesiredBuild>,
    /// Engine name → index in `containers`.
    by_name: HashMap<String, usize>,
}

impl ContainerSpec {
    /// The spec of a resolved container, field by field: every rule (hostname overrides, which
    /// options remain) was decided when the model was resolved.
    pub fn from_resolved(rc: &resolved::ResolvedContainer) -> ContainerSpec {
        ContainerSpec {
            image: rc.image.clone(),
            hostname: rc.hostname.clone(),
            domainname: rc.domainname.clone(),
            user: rc.user.clone(),
            env: rc.environment.clone(),
            command: rc.command.clone(),
            entrypoint: rc.entrypoint.clone(),
            mounts: rc.mounts.iter().map(MountSpec::from).collect(),
            volumes_from: rc.volumes_from.clone(),
            network_mode: rc.network_mode.clone(),
            networks: rc
                .networks
                .iter()
                .map(|e| EndpointSpec {
                    network: e.network.clone(),
                    aliases: e.aliases.clone(),
                    links: e.links.iter().map(LinkSpec::from).collect(),
                    ipv4_address: e.ipv4_address.clone(),
                    ipv6_address: e.ipv6_address.clone(),
                })
                .collect(),
            links: rc.links.iter().map(LinkSpec::from).collect(),
            ports: rc
                .ports
                .iter()
                .map(|p| PortSpec {
                    port: p.container_port.clone(),
                    host_ip: p.host_ip.clone(),
                    host_port: p.host_port,
                })
                .collect(),
            healthcheck: rc.healthcheck.clone(),
            deploy: rc.deploy.clone(),
            stop_signal: rc.stop_signal.clone(),
            stop_timeout: rc.stop_timeout,
            options: rc.options.clone(),
        }
    }
}

impl From<&Mount> for MountSpec {
    fn from(m: &Mount) -> Self {
        match m {
            Mount::Volume {
                source,
                target,
                readonly,
            } => MountSpec {
                kind: MountKind::Volume,
                source: source.clone(),
                target: target.clone(),
                readonly: *readonly,
            },
            Mount::Bind {
                source,
                target,
                readonly,
            } => MountSpec {
                kind: MountKind::Bind,
                source: source.clone(),
                target: target.clone(),
                readonly: *readonly,
            },
            Mount::Anonymous { target } => MountSpec {
                kind: MountKind::Anonymous,
                source: String::new(),
                target: target.clone(),
                readonly: false,
            },
        }
    }
}

impl Desired {
    pub fn container(&self, name: &str) -> Option<&DesiredContainer> {
        self.by_name.get(name).and_then(|i| self.containers.get(*i))
    }

    /// Builds the desired state of `client` from checked maps.
    pub fn build(
        maps: &[Checked],
        cwd: &Path,
        client_name: &str,
        client: &ClientConfig,
    ) -> Result<Desired, Vec<Problem>> {
        let context = ClientContext {
            name: client_name,
            config: client,
        };
        let model = resolved::resolve_for(maps, cwd, context)?;
        let mut desired = Desired {
            client: client_name.to_string(),
            maps: maps.iter().map(|c| c.map.name.clone()).collect(),
            ..Desired::default()
        };
        for (checked, rmap) in maps.iter().zip(&model.maps) {
            let map = checked.map;
            let volumes: HashMap<&str, &resolved::ResolvedVolume> =
                rmap.volumes.iter().map(|v| (v.name.as_str(), v)).collect();
            for rc in &rmap.containers {
                let config = &checked.configs[&rc.config];
                // Attached volumes get their owner and mode on every create of a container
                // attaching them (volume settings win over the container's).
                let prepare = rc
                    .mounts
                    .iter()
                    .filter_map(|m| match m {
                        Mount::Volume { source, target, .. } => Some((source, target)),
                        _ => None,
                    })
                    .filter_map(|(source, target)| {
                        let v = volumes.get(source.as_str())?;
                        if v.owner != rc.config || (v.user.is_none() && v.permissions.is_none()) {
                            return None;
                        }
                        Some(Prepare {
                            volume: source.clone(),
                            path: target.clone(),
                            owner: v.user.clone(),
                            mode: v.permissions.clone(),
                        })
                    })
                    .collect();
                desired.images.insert(rc.image.clone());
                desired.containers.push(DesiredContainer {
                    map: map.name.clone(),
                    config: rc.config.clone(),
                    instance: rc.instance.clone(),
                    name: rc.name.clone(),
                    spec: ContainerSpec::from_resolved(rc),
                    persistent: rc.persistent,
                    exec_commands: rc.exec_commands.clone(),
                    exec_user: config.user.as_ref().map(|u| u.name.clone()),
                    start_delay: config.start_delay,
                    prepare,
                    depends_on: rc.depends_on.clone(),
                    order: rc.start_order,
                });
            }
            for v in &rmap.volumes {
                if !desired
                    .containers
                    .iter()
                    .any(|c| c.map == map.name && c.config == v.owner)
                {
                    continue;
                }
                desired.volumes.push(DesiredVolume {
                    map: map.name.clone(),
                    name: v.name.clone(),
                    owner: v.owner.clone(),
                    driver: v.driver.clone(),
                    driver_options: v.driver_options.clone(),
                    labels: v.labels.clone(),
                });
            }
            for (net, config) in &map.networks {
                desired.networks.push(DesiredNetwork {
                    map: map.name.clone(),
                    name: name::network(&map.name, net),
                    driver: config.driver.clone(),
                    driver_options: config.driver_options.clone(),
                    internal: config.internal,
                    create_options: config.create_options.clone(),
                });
            }
        }
        desired.by_name = desired
            .containers
            .iter()
            .enumerate()
            .map(|(i, c)| (c.name.clone(), i))
            .collect();
        Ok(desired)
    }
}
