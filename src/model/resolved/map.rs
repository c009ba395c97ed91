//! Resolving one checked map, decision by decision: Engine names, mounts, networks, ports,
//! hostnames, the fields `create_options` keywords fold into, volume preparation.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};

use super::container::{
    ContainerSpec, EndpointSpec, Gate, LinkSpec, MountKind, MountSpec, PortSpec, Prepare, ResolvedContainer,
};
use super::parallel::in_parallel;
use super::{ClientContext, ResolvedMap, ResolvedNetwork, ResolvedVolume};
use crate::model::check::Checked;
use crate::model::container::ContainerConfig;
use crate::model::container_map::ContainerMap;
use crate::model::graph::{attached_owners, Item};
use crate::model::healthcheck::HealthCheck;
use crate::model::link::Link;
use crate::model::name;
use crate::model::network_mode::NetworkMode;
use crate::model::options::{self, signal, Engine, Field, FieldValues};
use crate::model::origin::Origin;
use crate::model::path_alias;
use crate::model::runs_on::clients_of;
use crate::model::value::Value;
use crate::model::volume_ref::Bind;

/// What every container of a map is resolved against.
struct MapContext<'a> {
    checked: &'a Checked<'a>,
    map: &'a ContainerMap,
    cwd: &'a Path,
    client: Option<ClientContext<'a>>,
    /// Attached volume alias → the configuration that attaches it.
    owners: HashMap<String, String>,
    /// `host_root`, made absolute.
    root: Option<PathBuf>,
    /// The map's volumes by Engine name.
    volumes: HashMap<&'a str, &'a ResolvedVolume>,
}

pub(super) fn resolve_map(checked: &Checked, cwd: &Path, client: Option<ClientContext>) -> ResolvedMap {
    let map = checked.map;
    let root = map
        .host_root
        .as_ref()
        .map(|r| path_alias::resolve(None, &base_dir(map.origin_of_property("host_root"), cwd), r));
    let volumes = volumes(checked);
    let cx = MapContext {
        checked,
        map,
        cwd,
        client,
        owners: attached_owners(map, &checked.configs),
        root,
        volumes: volumes.iter().map(|v| (v.name.as_str(), v)).collect(),
    };
    // Walked in start order, so the list needs no sorting; big maps in parallel chunks.
    let items: Vec<&Item> = checked
        .graph
        .start_order()
        .into_iter()
        .filter(|i| i.is_container())
        .collect();
    let containers = in_parallel(&items, |offset, chunk| {
        chunk
            .iter()
            .enumerate()
            .filter_map(|(i, item)| cx.container(offset + i, item))
            .collect()
    });
    let networks = cx.networks();
    drop(cx);
    ResolvedMap {
        name: map.name.clone(),
        containers,
        volumes,
        networks,
    }
}

/// The directory a file's relative paths are resolved against, made absolute.
fn base_dir(origin: &Origin, cwd: &Path) -> PathBuf {
    cwd.join(origin.base_dir())
}

fn clean(path: &Path) -> String {
    let mut out = PathBuf::new();
    for part in path.components() {
        match part {
            std::path::Component::CurDir => {}
            std::path::Component::ParentDir => {
                out.pop();
            }
            other => out.push(other),
        }
    }
    out.to_string_lossy().into_owned()
}

/// Every attached volume of the map, once.
fn volumes(checked: &Checked) -> Vec<ResolvedVolume> {
    let map = checked.map;
    let mut volumes = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (cname, config) in &checked.configs {
        for a in &config.attaches {
            let vol = map.volumes.get(&a.name);
            if vol.is_some_and(|v| v.external) {
                continue;
            }
            let vname = map.volume_name(cname, &a.name);
            if !seen.insert(vname.clone()) {
                continue;
            }
            volumes.push(ResolvedVolume {
                name: vname,
                map: map.name.clone(),
                owner: cname.clone(),
                driver: vol.map_or_else(|| "local".to_string(), |v| v.driver.clone()),
                driver_options: vol.map(|v| v.driver_options.clone()).unwrap_or_default(),
                labels: match vol.and_then(|v| v.create_options.get("labels")) {
                    Some(Value::Map(m)) => m
                        .iter()
                        .map(|(k, v)| (k.clone(), v.scalar_text().unwrap_or_default()))
                        .collect(),
                    _ => BTreeMap::new(),
                },
                user: vol
                    .and_then(|v| v.user.as_ref())
                    .or(config.user.as_ref())
                    .map(|u| u.owner()),
                permissions: vol
                    .and_then(|v| v.permissions.clone())
                    .or_else(|| config.permissions.clone()),
            });
        }
    }
    volumes
}

