//! One Compose service → one configuration of the map, and the top-level networks → the map's.
//! Each service key is read once, by the table in [`translate`]: to a field of the
//! configuration, or to a `create_options` / `host_config` keyword of the option table, or to a
//! problem that names it (a key dmap can't carry out is never dropped).

use std::collections::BTreeMap;
use std::path::Path;

use super::mounts::Volumes;
use super::ports;
use crate::model::network::NetworkConfig;
use crate::model::{ContainerConfig, ContainerMap, Problem, Value};
use crate::yaml::YamlDocument;

/// What translating a service reads besides the service.
pub(super) struct Context<'a> {
    pub project: &'a str,
    pub doc: &'a YamlDocument,
    pub dir: &'a Path,
    pub lookup: &'a dyn Fn(&str) -> Option<String>,
    pub read: &'a dyn Fn(&Path) -> Result<String, String>,
    pub top: &'a BTreeMap<String, Value>,
}

/// Service keys that become a `create_options` keyword of the same meaning (name in Compose,
/// name in the option table).
const CREATE: [(&str, &str); 11] = [
    ("command", "command"),
    ("entrypoint", "entrypoint"),
    ("working_dir", "working_dir"),
    ("user", "user"),
    ("hostname", "hostname"),
    ("domainname", "domainname"),
    ("tty", "tty"),
    ("stdin_open", "stdin_open"),
    ("platform", "platform"),
    ("runtime", "runtime"),
    ("mac_address", "mac_address"),
];

/// Service keys that become a `host_config` keyword.
const HOST: [(&str, &str); 30] = [
    ("privileged", "privileged"),
    ("read_only", "read_only"),
    ("init", "init"),
    ("dns", "dns"),
    ("dns_search", "dns_search"),
    ("dns_opt", "dns_opt"),
    ("group_add", "group_add"),
    ("security_opt", "security_opt"),
    ("shm_size", "shm_size"),
    ("mem_limit", "mem_limit"),
    ("memswap_limit", "memswap_limit"),
    ("mem_reservation", "mem_reservation"),
    ("mem_swappiness", "mem_swappiness"),
    ("oom_kill_disable", "oom_kill_disable"),
    ("oom_score_adj", "oom_score_adj"),
    ("pids_limit", "pids_limit"),
    ("cpu_shares", "cpu_shares"),
    ("cpu_period", "cpu_period"),
    ("cpu_quota", "cpu_quota"),
    ("cpu_rt_runtime", "cpu_rt_runtime"),
    ("cpu_rt_period", "cpu_rt_period"),
    ("cpuset", "cpuset_cpus"),
    ("pid", "pid_mode"),
    ("ipc", "ipc_mode"),
    ("userns_mode", "userns_mode"),
    ("uts", "uts_mode"),
    ("cgroup_parent", "cgroup_parent"),
    ("devices", "devices"),
    ("device_cgroup_rules", "device_cgroup_rules"),
    ("storage_opt", "storage_opt"),
];

/// Keys read elsewhere or on purpose without effect on the Engine.
const READ_ELSEWHERE: [&str; 1] = ["profiles"];

