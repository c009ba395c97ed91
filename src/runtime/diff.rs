//! What changed between the spec recorded on a container and the one the map wants now, field by
//! field, in words: the reasons `update` gives.

use std::collections::BTreeMap;

use super::spec::{ContainerSpec, MountSpec};
use crate::model::options;
use crate::model::Value;

/// How a change can be applied.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Remedy {
    /// Only a new container has it.
    Recreate,
    /// `docker update` changes it in place.
    Update,
}

/// The field of the spec that changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Field {
    Image,
    Hostname,
    Domainname,
    User,
    NetworkMode,
    StopSignal,
    StopTimeout,
    Env,
    Command,
    Entrypoint,
    Mounts,
    VolumesFrom,
    Links,
    Ports,
    Healthcheck,
    Option,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Change {
    pub field: Field,
    pub remedy: Remedy,
    pub reason: String,
}

fn text(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => other.to_string(),
    }
}

fn opt<T: std::fmt::Debug>(v: &Option<T>) -> String {
    match v {
        Some(x) => format!("{x:?}").trim_matches('"').to_string(),
        None => "unset".into(),
    }
}

/// Every difference, in a stable order. Networks are compared elsewhere (they are reconnected in
/// place).
pub(crate) fn diff(old: &ContainerSpec, new: &ContainerSpec) -> Vec<Change> {
    let mut out = Vec::new();
    let mut recreate = |field: Field, reason: String| {
        out.push(Change {
            field,
            remedy: Remedy::Recreate,
            reason,
        })
    };
    if old.image != new.image {
        recreate(Field::Image, format!("image `{}` → `{}`", old.image, new.image));
    }
    for (field, what, a, b) in [
        (Field::Hostname, "hostname", &old.hostname, &new.hostname),
        (Field::Domainname, "domainname", &old.domainname, &new.domainname),
        (Field::User, "user", &old.user, &new.user),
        (
            Field::NetworkMode,
            "network mode",
            &old.network_mode,
            &new.network_mode,
        ),
        (
            Field::StopSignal,
            "stop signal",
            &old.stop_signal,
            &new.stop_signal,
        ),
    ] {
        if a != b {
            recreate(field, format!("{what} {} → {}", opt(a), opt(b)));
        }
    }
    if old.stop_timeout != new.stop_timeout {
        recreate(
            Field::StopTimeout,
            format!(
                "stop timeout {} → {}",
                opt(&old.stop_timeout),
                opt(&new.stop_timeout)
            ),
        );
    }
    env_changes(&old.environment, &new.environment, &mut |r| {
        recreate(Field::Env, r)
    });
    if old.command != new.command {
        recreate(
            Field::Command,
            format!(
                "command {} → {}",
                old.command.as_ref().map_or("unset".into(), text),
                new.command.as_ref().map_or("unset".into(), text)
            ),
        );
    }
    if old.entrypoint != new.entrypoint {
        recreate(
            Field::Entrypoint,
            format!(
                "entrypoint {} → {}",
                old.entrypoint.as_ref().map_or("unset".into(), text),
                new.entrypoint.as_ref().map_or("unset".into(), text)
            ),
        );
    }
    mount_changes(&old.mounts, &new.mounts, &mut |r| recreate(Field::Mounts, r));
    if old.volumes_from != new.volumes_from {
        recreate(
            Field::VolumesFrom,
            format!("volumes_from {:?} → {:?}", old.volumes_from, new.volumes_from),
        );
    }
    if old.links != new.links {
        recreate(Field::Links, "links changed".to_string());
    }
    // A port whose binding changed reads as one change; others as added or removed.
    for p in &new.ports {
        if old.ports.contains(p) {
            continue;
        }
        let was = old
            .ports
            .iter()
            .find(|o| o.container_port == p.container_port && !new.ports.contains(o));
        let text = match was {
            Some(o) => format!(
                "port {} published on {} → {}",
                p.container_port,
                place(o.host_ip.as_deref(), o.host_port),
                place(p.host_ip.as_deref(), p.host_port)
            ),
            None => format!(
                "port {} added{}",
                p.container_port,
                binding(p.host_ip.as_deref(), p.host_port)
            ),
        };
        recreate(Field::Ports, text);
    }
    for p in &old.ports {
        let rebound = new
            .ports
            .iter()
            .any(|n| n.container_port == p.container_port && !old.ports.contains(n));
        if !new.ports.contains(p) && !rebound {
            recreate(
                Field::Ports,
                format!(
                    "port {} removed{}",
                    p.container_port,
                    binding(p.host_ip.as_deref(), p.host_port)
                ),
            );
        }
    }
    if old.healthcheck != new.healthcheck {
        recreate(Field::Healthcheck, "healthcheck changed".to_string());
    }
    let keys: std::collections::BTreeSet<&String> = old.options.keys().chain(new.options.keys()).collect();
    for key in keys {
        let (a, b) = (old.options.get(key), new.options.get(key));
        if a == b {
            continue;
        }
        let def = options::get(key);
        let described = match (a, b) {
            (None, Some(_)) | (Some(_), Some(_)) if def.is_some_and(|d| d.secret) => {
                format!("option `{key}` changed")
            }
            (None, Some(b)) => format!("option `{key}` set to {}", text(b)),
            (Some(_), None) => format!("option `{key}` removed"),
            (Some(a), Some(b)) => format!("option `{key}` {} → {}", text(a), text(b)),
            (None, None) => continue,
        };
        // A limit the map stops setting can't be unset in place.
        let remedy = if def.is_some_and(|d| d.in_place) && b.is_some() {
            Remedy::Update
        } else {
            Remedy::Recreate
        };
        out.push(Change {
            field: Field::Option,
            remedy,
            reason: described,
        });
    }
    out
}