impl MapContext<'_> {
    fn volume_name(&self, owner: &str, alias: &str) -> String {
        self.map.volume_name(owner, alias)
    }

    fn engine_name(&self, reference: &str) -> String {
        let (cfg, inst) = name::split_instance(reference);
        self.map.container_name(cfg, inst)
    }

    /// The containers `depends_on` names (a configuration: each of its instances), those
    /// `required: false` names and the map lacks left out.
    fn gates(&self, config: &ContainerConfig) -> Vec<Gate> {
        let mut gates = Vec::new();
        for d in &config.depends_on {
            let (cfg, inst) = name::split_instance(&d.container);
            let Some(target) = self.checked.configs.get(cfg) else {
                continue;
            };
            let instances = match inst {
                Some(i) => vec![Some(i)],
                None => target.instance_names(),
            };
            gates.extend(instances.into_iter().map(|i| Gate {
                container: self.map.container_name(cfg, i),
                condition: d.condition,
                restart: d.restart,
            }));
        }
        gates
    }

    fn link(&self, l: &Link) -> LinkSpec {
        LinkSpec {
            container: self.engine_name(&l.container),
            alias: l
                .alias
                .clone()
                .unwrap_or_else(|| name::hostname(&l.container, None)),
        }
    }

    /// One container instance, or none when it does not run on the client resolved for.
    fn container(&self, position: usize, item: &Item) -> Option<ResolvedContainer> {
        let Item::Container {
            config: cname,
            instance,
        } = item
        else {
            return None;
        };
        let (map, config) = (self.map, &self.checked.configs[cname]);
        let clients = clients_of(map, config);
        if let Some(c) = self.client {
            if !clients.iter().any(|n| n == c.name) {
                return None;
            }
        }
        let engine = map.container_name(cname, instance.as_deref());
        let (mounts, volumes_from) = self.mounts(cname, config, instance.as_deref());
        let own = FieldValues::of(&config.create_options);
        let spec = ContainerSpec {
            image: map.image_of(cname, config),
            hostname: self.hostname(config, &own, &engine),
            domainname: self.domainname(&own),
            mounts,
            volumes_from,
            network_mode: self.network_mode(config),
            networks: config
                .networks
                .iter()
                .map(|ep| EndpointSpec {
                    network: map.network_name(&ep.network_name),
                    aliases: map.endpoint_aliases(&engine, &ep.aliases),
                    links: ep.links.iter().map(|l| self.link(l)).collect(),
                    ipv4_address: ep.ipv4_address.clone(),
                    ipv6_address: ep.ipv6_address.clone(),
                })
                .collect(),
            links: config.links.iter().map(|l| self.link(l)).collect(),
            ports: self.ports(config),
            options: engine_options(config),
            deploy: config.deploy.clone(),
            ..folded_fields(config, &own)
        };
        let prepare = self.prepare(cname, &spec.mounts);
        Some(ResolvedContainer {
            name: engine,
            map: map.name.clone(),
            config: cname.clone(),
            instance: instance.clone(),
            spec,
            exec_commands: config.exec_commands.clone(),
            exec_user: config.user.as_ref().map(|u| u.name.clone()),
            start_delay: config.start_delay,
            prepare,
            persistent: config.is_persistent(),
            clients,
            depends_on: self
                .checked
                .graph
                .direct_dependencies(item)
                .iter()
                .filter(|d| d.is_container())
                .map(|d| self.engine_name(&d.reference()))
                .collect(),
            waits_for: self.gates(config),
            start_order: position + 1,
            naming: map.naming,
            origin: config.origin.clone(),
        })
    }

    /// Mounts (anonymous volumes, binds with resolved host paths, named volumes) and the
    /// containers whose volumes it takes.
    fn mounts(
        &self,
        cname: &str,
        config: &ContainerConfig,
        inst: Option<&str>,
    ) -> (Vec<MountSpec>, Vec<String>) {
        let map = self.map;
        let mut mounts = Vec::new();
        let mut volumes_from = Vec::new();
        let mount = |kind, source: String, target: String, readonly| MountSpec {
            kind,
            source,
            target,
            readonly,
        };
        for s in &config.shares {
            mounts.push(mount(MountKind::Anonymous, String::new(), s.clone(), false));
        }
        for b in &config.binds {
            let (source, target, readonly) = match b {
                Bind::Alias {
                    name: alias,
                    readonly,
                } => {
                    let (Some(h), Some(target)) = (
                        map.host.get(alias),
                        map.volumes.get(alias).and_then(|v| v.default_path.clone()),
                    ) else {
                        continue;
                    };
                    let Some(p) = h.path_for(inst) else { continue };
                    let base = base_dir(&h.origin, self.cwd);
                    (
                        path_alias::resolve(self.root.as_deref(), &base, p),
                        target,
                        *readonly,
                    )
                }
                Bind::Path {
                    path,
                    host_path,
                    readonly,
                } => {
                    let base = base_dir(config.origin_of("binds"), self.cwd);
                    let source = path_alias::resolve(self.root.as_deref(), &base, host_path);
                    (source, path.clone(), *readonly)
                }
            };
            mounts.push(mount(MountKind::Bind, clean(&source), target, readonly));
        }
        for a in &config.attaches {
            let target = a
                .path
                .clone()
                .or_else(|| map.volumes.get(&a.name).and_then(|v| v.default_path.clone()))
                .unwrap_or_default();
            mounts.push(mount(
                MountKind::Volume,
                self.volume_name(cname, &a.name),
                target,
                false,
            ));
        }
        for u in &config.uses {
            let Some(owner) = self.owners.get(&u.name) else {
                let source = self.engine_name(&u.name);
                volumes_from.push(if u.readonly {
                    format!("{source}:ro")
                } else {
                    source
                });
                continue;
            };
            let alias = u.name.rsplit('.').next().unwrap_or(&u.name);
            let attach_path = self.checked.configs[owner]
                .attaches
                .iter()
                .find(|a| a.name == alias)
                .and_then(|a| a.path.clone());
            let target = u
                .path
                .clone()
                .or(attach_path)
                .or_else(|| map.volumes.get(alias).and_then(|v| v.default_path.clone()))
                .unwrap_or_default();
            mounts.push(mount(
                MountKind::Volume,
                self.volume_name(owner, alias),
                target,
                u.readonly,
            ));
        }
        (mounts, volumes_from)
    }

    fn network_mode(&self, config: &ContainerConfig) -> Option<String> {
        config.network_mode.as_ref().map(|m| match m {
            NetworkMode::Container {
                config: t,
                instance: ti,
            } => {
                let ti = ti.clone().or_else(|| {
                    self.checked
                        .configs
                        .get(t)
                        .and_then(|c| c.instances.first().cloned())
                });
                format!("container:{}", self.map.container_name(t, ti.as_deref()))
            }
            other => other.to_text(),
        })
    }

    /// Published ports; an interface alias becomes an address where the client is known.
    fn ports(&self, config: &ContainerConfig) -> Vec<PortSpec> {
        config
            .exposes
            .iter()
            .map(|p| PortSpec {
                container_port: format!("{}/{}", p.exposed_port.number, p.exposed_port.protocol.as_str()),
                host_port: p.host_port,
                interface: p.interface.clone(),
                host_ip: p.interface.as_deref().and_then(|i| match self.client {
                    Some(c) => c.config.interface_address(i, p.ipv6).map(|a| a.to_string()),
                    None => i.parse::<std::net::IpAddr>().ok().map(|a| a.to_string()),
                }),
                ipv6: p.ipv6,
            })
            .collect()
    }

    /// `create_options.hostname`, else docker-map's: the Engine name, suffixed with a client
    /// that is not the default (none when the map says `set_hostname: false` or the container
    /// shares another network namespace).
    fn hostname(&self, config: &ContainerConfig, own: &FieldValues, engine: &str) -> Option<String> {
        match own.get(Field::Hostname).and_then(Value::as_str) {
            Some(h) => Some(h.to_string()),
            None => (self.map.derives_hostnames() && config.network_mode.is_none())
                .then(|| name::hostname(engine, self.client.map(|c| c.name))),
        }
    }

    /// `create_options.domainname`, else the client's, else the map's default domain.
    fn domainname(&self, own: &FieldValues) -> Option<String> {
        match own.get(Field::Domainname).and_then(Value::as_str) {
            Some(d) => Some(d.to_string()),
            None => self
                .client
                .and_then(|c| c.config.domainname.clone())
                .or_else(|| self.map.default_domain.clone()),
        }
    }

    /// Attached volumes get their owner and mode on every create of a container attaching them
    /// (volume settings win over the container's).
    fn prepare(&self, cname: &str, mounts: &[MountSpec]) -> Vec<Prepare> {
        mounts
            .iter()
            .filter(|m| m.kind == MountKind::Volume)
            .filter_map(|m| {
                let v = self.volumes.get(m.source.as_str())?;
                if v.owner != cname || (v.user.is_none() && v.permissions.is_none()) {
                    return None;
                }
                Some(Prepare {
                    volume: m.source.clone(),
                    path: m.target.clone(),
                    owner: v.user.clone(),
                    mode: v.permissions.clone(),
                })
            })
            .collect()
    }

    fn networks(&self) -> Vec<ResolvedNetwork> {
        self.map
            .networks
            .iter()
            .filter(|(_, c)| !c.external)
            .map(|(n, c)| ResolvedNetwork {
                name: self.map.network_name(n),
                map: self.map.name.clone(),
                driver: c.driver.clone(),
                driver_options: c.driver_options.clone(),
                internal: c.internal,
                create_options: c.create_options.clone(),
            })
            .collect()
    }
}

