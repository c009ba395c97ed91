//! `create_options` and `host_config`: docker-py's keywords, described once.
//!
//! [`OPTIONS`] has one entry per keyword: the shapes it accepts, the Engine field it becomes,
//! whether `docker update` changes it in place, the Engine's limits on it, how its value reads in
//! a reason, and whether the value is secret. Checking a map, translating it into Engine requests,
//! diffing recorded specs, updating in place and wording reasons all read this table; a keyword
//! is spelled here and nowhere else.

mod engine;
mod limit;
mod shape;
mod size;
#[cfg(test)]
mod tests;

use crate::model::input::invalid;
use std::collections::BTreeMap;

pub(crate) use engine::{health, Json};
pub(crate) use limit::{not_the_root, Limit};
pub(crate) use shape::{signal, Shape};
pub(crate) use size::bytes_text;

use super::input::{InputError, InputResult};
use super::value::Value;

/// Which of the two mappings accepts a keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Accepted {
    /// docker-py's `create_container` keywords: `create_options` only.
    Create,
    /// docker-py's `create_host_config` keywords: `host_config`, and `create_options` as
    /// docker-map allows.
    HostConfig,
}

/// A container field that a keyword duplicates: the resolved container carries it in that
/// field (the keyword wins over the configuration's own field), never among the other options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Command,
    Entrypoint,
    Environment,
    Healthcheck,
    User,
    Hostname,
    Domainname,
    StopSignal,
    StopTimeout,
}

impl Field {
    const COUNT: usize = Field::StopTimeout as usize + 1;
}

/// Where a keyword's value goes on the Engine.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Engine {
    /// A field of the container (see [`Field`]).
    Field(Field),
    /// A field of the container create body, by its Engine API name.
    Body(&'static str),
    /// A field of the body's `HostConfig`, by its Engine API name (also the name in the body of
    /// `docker update` for keywords that change in place).
    HostConfig(&'static str),
    /// The `platform` query parameter of container creation.
    Platform,
    /// `MacAddress` of the endpoint the container joins at creation.
    EndpointMac,
}

/// How a value reads in a reason: `64m` rather than 67108864.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Reading {
    Plain,
    /// Bytes, `-1` meaning unlimited and 0 unset.
    Bytes,
    /// Billionths of a CPU, read as CPUs (`0.5`).
    NanoCpus,
}

/// One docker-py keyword.
#[derive(Clone, Copy, Debug)]
pub(crate) struct OptionDef {
    pub key: &'static str,
    pub accepted: Accepted,
    pub shape: Shape,
    pub engine: Engine,
    /// `docker update` changes it on a running container.
    pub in_place: bool,
    pub limit: Limit,
    pub reading: Reading,
    /// Its value is never shown (plans, reasons, errors).
    pub secret: bool,
}

const fn create(key: &'static str, shape: Shape, engine: Engine) -> OptionDef {
    OptionDef {
        key,
        accepted: Accepted::Create,
        shape,
        engine,
        in_place: false,
        limit: Limit::None,
        reading: Reading::Plain,
        secret: false,
    }
}

const fn host(key: &'static str, shape: Shape, field: &'static str) -> OptionDef {
    OptionDef {
        accepted: Accepted::HostConfig,
        ..create(key, shape, Engine::HostConfig(field))
    }
}

impl OptionDef {
    const fn in_place(self) -> Self {
        OptionDef {
            in_place: true,
            ..self
        }
    }

    const fn limit(self, limit: Limit) -> Self {
        OptionDef { limit, ..self }
    }

    const fn reads_as(self, reading: Reading) -> Self {
        OptionDef { reading, ..self }
    }

    const fn secret(self) -> Self {
        OptionDef { secret: true, ..self }
    }

    /// The value in the Engine's JSON form.
    pub(crate) fn engine_value(&self, value: &Value) -> InputResult<Json> {
        engine::to_engine(self.shape, value)
    }
}

/// The Engine's minimum memory limit (and reservation): 6 MiB.
const MIN_MEMORY: i64 = 6 << 20;

