//! Action targets (the spec's grammar): `CONFIG`, `CONFIG.INSTANCE`, `GROUP`, `__all__`, each
//! optionally prefixed by `MAP/`; `__all__/X` means `X` in every map that has it.

use std::fmt;

use super::check::Checked;
use super::name;

pub const ALL: &str = "__all__";

/// One container instance of one of the client's maps.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TargetId {
    /// Index of the map in the client's list.
    pub map: usize,
    pub config: String,
    pub instance: Option<String>,
}

impl TargetId {
    /// The container's Engine name (`MAP.CONFIG[.INSTANCE]`).
    pub fn engine_name(&self, maps: &[Checked]) -> String {
        name::container(&maps[self.map].map.name, &self.config, self.instance.as_deref())
    }
}

impl fmt::Display for TargetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.instance {
            Some(i) => write!(f, "{}.{i}", self.config),
            None => write!(f, "{}", self.config),
        }
    }
}

/// Expands targets into instances, in the order given, each once. The first map is the default.
pub fn expand(targets: &[String], maps: &[Checked]) -> Result<Vec<TargetId>, String> {
    let mut out: Vec<TargetId> = Vec::new();
    for target in targets {
        for id in expand_one(target, maps)? {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    Ok(out)
}

fn expand_one(target: &str, maps: &[Checked]) -> Result<Vec<TargetId>, String> {
    let (map_part, rest) = match target.split_once('/') {
        Some((m, r)) => (Some(m), r),
        None => (None, target),
    };
    let indices: Vec<usize> = match map_part {
        None if maps.is_empty() => return Err(format!("unknown target `{target}`: the client has no maps")),
        None => vec![0],
        Some(ALL) => (0..maps.len()).collect(),
        Some(m) => match maps.iter().position(|c| c.map.name == m) {
            Some(i) => vec![i],
            None => {
                let names: Vec<String> = maps.iter().map(|c| format!("`{}`", c.map.name)).collect();
                return Err(format!(
                    "unknown map `{m}` in target `{target}` (the client has {})",
                    names.join(", ")
                ));
            }
        },
    };
    let mut out = Vec::new();
    let mut found = false;
    for i in &indices {
        match expand_in(*i, rest, &maps[*i]) {
            Ok(ids) => {
                found = true;
                out.extend(ids);
            }
            Err(e) if indices.len() == 1 => return Err(format!("unknown target `{target}`: {e}")),
            Err(_) => {}
        }
    }
    if !found {
        return Err(format!("unknown target `{target}`: no map has `{rest}`"));
    }
    Ok(out)
}

fn expand_in(map: usize, rest: &str, checked: &Checked) -> Result<Vec<TargetId>, String> {
    let id = |config: &str, instance: Option<&str>| TargetId {
        map,
        config: config.to_string(),
        instance: instance.map(str::to_string),
    };
    let all_instances = |config: &str| -> Vec<TargetId> {
        checked.configs[config]
            .instance_names()
            .into_iter()
            .map(|i| id(config, i))
            .collect()
    };
    if rest == ALL {
        return Ok(checked.configs.keys().flat_map(|c| all_instances(c)).collect());
    }
    let (cfg, inst) = name::split_instance(rest);
    if let Some(members) = checked.map.groups.get(cfg) {
        if inst.is_some() {
            return Err(format!("`{cfg}` is a group; groups take no instance"));
        }
        let mut out = Vec::new();
        for m in members {
            let (mc, mi) = name::split_instance(m);
            if !checked.configs.contains_key(mc) {
                return Err(format!("group `{cfg}` refers to unknown container `{m}`"));
            }
            match mi {
                Some(i) => out.push(id(mc, Some(i))),
                None => out.extend(all_instances(mc)),
            }
        }
        return Ok(out);
    }
    match (checked.configs.get(cfg), inst) {
        (Some(_), None) => Ok(all_instances(cfg)),
        (Some(c), Some(i)) if c.instances.iter().any(|x| x == i) => Ok(vec![id(cfg, Some(i))]),
        (Some(_), Some(i)) => Err(format!("container `{cfg}` has no instance `{i}`")),
        (None, _) if checked.map.containers.contains_key(cfg) => {
            Err(format!("container `{cfg}` is abstract"))
        }
        (None, _) => {
            let candidates = checked
                .configs
                .keys()
                .chain(checked.map.groups.keys())
                .map(String::as_str);
            match super::suggest::closest(cfg, candidates) {
                Some(s) => Err(format!(
                    "no container or group `{cfg}` in map `{}` (did you mean `{s}`?)",
                    checked.map.name
                )),
                None => Err(format!(
                    "no container or group `{cfg}` in map `{}`",
                    checked.map.name
                )),
            }
        }
    }
}
