//! `dmap show` as text: one block per container, in start order.

use std::fmt::Write as _;

use crate::model::resolved::{Mount, ResolvedModel};

pub fn text(model: &ResolvedModel) -> String {
    let mut out = String::new();
    for map in &model.maps {
        let _ = writeln!(out, "map {}", map.name);
        for c in &map.containers {
            let _ = writeln!(out, "  {:>3}. {}  ({})", c.start_order, c.name, c.image);
            if !c.depends_on.is_empty() {
                let _ = writeln!(out, "       after: {}", c.depends_on.join(", "));
            }
            for m in &c.mounts {
                let line = match m {
                    Mount::Volume {
                        source,
                        target,
                        readonly,
                    } => format!("volume {source} -> {target}{}", ro(*readonly)),
                    Mount::Bind {
                        source,
                        target,
                        readonly,
                    } => format!("bind {source} -> {target}{}", ro(*readonly)),
                    Mount::Anonymous { target } => format!("anonymous -> {target}"),
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
                let host = match (p.host_port, &p.interface) {
                    (Some(h), Some(i)) => format!("{i}:{h}"),
                    (Some(h), None) => h.to_string(),
                    (None, _) => "not published".to_string(),
                };
                let _ = writeln!(out, "       port {} <- {host}", p.container_port);
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

fn ro(readonly: bool) -> &'static str {
    if readonly {
        " (read-only)"
    } else {
        ""
    }
}
