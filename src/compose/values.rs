//! Service values in the model's forms: the shapes Compose accepts for `environment`, labels,
//! `links`, `healthcheck`, capabilities, CPUs, `extra_hosts`, `ulimits`, `logging`, `deploy`
//! and the instances `scale` asks for.

use std::collections::BTreeMap;

use super::service::Context;
use crate::model::Value;

/// `scale` / `deploy.replicas`: instances `1`..`n` (Compose's container numbers).
pub(super) fn numbered(n: i64) -> Value {
    Value::List((1..=n.max(0)).map(|i| Value::str(i.to_string())).collect())
}

/// `deploy`: what a single Engine carries out of it (resources, restart policy), and the
/// replicas it asks for.
pub(super) fn deploy(value: &Value, host: &mut BTreeMap<String, Value>) -> Result<Option<i64>, String> {
    let Value::Map(d) = value else {
        return Err(format!("expected a mapping, found {}", value.type_name()));
    };
    let mut replicas = None;
    for (key, v) in d {
        match (key.as_str(), v) {
            (_, Value::Null) => {}
            ("replicas", Value::Int(n)) => replicas = Some(*n),
            ("resources", Value::Map(r)) => {
                for (kind, limits) in r {
                    let Value::Map(limits) = limits else { continue };
                    for (what, amount) in limits {
                        match (kind.as_str(), what.as_str()) {
                            ("limits", "memory") => {
                                host.insert("mem_limit".into(), amount.clone());
                            }
                            ("limits", "cpus") => {
                                host.insert("nano_cpus".into(), Value::Int(nano_cpus(amount)?));
                            }
                            ("limits", "pids") => {
                                host.insert("pids_limit".into(), amount.clone());
                            }
                            ("reservations", "memory") => {
                                host.insert("mem_reservation".into(), amount.clone());
                            }
                            (k, w) => return Err(format!("`resources.{k}.{w}`: dmap can't carry it out")),
                        }
                    }
                }
            }
            ("restart_policy", Value::Map(p)) => {
                let name = match p.get("condition").and_then(Value::as_str) {
                    None | Some("any") => "always",
                    Some("on-failure") => "on-failure",
                    Some("none") => "no",
                    Some(other) => return Err(format!("unknown restart condition `{other}`")),
                };
                let retries = match p.get("max_attempts") {
                    Some(Value::Int(n)) => *n,
                    _ => 0,
                };
                host.insert(
                    "restart_policy".into(),
                    Value::map([
                        ("Name", Value::str(name)),
                        ("MaximumRetryCount", Value::Int(retries)),
                    ]),
                );
            }
            // Swarm scheduling: a single Engine has nothing to do with it, as Compose ignores it.
            ("mode" | "placement" | "update_config" | "rollback_config" | "endpoint_mode" | "labels", _) => {}
            (k, _) => return Err(format!("`{k}`: dmap can't carry out this part of `deploy`")),
        }
    }
    Ok(replicas)
}

/// `environment` (a list of `K=V`, or a mapping) over the `env_file`s; a name without a value
/// takes the environment's, or is left out.
pub(super) fn environment(
    ctx: &Context<'_>,
    fields: &BTreeMap<String, Value>,
) -> Result<BTreeMap<String, Value>, String> {
    let mut env = BTreeMap::new();
    let files: Vec<Value> = match fields.get("env_file") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::List(l)) => l.clone(),
        Some(other) => vec![other.clone()],
    };
    for f in files {
        let (path, required) = match &f {
            Value::Str(p) => (p.clone(), true),
            Value::Map(m) => (
                m.get("path")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                !matches!(m.get("required"), Some(Value::Bool(false))),
            ),
            other => {
                return Err(format!(
                    "`env_file`: expected a path, found {}",
                    other.type_name()
                ))
            }
        };
        let full = ctx.dir.join(&path);
        let text = match (ctx.read)(&full) {
            Ok(t) => t,
            Err(_) if !required => continue,
            Err(why) => return Err(format!("`env_file`: cannot read `{path}`: {why}")),
        };
        let vars =
            super::dotenv::parse(&text, ctx.lookup).map_err(|e| format!("`env_file` `{path}`: {e}"))?;
        for (k, v) in vars.vars() {
            env.insert(k.clone(), Value::str(v));
        }
    }
    if let Some(v) = fields.get("environment") {
        for (k, value) in key_values_lenient(v, "environment")? {
            match value {
                Some(value) => env.insert(k, value),
                None => match (ctx.lookup)(&k) {
                    Some(from_env) => env.insert(k, Value::str(from_env)),
                    None => env.remove(&k),
                },
            };
        }
    }
    Ok(env)
}

