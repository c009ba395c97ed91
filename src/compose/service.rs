//! One Compose service → one configuration of the map, and the top-level networks → the map's.
//! Each service key is read once, in [`translate`]: to a field of the configuration, or to a
//! `create_options` / `host_config` keyword of the option table, or to a problem that names it
//! (a key dmap can't carry out is never dropped). Where a key that is no container field of
//! its name goes is the model's table of Compose's spellings (`model::compose_keys`): the keys
//! it takes as they are are placed by it, the others converted here first.

use std::collections::BTreeMap;
use std::path::Path;

use super::mounts::Volumes;
use super::networks::endpoints;
use super::ports;
use super::values::{
    capabilities, deploy, environment, extra_hosts, healthcheck, key_values, links, logging, nano_cpus,
    numbered, ulimits,
};
use crate::model::compose_keys::{self, Place};
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
    // Compose's `k`, converted to `value`, where the table of Compose's spellings places it.
    let place = |config: &mut ContainerConfig,
                 create: &mut BTreeMap<String, Value>,
                 host: &mut BTreeMap<String, Value>,
                 k: &str,
                 value: Value,
                 problems: &mut Vec<Problem>| {
        match compose_keys::get(k).map(|e| e.places) {
            Some([Place::Field(field)]) => set(config, field, value, &[k], problems),
            Some([p @ Place::Option(option)]) => {
                let options = if p.mapping() == Some("create_options") {
                    create
                } else {
                    host
                };
                options.insert((*option).to_string(), value);
            }
            _ => problems.push(Problem::new(
                format!("internal error, this may indicate a bug in dmap: no one place for Compose's `{k}`"),
                origin(&[k]),
            )),
        }
    };
    for (key, value) in fields {
        let k = key.as_str();
        if k.starts_with("x-") || READ_ELSEWHERE.contains(&k) || value.is_null() {
            continue;
        }
        if compose_keys::get(k).is_some_and(|e| e.as_is) {
            place(
                &mut config,
                &mut create,
                &mut host,
                k,
                value.clone(),
                &mut problems,
            );
            continue;
        }
        match k {
            "image" => set(&mut config, "image", value.clone(), &[k], &mut problems),
            "container_name" => set(&mut config, "container_name", value.clone(), &[k], &mut problems),
            "stop_signal" => set(&mut config, "stop_signal", value.clone(), &[k], &mut problems),
            // whole seconds, cut as Compose cuts them (`1500ms` is 1)
            "stop_grace_period" => match crate::model::duration::parse_seconds(value) {
                Ok(s) => place(
                    &mut config,
                    &mut create,
                    &mut host,
                    k,
                    Value::Int(s.floor() as i64),
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
            "cpus" | "extra_hosts" | "ulimits" | "logging" | "cap_add" | "cap_drop" | "sysctls"
            | "labels" => {
                let converted = match k {
                    "cpus" => nano_cpus(value).map(Value::Int),
                    "extra_hosts" => extra_hosts(value),
                    "ulimits" => ulimits(value),
                    "logging" => logging(value),
                    "cap_add" | "cap_drop" => capabilities(value),
                    _ => key_values(value, k).map(Value::Map),
                };
                match converted {
                    Ok(v) => place(&mut config, &mut create, &mut host, k, v, &mut problems),
                    Err(why) => fail(k, why, &mut problems),
                }
            }
            // docker-map's `user` field is also the owner attached volumes are prepared with;
            // Compose's is the container's user only
            "user" => {
                create.insert("user".into(), value.clone());
            }
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
            "develop" => set(&mut config, "develop", develop(ctx, value), &[k], &mut problems),
            "volumes_from" | "external_links" | "isolation" | "credential_spec" | "annotations"
            | "attach" | "blkio_config" | "gpus" | "use_api_socket" | "provider" | "models"
            | "post_start" | "pre_stop" | "label_file" | "cpu_count" | "cpu_percent" => fail(
                k,
                "dmap can't carry out this field of a Compose service".into(),
                &mut problems,
            ),
            other => problems.push(Problem::new(
                format!(
                    "service `{sname}`: unknown field `{other}` of a Compose service{}",
                    compose_keys::compose_spelling(other)
                        .map(|hint| format!(" ({hint})"))
                        .unwrap_or_default()
                ),
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

/// `develop`, its rules' paths made absolute (relative to the Compose file's directory); the
/// rest as written, for the model to read.
fn develop(ctx: &Context<'_>, value: &Value) -> Value {
    let Value::Map(m) = value else {
        return value.clone();
    };
    let mut out = m.clone();
    if let Some(Value::List(rules)) = m.get("watch") {
        let rules = rules
            .iter()
            .map(|r| match r {
                Value::Map(rule) => {
                    let mut rule = rule.clone();
                    if let Some(Value::Str(path)) = rule.get("path") {
                        let absolute = super::mounts::host_path(ctx, path);
                        rule.insert("path".into(), Value::Str(absolute));
                    }
                    Value::Map(rule)
                }
                other => other.clone(),
            })
            .collect();
        out.insert("watch".into(), Value::List(rules));
    }
    Value::Map(out)
}
