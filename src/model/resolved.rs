//! The resolved model of checked maps: what each container instance becomes on the Engine
//! (`dmap show --json`, docs/cli.md).

use std::collections::{BTreeMap, HashSet};
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::check::Checked;
use super::client::ClientConfig;
use super::container::ContainerConfig;
use super::exec::ExecCommand;
use super::graph::{attached_owners, Item};
use super::healthcheck::HealthCheck;
use super::name;
use super::network_mode::NetworkMode;
use super::options::{self, signal, Engine, Field};
use super::origin::Origin;
use super::path_alias;
use super::problem::Problem;
use super::runs_on::clients_of;
use super::value::Value;
use super::volume_ref::Bind;

#[derive(Debug, Serialize)]
pub struct ResolvedModel {
    pub maps: Vec<ResolvedMap>,
}

#[derive(Debug, Serialize)]
pub struct ResolvedMap {
    pub name: String,
    /// In start order.
    pub containers: Vec<ResolvedContainer>,
    pub volumes: Vec<ResolvedVolume>,
    pub networks: Vec<ResolvedNetwork>,
}

#[derive(Debug, Serialize)]
pub struct ResolvedContainer {
    pub name: String,
    pub config: String,
    pub instance: Option<String>,
    pub image: String,
    pub hostname: Option<String>,
    pub domainname: Option<String>,
    pub user: Option<String>,
    pub mounts: Vec<Mount>,
    pub volumes_from: Vec<String>,
    pub network_mode: Option<String>,
    pub networks: Vec<Endpoint>,
    pub links: Vec<ResolvedLink>,
    pub ports: Vec<Port>,
    pub environment: BTreeMap<String, String>,
    pub command: Option<Value>,
    pub entrypoint: Option<Value>,
    pub healthcheck: Option<HealthCheck>,
    pub exec_commands: Vec<ExecCommand>,
    pub stop_signal: Option<String>,
    pub stop_timeout: Option<u64>,
    /// Every other `create_options` / `host_config` keyword (docker-py names; `host_config`
    /// wins): limits, restart policy, labels, working directory, ...
    pub options: BTreeMap<String, Value>,
    pub persistent: bool,
    /// How a Swarm client runs it as a service (Swarm clients only).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deploy: Option<super::deploy::Deploy>,
    pub clients: Vec<String>,
    /// Containers this one needs started first (direct dependencies).
    pub depends_on: Vec<String>,
    /// Position in the map's start order, from 1.
    pub start_order: usize,
    pub origin: Origin,
}

#[derive(Debug, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Mount {
    /// A named volume.
    Volume {
        source: String,
        target: String,
        readonly: bool,
    },
    Bind {
        source: String,
        target: String,
        readonly: bool,
    },
    /// An anonymous volume (`shares`).
    Anonymous { target: String },
}

