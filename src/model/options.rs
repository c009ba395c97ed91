//! `create_options` and `host_config`: docker-py's keyword names, checked by name and shape here
//! and translated to the Engine API by the runtime.

use std::collections::BTreeMap;

use super::input::InputResult;
use super::value::Value;

/// The shape a keyword's value must have.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shape {
    Str,
    Int,
    Bool,
    /// An integer number of bytes or a size such as `"64m"`.
    Bytes,
    /// A command: a string or a list of words.
    Command,
    StrList,
    /// A mapping of strings to strings (labels, sysctls, options).
    StrMap,
    /// `{K: V}` or `["K=V"]`; stored as a mapping.
    Env,
    RestartPolicy,
    /// Checked by the runtime when it translates the value.
    Any,
}

/// Keywords of docker-py's `create_container` that dmap accepts in `create_options`.
pub const CREATE_KEYS: &[(&str, Shape)] = &[
    ("command", Shape::Command),
    ("domainname", Shape::Str),
    ("entrypoint", Shape::Command),
    ("environment", Shape::Env),
    ("healthcheck", Shape::Any),
    ("hostname", Shape::Str),
    ("labels", Shape::StrMap),
    ("mac_address", Shape::Str),
    ("network_disabled", Shape::Bool),
    ("platform", Shape::Str),
    ("runtime", Shape::Str),
    ("stdin_open", Shape::Bool),
    ("stop_signal", Shape::Str),
    ("stop_timeout", Shape::Int),
    ("tty", Shape::Bool),
    ("user", Shape::Str),
    ("volumes", Shape::StrList),
    ("working_dir", Shape::Str),
];

/// Keywords of docker-py's `create_host_config`, accepted in `host_config` and, as docker-map
/// allows, in `create_options`.
pub const HOST_CONFIG_KEYS: &[(&str, Shape)] = &[
    ("auto_remove", Shape::Bool),
    ("binds", Shape::Any),
    ("blkio_weight", Shape::Int),
    ("blkio_weight_device", Shape::Any),
    ("cap_add", Shape::StrList),
    ("cap_drop", Shape::StrList),
    ("cgroup_parent", Shape::Str),
    ("cgroupns", Shape::Str),
    ("cpu_count", Shape::Int),
    ("cpu_percent", Shape::Int),
    ("cpu_period", Shape::Int),
    ("cpu_quota", Shape::Int),
    ("cpu_rt_period", Shape::Int),
    ("cpu_rt_runtime", Shape::Int),
    ("cpu_shares", Shape::Int),
    ("cpuset_cpus", Shape::Str),
    ("cpuset_mems", Shape::Str),
    ("device_cgroup_rules", Shape::StrList),
    ("device_read_bps", Shape::Any),
    ("device_read_iops", Shape::Any),
    ("device_requests", Shape::Any),
    ("device_write_bps", Shape::Any),
    ("device_write_iops", Shape::Any),
    ("devices", Shape::StrList),
    ("dns", Shape::StrList),
    ("dns_opt", Shape::StrList),
    ("dns_search", Shape::StrList),
    ("extra_hosts", Shape::Any),
    ("group_add", Shape::StrList),
    ("init", Shape::Bool),
    ("ipc_mode", Shape::Str),
    ("isolation", Shape::Str),
    ("links", Shape::Any),
    ("log_config", Shape::Any),
    ("mem_limit", Shape::Bytes),
    ("mem_reservation", Shape::Bytes),
    ("mem_swappiness", Shape::Int),
    ("memswap_limit", Shape::Bytes),
    ("mounts", Shape::Any),
    ("nano_cpus", Shape::Int),
    ("network_mode", Shape::Str),
    ("oom_kill_disable", Shape::Bool),
    ("oom_score_adj", Shape::Int),
    ("pid_mode", Shape::Str),
    ("pids_limit", Shape::Int),
    ("port_bindings", Shape::Any),
    ("privileged", Shape::Bool),
    ("publish_all_ports", Shape::Bool),
    ("read_only", Shape::Bool),
    ("restart_policy", Shape::RestartPolicy),
    ("security_opt", Shape::StrList),
    ("shm_size", Shape::Bytes),
    ("storage_opt", Shape::StrMap),
    ("sysctls", Shape::StrMap),
    ("tmpfs", Shape::Any),
    ("ulimits", Shape::Any),
    ("userns_mode", Shape::Str),
    ("uts_mode", Shape::Str),
    ("volume_driver", Shape::Str),
    ("volumes_from", Shape::StrList),
];

/// docker-py keywords the Engine API no longer has: refused with the reason, never dropped.
const WITHDRAWN: &[(&str, &str)] = &[(
    "kernel_memory",
    "the Docker Engine API removed kernel memory limits (API 1.42); limit `mem_limit` instead",
)];

fn shape_of(key: &str, with_create: bool) -> Option<Shape> {
    let find = |table: &[(&str, Shape)]| table.iter().find(|(k, _)| *k == key).map(|(_, s)| *s);
    if with_create {
        find(CREATE_KEYS).or_else(|| find(HOST_CONFIG_KEYS))
    } else {
        find(HOST_CONFIG_KEYS)
    }
}

