//! The shapes a keyword's value may take, and how each is normalised when it is set: the form the
//! model keeps (and `dmap show` prints) is the map's, as written but canonical.

use crate::model::input::invalid;
use std::collections::BTreeMap;

use super::size::parse_bytes;
use crate::model::healthcheck::HealthCheck;
use crate::model::input::{InputError, InputResult};
use crate::model::value::Value;

/// The shape a keyword's value must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Shape {
    Str,
    Int,
    Bool,
    /// An integer number of bytes or a size such as `"64m"`.
    Bytes,
    /// A size, or -1 for no limit.
    SwapBytes,
    /// A command: a string (split as a shell would) or a list of words.
    Command,
    StrList,
    /// Container paths, as strings (the Engine takes them as the keys of a mapping).
    Paths,
    /// A mapping of strings to strings (labels, sysctls, options).
    StrMap,
    /// `{K: V}` or `["K=V"]`; kept as a mapping.
    Env,
    /// One of these words.
    OneOf(&'static [&'static str]),
    /// A signal name (`SIGINT`, `INT`) or number.
    Signal,
    /// `{Name, MaximumRetryCount}` or docker's `"on-failure:3"`; kept as the mapping.
    RestartPolicy,
    Healthcheck,
    /// `["host:container:mode"]` or docker-py's `{host: container | {bind, mode | ro}}`.
    Binds,
    /// `[{Path, Weight}]` or `["path:weight"]`.
    WeightDevices,
    /// `[{Path, Rate}]` or `["path:rate"]`; `sized` rates accept sizes such as `"1m"`.
    Throttle {
        sized: bool,
    },
    DeviceRequests,
    /// `["/dev/host[:/dev/container][:rwm]"]`.
    Devices,
    /// `{a: b}` or `["a:b"]` / `[[a, b]]` (links, extra hosts).
    Pairs,
    LogConfig,
    Mounts,
    PortBindings,
    /// `{path: options}` or `["path[:options]"]`.
    Tmpfs,
    /// `[{name, soft, hard}]` or `["name=soft[:hard]"]`.
    Ulimits,
}