/// Every keyword dmap accepts, sorted.
pub(crate) const OPTIONS: &[OptionDef] = &[
    host("auto_remove", Shape::Bool, "AutoRemove"),
    host("binds", Shape::Binds, "Binds").limit(Limit::MountTargets),
    host("blkio_weight", Shape::Int, "BlkioWeight")
        .in_place()
        .limit(Limit::ZeroOrWithin(10, 1000)),
    host("blkio_weight_device", Shape::WeightDevices, "BlkioWeightDevice"),
    host("cap_add", Shape::StrList, "CapAdd"),
    host("cap_drop", Shape::StrList, "CapDrop"),
    host("cgroup_parent", Shape::Str, "CgroupParent"),
    host("cgroupns", Shape::OneOf(&["private", "host"]), "CgroupnsMode"),
    create("command", Shape::Command, Engine::Field(Field::Command)),
    host("cpu_count", Shape::Int, "CpuCount").limit(Limit::AtLeast(0)),
    host("cpu_percent", Shape::Int, "CpuPercent").limit(Limit::Within(0, 100)),
    host("cpu_period", Shape::Int, "CpuPeriod")
        .in_place()
        .limit(Limit::ZeroOrWithin(1000, 1_000_000)),
    host("cpu_quota", Shape::Int, "CpuQuota")
        .in_place()
        .limit(Limit::UnsetOrAtLeast(1000)),
    host("cpu_rt_period", Shape::Int, "CpuRealtimePeriod")
        .in_place()
        .limit(Limit::AtLeast(0)),
    host("cpu_rt_runtime", Shape::Int, "CpuRealtimeRuntime")
        .in_place()
        .limit(Limit::AtLeast(0)),
    host("cpu_shares", Shape::Int, "CpuShares")
        .in_place()
        .limit(Limit::AtLeast(0)),
    host("cpuset_cpus", Shape::Str, "CpusetCpus").in_place(),
    host("cpuset_mems", Shape::Str, "CpusetMems").in_place(),
    host("device_cgroup_rules", Shape::StrList, "DeviceCgroupRules"),
    host(
        "device_read_bps",
        Shape::Throttle { sized: true },
        "BlkioDeviceReadBps",
    ),
    host(
        "device_read_iops",
        Shape::Throttle { sized: false },
        "BlkioDeviceReadIOps",
    ),
    host("device_requests", Shape::DeviceRequests, "DeviceRequests"),
    host(
        "device_write_bps",
        Shape::Throttle { sized: true },
        "BlkioDeviceWriteBps",
    ),
    host(
        "device_write_iops",
        Shape::Throttle { sized: false },
        "BlkioDeviceWriteIOps",
    ),
    host("devices", Shape::Devices, "Devices"),
    host("dns", Shape::StrList, "Dns"),
    host("dns_opt", Shape::StrList, "DnsOptions"),
    host("dns_search", Shape::StrList, "DnsSearch"),
    create("domainname", Shape::Str, Engine::Field(Field::Domainname)),
    create("entrypoint", Shape::Command, Engine::Field(Field::Entrypoint)),
    create("environment", Shape::Env, Engine::Field(Field::Environment)).secret(),
    host("extra_hosts", Shape::Pairs, "ExtraHosts"),
    host("group_add", Shape::StrList, "GroupAdd"),
    create(
        "healthcheck",
        Shape::Healthcheck,
        Engine::Field(Field::Healthcheck),
    ),
    create("hostname", Shape::Str, Engine::Field(Field::Hostname)).limit(Limit::Hostname),
    host("init", Shape::Bool, "Init"),
    host("ipc_mode", Shape::Str, "IpcMode"),
    host(
        "isolation",
        Shape::OneOf(&["default", "process", "hyperv", ""]),
        "Isolation",
    ),
    create("labels", Shape::StrMap, Engine::Body("Labels")),
    host("links", Shape::Pairs, "Links"),
    host("log_config", Shape::LogConfig, "LogConfig"),
    create("mac_address", Shape::Str, Engine::EndpointMac),
    host("mem_limit", Shape::Bytes, "Memory")
        .in_place()
        .limit(Limit::UnsetOrAtLeast(MIN_MEMORY))
        .reads_as(Reading::Bytes),
    host("mem_reservation", Shape::Bytes, "MemoryReservation")
        .in_place()
        .limit(Limit::UnsetOrAtLeast(MIN_MEMORY))
        .reads_as(Reading::Bytes),
    host("mem_swappiness", Shape::Int, "MemorySwappiness").limit(Limit::Within(-1, 100)),
    host("memswap_limit", Shape::SwapBytes, "MemorySwap")
        .in_place()
        .reads_as(Reading::Bytes),
    host("mounts", Shape::Mounts, "Mounts").limit(Limit::MountTargets),
    host("nano_cpus", Shape::Int, "NanoCpus")
        .in_place()
        .limit(Limit::AtLeast(0))
        .reads_as(Reading::NanoCpus),
    create("network_disabled", Shape::Bool, Engine::Body("NetworkDisabled")),
    host("network_mode", Shape::Str, "NetworkMode"),
    host("oom_kill_disable", Shape::Bool, "OomKillDisable"),
    host("oom_score_adj", Shape::Int, "OomScoreAdj").limit(Limit::Within(-1000, 1000)),
    host("pid_mode", Shape::Str, "PidMode"),
    host("pids_limit", Shape::Int, "PidsLimit").in_place(),
    create("platform", Shape::Str, Engine::Platform),
    host("port_bindings", Shape::PortBindings, "PortBindings"),
    host("privileged", Shape::Bool, "Privileged"),
    host("publish_all_ports", Shape::Bool, "PublishAllPorts"),
    host("read_only", Shape::Bool, "ReadonlyRootfs"),
    host("restart_policy", Shape::RestartPolicy, "RestartPolicy")
        .in_place()
        .limit(Limit::RestartRetries),
    create("runtime", Shape::Str, Engine::HostConfig("Runtime")),
    host("security_opt", Shape::StrList, "SecurityOpt"),
    host("shm_size", Shape::Bytes, "ShmSize").reads_as(Reading::Bytes),
    create("stdin_open", Shape::Bool, Engine::Body("OpenStdin")),
    create("stop_signal", Shape::Signal, Engine::Field(Field::StopSignal)),
    create("stop_timeout", Shape::Int, Engine::Field(Field::StopTimeout)).limit(Limit::AtLeast(0)),
    host("storage_opt", Shape::StrMap, "StorageOpt"),
    host("sysctls", Shape::StrMap, "Sysctls"),
    host("tmpfs", Shape::Tmpfs, "Tmpfs").limit(Limit::MountTargets),
    create("tty", Shape::Bool, Engine::Body("Tty")),
    host("ulimits", Shape::Ulimits, "Ulimits"),
    create("user", Shape::Str, Engine::Field(Field::User)),
    host("userns_mode", Shape::Str, "UsernsMode"),
    host("uts_mode", Shape::Str, "UTSMode"),
    host("volume_driver", Shape::Str, "VolumeDriver"),
    create("volumes", Shape::Paths, Engine::Body("Volumes")).limit(Limit::MountTargets),
    host("volumes_from", Shape::StrList, "VolumesFrom"),
    create("working_dir", Shape::Str, Engine::Body("WorkingDir")),
];