/// A list of `K=V` (or `K`) or a mapping; a name without a value is `None`.
pub(super) fn key_values_lenient(value: &Value, what: &str) -> Result<Vec<(String, Option<Value>)>, String> {
    match value {
        Value::Map(m) => Ok(m
            .iter()
            .map(|(k, v)| {
                let v = match v {
                    Value::Null => None,
                    Value::Str(_) => Some(v.clone()),
                    other => Some(Value::str(other.scalar_text().unwrap_or_default())),
                };
                (k.clone(), v)
            })
            .collect()),
        Value::List(items) => items
            .iter()
            .map(|item| {
                let text = item
                    .scalar_text()
                    .ok_or_else(|| format!("`{what}`: expected `KEY=VALUE`, found {}", item.type_name()))?;
                Ok(match text.split_once('=') {
                    Some((k, v)) => (k.to_string(), Some(Value::str(v))),
                    None => (text, None),
                })
            })
            .collect(),
        other => Err(format!(
            "`{what}`: expected a list or a mapping, found {}",
            other.type_name()
        )),
    }
}

/// Labels: values required (a label without one is empty).
pub(super) fn key_values(value: &Value, what: &str) -> Result<BTreeMap<String, Value>, String> {
    Ok(key_values_lenient(value, what)?
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_else(|| Value::str(""))))
        .collect())
}

