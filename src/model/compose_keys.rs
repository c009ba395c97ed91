//! Compose's spelling of docker-map's fields: the Compose service keys that are no container
//! field of the same name, and the field or `create_options` / `host_config` keyword each one
//! becomes. Compose's translation (`compose/service.rs`) places every key here by this table;
//! the model reads it the other way for its hints, so that `restart: "always"` in a container
//! configuration is answered with `host_config`'s `restart_policy`, and `restart_policy` in a
//! Compose service with `restart`.

use super::options::{self, Accepted};
use super::value::Value;
use super::ContainerConfig;

/// Where a Compose service key's value goes in a configuration.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Place {
    /// A container field.
    Field(&'static str),
    /// A keyword of the option table, in the mapping it belongs to: `create_options` for
    /// docker-py's `create_container` keywords, else `host_config`.
    Option(&'static str),
}

impl Place {
    /// The name docker-map spells it with.
    pub(crate) fn name(self) -> &'static str {
        match self {
            Place::Field(name) | Place::Option(name) => name,
        }
    }

    /// The option mapping it is in, if it is a keyword.
    pub(crate) fn mapping(self) -> Option<&'static str> {
        match self {
            Place::Field(_) => None,
            Place::Option(key) => Some(match options::get(key).map(|d| d.accepted) {
                Some(Accepted::Create) => "create_options",
                _ => "host_config",
            }),
        }
    }

    /// Whether the value is one docker-map takes in this place.
    fn takes(self, value: &Value) -> bool {
        match (self, self.mapping()) {
            (Place::Field(field), _) => ContainerConfig::default()
                .set_field(field, value, super::Origin::default())
                .is_ok(),
            (Place::Option(key), Some(mapping)) => {
                let one = Value::map([(key, value.clone())]);
                options::parse(&one, mapping == "create_options").is_ok()
            }
            (Place::Option(_), None) => false,
        }
    }

    /// `` `name` ``, or `` `name` in `host_config` `` for a keyword.
    fn describe(self, value: Option<&Value>) -> String {
        let name = match value {
            Some(v) => format!("`{}: {v}`", self.name()),
            None => format!("`{}`", self.name()),
        };
        match self.mapping() {
            Some(mapping) => format!("{name} in `{mapping}`"),
            None => name,
        }
    }
}

/// One Compose service key and where it goes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct ComposeKey {
    pub key: &'static str,
    /// Where its value goes; more than one where the value's form decides (`volumes`).
    pub places: &'static [Place],
    /// Compose's value is docker-map's as it is; else Compose's translation converts it
    /// (`cpus: 0.5` is `nano_cpus: 500000000`).
    pub as_is: bool,
}

/// A key whose value docker-map takes as it is.
const fn as_is(key: &'static str, places: &'static [Place]) -> ComposeKey {
    ComposeKey {
        key,
        places,
        as_is: true,
    }
}

/// A key whose value Compose's translation converts.
const fn converted(key: &'static str, places: &'static [Place]) -> ComposeKey {
    ComposeKey {
        key,
        places,
        as_is: false,
    }
}

use Place::{Field, Option as Opt};