/// The container fields that `create_options` keywords duplicate: the keyword wins over the
/// configuration's own field.
fn folded_fields(config: &ContainerConfig, own: &FieldValues) -> ContainerSpec {
    let own = |field: Field| own.get(field);
    ContainerSpec {
        user: match own(Field::User) {
            Some(Value::Str(u)) => Some(u.clone()),
            _ => config.user.as_ref().map(|u| u.name.clone()),
        },
        environment: match own(Field::Environment) {
            Some(Value::Map(m)) => m
                .iter()
                .map(|(k, v)| (k.clone(), v.scalar_text().unwrap_or_default()))
                .collect(),
            _ => BTreeMap::new(),
        },
        command: own(Field::Command).cloned(),
        entrypoint: own(Field::Entrypoint).cloned(),
        healthcheck: match own(Field::Healthcheck) {
            Some(v) => HealthCheck::parse(v).ok().flatten(),
            None => config.healthcheck.clone(),
        },
        stop_signal: match own(Field::StopSignal) {
            Some(v) => signal(v).ok().flatten(),
            None => config.stop_signal.clone(),
        },
        stop_timeout: match own(Field::StopTimeout) {
            Some(Value::Int(t)) => u64::try_from(*t).ok(),
            _ => config.stop_timeout,
        },
        ..ContainerSpec::default()
    }
}

/// The keywords that reach the Engine as options: every one but those folded into a container
/// field (`host_config` wins over `create_options`).
fn engine_options(config: &ContainerConfig) -> BTreeMap<String, Value> {
    config
        .create_options
        .iter()
        .chain(&config.host_config)
        .filter(|(k, _)| !options::get(k).is_some_and(|d| matches!(d.engine, Engine::Field(_))))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}
