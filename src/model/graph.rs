//! The dependency graph of a map (docs/engine.md, "Order and parallelism"): containers depend on
//! the containers whose network, volumes or links they use, on their networks, their own attached
//! volumes and their image. Start order is dependencies first; stop order is dependents first.

use std::collections::HashMap;
#[cfg(test)]
use std::collections::HashSet;
use std::fmt;
#[cfg(test)]
use std::rc::Rc;

use super::container_map::{Configs, ContainerMap};
use super::name;
use super::naming::Naming;
use super::network_mode::NetworkMode;
use super::problem::Problem;

/// A node of the graph.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) enum Item {
    Container {
        config: String,
        instance: Option<String>,
    },
    /// An attached volume, owned by configuration `parent`.
    Volume {
        parent: String,
        alias: String,
    },
    Network(String),
    Image(String),
}

impl Item {
    pub(crate) fn container(config: &str, instance: Option<&str>) -> Item {
        Item::Container {
            config: config.to_string(),
            instance: instance.map(str::to_string),
        }
    }

    pub(crate) fn is_container(&self) -> bool {
        matches!(self, Item::Container { .. })
    }

    /// `cfg` or `cfg.instance` for containers.
    pub(crate) fn reference(&self) -> String {
        match self {
            Item::Container {
                config,
                instance: Some(i),
            } => format!("{config}.{i}"),
            Item::Container {
                config,
                instance: None,
            } => config.clone(),
            Item::Volume { parent, alias } => format!("{parent}/{alias}"),
            Item::Network(n) | Item::Image(n) => n.clone(),
        }
    }
}

impl fmt::Display for Item {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Item::Container { .. } => write!(f, "C {}", self.reference()),
            Item::Volume { .. } => write!(f, "VOL {}", self.reference()),
            Item::Network(n) => write!(f, "NET {n}"),
            Item::Image(i) => write!(f, "IMG {i}"),
        }
    }
}

/// The graph of one map, built from its extended configurations. Items are interned: edges are
/// indices, so big maps cost no string hashing or cloning per edge.
#[derive(Debug, Default)]
pub(crate) struct Graph {
    items: Vec<Item>,
    index: HashMap<Item, usize>,
    /// Direct dependencies of each item (containers have them), in docker-map's order.
    parents: Vec<Vec<usize>>,
    /// Direct dependents of each item, in map order.
    children: Vec<Vec<usize>>,
    /// Every container, in map order (configs sorted, instances as listed).
    containers: Vec<usize>,
    /// Every item, dependencies first.
    start_order: Vec<usize>,
}

impl Graph {
    fn intern(&mut self, item: Item) -> usize {
        if let Some(id) = self.index.get(&item) {
            return *id;
        }
        let id = self.items.len();
        self.index.insert(item.clone(), id);
        self.items.push(item);
        self.parents.push(Vec::new());
        self.children.push(Vec::new());
        id
    }

