//! `develop`: what `dmap up --watch` does when files change, as Compose's `develop.watch` rules
//! say it: `sync` copies changed files under `path` into the running container at `target`,
//! `restart` restarts it, `sync+restart` does both, `rebuild` builds its image again and
//! recreates it; `ignore` leaves out paths (patterns relative to `path`). A configuration without
//! rules is watched by the files its image's context holds.

use serde::Serialize;

use super::input::{invalid, kwargs, string, strings, InputError, InputResult};
use super::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub(crate) enum WatchAction {
    #[serde(rename = "sync")]
    Sync,
    #[serde(rename = "rebuild")]
    Rebuild,
    #[serde(rename = "restart")]
    Restart,
    #[serde(rename = "sync+restart")]
    SyncRestart,
}

impl WatchAction {
    pub(crate) const NAMES: [&'static str; 4] = ["sync", "rebuild", "restart", "sync+restart"];

    pub(crate) fn name(self) -> &'static str {
        match self {
            WatchAction::Sync => Self::NAMES[0],
            WatchAction::Rebuild => Self::NAMES[1],
            WatchAction::Restart => Self::NAMES[2],
            WatchAction::SyncRestart => Self::NAMES[3],
        }
    }

    /// Copies files into the container.
    pub(crate) fn syncs(self) -> bool {
        matches!(self, WatchAction::Sync | WatchAction::SyncRestart)
    }
}

/// One rule of `develop.watch`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct WatchRule {
    pub action: WatchAction,
    /// A file or directory of this machine, as written (relative to the file that wrote it).
    pub path: String,
    /// Where `sync` copies it in the container (an absolute path).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub target: Option<String>,
    /// Patterns (`.dockerignore`'s syntax) relative to `path` whose files the rule passes over.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub ignore: Vec<String>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) struct Develop {
    pub watch: Vec<WatchRule>,
}

const RULE_KEYS: [&str; 4] = ["action", "path", "target", "ignore"];

impl Develop {
    /// `#{ watch: [#{ action, path, target, ignore }, ...] }`; `()` is none.
    pub(crate) fn parse(value: &Value) -> InputResult<Option<Develop>> {
        let map = match value {
            Value::Null => return Ok(None),
            Value::Map(m) => m,
            other => return Err(InputError::expected("a mapping with `watch`", other)),
        };
        let get = kwargs(map, &["watch"], "`develop`")?;
        let rules = match get("watch") {
            Value::Null => Vec::new(),
            Value::List(items) => items
                .iter()
                .enumerate()
                .map(|(i, item)| {
                    WatchRule::parse(item).map_err(|e| e.within(format!("`watch` rule {}", i + 1)))
                })
                .collect::<InputResult<Vec<WatchRule>>>()?,
            other => return Err(InputError::expected("`watch` as a list of rules", other)),
        };
        Ok(Some(Develop { watch: rules }))
    }

    pub(crate) fn to_value(&self) -> Value {
        Value::map([(
            "watch",
            Value::List(self.watch.iter().map(WatchRule::to_value).collect()),
        )])
    }
}

impl WatchRule {
    fn parse(value: &Value) -> InputResult<WatchRule> {
        let Value::Map(map) = value else {
            return Err(InputError::expected("a rule (`#{ action, path, ... }`)", value));
        };
        let get = kwargs(map, &RULE_KEYS, "a `watch` rule")?;
        let text = string(get("action"), "`action`")?;
        let action = match WatchAction::NAMES.iter().position(|n| *n == text) {
            Some(0) => WatchAction::Sync,
            Some(1) => WatchAction::Rebuild,
            Some(2) => WatchAction::Restart,
            Some(_) => WatchAction::SyncRestart,
            None => {
                return Err(invalid!(
                    "unknown `action` `{text}`: expected {}",
                    WatchAction::NAMES.map(|n| format!("`{n}`")).join(", ")
                ))
            }
        };
        let path = string(get("path"), "`path`")?;
        if path.is_empty() {
            return Err(invalid!("`path` is empty"));
        }
        let target = match get("target") {
            Value::Null => None,
            v => Some(string(v, "`target`")?),
        };
        match (&target, action.syncs()) {
            (None, true) => return Err(invalid!("`{}` needs a `target` in the container", action.name())),
            (Some(t), true) if !t.starts_with('/') => {
                return Err(invalid!(
                    "`target` `{t}` is not an absolute path in the container"
                ))
            }
            _ => {}
        }
        let ignore = match get("ignore") {
            Value::Null => Vec::new(),
            v => strings(v, "`ignore` patterns")?,
        };
        Ok(WatchRule {
            action,
            path,
            target,
            ignore,
        })
    }

    fn to_value(&self) -> Value {
        let mut entries = vec![
            ("action", Value::str(self.action.name())),
            ("path", Value::str(self.path.clone())),
        ];
        if let Some(t) = &self.target {
            entries.push(("target", Value::str(t.clone())));
        }
        if !self.ignore.is_empty() {
            entries.push(("ignore", Value::strs(&self.ignore)));
        }
        Value::map(entries)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(entries: &[(&str, Value)]) -> Value {
        Value::map([(
            "watch",
            Value::List(vec![Value::map(
                entries.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>(),
            )]),
        )])
    }

    #[test]
    fn watch_rules_are_read_as_compose_writes_them() {
        let sync = rule(&[
            ("action", Value::str("sync")),
            ("path", Value::str("./src")),
            ("target", Value::str("/app/src")),
            ("ignore", Value::strs(&["node_modules/".to_string()])),
        ]);
        let d = Develop::parse(&sync).expect("parses").expect("some");
        assert_eq!(
            d.watch,
            [WatchRule {
                action: WatchAction::Sync,
                path: "./src".into(),
                target: Some("/app/src".into()),
                ignore: vec!["node_modules/".into()],
            }]
        );
        assert_eq!(Develop::parse(&d.to_value()).expect("again"), Some(d));
        let cases: [(Value, &str); 5] = [
            (
                rule(&[("action", Value::str("copy")), ("path", Value::str("a"))]),
                "`watch` rule 1: unknown `action` `copy`: expected `sync`, `rebuild`, `restart`, `sync+restart`",
            ),
            (
                rule(&[("action", Value::str("sync")), ("path", Value::str("a"))]),
                "`watch` rule 1: `sync` needs a `target` in the container",
            ),
            (
                rule(&[
                    ("action", Value::str("sync+restart")),
                    ("path", Value::str("a")),
                    ("target", Value::str("app")),
                ]),
                "`watch` rule 1: `target` `app` is not an absolute path in the container",
            ),
            (
                rule(&[("action", Value::str("rebuild")), ("path", Value::str("a")), ("when", Value::Null)]),
                "`watch` rule 1: unknown key `when` in a `watch` rule (expected `action`, `path`, `target`, `ignore`)",
            ),
            (Value::str("yes"), "expected a mapping with `watch`, found \"yes\""),
        ];
        for (value, message) in cases {
            let got = Develop::parse(&value).map(|_| ()).map_err(|e| e.to_string());
            assert_eq!(got, Err(message.to_string()));
        }
    }
}
