//! docker-py values in the Engine's types: scalars, collections and mappings with named fields.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{
    DeviceMapping, DeviceRequest, HostConfigLogConfig, Mount, MountBindOptions, MountTmpfsOptions, MountType,
    MountVolumeOptions, MountVolumeOptionsDriverConfig, PortBinding, PortMap, ResourcesBlkioWeightDevice,
    ResourcesUlimits, RestartPolicy, ThrottleDevice,
};
use serde::de::DeserializeOwned;

use super::R;
use crate::model::options::parse_bytes;
use crate::model::shell_words::split_words;
use crate::model::Value;

// ---- scalars and plain collections

pub(super) fn string(v: &Value) -> R<String> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        Value::Int(i) => Ok(i.to_string()),
        other => Err(format!("expected a string, found {other}")),
    }
}

pub(super) fn int(v: &Value) -> R<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(format!("expected an integer, found {other}")),
    }
}

pub(super) fn boolean(v: &Value) -> R<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(format!("expected a boolean, found {other}")),
    }
}

/// docker-py's sizes: an integer number of bytes or a string such as `"64m"`.
pub(super) fn bytes(v: &Value) -> R<i64> {
    let n = match v {
        Value::Int(i) if *i >= 0 => return Ok(*i),
        Value::Str(s) => parse_bytes(s)?,
        other => return Err(format!("expected a size such as \"64m\", found {other}")),
    };
    i64::try_from(n).map_err(|_| format!("size `{v}` is out of range"))
}

pub(super) fn is_minus_one(v: &Value) -> bool {
    matches!(v, Value::Int(-1)) || matches!(v, Value::Str(s) if s.trim() == "-1")
}

pub(super) fn list(v: &Value) -> R<&[Value]> {
    match v {
        Value::List(items) => Ok(items),
        other => Err(format!("expected a list, found {other}")),
    }
}

pub(super) fn items<T>(v: &Value, one: impl Fn(&Value) -> R<T>) -> R<Vec<T>> {
    list(v)?.iter().map(one).collect()
}

pub(super) fn strings(v: &Value) -> R<Vec<String>> {
    match v {
        Value::Str(s) => Ok(vec![s.clone()]),
        v => items(v, string),
    }
}

pub(super) fn str_map(v: &Value) -> R<HashMap<String, String>> {
    match v {
        Value::Map(map) => map.iter().map(|(k, v)| Ok((k.clone(), string(v)?))).collect(),
        other => Err(format!("expected a mapping of strings, found {other}")),
    }
}

pub(super) fn command(v: &Value) -> R<Vec<String>> {
    match v {
        Value::Str(s) => split_words(s),
        v => items(v, string),
    }
}

/// `K=V` words sorted by key.
pub(super) fn environment(v: &Value) -> R<Vec<String>> {
    match v {
        Value::Map(map) => map
            .iter()
            .map(|(k, v)| match v {
                Value::Null => Ok(format!("{k}=")),
                v => v
                    .scalar_text()
                    .map(|t| format!("{k}={t}"))
                    .ok_or_else(|| format!("expected a value for `{k}`, found {v}")),
            })
            .collect(),
        v => strings(v),
    }
}

/// A value of a Engine API type, read through its serde form (enums, API-cased option mappings).
pub(super) fn typed<T: DeserializeOwned>(v: &Value) -> R<T> {
    serde_json::to_value(v)
        .and_then(serde_json::from_value)
        .map_err(|e| e.to_string())
}

/// `{a: b}` → `["a:b"]` (sorted; `a` alone for a null `b`); a list of `"a:b"` or `[a, b]` as is.
pub(super) fn pairs(v: &Value, left: &str, right: &str) -> R<Vec<String>> {
    let pair = |a: &str, b: &Value| match b {
        Value::Null => Ok(a.to_string()),
        b => Ok(format!("{a}:{}", string(b)?)),
    };
    match v {
        Value::Map(map) => map.iter().map(|(a, b)| pair(a, b)).collect(),
        Value::Str(s) => Ok(vec![s.clone()]),
        v => items(v, |item| match item {
            Value::List(ab) => match ab.as_slice() {
                [a, b] => pair(&string(a)?, b),
                _ => Err(format!("expected [{left}, {right}], found {item}")),
            },
            item => string(item),
        }),
    }
}

// ---- mappings with named fields

/// A mapping's fields by normalised key (lowercase, no `_`), unknown keys rejected, nulls dropped.
pub(super) struct Fields<'a>(BTreeMap<String, &'a Value>);