/// Every Compose service key that is no container field of the same name. Keys a Compose
/// service shares with docker-map's fields (`image`, `links`, `networks`, `healthcheck`,
/// `user`, ...) are not here: each reads its own way in `compose/service.rs`.
pub(crate) const COMPOSE_KEYS: &[ComposeKey] = &[
    // docker-py's `create_container` keywords, as they are
    as_is("command", &[Opt("command")]),
    as_is("entrypoint", &[Opt("entrypoint")]),
    as_is("working_dir", &[Opt("working_dir")]),
    as_is("hostname", &[Opt("hostname")]),
    as_is("domainname", &[Opt("domainname")]),
    as_is("tty", &[Opt("tty")]),
    as_is("stdin_open", &[Opt("stdin_open")]),
    as_is("platform", &[Opt("platform")]),
    as_is("runtime", &[Opt("runtime")]),
    as_is("mac_address", &[Opt("mac_address")]),
    // `create_host_config` keywords, as they are
    as_is("privileged", &[Opt("privileged")]),
    as_is("read_only", &[Opt("read_only")]),
    as_is("init", &[Opt("init")]),
    as_is("dns", &[Opt("dns")]),
    as_is("dns_search", &[Opt("dns_search")]),
    as_is("dns_opt", &[Opt("dns_opt")]),
    as_is("group_add", &[Opt("group_add")]),
    as_is("security_opt", &[Opt("security_opt")]),
    as_is("shm_size", &[Opt("shm_size")]),
    as_is("mem_limit", &[Opt("mem_limit")]),
    as_is("memswap_limit", &[Opt("memswap_limit")]),
    as_is("mem_reservation", &[Opt("mem_reservation")]),
    as_is("mem_swappiness", &[Opt("mem_swappiness")]),
    as_is("oom_kill_disable", &[Opt("oom_kill_disable")]),
    as_is("oom_score_adj", &[Opt("oom_score_adj")]),
    as_is("pids_limit", &[Opt("pids_limit")]),
    as_is("cpu_shares", &[Opt("cpu_shares")]),
    as_is("cpu_period", &[Opt("cpu_period")]),
    as_is("cpu_quota", &[Opt("cpu_quota")]),
    as_is("cpu_rt_runtime", &[Opt("cpu_rt_runtime")]),
    as_is("cpu_rt_period", &[Opt("cpu_rt_period")]),
    as_is("cpuset", &[Opt("cpuset_cpus")]),
    as_is("pid", &[Opt("pid_mode")]),
    as_is("ipc", &[Opt("ipc_mode")]),
    as_is("userns_mode", &[Opt("userns_mode")]),
    as_is("uts", &[Opt("uts_mode")]),
    as_is("cgroup_parent", &[Opt("cgroup_parent")]),
    as_is("devices", &[Opt("devices")]),
    as_is("device_cgroup_rules", &[Opt("device_cgroup_rules")]),
    as_is("storage_opt", &[Opt("storage_opt")]),
    as_is("restart", &[Opt("restart_policy")]),
    as_is("tmpfs", &[Opt("tmpfs")]),
    // converted by Compose's translation
    converted("cpus", &[Opt("nano_cpus")]),
    converted("extra_hosts", &[Opt("extra_hosts")]),
    converted("ulimits", &[Opt("ulimits")]),
    converted("logging", &[Opt("log_config")]),
    converted("cap_add", &[Opt("cap_add")]),
    converted("cap_drop", &[Opt("cap_drop")]),
    converted("sysctls", &[Opt("sysctls")]),
    converted("labels", &[Opt("labels")]),
    converted("environment", &[Opt("environment")]),
    converted("env_file", &[Opt("environment")]),
    converted("ports", &[Field("exposes")]),
    converted("expose", &[Field("exposes")]),
    converted(
        "volumes",
        &[Field("binds"), Field("attaches"), Field("uses"), Field("shares")],
    ),
    converted("stop_grace_period", &[Field("stop_timeout")]),
    converted("scale", &[Field("instances")]),
];

/// The entry of Compose service key `key`.
pub(crate) fn get(key: &str) -> Option<&'static ComposeKey> {
    COMPOSE_KEYS.iter().find(|k| k.key == key)
}

/// What docker-map calls Compose's `key` (written with `value`, when it is given): `did you
/// mean ...?` and the field or keyword, with the value when docker-map takes it as it is.
/// `None` when `key` is no Compose service key of another name.
pub(crate) fn docker_map_spelling(key: &str, value: Option<&Value>) -> Option<String> {
    let entry = get(key)?;
    let places: Vec<String> = match entry.places {
        [one] => {
            let value = value.filter(|v| entry.as_is && one.takes(v));
            vec![one.describe(value)]
        }
        many => many.iter().map(|p| p.describe(None)).collect(),
    };
    Some(format!("Compose's spelling: did you mean {}?", either(&places)))
}

/// The Compose service keys that become docker-map's field or keyword `name`: what a Compose
/// file spells it (`did you mean ...?`). `None` when no Compose key becomes it.
pub(crate) fn compose_spelling(name: &str) -> Option<String> {
    let keys: Vec<String> = COMPOSE_KEYS
        .iter()
        .filter(|k| k.key != name && k.places.iter().any(|p| p.name() == name))
        .map(|k| format!("`{}`", k.key))
        .collect();
    (!keys.is_empty()).then(|| format!("docker-map's spelling: did you mean {}?", either(&keys)))
}