/// A service as a configuration; named volumes it mounts are handed to `volumes`, which places
/// them once every service is read.
pub(super) fn translate(
    ctx: &Context<'_>,
    sname: &str,
    svc: &Value,
    volumes: &mut Volumes,
) -> Result<(ContainerConfig, Option<super::Build>), Vec<Problem>> {
    let origin = |keys: &[&str]| {
        let mut path = vec!["services", sname];
        path.extend_from_slice(keys);
        ctx.doc.origin(&path)
    };
    let mut config = ContainerConfig::new(origin(&[]));
    let mut problems = Vec::new();
    if crate::model::name::check("service", sname).is_err() {
        problems.push(Problem::new(
            format!("invalid service name `{sname}`: letters, digits, `_` and `-`, starting with a letter or digit"),
            origin(&[]),
        ));
        return Err(problems);
    }
    let Value::Map(fields) = svc else {
        problems.push(Problem::new(
            format!("service `{sname}`: expected a mapping, found {}", svc.type_name()),
            origin(&[]),
        ));
        return Err(problems);
    };
    let mut create: BTreeMap<String, Value> = BTreeMap::new();
    let mut host: BTreeMap<String, Value> = BTreeMap::new();
    let mut exposes: Vec<Value> = Vec::new();
    let mut build = None;
    let set = |config: &mut ContainerConfig,
               field: &str,
               value: Value,
               at: &[&str],
               problems: &mut Vec<Problem>| {
        if let Err(e) = config.set_field(field, &value, origin(at)) {
            problems.push(Problem::new(format!("service `{sname}`: {e}"), origin(at)));
        }
    };
    let fail = |key: &str, why: String, problems: &mut Vec<Problem>| {
        problems.push(Problem::new(
            format!("service `{sname}`: `{key}`: {why}"),
            origin(&[key]),
        ));
    };
    for (key, value) in fields {
        let k = key.as_str();
        if k.starts_with("x-") || READ_ELSEWHERE.contains(&k) || value.is_null() {
            continue;
        }
        if let Some((_, option)) = CREATE.iter().find(|(c, _)| *c == k) {
            create.insert((*option).to_string(), value.clone());
            continue;
        }
        if let Some((_, option)) = HOST.iter().find(|(c, _)| *c == k) {
            host.insert((*option).to_string(), value.clone());
            continue;
        }
        match k {
            "image" => set(&mut config, "image", value.clone(), &[k], &mut problems),
            "container_name" => set(&mut config, "container_name", value.clone(), &[k], &mut problems),
            "stop_signal" => set(&mut config, "stop_signal", value.clone(), &[k], &mut problems),
            // whole seconds, cut as Compose cuts them (`1500ms` is 1)
            "stop_grace_period" => match crate::model::duration::parse_seconds(value) {
                Ok(s) => set(
                    &mut config,
                    "stop_timeout",
                    Value::Int(s.floor() as i64),
                    &[k],
                    &mut problems,
                ),
                Err(e) => fail(k, e.to_string(), &mut problems),
            },
            "depends_on" => set(&mut config, "depends_on", value.clone(), &[k], &mut problems),
            "links" => match links(value) {
                Ok(v) => set(&mut config, "links", v, &[k], &mut problems),
                Err(why) => fail(k, why, &mut problems),
            },
            "healthcheck" => match healthcheck(value) {
                Ok(v) => set(&mut config, "healthcheck", v, &[k], &mut problems),
                Err(why) => fail(k, why, &mut problems),
            },
            "restart" => {
                host.insert("restart_policy".into(), value.clone());
            }
            "cpus" => match nano_cpus(value) {
                Ok(n) => {
                    host.insert("nano_cpus".into(), Value::Int(n));
                }
                Err(why) => fail(k, why, &mut problems),
            },
            "extra_hosts" => match extra_hosts(value) {
                Ok(v) => {
                    host.insert("extra_hosts".into(), v);
                }
                Err(why) => fail(k, why, &mut problems),
            },
            "ulimits" => match ulimits(value) {
                Ok(v) => {
                    host.insert("ulimits".into(), v);
                }
                Err(why) => fail(k, why, &mut problems),
            },
            "logging" => match logging(value) {
                Ok(v) => {
                    host.insert("log_config".into(), v);
                }
                Err(why) => fail(k, why, &mut problems),
            },
            "tmpfs" => {
                host.insert("tmpfs".into(), value.clone());
            }
            "cap_add" | "cap_drop" => match capabilities(value) {
                Ok(v) => {
                    host.insert(k.to_string(), v);
                }
                Err(why) => fail(k, why, &mut problems),
            },
            "sysctls" => match key_values(value, "sysctls") {
                Ok(v) => {
                    host.insert("sysctls".into(), Value::Map(v));
                }
                Err(why) => fail(k, why, &mut problems),
            },
            "labels" => match key_values(value, "labels") {
                Ok(v) => {
                    create.insert("labels".into(), Value::Map(v));
                }
                Err(why) => fail(k, why, &mut problems),
            },
            "environment" | "env_file" => {}
            "ports" => match ports::published(value) {
                Ok(mut v) => exposes.append(&mut v),
                Err(why) => fail(k, why, &mut problems),
            },
            "expose" => match ports::exposed(value) {
                Ok(mut v) => exposes.append(&mut v),
                Err(why) => fail(k, why, &mut problems),
            },
            "volumes" => {
                if let Err(why) = volumes.service(ctx, sname, value, &mut config, &mut host) {
                    fail(k, why, &mut problems);
                }
            }
            "secrets" | "configs" => {
                if let Err(why) = volumes.files(ctx, sname, k, value, &mut config) {
                    fail(k, why, &mut problems);
                }
            }
            "networks" => match endpoints(sname, value) {
                Ok(v) => set(&mut config, "networks", v, &[k], &mut problems),
                Err(why) => fail(k, why, &mut problems),
            },
            "network_mode" => match value.as_str() {
                Some(mode) => {
                    let mode = mode.strip_prefix("service:").unwrap_or(mode);
                    set(&mut config, "network_mode", Value::str(mode), &[k], &mut problems);
                }
                None => fail(
                    k,
                    format!("expected a string, found {}", value.type_name()),
                    &mut problems,
                ),
            },
            "scale" => match value {
                Value::Int(n) => set(&mut config, "instances", numbered(*n), &[k], &mut problems),
                other => fail(
                    k,
                    format!("expected a number, found {}", other.type_name()),
                    &mut problems,
                ),
            },
            "deploy" => match deploy(value, &mut host) {
                Ok(Some(n)) => set(
                    &mut config,
                    "instances",
                    numbered(n),
                    &[k, "replicas"],
                    &mut problems,
                ),
                Ok(None) => {}
                Err(why) => fail(k, why, &mut problems),
            },
            "pull_policy" => match value.as_str() {
                Some("missing" | "if_not_present") => {}
                _ => fail(
                    k,
                    format!("dmap pulls an image only when it is missing; `{value}` can't be carried out"),
                    &mut problems,
                ),
            },
            "build" => match super::build::read(ctx, sname, value, origin(&[k])) {
                Ok(b) => build = Some(b),
                Err(why) => fail(k, why, &mut problems),
            },
            "volumes_from" | "external_links" | "develop" | "isolation" | "credential_spec"
            | "annotations" | "attach" | "blkio_config" | "gpus" | "use_api_socket" | "provider"
            | "models" | "post_start" | "pre_stop" | "label_file" | "cpu_count" | "cpu_percent" => fail(
                k,
                "dmap can't carry out this field of a Compose service".into(),
                &mut problems,
            ),
            other => problems.push(Problem::new(
                format!("service `{sname}`: unknown field `{other}` of a Compose service"),
                origin(&[other]),
            )),
        }
    }
    match environment(ctx, fields) {
        Ok(env) if !env.is_empty() => {
            create.insert("environment".into(), Value::Map(env));
        }
        Ok(_) => {}
        Err(why) => problems.push(Problem::new(
            format!("service `{sname}`: {why}"),
            origin(&["env_file"]),
        )),
    }
    if !exposes.is_empty() {
        set(
            &mut config,
            "exposes",
            Value::List(exposes),
            &["ports"],
            &mut problems,
        );
    }
    if !create.is_empty() {
        set(
            &mut config,
            "create_options",
            Value::Map(create),
            &[],
            &mut problems,
        );
    }
    if !host.is_empty() {
        set(&mut config, "host_config", Value::Map(host), &[], &mut problems);
    }
    if let Some(b) = &build {
        if config.image.is_none() {
            set(
                &mut config,
                "image",
                Value::str(&b.image),
                &["build"],
                &mut problems,
            );
        }
    } else if config.image.is_none() {
        problems.push(Problem::new(
            format!("service `{sname}` has neither `image` nor `build`"),
            origin(&[]),
        ));
    }
    if problems.is_empty() {
        Ok((config, build))
    } else {
        Err(problems)
    }
}

