//! `deploy` (Compose's `deploy`, for Swarm clients): how the service a configuration becomes is
//! run. Durations are in nanoseconds, as the Swarm API takes them.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::duration::parse_nanos;
use super::input::{strings, InputResult};
use super::suggest::closest;
use super::value::Value;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Deploy {
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

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Placement {
    /// `node.role == manager`, `node.labels.zone != east`, ...
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<Preference>,
}

/// A placement preference: tasks spread evenly over the values of a node label.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Preference {
    pub spread: String,
}

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct UpdateConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parallelism: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub failure_action: Option<FailureAction>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub monitor: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_failure_ratio: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub order: Option<UpdateOrder>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct RestartPolicy {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub condition: Option<RestartCondition>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub delay: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_attempts: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub window: Option<u64>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum EndpointMode {
    /// A virtual IP in front of the tasks.
    Vip,
    /// DNS round-robin over the tasks' addresses.
    Dnsrr,
}

impl EndpointMode {
    const ALL: [EndpointMode; 2] = [EndpointMode::Vip, EndpointMode::Dnsrr];

    pub fn as_str(self) -> &'static str {
        match self {
            EndpointMode::Vip => "vip",
            EndpointMode::Dnsrr => "dnsrr",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PublishMode {
    /// Published on every node, routed to any task.
    Ingress,
    /// Published on the nodes the tasks run on.
    Host,
}

impl PublishMode {
    const ALL: [PublishMode; 2] = [PublishMode::Ingress, PublishMode::Host];

    pub fn as_str(self) -> &'static str {
        match self {
            PublishMode::Ingress => "ingress",
            PublishMode::Host => "host",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum FailureAction {
    Continue,
    Pause,
    Rollback,
}

impl FailureAction {
    const ALL: [FailureAction; 3] = [
        FailureAction::Continue,
        FailureAction::Pause,
        FailureAction::Rollback,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            FailureAction::Continue => "continue",
            FailureAction::Pause => "pause",
            FailureAction::Rollback => "rollback",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum UpdateOrder {
    StopFirst,
    StartFirst,
}

impl UpdateOrder {
    const ALL: [UpdateOrder; 2] = [UpdateOrder::StopFirst, UpdateOrder::StartFirst];

    pub fn as_str(self) -> &'static str {
        match self {
            UpdateOrder::StopFirst => "stop-first",
            UpdateOrder::StartFirst => "start-first",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RestartCondition {
    None,
    OnFailure,
    Any,
}

impl RestartCondition {
    const ALL: [RestartCondition; 3] = [
        RestartCondition::None,
        RestartCondition::OnFailure,
        RestartCondition::Any,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RestartCondition::None => "none",
            RestartCondition::OnFailure => "on-failure",
            RestartCondition::Any => "any",
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

const PLACEMENT_FIELDS: [&str; 2] = ["constraints", "preferences"];

const UPDATE_FIELDS: [&str; 6] = [
    "parallelism",
    "delay",
    "failure_action",
    "monitor",
    "max_failure_ratio",
    "order",
];

const RESTART_FIELDS: [&str; 4] = ["condition", "delay", "max_attempts", "window"];

impl Deploy {
    /// Nothing is the default deploy settings.
    pub fn parse(value: &Value) -> InputResult<Deploy> {
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
    pub fn to_value(&self) -> Value {
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

impl Placement {
    pub fn is_empty(&self) -> bool {
        self.constraints.is_empty() && self.preferences.is_empty()
    }

    fn parse(value: &Value) -> InputResult<Placement> {
        if value.is_null() {
            return Ok(Placement::default());
        }
        let get = keys(value, &PLACEMENT_FIELDS, "`placement`")?;
        let constraints = strings(get("constraints"), "a placement constraint")
            .map_err(|e| format!("`placement.constraints`: {e}"))?;
        for c in &constraints {
            constraint(c).map_err(|e| format!("`placement.constraints`: {e}"))?;
        }
        let preferences = match get("preferences") {
            Value::Null => Vec::new(),
            Value::List(items) => items.iter().map(preference).collect::<InputResult<_>>()?,
            other => vec![preference(other)?],
        };
        Ok(Placement {
            constraints,
            preferences,
        })
    }

    fn to_value(&self) -> Value {
        let mut entries = Vec::new();
        if !self.constraints.is_empty() {
            entries.push(("constraints", Value::strs(&self.constraints)));
        }
        if !self.preferences.is_empty() {
            let prefs = self
                .preferences
                .iter()
                .map(|p| Value::map([("spread", Value::str(p.spread.clone()))]))
                .collect();
            entries.push(("preferences", Value::List(prefs)));
        }
        Value::map(entries)
    }
}

/// `ATTRIBUTE == VALUE` or `ATTRIBUTE != VALUE`, as the Swarm takes constraints.
fn constraint(text: &str) -> InputResult<()> {
    let parts = text.split_once("==").or_else(|| text.split_once("!="));
    match parts {
        Some((attr, value)) if !attr.trim().is_empty() && !value.trim().is_empty() => Ok(()),
        _ => Err(format!(
            "invalid constraint `{text}`: expected `ATTRIBUTE == VALUE` or `ATTRIBUTE != VALUE`, e.g. `node.role == manager`"
        )),
    }
}

/// `"node.labels.zone"` (spread, the only preference there is) or `#{ spread: "node.labels.zone" }`.
fn preference(value: &Value) -> InputResult<Preference> {
    let spread = match value {
        Value::Map(_) => keys(value, &["spread"], "a placement preference")?("spread"),
        other => other,
    };
    match spread {
        Value::Str(s) if !s.trim().is_empty() => Ok(Preference { spread: s.clone() }),
        _ => Err(format!(
            "`placement.preferences`: expected a node label to spread over (`\"node.labels.zone\"` or `#{{ spread: \"node.labels.zone\" }}`), found {value}"
        )),
    }
}

impl UpdateConfig {
    fn parse(value: &Value) -> InputResult<UpdateConfig> {
        let get = keys(value, &UPDATE_FIELDS, "`update_config`")?;
        let max_failure_ratio = match get("max_failure_ratio") {
            Value::Null => None,
            Value::Int(i @ (0 | 1)) => Some(*i as f64),
            Value::Float(f) if (0.0..=1.0).contains(f) => Some(*f),
            other => {
                return Err(format!(
                    "`update_config.max_failure_ratio`: expected a ratio from 0 to 1, found {other}"
                ))
            }
        };
        Ok(UpdateConfig {
            parallelism: whole(get("parallelism"), "update_config.parallelism")?,
            delay: nanos(get("delay"), "update_config.delay")?,
            failure_action: choice(
                get("failure_action"),
                &FailureAction::ALL,
                |a| a.as_str(),
                "update_config.failure_action",
            )?,
            monitor: nanos(get("monitor"), "update_config.monitor")?,
            max_failure_ratio,
            order: choice(
                get("order"),
                &UpdateOrder::ALL,
                |o| o.as_str(),
                "update_config.order",
            )?,
        })
    }

    fn to_value(&self) -> Value {
        let mut entries = Vec::new();
        if let Some(n) = self.parallelism {
            entries.push(("parallelism", int(n)));
        }
        if let Some(n) = self.delay {
            entries.push(("delay", int(n)));
        }
        if let Some(a) = self.failure_action {
            entries.push(("failure_action", Value::str(a.as_str())));
        }
        if let Some(n) = self.monitor {
            entries.push(("monitor", int(n)));
        }
        if let Some(r) = self.max_failure_ratio {
            entries.push(("max_failure_ratio", Value::Float(r)));
        }
        if let Some(o) = self.order {
            entries.push(("order", Value::str(o.as_str())));
        }
        Value::map(entries)
    }
}

impl RestartPolicy {
    fn parse(value: &Value) -> InputResult<RestartPolicy> {
        let get = keys(value, &RESTART_FIELDS, "`restart_policy`")?;
        Ok(RestartPolicy {
            condition: choice(
                get("condition"),
                &RestartCondition::ALL,
                |c| c.as_str(),
                "restart_policy.condition",
            )?,
            delay: nanos(get("delay"), "restart_policy.delay")?,
            max_attempts: whole(get("max_attempts"), "restart_policy.max_attempts")?,
            window: nanos(get("window"), "restart_policy.window")?,
        })
    }

    fn to_value(&self) -> Value {
        let mut entries = Vec::new();
        if let Some(c) = self.condition {
            entries.push(("condition", Value::str(c.as_str())));
        }
        if let Some(n) = self.delay {
            entries.push(("delay", int(n)));
        }
        if let Some(n) = self.max_attempts {
            entries.push(("max_attempts", int(n)));
        }
        if let Some(n) = self.window {
            entries.push(("window", int(n)));
        }
        Value::map(entries)
    }
}

/// The keys of a mapping, rejecting unknown ones with the closest known key.
fn keys<'a>(value: &'a Value, allowed: &[&str], what: &str) -> InputResult<impl Fn(&str) -> &'a Value> {
    let map: &'a BTreeMap<String, Value> = match value {
        Value::Map(m) => m,
        other => return Err(format!("expected {what} as a mapping, found {other}")),
    };
    if let Some(bad) = map.keys().find(|k| !allowed.contains(&k.as_str())) {
        let hint = match closest(bad, allowed.iter().copied()) {
            Some(s) => format!("did you mean `{s}`?"),
            None => format!("expected {}", one_of(allowed)),
        };
        return Err(format!("unknown key `{bad}` in {what} ({hint})"));
    }
    Ok(move |k: &str| map.get(k).unwrap_or(&Value::Null))
}

/// `a`, `b` or `c`.
fn one_of(names: &[&str]) -> String {
    let quoted: Vec<String> = names.iter().map(|n| format!("`{n}`")).collect();
    match quoted.split_last() {
        Some((last, rest)) if !rest.is_empty() => format!("{} or {last}", rest.join(", ")),
        _ => quoted.join(""),
    }
}

fn choice<T: Copy>(
    value: &Value,
    all: &[T],
    name: impl Fn(T) -> &'static str,
    key: &str,
) -> InputResult<Option<T>> {
    if value.is_null() {
        return Ok(None);
    }
    if let Some(found) = value
        .as_str()
        .and_then(|s| all.iter().copied().find(|x| name(*x) == s))
    {
        return Ok(Some(found));
    }
    let names: Vec<&str> = all.iter().map(|x| name(*x)).collect();
    let hint = value
        .as_str()
        .and_then(|s| closest(s, names.iter().copied()))
        .map(|s| format!(" (did you mean `{s}`?)"))
        .unwrap_or_default();
    Err(format!(
        "`{key}`: expected {}, found {value}{hint}",
        one_of(&names)
    ))
}

fn whole(value: &Value, key: &str) -> InputResult<Option<u64>> {
    match value {
        Value::Null => Ok(None),
        Value::Int(i) if *i >= 0 => u64::try_from(*i).map(Some).map_err(|e| format!("`{key}`: {e}")),
        other => Err(format!(
            "`{key}`: expected a whole number (0 or more), found {other}"
        )),
    }
}

fn nanos(value: &Value, key: &str) -> InputResult<Option<u64>> {
    match value {
        Value::Null => Ok(None),
        v => parse_nanos(v).map(Some).map_err(|e| format!("`{key}`: {e}")),
    }
}

fn int(n: u64) -> Value {
    Value::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::value::Value as V;

    const SECOND: u64 = 1_000_000_000;

    fn spread(label: &str) -> Preference {
        Preference { spread: label.into() }
    }

    #[test]
    fn shorthands() {
        let cases: Vec<(V, Deploy)> = vec![
            (V::Null, Deploy::default()),
            (V::map::<&str>([]), Deploy::default()),
            (
                V::map([("replicas", V::Int(3))]),
                Deploy {
                    replicas: Some(3),
                    ..Deploy::default()
                },
            ),
            (
                V::map([("replicas", V::Int(0))]),
                Deploy {
                    replicas: Some(0),
                    ..Deploy::default()
                },
            ),
            // a single constraint is a one-item list
            (
                V::map([(
                    "placement",
                    V::map([("constraints", V::str("node.role == manager"))]),
                )]),
                Deploy {
                    placement: Placement {
                        constraints: vec!["node.role == manager".into()],
                        preferences: Vec::new(),
                    },
                    ..Deploy::default()
                },
            ),
            (
                V::map([(
                    "placement",
                    V::map([
                        (
                            "constraints",
                            V::List(vec![
                                V::str("node.role==worker"),
                                V::str("node.labels.ssd != false"),
                            ]),
                        ),
                        (
                            "preferences",
                            V::List(vec![V::map([("spread", V::str("node.labels.zone"))])]),
                        ),
                    ]),
                )]),
                Deploy {
                    placement: Placement {
                        constraints: vec!["node.role==worker".into(), "node.labels.ssd != false".into()],
                        preferences: vec![spread("node.labels.zone")],
                    },
                    ..Deploy::default()
                },
            ),
            // a label alone is a spread preference, and one preference a one-item list
            (
                V::map([(
                    "placement",
                    V::map([(
                        "preferences",
                        V::List(vec![V::str("node.labels.zone"), V::str("node.labels.rack")]),
                    )]),
                )]),
                Deploy {
                    placement: Placement {
                        constraints: Vec::new(),
                        preferences: vec![spread("node.labels.zone"), spread("node.labels.rack")],
                    },
                    ..Deploy::default()
                },
            ),
            (
                V::map([("placement", V::map([("preferences", V::str("node.labels.zone"))]))]),
                Deploy {
                    placement: Placement {
                        constraints: Vec::new(),
                        preferences: vec![spread("node.labels.zone")],
                    },
                    ..Deploy::default()
                },
            ),
            (
                V::map([(
                    "placement",
                    V::map([("preferences", V::map([("spread", V::str("node.labels.zone"))]))]),
                )]),
                Deploy {
                    placement: Placement {
                        constraints: Vec::new(),
                        preferences: vec![spread("node.labels.zone")],
                    },
                    ..Deploy::default()
                },
            ),
            (
                V::map([
                    ("endpoint_mode", V::str("dnsrr")),
                    ("publish_mode", V::str("host")),
                ]),
                Deploy {
                    endpoint_mode: Some(EndpointMode::Dnsrr),
                    publish_mode: Some(PublishMode::Host),
                    ..Deploy::default()
                },
            ),
            (
                V::map([
                    ("endpoint_mode", V::str("vip")),
                    ("publish_mode", V::str("ingress")),
                ]),
                Deploy {
                    endpoint_mode: Some(EndpointMode::Vip),
                    publish_mode: Some(PublishMode::Ingress),
                    ..Deploy::default()
                },
            ),
            (
                V::map([(
                    "update_config",
                    V::map([
                        ("parallelism", V::Int(2)),
                        ("delay", V::str("10s")),
                        ("failure_action", V::str("rollback")),
                        ("monitor", V::str("1m")),
                        ("max_failure_ratio", V::Float(0.25)),
                        ("order", V::str("start-first")),
                    ]),
                )]),
                Deploy {
                    update_config: Some(UpdateConfig {
                        parallelism: Some(2),
                        delay: Some(10 * SECOND),
                        failure_action: Some(FailureAction::Rollback),
                        monitor: Some(60 * SECOND),
                        max_failure_ratio: Some(0.25),
                        order: Some(UpdateOrder::StartFirst),
                    }),
                    ..Deploy::default()
                },
            ),
            // a whole ratio, integer nanoseconds, the other choices
            (
                V::map([(
                    "update_config",
                    V::map([
                        ("max_failure_ratio", V::Int(1)),
                        ("delay", V::Int(500)),
                        ("failure_action", V::str("pause")),
                        ("order", V::str("stop-first")),
                    ]),
                )]),
                Deploy {
                    update_config: Some(UpdateConfig {
                        max_failure_ratio: Some(1.0),
                        delay: Some(500),
                        failure_action: Some(FailureAction::Pause),
                        order: Some(UpdateOrder::StopFirst),
                        ..UpdateConfig::default()
                    }),
                    ..Deploy::default()
                },
            ),
            (
                V::map([("update_config", V::map([("failure_action", V::str("continue"))]))]),
                Deploy {
                    update_config: Some(UpdateConfig {
                        failure_action: Some(FailureAction::Continue),
                        ..UpdateConfig::default()
                    }),
                    ..Deploy::default()
                },
            ),
            // set, even empty
            (
                V::map([("update_config", V::map::<&str>([]))]),
                Deploy {
                    update_config: Some(UpdateConfig::default()),
                    ..Deploy::default()
                },
            ),
            (
                V::map([(
                    "restart_policy",
                    V::map([
                        ("condition", V::str("on-failure")),
                        ("delay", V::str("5s")),
                        ("max_attempts", V::Int(3)),
                        ("window", V::str("2m")),
                    ]),
                )]),
                Deploy {
                    restart_policy: Some(RestartPolicy {
                        condition: Some(RestartCondition::OnFailure),
                        delay: Some(5 * SECOND),
                        max_attempts: Some(3),
                        window: Some(120 * SECOND),
                    }),
                    ..Deploy::default()
                },
            ),
            (
                V::map([("restart_policy", V::map([("condition", V::str("none"))]))]),
                Deploy {
                    restart_policy: Some(RestartPolicy {
                        condition: Some(RestartCondition::None),
                        ..RestartPolicy::default()
                    }),
                    ..Deploy::default()
                },
            ),
            (
                V::map([("restart_policy", V::map([("condition", V::str("any"))]))]),
                Deploy {
                    restart_policy: Some(RestartPolicy {
                        condition: Some(RestartCondition::Any),
                        ..RestartPolicy::default()
                    }),
                    ..Deploy::default()
                },
            ),
        ];
        for (input, want) in cases {
            let got = Deploy::parse(&input).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(got, want, "{input}");
            // read back normalised, and the same again
            let back = Deploy::parse(&got.to_value()).unwrap_or_else(|e| panic!("{input}: {e}"));
            assert_eq!(back, got, "{input} read back as {}", got.to_value());
        }
    }

    #[test]
    fn errors() {
        let deploy = |k: &str, v: V| V::map([(k, v)]);
        let cases: Vec<(V, &str)> = vec![
            (V::str("3"), "expected `deploy` as a mapping, found \"3\""),
            (
                deploy("replica", V::Int(3)),
                "unknown key `replica` in `deploy` (did you mean `replicas`?)",
            ),
            (
                deploy("resources", V::Null),
                "unknown key `resources` in `deploy` (expected `replicas`, `placement`, `endpoint_mode`, `publish_mode`, `update_config` or `restart_policy`)",
            ),
            (
                deploy("replicas", V::Int(-1)),
                "`replicas`: expected a whole number (0 or more), found -1",
            ),
            (
                deploy("replicas", V::str("3")),
                "`replicas`: expected a whole number (0 or more), found \"3\"",
            ),
            (
                deploy("placement", V::str("node.role == manager")),
                "expected `placement` as a mapping, found \"node.role == manager\"",
            ),
            (
                deploy("placement", V::map([("constraint", V::str("x"))])),
                "unknown key `constraint` in `placement` (did you mean `constraints`?)",
            ),
            (
                deploy("placement", V::map([("constraints", V::str("node.role"))])),
                "`placement.constraints`: invalid constraint `node.role`: expected `ATTRIBUTE == VALUE` or `ATTRIBUTE != VALUE`, e.g. `node.role == manager`",
            ),
            (
                deploy("placement", V::map([("constraints", V::str("== manager"))])),
                "`placement.constraints`: invalid constraint `== manager`",
            ),
            (
                deploy("placement", V::map([("constraints", V::List(vec![V::Bool(true)]))])),
                "`placement.constraints`: expected a placement constraint as a string, found true",
            ),
            (
                deploy(
                    "placement",
                    V::map([("preferences", V::map([("spred", V::str("node.labels.zone"))]))]),
                ),
                "unknown key `spred` in a placement preference (did you mean `spread`?)",
            ),
            (
                deploy("placement", V::map([("preferences", V::List(vec![V::Int(1)]))])),
                "`placement.preferences`: expected a node label to spread over (`\"node.labels.zone\"` or `#{ spread: \"node.labels.zone\" }`), found 1",
            ),
            (
                deploy("placement", V::map([("preferences", V::str(""))])),
                "`placement.preferences`: expected a node label to spread over",
            ),
            (
                deploy("endpoint_mode", V::str("vips")),
                "`endpoint_mode`: expected `vip` or `dnsrr`, found \"vips\" (did you mean `vip`?)",
            ),
            (
                deploy("endpoint_mode", V::Bool(true)),
                "`endpoint_mode`: expected `vip` or `dnsrr`, found true",
            ),
            (
                deploy("publish_mode", V::str("global")),
                "`publish_mode`: expected `ingress` or `host`, found \"global\"",
            ),
            (
                deploy("update_config", V::Int(1)),
                "expected `update_config` as a mapping, found 1",
            ),
            (
                deploy("update_config", V::map([("delya", V::str("1s"))])),
                "unknown key `delya` in `update_config` (did you mean `delay`?)",
            ),
            (
                deploy("update_config", V::map([("parallelism", V::Float(1.5))])),
                "`update_config.parallelism`: expected a whole number (0 or more), found 1.5",
            ),
            (
                deploy("update_config", V::map([("delay", V::str("2 fortnights"))])),
                "`update_config.delay`: invalid duration `2 fortnights`",
            ),
            (
                deploy("update_config", V::map([("monitor", V::Bool(true))])),
                "`update_config.monitor`: expected a duration such as \"30s\", found true",
            ),
            (
                deploy("update_config", V::map([("failure_action", V::str("stop"))])),
                "`update_config.failure_action`: expected `continue`, `pause` or `rollback`, found \"stop\"",
            ),
            (
                deploy("update_config", V::map([("max_failure_ratio", V::Float(1.5))])),
                "`update_config.max_failure_ratio`: expected a ratio from 0 to 1, found 1.5",
            ),
            (
                deploy("update_config", V::map([("max_failure_ratio", V::Int(2))])),
                "`update_config.max_failure_ratio`: expected a ratio from 0 to 1, found 2",
            ),
            (
                deploy("update_config", V::map([("order", V::str("start_first"))])),
                "`update_config.order`: expected `stop-first` or `start-first`, found \"start_first\" (did you mean `start-first`?)",
            ),
            (
                deploy("restart_policy", V::str("always")),
                "expected `restart_policy` as a mapping, found \"always\"",
            ),
            (
                deploy("restart_policy", V::map([("conditions", V::str("any"))])),
                "unknown key `conditions` in `restart_policy` (did you mean `condition`?)",
            ),
            (
                deploy("restart_policy", V::map([("condition", V::str("on_failure"))])),
                "`restart_policy.condition`: expected `none`, `on-failure` or `any`, found \"on_failure\" (did you mean `on-failure`?)",
            ),
            (
                deploy("restart_policy", V::map([("max_attempts", V::Int(-3))])),
                "`restart_policy.max_attempts`: expected a whole number (0 or more), found -3",
            ),
            (
                deploy("restart_policy", V::map([("window", V::str("1x"))])),
                "`restart_policy.window`: invalid duration `1x`",
            ),
            (
                deploy("restart_policy", V::map([("delay", V::Int(-1))])),
                "`restart_policy.delay`: expected a duration",
            ),
        ];
        for (input, want) in cases {
            match Deploy::parse(&input) {
                Ok(d) => panic!("{input}: parsed as {d:?}"),
                Err(e) => assert!(e.starts_with(want), "{input}:\n  got  {e}\n  want {want}"),
            }
        }
    }

    #[test]
    fn serialized_without_empty_fields() {
        let d = Deploy::parse(&V::map([
            ("replicas", V::Int(2)),
            ("placement", V::map([("preferences", V::str("node.labels.zone"))])),
            ("restart_policy", V::map([("condition", V::str("on-failure"))])),
        ]))
        .unwrap_or_default();
        let json = serde_json::to_string(&d).unwrap_or_default();
        assert_eq!(
            json,
            r#"{"replicas":2,"placement":{"preferences":[{"spread":"node.labels.zone"}]},"restart_policy":{"condition":"on-failure"}}"#
        );
        let back: Deploy = serde_json::from_str(&json).unwrap_or_default();
        assert_eq!(back, d);
        assert_eq!(
            serde_json::to_string(&Deploy::default()).unwrap_or_default(),
            "{}"
        );
    }
}
