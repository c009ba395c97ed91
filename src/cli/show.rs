//! `dmap show` as text: one block per container, in start order.

use std::fmt::Write as _;

use crate::model::resolved::{MountKind, ResolvedModel};
use crate::model::Value;

pub(super) fn text(model: &ResolvedModel) -> String {
    let mut out = String::new();
    for map in &model.maps {
        let _ = writeln!(out, "map {}", map.name);
        for rc in &map.containers {
            let c = &rc.spec;
            let _ = writeln!(out, "  {:>3}. {}  ({})", rc.start_order, rc.name, c.image);
            if !rc.depends_on.is_empty() {
                let _ = writeln!(out, "       after: {}", rc.depends_on.join(", "));
            }
            if let Some(h) = &c.hostname {
                let _ = writeln!(out, "       hostname {h}");
            }
            if let Some(d) = &c.domainname {
                let _ = writeln!(out, "       domainname {d}");
            }
            if let Some(d) = &c.deploy {
                // One line, as the map writes it: `deploy #{"replicas":3,"endpoint_mode":"dnsrr"}`.
                let text = serde_json::to_string(d).unwrap_or_default();
                let _ = writeln!(out, "       deploy {text}");
            }
            if let Some(u) = &c.user {
                let _ = writeln!(out, "       user {u}");
            }
            if let Some(e) = &c.entrypoint {
                let _ = writeln!(out, "       entrypoint {}", words(e));
            }
            if let Some(cmd) = &c.command {
                let _ = writeln!(out, "       command {}", words(cmd));
            }
            for (k, v) in &c.environment {
                let _ = writeln!(out, "       env {k}={v}");
            }
            for m in &c.mounts {
                let line = match m.kind {
                    MountKind::Volume | MountKind::Bind => {
                        format!(
                            "{} {} -> {}{}",
                            m.kind.as_str(),
                            m.source,
                            m.target,
                            ro(m.readonly)
                        )
                    }
                    MountKind::Anonymous => format!("anonymous -> {}", m.target),
                };
                let _ = writeln!(out, "       {line}");
            }
            for v in &c.volumes_from {
                let _ = writeln!(out, "       volumes from {v}");
            }
            if let Some(mode) = &c.network_mode {
                let _ = writeln!(out, "       network mode {mode}");
            }
            for n in &c.networks {
                let _ = writeln!(out, "       network {}", n.network);
            }
            for p in &c.ports {
                let published = match (p.host_port, &p.interface) {
                    (Some(h), Some(i)) => format!("{i}:{h}"),
                    (Some(h), None) => h.to_string(),
                    (None, _) => "not published".to_string(),
                };
                let _ = writeln!(out, "       port {} <- {published}", p.container_port);
            }
            for l in &c.links {
                let _ = writeln!(out, "       link {} as {}", l.container, l.alias);
            }
            if let Some(h) = &c.healthcheck {
                let _ = writeln!(out, "       healthcheck {}", h.test.join(" "));
            }
            for e in &rc.exec_commands {
                let _ = writeln!(out, "       exec {} ({})", e.cmd.to_value(), e.policy.as_str());
            }
            if let Some(s) = &c.stop_signal {
                let _ = writeln!(out, "       stop signal {s}");
            }
            if let Some(t) = c.stop_timeout {
                let _ = writeln!(out, "       stop timeout {t} s");
            }
            if rc.persistent {
                let _ = writeln!(out, "       persistent");
            }
            for (key, value) in &c.options {
                let _ = writeln!(out, "       {key} {}", scalar(value));
            }
        }
        for v in &map.volumes {
            let _ = writeln!(out, "  volume {} ({}, owned by {})", v.name, v.driver, v.owner);
        }
        for n in &map.networks {
            let _ = writeln!(out, "  network {} ({})", n.name, n.driver);
        }
    }
    out
}

/// A command as it would be typed.
fn words(v: &Value) -> String {
    match v {
        Value::List(items) => items.iter().map(scalar).collect::<Vec<_>>().join(" "),
        other => scalar(other),
    }
}

fn scalar(v: &Value) -> String {
    match v {
        Value::Str(s) => s.clone(),
        other => other.to_string(),
    }
}

fn ro(readonly: bool) -> &'static str {
    if readonly {
        " (read-only)"
    } else {
        ""
    }
}
