//! `deploy.restart_policy`: when the Swarm restarts a service's tasks.

use serde::{Deserialize, Serialize};

use super::fields::{choice, int, keys, nanos, whole};
use crate::model::input::InputResult;
use crate::model::value::Value;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct RestartPolicy {
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
#[serde(rename_all = "kebab-case")]
pub(crate) enum RestartCondition {
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

    pub(crate) fn as_str(self) -> &'static str {
        match self {
            RestartCondition::None => "none",
            RestartCondition::OnFailure => "on-failure",
            RestartCondition::Any => "any",
        }
    }
}

const RESTART_FIELDS: [&str; 4] = ["condition", "delay", "max_attempts", "window"];

impl RestartPolicy {
    pub(super) fn parse(value: &Value) -> InputResult<RestartPolicy> {
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

    pub(super) fn to_value(&self) -> Value {
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
