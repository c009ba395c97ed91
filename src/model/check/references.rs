//! What a configuration names exists and fits: group members, attached and used volumes, the
//! host aliases of binds, links, networks, the container whose network it shares, and its
//! clients among the map's. One function per kind of reference; the problems of a configuration
//! come together, in the order of its fields.

use std::collections::{HashMap, HashSet};

use super::mounts::mounts;
use crate::model::container::ContainerConfig;
use crate::model::container_map::{Configs, ContainerMap};
use crate::model::graph::attached_owners;
use crate::model::name;
use crate::model::network_mode::NetworkMode;
use crate::model::problem::{add, Problem};
use crate::model::volume_ref::Bind;

/// Why a reference does not name a concrete container.
#[derive(Debug, thiserror::Error)]
enum NotAnInstance {
    #[error("unknown container `{config}`")]
    Unknown { config: String },
    #[error("container `{config}` is abstract")]
    Abstract { config: String },
    #[error("container `{config}` has instances; name one of {}", instances.iter().map(|i| format!("`{config}.{i}`")).collect::<Vec<_>>().join(", "))]
    Unnamed { config: String, instances: Vec<String> },
    #[error("container `{config}` has no instance `{instance}`")]
    NoInstance { config: String, instance: String },
}

/// Checks every reference of one map.
pub(super) fn references(map: &ContainerMap, configs: &Configs<'_>, problems: &mut Vec<Problem>) {
    let refs = Refs::new(map, configs);
    refs.groups(problems);
    refs.attached_volumes(problems);
    for (cname, config) in configs {
        refs.used_volumes(cname, config, problems);
        refs.binds(cname, config, problems);
        refs.links(cname, config, problems);
        refs.depends_on(cname, config, problems);
        refs.networks(cname, config, problems);
        refs.network_mode(cname, config, problems);
        refs.clients(cname, config, problems);
        mounts(map, cname, config, problems);
    }
}

/// One map's configurations, and what the checks of their references look up.
struct Refs<'a> {
    map: &'a ContainerMap,
    configs: &'a Configs<'a>,
    /// Attached volume name → the configuration that attaches it.
    owners: HashMap<String, String>,
    /// The containers (each instance named) that have volumes to share: what `uses` may name.
    volume_sources: HashSet<String>,
}

