//! Integrity checks (reference §2.6, plus what docker-map lacks): every problem of a map is
//! reported together, each with its origin. A map passing them is a `Checked` map.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;

use super::container::ContainerConfig;
use super::container_map::{Configs, ContainerMap};
use super::graph::{attached_owners, Graph};
use super::name;
use super::network_mode::NetworkMode;
use super::origin::Origin;
use super::port::Protocol;
use super::problem::Problem;
use super::volume_ref::Bind;

/// A map that passed every check, with its extended configurations and dependency graph.
#[derive(Debug)]
pub struct Checked<'a> {
    pub map: &'a ContainerMap,
    /// Non-abstract configurations with `extends` applied.
    pub configs: Configs<'a>,
    pub graph: Graph,
}

/// Resolves a client interface alias to an address, where clients are known.
pub type Interfaces<'a> = &'a dyn Fn(&str, bool) -> Option<IpAddr>;

/// Checks one map (the unit tests' shorthand for [`check_maps`]).
#[cfg(test)]
pub fn check(map: &ContainerMap) -> Result<Checked<'_>, Vec<Problem>> {
    let mut all = check_maps(&[map], None)?;
    all.pop().ok_or_else(Vec::new)
}

/// Checks several maps, including host ports bound twice across them.
pub fn check_maps<'a>(
    maps: &[&'a ContainerMap],
    interfaces: Option<Interfaces>,
) -> Result<Vec<Checked<'a>>, Vec<Problem>> {
    let mut problems = Vec::new();
    let mut checked = Vec::new();
    let mut unchecked = Vec::new();
    for map in maps {
        // A configuration that can't be extended is checked as written: every other problem
        // of the map is still found.
        let before = problems.len();
        let (configs, extends_problems) = map.extended_all();
        problems.extend(extends_problems);
        references(map, &configs, &mut problems);
        shared_clients(map, &configs, &mut problems);
        // Unknown references are left out of the graph, so cycles are found regardless.
        match Graph::build(map, &configs) {
            Ok(graph) if problems.len() == before => checked.push(Checked { map, configs, graph }),
            Ok(_) => unchecked.push((*map, configs)),
            Err(p) => {
                problems.extend(p);
                unchecked.push((*map, configs));
            }
        }
    }
    let mut all: Vec<(&ContainerMap, &Configs<'_>)> = checked.iter().map(|c| (c.map, &c.configs)).collect();
    all.extend(unchecked.iter().map(|(m, c)| (*m, c)));
    ports(&all, interfaces, &mut problems);
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    }
}

/// A container and what it links to, takes volumes from (`uses` of a container or of its
/// attached volume) or shares the network of run on one Engine: each client of the container
/// must run the other too.
fn shared_clients(map: &ContainerMap, configs: &Configs<'_>, problems: &mut Vec<Problem>) {
    let owners = super::graph::attached_owners(map, configs);
    let runs_on = |cfg: &ContainerConfig| super::resolved::clients_of(map, cfg);
    for (cname, config) in configs {
        let mine = runs_on(config);
        let mut refs: Vec<(&'static str, String, &'static str)> = Vec::new();
        for l in &config.links {
            refs.push((
                "links to",
                name::split_instance(&l.container).0.to_string(),
                "links",
            ));
        }
        for u in &config.uses {
            let target = owners
                .get(&u.name)
                .cloned()
                .unwrap_or_else(|| name::split_instance(&u.name).0.to_string());
            refs.push(("uses volumes of", target, "uses"));
        }
        if let Some(NetworkMode::Container { config: other, .. }) = &config.network_mode {
            refs.push(("shares the network of", other.clone(), "network_mode"));
        }
        for (verb, target, field) in refs {
            let Some(other) = configs.get(&target) else {
                continue;
            };
            let theirs = runs_on(other);
            let missing: Vec<String> = mine
                .iter()
                .filter(|c| !theirs.contains(c))
                .map(|c| format!("`{c}`"))
                .collect();
            if missing.is_empty() {
                continue;
            }
            let p = Problem::new(
                format!(
                    "container `{cname}` {verb} `{target}`, but they do not share a client: `{cname}` runs on {} where `{target}` does not (it runs on {}); a reference works only on one Engine",
                    missing.join(", "),
                    theirs.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                ),
                config.origin_of(field).clone(),
            );
            if !problems.contains(&p) {
                problems.push(p);
            }
        }
    }
}

