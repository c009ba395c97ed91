//! `deploy.placement`: where the Swarm may run a service's tasks, by constraints on its nodes and
//! preferences to spread them over node labels.

use crate::model::input::invalid;
use serde::{Deserialize, Serialize};

use super::fields::keys;
use crate::model::input::{strings, InputResult};
use crate::model::value::Value;

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub(crate) struct Placement {
    /// `node.role == manager`, `node.labels.zone != east`, ...
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferences: Vec<Preference>,
}

/// A placement preference: tasks spread evenly over the values of a node label.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Preference {
    pub spread: String,
}

const PLACEMENT_FIELDS: [&str; 2] = ["constraints", "preferences"];

impl Placement {
    pub(crate) fn is_empty(&self) -> bool {
        self.constraints.is_empty() && self.preferences.is_empty()
    }

    pub(super) fn parse(value: &Value) -> InputResult<Placement> {
        if value.is_null() {
            return Ok(Placement::default());
        }
        let get = keys(value, &PLACEMENT_FIELDS, "`placement`")?;
        let constraints = strings(get("constraints"), "a placement constraint")
            .map_err(|e| e.within("`placement.constraints`"))?;
        for c in &constraints {
            constraint(c).map_err(|e| e.within("`placement.constraints`"))?;
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

    pub(super) fn to_value(&self) -> Value {
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
        _ => Err(invalid!(
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
        _ => Err(invalid!(
            "`placement.preferences`: expected a node label to spread over (`\"node.labels.zone\"` or `#{{ spread: \"node.labels.zone\" }}`), found {value}"
        )),
    }
}