/// docker-py keywords the Engine API no longer has: refused with the reason, never dropped.
const WITHDRAWN: &[(&str, &str)] = &[(
    "kernel_memory",
    "the Docker Engine API removed kernel memory limits (API 1.42); limit `mem_limit` instead",
)];

/// The entry of a keyword.
/// Does `message` speak of an option whose values are secret (`` `environment` ``)? Its source
/// line is then not shown with it: the line may hold the values.
pub(crate) fn names_a_secret(message: &str) -> bool {
    OPTIONS
        .iter()
        .filter(|d| d.secret)
        .any(|d| message.contains(&format!("`{}`", d.key)))
}

pub(crate) fn get(key: &str) -> Option<&'static OptionDef> {
    OPTIONS.iter().find(|d| d.key == key)
}

/// The values `options` gives the container fields its keywords duplicate, read in one pass.
pub(crate) struct FieldValues<'a>([Option<&'a Value>; Field::COUNT]);

impl<'a> FieldValues<'a> {
    pub(crate) fn of(options: &'a BTreeMap<String, Value>) -> Self {
        let mut values = [None; Field::COUNT];
        for (key, value) in options {
            if let Some(Engine::Field(field)) = get(key).map(|d| d.engine) {
                values[field as usize] = Some(value);
            }
        }
        FieldValues(values)
    }