/// `links`: `service` or `service:alias`.
pub(super) fn links(value: &Value) -> Result<Value, String> {
    let Value::List(items) = value else {
        return Err(format!("expected a list, found {}", value.type_name()));
    };
    items
        .iter()
        .map(|l| {
            let text = l
                .as_str()
                .ok_or_else(|| format!("expected `service[:alias]`, found {l}"))?;
            Ok(match text.split_once(':') {
                Some((c, a)) => Value::List(vec![Value::str(c), Value::str(a)]),
                None => Value::str(text),
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map(Value::List)
}

/// `healthcheck`, in the model's form (`disable: true` turns the image's off).
pub(super) fn healthcheck(value: &Value) -> Result<Value, String> {
    let Value::Map(h) = value else {
        return Err(format!("expected a mapping, found {}", value.type_name()));
    };
    if matches!(h.get("disable"), Some(Value::Bool(true))) {
        return Ok(Value::map([("test", Value::str("NONE"))]));
    }
    let mut out = BTreeMap::new();
    for (k, v) in h {
        match k.as_str() {
            "test" | "interval" | "timeout" | "retries" | "start_period" => {
                out.insert(k.clone(), v.clone());
            }
            "disable" => {}
            other => {
                return Err(format!(
                    "`{other}`: dmap can't carry out this part of a healthcheck"
                ))
            }
        }
    }
    Ok(Value::Map(out))
}

/// Capability names as the docker CLI sends them: upper case, `CAP_` in front (but `ALL`).
pub(super) fn capabilities(value: &Value) -> Result<Value, String> {
    let Value::List(items) = value else {
        return Err(format!("expected a list, found {}", value.type_name()));
    };
    items
        .iter()
        .map(|c| {
            let name = c
                .as_str()
                .ok_or_else(|| format!("expected a capability, found {c}"))?
                .to_uppercase();
            Ok(Value::str(if name == "ALL" || name.starts_with("CAP_") {
                name
            } else {
                format!("CAP_{name}")
            }))
        })
        .collect::<Result<Vec<_>, String>>()
        .map(Value::List)
}

/// `cpus: 0.5` → the Engine's nano CPUs.
pub(super) fn nano_cpus(value: &Value) -> Result<i64, String> {
    let cpus: f64 = match value {
        Value::Int(i) => *i as f64,
        Value::Float(f) => *f,
        Value::Str(s) => s
            .trim()
            .parse()
            .map_err(|_| format!("invalid number of CPUs `{s}`"))?,
        other => return Err(format!("expected a number of CPUs, found {}", other.type_name())),
    };
    if !(0.0..=1e6).contains(&cpus) {
        return Err(format!("invalid number of CPUs `{cpus}`"));
    }
    Ok((cpus * 1e9).round() as i64)
}

/// `extra_hosts`: `["host:ip"]`, `["host=ip"]` or a mapping, as `host:ip` pairs.
pub(super) fn extra_hosts(value: &Value) -> Result<Value, String> {
    let pairs: Vec<(String, String)> = match value {
        Value::Map(m) => m
            .iter()
            .map(|(k, v)| (k.clone(), v.scalar_text().unwrap_or_default()))
            .collect(),
        Value::List(items) => items
            .iter()
            .map(|i| {
                let t = i.scalar_text().unwrap_or_default();
                t.split_once('=')
                    .or_else(|| t.split_once(':'))
                    .map(|(h, ip)| (h.to_string(), ip.to_string()))
                    .ok_or_else(|| format!("invalid extra host `{t}`: expected `host:ip`"))
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(format!(
                "expected a list or a mapping, found {}",
                other.type_name()
            ))
        }
    };
    Ok(Value::List(
        pairs
            .into_iter()
            .map(|(h, ip)| Value::str(format!("{h}:{ip}")))
            .collect(),
    ))
}

/// `ulimits: {nofile: {soft, hard}, nproc: 65535}` → `[{name, soft, hard}]`.
pub(super) fn ulimits(value: &Value) -> Result<Value, String> {
    let Value::Map(m) = value else {
        return Err(format!("expected a mapping, found {}", value.type_name()));
    };
    m.iter()
        .map(|(name, limit)| {
            let (soft, hard) = match limit {
                Value::Int(n) => (*n, *n),
                Value::Map(l) => match (l.get("soft"), l.get("hard")) {
                    (Some(Value::Int(s)), Some(Value::Int(h))) => (*s, *h),
                    _ => return Err(format!("ulimit `{name}`: expected `soft` and `hard` as numbers")),
                },
                other => {
                    return Err(format!(
                        "ulimit `{name}`: expected a number or `soft`/`hard`, found {other}"
                    ))
                }
            };
            Ok(Value::map([
                ("name", Value::str(name)),
                ("soft", Value::Int(soft)),
                ("hard", Value::Int(hard)),
            ]))
        })
        .collect::<Result<Vec<_>, String>>()
        .map(Value::List)
}

/// `logging: {driver, options}` → the Engine's log configuration.
pub(super) fn logging(value: &Value) -> Result<Value, String> {
    let Value::Map(m) = value else {
        return Err(format!("expected a mapping, found {}", value.type_name()));
    };
    if let Some(bad) = m.keys().find(|k| *k != "driver" && *k != "options") {
        return Err(format!("unknown key `{bad}` (expected `driver`, `options`)"));
    }
    let mut out = vec![(
        "type",
        m.get("driver")
            .cloned()
            .unwrap_or_else(|| Value::str("json-file")),
    )];
    if let Some(options) = m.get("options") {
        out.push(("config", options.clone()));
    }
    Ok(Value::map(out))
}

/// A top-level network or volume in the model's form: `kept` keys as they are, `driver_opts`
/// as `driver_options`, `external` (and its older `{name}` form), `labels` and the `create`
/// keys as `create_options`; `x-` keys passed over, any other key a problem.
pub(super) fn top_level(
    value: &Value,
    what: &str,
    kept: &[&str],
    create_keys: &[&str],
) -> Result<Value, String> {
    let m = match value {
        Value::Null => return Ok(Value::Null),
        Value::Map(m) => m,
        other => return Err(format!("expected a mapping, found {}", other.type_name())),
    };
    let mut out = BTreeMap::new();
    let mut create = BTreeMap::new();
    for (k, v) in m {
        match k.as_str() {
            _ if k.starts_with("x-") => {}
            key if kept.contains(&key) => {
                out.insert(k.clone(), v.clone());
            }
            "external" => {
                out.insert(k.clone(), external(v)?);
                if let Value::Map(e) = v {
                    if let Some(n) = e.get("name") {
                        out.insert("name".into(), n.clone());
                    }
                }
            }
            "driver_opts" => {
                out.insert("driver_options".into(), v.clone());
            }
            "labels" => {
                create.insert("labels".to_string(), Value::Map(key_values(v, "labels")?));
            }
            key if create_keys.contains(&key) => {
                create.insert(k.clone(), v.clone());
            }
            other => return Err(format!("`{other}`: dmap can't carry out this part of a {what}")),
        }
    }
    if !create.is_empty() {
        out.insert("create_options".into(), Value::Map(create));
    }
    Ok(Value::Map(out))
}

/// `external: true`, or the obsolete `external: {name: N}` (Compose still reads it), as a flag.
fn external(value: &Value) -> Result<Value, String> {
    match value {
        Value::Bool(b) => Ok(Value::Bool(*b)),
        Value::Map(m) if m.keys().all(|k| k == "name") => Ok(Value::Bool(true)),
        other => Err(format!("`external`: expected a boolean, found {other}")),
    }
}