impl Shape {
    /// The value in the model's canonical form; an error says what was expected. Shapes with
    /// inner structure are kept as written and checked in full by their Engine form.
    pub(crate) fn normalise(self, value: &Value) -> InputResult<Value> {
        let fail = |expected: &str| Err(InputError::expected(expected, value));
        match (self, value) {
            (_, Value::Null) => Ok(Value::Null),
            (Shape::Str, Value::Str(_)) => Ok(value.clone()),
            (Shape::Str, Value::Int(i)) => Ok(Value::str(i.to_string())),
            (Shape::Str, _) => fail("a string"),
            (Shape::Int, Value::Int(_)) => Ok(value.clone()),
            (Shape::Int, _) => fail("an integer"),
            (Shape::Bool, Value::Bool(_)) => Ok(value.clone()),
            (Shape::Bool, _) => fail("a boolean"),
            (Shape::Bytes, Value::Int(i)) if *i >= 0 => Ok(value.clone()),
            (Shape::SwapBytes, Value::Int(i)) if *i >= -1 => Ok(value.clone()),
            (Shape::SwapBytes, Value::Str(s)) if s.trim() == "-1" => Ok(value.clone()),
            (Shape::Bytes | Shape::SwapBytes, Value::Str(s)) => parse_bytes(s).map(|_| value.clone()),
            (Shape::Bytes | Shape::SwapBytes, _) => fail("a size such as \"64m\""),
            (Shape::Command, Value::Str(_)) => Ok(value.clone()),
            (Shape::Command, Value::List(words)) => scalar_texts(words)
                .map(Value::List)
                .or_else(|()| fail("a string or a list of words")),
            (Shape::Command, _) => fail("a string or a list of words"),
            (Shape::StrList | Shape::Paths, Value::Str(_)) => Ok(Value::List(vec![value.clone()])),
            (Shape::StrList | Shape::Paths, Value::List(items)) => scalar_texts(items)
                .map(Value::List)
                .or_else(|()| fail("a list of strings")),
            (Shape::StrList | Shape::Paths, _) => fail("a list of strings"),
            (Shape::StrMap, Value::Map(map)) => map
                .iter()
                .map(|(k, v)| v.scalar_text().map(|t| (k.clone(), Value::Str(t))).ok_or(()))
                .collect::<Result<BTreeMap<_, _>, ()>>()
                .map(Value::Map)
                .or_else(|()| fail("a mapping of strings")),
            (Shape::StrMap, _) => fail("a mapping of strings"),
            (Shape::Env, _) => environment(value),
            (Shape::OneOf(words), Value::Str(s)) if words.contains(&s.as_str()) => Ok(value.clone()),
            (Shape::OneOf(words), _) => Err(invalid!(
                "expected one of {}, found {value}",
                words
                    .iter()
                    .filter(|w| !w.is_empty())
                    .map(|w| format!("`{w}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            (Shape::Signal, _) => Ok(signal(value)?.map_or(Value::Null, Value::Str)),
            (Shape::RestartPolicy, _) => restart_policy(value),
            (Shape::Healthcheck, _) => HealthCheck::parse(value).map(|_| value.clone()),
            (
                Shape::Binds
                | Shape::WeightDevices
                | Shape::Throttle { .. }
                | Shape::DeviceRequests
                | Shape::Devices
                | Shape::Pairs
                | Shape::LogConfig
                | Shape::Mounts
                | Shape::PortBindings
                | Shape::Tmpfs
                | Shape::Ulimits,
                _,
            ) => Ok(value.clone()),
        }
    }
}

impl Shape {
    /// Whether a normalised value of this shape is sure to have an Engine form: else setting it
    /// also works that form out, so that a malformed value fails where it is set.
    pub(crate) fn normalise_checks_all(self) -> bool {
        matches!(
            self,
            Shape::Str
                | Shape::Int
                | Shape::Bool
                | Shape::Bytes
                | Shape::SwapBytes
                | Shape::StrList
                | Shape::Paths
                | Shape::StrMap
                | Shape::Env
                | Shape::OneOf(_)
                | Shape::Signal
                | Shape::RestartPolicy
        )
    }
}

fn scalar_texts(items: &[Value]) -> Result<Vec<Value>, ()> {
    items
        .iter()
        .map(|w| w.scalar_text().map(Value::Str).ok_or(()))
        .collect()
}

/// `{K: V}` (a null value is empty) or `["K=V"]`, as a mapping. The Engine reads `K=V` entries:
/// a name with `=` would split elsewhere, and an entry without one is no variable.
/// (Its errors name variables and the kinds of values, never a value: an environment holds
/// secrets.)
fn environment(value: &Value) -> InputResult<Value> {
    let expected = |v: &Value| {
        invalid!(
            "expected a mapping of variables or a list of `K=V`, found {}",
            v.type_name()
        )
    };
    match value {
        Value::Map(map) => {
            if let Some(bad) = map.keys().find(|k| k.is_empty() || k.contains('=')) {
                return Err(match bad.split_once('=') {
                    Some((name, _)) => {
                        invalid!("invalid environment variable name `{name}=…`: a name has no `=`")
                    }
                    None => invalid!("an environment variable has an empty name"),
                });
            }
            map.iter()
                .map(|(k, v)| match v {
                    Value::Null => Ok((k.clone(), Value::str(""))),
                    v => v
                        .scalar_text()
                        .map(|t| (k.clone(), Value::Str(t)))
                        .ok_or_else(|| {
                            invalid!(
                                "environment variable `{k}`: expected text, a number or a boolean, found {}",
                                v.type_name()
                            )
                        }),
                })
                .collect::<InputResult<BTreeMap<_, _>>>()
                .map(Value::Map)
        }
        Value::List(items) => {
            let mut env = BTreeMap::new();
            for item in items {
                let text = item
                    .as_str()
                    .ok_or_else(|| invalid!("expected `K=V`, found {}", item.type_name()))?;
                let Some((k, v)) = text.split_once('=') else {
                    return Err(invalid!(
                        "environment entry `{text}` has no `=`: write `{text}=` for an empty value"
                    ));
                };
                if k.is_empty() {
                    return Err(invalid!("an environment entry has no name before its `=`"));
                }
                env.insert(k.to_string(), Value::str(v));
            }
            Ok(Value::Map(env))
        }
        other => Err(expected(other)),
    }
}

/// A signal by name or number, as the Engine takes it.
pub(crate) fn signal(value: &Value) -> InputResult<Option<String>> {
    let text = match value {
        Value::Null => return Ok(None),
        Value::Int(i) if (1..=64).contains(i) => return Ok(Some(i.to_string())),
        Value::Str(s) => s.clone(),
        other => return Err(InputError::expected("a signal name such as `SIGINT`", other)),
    };
    if is_linux_signal(&text) {
        Ok(Some(text))
    } else {
        Err(invalid!(
            "unknown signal `{text}`: expected a Linux signal name such as `SIGINT` or `TERM`, `SIGRTMIN+n`, `SIGRTMAX-n`, or a number from 1 to 64"
        ))
    }
}

/// The Linux signal names the Engine knows (without `SIG`).
const SIGNALS: [&str; 36] = [
    "ABRT", "ALRM", "BUS", "CHLD", "CLD", "CONT", "FPE", "HUP", "ILL", "INT", "IO", "IOT", "KILL", "PIPE",
    "POLL", "PROF", "PWR", "QUIT", "RTMAX", "RTMIN", "SEGV", "STKFLT", "STOP", "SYS", "TERM", "TRAP", "TSTP",
    "TTIN", "TTOU", "URG", "USR1", "USR2", "VTALRM", "WINCH", "XCPU", "XFSZ",
];

/// What the Engine's signal parser accepts on Linux: a number from 1 to 64, or a name in any
/// case, with or without `SIG`, including the real-time `RTMIN+1`..`RTMIN+15` and
/// `RTMAX-14`..`RTMAX-1`.
fn is_linux_signal(text: &str) -> bool {
    if let Ok(n) = text.parse::<i64>() {
        return (1..=64).contains(&n);
    }
    let upper = text.to_ascii_uppercase();
    let name = upper.strip_prefix("SIG").unwrap_or(&upper);
    // The Engine spells the offsets without leading zeros or signs.
    let offset = |rest: &str, max: u8| {
        !rest.starts_with('0') && rest.parse::<u8>().is_ok_and(|n| (1..=max).contains(&n))
    };
    match (name.strip_prefix("RTMIN+"), name.strip_prefix("RTMAX-")) {
        (Some(rest), _) => offset(rest, 15),
        (_, Some(rest)) => offset(rest, 14),
        _ => SIGNALS.contains(&name),
    }
}

/// The restart policies the Engine knows.
pub(super) const RESTART_POLICIES: [&str; 5] = ["", "no", "always", "unless-stopped", "on-failure"];

/// A known policy name (what the Engine takes with it is a limit: [`super::Limit`]).
fn policy(name: &str) -> InputResult<()> {
    if RESTART_POLICIES.contains(&name) {
        Ok(())
    } else {
        Err(invalid!("unknown restart policy `{name}`"))
    }
}

fn restart_policy(value: &Value) -> InputResult<Value> {
    match value {
        Value::Str(text) => {
            let (name, count) = match text.split_once(':') {
                Some((n, c)) => (
                    n,
                    c.parse::<i64>()
                        .map_err(|_| invalid!("invalid restart policy `{text}`"))?,
                ),
                None => (text.as_str(), 0),
            };
            policy(name)?;
            Ok(Value::map([
                ("MaximumRetryCount", Value::Int(count)),
                ("Name", Value::str(name)),
            ]))
        }
        Value::Map(map) => {
            let name = map
                .get("Name")
                .and_then(Value::as_str)
                .ok_or_else(|| invalid!("restart policy {value} needs a `Name`"))?;
            if let Some(bad) = map.keys().find(|k| *k != "Name" && *k != "MaximumRetryCount") {
                return Err(invalid!("unknown restart policy key `{bad}`"));
            }
            policy(name)?;
            match map.get("MaximumRetryCount") {
                None | Some(Value::Int(_)) => Ok(value.clone()),
                Some(other) => Err(invalid!(
                    "restart policy `MaximumRetryCount` must be an integer, found {other}"
                )),
            }
        }
        _ => Err(InputError::expected(
            "a restart policy such as {Name: \"always\"} or \"on-failure:3\"",
            value,
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn environments_are_k_v() {
        let list = |items: &[&str]| Value::List(items.iter().map(|i| Value::str(*i)).collect());
        // (the value, the mapping kept, or the start of the error)
        let cases: Vec<(Value, Result<Value, &str>)> = vec![
            (
                list(&["A=1", "B=x=y", "C="]),
                Ok(Value::map([
                    ("A", Value::str("1")),
                    ("B", Value::str("x=y")),
                    ("C", Value::str("")),
                ])),
            ),
            (
                Value::map([("A", Value::Int(1)), ("C", Value::Null)]),
                Ok(Value::map([("A", Value::str("1")), ("C", Value::str(""))])),
            ),
            (
                list(&["A"]),
                Err("environment entry `A` has no `=`: write `A=` for an empty value"),
            ),
            (list(&["A=1", "B"]), Err("environment entry `B` has no `=`")),
            (
                list(&["=1"]),
                Err("an environment entry has no name before its `=`"),
            ),
            (
                Value::map([("PASSWORD", Value::List(vec![Value::str("hunter2")]))]),
                Err("environment variable `PASSWORD`: expected text, a number or a boolean, found a list"),
            ),
            (
                Value::str("PASSWORD=hunter2"),
                Err("expected a mapping of variables or a list of `K=V`, found a string"),
            ),
            (
                Value::map([("A=B", Value::str("1"))]),
                Err("invalid environment variable name `A=…`: a name has no `=`"),
            ),
            (
                Value::map([("", Value::str("1"))]),
                Err("an environment variable has an empty name"),
            ),
        ];
        for (value, want) in cases {
            match (environment(&value), want) {
                (Ok(got), Ok(kept)) => assert_eq!(got, kept, "{value}"),
                (Err(e), Err(start)) => assert!(e.to_string().starts_with(start), "{value}: {e}"),
                (got, want) => panic!("{value}: {got:?}, expected {want:?}"),
            }
        }
    }

    #[test]
    fn signals_are_those_the_engine_knows_on_linux() {
        let known = [
            "SIGTERM",
            "TERM",
            "sigterm",
            "Int",
            "SIGKILL",
            "SIGUSR1",
            "SIGWINCH",
            "SIGIOT",
            "SIGRTMIN",
            "SIGRTMIN+1",
            "RTMIN+15",
            "SIGRTMAX-14",
            "SIGRTMAX-1",
            "SIGRTMAX",
            "1",
            "9",
            "64",
        ];
        for text in known {
            assert_eq!(
                signal(&Value::str(text)).unwrap(),
                Some(text.to_string()),
                "{text}"
            );
        }
        for n in [1, 15, 64] {
            assert_eq!(signal(&Value::Int(n)).unwrap(), Some(n.to_string()));
        }
        let unknown = [
            "SIGFOO",
            "FOO",
            "SIG",
            "",
            "SIGTERM ",
            "sig int",
            "0",
            "65",
            "-1",
            "SIGRTMIN+0",
            "SIGRTMIN+16",
            "SIGRTMIN+01",
            "SIGRTMAX-15",
            "SIGRTMAX+1",
            "SIGRTMIN-1",
            "SIGSIGTERM",
        ];
        for text in unknown {
            let err = signal(&Value::str(text)).unwrap_err().to_string();
            assert!(
                err.starts_with(&format!("unknown signal `{text}`")),
                "{text}: {err}"
            );
        }
        for value in [Value::Int(0), Value::Int(65), Value::Bool(true)] {
            assert!(signal(&value).is_err(), "{value}");
        }
    }
}
