//! The options of an action (docker-map's and the spec's), by name, as recipes and verbs give
//! them; `force_update` names containers with the target grammar.

use std::collections::BTreeMap;

use crate::model::target::{self, TargetError};
use crate::model::{Checked, Value};
use crate::runtime::plan;

/// An option a recipe or verb gave that dmap can't take.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub(crate) enum OptionsError {
    #[error("option `{key}`: expected true or false, found {found}")]
    NotAFlag { key: String, found: &'static str },
    #[error("option `force_update`: expected a target or an array of them, found {found}")]
    NotTargets { found: &'static str },
    #[error("unknown option `{name}`{}", suggestion.map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    Unknown {
        name: String,
        suggestion: Option<&'static str>,
    },
    /// The target error is the message's own end, not a cause printed again.
    #[error("option `force_update`: {error}")]
    ForceUpdate { error: TargetError },
}

/// Every option name, for messages and suggestions.
pub(crate) const NAMES: [&str; 10] = [
    "remove_persistent",
    "remove_attached",
    "update_persistent",
    "adopt",
    "remove_orphans",
    "recreate_volumes",
    "pull_all_images",
    "pull_before_update",
    "restart_exec_commands",
    "force_update",
];

/// Options as given: flags, and `force_update` targets not yet expanded.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Options {
    pub flags: plan::Options,
    pub force_update: Vec<String>,
}

impl Options {
    /// Reads options from `name → value`; an unknown name or a value of the wrong shape is an
    /// error naming it.
    pub(crate) fn parse(values: &BTreeMap<String, Value>) -> Result<Options, OptionsError> {
        let mut o = Options::default();
        for (key, value) in values {
            let flag = || match value {
                Value::Bool(b) => Ok(*b),
                other => Err(OptionsError::NotAFlag {
                    key: key.clone(),
                    found: other.type_name(),
                }),
            };
            let f = &mut o.flags;
            match key.as_str() {
                "remove_persistent" => f.remove_persistent = flag()?,
                "remove_attached" => f.remove_attached = flag()?,
                "update_persistent" => f.update_persistent = flag()?,
                "adopt" => f.adopt = flag()?,
                "remove_orphans" => f.remove_orphans = flag()?,
                "recreate_volumes" => f.recreate_volumes = flag()?,
                "pull_all_images" => f.pull_all_images = flag()?,
                "pull_before_update" => f.pull_before_update = flag()?,
                "restart_exec_commands" => f.restart_exec_commands = flag()?,
                "force_update" => {
                    o.force_update = target_list(value).map_err(|found| OptionsError::NotTargets { found })?
                }
                other => {
                    return Err(OptionsError::Unknown {
                        name: other.to_string(),
                        suggestion: crate::model::suggest::closest(other, NAMES),
                    })
                }
            }
        }
        Ok(o)
    }

    /// The planner's options: `force_update` expanded to Engine names.
    pub(crate) fn resolve(&self, checked: &[Checked]) -> Result<plan::Options, OptionsError> {
        let mut flags = self.flags.clone();
        if !self.force_update.is_empty() {
            let ids = target::expand_targets(&self.force_update, checked)
                .map_err(|error| OptionsError::ForceUpdate { error })?;
            flags.force_update = ids.iter().map(|id| id.engine_name(checked)).collect();
        }
        Ok(flags)
    }
}

fn target_list(value: &Value) -> Result<Vec<String>, &'static str> {
    match value {
        Value::Str(s) => Ok(vec![s.clone()]),
        Value::List(items) => items
            .iter()
            .map(|i| i.as_str().map(str::to_string).ok_or(i.type_name()))
            .collect(),
        other => Err(other.type_name()),
    }
}
