//! Map-level `volumes`: alias → default path, driver and preparation (docs/recipe-api.md, "Volumes,
//! networks, host paths, groups").

use crate::model::input::{invalid, InputError};
use std::collections::BTreeMap;

use serde::Serialize;

use super::container::permissions;
use super::input::{kwargs, opt_string, InputResult};
use super::options::not_the_root;
use super::origin::Origin;
use super::user::User;
use super::value::Value;

#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct VolumeConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub default_path: Option<String>,
    /// The Engine name, instead of the one the map's naming gives.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Made and kept outside the map: dmap never creates, changes or removes it (its Engine
    /// name is `name`, else the alias itself).
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub external: bool,
    pub driver: String,
    pub driver_options: BTreeMap<String, String>,
    pub create_options: BTreeMap<String, Value>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<User>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub permissions: Option<String>,
    #[serde(skip)]
    pub origin: Origin,
}

impl Default for VolumeConfig {
    fn default() -> Self {
        VolumeConfig {
            default_path: None,
            name: None,
            external: false,
            driver: "local".into(),
            driver_options: BTreeMap::new(),
            create_options: BTreeMap::new(),
            user: None,
            permissions: None,
            origin: Origin::default(),
        }
    }
}

const FIELDS: [&str; 8] = [
    "default_path",
    "name",
    "external",
    "driver",
    "driver_options",
    "create_options",
    "user",
    "permissions",
];

impl VolumeConfig {
    /// A path string is the default path; a mapping sets fields.
    pub(crate) fn parse(value: &Value, origin: Origin) -> InputResult<VolumeConfig> {
        let mut v = VolumeConfig {
            origin,
            ..VolumeConfig::default()
        };
        match value {
            Value::Null => {}
            Value::Str(_) => v.default_path = Some(container_path(value)?),
            Value::Map(map) => {
                let get = kwargs(map, &FIELDS, "a volume")?;
                if !get("default_path").is_null() {
                    v.default_path = Some(container_path(get("default_path"))?);
                }
                if let Some(d) = opt_string(get("driver"), "a volume driver")? {
                    v.driver = d;
                }
                v.name = opt_string(get("name"), "a volume name")?;
                v.external = super::input::boolean(get("external"), "external")?;
                v.driver_options = string_map(get("driver_options"), "driver_options")?;
                v.create_options =
                    super::input::object_options(get("create_options"), "volume", &[("labels", false)])?;
                v.user = User::parse(get("user"))?;
                v.permissions = permissions(get("permissions"))?;
            }
            other => return Err(InputError::expected("a volume path or a mapping", other)),
        }
        Ok(v)
    }

    /// Fields of `other` that are set override these (map merge).
    pub(crate) fn merge_from(&mut self, other: &VolumeConfig) {
        if other.default_path.is_some() {
            self.default_path.clone_from(&other.default_path);
        }
        if other.driver != "local" {
            self.driver.clone_from(&other.driver);
        }
        if other.name.is_some() {
            self.name.clone_from(&other.name);
        }
        self.external |= other.external;
        self.driver_options.extend(other.driver_options.clone());
        self.create_options.extend(other.create_options.clone());
        if other.user.is_some() {
            self.user.clone_from(&other.user);
        }
        if other.permissions.is_some() {
            self.permissions.clone_from(&other.permissions);
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut m = BTreeMap::new();
        if let Some(p) = &self.default_path {
            m.insert("default_path".into(), Value::str(p));
        }
        if let Some(n) = &self.name {
            m.insert("name".into(), Value::str(n));
        }
        if self.external {
            m.insert("external".into(), Value::Bool(true));
        }
        m.insert("driver".into(), Value::str(&self.driver));
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
        if !self.create_options.is_empty() {
            m.insert("create_options".into(), Value::Map(self.create_options.clone()));
        }
        if let Some(u) = &self.user {
            m.insert("user".into(), u.to_value());
        }
        if let Some(p) = &self.permissions {
            m.insert("permissions".into(), Value::str(p));
        }
        Value::Map(m)
    }
}

fn container_path(value: &Value) -> InputResult<String> {
    match value {
        Value::Str(s) if s.starts_with('/') => not_the_root(s).map(|()| s.clone()),
        other => Err(InputError::expected("an absolute container path", other)),
    }
}

pub(crate) fn string_map(value: &Value, what: &str) -> InputResult<BTreeMap<String, String>> {
    match value {
        Value::Null => Ok(BTreeMap::new()),
        Value::Map(m) => m
            .iter()
            .map(|(k, v)| {
                v.scalar_text()
                    .map(|t| (k.clone(), t))
                    .ok_or_else(|| invalid!("`{what}`: expected text for `{k}`, found {v}"))
            })
            .collect(),
        other => Err(invalid!("`{what}`: expected a mapping, found {other}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volumes() {
        let v = VolumeConfig::parse(&Value::str("/var/lib/app"), Origin::default()).unwrap();
        assert_eq!(v.default_path.as_deref(), Some("/var/lib/app"));
        assert_eq!(v.driver, "local");
        let m = Value::map([
            ("default_path", Value::str("/d")),
            ("driver_options", Value::map([("type", Value::str("tmpfs"))])),
            ("user", Value::Int(2000)),
            ("permissions", Value::str("750")),
        ]);
        let v = VolumeConfig::parse(&m, Origin::default()).unwrap();
        assert_eq!(v.driver_options["type"], "tmpfs");
        assert_eq!(VolumeConfig::parse(&v.to_value(), Origin::default()).unwrap(), v);
        assert!(VolumeConfig::parse(&Value::str("relative"), Origin::default()).is_err());
        assert!(VolumeConfig::parse(&Value::map([("path", Value::str("/x"))]), Origin::default()).is_err());
    }
}
