//! A container map: docker-map's `ContainerMap` (its properties: docs/recipe-api.md, "Maps";
//! docs/yaml.md).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Serialize;

use super::builder::Builder;
use super::container::ContainerConfig;
use super::image;
use super::input::{boolean, invalid, opt_string, strings, InputError};
use super::name;
use super::naming::Naming;
use super::network::NetworkConfig;
use super::origin::Origin;
use super::path_alias::PathAlias;
use super::problem::Problem;
use super::value::Value;
use super::volume::VolumeConfig;

/// Map-level property names (the spec's list).
pub(crate) const PROPERTIES: [&str; 14] = [
    "containers",
    "volumes",
    "host",
    "host_root",
    "networks",
    "groups",
    "repository",
    "default_tag",
    "clients",
    "default_domain",
    "set_hostname",
    "use_attached_parent_name",
    "naming",
    "builder",
];

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct ContainerMap {
    pub name: String,
    pub containers: BTreeMap<String, ContainerConfig>,
    pub volumes: BTreeMap<String, VolumeConfig>,
    pub host: BTreeMap<String, PathAlias>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_root: Option<String>,
    pub networks: BTreeMap<String, NetworkConfig>,
    pub groups: BTreeMap<String, Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_tag: Option<String>,
    pub clients: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_domain: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub set_hostname: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub use_attached_parent_name: Option<bool>,
    /// docker-map's names on the Engine, or Compose's.
    #[serde(skip_serializing_if = "Naming::is_docker_map")]
    pub naming: Naming,
    /// The builder its images are built with; none: the Engine's (`model::builder`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub builder: Option<Builder>,
    #[serde(skip)]
    pub origin: Origin,
    /// Where each map-level property (and group) was last set.
    #[serde(skip)]
    pub property_origins: BTreeMap<String, Origin>,
}

/// Gives the origin of a key path below a map's root (YAML: file, key path, line; a recipe: the
/// position of the call).
pub(crate) type OriginOf<'a> = &'a dyn Fn(&[&str]) -> Origin;

/// Configurations by name, `extends` applied: borrowed from the map where nothing was merged.
pub(crate) type Configs<'a> = BTreeMap<String, Cow<'a, ContainerConfig>>;

impl ContainerMap {
    pub(crate) fn new(name: &str, origin: Origin) -> Result<Self, Problem> {
        name::check("map", name).map_err(|e| Problem::new(e, origin.clone()))?;
        Ok(ContainerMap {
            name: name.to_string(),
            origin,
            ..ContainerMap::default()
        })
    }

    /// Builds a map from docker-map's dict layout: map properties, an optional `containers`
    /// wrapper, and any other key as a container.
    pub(crate) fn from_value(name: &str, value: &Value, origin_of: OriginOf) -> Result<Self, Vec<Problem>> {
        let mut map = ContainerMap::new(name, origin_of(&[])).map_err(|p| vec![p])?;
        map.update_from_value(value, origin_of)?;
        Ok(map)
    }

    /// Sets everything a dict-layout value names; containers named again are replaced field by
    /// field, as docker-map's `update` does.
    /// Every problem is collected; the map keeps what could be set.
    pub(crate) fn update_from_value(
        &mut self,
        value: &Value,
        origin_of: OriginOf,
    ) -> Result<(), Vec<Problem>> {
        self.update_skipping(value, &[], origin_of)
    }

