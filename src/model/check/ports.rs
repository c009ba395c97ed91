//! Host ports bound twice: two containers publishing one port and protocol on overlapping
//! interfaces of a client they share, across all the maps checked together.

use std::collections::HashMap;
use std::net::IpAddr;

use crate::model::container_map::{Configs, ContainerMap};
use crate::model::origin::Origin;
use crate::model::port::Protocol;
use crate::model::problem::{add, Problem};
use crate::model::runs_on::clients_of;

/// Resolves a client interface alias to an address, where clients are known.
pub(crate) type Interfaces<'a> = &'a dyn Fn(&str, bool) -> Option<IpAddr>;

/// Host ports bound twice on overlapping interfaces of the same client.
pub(super) fn ports(
    maps: &[(&ContainerMap, &Configs<'_>)],
    interfaces: Option<Interfaces>,
    problems: &mut Vec<Problem>,
) {
    let bindings = bindings(maps);
    let mut by_port: HashMap<(u16, Protocol), Vec<&Binding>> = HashMap::new();
    for b in &bindings {
        by_port.entry((b.port, b.protocol)).or_default().push(b);
    }
    let mut groups: Vec<_> = by_port.into_iter().filter(|(_, list)| list.len() > 1).collect();
    groups.sort_by_key(|(key, _)| *key);
    for (_, list) in groups {
        for (i, a) in list.iter().enumerate() {
            for b in &list[i + 1..] {
                if a.clients.iter().any(|c| b.clients.contains(c)) && overlap(a, b, interfaces) {
                    let proto = if a.protocol == Protocol::Tcp {
                        String::new()
                    } else {
                        format!("/{}", a.protocol.as_str())
                    };
                    add(
                        problems,
                        format!(
                            "containers `{}` and `{}` both bind host port {}{proto}",
                            a.container, b.container, a.port
                        ),
                        b.origin,
                    );
                }
            }
        }
    }
}

/// One host port a container instance publishes.
struct Binding<'a> {
    container: String,
    port: u16,
    protocol: Protocol,
    interface: Option<&'a str>,
    ipv6: bool,
    clients: Vec<String>,
    origin: &'a Origin,
}

/// Every host port published by every container instance of `maps`, with the clients it runs on.
fn bindings<'a>(maps: &[(&'a ContainerMap, &'a Configs<'_>)]) -> Vec<Binding<'a>> {
    let mut bindings = Vec::new();
    for (map, configs) in maps {
        for (cname, config) in configs.iter() {
            let clients = clients_of(map, config);
            for inst in config.instance_names() {
                for pb in &config.exposes {
                    if let Some(port) = pb.host_port.filter(|p| *p != 0) {
                        bindings.push(Binding {
                            container: map.container_name(cname, inst),
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
    bindings
}

/// Two bindings of one port may take the same address: either is on every interface, both
/// resolve to one address (or one is the unspecified address of the other's family), or, when an
/// alias can't be resolved, both name the same interface.
fn overlap(a: &Binding, b: &Binding, interfaces: Option<Interfaces>) -> bool {
    let address = |b: &Binding| -> Option<IpAddr> {
        let i = b.interface?;
        i.parse().ok().or_else(|| interfaces.and_then(|f| f(i, b.ipv6)))
    };
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
}