/// `a`, `a or b`, `a, b or c`.
fn either(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_place_is_a_field_or_a_keyword_of_the_option_table() {
        for entry in COMPOSE_KEYS {
            assert!(!entry.places.is_empty(), "{}", entry.key);
            for place in entry.places {
                match place {
                    Place::Field(f) => assert!(
                        ContainerConfig::field_name(f).is_ok(),
                        "{}: no container field `{f}`",
                        entry.key
                    ),
                    Place::Option(o) => assert!(
                        options::get(o).is_some(),
                        "{}: no keyword `{o}` in the option table",
                        entry.key
                    ),
                }
            }
            // A key here is no container field: those are read as docker-map reads them.
            assert!(
                ContainerConfig::field_name(entry.key).is_err(),
                "`{}` is a container field",
                entry.key
            );
            assert_eq!(
                COMPOSE_KEYS.iter().filter(|k| k.key == entry.key).count(),
                1,
                "`{}` twice",
                entry.key
            );
        }
    }

    #[test]
    fn hints_across_the_vocabularies() {
        let always = Value::str("always");
        // (Compose key, its value, the hint)
        let cases: &[(&str, Option<&Value>, Option<&str>)] = &[
            (
                "restart",
                Some(&always),
                Some("Compose's spelling: did you mean `restart_policy: \"always\"` in `host_config`?"),
            ),
            // a value docker-map refuses is not shown
            (
                "restart",
                Some(&Value::str("sometimes")),
                Some("Compose's spelling: did you mean `restart_policy` in `host_config`?"),
            ),
            (
                "restart",
                None,
                Some("Compose's spelling: did you mean `restart_policy` in `host_config`?"),
            ),
            (
                "command",
                Some(&Value::str("sleep 1")),
                Some("Compose's spelling: did you mean `command: \"sleep 1\"` in `create_options`?"),
            ),
            (
                "mem_limit",
                Some(&Value::str("64m")),
                Some("Compose's spelling: did you mean `mem_limit: \"64m\"` in `host_config`?"),
            ),
            (
                "pid",
                Some(&Value::str("host")),
                Some("Compose's spelling: did you mean `pid_mode: \"host\"` in `host_config`?"),
            ),
            // converted: the place only
            (
                "cpus",
                Some(&Value::Float(0.5)),
                Some("Compose's spelling: did you mean `nano_cpus` in `host_config`?"),
            ),
            (
                "ports",
                Some(&Value::List(vec![Value::str("8080:80")])),
                Some("Compose's spelling: did you mean `exposes`?"),
            ),
            (
                "volumes",
                Some(&Value::List(vec![Value::str("data:/data")])),
                Some("Compose's spelling: did you mean `binds`, `attaches`, `uses` or `shares`?"),
            ),
            (
                "environment",
                None,
                Some("Compose's spelling: did you mean `environment` in `create_options`?"),
            ),
            ("imgae", None, None),
            ("image", Some(&always), None),
        ];
        for (key, value, want) in cases {
            assert_eq!(docker_map_spelling(key, *value).as_deref(), *want, "{key}");
        }
        // (docker-map's name, the hint)
        let back: &[(&str, Option<&str>)] = &[
            (
                "restart_policy",
                Some("docker-map's spelling: did you mean `restart`?"),
            ),
            (
                "exposes",
                Some("docker-map's spelling: did you mean `ports` or `expose`?"),
            ),
            ("binds", Some("docker-map's spelling: did you mean `volumes`?")),
            ("instances", Some("docker-map's spelling: did you mean `scale`?")),
            (
                "stop_timeout",
                Some("docker-map's spelling: did you mean `stop_grace_period`?"),
            ),
            (
                "log_config",
                Some("docker-map's spelling: did you mean `logging`?"),
            ),
            ("nano_cpus", Some("docker-map's spelling: did you mean `cpus`?")),
            (
                "cpuset_cpus",
                Some("docker-map's spelling: did you mean `cpuset`?"),
            ),
            // the same in both
            ("mem_limit", None),
            ("persistent", None),
        ];
        for (name, want) in back {
            assert_eq!(compose_spelling(name).as_deref(), *want, "{name}");
        }
    }
}