    /// As `update_from_value`, leaving out top-level keys that are not part of the map (a YAML
    /// file's `name:`).
    pub(crate) fn update_skipping(
        &mut self,
        value: &Value,
        skip: &[&str],
        origin_of: OriginOf,
    ) -> Result<(), Vec<Problem>> {
        let entries = match value {
            Value::Null => return Ok(()),
            Value::Map(m) => m,
            other => {
                return Err(vec![Problem::new(
                    format!("expected a map as a mapping, found {other}"),
                    origin_of(&[]),
                )])
            }
        };
        let mut problems = Vec::new();
        for (key, v) in entries.iter().filter(|(k, _)| !skip.contains(&k.as_str())) {
            if PROPERTIES.contains(&key.as_str()) {
                let result = if key == "containers" {
                    self.set_containers(v, &|p: &[&str]| {
                        let mut full = vec!["containers"];
                        full.extend_from_slice(p);
                        origin_of(&full)
                    })
                } else {
                    self.set_property_with(key, v, &|p: &[&str]| {
                        let mut full = vec![key.as_str()];
                        full.extend_from_slice(p);
                        origin_of(&full)
                    })
                    .map_err(|p| vec![p])
                };
                if let Err(p) = result {
                    problems.extend(p);
                }
            } else if let Some(property) = empty_near_miss(key, v) {
                // `volumse: {}` would quietly be a container with no fields.
                problems.push(Problem::new(
                    format!("unknown map property `{key}` (did you mean `{property}`?); a container named so needs a field, e.g. `image`"),
                    origin_of(&[key.as_str()]),
                ));
            } else if let Err(p) = self.set_container_entry(key, v, &|p: &[&str]| {
                let mut full = vec![key.as_str()];
                full.extend_from_slice(p);
                origin_of(&full)
            }) {
                problems.extend(self.explain_top_level_key(key, v, p, origin_of(&[key.as_str()])));
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(problems)
        }
    }

    /// A top-level key that is no property and no valid container is most likely a typo of a
    /// property (docker-map silently made it a container).
    fn explain_top_level_key(
        &mut self,
        key: &str,
        value: &Value,
        problems: Vec<Problem>,
        origin: Origin,
    ) -> Vec<Problem> {
        let suggestion = super::suggest::closest(key, PROPERTIES);
        match (suggestion, value) {
            (Some(s), _) => {
                self.containers.remove(key);
                vec![Problem::new(
                    format!("unknown map property `{key}` (did you mean `{s}`?)"),
                    origin,
                )]
            }
            (None, Value::Map(_) | Value::Null) => problems,
            (None, _) => vec![Problem::new(
                format!(
                    "unknown map property `{key}`: map properties are {}; a container is a mapping",
                    PROPERTIES.map(|p| format!("`{p}`")).join(", ")
                ),
                origin,
            )],
        }
    }

    fn set_container_entry(
        &mut self,
        cname: &str,
        value: &Value,
        origin_of: OriginOf,
    ) -> Result<(), Vec<Problem>> {
        name::check("container config", cname).map_err(|e| vec![Problem::new(e, origin_of(&[]))])?;
        let fields = match value {
            Value::Null => BTreeMap::new(),
            Value::Map(m) => m.clone(),
            other => {
                return Err(vec![Problem::new(
                    format!("container `{cname}`: expected a mapping of fields, found {other}"),
                    origin_of(&[]),
                )])
            }
        };
        let config = self
            .containers
            .entry(cname.to_string())
            .or_insert_with(|| ContainerConfig::new(origin_of(&[])));
        config
            .set_from_map(&fields, &|f| origin_of(&[f]))
            .map_err(|errors| {
                errors
                    .into_iter()
                    .map(|(e, origin)| Problem::new(format!("container `{cname}`: {e}"), origin))
                    .collect()
            })
    }

    /// Replaces all containers with those of a mapping.
    pub(crate) fn set_containers(&mut self, value: &Value, origin_of: OriginOf) -> Result<(), Vec<Problem>> {
        let entries = match value {
            Value::Null => BTreeMap::new(),
            Value::Map(m) => m.clone(),
            other => {
                return Err(vec![Problem::new(
                    format!("`containers`: expected a mapping of container configurations, found {other}"),
                    origin_of(&[]),
                )])
            }
        };
        // Build the new containers aside, so a failure leaves the map as it was.
        let mut fresh = ContainerMap {
            name: self.name.clone(),
            ..ContainerMap::default()
        };
        let mut problems = Vec::new();
        for (cname, v) in &entries {
            if let Err(p) = fresh.set_container_entry(cname, v, &|p: &[&str]| {
                let mut full = vec![cname.as_str()];
                full.extend_from_slice(p);
                origin_of(&full)
            }) {
                problems.extend(p);
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        self.containers = fresh.containers;
        Ok(())
    }

    /// The configuration `name`, created empty on first touch.
    pub(crate) fn config_mut(
        &mut self,
        cname: &str,
        origin: Origin,
    ) -> Result<&mut ContainerConfig, Problem> {
        name::check("container config", cname).map_err(|e| Problem::new(e, origin.clone()))?;
        Ok(self
            .containers
            .entry(cname.to_string())
            .or_insert_with(|| ContainerConfig::new(origin)))
    }

    /// Sets a map property; `origin` is where (a recipe call position).
    pub(crate) fn set_property(&mut self, key: &str, value: &Value, origin: Origin) -> Result<(), Problem> {
        self.set_property_with(key, value, &|_| origin.clone())
    }

    fn set_property_with(&mut self, key: &str, value: &Value, origin_of: OriginOf) -> Result<(), Problem> {
        let fail = |e: InputError| Problem::new(e.within(format!("`{key}`")), origin_of(&[]));
        match key {
            "containers" => {
                return self.set_containers(value, origin_of).map_err(|mut p| {
                    let first = p.remove(0);
                    if p.is_empty() {
                        first
                    } else {
                        Problem::new(
                            format!("{} (and {} more problems)", first.message, p.len()),
                            first.origin,
                        )
                    }
                })
            }
            "volumes" | "networks" | "host" | "groups" => {
                let Value::Map(list) = value else {
                    if value.is_null() {
                        return self.set_property_with(key, &Value::Map(BTreeMap::new()), origin_of);
                    }
                    return Err(fail(InputError::expected("a mapping", value)));
                };
                // Build the new entries aside, so a failure leaves the map as it was.
                let mut fresh = ContainerMap {
                    name: self.name.clone(),
                    ..ContainerMap::default()
                };
                for (entry, v) in list {
                    fresh.set_entry(key, entry, v, origin_of(&[entry.as_str()]))?;
                }
                match key {
                    "volumes" => self.volumes = fresh.volumes,
                    "networks" => self.networks = fresh.networks,
                    "host" => self.host = fresh.host,
                    _ => {
                        self.property_origins.retain(|k, _| !k.starts_with("groups."));
                        self.property_origins.extend(fresh.property_origins);
                        self.groups = fresh.groups;
                    }
                }
            }
            "host_root" => self.host_root = opt_string(value, "a host path").map_err(fail)?,
            "repository" => {
                let repository = opt_string(value, "a repository").map_err(fail)?;
                if let Some(why) = repository.as_deref().and_then(image::repository_problem) {
                    return Err(fail(invalid!("invalid repository: {why}")));
                }
                self.repository = repository;
            }
            "default_tag" => {
                let tag = opt_string(value, "a tag").map_err(fail)?;
                if let Some(why) = tag.as_deref().and_then(image::tag_problem) {
                    return Err(fail(invalid!("invalid default tag: {why}")));
                }
                self.default_tag = tag;
            }
            "default_domain" => self.default_domain = opt_string(value, "a domain name").map_err(fail)?,
            "clients" => {
                let clients = strings(value, "a client name").map_err(fail)?;
                for c in &clients {
                    name::check("client", c).map_err(fail)?;
                }
                self.clients = clients;
            }
            "set_hostname" => self.set_hostname = opt_bool(value).map_err(fail)?,
            "use_attached_parent_name" => self.use_attached_parent_name = opt_bool(value).map_err(fail)?,
            "naming" => self.naming = Naming::parse(value).map_err(fail)?,
            "builder" => self.builder = Builder::parse(value).map_err(fail)?,
            other => {
                let hint = super::suggest::closest(other, PROPERTIES)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(Problem::new(
                    format!("unknown map property `{other}`{hint}"),
                    origin_of(&[]),
                ));
            }
        }
        self.property_origins.insert(key.to_string(), origin_of(&[]));
        Ok(())
    }

    /// Sets one entry of `volumes`, `networks`, `host` or `groups`.
    pub(crate) fn set_entry(
        &mut self,
        kind: &str,
        entry: &str,
        value: &Value,
        origin: Origin,
    ) -> Result<(), Problem> {
        let what = match kind {
            "volumes" => "volume alias",
            "networks" => "network",
            "host" => "host alias",
            "groups" => "group",
            other => return Err(Problem::new(format!("`{other}` has no entries"), origin)),
        };
        name::check(what, entry).map_err(|e| Problem::new(e, origin.clone()))?;
        let fail = |e: InputError| Problem::new(e.within(format!("{what} `{entry}`")), origin.clone());
        match kind {
            "volumes" => {
                let vol = VolumeConfig::parse(value, origin.clone()).map_err(fail)?;
                self.volumes.insert(entry.to_string(), vol);
            }
            "networks" => {
                if name::PRESET_NETWORKS.contains(&entry) {
                    return Err(fail("a preset network of the Engine can't be configured".into()));
                }
                let net = NetworkConfig::parse(value, origin.clone()).map_err(fail)?;
                self.networks.insert(entry.to_string(), net);
            }
            "host" => {
                let h = PathAlias::parse(value, origin.clone()).map_err(fail)?;
                self.host.insert(entry.to_string(), h);
            }
            _ => {
                let members = strings(value, "a group member").map_err(fail)?;
                for m in &members {
                    name::check_reference("group member", m).map_err(fail)?;
                }
                self.property_origins
                    .insert(format!("groups.{entry}"), origin.clone());
                self.groups.insert(entry.to_string(), members);
            }
        }
        Ok(())
    }

    /// One entry of `volumes`, `networks`, `host` or `groups`, normalised; None when absent.
    pub(crate) fn get_entry(&self, kind: &str, entry: &str) -> Option<Value> {
        match kind {
            "volumes" => self.volumes.get(entry).map(VolumeConfig::to_value),
            "networks" => self.networks.get(entry).map(NetworkConfig::to_value),
            "host" => self.host.get(entry).map(PathAlias::to_value),
            "groups" => self.groups.get(entry).map(|g| Value::strs(g)),
            _ => None,
        }
    }

    /// Entry names of `volumes`, `networks`, `host`, `groups` or `containers`.
    pub(crate) fn entry_names(&self, kind: &str) -> Vec<String> {
        match kind {
            "volumes" => self.volumes.keys().cloned().collect(),
            "networks" => self.networks.keys().cloned().collect(),
            "host" => self.host.keys().cloned().collect(),
            "groups" => self.groups.keys().cloned().collect(),
            "containers" => self.containers.keys().cloned().collect(),
            _ => Vec::new(),
        }
    }

    /// Removes an entry; true if it was there.
    pub(crate) fn remove_entry(&mut self, kind: &str, entry: &str) -> bool {
        match kind {
            "volumes" => self.volumes.remove(entry).is_some(),
            "networks" => self.networks.remove(entry).is_some(),
            "host" => self.host.remove(entry).is_some(),
            "groups" => self.groups.remove(entry).is_some(),
            "containers" => self.containers.remove(entry).is_some(),
            _ => false,
        }
    }

    /// A property read back in normalised form (`containers` as a mapping of configurations).
    pub(crate) fn get_property(&self, key: &str) -> Result<Value, InputError> {
        let map_of = |entries: Vec<(String, Value)>| Value::Map(entries.into_iter().collect());
        Ok(match key {
            "containers" => map_of(
                self.containers
                    .iter()
                    .map(|(k, c)| (k.clone(), c.to_value()))
                    .collect(),
            ),
            "volumes" => map_of(
                self.volumes
                    .iter()
                    .map(|(k, v)| (k.clone(), v.to_value()))
                    .collect(),
            ),
            "networks" => map_of(
                self.networks
                    .iter()
                    .map(|(k, n)| (k.clone(), n.to_value()))
                    .collect(),
            ),
            "host" => map_of(self.host.iter().map(|(k, h)| (k.clone(), h.to_value())).collect()),
            "groups" => map_of(
                self.groups
                    .iter()
                    .map(|(k, g)| (k.clone(), Value::strs(g)))
                    .collect(),
            ),
            "host_root" => Value::opt_str(&self.host_root),
            "repository" => Value::opt_str(&self.repository),
            "default_tag" => Value::opt_str(&self.default_tag),
            "default_domain" => Value::opt_str(&self.default_domain),
            "clients" => Value::strs(&self.clients),
            "set_hostname" => self.set_hostname.map_or(Value::Null, Value::Bool),
            "use_attached_parent_name" => self.use_attached_parent_name.map_or(Value::Null, Value::Bool),
            "naming" => self.naming.to_value(),
            "builder" => Builder::to_value(self.builder),
            other => {
                return Err(InputError::Unknown {
                    what: "map property".to_string(),
                    name: other.to_string(),
                    suggestion: super::suggest::closest(other, PROPERTIES).map(str::to_string),
                })
            }
        })
    }

    /// The whole map in docker-map's dict layout (containers under `containers`).
    pub(crate) fn to_value(&self) -> Value {
        let mut out = BTreeMap::new();
        for key in PROPERTIES {
            if let Ok(v) = self.get_property(key) {
                let empty = matches!(&v, Value::Null)
                    || matches!(&v, Value::Map(m) if m.is_empty())
                    || matches!(&v, Value::List(l) if l.is_empty());
                if !empty {
                    out.insert(key.to_string(), v);
                }
            }
        }
        Value::Map(out)
    }

    /// docker-map's map merge: configurations, volumes and networks merge,
    /// `host` entries are replaced key by key, scalars are replaced when set.
    pub(crate) fn merge_from(&mut self, other: &ContainerMap, lists_only: bool) {
        for (cname, config) in &other.containers {
            match self.containers.get_mut(cname) {
                Some(existing) => existing.merge_from(config, lists_only),
                None => {
                    self.containers.insert(cname.clone(), config.clone());
                }
            }
        }
        for (alias, vol) in &other.volumes {
            match self.volumes.get_mut(alias) {
                Some(existing) => existing.merge_from(vol),
                None => {
                    self.volumes.insert(alias.clone(), vol.clone());
                }
            }
        }
        for (net, cfg) in &other.networks {
            match self.networks.get_mut(net) {
                Some(existing) => existing.merge_from(cfg),
                None => {
                    self.networks.insert(net.clone(), cfg.clone());
                }
            }
        }
        self.host
            .extend(other.host.iter().map(|(k, v)| (k.clone(), v.clone())));
        for (group, members) in &other.groups {
            let entry = self.groups.entry(group.clone()).or_default();
            super::input::merge_list(entry, members);
        }
        super::input::merge_list(&mut self.clients, &other.clients);
        if !lists_only {
            fn over<T: Clone>(into: &mut Option<T>, from: &Option<T>) {
                if from.is_some() {
                    into.clone_from(from);
                }
            }
            over(&mut self.host_root, &other.host_root);
            over(&mut self.repository, &other.repository);
            over(&mut self.default_tag, &other.default_tag);
            over(&mut self.default_domain, &other.default_domain);
            over(&mut self.set_hostname, &other.set_hostname);
            over(&mut self.builder, &other.builder);
            if other.naming != Naming::DockerMap {
                self.naming = other.naming;
            }
            over(
                &mut self.use_attached_parent_name,
                &other.use_attached_parent_name,
            );
        }
        for (k, o) in &other.property_origins {
            self.property_origins.insert(k.clone(), o.clone());
        }
    }

    pub(crate) fn origin_of_property(&self, key: &str) -> &Origin {
        self.property_origins.get(key).unwrap_or(&self.origin)
    }

    /// Configurations with `extends` applied, abstract ones left out; unknown
    /// parents and `extends` cycles are problems.
    #[cfg(test)]
    pub(crate) fn extended(&self) -> Result<Configs<'_>, Vec<Problem>> {
        let (configs, problems) = self.extended_all();
        if problems.is_empty() {
            Ok(configs)
        } else {
            Err(problems)
        }
    }

    /// Like [`ContainerMap::extended`], but every configuration is returned, one that can't be
    /// extended as it is written, so the other checks still see it and report their problems
    /// too.
    pub(crate) fn extended_all(&self) -> (Configs<'_>, Vec<Problem>) {
        let mut problems: Vec<Problem> = Vec::new();
        // A cycle is found from each of its members; it is reported once.
        let mut cycles: Vec<Vec<String>> = Vec::new();
        let mut out = BTreeMap::new();
        for (cname, config) in &self.containers {
            if config.is_abstract {
                continue;
            }
            // Only a configuration that extends others is a new value; the rest are borrowed.
            if config.extends.is_empty() {
                out.insert(cname.clone(), Cow::Borrowed(config));
                continue;
            }
            match self.extend_one(cname, &mut Vec::new()) {
                Ok(c) => {
                    out.insert(cname.clone(), Cow::Owned(c));
                }
                Err(ExtendError::Cycle { mut members, problem }) => {
                    members.sort();
                    if !cycles.contains(&members) {
                        cycles.push(members);
                        problems.push(problem);
                    }
                    out.insert(cname.clone(), Cow::Borrowed(config));
                }
                Err(ExtendError::Unknown(p)) => {
                    if !problems.contains(&p) {
                        problems.push(p);
                    }
                    out.insert(cname.clone(), Cow::Borrowed(config));
                }
            }
        }
        (out, problems)
    }

    fn extend_one(&self, cname: &str, chain: &mut Vec<String>) -> Result<ContainerConfig, ExtendError> {
        let config = &self.containers[cname];
        if let Some(start) = chain.iter().position(|c| c == cname) {
            let members: Vec<String> = chain[start..].to_vec();
            let mut cycle: Vec<&str> = members.iter().map(String::as_str).collect();
            cycle.push(cname);
            return Err(ExtendError::Cycle {
                problem: Problem::new(
                    format!("container `{cname}` extends itself: `{}`", cycle.join(" -> ")),
                    config.origin_of("extends").clone(),
                ),
                members,
            });
        }
        if config.extends.is_empty() {
            return Ok(config.clone());
        }
        chain.push(cname.to_string());
        let mut merged = ContainerConfig::new(config.origin.clone());
        for parent in &config.extends {
            if !self.containers.contains_key(parent) {
                let hint = super::suggest::closest(parent, self.containers.keys().map(String::as_str))
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(ExtendError::Unknown(Problem::new(
                    format!("container `{cname}` extends unknown container `{parent}`{hint}"),
                    config.origin_of("extends").clone(),
                )));
            }
            let parent_config = self.extend_one(parent, chain)?;
            merged.merge_from(&parent_config, false);
        }
        chain.pop();
        merged.merge_from(config, false);
        merged.is_abstract = config.is_abstract;
        merged.extends.clone_from(&config.extends);
        merged.origin = config.origin.clone();
        Ok(merged)
    }
}

/// A top-level key with nothing in it that is a near miss of a map property: a typo, most
/// likely, rather than a container (short names like `host1` are left alone).
fn empty_near_miss(key: &str, value: &Value) -> Option<&'static str> {
    let empty = match value {
        Value::Null => true,
        Value::Map(m) => m.is_empty(),
        _ => false,
    };
    if !empty || key.chars().count() < 6 {
        return None;
    }
    super::suggest::closest(key, PROPERTIES)
}

/// Why a configuration can't be extended.
enum ExtendError {
    /// An `extends` cycle, with its members (as data, to report each cycle once).
    Cycle {
        members: Vec<String>,
        problem: Problem,
    },
    Unknown(Problem),
}

fn opt_bool(value: &Value) -> Result<Option<bool>, InputError> {
    match value {
        Value::Null => Ok(None),
        v => boolean(v, "a flag").map(Some),
    }
}
