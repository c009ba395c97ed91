//! `deploy` (Compose's `deploy`, for Swarm clients): how the service a configuration becomes is
//! run. Durations are in nanoseconds, as the Swarm API takes them.
//!
//! One file per sub-section, each with its type and its parser: `placement.rs`,
//! `update_config.rs`, `restart_policy.rs`; `fields.rs` reads the values they share (mappings
//! with known keys, choices, whole numbers, durations).

mod fields;
mod placement;
mod restart_policy;
#[cfg(test)]
mod tests;
mod update_config;

use serde::{Deserialize, Serialize};

pub(crate) use placement::Placement;
pub(crate) use restart_policy::{RestartCondition, RestartPolicy};
pub(crate) use update_config::{FailureAction, UpdateConfig, UpdateOrder};

use super::input::InputResult;
use super::value::Value;
use fields::{choice, int, keys, whole};

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Deploy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub replicas: Option<u64>,
    #[serde(skip_serializing_if = "Placement::is_empty")]
    pub placement: Placement,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub endpoint_mode: Option<EndpointMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub publish_mode: Option<PublishMode>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub update_config: Option<UpdateConfig>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub restart_policy: Option<RestartPolicy>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum EndpointMode {
    /// A virtual IP in front of the tasks.
    Vip,
    /// DNS round-robin over the tasks' addresses.
    Dnsrr,
}

impl EndpointMode {
    const ALL: [EndpointMode; 2] = [EndpointMode::Vip, EndpointMode::Dnsrr];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            EndpointMode::Vip => "vip",
            EndpointMode::Dnsrr => "dnsrr",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum PublishMode {
    /// Published on every node, routed to any task.
    Ingress,
    /// Published on the nodes the tasks run on.
    Host,
}

impl PublishMode {
    const ALL: [PublishMode; 2] = [PublishMode::Ingress, PublishMode::Host];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            PublishMode::Ingress => "ingress",
            PublishMode::Host => "host",
        }
    }
}

const FIELDS: [&str; 6] = [
    "replicas",
    "placement",
    "endpoint_mode",
    "publish_mode",
    "update_config",
    "restart_policy",
];

impl Deploy {
    /// Nothing is the default deploy settings.
    pub(crate) fn parse(value: &Value) -> InputResult<Deploy> {
        if value.is_null() {
            return Ok(Deploy::default());
        }
        let get = keys(value, &FIELDS, "`deploy`")?;
        Ok(Deploy {
            replicas: whole(get("replicas"), "replicas")?,
            placement: Placement::parse(get("placement"))?,
            endpoint_mode: choice(
                get("endpoint_mode"),
                &EndpointMode::ALL,
                |m| m.as_str(),
                "endpoint_mode",
            )?,
            publish_mode: choice(
                get("publish_mode"),
                &PublishMode::ALL,
                |m| m.as_str(),
                "publish_mode",
            )?,
            update_config: match get("update_config") {
                Value::Null => None,
                v => Some(UpdateConfig::parse(v)?),
            },
            restart_policy: match get("restart_policy") {
                Value::Null => None,
                v => Some(RestartPolicy::parse(v)?),
            },
        })
    }

    /// The normalised form: durations in nanoseconds, preferences as `#{ spread: ... }`.
    pub(crate) fn to_value(&self) -> Value {
        let mut entries = Vec::new();
        if let Some(n) = self.replicas {
            entries.push(("replicas", int(n)));
        }
        if !self.placement.is_empty() {
            entries.push(("placement", self.placement.to_value()));
        }
        if let Some(m) = self.endpoint_mode {
            entries.push(("endpoint_mode", Value::str(m.as_str())));
        }
        if let Some(m) = self.publish_mode {
            entries.push(("publish_mode", Value::str(m.as_str())));
        }
        if let Some(u) = &self.update_config {
            entries.push(("update_config", u.to_value()));
        }
        if let Some(r) = &self.restart_policy {
            entries.push(("restart_policy", r.to_value()));
        }
        Value::map(entries)
    }
}