    pub(crate) fn get(&self, field: Field) -> Option<&'a Value> {
        self.0[field as usize]
    }
}

/// The entry whose value lands in the Engine's `HostConfig` field `name`.
#[cfg(test)]
pub(crate) fn of_host_config_field(name: &str) -> Option<&'static OptionDef> {
    OPTIONS
        .iter()
        .find(|d| matches!(d.engine, Engine::HostConfig(n) if n == name))
}

/// The keywords a mapping accepts.
fn accepted(with_create: bool) -> impl Iterator<Item = &'static OptionDef> {
    OPTIONS
        .iter()
        .filter(move |d| with_create || d.accepted == Accepted::HostConfig)
}

/// The values of a checked mapping that the Engine would refuse: `(keyword, why)` for each.
/// An integrity check, not a shape check: docker-map maps load with them, and `check` (and every
/// action, before it touches the Engine) reports them.
pub(crate) fn beyond_limits(options: &BTreeMap<String, Value>) -> Vec<(&'static str, String)> {
    options
        .iter()
        .filter_map(|(key, value)| {
            let def = get(key).filter(|d| d.limit != Limit::None)?;
            let json = def.engine_value(value).ok()?;
            def.limit
                .check(&json, def.reading)
                .err()
                .map(|why| (def.key, why.to_string()))
        })
        .collect()
}

/// The keyword a Compose service key `key` becomes, when the mapping accepts it (`restart` is
/// `restart_policy`).
fn compose_spelling(key: &str, with_create: bool) -> Option<&'static str> {
    match super::compose_keys::get(key)?.places {
        [super::compose_keys::Place::Option(option)] => {
            accepted(with_create).any(|d| d.key == *option).then_some(*option)
        }
        _ => None,
    }
}

/// Checks and normalises `create_options` (`with_create`) or `host_config`: every keyword known,
/// every value of its shape (the Engine's limits are checked with the map: [`beyond_limits`]).
pub(crate) fn parse(value: &Value, with_create: bool) -> InputResult<BTreeMap<String, Value>> {
    let what = if with_create {
        "create_options"
    } else {
        "host_config"
    };
    let map = match value {
        Value::Null => return Ok(BTreeMap::new()),
        Value::Map(map) => map,
        other => return Err(InputError::expected(format!("{what} as a mapping"), other)),
    };
    let mut out = BTreeMap::new();
    for (key, v) in map {
        if let Some((_, why)) = WITHDRAWN.iter().find(|(k, _)| k == key) {
            return Err(invalid!("{what} key `{key}` is not supported: {why}"));
        }
        let def = accepted(with_create)
            .find(|d| d.key == key)
            .ok_or_else(|| InputError::Unknown {
                what: format!("{what} key"),
                name: key.clone(),
                suggestion: compose_spelling(key, with_create)
                    .or_else(|| super::suggest::closest(key, accepted(with_create).map(|d| d.key)))
                    .map(str::to_string),
            })?;
        let normalised = def
            .shape
            .normalise(v)
            .and_then(|n| {
                if !n.is_null() && !def.shape.normalise_checks_all() {
                    def.engine_value(&n)?;
                }
                Ok(n)
            })
            .map_err(|e| e.within(format!("{what} `{key}`")))?;
        out.insert(key.clone(), normalised);
    }
    Ok(out)
}