/// Checks and normalises `create_options` (`with_create`) or `host_config`.
pub fn parse(value: &Value, with_create: bool) -> InputResult<BTreeMap<String, Value>> {
    let what = if with_create {
        "create_options"
    } else {
        "host_config"
    };
    let map = match value {
        Value::Null => return Ok(BTreeMap::new()),
        Value::Map(map) => map,
        other => return Err(format!("expected {what} as a mapping, found {other}")),
    };
    let mut out = BTreeMap::new();
    for (key, v) in map {
        if let Some((_, why)) = WITHDRAWN.iter().find(|(k, _)| k == key) {
            return Err(format!("{what} key `{key}` is not supported: {why}"));
        }
        let shape = shape_of(key, with_create).ok_or_else(|| {
            let known: Vec<&str> = if with_create {
                CREATE_KEYS
                    .iter()
                    .chain(HOST_CONFIG_KEYS)
                    .map(|(k, _)| *k)
                    .collect()
            } else {
                HOST_CONFIG_KEYS.iter().map(|(k, _)| *k).collect()
            };
            match super::suggest::closest(key, known.iter().copied()) {
                Some(s) => format!("unknown {what} key `{key}` (did you mean `{s}`?)"),
                None => format!("unknown {what} key `{key}`"),
            }
        })?;
        let normalised = check(v, shape).map_err(|e| format!("{what} `{key}`: {e}"))?;
        out.insert(key.clone(), normalised);
    }
    Ok(out)
}

fn check(value: &Value, shape: Shape) -> InputResult<Value> {
    let fail = |expected: &str| Err(format!("expected {expected}, found {value}"));
    match (shape, value) {
        (_, Value::Null) => Ok(Value::Null),
        (Shape::Any, v) => Ok(v.clone()),
        (Shape::Str, Value::Str(_)) => Ok(value.clone()),
        (Shape::Str, Value::Int(i)) => Ok(Value::str(i.to_string())),
        (Shape::Str, _) => fail("a string"),
        (Shape::Int, Value::Int(_)) => Ok(value.clone()),
        (Shape::Int, _) => fail("an integer"),
        (Shape::Bool, Value::Bool(_)) => Ok(value.clone()),
        (Shape::Bool, _) => fail("a boolean"),
        (Shape::Bytes, Value::Int(i)) if *i >= 0 => Ok(value.clone()),
        (Shape::Bytes, Value::Str(s)) => parse_bytes(s).map(|_| value.clone()),
        (Shape::Bytes, _) => fail("a size such as \"64m\""),
        (Shape::Command, Value::Str(_)) => Ok(value.clone()),
        (Shape::Command, Value::List(words)) => words
            .iter()
            .map(|w| w.scalar_text().map(Value::Str).ok_or(()))
            .collect::<Result<Vec<_>, ()>>()
            .map(Value::List)
            .or_else(|()| fail("a string or a list of words")),
        (Shape::Command, _) => fail("a string or a list of words"),
        (Shape::StrList, Value::Str(_)) => Ok(Value::List(vec![value.clone()])),
        (Shape::StrList, Value::List(items)) => items
            .iter()
            .map(|w| w.scalar_text().map(Value::Str).ok_or(()))
            .collect::<Result<Vec<_>, ()>>()
            .map(Value::List)
            .or_else(|()| fail("a list of strings")),
        (Shape::StrList, _) => fail("a list of strings"),
        (Shape::StrMap, Value::Map(map)) => map
            .iter()
            .map(|(k, v)| v.scalar_text().map(|t| (k.clone(), Value::Str(t))).ok_or(()))
            .collect::<Result<BTreeMap<_, _>, ()>>()
            .map(Value::Map)
            .or_else(|()| fail("a mapping of strings")),
        (Shape::StrMap, _) => fail("a mapping of strings"),
        (Shape::Env, Value::Map(map)) => map
            .iter()
            .map(|(k, v)| match v {
                Value::Null => Ok((k.clone(), Value::str(""))),
                v => v.scalar_text().map(|t| (k.clone(), Value::Str(t))).ok_or(()),
            })
            .collect::<Result<BTreeMap<_, _>, ()>>()
            .map(Value::Map)
            .or_else(|()| fail("a mapping of variables or a list of `K=V`")),
        (Shape::Env, Value::List(items)) => {
            let mut env = BTreeMap::new();
            for item in items {
                let text = item
                    .as_str()
                    .ok_or_else(|| format!("expected `K=V`, found {item}"))?;
                let (k, v) = text.split_once('=').unwrap_or((text, ""));
                if k.is_empty() {
                    return Err(format!("invalid environment entry `{text}`"));
                }
                env.insert(k.to_string(), Value::str(v));
            }
            Ok(Value::Map(env))
        }
        (Shape::Env, _) => fail("a mapping of variables or a list of `K=V`"),
        (Shape::RestartPolicy, Value::Str(s)) => restart_policy_from_text(s),
        (Shape::RestartPolicy, Value::Map(map)) => {
            let name = map
                .get("Name")
                .and_then(Value::as_str)
                .ok_or_else(|| format!("restart policy {value} needs a `Name`"))?;
            if let Some(bad) = map.keys().find(|k| *k != "Name" && *k != "MaximumRetryCount") {
                return Err(format!("unknown restart policy key `{bad}`"));
            }
            check_policy_name(name)?;
            match map.get("MaximumRetryCount") {
                None | Some(Value::Int(_)) => Ok(value.clone()),
                Some(other) => Err(format!(
                    "restart policy `MaximumRetryCount` must be an integer, found {other}"
                )),
            }
        }
        (Shape::RestartPolicy, _) => fail("a restart policy such as {Name: \"always\"} or \"on-failure:3\""),
    }
}

