//! What the clients a map is handed to must provide, checked where they are known (the recipe's
//! `mapping_client`), before anything touches an Engine.

use super::swarm::swarm_service;
use crate::model::client::ClientConfig;
use crate::model::container::ContainerConfig;
use crate::model::container_map::{Configs, ContainerMap};
use crate::model::graph::attached_owners;
use crate::model::problem::{add, Problem};

/// What the clients a map is handed to must provide, checked where they are known (the
/// recipe's `mapping_client`), before anything touches an Engine: every client a configuration
/// runs on, and the interface aliases its published ports name. `clients_of(map)` gives the
/// clients a map was handed to.
pub(super) fn clients(
    maps: &[(&ContainerMap, &Configs<'_>)],
    clients_of: &dyn Fn(&str) -> Vec<(String, ClientConfig)>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for (map, configs) in maps {
        let known = clients_of(&map.name);
        if known.is_empty() {
            continue;
        }
        let owners = attached_owners(map, configs);
        for (cname, config) in configs.iter() {
            let runs_on = crate::model::runs_on::clients_of(map, config);
            let on: Vec<&(String, ClientConfig)> =
                known.iter().filter(|(n, _)| runs_on.contains(n)).collect();
            for (client, settings) in &on {
                if settings.swarm {
                    for p in swarm_service(map, &owners, cname, config, client) {
                        add(&mut problems, p.message, &p.origin);
                    }
                } else if config.deploy.is_some() {
                    add(
                        &mut problems,
                        format!("container `{cname}`: `deploy` is for Swarm clients, and client `{client}` is not one (`docker(#{{ swarm: true }})`)"),
                        config.origin_of("deploy"),
                    );
                }
            }
            unknown_clients(map, cname, config, &runs_on, &known, &mut problems);
            interfaces(map, cname, config, &on, &mut problems);
        }
    }
    problems
}

/// Each client the configuration runs on is one the mapping client has.
fn unknown_clients(
    map: &ContainerMap,
    cname: &str,
    config: &ContainerConfig,
    runs_on: &[String],
    known: &[(String, ClientConfig)],
    problems: &mut Vec<Problem>,
) {
    for client in runs_on.iter().filter(|n| !known.iter().any(|(k, _)| k == *n)) {
        let names: Vec<String> = known.iter().map(|(k, _)| format!("`{k}`")).collect();
        add(
            problems,
            format!(
                "container `{cname}` runs on client `{client}`, which the mapping client does not have (it has {})",
                names.join(", ")
            ),
            if config.clients.is_empty() {
                map.origin_of_property("clients")
            } else {
                config.origin_of("clients")
            },
        );
    }
}

/// Each interface alias a published port names is defined by every client it runs on.
fn interfaces(
    map: &ContainerMap,
    cname: &str,
    config: &ContainerConfig,
    on: &[&(String, ClientConfig)],
    problems: &mut Vec<Problem>,
) {
    for pb in &config.exposes {
        let Some(interface) = pb.interface.as_deref() else {
            continue;
        };
        for (client, settings) in on {
            if settings.interface_address(interface, pb.ipv6).is_none() {
                add(
                    problems,
                    format!(
                        "container `{}` binds port {}/{} to interface `{interface}`, which client `{client}` does not define (its `interfaces{}` are {})",
                        map.container_name(cname, None),
                        pb.exposed_port.number,
                        pb.exposed_port.protocol.as_str(),
                        if pb.ipv6 { "_ipv6" } else { "" },
                        defined(settings, pb.ipv6)
                    ),
                    config.origin_of("exposes"),
                );
            }
        }
    }
}

fn defined(settings: &ClientConfig, ipv6: bool) -> String {
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