/// `scale` / `deploy.replicas`: instances `1`..`n` (Compose's container numbers).
fn numbered(n: i64) -> Value {
    Value::List((1..=n.max(0)).map(|i| Value::str(i.to_string())).collect())
}

/// `deploy`: what a single Engine carries out of it (resources, restart policy), and the
/// replicas it asks for.
fn deploy(value: &Value, host: &mut BTreeMap<String, Value>) -> Result<Option<i64>, String> {
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
fn environment(
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
fn key_values_lenient(value: &Value, what: &str) -> Result<Vec<(String, Option<Value>)>, String> {
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
fn key_values(value: &Value, what: &str) -> Result<BTreeMap<String, Value>, String> {
    Ok(key_values_lenient(value, what)?
        .into_iter()
        .map(|(k, v)| (k, v.unwrap_or_else(|| Value::str(""))))
        .collect())
}

/// `links`: `service` or `service:alias`.
fn links(value: &Value) -> Result<Value, String> {
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
fn healthcheck(value: &Value) -> Result<Value, String> {
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
fn capabilities(value: &Value) -> Result<Value, String> {
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
fn nano_cpus(value: &Value) -> Result<i64, String> {
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
fn extra_hosts(value: &Value) -> Result<Value, String> {
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
fn ulimits(value: &Value) -> Result<Value, String> {
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
fn logging(value: &Value) -> Result<Value, String> {
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

/// `networks` of a service: a list of names or a mapping name → `{aliases, ipv4_address, ...}`;
/// every endpoint also answers to the service's name, as Compose's do.
fn endpoints(sname: &str, value: &Value) -> Result<Value, String> {
    let entries: Vec<(String, Option<&BTreeMap<String, Value>>)> = match value {
        Value::List(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(|n| (n.to_string(), None))
                    .ok_or_else(|| format!("expected a network name, found {i}"))
            })
            .collect::<Result<_, _>>()?,
        Value::Map(m) => m
            .iter()
            .map(|(n, e)| match e {
                Value::Null => Ok((n.clone(), None)),
                Value::Map(e) => Ok((n.clone(), Some(e))),
                other => Err(format!(
                    "network `{n}`: expected a mapping, found {}",
                    other.type_name()
                )),
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(format!(
                "expected a list or a mapping, found {}",
                other.type_name()
            ))
        }
    };
    let mut out = BTreeMap::new();
    for (net, settings) in entries {
        let mut aliases = vec![Value::str(sname)];
        let mut endpoint = BTreeMap::new();
        for (k, v) in settings.into_iter().flatten() {
            match k.as_str() {
                "aliases" => {
                    if let Value::List(more) = v {
                        aliases.extend(more.iter().filter(|a| a.as_str() != Some(sname)).cloned());
                    }
                }
                "ipv4_address" | "ipv6_address" | "link_local_ips" => {
                    endpoint.insert(k.clone(), v.clone());
                }
                "priority" | "gw_priority" => {}
                other => return Err(format!("network `{net}`: `{other}`: dmap can't carry it out")),
            }
        }
        endpoint.insert("aliases".into(), Value::List(aliases));
        out.insert(net, Value::Map(endpoint));
    }
    Ok(Value::Map(out))
}

/// `ipc: service:X` and `pid: service:X`: the namespace of X's (first) container, which starts
/// first.
pub(super) fn shared_namespaces(ctx: &Context<'_>, map: &mut ContainerMap, problems: &mut Vec<Problem>) {
    let mut shared: Vec<(String, &'static str, String)> = Vec::new();
    for (sname, config) in &map.containers {
        for (option, key) in [("ipc_mode", "ipc"), ("pid_mode", "pid")] {
            if let Some(other) = config
                .host_config
                .get(option)
                .and_then(Value::as_str)
                .and_then(|m| m.strip_prefix("service:"))
            {
                shared.push((sname.clone(), option, other.to_string()));
                if !map.containers.contains_key(other) {
                    problems.push(Problem::new(
                        format!("service `{sname}`: `{key}`: no service `{other}` in the project"),
                        ctx.doc.origin(&["services", sname, key]),
                    ));
                }
            }
        }
    }
    for (sname, option, other) in shared {
        let Some(target) = map.containers.get(&other) else {
            continue;
        };
        let instance = target.instances.first().cloned();
        let container = map.container_name(&other, instance.as_deref());
        if let Some(config) = map.containers.get_mut(&sname) {
            config
                .host_config
                .insert(option.into(), Value::str(format!("container:{container}")));
            if !config.depends_on.iter().any(|d| d.container == other) {
                config.depends_on.push(crate::model::depends_on::DependsOn {
                    container: other,
                    condition: crate::model::depends_on::Condition::Started,
                    required: true,
                    restart: false,
                });
            }
        }
    }
}

/// The top-level `networks` as the map's (and `default` when a service is on it).
pub(super) fn networks(
    ctx: &Context<'_>,
    map: &mut ContainerMap,
    needs_default: bool,
    problems: &mut Vec<Problem>,
) {
    let declared = match ctx.top.get("networks") {
        Some(Value::Map(n)) => n.clone(),
        _ => BTreeMap::new(),
    };
    for (name, value) in &declared {
        let origin = ctx.doc.origin(&["networks", name]);
        match network(value) {
            Ok(v) => match NetworkConfig::parse(&v, origin.clone()) {
                Ok(n) => {
                    map.networks.insert(name.clone(), n);
                }
                Err(e) => problems.push(Problem::new(format!("network `{name}`: {e}"), origin)),
            },
            Err(why) => problems.push(Problem::new(format!("network `{name}`: {why}"), origin)),
        }
    }
    if needs_default && !map.networks.contains_key("default") {
        let default = NetworkConfig {
            origin: ctx.doc.origin(&[]),
            ..NetworkConfig::default()
        };
        map.networks.insert("default".into(), default);
    }
    for (sname, config) in map.containers.iter_mut() {
        if config.networks.is_empty() && config.network_mode.is_none() {
            let endpoint = Value::map([(
                "default",
                Value::map([("aliases", Value::List(vec![Value::str(sname)]))]),
            )]);
            let origin = config.origin.clone();
            if let Err(e) = config.set_field("networks", &endpoint, origin.clone()) {
                problems.push(Problem::new(format!("service `{sname}`: {e}"), origin));
            }
        }
    }
}

/// A top-level network in the model's form.
fn network(value: &Value) -> Result<Value, String> {
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
            "driver" | "internal" | "name" => {
                out.insert(k.clone(), v.clone());
            }
            "external" => {
                out.insert(k.clone(), super::mounts::external(v)?);
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
            "attachable" | "enable_ipv6" | "ipam" => {
                create.insert(k.clone(), v.clone());
            }
            other => return Err(format!("`{other}`: dmap can't carry out this part of a network")),
        }
    }
    if !create.is_empty() {
        out.insert("create_options".into(), Value::Map(create));
    }
    Ok(Value::Map(out))
}