fn check_policy_name(name: &str) -> InputResult<()> {
    match name {
        "" | "no" | "always" | "unless-stopped" | "on-failure" => Ok(()),
        other => Err(format!("unknown restart policy `{other}`")),
    }
}

fn restart_policy_from_text(text: &str) -> InputResult<Value> {
    let (name, count) = match text.split_once(':') {
        Some((n, c)) => (
            n,
            c.parse::<i64>()
                .map_err(|_| format!("invalid restart policy `{text}`"))?,
        ),
        None => (text, 0),
    };
    check_policy_name(name)?;
    Ok(Value::map([
        ("MaximumRetryCount", Value::Int(count)),
        ("Name", Value::str(name)),
    ]))
}

/// docker-py's `parse_bytes`: `64m`, `1g`, `512k`, `100b`, plain numbers.
pub fn parse_bytes(text: &str) -> InputResult<u64> {
    let t = text.trim().to_ascii_lowercase();
    let t = t
        .strip_suffix('b')
        .filter(|r| !r.is_empty() && r.ends_with(|c: char| c.is_ascii_alphabetic()))
        .unwrap_or(&t);
    let (num, factor) = match t.chars().last() {
        Some('k') => (&t[..t.len() - 1], 1u64 << 10),
        Some('m') => (&t[..t.len() - 1], 1 << 20),
        Some('g') => (&t[..t.len() - 1], 1 << 30),
        Some('t') => (&t[..t.len() - 1], 1 << 40),
        Some('b') => (&t[..t.len() - 1], 1),
        _ => (t, 1),
    };
    num.trim()
        .parse::<u64>()
        .ok()
        .and_then(|n| n.checked_mul(factor))
        .ok_or_else(|| format!("invalid size `{text}`: expected e.g. \"512m\" or \"1g\""))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sizes() {
        let cases: &[(&str, u64)] = &[
            ("64m", 64 << 20),
            ("1g", 1 << 30),
            ("1gb", 1 << 30),
            ("512k", 512 << 10),
            ("100", 100),
            ("100b", 100),
        ];
        for (text, bytes) in cases {
            assert_eq!(parse_bytes(text).unwrap(), *bytes, "{text}");
        }
        assert!(parse_bytes("lots").is_err());
        assert!(parse_bytes("1x").is_err());
    }

    #[test]
    fn keys_and_shapes() {
        let opts = Value::map([
            (
                "environment",
                Value::List(vec![Value::str("A=1"), Value::str("B=x=y")]),
            ),
            ("mem_limit", Value::str("64m")),
            ("command", Value::str("worker -A MyApp")),
            (
                "entrypoint",
                Value::List(vec![Value::str("/bin/tini"), Value::str("--")]),
            ),
        ]);
        let parsed = parse(&opts, true).unwrap();
        assert_eq!(
            parsed["environment"],
            Value::map([("A", Value::str("1")), ("B", Value::str("x=y"))])
        );
        // the mapping form gives the same
        let env = Value::map([(
            "environment",
            Value::map([("A", Value::Int(1)), ("B", Value::str("x=y"))]),
        )]);
        assert_eq!(parse(&env, true).unwrap()["environment"], parsed["environment"]);
        let err = parse(&Value::map([("enviroment", Value::Null)]), true).unwrap_err();
        assert!(
            err.contains("`enviroment`") && err.contains("`environment`"),
            "{err}"
        );
        assert!(parse(&Value::map([("command", Value::str("x"))]), false).is_err());
        assert!(parse(&Value::map([("mem_limit", Value::str("lots"))]), true).is_err());
        assert!(parse(&Value::map([("privileged", Value::str("yes"))]), false).is_err());
        // accepted keys reach the Engine; one it no longer has is refused, not dropped
        let err = parse(&Value::map([("kernel_memory", Value::str("64m"))]), false).unwrap_err();
        assert!(err.contains("`kernel_memory` is not supported"), "{err}");
        let rp = parse(
            &Value::map([("restart_policy", Value::str("on-failure:3"))]),
            false,
        )
        .unwrap();
        assert_eq!(
            rp["restart_policy"],
            Value::map([
                ("MaximumRetryCount", Value::Int(3)),
                ("Name", Value::str("on-failure"))
            ])
        );
        assert!(parse(&Value::map([("restart_policy", Value::str("sometimes"))]), false).is_err());
    }
}
