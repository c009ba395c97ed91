//! `network_mode` (its forms: docs/recipe-api.md, "Container fields").

use crate::model::input::invalid;
use serde::Serialize;

use super::input::InputResult;
use super::name;
use super::value::Value;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum NetworkMode {
    /// `none`, also written as nothing, `""` or `disabled`.
    Disabled,
    Bridge,
    Host,
    /// `container:<name or id>` of a container outside the map: no dependency.
    External(String),
    /// Another container of the map (`cfg` or `cfg.instance`): a dependency.
    Container {
        config: String,
        instance: Option<String>,
    },
}

impl NetworkMode {
    pub(crate) fn parse(value: &Value) -> InputResult<Option<NetworkMode>> {
        let text = match value {
            Value::Null => return Ok(Some(NetworkMode::Disabled)),
            Value::Str(s) => s.as_str(),
            Value::List(parts) if parts.len() == 2 => {
                let config = parts[0]
                    .as_str()
                    .ok_or_else(|| invalid!("invalid network mode {value}"))?
                    .to_string();
                name::check("config", &config)?;
                let instance = match &parts[1] {
                    Value::Null => None,
                    v => {
                        let i = v.scalar_text().unwrap_or_default();
                        name::check("instance", &i)?;
                        Some(i)
                    }
                };
                return Ok(Some(NetworkMode::Container { config, instance }));
            }
            other => return Err(invalid!("invalid network mode {other}")),
        };
        Ok(Some(match text {
            "" | "disabled" | "none" => NetworkMode::Disabled,
            "bridge" => NetworkMode::Bridge,
            "host" => NetworkMode::Host,
            t if t.starts_with("container:") && t.len() > "container:".len() => {
                NetworkMode::External(t["container:".len()..].to_string())
            }
            t if t.starts_with('/') && t.len() > 1 => NetworkMode::External(t[1..].to_string()),
            t => {
                name::check_reference("network mode container", t).map_err(|_| {
                    format!("invalid network mode `{t}`: expected `bridge`, `host`, `none`, `container:NAME` or a container of the map (`cfg` or `cfg.instance`)")
                })?;
                let (config, instance) = name::split_instance(t);
                NetworkMode::Container {
                    config: config.to_string(),
                    instance: instance.map(str::to_string),
                }
            }
        }))
    }

    pub(crate) fn to_value(&self) -> Value {
        Value::str(self.to_text())
    }

    pub(crate) fn to_text(&self) -> String {
        match self {
            NetworkMode::Disabled => "none".into(),
            NetworkMode::Bridge => "bridge".into(),
            NetworkMode::Host => "host".into(),
            NetworkMode::External(c) => format!("container:{c}"),
            NetworkMode::Container {
                config,
                instance: Some(i),
            } => format!("{config}.{i}"),
            NetworkMode::Container {
                config,
                instance: None,
            } => config.clone(),
        }
    }
}

impl Serialize for NetworkMode {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_text())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes() {
        let c = |cfg: &str, i: Option<&str>| NetworkMode::Container {
            config: cfg.into(),
            instance: i.map(Into::into),
        };
        let cases: Vec<(Value, NetworkMode)> = vec![
            (Value::Null, NetworkMode::Disabled),
            (Value::str(""), NetworkMode::Disabled),
            (Value::str("disabled"), NetworkMode::Disabled),
            (Value::str("none"), NetworkMode::Disabled),
            (Value::str("bridge"), NetworkMode::Bridge),
            (Value::str("host"), NetworkMode::Host),
            (Value::str("container:abc"), NetworkMode::External("abc".into())),
            (Value::str("/abc"), NetworkMode::External("abc".into())),
            (Value::str("app_server"), c("app_server", None)),
            (
                Value::str("app_server.instance1"),
                c("app_server", Some("instance1")),
            ),
            (
                Value::List(vec![Value::str("app"), Value::str("i1")]),
                c("app", Some("i1")),
            ),
            (Value::List(vec![Value::str("app"), Value::Null]), c("app", None)),
        ];
        for (input, expected) in cases {
            assert_eq!(
                NetworkMode::parse(&input).unwrap(),
                Some(expected.clone()),
                "{input}"
            );
            assert_eq!(NetworkMode::parse(&expected.to_value()).unwrap(), Some(expected));
        }
        assert!(NetworkMode::parse(&Value::str("a b")).is_err());
        assert!(NetworkMode::parse(&Value::Int(3)).is_err());
    }
}