impl<'a> Refs<'a> {
    fn new(map: &'a ContainerMap, configs: &'a Configs<'a>) -> Refs<'a> {
        let volume_sources = configs
            .iter()
            .filter(|(_, c)| {
                !c.shares.is_empty() || !c.binds.is_empty() || !c.uses.is_empty() || !c.attaches.is_empty()
            })
            .flat_map(|(cname, c)| {
                c.instance_names()
                    .into_iter()
                    .map(|i| i.map_or_else(|| cname.to_string(), |i| format!("{cname}.{i}")))
                    .collect::<Vec<_>>()
            })
            .collect();
        Refs {
            map,
            configs,
            owners: attached_owners(map, configs),
            volume_sources,
        }
    }

    /// `config` or `config.instance` names a concrete container: a configuration that is not
    /// abstract, and one of its instances when it has any.
    fn refers_to_instance(&self, r: &str) -> Result<(), NotAnInstance> {
        let (cfg, inst) = name::split_instance(r);
        let config = cfg.to_string();
        match (self.map.containers.get(cfg), self.configs.get(cfg), inst) {
            (None, _, _) => Err(NotAnInstance::Unknown { config }),
            (Some(_), None, _) => Err(NotAnInstance::Abstract { config }),
            (_, Some(c), None) if !c.instances.is_empty() => Err(NotAnInstance::Unnamed {
                config,
                instances: c.instances.clone(),
            }),
            (_, Some(c), Some(i)) if !c.instances.iter().any(|x| x == i) => Err(NotAnInstance::NoInstance {
                config,
                instance: i.to_string(),
            }),
            _ => Ok(()),
        }
    }

    /// A group's name is not a configuration's, and its members are known containers.
    fn groups(&self, problems: &mut Vec<Problem>) {
        for (group, members) in &self.map.groups {
            let origin = self.map.origin_of_property(&format!("groups.{group}"));
            if self.map.containers.contains_key(group) {
                add(
                    problems,
                    format!("name `{group}` is used both for a container configuration and a group"),
                    origin,
                );
            }
            for m in members {
                let (cfg, inst) = name::split_instance(m);
                let known = self
                    .configs
                    .get(cfg)
                    .is_some_and(|c| inst.is_none_or(|i| c.instances.iter().any(|x| x == i)));
                if !known {
                    add(
                        problems,
                        format!("group `{group}` refers to unknown container `{m}`"),
                        origin,
                    );
                }
            }
        }
    }

    /// Attached volumes: one owner per name, no name a container's with volumes (`uses` would be
    /// ambiguous), and a path for each.
    fn attached_volumes(&self, problems: &mut Vec<Problem>) {
        let mut attached_seen: HashMap<String, &str> = HashMap::new();
        for (cname, config) in self.configs {
            for a in &config.attaches {
                let key = if self.map.uses_parent_name() {
                    format!("{cname}.{}", a.name)
                } else {
                    a.name.clone()
                };
                if let Some(first) = attached_seen.insert(key.clone(), cname) {
                    add(
                        problems,
                        format!("attached volume `{key}` is attached by both `{first}` and `{cname}` (set `use_attached_parent_name` to name volumes per container)"),
                        config.origin_of("attaches"),
                    );
                } else if self.volume_sources.contains(&key) {
                    add(problems, format!("attached volume `{key}` has the same name as container `{key}`, so `uses: {key}` would be ambiguous"), config.origin_of("attaches"));
                }
                // An attached alias needs a path: its own or the map volume's.
                if a.path.is_none()
                    && self
                        .map
                        .volumes
                        .get(&a.name)
                        .is_none_or(|v| v.default_path.is_none())
                {
                    add(
                        problems,
                        format!("container `{cname}` attaches volume `{}`, which has no path: add it to the map's `volumes` or give a path", a.name),
                        config.origin_of("attaches"),
                    );
                }
            }
        }
    }

    /// `uses`: an attached volume of another container, or a container with volumes to share.
    fn used_volumes(&self, cname: &str, config: &ContainerConfig, problems: &mut Vec<Problem>) {
        for u in &config.uses {
            if let Some(owner) = self.owners.get(&u.name) {
                if owner == cname {
                    add(
                        problems,
                        format!("container `{cname}` uses its own attached volume `{}`", u.name),
                        config.origin_of("uses"),
                    );
                }
                continue;
            }
            if self.volume_sources.contains(&u.name) {
                continue;
            }
            let message = match self.refers_to_instance(&u.name) {
                Err(NotAnInstance::Unknown { .. }) => {
                    let hint = if self.map.uses_parent_name() && !u.name.contains('.') {
                        " (with `use_attached_parent_name`, attached volumes are named `parent.alias`)"
                    } else {
                        ""
                    };
                    format!("container `{cname}` uses `{}`, which is neither an attached volume nor a container{hint}", u.name)
                }
                Err(e) => format!("container `{cname}` uses `{}`: {e}", u.name),
                Ok(()) => format!(
                    "container `{cname}` uses container `{}`, which has no volumes to share",
                    u.name
                ),
            };
            add(problems, message, config.origin_of("uses"));
        }
    }

    /// `binds` of a host alias: the alias is in the map's `host`, with a path for each instance,
    /// and the map's `volumes` give its container path.
    fn binds(&self, cname: &str, config: &ContainerConfig, problems: &mut Vec<Problem>) {
        for b in &config.binds {
            let Bind::Alias { name: alias, .. } = b else {
                continue;
            };
            match self.map.host.get(alias) {
                None => add(
                    problems,
                    format!("container `{cname}` binds `{alias}`, which is not in the map's `host`"),
                    config.origin_of("binds"),
                ),
                Some(h) => {
                    for inst in config.instance_names() {
                        if h.path_for(inst).is_none() {
                            add(
                                problems,
                                format!("host alias `{alias}` has no path for instance `{}` of `{cname}` (nor a `default`)", inst.unwrap_or("default")),
                                &h.origin,
                            );
                        }
                    }
                }
            }
            if self
                .map
                .volumes
                .get(alias)
                .is_none_or(|v| v.default_path.is_none())
            {
                add(problems, format!("container `{cname}` binds `{alias}`, which has no container path in the map's `volumes`"), config.origin_of("binds"));
            }
        }
    }

    /// `links`: to a concrete container on a network this one is on too.
    fn links(&self, cname: &str, config: &ContainerConfig, problems: &mut Vec<Problem>) {
        for l in &config.links {
            if let Err(e) = self.refers_to_instance(&l.container) {
                add(
                    problems,
                    format!("container `{cname}` links to `{}`: {e}", l.container),
                    config.origin_of("links"),
                );
                continue;
            }
            // The Engine resolves a link only within a network both containers are on.
            let (target, _) = name::split_instance(&l.container);
            let Some(t) = self.configs.get(target) else {
                continue;
            };
            let (mine, theirs) = (joined_networks(config), joined_networks(t));
            if !mine.is_empty() && !theirs.is_empty() && mine.iter().all(|n| !theirs.contains(n)) {
                add(
                    problems,
                    format!(
                        "container `{cname}` links to `{}`, but they share no network (`{cname}` is on {}, `{target}` on {})",
                        l.container,
                        mine.join(", "),
                        theirs.join(", ")
                    ),
                    config.origin_of("links"),
                );
            }
        }
    }

    /// `depends_on`: a configuration that is not abstract (all its instances), or one instance
    /// of it; an unknown one only when it is `required: false`.
    fn depends_on(&self, cname: &str, config: &ContainerConfig, problems: &mut Vec<Problem>) {
        for d in &config.depends_on {
            let (target, instance) = name::split_instance(&d.container);
            let known = self.map.containers.contains_key(target);
            if !known && !d.required {
                continue;
            }
            let problem = match instance {
                Some(_) => self.refers_to_instance(&d.container).err(),
                None if !known => Some(NotAnInstance::Unknown {
                    config: target.to_string(),
                }),
                None if !self.configs.contains_key(target) => Some(NotAnInstance::Abstract {
                    config: target.to_string(),
                }),
                None => None,
            };
            if let Some(e) = problem {
                let hint = if known {
                    ""
                } else {
                    " (`required: false` lets it be absent)"
                };
                add(
                    problems,
                    format!("container `{cname}` depends on `{}`: {e}{hint}", d.container),
                    config.origin_of("depends_on"),
                );
            }
        }
    }

    /// `networks`: each one the map's (or a preset), each endpoint's links to concrete
    /// containers.
    fn networks(&self, cname: &str, config: &ContainerConfig, problems: &mut Vec<Problem>) {
        for ep in &config.networks {
            let n = &ep.network_name;
            if !name::PRESET_NETWORKS.contains(&n.as_str()) && !self.map.networks.contains_key(n) {
                add(
                    problems,
                    format!("container `{cname}` joins network `{n}`, which is not in the map's `networks`"),
                    config.origin_of("networks"),
                );
            }
            for l in &ep.links {
                if let Err(e) = self.refers_to_instance(&l.container) {
                    add(
                        problems,
                        format!(
                            "container `{cname}` links to `{}` on network `{n}`: {e}",
                            l.container
                        ),
                        config.origin_of("networks"),
                    );
                }
            }
        }
    }

    /// `network_mode`: none that joins no network beside `networks`, and a shared container's
    /// namespace names a concrete container (a whole configuration with instances means its
    /// first).
    fn network_mode(&self, cname: &str, config: &ContainerConfig, problems: &mut Vec<Problem>) {
        if !config.networks.is_empty()
            && matches!(
                config.network_mode,
                Some(
                    NetworkMode::Host
                        | NetworkMode::Disabled
                        | NetworkMode::Container { .. }
                        | NetworkMode::External(_)
                )
            )
        {
            add(
                problems,
                format!("container `{cname}` has both `networks` and a `network_mode` that joins no network"),
                config.origin_of("network_mode"),
            );
        }
        let Some(NetworkMode::Container {
            config: target,
            instance,
        }) = &config.network_mode
        else {
            return;
        };
        let r = instance
            .as_ref()
            .map_or_else(|| target.clone(), |i| format!("{target}.{i}"));
        let (tcfg, _) = name::split_instance(&r);
        let res = match (self.configs.get(tcfg), instance) {
            // A whole config with instances: the first instance's namespace is meant.
            (Some(_), None) => Ok(()),
            _ => self.refers_to_instance(&r),
        };
        if let Err(e) = res {
            add(
                problems,
                format!("container `{cname}` uses the network of `{r}`: {e}"),
                config.origin_of("network_mode"),
            );
        }
    }

    /// `clients`: among the map's, when the map names its own.
    fn clients(&self, cname: &str, config: &ContainerConfig, problems: &mut Vec<Problem>) {
        if self.map.clients.is_empty() {
            return;
        }
        for c in &config.clients {
            if !self.map.clients.contains(c) {
                add(
                    problems,
                    format!(
                        "container `{cname}` runs on client `{c}`, which is not among the map's `clients`"
                    ),
                    config.origin_of("clients"),
                );
            }
        }
    }
}

/// The networks a container joins: its map networks, or the default bridge; none for a
/// network mode that shares another namespace, the host's or none.
fn joined_networks(config: &ContainerConfig) -> Vec<String> {
    match &config.network_mode {
        Some(NetworkMode::Bridge) | None if config.networks.is_empty() => vec!["bridge".to_string()],
        None | Some(NetworkMode::Bridge) => config.networks.iter().map(|e| e.network_name.clone()).collect(),
        _ => Vec::new(),
    }
}
