//! Translation of docker-py's keyword arguments (`create_options`, `host_config`) to the Engine API:
//! the container create body, its host config, and the body of `docker update`.
//!
//! Values arrive shape-checked and normalised by [`crate::model::options`]; `null` means "unset" and
//! is skipped. Mappings that docker-py spells with API keys (`Path`, `DeviceIDs`) are also accepted
//! with docker-py's keyword spelling (`path`, `device_ids`): keys are compared without case and `_`.

use std::collections::BTreeMap;

use bollard::models::{ContainerCreateBody, ContainerUpdateBody, HealthConfig, HostConfig};
mod body;
mod values;

use crate::model::shell_words::split_words;
pub use body::*;
use values::*;

use crate::model::healthcheck::HealthCheck;
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
    host_config: &mut HostConfig,
) -> Result<(), TranslateError> {
    apply(options, |key, value| {
        Ok(create_key(key, value, body, host_config)? || host_config_key(key, value, host_config)?)
    })
}

/// Applies docker-py `create_host_config` keywords.
pub fn apply_host_config(
    options: &BTreeMap<String, Value>,
    host_config: &mut HostConfig,
) -> Result<(), TranslateError> {
    apply(options, |key, value| host_config_key(key, value, host_config))
}

/// What `docker update` can change in place: resource limits and restart policy, only the keys the
/// map sets (from both maps, `host_config` winning). None if the map sets none of them.
///
/// With `implied_swap`, a memory limit without a swap limit also sends the swap limit the
/// Engine gives such a container at creation (twice the memory): the Engine refuses a memory
/// limit above the swap limit it has, and the container then matches a fresh one.
pub fn update_body(
    create_options: &BTreeMap<String, Value>,
    host_config: &BTreeMap<String, Value>,
    implied_swap: bool,
) -> Result<Option<ContainerUpdateBody>, TranslateError> {
    let updatable: BTreeMap<String, Value> = create_options
        .iter()
        .chain(host_config)
        .filter(|(k, v)| UPDATABLE_KEYS.contains(&k.as_str()) && !v.is_null())
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    let mut h = HostConfig::default();
    apply_host_config(&updatable, &mut h)?;
    if implied_swap && h.memory_swap.is_none() {
        h.memory_swap = h.memory.map(|m| m.saturating_mul(2));
    }
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

/// `mac_address`: set on the container's endpoint in the network it joins at creation
/// (`EndpointSettings.MacAddress`), which the Engine honours from API 1.44 on
/// ([`MAC_ADDRESS_API`]); older Engines read it only from the body, which bollard does not send.
pub fn mac_address(options: &BTreeMap<String, Value>) -> Option<String> {
    options.get("mac_address").and_then(Value::scalar_text)
}

/// A command string split into words as a shell would.
pub fn split_command(text: &str) -> Result<Vec<String>, TranslateError> {
    split_words(text).map_err(|message| TranslateError::Invalid {
        key: "command".into(),
        message,
    })
}

/// The first Engine API version that honours an endpoint's `MacAddress` at creation.
pub const MAC_ADDRESS_API: (usize, usize) = (1, 44);

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
fn create_key(key: &str, v: &Value, body: &mut ContainerCreateBody, host_config: &mut HostConfig) -> R<bool> {
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
        "runtime" => host_config.runtime = Some(string(v)?),
        "healthcheck" => body.healthcheck = HealthCheck::parse(v)?.as_ref().map(health_config),
        // not part of the body: see `platform` and `mac_address`
        "platform" | "mac_address" => string(v).map(drop)?,
        _ => return Ok(false),
    }
    Ok(true)
}

/// A `create_host_config` keyword; false if `key` is not one.
fn host_config_key(key: &str, v: &Value, h: &mut HostConfig) -> R<bool> {
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

#[cfg(test)]
mod tests;