    /// Builds the graph; every dependency cycle is a problem naming it.
    pub(crate) fn build(map: &ContainerMap, configs: &Configs<'_>) -> Result<Graph, Vec<Problem>> {
        let owners = attached_owners(map, configs);
        let mut graph = Graph::default();
        // Containers first, so their ids follow map order.
        let mut instances: HashMap<&str, Vec<usize>> = HashMap::new();
        for (cname, config) in configs {
            let ids = config
                .instance_names()
                .into_iter()
                .map(|i| graph.intern(Item::container(cname, i)))
                .collect::<Vec<_>>();
            graph.containers.extend(&ids);
            instances.insert(cname.as_str(), ids);
        }
        let instances_of = |cfg: &str| -> &[usize] { instances.get(cfg).map_or(&[], Vec::as_slice) };
        let reference = |graph: &Graph, r: &str| -> Vec<usize> {
            let (cfg, inst) = name::split_instance(r);
            match inst {
                None => instances_of(cfg).to_vec(),
                Some(i) => graph
                    .index
                    .get(&Item::container(cfg, Some(i)))
                    .map(|id| vec![*id])
                    .unwrap_or_default(),
            }
        };
        let mut self_refs = Vec::new();
        for (cname, config) in configs {
            let image = graph.intern(Item::Image(map.image_of(cname, config)));
            let volumes: Vec<usize> = config
                .attaches
                .iter()
                .map(|a| {
                    graph.intern(Item::Volume {
                        parent: cname.clone(),
                        alias: a.name.clone(),
                    })
                })
                .collect();
            let networks: Vec<usize> = config
                .networks
                .iter()
                .filter(|e| !name::PRESET_NETWORKS.contains(&e.network_name.as_str()))
                .map(|e| graph.intern(Item::Network(e.network_name.clone())))
                .collect();
            // References in docker-map's order (the shared network namespace, networks with their
            // endpoints' links, used volumes, links), before own volumes and image.
            let mut refs: Vec<usize> = Vec::new();
            if let Some(NetworkMode::Container {
                config: target,
                instance: ti,
            }) = &config.network_mode
            {
                match ti {
                    Some(i) => refs.extend(reference(&graph, &format!("{target}.{i}"))),
                    None => refs.extend(instances_of(target)),
                }
            }
            let mut ordered: Vec<usize> = refs;
            let mut net_iter = networks.iter();
            for endpoint in &config.networks {
                if !name::PRESET_NETWORKS.contains(&endpoint.network_name.as_str()) {
                    if let Some(n) = net_iter.next() {
                        ordered.push(*n);
                    }
                }
                for link in &endpoint.links {
                    ordered.extend(reference(&graph, &link.container));
                }
            }
            for used in &config.uses {
                match owners.get(used.name.as_str()) {
                    // A Compose project's volume is the project's, not its owner's: using it
                    // needs the volume, not the container the model has attach it.
                    Some(owner) if map.naming == Naming::Compose => {
                        ordered.push(graph.intern(Item::Volume {
                            parent: owner.clone(),
                            alias: used.name.clone(),
                        }))
                    }
                    Some(owner) => ordered.extend(instances_of(owner)),
                    None => ordered.extend(reference(&graph, &used.name)),
                }
            }
            for link in &config.links {
                ordered.extend(reference(&graph, &link.container));
            }
            for dep in &config.depends_on {
                ordered.extend(reference(&graph, &dep.container));
            }
            ordered.extend(&volumes);
            ordered.push(image);
            for me in instances_of(cname).to_vec() {
                let mut parents: Vec<usize> = Vec::with_capacity(ordered.len());
                for p in &ordered {
                    if *p == me {
                        continue;
                    }
                    if !parents.contains(p) {
                        parents.push(*p);
                    }
                }
                if ordered.contains(&me) {
                    self_refs.push(Problem::new(
                        format!("container `{}` depends on itself", graph.items[me].reference()),
                        config.origin.clone(),
                    ));
                }
                for p in &parents {
                    graph.children[*p].push(me);
                }
                graph.parents[me] = parents;
            }
        }
        let (order, mut cycles) = graph.topological(configs);
        graph.start_order = order;
        self_refs.append(&mut cycles);
        if self_refs.is_empty() {
            Ok(graph)
        } else {
            Err(self_refs)
        }
    }

    /// Dependencies first, every item once; iterative, so deep chains do not exhaust the stack.
    /// Also returns every cycle found, each once; a cycle's closing edge is not followed.
    fn topological(&self, configs: &Configs<'_>) -> (Vec<usize>, Vec<Problem>) {
        const NEW: u8 = 0;
        const OPEN: u8 = 1;
        const DONE: u8 = 2;
        let mut marks = vec![NEW; self.items.len()];
        let mut order = Vec::with_capacity(self.items.len());
        let mut cycles: Vec<Problem> = Vec::new();
        let mut cycle_sets: Vec<Vec<String>> = Vec::new();
        for &root in &self.containers {
            if marks[root] != NEW {
                continue;
            }
            // (item, index of the next parent to visit)
            let mut stack: Vec<(usize, usize)> = vec![(root, 0)];
            marks[root] = OPEN;
            while let Some((item, next)) = stack.pop() {
                let parents = &self.parents[item];
                if next < parents.len() {
                    stack.push((item, next + 1));
                    let p = parents[next];
                    match marks[p] {
                        NEW => {
                            marks[p] = OPEN;
                            stack.push((p, 0));
                        }
                        OPEN => {
                            let start = stack.iter().position(|(i, _)| *i == p).unwrap_or(0);
                            let mut cycle: Vec<String> = stack[start..]
                                .iter()
                                .map(|(i, _)| self.items[*i].reference())
                                .collect();
                            cycle.push(self.items[p].reference());
                            let origin = match &self.items[p] {
                                Item::Container { config, .. } => {
                                    configs.get(config).map(|c| c.origin.clone()).unwrap_or_default()
                                }
                                _ => Default::default(),
                            };
                            // The same configs in a cycle through other instances is the same mistake.
                            let mut members: Vec<String> = cycle[..cycle.len() - 1]
                                .iter()
                                .map(|r| r.split('.').next().unwrap_or(r).to_string())
                                .collect();
                            members.sort();
                            members.dedup();
                            if !cycle_sets.contains(&members) {
                                cycle_sets.push(members);
                                cycles.push(Problem::new(
                                    format!(
                                        "container `{}` has circular dependency `{}`",
                                        self.items[p].reference(),
                                        cycle.join(" -> ")
                                    ),
                                    origin,
                                ));
                            }
                        }
                        _ => {}
                    }
                } else {
                    marks[item] = DONE;
                    order.push(item);
                }
            }
        }
        (order, cycles)
    }