impl<'a> Fields<'a> {
    fn of(v: &'a Value, allowed: &[&str]) -> R<Self> {
        let Value::Map(map) = v else {
            return Err(format!("expected a mapping, found {v}"));
        };
        let mut fields = BTreeMap::new();
        for (key, value) in map.iter().filter(|(_, v)| !v.is_null()) {
            let norm: String = key
                .chars()
                .filter(|c| *c != '_')
                .flat_map(char::to_lowercase)
                .collect();
            if !allowed.contains(&norm.as_str()) {
                return Err(format!("unknown key `{key}` in {v}"));
            }
            if fields.insert(norm, value).is_some() {
                return Err(format!("key `{key}` given twice in {v}"));
            }
        }
        Ok(Fields(fields))
    }

    fn get(&self, name: &str) -> Option<&'a Value> {
        self.0.get(name).copied()
    }

    fn req(&self, name: &str) -> R<&'a Value> {
        self.get(name).ok_or_else(|| format!("missing `{name}`"))
    }

    fn map<T>(&self, name: &str, f: impl FnOnce(&'a Value) -> R<T>) -> R<Option<T>> {
        self.get(name).map(f).transpose()
    }
}

/// `{Path, Weight}` or `"path:weight"`.
pub(super) fn weight_device(v: &Value) -> R<ResourcesBlkioWeightDevice> {
    let (path, weight) = match v {
        Value::Str(s) => {
            let (path, weight) = s
                .rsplit_once(':')
                .ok_or_else(|| format!("expected `path:weight`, found `{s}`"))?;
            (
                path.to_string(),
                weight.parse::<usize>().map_err(|e| format!("`{s}`: {e}"))?,
            )
        }
        v => {
            let f = Fields::of(v, &["path", "weight"])?;
            let weight = int(f.req("weight")?)?;
            (
                string(f.req("path")?)?,
                usize::try_from(weight).map_err(|e| e.to_string())?,
            )
        }
    };
    Ok(ResourcesBlkioWeightDevice {
        path: Some(path),
        weight: Some(weight),
    })
}

/// `{Path, Rate}` or `"path:rate"`; rates in bytes accept sizes such as `"1m"`.
pub(super) fn throttle(v: &Value, sized: bool) -> R<ThrottleDevice> {
    let rate = |r: &Value| if sized { bytes(r) } else { int(r) };
    let (path, rate) = match v {
        Value::Str(s) => {
            let (path, r) = s
                .rsplit_once(':')
                .ok_or_else(|| format!("expected `path:rate`, found `{s}`"))?;
            let r = match r.parse::<i64>() {
                Ok(n) => Value::Int(n),
                Err(_) => Value::str(r),
            };
            (path.to_string(), rate(&r)?)
        }
        v => {
            let f = Fields::of(v, &["path", "rate"])?;
            (string(f.req("path")?)?, rate(f.req("rate")?)?)
        }
    };
    Ok(ThrottleDevice {
        path: Some(path),
        rate: Some(rate),
    })
}

/// docker-py's `"/dev/host[:/dev/container][:rwm]"`; like the Docker CLI, `"/dev/x:rw"` too.
pub(super) fn device(v: &Value) -> R<DeviceMapping> {
    let text = string(v)?;
    let is_perms = |p: &str| !p.is_empty() && p.chars().all(|c| matches!(c, 'r' | 'w' | 'm'));
    let (host, container, perms) = match text.split(':').collect::<Vec<_>>()[..] {
        [h] => (h, h, "rwm"),
        [h, p] if is_perms(p) => (h, h, p),
        [h, c] => (h, c, "rwm"),
        [h, c, p] if is_perms(p) => (h, c, p),
        _ => {
            return Err(format!(
                "expected `/dev/host[:/dev/container][:rwm]`, found `{text}`"
            ))
        }
    };
    if host.is_empty() || container.is_empty() {
        return Err(format!("empty device path in `{text}`"));
    }
    Ok(DeviceMapping {
        path_on_host: Some(host.into()),
        path_in_container: Some(container.into()),
        cgroup_permissions: Some(perms.into()),
    })
}

pub(super) fn device_request(v: &Value) -> R<DeviceRequest> {
    let f = Fields::of(v, &["count", "driver", "capabilities", "deviceids", "options"])?;
    let capabilities = f.map("capabilities", |c| match list(c)? {
        flat if flat.iter().all(|c| !matches!(c, Value::List(_))) => Ok(vec![items(c, string)?]),
        _ => items(c, strings),
    })?;
    Ok(DeviceRequest {
        driver: f.map("driver", string)?,
        count: f.map("count", int)?,
        device_ids: f.map("deviceids", strings)?,
        capabilities,
        options: f.map("options", str_map)?,
    })
}

