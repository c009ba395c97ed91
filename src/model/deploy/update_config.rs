//! `deploy.update_config`: how the Swarm rolls a changed service out over its tasks.

use crate::model::input::invalid;
use serde::{Deserialize, Serialize};

use super::fields::{choice, int, keys, nanos, whole};
use crate::model::input::InputResult;
use crate::model::value::Value;

#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct UpdateConfig {
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

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum FailureAction {
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

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            FailureAction::Continue => "continue",
            FailureAction::Pause => "pause",
            FailureAction::Rollback => "rollback",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum UpdateOrder {
    StopFirst,
    StartFirst,
}

impl UpdateOrder {
    const ALL: [UpdateOrder; 2] = [UpdateOrder::StopFirst, UpdateOrder::StartFirst];

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            UpdateOrder::StopFirst => "stop-first",
            UpdateOrder::StartFirst => "start-first",
        }
    }
}

const UPDATE_FIELDS: [&str; 6] = [
    "parallelism",
    "delay",
    "failure_action",
    "monitor",
    "max_failure_ratio",
    "order",
];

impl UpdateConfig {
    pub(super) fn parse(value: &Value) -> InputResult<UpdateConfig> {
        let get = keys(value, &UPDATE_FIELDS, "`update_config`")?;
        let max_failure_ratio = match get("max_failure_ratio") {
            Value::Null => None,
            Value::Int(i @ (0 | 1)) => Some(*i as f64),
            Value::Float(f) if (0.0..=1.0).contains(f) => Some(*f),
            other => {
                return Err(invalid!(
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

    pub(super) fn to_value(&self) -> Value {
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
