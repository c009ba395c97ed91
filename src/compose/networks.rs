//! Networks: a service's endpoints (every one also answering to the service's name) and the
//! project's top-level networks (and `default`, for the services that name none).

use std::collections::BTreeMap;

use super::service::Context;
use crate::model::network::NetworkConfig;
use crate::model::{ContainerMap, Problem, Value};

/// `networks` of a service: a list of names or a mapping name → `{aliases, ipv4_address, ...}`;
/// every endpoint also answers to the service's name, as Compose's do.
pub(super) fn endpoints(sname: &str, value: &Value) -> Result<Value, String> {
    let entries: Vec<(String, Option<&BTreeMap<String, Value>>)> = match value {
        Value::List(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(|n| (n.to_string(), None))
                    .ok_or_else(|| format!("expected a network name, found {i}"))
            })
            .collect::<Result<_, _>>()?,
        Value::Map(m) => m
            .iter()
            .map(|(n, e)| match e {
                Value::Null => Ok((n.clone(), None)),
                Value::Map(e) => Ok((n.clone(), Some(e))),
                other => Err(format!(
                    "network `{n}`: expected a mapping, found {}",
                    other.type_name()
                )),
            })
            .collect::<Result<_, _>>()?,
        other => {
            return Err(format!(
                "expected a list or a mapping, found {}",
                other.type_name()
            ))
        }
    };
    let mut out = BTreeMap::new();
    for (net, settings) in entries {
        let mut aliases = vec![Value::str(sname)];
        let mut endpoint = BTreeMap::new();
        for (k, v) in settings.into_iter().flatten() {
            match k.as_str() {
                "aliases" => {
                    if let Value::List(more) = v {
                        aliases.extend(more.iter().filter(|a| a.as_str() != Some(sname)).cloned());
                    }
                }
                "ipv4_address" | "ipv6_address" | "link_local_ips" => {
                    endpoint.insert(k.clone(), v.clone());
                }
                "priority" | "gw_priority" => {}
                other => return Err(format!("network `{net}`: `{other}`: dmap can't carry it out")),
            }
        }
        endpoint.insert("aliases".into(), Value::List(aliases));
        out.insert(net, Value::Map(endpoint));
    }
    Ok(Value::Map(out))
}

/// The top-level `networks` as the map's (and `default` when a service is on it).
pub(super) fn networks(
    ctx: &Context<'_>,
    map: &mut ContainerMap,
    needs_default: bool,
    problems: &mut Vec<Problem>,
) {
    let declared = match ctx.top.get("networks") {
        Some(Value::Map(n)) => n.clone(),
        _ => BTreeMap::new(),
    };
    for (name, value) in &declared {
        let origin = ctx.doc.origin(&["networks", name]);
        match network(value) {
            Ok(v) => match NetworkConfig::parse(&v, origin.clone()) {
                Ok(n) => {
                    map.networks.insert(name.clone(), n);
                }
                Err(e) => problems.push(Problem::new(format!("network `{name}`: {e}"), origin)),
            },
            Err(why) => problems.push(Problem::new(format!("network `{name}`: {why}"), origin)),
        }
    }
    if needs_default && !map.networks.contains_key("default") {
        let default = NetworkConfig {
            origin: ctx.doc.origin(&[]),
            ..NetworkConfig::default()
        };
        map.networks.insert("default".into(), default);
    }
    for (sname, config) in map.containers.iter_mut() {
        if config.networks.is_empty() && config.network_mode.is_none() {
            let endpoint = Value::map([(
                "default",
                Value::map([("aliases", Value::List(vec![Value::str(sname)]))]),
            )]);
            let origin = config.origin.clone();
            if let Err(e) = config.set_field("networks", &endpoint, origin.clone()) {
                problems.push(Problem::new(format!("service `{sname}`: {e}"), origin));
            }
        }
    }
}

/// A top-level network in the model's form.
fn network(value: &Value) -> Result<Value, String> {
    super::values::top_level(
        value,
        "network",
        &["driver", "internal", "name"],
        &["attachable", "enable_ipv6", "ipam"],
    )
}
