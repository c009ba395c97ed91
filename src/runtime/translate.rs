//! Translation of docker-py's keyword arguments (`create_options`, `host_config`) to the Engine API:
//! the container create body, its host config, and the body of `docker update`.
//!
//! Values arrive shape-checked and normalised by [`crate::model::options`]; `null` means "unset" and
//! is skipped. Mappings that docker-py spells with API keys (`Path`, `DeviceIDs`) are also accepted
//! with docker-py's keyword spelling (`path`, `device_ids`): keys are compared without case and `_`.

use std::collections::{BTreeMap, HashMap};

use bollard::models::{
    ContainerCreateBody, ContainerUpdateBody, DeviceMapping, DeviceRequest, HealthConfig, HostConfig,
    HostConfigLogConfig, Mount, MountBindOptions, MountTmpfsOptions, MountType, MountVolumeOptions,
    MountVolumeOptionsDriverConfig, PortBinding, PortMap, ResourcesBlkioWeightDevice, ResourcesUlimits,
    RestartPolicy, ThrottleDevice,
};
use serde::de::DeserializeOwned;

use crate::model::healthcheck::HealthCheck;
use crate::model::options::parse_bytes;
use crate::model::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TranslateError {
    #[error("invalid `{key}`: {message}")]
    Invalid { key: String, message: String },
    #[error("unsupported option `{0}`")]
    Unsupported(String),
}

type R<T> = Result<T, String>;

/// The keys [`update_body`] covers: what the Engine changes in place on `docker update`
/// (docker-map's `CONTAINER_UPDATE_VARS`, the realtime CPU keys, `nano_cpus`, `pids_limit`) plus
/// `restart_policy`. `oom_kill_disable` is left out: the Engine accepts but ignores it on update.
pub const UPDATABLE_KEYS: &[&str] = &[
    "blkio_weight",
    "cpu_period",
    "cpu_quota",
    "cpu_rt_period",
    "cpu_rt_runtime",
    "cpu_shares",
    "cpuset_cpus",
    "cpuset_mems",
    "kernel_memory",
    "mem_limit",
    "mem_reservation",
    "memswap_limit",
    "nano_cpus",
    "pids_limit",
    "restart_policy",
];

/// Applies docker-py `create_container` keywords (`create_options` may also hold host-config keys,
/// as docker-map allows). `platform` and `mac_address` are not part of the body: see [`platform`]
/// and [`mac_address`].
pub fn apply_create_options(
    options: &BTreeMap<String, Value>,
    body: &mut ContainerCreateBody,
    host: &mut HostConfig,
) -> Result<(), TranslateError> {
    apply(options, |key, value| {
        Ok(create_key(key, value, body, host)? || host_key(key, value, host)?)
    })
}

/// Applies docker-py `create_host_config` keywords.
pub fn apply_host_config(
    options: &BTreeMap<String, Value>,
    host: &mut HostConfig,
) -> Result<(), TranslateError> {
    apply(options, |key, value| host_key(key, value, host))
}

/// What `docker update` can change in place: resource limits and restart policy, only the keys the
/// map sets (from both maps, `host_config` winning). None if the map sets none of them.
pub fn update_body(
    create_options: &BTreeMap<String, Value>,
    host_config: &BTreeMap<String, Value>,
) -> Result<Option<ContainerUpdateBody>, TranslateError> {
    let updatable: BTreeMap<String, Value> = create_options
        .iter()
        .chain(host_config)
        .filter(|(k, v)| UPDATABLE_KEYS.contains(&k.as_str()) && !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut h = HostConfig::default();
    apply_host_config(&updatable, &mut h)?;
    let body = ContainerUpdateBody {
        blkio_weight: h.blkio_weight,
        cpu_period: h.cpu_period,
        cpu_quota: h.cpu_quota,
        cpu_realtime_period: h.cpu_realtime_period,
        cpu_realtime_runtime: h.cpu_realtime_runtime,
        cpu_shares: h.cpu_shares,
        cpuset_cpus: h.cpuset_cpus,
        cpuset_mems: h.cpuset_mems,
        memory: h.memory,
        memory_reservation: h.memory_reservation,
        memory_swap: h.memory_swap,
        nano_cpus: h.nano_cpus,
        pids_limit: h.pids_limit,
        restart_policy: h.restart_policy,
        ..Default::default()
    };
    Ok((body != ContainerUpdateBody::default()).then_some(body))
}

/// `platform`: a query parameter of container creation, not part of the body.
pub fn platform(options: &BTreeMap<String, Value>) -> Option<String> {
    options.get("platform").and_then(Value::scalar_text)
}

/// `mac_address`: since API 1.44 set on the container's endpoint in the network it joins at
/// creation (`EndpointSettings.MacAddress`), no longer in the body.
pub fn mac_address(options: &BTreeMap<String, Value>) -> Option<String> {
    options.get("mac_address").and_then(Value::scalar_text)
}

/// The Engine's form of a model healthcheck.
pub fn health_config(check: &HealthCheck) -> HealthConfig {
    let nanos = |n: Option<u64>| n.map(|n| i64::try_from(n).unwrap_or(i64::MAX));
    HealthConfig {
        test: Some(check.test.clone()),
        interval: nanos(check.interval),
        timeout: nanos(check.timeout),
        retries: check.retries.map(i64::from),
        start_period: nanos(check.start_period),
        start_interval: None,
    }
}

/// Splits a command string like a POSIX shell: whitespace separates words; single quotes keep
/// everything literal; double quotes keep all but `\` before `$`, `` ` ``, `"`, `\` and newline;
/// a backslash outside quotes escapes the next character. (docker-map split on spaces.)
pub fn split_command(text: &str) -> Result<Vec<String>, TranslateError> {
    split_words(text).map_err(|message| TranslateError::Invalid {
        key: "command".into(),
        message,
    })
}

fn split_words(text: &str) -> R<Vec<String>> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut in_word = false;
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        match c {
            c if c.is_whitespace() => {
                if in_word {
                    words.push(std::mem::take(&mut word));
                    in_word = false;
                }
                continue;
            }
            '\'' => loop {
                match chars.next() {
                    Some('\'') => break,
                    Some(c) => word.push(c),
                    None => return Err(format!("unterminated single quote in `{text}`")),
                }
            },
            '"' => loop {
                match chars.next() {
                    Some('"') => break,
                    Some('\\') => match chars.next() {
                        Some('\n') => {}
                        Some(c @ ('$' | '`' | '"' | '\\')) => word.push(c),
                        Some(c) => word.extend(['\\', c]),
                        None => return Err(format!("unterminated double quote in `{text}`")),
                    },
                    Some(c) => word.push(c),
                    None => return Err(format!("unterminated double quote in `{text}`")),
                }
            },
            '\\' => match chars.next() {
                Some('\n') => continue,
                Some(c) => word.push(c),
                None => return Err(format!("trailing backslash in `{text}`")),
            },
            c => word.push(c),
        }
        in_word = true;
    }
    if in_word {
        words.push(word);
    }
    Ok(words)
}

