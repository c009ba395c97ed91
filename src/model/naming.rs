//! How a map names its objects on the Engine: docker-map's names (`MAP.CONFIG[.INSTANCE]`,
//! `MAP.ALIAS`, `MAP.NET`, hostnames from the container name), or Compose's
//! (`PROJECT-SERVICE-N`, `PROJECT_VOLUME`, `PROJECT_NETWORK`, no hostname unless one is given),
//! which a map read from a Compose file follows, configurations a recipe adds to it included. A
//! configuration's `container_name`, and a volume's or network's `name`, override either.

use serde::Serialize;

use super::container_map::ContainerMap;
use super::input::{invalid, string, InputResult};
use super::name;
use super::value::Value;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub(crate) enum Naming {
    #[default]
    #[serde(rename = "docker-map")]
    DockerMap,
    #[serde(rename = "compose")]
    Compose,
}

impl Naming {
    const NAMES: [&'static str; 2] = ["docker-map", "compose"];

    pub(crate) fn parse(value: &Value) -> InputResult<Naming> {
        if value.is_null() {
            return Ok(Naming::DockerMap);
        }
        match string(value, "a naming")?.as_str() {
            "docker-map" => Ok(Naming::DockerMap),
            "compose" => Ok(Naming::Compose),
            other => Err(invalid!(
                "unknown naming `{other}`: expected {}",
                Self::NAMES.map(|n| format!("`{n}`")).join(" or ")
            )),
        }
    }

    /// docker-map's naming, the default (left out of a map's JSON).
    pub(crate) fn is_docker_map(&self) -> bool {
        *self == Naming::DockerMap
    }

    /// The Engine name of a one-off container of configuration `config` (`dmap job`): Compose's
    /// `PROJECT-SERVICE-run-TOKEN`, or `MAP.CONFIG-run-TOKEN` — never the name of one of the
    /// map's containers, whose instances follow a `.`.
    pub(crate) fn job_name(self, map: &str, config: &str, token: &str) -> String {
        match self {
            Naming::DockerMap => format!("{map}.{config}-run-{token}"),
            Naming::Compose => format!("{map}-{config}-run-{token}"),
        }
    }

    pub(crate) fn to_value(self) -> Value {
        match self {
            Naming::DockerMap => Value::Null,
            Naming::Compose => Value::str(Self::NAMES[1]),
        }
    }
}

impl ContainerMap {
    /// docker-map's `use_attached_parent_name`: attached volumes named `MAP.PARENT.ALIAS`.
    pub(crate) fn uses_parent_name(&self) -> bool {
        self.use_attached_parent_name.unwrap_or(false)
    }

    /// The Engine name of a container of configuration `config` (instance `instance`).
    pub(crate) fn container_name(&self, config: &str, instance: Option<&str>) -> String {
        if let Some(fixed) = self
            .containers
            .get(config)
            .and_then(|c| c.container_name.as_ref())
        {
            return fixed.clone();
        }
        match self.naming {
            Naming::DockerMap => name::container(&self.name, config, instance),
            Naming::Compose => format!("{}-{config}-{}", self.name, instance.unwrap_or("1")),
        }
    }

    /// The Engine name of the attached volume `alias` (owned by configuration `owner`).
    pub(crate) fn volume_name(&self, owner: &str, alias: &str) -> String {
        if let Some(v) = self.volumes.get(alias) {
            match (&v.name, v.external) {
                (Some(fixed), _) => return fixed.clone(),
                (None, true) => return alias.to_string(),
                (None, false) => {}
            }
        }
        match self.naming {
            Naming::DockerMap => name::volume(&self.name, self.uses_parent_name().then_some(owner), alias),
            Naming::Compose => format!("{}_{alias}", self.name),
        }
    }

    /// The Engine name of the map's network `net` (the presets keep theirs).
    pub(crate) fn network_name(&self, net: &str) -> String {
        if name::PRESET_NETWORKS.contains(&net) {
            return net.to_string();
        }
        if let Some(n) = self.networks.get(net) {
            match (&n.name, n.external) {
                (Some(fixed), _) => return fixed.clone(),
                (None, true) => return net.to_string(),
                (None, false) => {}
            }
        }
        match self.naming {
            Naming::DockerMap => name::network(&self.name, net),
            Naming::Compose => format!("{}_{net}", self.name),
        }
    }

    /// The aliases of a container's endpoint on a network: Compose's containers also answer to
    /// their own name on each, before the aliases the map gives.
    pub(crate) fn endpoint_aliases(&self, container: &str, aliases: &[String]) -> Vec<String> {
        match self.naming {
            Naming::DockerMap => aliases.to_vec(),
            Naming::Compose => std::iter::once(container.to_string())
                .chain(aliases.iter().filter(|a| *a != container).cloned())
                .collect(),
        }
    }

    /// Whether containers get a hostname derived from their name (docker-map's rule, unless the
    /// map says `set_hostname: false`); Compose gives none.
    pub(crate) fn derives_hostnames(&self) -> bool {
        self.set_hostname.unwrap_or(self.naming == Naming::DockerMap)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::container::ContainerConfig;
    use crate::model::network::NetworkConfig;
    use crate::model::origin::Origin;
    use crate::model::volume::VolumeConfig;

    #[test]
    fn names_by_naming_and_overrides() {
        let mut m = ContainerMap::new("proj", Origin::default()).expect("map");
        m.containers.insert("web".into(), ContainerConfig::default());
        m.volumes.insert("data".into(), VolumeConfig::default());
        m.networks.insert("back".into(), NetworkConfig::default());
        let names = |m: &ContainerMap| {
            [
                m.container_name("web", None),
                m.container_name("web", Some("2")),
                m.volume_name("web", "data"),
                m.network_name("back"),
                m.network_name("host"),
            ]
        };
        assert_eq!(
            names(&m),
            ["proj.web", "proj.web.2", "proj.data", "proj.back", "host"]
        );
        assert!(m.derives_hostnames());
        m.naming = Naming::Compose;
        assert_eq!(
            names(&m),
            ["proj-web-1", "proj-web-2", "proj_data", "proj_back", "host"]
        );
        assert!(!m.derives_hostnames());
        m.set_hostname = Some(true);
        assert!(m.derives_hostnames());
        if let Some(c) = m.containers.get_mut("web") {
            c.container_name = Some("my-web".into());
        }
        if let Some(v) = m.volumes.get_mut("data") {
            v.name = Some("shared-data".into());
        }
        if let Some(n) = m.networks.get_mut("back") {
            n.name = Some("corp".into());
        }
        assert_eq!(names(&m), ["my-web", "my-web", "shared-data", "corp", "host"]);
    }
}