    fn id(&self, item: &Item) -> Option<usize> {
        self.index.get(item).copied()
    }

    fn items_of<'a>(&'a self, ids: &'a [usize]) -> impl Iterator<Item = &'a Item> + 'a {
        ids.iter().map(|i| &self.items[*i])
    }

    /// Every item, dependencies first.
    pub(crate) fn start_order(&self) -> Vec<&Item> {
        self.items_of(&self.start_order).collect()
    }

    /// Every container, in map order.
    pub(crate) fn containers(&self) -> Vec<&Item> {
        self.items_of(&self.containers).collect()
    }

    pub(crate) fn direct_dependencies(&self, item: &Item) -> Vec<&Item> {
        self.id(item)
            .map(|i| self.items_of(&self.parents[i]).collect())
            .unwrap_or_default()
    }

    /// docker-map's dependency list of an item, deepest first: for each direct parent that is a
    /// container its own list, then the direct parents, de-duplicated in order.
    #[cfg(test)]
    pub(crate) fn dependencies(&self, item: &Item) -> Vec<Item> {
        self.walk(item, false)
    }

    /// The same walk over the inverted edges: who must stop before `item`, outermost first.
    #[cfg(test)]
    pub(crate) fn dependents(&self, item: &Item) -> Vec<Item> {
        self.walk(item, true)
    }

    #[cfg(test)]
    fn walk(&self, item: &Item, reverse: bool) -> Vec<Item> {
        let Some(target) = self.id(item) else {
            return Vec::new();
        };
        let edges = if reverse { &self.children } else { &self.parents };
        let mut memo: Vec<Option<Rc<Vec<usize>>>> = vec![None; self.items.len()];
        // Parents come before children in start order (and the reverse for dependents), so each
        // list a container needs exists when it is combined.
        let order: Box<dyn Iterator<Item = &usize>> = if reverse {
            Box::new(self.start_order.iter().rev())
        } else {
            Box::new(self.start_order.iter())
        };
        for &it in order.filter(|i| self.items[**i].is_container()) {
            memo[it] = Some(Rc::new(combine(&edges[it], &memo)));
            if it == target {
                break;
            }
        }
        let list = match &memo[target] {
            Some(l) => l.as_ref().clone(),
            None => combine(&edges[target], &memo),
        };
        list.into_iter().map(|i| self.items[i].clone()).collect()
    }

    /// docker-map's `merge_dependency_paths` for several inputs: an input that another input
    /// depends on is dropped (it is visited in that input's path), and each dependency is
    /// visited once, in the first path that needs it.
    #[cfg(test)]
    pub(crate) fn merged_paths(&self, inputs: &[Item], reverse: bool) -> Vec<(Item, Vec<Item>)> {
        let mut unique: Vec<Item> = Vec::new();
        for i in inputs {
            if !unique.contains(i) {
                unique.push(i.clone());
            }
        }
        let paths: Vec<(Item, Vec<Item>)> = unique
            .iter()
            .map(|i| (i.clone(), self.walk(i, reverse)))
            .collect();
        let mut visited: HashSet<Item> = HashSet::new();
        let mut out = Vec::new();
        for (idx, (input, path)) in paths.iter().enumerate() {
            let covered = paths
                .iter()
                .enumerate()
                .any(|(j, (_, other))| j != idx && other.contains(input));
            if covered || visited.contains(input) {
                continue;
            }
            let fresh: Vec<Item> = path
                .iter()
                .filter(|i| visited.insert((*i).clone()))
                .cloned()
                .collect();
            visited.insert(input.clone());
            out.push((input.clone(), fresh));
        }
        out
    }
}

#[cfg(test)]
fn combine(direct: &[usize], memo: &[Option<Rc<Vec<usize>>>]) -> Vec<usize> {
    let mut seen: HashSet<usize> = HashSet::new();
    let mut out: Vec<usize> = Vec::new();
    for list in direct.iter().filter_map(|p| memo[*p].as_ref()) {
        for i in list.iter() {
            if seen.insert(*i) {
                out.push(*i);
            }
        }
    }
    for p in direct {
        if seen.insert(*p) {
            out.push(*p);
        }
    }
    out
}

/// Attached alias (or `parent.alias`) → owning configuration.
pub(crate) fn attached_owners(map: &ContainerMap, configs: &Configs<'_>) -> HashMap<String, String> {
    let mut owners = HashMap::new();
    for (cname, config) in configs {
        for a in &config.attaches {
            let key = if map.uses_parent_name() {
                format!("{cname}.{}", a.name)
            } else {
                a.name.clone()
            };
            owners.entry(key).or_insert_with(|| cname.clone());
        }
    }
    owners
}
