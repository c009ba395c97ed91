//! One volume per container path: two mounts at one path make the Engine refuse the container.

use std::collections::HashSet;

use crate::model::container::ContainerConfig;
use crate::model::container_map::ContainerMap;
use crate::model::problem::{add, Problem};
use crate::model::volume_ref::Bind;

/// Two mounts at one container path make the Engine refuse the container.
pub(super) fn mounts(map: &ContainerMap, cname: &str, config: &ContainerConfig, problems: &mut Vec<Problem>) {
    let mut targets: Vec<(String, &'static str)> = Vec::new();
    for s in &config.shares {
        targets.push((s.clone(), "shares"));
    }
    for b in &config.binds {
        let path = match b {
            Bind::Alias { name, .. } => map.volumes.get(name).and_then(|v| v.default_path.clone()),
            Bind::Path { path, .. } => Some(path.clone()),
        };
        if let Some(p) = path {
            targets.push((p, "binds"));
        }
    }
    for a in &config.attaches {
        if let Some(p) = a
            .path
            .clone()
            .or_else(|| map.volumes.get(&a.name).and_then(|v| v.default_path.clone()))
        {
            targets.push((p, "attaches"));
        }
    }
    for u in &config.uses {
        let alias = u.name.rsplit('.').next().unwrap_or(&u.name);
        if let Some(p) = u
            .path
            .clone()
            .or_else(|| map.volumes.get(alias).and_then(|v| v.default_path.clone()))
        {
            targets.push((p, "uses"));
        }
    }
    let mut seen: HashSet<&str> = HashSet::new();
    for (path, field) in &targets {
        if !seen.insert(path.trim_end_matches('/')) {
            add(
                problems,
                format!("container `{cname}` mounts two volumes at `{path}`"),
                config.origin_of(field),
            );
        }
    }
}
