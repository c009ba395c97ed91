//! `exec_commands`: commands run in a container after dmap starts it.

use crate::model::input::{invalid, InputError};
use serde::Serialize;

use super::input::{items, kwargs, opt_string, tuple, InputResult, Item};
use super::value::Value;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ExecPolicy {
    /// After every start dmap performs.
    Restart,
    /// Only after the first start of a newly created container.
    Initial,
}

impl ExecPolicy {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            ExecPolicy::Restart => "restart",
            ExecPolicy::Initial => "initial",
        }
    }
}

/// A command: a shell-like string (split into words when run) or an argument list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(untagged)]
pub(crate) enum Command {
    Line(String),
    Argv(Vec<String>),
}

impl Command {
    pub(crate) fn parse(value: &Value) -> InputResult<Command> {
        match value {
            Value::Str(s) if !s.trim().is_empty() => Ok(Command::Line(s.clone())),
            Value::List(items) if !items.is_empty() => items
                .iter()
                .map(|v| {
                    v.scalar_text()
                        .ok_or_else(|| InputError::expected("a command word", v))
                })
                .collect::<InputResult<Vec<_>>>()
                .map(Command::Argv),
            other => Err(InputError::expected(
                "a command (a string or a list of words)",
                other,
            )),
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        match self {
            Command::Line(s) => Value::str(s),
            Command::Argv(words) => Value::strs(words),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct ExecCommand {
    pub cmd: Command,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<String>,
    pub policy: ExecPolicy,
}

impl ExecCommand {
    pub(crate) fn parse_list(value: &Value) -> InputResult<Vec<ExecCommand>> {
        let mut out: Vec<ExecCommand> = Vec::new();
        for item in items(value, &["cmd", "user", "policy"], &["cmd"]) {
            let cmd = ExecCommand::parse(&item)?;
            if !out.contains(&cmd) {
                out.push(cmd);
            }
        }
        Ok(out)
    }

    fn parse(item: &Item) -> InputResult<ExecCommand> {
        let null = Value::Null;
        match item {
            Item::Pair(k, v) => exec(&Value::str(k), v, &null),
            Item::Single(Value::Map(map)) => {
                let get = kwargs(map, &["cmd", "user", "policy"], "an exec command")?;
                exec(get("cmd"), get("user"), get("policy"))
            }
            Item::Single(v @ Value::Str(_)) => exec(v, &null, &null),
            Item::Single(v) => match tuple(v).as_slice() {
                [c] => exec(c, &null, &null),
                [c, u] => exec(c, u, &null),
                [c, u, p] => exec(c, u, p),
                other => Err(invalid!(
                    "invalid exec command {}: expected cmd, [cmd], [cmd, user] or [cmd, user, policy] (an argument list is nested: [[\"a\", \"b\"]])",
                    Value::List(other.to_vec())
                )),
            },
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut entries = vec![("cmd", self.cmd.to_value())];
        if let Some(u) = &self.user {
            entries.push(("user", Value::str(u)));
        }
        let policy = match self.policy {
            ExecPolicy::Restart => "restart",
            ExecPolicy::Initial => "initial",
        };
        entries.push(("policy", Value::str(policy)));
        Value::map(entries)
    }
}

fn exec(cmd: &Value, user: &Value, policy: &Value) -> InputResult<ExecCommand> {
    let cmd = Command::parse(cmd)?;
    let user = match user {
        Value::Int(i) => Some(i.to_string()),
        other => opt_string(other, "an exec user")?,
    };
    let policy = match policy {
        Value::Null => ExecPolicy::Restart,
        Value::Str(s) if s == "restart" => ExecPolicy::Restart,
        Value::Str(s) if s == "initial" => ExecPolicy::Initial,
        other => {
            return Err(invalid!(
                "invalid exec policy {other}: expected `restart` or `initial`"
            ))
        }
    };
    Ok(ExecCommand { cmd, user, policy })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::value::Value as V;

    fn argv(words: &[&str]) -> Command {
        Command::Argv(words.iter().map(|w| w.to_string()).collect())
    }

    #[test]
    fn exec_items() {
        let abc = V::List(vec![V::str("a"), V::str("b"), V::str("c")]);
        // Each item form of a list: an argument list alone, a line with its user, an argument
        // list with user and policy.
        let input = V::List(vec![
            V::List(vec![abc.clone()]),
            V::List(vec![V::str("a b c"), V::str("user")]),
            V::List(vec![abc.clone(), V::str("root"), V::str("initial")]),
        ]);
        assert_eq!(
            ExecCommand::parse_list(&input).unwrap(),
            vec![
                ExecCommand {
                    cmd: argv(&["a", "b", "c"]),
                    user: None,
                    policy: ExecPolicy::Restart
                },
                ExecCommand {
                    cmd: Command::Line("a b c".into()),
                    user: Some("user".into()),
                    policy: ExecPolicy::Restart
                },
                ExecCommand {
                    cmd: argv(&["a", "b", "c"]),
                    user: Some("root".into()),
                    policy: ExecPolicy::Initial
                },
            ]
        );
        assert_eq!(
            ExecCommand::parse_list(&V::str("a b c")).unwrap(),
            vec![ExecCommand {
                cmd: Command::Line("a b c".into()),
                user: None,
                policy: ExecPolicy::Restart
            }]
        );
        let kw = V::map([("cmd", V::str("x")), ("policy", V::str("initial"))]);
        assert_eq!(
            ExecCommand::parse_list(&kw).unwrap()[0].policy,
            ExecPolicy::Initial
        );
        // a flat argument list is positional: `c` is no policy
        let err = ExecCommand::parse_list(&V::List(vec![abc]))
            .unwrap_err()
            .to_string();
        assert!(err.contains("exec policy"), "{err}");
        assert!(ExecCommand::parse_list(&V::List(vec![V::str("")])).is_err());
    }
}