/// Where a port is published: `127.0.0.1:8080`, `8080`, or `no host port`.
fn place(ip: Option<&str>, port: Option<u16>) -> String {
    match (ip, port) {
        (Some(ip), Some(p)) => format!("{ip}:{p}"),
        (None, Some(p)) => p.to_string(),
        (Some(ip), None) => format!("{ip}:(any)"),
        (None, None) => "no host port".into(),
    }
}

fn binding(ip: Option<&str>, port: Option<u16>) -> String {
    match (ip, port) {
        (Some(ip), Some(p)) => format!(" ({ip}:{p})"),
        (None, Some(p)) => format!(" ({p})"),
        _ => String::new(),
    }
}

fn env_changes(old: &BTreeMap<String, String>, new: &BTreeMap<String, String>, out: &mut impl FnMut(String)) {
    for (k, v) in new {
        match old.get(k) {
            None => out(format!("env `{k}` added")),
            Some(o) if o != v => out(format!("env `{k}` changed")),
            _ => {}
        }
    }
    for k in old.keys() {
        if !new.contains_key(k) {
            out(format!("env `{k}` removed"));
        }
    }
}

fn mount_changes(old: &[MountSpec], new: &[MountSpec], out: &mut impl FnMut(String)) {
    for m in new {
        match old.iter().find(|o| o.target == m.target) {
            None => out(format!("mount `{}` added", m.target)),
            Some(o) if o != m => {
                if o.source != m.source {
                    out(format!(
                        "mount `{}` from `{}` → `{}`",
                        m.target,
                        if o.source.is_empty() {
                            o.kind.as_str()
                        } else {
                            &o.source
                        },
                        if m.source.is_empty() {
                            m.kind.as_str()
                        } else {
                            &m.source
                        }
                    ))
                } else {
                    out(format!("mount `{}` changed", m.target))
                }
            }
            _ => {}
        }
    }
    for o in old {
        if !new.iter().any(|m| m.target == o.target) {
            out(format!("mount `{}` removed", o.target));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::resolved::container::PortSpec;
    use crate::model::resolved::MountKind;

    fn spec() -> ContainerSpec {
        ContainerSpec {
            image: "app:1".into(),
            environment: [
                ("A".to_string(), "1".to_string()),
                ("B".to_string(), "2".to_string()),
            ]
            .into(),
            ports: vec![PortSpec {
                container_port: "80/tcp".into(),
                host_port: Some(8080),
                ..PortSpec::default()
            }],
            options: [("mem_limit".to_string(), Value::str("64m"))].into(),
            ..ContainerSpec::default()
        }
    }

    fn reasons(changes: &[Change]) -> Vec<(Remedy, &str)> {
        changes.iter().map(|c| (c.remedy, c.reason.as_str())).collect()
    }

    #[test]
    fn same_spec_no_change() {
        assert!(diff(&spec(), &spec()).is_empty());
    }

    #[test]
    fn each_field_named() {
        let old = spec();
        type Edit = Box<dyn Fn(&mut ContainerSpec)>;
        let cases: Vec<(Edit, Remedy, &str)> = vec![
            (
                Box::new(|s| s.image = "app:2".into()),
                Remedy::Recreate,
                "image `app:1` → `app:2`",
            ),
            (
                Box::new(|s| {
                    s.environment.remove("B");
                }),
                Remedy::Recreate,
                "env `B` removed",
            ),
            (
                Box::new(|s| {
                    s.environment.insert("C".into(), "3".into());
                }),
                Remedy::Recreate,
                "env `C` added",
            ),
            (
                Box::new(|s| {
                    s.environment.insert("A".into(), "9".into());
                }),
                Remedy::Recreate,
                "env `A` changed",
            ),
            (
                Box::new(|s| s.ports.clear()),
                Remedy::Recreate,
                "port 80/tcp removed (8080)",
            ),
            (
                Box::new(|s| s.ports[0].host_port = Some(8081)),
                Remedy::Recreate,
                "port 80/tcp published on 8080 → 8081",
            ),
            (
                Box::new(|s| {
                    s.ports.push(PortSpec {
                        container_port: "443/tcp".into(),
                        host_ip: Some("127.0.0.1".into()),
                        host_port: Some(8443),
                        ..PortSpec::default()
                    })
                }),
                Remedy::Recreate,
                "port 443/tcp added (127.0.0.1:8443)",
            ),
            (
                Box::new(|s| {
                    s.options.insert("mem_limit".into(), Value::str("128m"));
                }),
                Remedy::Update,
                "option `mem_limit` 64m → 128m",
            ),
            (
                Box::new(|s| {
                    s.options.remove("mem_limit");
                }),
                Remedy::Recreate,
                "option `mem_limit` removed",
            ),
            (
                Box::new(|s| {
                    s.options.insert("privileged".into(), Value::Bool(true));
                }),
                Remedy::Recreate,
                "option `privileged` set to true",
            ),
            (
                Box::new(|s| s.command = Some(Value::str("run"))),
                Remedy::Recreate,
                "command unset → run",
            ),
            (
                Box::new(|s| {
                    s.mounts.push(MountSpec {
                        kind: MountKind::Volume,
                        source: "m.new".into(),
                        target: "/data".into(),
                        readonly: false,
                    })
                }),
                Remedy::Recreate,
                "mount `/data` added",
            ),
        ];
        for (change, remedy, reason) in cases {
            let mut new = old.clone();
            change(&mut new);
            assert_eq!(reasons(&diff(&old, &new)), vec![(remedy, reason)]);
        }
    }

    #[test]
    fn moved_mount_names_both_sources() {
        let mut old = spec();
        old.mounts.push(MountSpec {
            kind: MountKind::Volume,
            source: "m.old".into(),
            target: "/data".into(),
            readonly: false,
        });
        let mut new = old.clone();
        new.mounts[0].source = "m.data".into();
        assert_eq!(
            reasons(&diff(&old, &new)),
            vec![(Remedy::Recreate, "mount `/data` from `m.old` → `m.data`")]
        );
    }
}