/// `{name, soft, hard}` (either limit defaults to the other) or the CLI's `"name=soft[:hard]"`.
pub(super) fn ulimit(v: &Value) -> R<ResourcesUlimits> {
    let (name, soft, hard) = match v {
        Value::Str(s) => {
            let (name, limits) = s
                .split_once('=')
                .ok_or_else(|| format!("expected `name=soft[:hard]`, found `{s}`"))?;
            let num = |n: &str| n.parse::<i64>().map_err(|e| format!("`{s}`: {e}"));
            let (soft, hard) = match limits.split_once(':') {
                Some((soft, hard)) => (num(soft)?, num(hard)?),
                None => (num(limits)?, num(limits)?),
            };
            (name.to_string(), Some(soft), Some(hard))
        }
        v => {
            let f = Fields::of(v, &["name", "soft", "hard"])?;
            (string(f.req("name")?)?, f.map("soft", int)?, f.map("hard", int)?)
        }
    };
    if soft.is_none() && hard.is_none() {
        return Err(format!("ulimit `{name}` needs `soft` or `hard`"));
    }
    Ok(ResourcesUlimits {
        name: Some(name),
        soft: soft.or(hard),
        hard: hard.or(soft),
    })
}

pub(super) fn log_config(v: &Value) -> R<HostConfigLogConfig> {
    let f = Fields::of(v, &["type", "config"])?;
    Ok(HostConfigLogConfig {
        typ: f.map("type", string)?,
        config: f.map("config", str_map)?,
    })
}

pub(super) fn restart_policy(v: &Value) -> R<RestartPolicy> {
    let f = Fields::of(v, &["name", "maximumretrycount"])?;
    Ok(RestartPolicy {
        name: Some(typed(f.req("name")?)?),
        maximum_retry_count: f.map("maximumretrycount", int)?,
    })
}

/// docker-py `Mount`s: mappings with its keywords (or the API's keys), or `"source:target[:ro]"`.
pub(super) fn mount(v: &Value) -> R<Mount> {
    if let Value::Str(s) = v {
        return mount_string(s);
    }
    let f = Fields::of(
        v,
        &[
            "target",
            "source",
            "type",
            "readonly",
            "consistency",
            "propagation",
            "nocopy",
            "labels",
            "driverconfig",
            "tmpfssize",
            "tmpfsmode",
            "bindoptions",
            "volumeoptions",
            "tmpfsoptions",
        ],
    )?;
    let mut bind: Option<MountBindOptions> = f.map("bindoptions", typed)?;
    if let Some(p) = f.get("propagation") {
        bind.get_or_insert_with(Default::default).propagation = Some(typed(p)?);
    }
    let mut volume: Option<MountVolumeOptions> = f.map("volumeoptions", typed)?;
    if let Some(n) = f.get("nocopy") {
        volume.get_or_insert_with(Default::default).no_copy = Some(boolean(n)?);
    }
    if let Some(l) = f.get("labels") {
        volume.get_or_insert_with(Default::default).labels = Some(str_map(l)?);
    }
    if let Some(d) = f.get("driverconfig") {
        volume.get_or_insert_with(Default::default).driver_config = Some(match d {
            Value::Str(name) => MountVolumeOptionsDriverConfig {
                name: Some(name.clone()),
                options: None,
            },
            d => {
                let d = Fields::of(d, &["name", "options"])?;
                MountVolumeOptionsDriverConfig {
                    name: d.map("name", string)?,
                    options: d.map("options", str_map)?,
                }
            }
        });
    }
    let mut tmpfs: Option<MountTmpfsOptions> = f.map("tmpfsoptions", typed)?;
    if let Some(s) = f.get("tmpfssize") {
        tmpfs.get_or_insert_with(Default::default).size_bytes = Some(bytes(s)?);
    }
    if let Some(m) = f.get("tmpfsmode") {
        tmpfs.get_or_insert_with(Default::default).mode = Some(int(m)?);
    }
    Ok(Mount {
        target: Some(string(f.req("target")?)?),
        source: f.map("source", string)?,
        typ: Some(f.map("type", typed)?.unwrap_or(MountType::VOLUME)),
        read_only: f.map("readonly", boolean)?,
        consistency: f.map("consistency", string)?,
        bind_options: bind,
        volume_options: volume,
        tmpfs_options: tmpfs,
        ..Default::default()
    })
}