#[derive(Debug, Serialize)]
pub struct Endpoint {
    pub network: String,
    pub aliases: Vec<String>,
    pub links: Vec<ResolvedLink>,
    pub ipv4_address: Option<String>,
    pub ipv6_address: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ResolvedLink {
    pub container: String,
    pub alias: String,
}

#[derive(Debug, Serialize)]
pub struct Port {
    pub container_port: String,
    pub host_port: Option<u16>,
    /// The interface alias or address; none: all addresses.
    pub interface: Option<String>,
    /// The address the port is bound to, where the interface is known (a literal address, or an
    /// alias of the client the model is resolved for).
    pub host_ip: Option<String>,
    pub ipv6: bool,
}

#[derive(Debug, Serialize)]
pub struct ResolvedVolume {
    pub name: String,
    pub owner: String,
    pub driver: String,
    pub driver_options: BTreeMap<String, String>,
    /// Labels of its own (`create_options.labels`), beside dmap's.
    pub labels: BTreeMap<String, String>,
    pub user: Option<String>,
    pub permissions: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct ResolvedNetwork {
    pub name: String,
    pub driver: String,
    pub driver_options: BTreeMap<String, String>,
    pub internal: bool,
}

/// The client a model is resolved for: only its containers, its hostnames, its interfaces.
#[derive(Clone, Copy)]
pub struct ClientContext<'a> {
    pub name: &'a str,
    pub config: &'a ClientConfig,
}

/// Resolves checked maps without a client (`dmap show`). `cwd` anchors relative file names
/// (paths stay pure data).
pub fn resolve(maps: &[Checked], cwd: &Path) -> ResolvedModel {
    ResolvedModel {
        maps: maps.iter().map(|c| resolve_map(c, cwd, None)).collect(),
    }
}

/// Resolves checked maps for one client; an interface alias the client lacks is a problem.
pub fn resolve_for(
    maps: &[Checked],
    cwd: &Path,
    client: ClientContext,
) -> Result<ResolvedModel, Vec<Problem>> {
    let model = ResolvedModel {
        maps: maps.iter().map(|c| resolve_map(c, cwd, Some(client))).collect(),
    };
    let mut problems = Vec::new();
    for (checked, map) in maps.iter().zip(&model.maps) {
        for c in &map.containers {
            for p in &c.ports {
                if let (Some(interface), None) = (&p.interface, &p.host_ip) {
                    problems.push(Problem::new(
                        format!(
                            "container `{}` binds port {} to interface `{interface}`, which client `{}` does not define (its `interfaces{}`)",
                            c.name,
                            p.container_port,
                            client.name,
                            if p.ipv6 { "_ipv6" } else { "" }
                        ),
                        checked.configs[&c.config].origin_of("exposes").clone(),
                    ));
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(model)
    } else {
        Err(problems)
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

fn resolve_map(checked: &Checked, cwd: &Path, client: Option<ClientContext>) -> ResolvedMap {
    let map = checked.map;
    let owners = attached_owners(map, &checked.configs);
    let root: Option<PathBuf> = map
        .host_root
        .as_ref()
        .map(|r| path_alias::resolve(None, &base_dir(map.origin_of_property("host_root"), cwd), r));
    let volume_name =
        |owner: &str, alias: &str| name::volume(&map.name, map.uses_parent_name().then_some(owner), alias);
    let engine_name = |r: &str| {
        let (cfg, inst) = name::split_instance(r);
        name::container(&map.name, cfg, inst)
    };
    let link_alias = |container: &str, alias: &Option<String>| {
        alias.clone().unwrap_or_else(|| name::hostname(container, None))
    };
    let one = |position: usize, item: &Item| -> Option<ResolvedContainer> {
        let Item::Container {
            config: cname,
            instance,
        } = item
        else {
            return None;
        };
        let config = &checked.configs[cname];
        if let Some(c) = client {
            if !clients_of(map, config).iter().any(|n| n == c.name) {
                return None;
            }
        }
        let inst = instance.as_deref();
        let engine = name::container(&map.name, cname, inst);
        let mut mounts = Vec::new();
        let mut volumes_from = Vec::new();
        for s in &config.shares {
            mounts.push(Mount::Anonymous { target: s.clone() });
        }
        for b in &config.binds {
            match b {
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
                    let source = path_alias::resolve(root.as_deref(), &base_dir(&h.origin, cwd), p);
                    mounts.push(Mount::Bind {
                        source: clean(&source),
                        target,
                        readonly: *readonly,
                    });
                }
                Bind::Path {
                    path,
                    host_path,
                    readonly,
                } => {
                    let source = path_alias::resolve(
                        root.as_deref(),
                        &base_dir(config.origin_of("binds"), cwd),
                        host_path,
                    );
                    mounts.push(Mount::Bind {
                        source: clean(&source),
                        target: path.clone(),
                        readonly: *readonly,
                    });
                }
            }
        }
        for a in &config.attaches {
            let target = a
                .path
                .clone()
                .or_else(|| map.volumes.get(&a.name).and_then(|v| v.default_path.clone()))
                .unwrap_or_default();
            mounts.push(Mount::Volume {
                source: volume_name(cname, &a.name),
                target,
                readonly: false,
            });
        }
        for u in &config.uses {
            match owners.get(&u.name) {
                Some(owner) => {
                    let alias = u.name.rsplit('.').next().unwrap_or(&u.name);
                    let attach_path = checked.configs[owner]
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
                    mounts.push(Mount::Volume {
                        source: volume_name(owner, alias),
                        target,
                        readonly: u.readonly,
                    });
                }
                None => {
                    let source = engine_name(&u.name);
                    volumes_from.push(if u.readonly {
                        format!("{source}:ro")
                    } else {
                        source
                    });
                }
            }
        }
        let network_mode = config.network_mode.as_ref().map(|m| match m {
            NetworkMode::Container {
                config: t,
                instance: ti,
            } => {
                let ti = ti
                    .clone()
                    .or_else(|| checked.configs.get(t).and_then(|c| c.instances.first().cloned()));
                format!("container:{}", name::container(&map.name, t, ti.as_deref()))
            }
            other => other.to_text(),
        });
        let networks = config
            .networks
            .iter()
            .map(|ep| Endpoint {
                network: name::network(&map.name, &ep.network_name),
                aliases: ep.aliases.clone(),
                links: ep
                    .links
                    .iter()
                    .map(|l| ResolvedLink {
                        container: engine_name(&l.container),
                        alias: link_alias(&l.container, &l.alias),
                    })
                    .collect(),
                ipv4_address: ep.ipv4_address.clone(),
                ipv6_address: ep.ipv6_address.clone(),
            })
            .collect();
        let links = config
            .links
            .iter()
            .map(|l| ResolvedLink {
                container: engine_name(&l.container),
                alias: link_alias(&l.container, &l.alias),
            })
            .collect();
        let ports = config
            .exposes
            .iter()
            .map(|p| Port {
                container_port: format!("{}/{}", p.exposed_port.number, p.exposed_port.protocol.as_str()),
                host_port: p.host_port,
                interface: p.interface.clone(),
                host_ip: p.interface.as_deref().and_then(|i| match client {
                    Some(c) => c.config.interface_address(i, p.ipv6).map(|a| a.to_string()),
                    None => i.parse::<std::net::IpAddr>().ok().map(|a| a.to_string()),
                }),
                ipv6: p.ipv6,
            })
            .collect();
        let own = |field: Field| options::field_value(&config.create_options, field);
        let hostname = match own(Field::Hostname).and_then(Value::as_str) {
            Some(h) => Some(h.to_string()),
            None => (map.set_hostname != Some(false) && config.network_mode.is_none())
                .then(|| name::hostname(&engine, client.map(|c| c.name))),
        };
        let domainname = match own(Field::Domainname).and_then(Value::as_str) {
            Some(d) => Some(d.to_string()),
            None => client
                .and_then(|c| c.config.domainname.clone())
                .or_else(|| map.default_domain.clone()),
        };
        Some(ResolvedContainer {
            name: engine.clone(),
            config: cname.clone(),
            instance: instance.clone(),
            image: map.image_of(cname, config),
            hostname,
            domainname,
            // A keyword in `create_options` wins over the configuration's field.
            user: match own(Field::User) {
                Some(Value::Str(u)) => Some(u.clone()),
                _ => config.user.as_ref().map(|u| u.name.clone()),
            },
            mounts,
            volumes_from,
            network_mode,
            networks,
            links,
            ports,
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
            exec_commands: config.exec_commands.clone(),
            stop_signal: match own(Field::StopSignal) {
                Some(v) => signal(v).ok().flatten(),
                None => config.stop_signal.clone(),
            },
            stop_timeout: match own(Field::StopTimeout) {
                Some(Value::Int(t)) => u64::try_from(*t).ok(),
                _ => config.stop_timeout,
            },
            options: other_options(config),
            persistent: config.is_persistent(),
            deploy: config.deploy.clone(),
            clients: clients_of(map, config),
            depends_on: checked
                .graph
                .direct_dependencies(item)
                .iter()
                .filter(|d| d.is_container())
                .map(|d| engine_name(&d.reference()))
                .collect(),
            start_order: position + 1,
            origin: config.origin.clone(),
        })
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
            .filter_map(|(i, item)| one(offset + i, item))
            .collect()
    });

    let mut volumes = Vec::new();
    let mut seen: HashSet<String> = HashSet::new();
    for (cname, config) in &checked.configs {
        for a in &config.attaches {
            let vol = map.volumes.get(&a.name);
            let vname = volume_name(cname, &a.name);
            if !seen.insert(vname.clone()) {
                continue;
            }
            volumes.push(ResolvedVolume {
                name: vname,
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
    let networks = map
        .networks
        .iter()
        .map(|(n, c)| ResolvedNetwork {
            name: name::network(&map.name, n),
            driver: c.driver.clone(),
            driver_options: c.driver_options.clone(),
            internal: c.internal,
        })
        .collect();
    ResolvedMap {
        name: map.name.clone(),
        containers,
        volumes,
        networks,
    }
}

/// Runs `work` on chunks of `items` (each with the index of its first item) on the machine's
/// cores, and joins the results in order; small lists, or no threads to be had, run here.
fn in_parallel<T: Sync, R: Send>(items: &[T], work: impl Fn(usize, &[T]) -> Vec<R> + Sync) -> Vec<R> {
    const ENOUGH: usize = 4000;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if items.len() < ENOUGH || threads < 2 {
        return work(0, items);
    }
    let size = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = items
            .chunks(size)
            .enumerate()
            .map(|(n, chunk)| {
                let offset = n * size;
                let spawned = std::thread::Builder::new().spawn_scoped(scope, move || work(offset, chunk));
                (offset, chunk, spawned)
            })
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for (offset, chunk, spawned) in handles {
            match spawned.map(|h| h.join()) {
                Ok(Ok(part)) => out.extend(part),
                // No thread (or it failed): do that chunk here.
                _ => out.extend(work(offset, chunk)),
            }
        }
        out
    })
}

/// The keywords that reach the Engine as options: every one but those folded into a container
/// field (`host_config` wins over `create_options`).
fn other_options(config: &ContainerConfig) -> BTreeMap<String, Value> {
    config
        .create_options
        .iter()
        .chain(&config.host_config)
        .filter(|(k, _)| !options::get(k).is_some_and(|d| matches!(d.engine, Engine::Field(_))))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::in_parallel;

    #[test]
    fn parallel_chunks_join_in_order_with_their_offsets() {
        let items: Vec<usize> = (0..10_007).collect();
        let out = in_parallel(&items, |offset, chunk| {
            chunk
                .iter()
                .enumerate()
                .map(|(i, x)| (offset + i, *x * 2))
                .collect()
        });
        assert_eq!(out.len(), items.len());
        assert!(out.iter().enumerate().all(|(i, (at, x))| *at == i && *x == i * 2));
        assert_eq!(
            in_parallel(&items[..3], |o, c| c.iter().map(|x| x + o).collect()),
            vec![0, 1, 2]
        );
    }
}
