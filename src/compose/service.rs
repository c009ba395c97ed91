//! One Compose service → one configuration of the map, and the top-level networks → the map's.
//! Each service key is read once, by the table in [`translate`]: to a field of the
//! configuration, or to a `create_options` / `host_config` keyword of the option table, or to a
//! problem that names it (a key dmap can't carry out is never dropped).

use std::collections::BTreeMap;
use std::path::Path;

use super::mounts::Volumes;
use super::networks::endpoints;
use super::ports;
use super::values::{
    capabilities, deploy, environment, extra_hosts, healthcheck, key_values, links, logging, nano_cpus,
    numbered, ulimits,
};
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
    // `scale` or `deploy.replicas`: numbered instances; none runs no container at all, as the
    // service is then abstract.
    let scaled = |config: &mut ContainerConfig, n: i64, at: &[&str], problems: &mut Vec<Problem>| {
        if n <= 0 {
            set(config, "abstract", Value::Bool(true), at, problems);
        } else {
            set(config, "instances", numbered(n), at, problems);
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
                Value::Int(n) => scaled(&mut config, *n, &[k], &mut problems),
                other => fail(
                    k,
                    format!("expected a number, found {}", other.type_name()),
                    &mut problems,
                ),
            },
            "deploy" => match deploy(value, &mut host) {
                Ok(Some(n)) => scaled(&mut config, n, &[k, "replicas"], &mut problems),
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
