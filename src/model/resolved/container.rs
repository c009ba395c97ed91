//! A container instance as the Engine gets it: one type for `dmap show`, the desired state the
//! planner compares, the bodies the runtime sends, and the spec recorded on the container.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::model::depends_on::Condition;
use crate::model::deploy::Deploy;
use crate::model::exec::ExecCommand;
use crate::model::healthcheck::HealthCheck;
use crate::model::naming::Naming;
use crate::model::origin::Origin;
use crate::model::value::Value;

/// One container instance of a map, resolved for a client (or for none, under `dmap show`).
#[derive(Clone, Debug, Serialize)]
pub(crate) struct ResolvedContainer {
    /// The Engine name.
    pub name: String,
    pub map: String,
    pub config: String,
    pub instance: Option<String>,
    /// What the Engine gets.
    #[serde(flatten)]
    pub spec: ContainerSpec,
    pub exec_commands: Vec<ExecCommand>,
    /// The user exec commands run as when they name none (the configuration's `user`).
    pub exec_user: Option<String>,
    /// Seconds to wait after starting it.
    pub start_delay: Option<f64>,
    /// Attached volumes to chown/chmod when it is created.
    pub prepare: Vec<Prepare>,
    pub persistent: bool,
    pub clients: Vec<String>,
    /// Engine names of the containers it needs started first (direct dependencies).
    pub depends_on: Vec<String>,
    /// The dependencies its `depends_on` names, and what each must have done before it starts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub waits_for: Vec<Gate>,
    /// Position in the map's start order, from 1.
    pub start_order: usize,
    /// How its map names things (a Swarm runs a Compose service's containers as one service).
    #[serde(skip)]
    pub naming: Naming,
    pub origin: Origin,
}

/// A dependency named in `depends_on`, by its Engine name: what it must have done before the
/// container starts, and whether the container restarts when dmap restarts or recreates it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Gate {
    pub container: String,
    pub condition: Condition,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub restart: bool,
}

/// What the Engine gets for a container; recorded in its `dmap.spec` label, so `update` can name
/// the field that changed. Fields a newer dmap adds must default to what older ones meant, and
/// names it renames keep their old spelling as an alias, so recorded specs of older versions
/// compare equal.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct ContainerSpec {
    pub image: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domainname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    #[serde(alias = "env", skip_serializing_if = "BTreeMap::is_empty")]
    pub environment: BTreeMap<String, String>,
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
    /// Every other `create_options` / `host_config` keyword (docker-py names; `host_config`
    /// wins): limits, restart policy, labels, working directory, ...
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    pub options: BTreeMap<String, Value>,
    /// How a Swarm client runs it (`deploy`); on a Swarm client the spec is a service's.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<Deploy>,
}

/// What a mount is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum MountKind {
    /// A named volume.
    Volume,
    /// A host path.
    Bind,
    /// A volume of the container's own, made by the Engine (`shares`).
    Anonymous,
}

impl MountKind {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            MountKind::Volume => "volume",
            MountKind::Bind => "bind",
            MountKind::Anonymous => "anonymous",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub(crate) struct MountSpec {
    #[serde(rename = "type", alias = "kind")]
    pub kind: MountKind,
    /// The volume's name or the host path; empty for an anonymous volume.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    pub target: String,
    #[serde(default)]
    pub readonly: bool,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct EndpointSpec {
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
pub(crate) struct LinkSpec {
    pub container: String,
    pub alias: String,
}

#[derive(Clone, Debug, Default, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct PortSpec {
    /// `80/tcp`
    #[serde(alias = "port")]
    pub container_port: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_port: Option<u16>,
    /// The interface alias or address it is published on, as the map names it; none: all
    /// addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    /// The address the port is bound to, where the interface is known (a literal address, or
    /// an alias of the client the model is resolved for).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_ip: Option<String>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub ipv6: bool,
}

/// Two ports are the same on the Engine when they publish the same port at the same place; how
/// the map named the interface does not reach it.
impl PartialEq for PortSpec {
    fn eq(&self, other: &Self) -> bool {
        (&self.container_port, &self.host_ip, self.host_port)
            == (&other.container_port, &other.host_ip, other.host_port)
    }
}

/// chown/chmod of an attached volume, run when a container attaching it is created.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Prepare {
    pub volume: String,
    /// Where the attaching container mounts it (the helper mounts it at the same path).
    pub path: String,
    /// `user:group` for `chown -R`.
    pub owner: Option<String>,
    /// The mode for `chmod -R`.
    pub mode: Option<String>,
}

/// How a container is bound to another one's identity: the Engine resolves these to the other
/// container's id when the container is created (or, for a namespace, started), so recreating
/// the other container leaves this one pointing at the old one.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub(crate) enum Binding {
    /// `links`, on the default bridge or a map network.
    Link,
    /// `uses` of a container: its volumes (`volumes_from`).
    VolumesFrom,
    /// `network_mode` naming a container: its network namespace.
    Namespace,
}

impl ResolvedContainer {
    /// The containers this one is bound to, and how; each once, the strongest binding first.
    pub(crate) fn bindings(&self) -> Vec<(&str, Binding)> {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_recorded_by_older_versions_read_as_today() {
        // `env`, `kind` and `port` were the recorded names before the resolved model and the
        // desired state became one type.
        let older = r#"{"image":"app:1","env":{"A":"1"},
            "mounts":[{"kind":"volume","source":"m.data","target":"/data","readonly":false}],
            "ports":[{"port":"80/tcp","host_port":8080}]}"#;
        let spec: ContainerSpec = serde_json::from_str(older).unwrap_or_default();
        assert_eq!(spec.environment["A"], "1");
        assert_eq!(spec.mounts[0].kind, MountKind::Volume);
        let port = PortSpec {
            container_port: "80/tcp".into(),
            host_port: Some(8080),
            interface: Some("public".into()),
            ..PortSpec::default()
        };
        assert_eq!(
            spec.ports,
            [port],
            "the interface's name does not reach the Engine"
        );
        let json = serde_json::to_string(&spec).unwrap_or_default();
        let back: ContainerSpec = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, spec);
        let none: ContainerSpec = serde_json::from_str(r#"{"image":"app:1"}"#).unwrap_or_default();
        assert!(none.environment.is_empty() && none.options.is_empty());
    }
}