fn references(map: &ContainerMap, configs: &Configs<'_>, problems: &mut Vec<Problem>) {
    let mut report = |message: String, origin: &Origin| {
        let p = Problem::new(message, origin.clone());
        if !problems.contains(&p) {
            problems.push(p);
        }
    };
    let instance_refs = |cname: &str, c: &ContainerConfig| -> Vec<String> {
        c.instance_names()
            .into_iter()
            .map(|i| i.map_or_else(|| cname.to_string(), |i| format!("{cname}.{i}")))
            .collect()
    };
    let refers_to_instance = |r: &str| -> Result<(), String> {
        let (cfg, inst) = name::split_instance(r);
        match (map.containers.get(cfg), configs.get(cfg), inst) {
            (None, _, _) => Err(format!("unknown container `{cfg}`")),
            (Some(_), None, _) => Err(format!("container `{cfg}` is abstract")),
            (_, Some(c), None) if !c.instances.is_empty() => Err(format!(
                "container `{cfg}` has instances; name one of {}",
                c.instances
                    .iter()
                    .map(|i| format!("`{cfg}.{i}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            (_, Some(c), Some(i)) if !c.instances.iter().any(|x| x == i) => {
                Err(format!("container `{cfg}` has no instance `{i}`"))
            }
            _ => Ok(()),
        }
    };

    // Groups (§2.6 items 1–2).
    for (group, members) in &map.groups {
        let origin = map.origin_of_property(&format!("groups.{group}"));
        if map.containers.contains_key(group) {
            report(
                format!("name `{group}` is used both for a container configuration and a group"),
                origin,
            );
        }
        for m in members {
            let (cfg, inst) = name::split_instance(m);
            let known = configs
                .get(cfg)
                .is_some_and(|c| inst.is_none_or(|i| c.instances.iter().any(|x| x == i)));
            if !known {
                report(
                    format!("group `{group}` refers to unknown container `{m}`"),
                    origin,
                );
            }
        }
    }

    // Attached volumes: one owner per name (§2.6 item 3).
    let owners = attached_owners(map, configs);
    let mut attached_seen: HashMap<String, &str> = HashMap::new();
    let volume_sources: HashSet<String> = configs
        .iter()
        .filter(|(_, c)| {
            !c.shares.is_empty() || !c.binds.is_empty() || !c.uses.is_empty() || !c.attaches.is_empty()
        })
        .flat_map(|(n, c)| instance_refs(n, c))
        .collect();
    for (cname, config) in configs {
        for a in &config.attaches {
            let key = if map.uses_parent_name() {
                format!("{cname}.{}", a.name)
            } else {
                a.name.clone()
            };
            if let Some(first) = attached_seen.insert(key.clone(), cname) {
                report(
                    format!("attached volume `{key}` is attached by both `{first}` and `{cname}` (set `use_attached_parent_name` to name volumes per container)"),
                    config.origin_of("attaches"),
                );
            } else if volume_sources.contains(&key) {
                report(format!("attached volume `{key}` has the same name as container `{key}`, so `uses: {key}` would be ambiguous"), config.origin_of("attaches"));
            }
            // §2.6 item 6: an attached alias needs a path.
            if a.path.is_none() && map.volumes.get(&a.name).is_none_or(|v| v.default_path.is_none()) {
                report(
                    format!("container `{cname}` attaches volume `{}`, which has no path: add it to the map's `volumes` or give a path", a.name),
                    config.origin_of("attaches"),
                );
            }
        }
    }

    for (cname, config) in configs {
        // §2.6 item 4: used volumes.
        for u in &config.uses {
            if owners.contains_key(&u.name) {
                if owners.get(&u.name).is_some_and(|o| o == cname) {
                    report(
                        format!("container `{cname}` uses its own attached volume `{}`", u.name),
                        config.origin_of("uses"),
                    );
                }
                continue;
            }
            let problem = if volume_sources.contains(&u.name) {
                None
            } else {
                match refers_to_instance(&u.name) {
                    Err(e) if e.starts_with("unknown container") => {
                        let hint = if !map.uses_parent_name() && u.name.contains('.') {
                            ""
                        } else if map.uses_parent_name() && !u.name.contains('.') {
                            " (with `use_attached_parent_name`, attached volumes are named `parent.alias`)"
                        } else {
                            ""
                        };
                        Some(format!("container `{cname}` uses `{}`, which is neither an attached volume nor a container{hint}", u.name))
                    }
                    Err(e) => Some(format!("container `{cname}` uses `{}`: {e}", u.name)),
                    Ok(()) => Some(format!(
                        "container `{cname}` uses container `{}`, which has no volumes to share",
                        u.name
                    )),
                }
            };
            if let Some(message) = problem {
                report(message, config.origin_of("uses"));
            }
        }
        // §2.6 items 5–6: binds.
        for b in &config.binds {
            if let Bind::Alias { name: alias, .. } = b {
                match map.host.get(alias) {
                    None => report(
                        format!("container `{cname}` binds `{alias}`, which is not in the map's `host`"),
                        config.origin_of("binds"),
                    ),
                    Some(h) => {
                        for inst in config.instance_names() {
                            if h.path_for(inst).is_none() {
                                report(
                                    format!("host alias `{alias}` has no path for instance `{}` of `{cname}` (nor a `default`)", inst.unwrap_or("default")),
                                    &h.origin,
                                );
                            }
                        }
                    }
                }
                if map.volumes.get(alias).is_none_or(|v| v.default_path.is_none()) {
                    report(format!("container `{cname}` binds `{alias}`, which has no container path in the map's `volumes`"), config.origin_of("binds"));
                }
            }
        }
        // §2.6 item 7: links, also those of network endpoints.
        for l in &config.links {
            if let Err(e) = refers_to_instance(&l.container) {
                report(
                    format!("container `{cname}` links to `{}`: {e}", l.container),
                    config.origin_of("links"),
                );
                continue;
            }
            // The Engine resolves a link only within a network both containers are on.
            let (target, _) = name::split_instance(&l.container);
            if let Some(t) = configs.get(target) {
                let (mine, theirs) = (joined_networks(config), joined_networks(t));
                if !mine.is_empty() && !theirs.is_empty() && mine.iter().all(|n| !theirs.contains(n)) {
                    report(
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
        // §2.6 item 8: networks.
        for ep in &config.networks {
            let n = &ep.network_name;
            if !name::PRESET_NETWORKS.contains(&n.as_str()) && !map.networks.contains_key(n) {
                report(
                    format!("container `{cname}` joins network `{n}`, which is not in the map's `networks`"),
                    config.origin_of("networks"),
                );
            }
            for l in &ep.links {
                if let Err(e) = refers_to_instance(&l.container) {
                    report(
                        format!(
                            "container `{cname}` links to `{}` on network `{n}`: {e}",
                            l.container
                        ),
                        config.origin_of("networks"),
                    );
                }
            }
        }
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
            report(
                format!("container `{cname}` has both `networks` and a `network_mode` that joins no network"),
                config.origin_of("network_mode"),
            );
        }
        // §2.6 item 9: network_mode.
        if let Some(NetworkMode::Container {
            config: target,
            instance,
        }) = &config.network_mode
        {
            let r = instance
                .as_ref()
                .map_or_else(|| target.clone(), |i| format!("{target}.{i}"));
            let (tcfg, _) = name::split_instance(&r);
            let res = match (configs.get(tcfg), instance) {
                // A whole config with instances: the first instance's namespace is meant.
                (Some(_), None) => Ok(()),
                _ => refers_to_instance(&r),
            };
            if let Err(e) = res {
                report(
                    format!("container `{cname}` uses the network of `{r}`: {e}"),
                    config.origin_of("network_mode"),
                );
            }
        }
        // Clients the map does not run on.
        if !map.clients.is_empty() {
            for c in &config.clients {
                if !map.clients.contains(c) {
                    report(format!("container `{cname}` runs on client `{c}`, which is not among the map's `clients`"), config.origin_of("clients"));
                }
            }
        }
        mounts(map, cname, config, &mut report);
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

/// Two mounts at one container path make the Engine refuse the container.
fn mounts(
    map: &ContainerMap,
    cname: &str,
    config: &ContainerConfig,
    report: &mut dyn FnMut(String, &Origin),
) {
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
            report(
                format!("container `{cname}` mounts two volumes at `{path}`"),
                config.origin_of(field),
            );
        }
    }
}

/// Host ports bound twice on overlapping interfaces of the same client.
fn ports(
    maps: &[(&ContainerMap, &Configs<'_>)],
    interfaces: Option<Interfaces>,
    problems: &mut Vec<Problem>,
) {
    struct Binding<'a> {
        container: String,
        port: u16,
        protocol: Protocol,
        interface: Option<&'a str>,
        ipv6: bool,
        clients: Vec<String>,
        origin: &'a Origin,
    }
    let mut bindings: Vec<Binding> = Vec::new();
    for (map, configs) in maps {
        for (cname, config) in configs.iter() {
            let clients = if !config.clients.is_empty() {
                config.clients.clone()
            } else if !map.clients.is_empty() {
                map.clients.clone()
            } else {
                vec![name::DEFAULT_CLIENT.to_string()]
            };
            for inst in config.instance_names() {
                for pb in &config.exposes {
                    if let Some(port) = pb.host_port {
                        bindings.push(Binding {
                            container: name::container(&map.name, cname, inst),
                            port,
                            protocol: pb.exposed_port.protocol,
                            interface: pb.interface.as_deref(),
                            ipv6: pb.ipv6,
                            clients: clients.clone(),
                            origin: config.origin_of("exposes"),
                        });
                    }
                }
            }
        }
    }
    let address = |b: &Binding| -> Option<IpAddr> {
        let i = b.interface?;
        i.parse().ok().or_else(|| interfaces.and_then(|f| f(i, b.ipv6)))
    };
    let overlap = |a: &Binding, b: &Binding| -> bool {
        match (a.interface, b.interface) {
            (None, _) | (_, None) => true,
            (Some(x), Some(y)) => match (address(a), address(b)) {
                (Some(ia), Some(ib)) => {
                    ia == ib
                        || (ia.is_unspecified() && ia.is_ipv4() == ib.is_ipv4())
                        || (ib.is_unspecified() && ia.is_ipv4() == ib.is_ipv4())
                }
                _ => x == y && a.ipv6 == b.ipv6,
            },
        }
    };
    let mut by_port: HashMap<(u16, Protocol), Vec<&Binding>> = HashMap::new();
    for b in &bindings {
        by_port.entry((b.port, b.protocol)).or_default().push(b);
    }
    let mut groups: Vec<_> = by_port.into_iter().filter(|(_, list)| list.len() > 1).collect();
    groups.sort_by_key(|(key, _)| *key);
    for (_, list) in groups {
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                if a.clients.iter().any(|c| b.clients.contains(c)) && overlap(a, b) {
                    let proto = if a.protocol == Protocol::Tcp {
                        String::new()
                    } else {
                        format!("/{}", a.protocol.as_str())
                    };
                    let p = Problem::new(
                        format!(
                            "containers `{}` and `{}` both bind host port {}{proto}",
                            a.container, b.container, a.port
                        ),
                        b.origin.clone(),
                    );
                    if !problems.contains(&p) {
                        problems.push(p);
                    }
                }
            }
        }
    }
}

/// What the clients a map is handed to must provide, checked where they are known (the
/// recipe's `mapping_client`), before anything touches an Engine: every client a configuration
/// runs on, and the interface aliases its published ports name. `clients_of(map)` gives the
/// clients a map was handed to.
pub fn clients(
    checked: &[Checked],
    clients_of: &dyn Fn(&str) -> Vec<(String, super::client::ClientConfig)>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for c in checked {
        let known = clients_of(&c.map.name);
        if known.is_empty() {
            continue;
        }
        let owners = attached_owners(c.map, &c.configs);
        for (cname, config) in &c.configs {
            let runs_on = super::resolved::clients_of(c.map, config);
            for (client, settings) in known.iter().filter(|(n, _)| runs_on.contains(n)) {
                if settings.swarm {
                    super::swarm::swarm_service(c.map, &owners, cname, config, client, &mut problems);
                } else if config.deploy.is_some() {
                    add(
                        &mut problems,
                        format!("container `{cname}`: `deploy` is for Swarm clients, and client `{client}` is not one (`docker(#{{ swarm: true }})`)"),
                        config.origin_of("deploy"),
                    );
                }
            }
            for client in runs_on.iter().filter(|n| !known.iter().any(|(k, _)| k == *n)) {
                let names: Vec<String> = known.iter().map(|(k, _)| format!("`{k}`")).collect();
                let p = Problem::new(
                    format!(
                        "container `{cname}` runs on client `{client}`, which the mapping client does not have (it has {})",
                        names.join(", ")
                    ),
                    if config.clients.is_empty() {
                        c.map.origin_of_property("clients").clone()
                    } else {
                        config.origin_of("clients").clone()
                    },
                );
                if !problems.contains(&p) {
                    problems.push(p);
                }
            }
            for pb in &config.exposes {
                let Some(interface) = pb.interface.as_deref() else {
                    continue;
                };
                for (client, settings) in known.iter().filter(|(n, _)| runs_on.contains(n)) {
                    if settings.interface_address(interface, pb.ipv6).is_none() {
                        let p = Problem::new(
                            format!(
                                "container `{}` binds port {}/{} to interface `{interface}`, which client `{client}` does not define (its `interfaces{}` are {})",
                                name::container(&c.map.name, cname, None),
                                pb.exposed_port.number,
                                pb.exposed_port.protocol.as_str(),
                                if pb.ipv6 { "_ipv6" } else { "" },
                                defined(settings, pb.ipv6)
                            ),
                            config.origin_of("exposes").clone(),
                        );
                        if !problems.contains(&p) {
                            problems.push(p);
                        }
                    }
                }
            }
        }
    }
    problems
}

/// A problem, once.
pub(super) fn add(problems: &mut Vec<Problem>, message: String, origin: &Origin) {
    let p = Problem::new(message, origin.clone());
    if !problems.contains(&p) {
        problems.push(p);
    }
}

fn defined(settings: &super::client::ClientConfig, ipv6: bool) -> String {
    let names: Vec<String> = if ipv6 {
        settings
            .interfaces_ipv6
            .keys()
            .map(|k| format!("`{k}`"))
            .collect()
    } else {
        settings.interfaces.keys().map(|k| format!("`{k}`")).collect()
    };
    if names.is_empty() {
        "none".into()
    } else {
        names.join(", ")
    }
}

#[cfg(test)]
mod tests {
    use crate::model::{ContainerMap, Origin, Value};

    fn map(yaml_like: Vec<(&str, Value)>) -> ContainerMap {
        ContainerMap::from_value("m", &Value::map(yaml_like), &|_| Origin::default()).expect("map builds")
    }

    #[test]
    fn links_need_a_shared_network() {
        let net = || Value::map([("backend", Value::Null)]);
        let cases: Vec<(Value, Value, bool)> = vec![
            // both on the default bridge
            (Value::Null, Value::Null, true),
            // both on the map network
            (Value::str("backend"), Value::str("backend"), true),
            // linker on the bridge, target only on the map network: the Engine refuses
            (Value::Null, Value::str("backend"), false),
            (Value::str("backend"), Value::Null, false),
            // an explicit bridge endpoint shares the default bridge
            (
                Value::List(vec![Value::str("bridge"), Value::str("backend")]),
                Value::Null,
                true,
            ),
        ];
        for (web_nets, db_nets, ok) in cases {
            let mut web = vec![("links", Value::str("db"))];
            if !web_nets.is_null() {
                web.push(("networks", web_nets.clone()));
            }
            let mut db = vec![("image", Value::str("db"))];
            if !db_nets.is_null() {
                db.push(("networks", db_nets.clone()));
            }
            let m = map(vec![
                ("web", Value::map(web)),
                ("db", Value::map(db)),
                ("networks", net()),
            ]);
            let result = super::check(&m);
            assert_eq!(
                result.is_ok(),
                ok,
                "web {web_nets} db {db_nets}: {:?}",
                result.err()
            );
            if let Err(p) = result {
                assert!(p[0].message.contains("share no network"), "{}", p[0].message);
            }
        }
    }

    #[test]
    fn references_need_a_shared_client() {
        let clients = |c: &[&str]| Value::List(c.iter().map(|x| Value::str(*x)).collect());
        // (web's clients, db's clients, how web refers to db, the problem expected)
        type Case<'a> = (&'a [&'a str], &'a [&'a str], (&'a str, Value), Option<&'a str>);
        let cases: Vec<Case<'_>> = vec![
            (&["a"], &["a", "b"], ("links", Value::str("db")), None),
            (&["a", "b"], &["a"], ("links", Value::str("db")), Some("container `web` links to `db`, but they do not share a client: `web` runs on `b` where `db` does not (it runs on `a`)")),
            (&["b"], &["a"], ("uses", Value::str("db")), Some("container `web` uses volumes of `db`, but they do not share a client: `web` runs on `b`")),
            (&["b"], &["a"], ("uses", Value::str("data")), Some("container `web` uses volumes of `db`")),
            (&["b"], &["a"], ("network_mode", Value::str("db")), Some("container `web` shares the network of `db`")),
            (&[], &[], ("links", Value::str("db")), None),
        ];
        for (web_clients, db_clients, (field, target), want) in cases {
            let mut web = vec![("image", Value::str("web")), (field, target.clone())];
            if !web_clients.is_empty() {
                web.push(("clients", clients(web_clients)));
            }
            let mut db = vec![("image", Value::str("db")), ("attaches", Value::str("data"))];
            if !db_clients.is_empty() {
                db.push(("clients", clients(db_clients)));
            }
            let m = map(vec![
                ("web", Value::map(web)),
                ("db", Value::map(db)),
                ("volumes", Value::map([("data", Value::str("/data"))])),
            ]);
            let result = super::check(&m);
            match want {
                None => assert!(
                    result.is_ok(),
                    "{web_clients:?} {db_clients:?} {field}: {:?}",
                    result.err()
                ),
                Some(text) => {
                    let problems = result.err().unwrap_or_default();
                    assert!(
                        problems.iter().any(|p| p.message.starts_with(text)),
                        "{web_clients:?} {db_clients:?} {field}: {problems:?}"
                    );
                }
            }
        }
    }
}