fn apply(
    options: &BTreeMap<String, Value>,
    mut one: impl FnMut(&str, &Value) -> R<bool>,
) -> Result<(), TranslateError> {
    for (key, value) in options.iter().filter(|(_, v)| !v.is_null()) {
        match one(key, value) {
            Ok(true) => {}
            Ok(false) => return Err(TranslateError::Unsupported(key.clone())),
            Err(message) => {
                return Err(TranslateError::Invalid {
                    key: key.clone(),
                    message,
                })
            }
        }
    }
    Ok(())
}

/// A `create_container` keyword; false if `key` is not one.
fn create_key(key: &str, v: &Value, body: &mut ContainerCreateBody, host: &mut HostConfig) -> R<bool> {
    match key {
        "command" => body.cmd = Some(command(v)?),
        "entrypoint" => body.entrypoint = Some(command(v)?),
        "environment" => body.env = Some(environment(v)?),
        "labels" => body.labels = Some(str_map(v)?),
        "working_dir" => body.working_dir = Some(string(v)?),
        "user" => body.user = Some(string(v)?),
        "hostname" => body.hostname = Some(string(v)?),
        "domainname" => body.domainname = Some(string(v)?),
        "tty" => body.tty = Some(boolean(v)?),
        "stdin_open" => body.open_stdin = Some(boolean(v)?),
        "stop_signal" => body.stop_signal = Some(string(v)?),
        "stop_timeout" => body.stop_timeout = Some(int(v)?),
        "network_disabled" => body.network_disabled = Some(boolean(v)?),
        "volumes" => body.volumes = Some(strings(v)?),
        "runtime" => host.runtime = Some(string(v)?),
        "healthcheck" => body.healthcheck = HealthCheck::parse(v)?.as_ref().map(health_config),
        // not part of the body: see `platform` and `mac_address`
        "platform" | "mac_address" => string(v).map(drop)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// A `create_host_config` keyword; false if `key` is not one.
fn host_key(key: &str, v: &Value, h: &mut HostConfig) -> R<bool> {
    match key {
        "auto_remove" => h.auto_remove = Some(boolean(v)?),
        "binds" => h.binds = Some(binds(v)?),
        "blkio_weight" => h.blkio_weight = Some(u16::try_from(int(v)?).map_err(|e| e.to_string())?),
        "blkio_weight_device" => h.blkio_weight_device = Some(items(v, weight_device)?),
        "cap_add" => h.cap_add = Some(strings(v)?),
        "cap_drop" => h.cap_drop = Some(strings(v)?),
        "cgroup_parent" => h.cgroup_parent = Some(string(v)?),
        "cgroupns" => h.cgroupns_mode = Some(typed(v)?),
        "cpu_count" => h.cpu_count = Some(int(v)?),
        "cpu_percent" => h.cpu_percent = Some(int(v)?),
        "cpu_period" => h.cpu_period = Some(int(v)?),
        "cpu_quota" => h.cpu_quota = Some(int(v)?),
        "cpu_rt_period" => h.cpu_realtime_period = Some(int(v)?),
        "cpu_rt_runtime" => h.cpu_realtime_runtime = Some(int(v)?),
        "cpu_shares" => h.cpu_shares = Some(int(v)?),
        "cpuset_cpus" => h.cpuset_cpus = Some(string(v)?),
        "cpuset_mems" => h.cpuset_mems = Some(string(v)?),
        "device_cgroup_rules" => h.device_cgroup_rules = Some(strings(v)?),
        "device_read_bps" => h.blkio_device_read_bps = Some(items(v, |d| throttle(d, true))?),
        "device_read_iops" => h.blkio_device_read_iops = Some(items(v, |d| throttle(d, false))?),
        "device_write_bps" => h.blkio_device_write_bps = Some(items(v, |d| throttle(d, true))?),
        "device_write_iops" => h.blkio_device_write_iops = Some(items(v, |d| throttle(d, false))?),
        "device_requests" => h.device_requests = Some(items(v, device_request)?),
        "devices" => h.devices = Some(items(v, device)?),
        "dns" => h.dns = Some(strings(v)?),
        "dns_opt" => h.dns_options = Some(strings(v)?),
        "dns_search" => h.dns_search = Some(strings(v)?),
        "extra_hosts" => h.extra_hosts = Some(pairs(v, "host", "ip")?),
        "group_add" => h.group_add = Some(strings(v)?),
        "init" => h.init = Some(boolean(v)?),
        "ipc_mode" => h.ipc_mode = Some(string(v)?),
        "isolation" => h.isolation = Some(typed(v)?),
        // removed from the Engine API (1.42); checked, then dropped as the Engine would
        "kernel_memory" => bytes(v).map(drop)?,
        "links" => h.links = Some(pairs(v, "container", "alias")?),
        "log_config" => h.log_config = Some(log_config(v)?),
        "mem_limit" => h.memory = Some(bytes(v)?),
        "mem_reservation" => h.memory_reservation = Some(bytes(v)?),
        "mem_swappiness" => h.memory_swappiness = Some(int(v)?),
        "memswap_limit" => h.memory_swap = Some(if is_minus_one(v) { -1 } else { bytes(v)? }),
        "mounts" => h.mounts = Some(items(v, mount)?),
        "nano_cpus" => h.nano_cpus = Some(int(v)?),
        "network_mode" => h.network_mode = Some(string(v)?),
        "oom_kill_disable" => h.oom_kill_disable = Some(boolean(v)?),
        "oom_score_adj" => h.oom_score_adj = Some(int(v)?),
        "pid_mode" => h.pid_mode = Some(string(v)?),
        "pids_limit" => h.pids_limit = Some(int(v)?),
        "port_bindings" => h.port_bindings = Some(port_bindings(v)?),
        "privileged" => h.privileged = Some(boolean(v)?),
        "publish_all_ports" => h.publish_all_ports = Some(boolean(v)?),
        "read_only" => h.readonly_rootfs = Some(boolean(v)?),
        "restart_policy" => h.restart_policy = Some(restart_policy(v)?),
        "runtime" => h.runtime = Some(string(v)?),
        "security_opt" => h.security_opt = Some(strings(v)?),
        "shm_size" => h.shm_size = Some(bytes(v)?),
        "storage_opt" => h.storage_opt = Some(str_map(v)?),
        "sysctls" => h.sysctls = Some(str_map(v)?),
        "tmpfs" => h.tmpfs = Some(tmpfs(v)?),
        "ulimits" => h.ulimits = Some(items(v, ulimit)?),
        "userns_mode" => h.userns_mode = Some(string(v)?),
        "uts_mode" => h.uts_mode = Some(string(v)?),
        "volume_driver" => h.volume_driver = Some(string(v)?),
        "volumes_from" => h.volumes_from = Some(strings(v)?),
        _ => return Ok(false),
    }
    Ok(true)
}

// ---- scalars and plain collections

fn string(v: &Value) -> R<String> {
    match v {
        Value::Str(s) => Ok(s.clone()),
        Value::Int(i) => Ok(i.to_string()),
        other => Err(format!("expected a string, found {other}")),
    }
}

fn int(v: &Value) -> R<i64> {
    match v {
        Value::Int(i) => Ok(*i),
        other => Err(format!("expected an integer, found {other}")),
    }
}

fn boolean(v: &Value) -> R<bool> {
    match v {
        Value::Bool(b) => Ok(*b),
        other => Err(format!("expected a boolean, found {other}")),
    }
}

/// docker-py's sizes: an integer number of bytes or a string such as `"64m"`.
fn bytes(v: &Value) -> R<i64> {
    let n = match v {
        Value::Int(i) if *i >= 0 => return Ok(*i),
        Value::Str(s) => parse_bytes(s)?,
        other => return Err(format!("expected a size such as \"64m\", found {other}")),
    };
    i64::try_from(n).map_err(|_| format!("size `{v}` is out of range"))
}

fn is_minus_one(v: &Value) -> bool {
    matches!(v, Value::Int(-1)) || matches!(v, Value::Str(s) if s.trim() == "-1")
}

fn list(v: &Value) -> R<&[Value]> {
    match v {
        Value::List(items) => Ok(items),
        other => Err(format!("expected a list, found {other}")),
    }
}

fn items<T>(v: &Value, one: impl Fn(&Value) -> R<T>) -> R<Vec<T>> {
    list(v)?.iter().map(one).collect()
}

fn strings(v: &Value) -> R<Vec<String>> {
    match v {
        Value::Str(s) => Ok(vec![s.clone()]),
        v => items(v, string),
    }
}

fn str_map(v: &Value) -> R<HashMap<String, String>> {
    match v {
        Value::Map(map) => map.iter().map(|(k, v)| Ok((k.clone(), string(v)?))).collect(),
        other => Err(format!("expected a mapping of strings, found {other}")),
    }
}

fn command(v: &Value) -> R<Vec<String>> {
    match v {
        Value::Str(s) => split_words(s),
        v => items(v, string),
    }
}

/// `K=V` words sorted by key.
fn environment(v: &Value) -> R<Vec<String>> {
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
fn typed<T: DeserializeOwned>(v: &Value) -> R<T> {
    serde_json::to_value(v)
        .and_then(serde_json::from_value)
        .map_err(|e| e.to_string())
}

/// `{a: b}` → `["a:b"]` (sorted; `a` alone for a null `b`); a list of `"a:b"` or `[a, b]` as is.
fn pairs(v: &Value, left: &str, right: &str) -> R<Vec<String>> {
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
struct Fields<'a>(BTreeMap<String, &'a Value>);

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
fn weight_device(v: &Value) -> R<ResourcesBlkioWeightDevice> {
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
fn throttle(v: &Value, sized: bool) -> R<ThrottleDevice> {
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
fn device(v: &Value) -> R<DeviceMapping> {
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

fn device_request(v: &Value) -> R<DeviceRequest> {
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
fn ulimit(v: &Value) -> R<ResourcesUlimits> {
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

fn log_config(v: &Value) -> R<HostConfigLogConfig> {
    let f = Fields::of(v, &["type", "config"])?;
    Ok(HostConfigLogConfig {
        typ: f.map("type", string)?,
        config: f.map("config", str_map)?,
    })
}

fn restart_policy(v: &Value) -> R<RestartPolicy> {
    let f = Fields::of(v, &["name", "maximumretrycount"])?;
    Ok(RestartPolicy {
        name: Some(typed(f.req("name")?)?),
        maximum_retry_count: f.map("maximumretrycount", int)?,
    })
}

/// docker-py `Mount`s: mappings with its keywords (or the API's keys), or `"source:target[:ro]"`.
fn mount(v: &Value) -> R<Mount> {
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
fn mount_string(s: &str) -> R<Mount> {
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
fn binds(v: &Value) -> R<Vec<String>> {
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
fn tmpfs(v: &Value) -> R<HashMap<String, String>> {
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
fn port_bindings(v: &Value) -> R<PortMap> {
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
fn is_ip_port(items: &[Value]) -> bool {
    matches!(items, [Value::Str(ip)] | [Value::Str(ip), Value::Str(_) | Value::Int(_)] if ip.parse::<u16>().is_err())
}

fn port_binding(v: &Value) -> R<PortBinding> {
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

#[cfg(test)]
mod tests {
    use bollard::models::RestartPolicyNameEnum;
    use serde_json::{json, Value as Json};

    use super::*;

    /// A model value from JSON, to keep the tables short.
    fn v(j: Json) -> Value {
        match j {
            Json::Null => Value::Null,
            Json::Bool(b) => Value::Bool(b),
            Json::Number(n) => n
                .as_i64()
                .map_or(Value::Float(n.as_f64().unwrap_or(0.0)), Value::Int),
            Json::String(s) => Value::Str(s),
            Json::Array(items) => Value::List(items.into_iter().map(v).collect()),
            Json::Object(map) => Value::Map(map.into_iter().map(|(k, j)| (k, v(j))).collect()),
        }
    }

    fn opts(key: &str, input: Json) -> BTreeMap<String, Value> {
        BTreeMap::from([(key.to_string(), v(input))])
    }

    fn host(key: &str, input: Json) -> Result<Json, TranslateError> {
        let mut h = HostConfig::default();
        apply_host_config(&opts(key, input), &mut h)?;
        Ok(serde_json::to_value(h).unwrap())
    }

    #[test]
    fn host_config_keys() {
        let cases = [
            ("auto_remove", json!(true), json!({"AutoRemove": true})),
            ("binds", json!(["/a:/b:ro"]), json!({"Binds": ["/a:/b:ro"]})),
            (
                "binds",
                json!({"/a": {"bind": "/b", "mode": "ro"}, "/c": "/d", "/e": {"bind": "/f", "ro": true}}),
                json!({"Binds": ["/a:/b:ro", "/c:/d:rw", "/e:/f:ro"]}),
            ),
            ("blkio_weight", json!(300), json!({"BlkioWeight": 300})),
            (
                "blkio_weight_device",
                json!([{"Path": "/dev/sda", "Weight": 200}, {"path": "/dev/sdb", "weight": 10}, "/dev/sdc:5"]),
                json!({"BlkioWeightDevice": [
                    {"Path": "/dev/sda", "Weight": 200},
                    {"Path": "/dev/sdb", "Weight": 10},
                    {"Path": "/dev/sdc", "Weight": 5}
                ]}),
            ),
            ("cap_add", json!(["NET_ADMIN"]), json!({"CapAdd": ["NET_ADMIN"]})),
            ("cap_drop", json!(["ALL"]), json!({"CapDrop": ["ALL"]})),
            ("cgroup_parent", json!("/ci"), json!({"CgroupParent": "/ci"})),
            ("cgroupns", json!("host"), json!({"CgroupnsMode": "host"})),
            ("cpu_count", json!(2), json!({"CpuCount": 2})),
            ("cpu_percent", json!(50), json!({"CpuPercent": 50})),
            ("cpu_period", json!(100000), json!({"CpuPeriod": 100000})),
            ("cpu_quota", json!(50000), json!({"CpuQuota": 50000})),
            ("cpu_rt_period", json!(1000), json!({"CpuRealtimePeriod": 1000})),
            ("cpu_rt_runtime", json!(500), json!({"CpuRealtimeRuntime": 500})),
            ("cpu_shares", json!(512), json!({"CpuShares": 512})),
            ("cpuset_cpus", json!("0-3"), json!({"CpusetCpus": "0-3"})),
            ("cpuset_mems", json!("0"), json!({"CpusetMems": "0"})),
            (
                "device_cgroup_rules",
                json!(["c 1:3 mr"]),
                json!({"DeviceCgroupRules": ["c 1:3 mr"]}),
            ),
            (
                "device_read_bps",
                json!([{"path": "/dev/sda", "rate": "1m"}]),
                json!({"BlkioDeviceReadBps": [{"Path": "/dev/sda", "Rate": 1048576}]}),
            ),
            (
                "device_write_bps",
                json!(["/dev/sda:1k"]),
                json!({"BlkioDeviceWriteBps": [{"Path": "/dev/sda", "Rate": 1024}]}),
            ),
            (
                "device_read_iops",
                json!([{"Path": "/dev/sda", "Rate": 100}]),
                json!({"BlkioDeviceReadIOps": [{"Path": "/dev/sda", "Rate": 100}]}),
            ),
            (
                "device_write_iops",
                json!(["/dev/sda:200"]),
                json!({"BlkioDeviceWriteIOps": [{"Path": "/dev/sda", "Rate": 200}]}),
            ),
            (
                "device_requests",
                json!([{"count": -1, "capabilities": [["gpu"]]}, {"driver": "nvidia", "device_ids": ["0"],
                        "capabilities": ["gpu", "compute"], "options": {"a": "b"}}]),
                json!({"DeviceRequests": [
                    {"Count": -1, "Capabilities": [["gpu"]]},
                    {"Driver": "nvidia", "DeviceIDs": ["0"], "Capabilities": [["gpu", "compute"]],
                     "Options": {"a": "b"}}
                ]}),
            ),
            (
                "devices",
                json!([
                    "/dev/sda:/dev/xvda:r",
                    "/dev/fuse",
                    "/dev/kvm:rw",
                    "/dev/a:/dev/b"
                ]),
                json!({"Devices": [
                    {"PathOnHost": "/dev/sda", "PathInContainer": "/dev/xvda", "CgroupPermissions": "r"},
                    {"PathOnHost": "/dev/fuse", "PathInContainer": "/dev/fuse", "CgroupPermissions": "rwm"},
                    {"PathOnHost": "/dev/kvm", "PathInContainer": "/dev/kvm", "CgroupPermissions": "rw"},
                    {"PathOnHost": "/dev/a", "PathInContainer": "/dev/b", "CgroupPermissions": "rwm"}
                ]}),
            ),
            ("dns", json!(["8.8.8.8"]), json!({"Dns": ["8.8.8.8"]})),
            ("dns_opt", json!(["ndots:2"]), json!({"DnsOptions": ["ndots:2"]})),
            (
                "dns_search",
                json!(["example.com"]),
                json!({"DnsSearch": ["example.com"]}),
            ),
            (
                "extra_hosts",
                json!({"b": "10.0.0.2", "a": "10.0.0.1"}),
                json!({"ExtraHosts": ["a:10.0.0.1", "b:10.0.0.2"]}),
            ),
            (
                "extra_hosts",
                json!(["a:10.0.0.1"]),
                json!({"ExtraHosts": ["a:10.0.0.1"]}),
            ),
            ("group_add", json!(["video"]), json!({"GroupAdd": ["video"]})),
            ("init", json!(true), json!({"Init": true})),
            ("ipc_mode", json!("host"), json!({"IpcMode": "host"})),
            ("isolation", json!("process"), json!({"Isolation": "process"})),
            ("kernel_memory", json!("64m"), json!({})),
            (
                "links",
                json!({"db": "database", "cache": null}),
                json!({"Links": ["cache", "db:database"]}),
            ),
            (
                "links",
                json!([["db", "database"], "web:w"]),
                json!({"Links": ["db:database", "web:w"]}),
            ),
            (
                "log_config",
                json!({"type": "json-file", "config": {"max-size": "10m", "max-file": 3}}),
                json!({"LogConfig": {"Type": "json-file", "Config": {"max-size": "10m", "max-file": "3"}}}),
            ),
            ("mem_limit", json!("3g"), json!({"Memory": 3_221_225_472_i64})),
            ("mem_reservation", json!(1024), json!({"MemoryReservation": 1024})),
            ("mem_swappiness", json!(0), json!({"MemorySwappiness": 0})),
            ("memswap_limit", json!(-1), json!({"MemorySwap": -1})),
            (
                "memswap_limit",
                json!("1g"),
                json!({"MemorySwap": 1_073_741_824_i64}),
            ),
            (
                "mounts",
                json!([
                    {"target": "/data", "source": "vol", "read_only": true, "no_copy": true},
                    {"Target": "/run", "Type": "tmpfs", "TmpfsOptions": {"Mode": 448}},
                    {"target": "/tmp", "type": "tmpfs", "tmpfs_size": "64m"},
                    {"target": "/src", "source": "/home/src", "type": "bind", "propagation": "rslave"},
                    "/host:/c:ro",
                    "cache:/cache"
                ]),
                json!({"Mounts": [
                    {"Target": "/data", "Source": "vol", "Type": "volume", "ReadOnly": true,
                     "VolumeOptions": {"NoCopy": true}},
                    {"Target": "/run", "Type": "tmpfs", "TmpfsOptions": {"Mode": 448}},
                    {"Target": "/tmp", "Type": "tmpfs", "TmpfsOptions": {"SizeBytes": 67_108_864}},
                    {"Target": "/src", "Source": "/home/src", "Type": "bind",
                     "BindOptions": {"Propagation": "rslave"}},
                    {"Target": "/c", "Source": "/host", "Type": "bind", "ReadOnly": true},
                    {"Target": "/cache", "Source": "cache", "Type": "volume", "ReadOnly": false}
                ]}),
            ),
            (
                "nano_cpus",
                json!(1_500_000_000),
                json!({"NanoCpus": 1_500_000_000}),
            ),
            ("network_mode", json!("host"), json!({"NetworkMode": "host"})),
            ("oom_kill_disable", json!(true), json!({"OomKillDisable": true})),
            ("oom_score_adj", json!(-500), json!({"OomScoreAdj": -500})),
            ("pid_mode", json!("host"), json!({"PidMode": "host"})),
            ("pids_limit", json!(100), json!({"PidsLimit": 100})),
            (
                "port_bindings",
                json!({"80": 8080, "53/udp": ["127.0.0.1", 5353], "443": [8443, "9443"], "22": null,
                       "8000": "127.0.0.1:8000", "9000": {"HostIp": "::1", "HostPort": "9000"}}),
                json!({"PortBindings": {
                    "80/tcp": [{"HostIp": "", "HostPort": "8080"}],
                    "53/udp": [{"HostIp": "127.0.0.1", "HostPort": "5353"}],
                    "443/tcp": [{"HostIp": "", "HostPort": "8443"}, {"HostIp": "", "HostPort": "9443"}],
                    "22/tcp": [{"HostIp": "", "HostPort": ""}],
                    "8000/tcp": [{"HostIp": "127.0.0.1", "HostPort": "8000"}],
                    "9000/tcp": [{"HostIp": "::1", "HostPort": "9000"}]
                }}),
            ),
            ("privileged", json!(true), json!({"Privileged": true})),
            (
                "publish_all_ports",
                json!(false),
                json!({"PublishAllPorts": false}),
            ),
            ("read_only", json!(true), json!({"ReadonlyRootfs": true})),
            (
                "restart_policy",
                json!({"Name": "on-failure", "MaximumRetryCount": 3}),
                json!({"RestartPolicy": {"Name": "on-failure", "MaximumRetryCount": 3}}),
            ),
            (
                "restart_policy",
                json!({"Name": "always"}),
                json!({"RestartPolicy": {"Name": "always"}}),
            ),
            ("runtime", json!("runc"), json!({"Runtime": "runc"})),
            (
                "security_opt",
                json!(["no-new-privileges"]),
                json!({"SecurityOpt": ["no-new-privileges"]}),
            ),
            ("shm_size", json!("64m"), json!({"ShmSize": 67_108_864})),
            (
                "storage_opt",
                json!({"size": "10G"}),
                json!({"StorageOpt": {"size": "10G"}}),
            ),
            (
                "sysctls",
                json!({"net.core.somaxconn": "1024"}),
                json!({"Sysctls": {"net.core.somaxconn": "1024"}}),
            ),
            (
                "tmpfs",
                json!(["/run:size=64m", "/tmp"]),
                json!({"Tmpfs": {"/run": "size=64m", "/tmp": ""}}),
            ),
            (
                "tmpfs",
                json!({"/run": "size=64m", "/tmp": null}),
                json!({"Tmpfs": {"/run": "size=64m", "/tmp": ""}}),
            ),
            (
                "ulimits",
                json!([{"name": "nofile", "soft": 1024, "hard": 2048}, {"Name": "core", "Soft": 0}, "nproc=64"]),
                json!({"Ulimits": [
                    {"Name": "nofile", "Soft": 1024, "Hard": 2048},
                    {"Name": "core", "Soft": 0, "Hard": 0},
                    {"Name": "nproc", "Soft": 64, "Hard": 64}
                ]}),
            ),
            ("userns_mode", json!("host"), json!({"UsernsMode": "host"})),
            ("uts_mode", json!("host"), json!({"UTSMode": "host"})),
            ("volume_driver", json!("local"), json!({"VolumeDriver": "local"})),
            (
                "volumes_from",
                json!(["data:ro"]),
                json!({"VolumesFrom": ["data:ro"]}),
            ),
            ("privileged", json!(null), json!({})),
        ];
        let covered: Vec<&str> = cases.iter().map(|(k, ..)| *k).collect();
        for (key, input, expected) in cases {
            assert_eq!(host(key, input).unwrap(), expected, "{key}");
        }
        for (key, _) in crate::model::options::HOST_CONFIG_KEYS {
            assert!(covered.contains(key), "no test for `{key}`");
        }
    }

    #[test]
    fn create_keys() {
        let cases = [
            (
                "command",
                json!("/bin/sh -c \"echo hi\""),
                json!({"Cmd": ["/bin/sh", "-c", "echo hi"]}),
                json!({}),
            ),
            (
                "command",
                json!(["a b", "c"]),
                json!({"Cmd": ["a b", "c"]}),
                json!({}),
            ),
            (
                "entrypoint",
                json!("/tini --"),
                json!({"Entrypoint": ["/tini", "--"]}),
                json!({}),
            ),
            (
                "environment",
                json!({"B": "2", "A": "1"}),
                json!({"Env": ["A=1", "B=2"]}),
                json!({}),
            ),
            (
                "labels",
                json!({"a": "b"}),
                json!({"Labels": {"a": "b"}}),
                json!({}),
            ),
            (
                "working_dir",
                json!("/app"),
                json!({"WorkingDir": "/app"}),
                json!({}),
            ),
            ("user", json!("app"), json!({"User": "app"}), json!({})),
            ("hostname", json!("web"), json!({"Hostname": "web"}), json!({})),
            (
                "domainname",
                json!("example.com"),
                json!({"Domainname": "example.com"}),
                json!({}),
            ),
            ("tty", json!(true), json!({"Tty": true}), json!({})),
            ("stdin_open", json!(true), json!({"OpenStdin": true}), json!({})),
            (
                "stop_signal",
                json!("SIGINT"),
                json!({"StopSignal": "SIGINT"}),
                json!({}),
            ),
            ("stop_timeout", json!(30), json!({"StopTimeout": 30}), json!({})),
            (
                "network_disabled",
                json!(true),
                json!({"NetworkDisabled": true}),
                json!({}),
            ),
            (
                "volumes",
                json!(["/data"]),
                json!({"Volumes": {"/data": {}}}),
                json!({}),
            ),
            ("runtime", json!("runc"), json!({}), json!({"Runtime": "runc"})),
            ("platform", json!("linux/arm64"), json!({}), json!({})),
            ("mac_address", json!("02:42:ac:11:00:02"), json!({}), json!({})),
            (
                "healthcheck",
                json!({"test": "curl -f localhost", "interval": "30s", "retries": 3}),
                json!({"Healthcheck": {"Test": ["CMD-SHELL", "curl -f localhost"], "Interval": 30_000_000_000_i64,
                       "Retries": 3}}),
                json!({}),
            ),
            (
                "mem_limit",
                json!("64m"),
                json!({}),
                json!({"Memory": 67_108_864}),
            ),
        ];
        let covered: Vec<&str> = cases.iter().map(|(k, ..)| *k).collect();
        for (key, input, body_json, host_json) in cases {
            let (mut body, mut h) = (ContainerCreateBody::default(), HostConfig::default());
            apply_create_options(&opts(key, input), &mut body, &mut h).unwrap();
            assert_eq!(serde_json::to_value(body).unwrap(), body_json, "{key}");
            assert_eq!(serde_json::to_value(h).unwrap(), host_json, "{key}");
        }
        for (key, _) in crate::model::options::CREATE_KEYS {
            assert!(covered.contains(key), "no test for `{key}`");
        }
        let both = BTreeMap::from([
            ("platform".to_string(), Value::str("linux/amd64")),
            ("mac_address".to_string(), Value::str("02:42:ac:11:00:02")),
        ]);
        assert_eq!(platform(&both).as_deref(), Some("linux/amd64"));
        assert_eq!(mac_address(&both).as_deref(), Some("02:42:ac:11:00:02"));
        assert_eq!(platform(&BTreeMap::new()), None);
    }

    #[test]
    fn errors_name_the_key() {
        let cases = [
            ("ulimits", json!([{"name": "nofile"}])),
            ("ulimits", json!([{"nam": "nofile", "soft": 1}])),
            ("ulimits", json!(["nofile"])),
            ("devices", json!(["/dev/a:/dev/b:rwm:x"])),
            ("devices", json!([":/dev/b"])),
            ("mem_limit", json!("lots")),
            ("mem_limit", json!(-1)),
            ("memswap_limit", json!(-2)),
            ("restart_policy", json!({"Name": "sometimes"})),
            ("restart_policy", json!({"MaximumRetryCount": 3})),
            ("port_bindings", json!([80])),
            ("port_bindings", json!({"80": true})),
            ("mounts", json!([{"source": "x"}])),
            ("mounts", json!([{"target": "/x", "type": "nfs"}])),
            ("mounts", json!(["a:b:c:d"])),
            ("blkio_weight", json!(70000)),
            ("blkio_weight_device", json!(["/dev/sda"])),
            ("device_read_bps", json!([{"path": "/dev/sda"}])),
            ("cgroupns", json!("bogus")),
            ("isolation", json!(3)),
            ("privileged", json!("yes")),
            ("log_config", json!("json-file")),
            ("links", json!([["a", "b", "c"]])),
            ("tmpfs", json!(3)),
            ("binds", json!({"/a": {"mode": "ro"}})),
            ("device_requests", json!([{"count": "all"}])),
            ("sysctls", json!(["a=b"])),
        ];
        for (key, input) in cases {
            let err = host(key, input.clone()).expect_err(&format!("{key}: {input}"));
            assert!(
                matches!(&err, TranslateError::Invalid { key: k, .. } if k == key),
                "{key}: {err}"
            );
            assert!(
                err.to_string().starts_with(&format!("invalid `{key}`: ")),
                "{err}"
            );
        }
        let mut body = ContainerCreateBody::default();
        let mut h = HostConfig::default();
        let err = apply_create_options(&opts("command", json!("echo 'hi")), &mut body, &mut h).unwrap_err();
        assert!(
            err.to_string().starts_with("invalid `command`: unterminated"),
            "{err}"
        );
        let err = apply_create_options(&opts("bogus", json!(1)), &mut body, &mut h).unwrap_err();
        assert_eq!(err, TranslateError::Unsupported("bogus".into()));
        // create-only keys are not host-config keys
        assert_eq!(
            host("tty", json!(true)),
            Err(TranslateError::Unsupported("tty".into()))
        );
    }

    #[test]
    fn split_commands() {
        let cases: &[(&str, &[&str])] = &[
            (r#"/bin/sh -c "echo hi""#, &["/bin/sh", "-c", "echo hi"]),
            (r"a\ b c", &["a b", "c"]),
            ("echo 'a \"b\" \\c'", &["echo", "a \"b\" \\c"]),
            (r#"echo "a \"b\" \$HOME \n""#, &["echo", r#"a "b" $HOME \n"#]),
            ("  a\t b\n", &["a", "b"]),
            ("a''b '' \"\"", &["ab", "", ""]),
            ("a\\\nb", &["ab"]),
            ("", &[]),
        ];
        for (text, words) in cases {
            assert_eq!(split_command(text).unwrap(), *words, "{text}");
        }
        for bad in ["echo 'hi", "echo \"hi", "echo hi\\", "\"a\\"] {
            assert!(split_command(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn updates() {
        let none = BTreeMap::new();
        // docker-map §5.6: mem_limit 3g → update {memory: 3221225472}; no invented memswap
        let body = update_body(&opts("mem_limit", json!("3g")), &none)
            .unwrap()
            .unwrap();
        assert_eq!(
            body,
            ContainerUpdateBody {
                memory: Some(3_221_225_472),
                ..Default::default()
            }
        );
        let rp = opts(
            "restart_policy",
            json!({"Name": "on-failure", "MaximumRetryCount": 3}),
        );
        let body = update_body(&none, &rp).unwrap().unwrap();
        assert_eq!(
            body.restart_policy,
            Some(RestartPolicy {
                name: Some(RestartPolicyNameEnum::ON_FAILURE),
                maximum_retry_count: Some(3),
            })
        );
        // host_config wins; keys `docker update` cannot change are left out
        let create = BTreeMap::from([
            ("cpu_shares".to_string(), Value::Int(256)),
            ("privileged".to_string(), Value::Bool(true)),
            ("pids_limit".to_string(), Value::Int(10)),
        ]);
        let body = update_body(&create, &opts("cpu_shares", json!(512)))
            .unwrap()
            .unwrap();
        let expected = ContainerUpdateBody {
            cpu_shares: Some(512),
            pids_limit: Some(10),
            ..Default::default()
        };
        assert_eq!(body, expected);
        assert_eq!(
            update_body(&opts("privileged", json!(true)), &none).unwrap(),
            None
        );
        assert_eq!(update_body(&none, &none).unwrap(), None);
        assert!(update_body(&none, &opts("mem_limit", json!("lots"))).is_err());
        for key in UPDATABLE_KEYS {
            assert!(
                crate::model::options::HOST_CONFIG_KEYS
                    .iter()
                    .any(|(k, _)| k == key),
                "{key}"
            );
        }
    }
}
