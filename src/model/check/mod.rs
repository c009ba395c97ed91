//! Integrity checks (docker-map's, plus what docker-map lacks): every problem of a map is
//! reported together, each with its origin. A map passing them is a `Checked` map.
//!
//! One file per concern: `references.rs` (what a configuration names exists and fits),
//! `mounts.rs` (one volume per container path), `shared_clients.rs` (containers that refer to
//! each other run on the same Engines), `ports.rs` (host ports bound twice), `engine_limits.rs` (option values the Engine would
//! refuse), `hostnames.rs` (derived hostnames too long for a label), and, once the
//! clients are known, `clients.rs` (what they must provide) with `swarm.rs` (what a Swarm
//! service can't do).

mod clients;
mod engine_limits;
mod hostnames;
mod mounts;
mod ports;
mod references;
mod shared_clients;
mod swarm;
#[cfg(test)]
mod tests;

pub(crate) use ports::Interfaces;

use super::client::ClientConfig;
use super::container_map::{Configs, ContainerMap};
use super::graph::Graph;
use super::problem::{add, Problem};
use clients::clients;

/// A map that passed every check, with its extended configurations and dependency graph.
#[derive(Debug)]
pub(crate) struct Checked<'a> {
    pub map: &'a ContainerMap,
    /// Non-abstract configurations with `extends` applied.
    pub configs: Configs<'a>,
    pub graph: Graph,
}

/// Checks one map (the unit tests' shorthand for [`check_maps`]).
#[cfg(test)]
pub(crate) fn check(map: &ContainerMap) -> Result<Checked<'_>, Vec<Problem>> {
    let mut all = check_maps(&[map], None)?;
    all.pop().ok_or_else(Vec::new)
}

/// Checks several maps, including host ports bound twice across them.
pub(crate) fn check_maps<'a>(
    maps: &[&'a ContainerMap],
    interfaces: Option<Interfaces>,
) -> Result<Vec<Checked<'a>>, Vec<Problem>> {
    let (checked, _, problems) = check_each(maps, interfaces);
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    }
}

/// Every check of [`check_maps`] and, with them, what the clients the maps were handed to must
/// provide (`clients_of(map)`): a map with other problems is still checked against its
/// clients, so that an interface a client lacks is reported together with everything else.
pub(crate) fn check_with_clients<'a>(
    maps: &[&'a ContainerMap],
    clients_of: &dyn Fn(&str) -> Vec<(String, ClientConfig)>,
) -> Result<Vec<Checked<'a>>, Vec<Problem>> {
    let (checked, unchecked, mut problems) = check_each(maps, None);
    let mut all: Vec<(&ContainerMap, &Configs<'_>)> = checked.iter().map(|c| (c.map, &c.configs)).collect();
    all.extend(unchecked.iter().map(|(m, c)| (*m, c)));
    for p in clients(&all, clients_of) {
        add(&mut problems, p.message, &p.origin);
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    }
}

/// The maps that pass, those that don't (with their configurations as far as they extend), and
/// every problem found.
#[allow(clippy::type_complexity)]
fn check_each<'a>(
    maps: &[&'a ContainerMap],
    interfaces: Option<Interfaces>,
) -> (
    Vec<Checked<'a>>,
    Vec<(&'a ContainerMap, Configs<'a>)>,
    Vec<Problem>,
) {
    let mut problems = Vec::new();
    let mut checked = Vec::new();
    let mut unchecked = Vec::new();
    for map in maps {
        // A configuration that can't be extended is checked as written: every other problem
        // of the map is still found.
        let before = problems.len();
        let (configs, extends_problems) = map.extended_all();
        problems.extend(extends_problems);
        references::references(map, &configs, &mut problems);
        shared_clients::shared_clients(map, &configs, &mut problems);
        engine_limits::engine_limits(&configs, &mut problems);
        hostnames::hostnames(map, &configs, &mut problems);
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
    ports::ports(&all, interfaces, &mut problems);
    (checked, unchecked, problems)
}
