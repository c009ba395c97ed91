//! `networks` of a container: network endpoints (their forms: docs/recipe-api.md, "Container fields").

use crate::model::input::invalid;
use std::net::{Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use super::input::{items, kwargs, string, strings, InputResult, Item};
use super::link::{check_alias, Link};
use super::name;
use super::value::Value;

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct NetworkEndpoint {
    pub network_name: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub links: Vec<Link>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv4_address: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ipv6_address: Option<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub link_local_ips: Vec<String>,
}

const FIELDS: [&str; 6] = [
    "network_name",
    "aliases",
    "links",
    "ipv4_address",
    "ipv6_address",
    "link_local_ips",
];

impl NetworkEndpoint {
    pub(crate) fn parse_list(value: &Value) -> InputResult<Vec<NetworkEndpoint>> {
        let list = items(value, &FIELDS, &["network_name"])
            .iter()
            .map(NetworkEndpoint::parse)
            .collect::<InputResult<Vec<_>>>()?;
        Ok(super::input::dedup_first_key(list, |e| e.network_name.clone()))
    }

    fn parse(item: &Item) -> InputResult<NetworkEndpoint> {
        let positional: Vec<Value> = match item {
            // `{net: alias}`, `{net: [alias, links, ipv4]}`, `{net: {aliases: ...}}`
            Item::Pair(k, v) => match v {
                Value::Map(map) => return from_kwargs(Some(k), map),
                Value::List(rest) => std::iter::once(Value::str(k))
                    .chain(rest.iter().cloned())
                    .collect(),
                other => vec![Value::str(k), other.clone()],
            },
            Item::Single(Value::Map(map)) => return from_kwargs(None, map),
            Item::Single(Value::List(parts)) => match parts.as_slice() {
                [n, Value::Map(map)] => {
                    let name = string(n, "a network name")?;
                    return from_kwargs(Some(&name), map);
                }
                _ => parts.clone(),
            },
            Item::Single(v) => vec![v.clone()],
        };
        if positional.is_empty() || positional.len() > FIELDS.len() {
            return Err(invalid!(
                "invalid network endpoint {}: expected [network, aliases, links, ipv4_address, ipv6_address, link_local_ips]",
                Value::List(positional)
            ));
        }
        let null = Value::Null;
        let at = |i: usize| positional.get(i).unwrap_or(&null);
        build(at(0), at(1), at(2), at(3), at(4), at(5))
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut entries = vec![("network_name", Value::str(&self.network_name))];
        if !self.aliases.is_empty() {
            entries.push(("aliases", Value::strs(&self.aliases)));
        }
        if !self.links.is_empty() {
            entries.push((
                "links",
                Value::List(self.links.iter().map(Link::to_value).collect()),
            ));
        }
        if let Some(a) = &self.ipv4_address {
            entries.push(("ipv4_address", Value::str(a)));
        }
        if let Some(a) = &self.ipv6_address {
            entries.push(("ipv6_address", Value::str(a)));
        }
        if !self.link_local_ips.is_empty() {
            entries.push(("link_local_ips", Value::strs(&self.link_local_ips)));
        }
        Value::map(entries)
    }
}

fn from_kwargs(
    name: Option<&str>,
    map: &std::collections::BTreeMap<String, Value>,
) -> InputResult<NetworkEndpoint> {
    let allowed: &[&str] = if name.is_some() { &FIELDS[1..] } else { &FIELDS };
    let get = kwargs(map, allowed, "a network endpoint")?;
    let name_value = match name {
        Some(n) => Value::str(n),
        None => get("network_name").clone(),
    };
    build(
        &name_value,
        get("aliases"),
        get("links"),
        get("ipv4_address"),
        get("ipv6_address"),
        get("link_local_ips"),
    )
}

fn build(
    name_value: &Value,
    aliases: &Value,
    links: &Value,
    ipv4: &Value,
    ipv6: &Value,
    link_local: &Value,
) -> InputResult<NetworkEndpoint> {
    let network_name = string(name_value, "a network name")?;
    name::check("network", &network_name)?;
    let aliases = match aliases {
        Value::Str(s) if s.is_empty() => Vec::new(),
        other => strings(other, "a network alias")?,
    };
    for a in &aliases {
        check_alias(a)?;
    }
    let ipv4_address = match ipv4 {
        Value::Null => None,
        v => {
            let a = string(v, "an IPv4 address")?;
            a.parse::<Ipv4Addr>()
                .map_err(|_| invalid!("invalid IPv4 address `{a}` on network `{network_name}`"))?;
            Some(a)
        }
    };
    let ipv6_address = match ipv6 {
        Value::Null => None,
        v => {
            let a = string(v, "an IPv6 address")?;
            a.parse::<Ipv6Addr>()
                .map_err(|_| invalid!("invalid IPv6 address `{a}` on network `{network_name}`"))?;
            Some(a)
        }
    };
    let link_local_ips = strings(link_local, "a link-local address")?;
    for a in &link_local_ips {
        a.parse::<std::net::IpAddr>()
            .map_err(|_| invalid!("invalid link-local address `{a}` on network `{network_name}`"))?;
    }
    Ok(NetworkEndpoint {
        network_name,
        aliases,
        links: Link::parse_list(links)?,
        ipv4_address,
        ipv6_address,
        link_local_ips,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::value::Value as V;

    fn ep(name: &str, aliases: &[&str], ipv4: Option<&str>) -> NetworkEndpoint {
        NetworkEndpoint {
            network_name: name.into(),
            aliases: aliases.iter().map(|a| a.to_string()).collect(),
            links: vec![],
            ipv4_address: ipv4.map(Into::into),
            ipv6_address: None,
            link_local_ips: vec![],
        }
    }

    #[test]
    fn endpoint_items() {
        let s = V::str;
        let l = V::List;
        let cases: Vec<(V, NetworkEndpoint)> = vec![
            (s("endpoint1"), ep("endpoint1", &[], None)),
            (l(vec![s("endpoint1")]), ep("endpoint1", &[], None)),
            (V::map([("endpoint1", s(""))]), ep("endpoint1", &[], None)),
            (V::map([("endpoint1", V::Null)]), ep("endpoint1", &[], None)),
            (
                V::map([("network_name", s("endpoint1"))]),
                ep("endpoint1", &[], None),
            ),
            (
                l(vec![s("endpoint2"), s("alias1")]),
                ep("endpoint2", &["alias1"], None),
            ),
            (
                V::map([("endpoint2", s("alias1"))]),
                ep("endpoint2", &["alias1"], None),
            ),
            (
                l(vec![s("endpoint2"), V::map([("aliases", s("alias1"))])]),
                ep("endpoint2", &["alias1"], None),
            ),
            (
                V::map([("endpoint2", l(vec![s("alias1")]))]),
                ep("endpoint2", &["alias1"], None),
            ),
            (
                V::map([("endpoint2", V::map([("aliases", l(vec![s("alias1")]))]))]),
                ep("endpoint2", &["alias1"], None),
            ),
            (
                l(vec![s("endpoint3"), s("alias1"), V::Null, s("0.0.0.0")]),
                ep("endpoint3", &["alias1"], Some("0.0.0.0")),
            ),
            (
                V::map([("endpoint3", l(vec![s("alias1"), V::Null, s("0.0.0.0")]))]),
                ep("endpoint3", &["alias1"], Some("0.0.0.0")),
            ),
            (
                V::map([(
                    "endpoint3",
                    V::map([("aliases", s("alias1")), ("ipv4_address", s("0.0.0.0"))]),
                )]),
                ep("endpoint3", &["alias1"], Some("0.0.0.0")),
            ),
        ];
        for (input, expected) in cases {
            // each form both as a list element and as the whole value
            assert_eq!(
                NetworkEndpoint::parse_list(&l(vec![input.clone()])).unwrap(),
                vec![expected.clone()],
                "{input}"
            );
            if !matches!(input, V::List(_)) {
                assert_eq!(
                    NetworkEndpoint::parse_list(&input).unwrap(),
                    vec![expected],
                    "whole {input}"
                );
            }
        }
    }

    #[test]
    fn endpoint_links_and_errors() {
        let v = V::List(vec![V::List(vec![
            V::str("app_net1"),
            V::map([("links", V::str("net_sub_svc"))]),
        ])]);
        let eps = NetworkEndpoint::parse_list(&v).unwrap();
        assert_eq!(
            eps[0].links,
            vec![Link {
                container: "net_sub_svc".into(),
                alias: None
            }]
        );
        assert!(NetworkEndpoint::parse_list(&V::List(vec![V::List(vec![
            V::str("n"),
            V::Null,
            V::Null,
            V::str("300.1.1.1")
        ])]))
        .is_err());
        assert!(NetworkEndpoint::parse_list(&V::str("bad.name")).is_err());
        assert!(NetworkEndpoint::parse_list(&V::map([("n", V::map([("alias", V::str("x"))]))])).is_err());
        let back = NetworkEndpoint::parse_list(&V::List(eps.iter().map(NetworkEndpoint::to_value).collect()))
            .unwrap();
        assert_eq!(back, eps);
    }
}