/// docker-py's `Mount.parse_mount_string`: a source starting with `/` is a bind, else a volume.
pub(super) fn mount_string(s: &str) -> R<Mount> {
    let (source, target, read_only) = match s.split(':').collect::<Vec<_>>()[..] {
        [target] => (None, target, false),
        [source, target] => (Some(source), target, false),
        [source, target, mode @ ("ro" | "rw")] => (Some(source), target, mode == "ro"),
        _ => return Err(format!("expected `source:target[:ro|rw]`, found `{s}`")),
    };
    if target.is_empty() {
        return Err(format!("empty mount target in `{s}`"));
    }
    let typ = match source {
        Some(source) if source.starts_with('/') => MountType::BIND,
        _ => MountType::VOLUME,
    };
    Ok(Mount {
        target: Some(target.into()),
        source: source.map(Into::into),
        typ: Some(typ),
        read_only: Some(read_only),
        ..Default::default()
    })
}

/// A list of `"host:container[:mode]"`, or docker-py's mapping `{host: container}` (mode `rw`) /
/// `{host: {bind, mode | ro}}`.
pub(super) fn binds(v: &Value) -> R<Vec<String>> {
    let Value::Map(map) = v else {
        return strings(v);
    };
    map.iter()
        .map(|(host, spec)| match spec {
            Value::Map(_) => {
                let f = Fields::of(spec, &["bind", "mode", "ro"])?;
                let mode = match (f.map("ro", boolean)?, f.map("mode", string)?) {
                    (Some(true), _) => "ro".to_string(),
                    (Some(false), _) => "rw".to_string(),
                    (None, mode) => mode.unwrap_or_else(|| "rw".into()),
                };
                Ok(format!("{host}:{}:{mode}", string(f.req("bind")?)?))
            }
            spec => Ok(format!("{host}:{}:rw", string(spec)?)),
        })
        .collect()
}

/// `{tmpfs path: options}` or a list of `"path[:options]"`.
pub(super) fn tmpfs(v: &Value) -> R<HashMap<String, String>> {
    match v {
        Value::Map(map) => map
            .iter()
            .map(|(path, opts)| match opts {
                Value::Null => Ok((path.clone(), String::new())),
                opts => Ok((path.clone(), string(opts)?)),
            })
            .collect(),
        v => Ok(strings(v)?
            .into_iter()
            .map(|item| match item.split_once(':') {
                Some((path, opts)) => (path.to_string(), opts.to_string()),
                None => (item, String::new()),
            })
            .collect()),
    }
}

/// docker-py's `port_bindings`: `{container port ("80", 80, "53/udp"): binding or list of
/// bindings}`; a binding is a host port, `[ip]`, `[ip, port]`, `"ip:port"`, `{HostIp, HostPort}`,
/// or null (any free port).
pub(super) fn port_bindings(v: &Value) -> R<PortMap> {
    let Value::Map(map) = v else {
        return Err(format!("expected a mapping of container ports, found {v}"));
    };
    map.iter()
        .map(|(port, spec)| {
            let key = if port.contains('/') {
                port.clone()
            } else {
                format!("{port}/tcp")
            };
            let bindings = match spec {
                Value::List(items) if !is_ip_port(items) => {
                    items.iter().map(port_binding).collect::<R<_>>()?
                }
                spec => vec![port_binding(spec)?],
            };
            Ok((key, Some(bindings)))
        })
        .collect()
}

/// `[ip]` or `[ip, port]` (docker-py's tuple), told from a list of ports by its non-numeric head.
pub(super) fn is_ip_port(items: &[Value]) -> bool {
    matches!(items, [Value::Str(ip)] | [Value::Str(ip), Value::Str(_) | Value::Int(_)] if ip.parse::<u16>().is_err())
}

pub(super) fn port_binding(v: &Value) -> R<PortBinding> {
    let binding = |ip: &str, port: String| PortBinding {
        host_ip: Some(ip.trim_start_matches('[').trim_end_matches(']').to_string()),
        host_port: Some(port),
    };
    match v {
        Value::Null => Ok(binding("", String::new())),
        Value::Int(_) => Ok(binding("", string(v)?)),
        Value::Str(s) => Ok(match s.rsplit_once(':') {
            Some((ip, port)) => binding(ip, port.to_string()),
            None => binding("", s.clone()),
        }),
        Value::List(items) if is_ip_port(items) => match items.as_slice() {
            [ip] => Ok(binding(&string(ip)?, String::new())),
            [ip, port] => Ok(binding(&string(ip)?, string(port)?)),
            _ => Err(format!("expected [ip, port], found {v}")),
        },
        Value::Map(_) => {
            let f = Fields::of(v, &["hostip", "hostport"])?;
            Ok(binding(
                &f.map("hostip", string)?.unwrap_or_default(),
                f.map("hostport", string)?.unwrap_or_default(),
            ))
        }
        other => Err(format!(
            "expected a host port, [ip, port] or {{HostIp, HostPort}}, found {other}"
        )),
    }
}
