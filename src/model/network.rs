//! Map-level `networks` (docs/recipe-api.md, "Volumes, networks, host paths, groups").

use crate::model::input::InputError;
use std::collections::BTreeMap;

use serde::Serialize;

use super::input::{boolean, kwargs, opt_string, InputResult};
use super::origin::Origin;
use super::value::Value;
use super::volume::string_map;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct NetworkConfig {
    /// The Engine name, instead of the one the map's naming gives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Made and kept outside the map: dmap never creates, changes or removes it (its Engine
    /// name is `name`, else the map's name for it).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
    pub driver: String,
    pub driver_options: BTreeMap<String, String>,
    pub internal: bool,
    pub create_options: BTreeMap<String, Value>,
    #[serde(skip)]
    pub origin: Origin,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig {
            name: None,
            external: false,
            driver: "bridge".into(),
            driver_options: BTreeMap::new(),
            internal: false,
            create_options: BTreeMap::new(),
            origin: Origin::default(),
        }
    }
}

/// `ipam`: `{driver, config: [{subnet, ip_range, gateway, aux_addresses}], options}`, as
/// Compose and the Engine write it.
fn parse_ipam(value: &Value) -> InputResult<Value> {
    let Value::Map(m) = value else {
        return Err(InputError::expected("an `ipam` mapping", value));
    };
    let get = kwargs(m, &["driver", "config", "options"], "`ipam`")?;
    opt_string(get("driver"), "an IPAM driver")?;
    string_map(get("options"), "ipam options")?;
    match get("config") {
        Value::Null => {}
        Value::List(pools) => {
            for pool in pools {
                let Value::Map(p) = pool else {
                    return Err(InputError::expected("an `ipam.config` entry as a mapping", pool));
                };
                let get = kwargs(
                    p,
                    &["subnet", "ip_range", "gateway", "aux_addresses"],
                    "an `ipam.config` entry",
                )?;
                for key in ["subnet", "ip_range", "gateway"] {
                    opt_string(get(key), key)?;
                }
                string_map(get("aux_addresses"), "aux_addresses")?;
            }
        }
        other => return Err(InputError::expected("`ipam.config` as a list", other)),
    }
    Ok(value.clone())
}

impl NetworkConfig {
    pub(crate) fn parse(value: &Value, origin: Origin) -> InputResult<NetworkConfig> {
        let mut n = NetworkConfig {
            origin,
            ..NetworkConfig::default()
        };
        match value {
            Value::Null => {}
            Value::Map(map) => {
                let get = kwargs(
                    map,
                    &[
                        "name",
                        "external",
                        "driver",
                        "driver_options",
                        "internal",
                        "create_options",
                    ],
                    "a network",
                )?;
                if let Some(d) = opt_string(get("driver"), "a network driver")? {
                    n.driver = d;
                }
                n.name = opt_string(get("name"), "a network name")?;
                n.external = boolean(get("external"), "external")?;
                n.driver_options = string_map(get("driver_options"), "driver_options")?;
                n.internal = boolean(get("internal"), "internal")?;
                // `ipam` has a structure of its own; the rest are flags and string maps.
                let mut options = get("create_options").clone();
                let ipam = match &mut options {
                    Value::Map(m) => m.remove("ipam"),
                    _ => None,
                };
                n.create_options = super::input::object_options(
                    &options,
                    "network",
                    // `ipam` is taken out above; it is listed for the error about an unknown key.
                    &[
                        ("attachable", true),
                        ("enable_ipv6", true),
                        ("labels", false),
                        ("ipam", false),
                    ],
                )?;
                if let Some(ipam) = ipam {
                    n.create_options.insert("ipam".into(), parse_ipam(&ipam)?);
                }
            }
            other => {
                return Err(InputError::expected(
                    "a network configuration (a mapping or nothing)",
                    other,
                ))
            }
        }
        Ok(n)
    }

    pub(crate) fn merge_from(&mut self, other: &NetworkConfig) {
        if other.driver != "bridge" {
            self.driver.clone_from(&other.driver);
        }
        if other.name.is_some() {
            self.name.clone_from(&other.name);
        }
        self.external |= other.external;
        self.driver_options.extend(other.driver_options.clone());
        self.internal |= other.internal;
        self.create_options.extend(other.create_options.clone());
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut m = BTreeMap::new();
        if let Some(n) = &self.name {
            m.insert("name".to_string(), Value::str(n));
        }
        if self.external {
            m.insert("external".to_string(), Value::Bool(true));
        }
        m.insert("driver".to_string(), Value::str(&self.driver));
        if !self.driver_options.is_empty() {
            m.insert(
                "driver_options".into(),
                Value::Map(
                    self.driver_options
                        .iter()
                        .map(|(k, v)| (k.clone(), Value::str(v)))
                        .collect(),
                ),
            );
        }
        m.insert("internal".into(), Value::Bool(self.internal));
        if !self.create_options.is_empty() {
            m.insert("create_options".into(), Value::Map(self.create_options.clone()));
        }
        Value::Map(m)
    }
}
