//! The dependency graph of a map (reference §2.5): containers depend on the containers whose
//! network, volumes or links they use, on their networks, their own attached volumes and their
//! image. Start order is dependencies first; stop order is dependents first.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::rc::Rc;

use super::container::ContainerConfig;
use super::container_map::ContainerMap;
use super::name;
use super::network_mode::NetworkMode;
use super::problem::Problem;

/// A node of the graph.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Item {
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
    pub fn container(config: &str, instance: Option<&str>) -> Item {
        Item::Container {
            config: config.to_string(),
            instance: instance.map(str::to_string),
        }
    }

    pub fn is_container(&self) -> bool {
        matches!(self, Item::Container { .. })
    }

    /// `cfg` or `cfg.instance` for containers.
    pub fn reference(&self) -> String {
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

/// The graph of one map, built from its extended configurations.
#[derive(Debug, Default)]
pub struct Graph {
    /// Direct dependencies of each container, in docker-map's order.
    parents: HashMap<Item, Vec<Item>>,
    /// Direct dependents of each item, in map order.
    children: HashMap<Item, Vec<Item>>,
    /// Every container, in map order (configs sorted, instances as listed).
    containers: Vec<Item>,
    /// Dependencies first; computed once.
    start_order: Vec<Item>,
}

impl Graph {
    /// Builds the graph; a dependency cycle is a problem naming it.
    pub fn build(
        map: &ContainerMap,
        configs: &BTreeMap<String, ContainerConfig>,
    ) -> Result<Graph, Vec<Problem>> {
        let owners = attached_owners(map, configs);
        let instances_of = |cfg: &str| -> Vec<Item> {
            configs
                .get(cfg)
                .map(|c| {
                    c.instance_names()
                        .into_iter()
                        .map(|i| Item::container(cfg, i))
                        .collect()
                })
                .unwrap_or_default()
        };
        let reference = |r: &str| -> Vec<Item> {
            let (cfg, inst) = name::split_instance(r);
            match (configs.get(cfg), inst) {
                (None, _) => Vec::new(),
                (Some(_), None) => instances_of(cfg),
                (Some(c), Some(i)) if c.instances.iter().any(|x| x == i) => {
                    vec![Item::container(cfg, Some(i))]
                }
                (Some(_), Some(_)) => Vec::new(),
            }
        };
        let mut graph = Graph::default();
        for (cname, config) in configs {
            let image = Item::Image(map.image_of(cname, config));
            for instance in config.instance_names() {
                let me = Item::container(cname, instance);
                let mut parents: Vec<Item> = Vec::new();
                let mut add = |items: Vec<Item>| {
                    for item in items {
                        if !parents.contains(&item) {
                            parents.push(item);
                        }
                    }
                };
                if let Some(NetworkMode::Container {
                    config: target,
                    instance: ti,
                }) = &config.network_mode
                {
                    match ti {
                        Some(i) => add(reference(&format!("{target}.{i}"))),
                        None => add(instances_of(target)),
                    }
                }
                for endpoint in &config.networks {
                    if !name::PRESET_NETWORKS.contains(&endpoint.network_name.as_str()) {
                        add(vec![Item::Network(endpoint.network_name.clone())]);
                    }
                    for link in &endpoint.links {
                        add(reference(&link.container));
                    }
                }
                for used in &config.uses {
                    match owners.get(used.name.as_str()) {
                        Some(owner) => add(instances_of(owner)),
                        None => add(reference(&used.name)),
                    }
                }
                for link in &config.links {
                    add(reference(&link.container));
                }
                for attached in &config.attaches {
                    add(vec![Item::Volume {
                        parent: cname.clone(),
                        alias: attached.name.clone(),
                    }]);
                }
                add(vec![image.clone()]);
                parents.retain(|p| p != &me || !p.is_container());
                if parents.contains(&me) {
                    parents.retain(|p| p != &me);
                }
                graph.containers.push(me.clone());
                graph.parents.insert(me, parents);
            }
        }
        // A container that names itself is a cycle of one.
        let mut self_refs = Vec::new();
        for (cname, config) in configs {
            for instance in config.instance_names() {
                let me = Item::container(cname, instance);
                let refs_self = config.links.iter().any(|l| reference(&l.container).contains(&me))
                    || config.uses.iter().any(|u| {
                        owners
                            .get(u.name.as_str())
                            .map_or_else(|| reference(&u.name), |o| instances_of(o))
                            .contains(&me)
                    })
                    || matches!(&config.network_mode, Some(NetworkMode::Container { config: t, .. }) if t == cname);
                if refs_self {
                    self_refs.push(Problem::new(
                        format!("container `{}` depends on itself", me.reference()),
                        config.origin.clone(),
                    ));
                }
            }
        }
        for c in &graph.containers {
            for p in &graph.parents[c] {
                graph.children.entry(p.clone()).or_default().push(c.clone());
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
    fn topological(&self, configs: &BTreeMap<String, ContainerConfig>) -> (Vec<Item>, Vec<Problem>) {
        #[derive(Clone, Copy, PartialEq)]
        enum Mark {
            Open,
            Done,
        }
        let mut marks: HashMap<&Item, Mark> = HashMap::new();
        let mut order = Vec::with_capacity(self.containers.len() * 2);
        let mut cycles: Vec<Problem> = Vec::new();
        let mut cycle_sets: Vec<Vec<String>> = Vec::new();
        let empty: Vec<Item> = Vec::new();
        for root in &self.containers {
            if marks.contains_key(root) {
                continue;
            }
            // (item, index of the next parent to visit)
            let mut stack: Vec<(&Item, usize)> = vec![(root, 0)];
            marks.insert(root, Mark::Open);
            while let Some((item, next)) = stack.pop() {
                let parents = self.parents.get(item).unwrap_or(&empty);
                if next < parents.len() {
                    stack.push((item, next + 1));
                    let p = &parents[next];
                    match marks.get(p) {
                        None => {
                            marks.insert(p, Mark::Open);
                            stack.push((p, 0));
                        }
                        Some(Mark::Open) => {
                            let start = stack.iter().position(|(i, _)| *i == p).unwrap_or(0);
                            let mut cycle: Vec<String> =
                                stack[start..].iter().map(|(i, _)| i.reference()).collect();
                            cycle.push(p.reference());
                            let origin = match p {
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
                            members.dedup();
                            members.sort();
                            if !cycle_sets.contains(&members) {
                                cycle_sets.push(members);
                                cycles.push(Problem::new(
                                    format!(
                                        "container `{}` has circular dependency `{}`",
                                        p.reference(),
                                        cycle.join(" -> ")
                                    ),
                                    origin,
                                ));
                            }
                        }
                        Some(Mark::Done) => {}
                    }
                } else {
                    marks.insert(item, Mark::Done);
                    order.push(item.clone());
                }
            }
        }
        (order, cycles)
    }

    /// Every item, dependencies first.
    pub fn start_order(&self) -> &[Item] {
        &self.start_order
    }

    pub fn containers(&self) -> &[Item] {
        &self.containers
    }

    pub fn direct_dependencies(&self, item: &Item) -> &[Item] {
        self.parents.get(item).map_or(&[], Vec::as_slice)
    }

    pub fn direct_dependents(&self, item: &Item) -> &[Item] {
        self.children.get(item).map_or(&[], Vec::as_slice)
    }

    /// docker-map's dependency list of an item, deepest first: for each direct parent that is a
    /// container its own list, then the direct parents, de-duplicated in order.
    pub fn dependencies(&self, item: &Item) -> Vec<Item> {
        let mut memo: HashMap<Item, Rc<Vec<Item>>> = HashMap::new();
        // Parents come before children in start order, so every parent's list exists when needed.
        for it in self.start_order.iter().filter(|i| i.is_container()) {
            let list = self.combine(self.direct_dependencies(it), &memo);
            memo.insert(it.clone(), Rc::new(list));
            if it == item {
                break;
            }
        }
        memo.get(item).map(|l| l.as_ref().clone()).unwrap_or_default()
    }

    /// The same walk over the inverted edges: who must stop before `item`, outermost first.
    pub fn dependents(&self, item: &Item) -> Vec<Item> {
        let mut memo: HashMap<Item, Rc<Vec<Item>>> = HashMap::new();
        for it in self.start_order.iter().rev().filter(|i| i.is_container()) {
            let list = self.combine(self.direct_dependents(it), &memo);
            memo.insert(it.clone(), Rc::new(list));
            if it == item {
                break;
            }
        }
        match item {
            Item::Container { .. } => memo.get(item).map(|l| l.as_ref().clone()).unwrap_or_default(),
            other => self.combine(self.direct_dependents(other), &memo),
        }
    }

    fn combine(&self, direct: &[Item], memo: &HashMap<Item, Rc<Vec<Item>>>) -> Vec<Item> {
        let mut seen: HashSet<&Item> = HashSet::new();
        let mut out: Vec<Item> = Vec::new();
        let lists = direct.iter().filter_map(|p| memo.get(p));
        for list in lists {
            for i in list.iter() {
                if seen.insert(i) {
                    out.push(i.clone());
                }
            }
        }
        for p in direct {
            if !out.contains(p) {
                out.push(p.clone());
            }
        }
        out
    }

    /// docker-map's `merge_dependency_paths` for several inputs: an input that another input
    /// depends on is dropped (it is visited in that input's path), and each dependency is
    /// visited once, in the first path that needs it.
    pub fn merged_paths(&self, inputs: &[Item], reverse: bool) -> Vec<(Item, Vec<Item>)> {
        let mut unique: Vec<Item> = Vec::new();
        for i in inputs {
            if !unique.contains(i) {
                unique.push(i.clone());
            }
        }
        let paths: Vec<(Item, Vec<Item>)> = unique
            .iter()
            .map(|i| {
                let path = if reverse {
                    self.dependents(i)
                } else {
                    self.dependencies(i)
                };
                (i.clone(), path)
            })
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

/// Attached alias (or `parent.alias`) → owning configuration.
pub fn attached_owners(
    map: &ContainerMap,
    configs: &BTreeMap<String, ContainerConfig>,
) -> HashMap<String, String> {
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
