//! What the Engine holds, as plain data: the input of planning, next to the desired state.

use std::collections::BTreeMap;

use super::labels;
use super::spec::{ContainerSpec, MountKind};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunState {
    /// Created and never started.
    Created,
    Running,
    Restarting,
    /// Started once, now stopped.
    Exited {
        code: i64,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObservedMount {
    pub target: String,
    /// A volume (named or anonymous) or a bind (or tmpfs) of a host path.
    pub kind: MountKind,
    /// The volume name, or the host path of a bind.
    pub source: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct ObservedEndpoint {
    pub aliases: Vec<String>,
    pub ipv4_address: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObservedContainer {
    pub id: String,
    pub name: String,
    /// The id of the image it runs.
    pub image_id: String,
    pub state: RunState,
    pub labels: BTreeMap<String, String>,
    /// The spec dmap recorded when it created the container.
    pub spec: Option<ContainerSpec>,
    pub mounts: Vec<ObservedMount>,
    /// Network name → endpoint.
    pub networks: BTreeMap<String, ObservedEndpoint>,
    /// `starting`, `healthy`, `unhealthy`, when it has a healthcheck.
    pub health: Option<String>,
    /// The Engine's HostConfig as JSON (Engine field names): limits and restart policy as they
    /// are now, which `docker update` changes without touching the recorded spec.
    pub host_config: serde_json::Value,
}

impl ObservedContainer {
    pub fn is_running(&self) -> bool {
        matches!(self.state, RunState::Running | RunState::Restarting)
    }

    pub fn map(&self) -> Option<&str> {
        self.labels.get(labels::MAP).map(String::as_str)
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObservedVolume {
    pub name: String,
    pub driver: String,
    pub options: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct ObservedNetwork {
    pub id: String,
    pub name: String,
    pub driver: String,
    pub options: BTreeMap<String, String>,
    pub internal: bool,
    pub labels: BTreeMap<String, String>,
    /// Names of the containers connected.
    pub containers: Vec<String>,
}

/// One pass over the Engine.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// The API version spoken with the Engine (major, minor).
    pub api_version: (usize, usize),
    pub containers: BTreeMap<String, ObservedContainer>,
    pub volumes: BTreeMap<String, ObservedVolume>,
    pub networks: BTreeMap<String, ObservedNetwork>,
    /// Image reference → id, for the images the maps name that are present.
    pub images: BTreeMap<String, String>,
}

/// Is an object with these labels dmap's, for `map`?
pub fn owned(labels: &BTreeMap<String, String>, map: &str) -> bool {
    labels.get(labels::MAP).is_some_and(|m| m == map)
}
