//! `exposes`: exposed ports and their host bindings (docs/recipe-api.md, "Container fields"; interface
//! aliases: "docker(...)").

use crate::model::input::{invalid, InputError};
use std::fmt;
use std::net::IpAddr;

use serde::Serialize;

use super::input::{boolean, items, kwargs, tuple, InputResult, Item};
use super::value::Value;

/// A container port with its protocol; `"80"`, `80` and `"80/tcp"` are the same port.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub(crate) struct Port {
    pub number: u16,
    pub protocol: Protocol,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Protocol {
    Tcp,
    Udp,
    Sctp,
}

impl Protocol {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Protocol::Tcp => "tcp",
            Protocol::Udp => "udp",
            Protocol::Sctp => "sctp",
        }
    }
}

impl Port {
    pub(crate) fn parse(value: &Value) -> InputResult<Port> {
        let text = match value {
            Value::Int(i) => i.to_string(),
            Value::Str(s) => s.trim().to_string(),
            other => return Err(InputError::expected("a port", other)),
        };
        let (num, proto) = match text.split_once('/') {
            Some((n, p)) => (n, p),
            None => (text.as_str(), "tcp"),
        };
        let protocol = match proto.to_ascii_lowercase().as_str() {
            "tcp" => Protocol::Tcp,
            "udp" => Protocol::Udp,
            "sctp" => Protocol::Sctp,
            _ => return Err(invalid!("invalid port `{text}`: unknown protocol `{proto}`")),
        };
        match num.parse::<u16>() {
            Ok(number) if number > 0 => Ok(Port { number, protocol }),
            _ => Err(invalid!(
                "invalid port `{text}`: expected a number from 1 to 65535"
            )),
        }
    }

    /// Sort key for mapping keys: numeric, so `"80"` sorts before `"443"`... by number.
    pub(crate) fn sort_key(key: &str) -> (u32, String) {
        match Port::parse(&Value::str(key)) {
            Ok(p) => (u32::from(p.number), p.protocol.as_str().to_string()),
            Err(_) => (u32::MAX, key.to_string()),
        }
    }
}

impl fmt::Display for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.protocol {
            Protocol::Tcp => write!(f, "{}", self.number),
            p => write!(f, "{}/{}", self.number, p.as_str()),
        }
    }
}

impl Serialize for Port {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{}/{}", self.number, self.protocol.as_str()))
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct PortBinding {
    pub exposed_port: Port,
    /// None: exposed only, not published; 0: published on a port the Engine picks.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub host_port: Option<u16>,
    /// A client interface alias or a literal IP address; None: all addresses.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub interface: Option<String>,
    pub ipv6: bool,
}

impl PortBinding {
    /// Items that replace each other on merge: the same port on the same interface.
    pub(crate) fn key(&self) -> (Port, Option<String>, bool) {
        (self.exposed_port, self.interface.clone(), self.ipv6)
    }

    pub(crate) fn parse_list(value: &Value) -> InputResult<Vec<PortBinding>> {
        let kw = ["exposed_port", "host_port", "interface", "ipv6"];
        let mut entries = items(value, &kw, &["exposed_port"]);
        // The whole-list mapping form is ordered by port number, not by key text.
        if matches!(value, Value::Map(_)) {
            entries.sort_by_key(|item| match item {
                Item::Pair(k, _) => Port::sort_key(k),
                Item::Single(_) => (0, String::new()),
            });
        }
        entries.iter().map(PortBinding::parse).collect()
    }

    fn parse(item: &Item) -> InputResult<PortBinding> {
        let kw = ["exposed_port", "host_port", "interface", "ipv6"];
        let parts: Vec<Value> = match item {
            Item::Pair(k, v) => {
                let mut parts = vec![Value::str(k)];
                match v {
                    Value::List(inner) => parts.extend(inner.iter().cloned()),
                    Value::Map(map) => {
                        let get = kwargs(map, &kw[1..], "a port binding")?;
                        return binding(&parts[0], get("host_port"), get("interface"), get("ipv6"));
                    }
                    other => parts.push(other.clone()),
                }
                parts
            }
            Item::Single(Value::Map(map)) => {
                let get = kwargs(map, &kw, "a port binding")?;
                return binding(
                    get("exposed_port"),
                    get("host_port"),
                    get("interface"),
                    get("ipv6"),
                );
            }
            Item::Single(v) => {
                let t = tuple(v);
                match t.as_slice() {
                    [p, Value::List(inner)] => {
                        let mut parts = vec![p.clone()];
                        parts.extend(inner.iter().cloned());
                        parts
                    }
                    [p, Value::Map(map)] => {
                        let get = kwargs(map, &kw[1..], "a port binding")?;
                        return binding(p, get("host_port"), get("interface"), get("ipv6"));
                    }
                    _ => t,
                }
            }
        };
        let null = Value::Null;
        match parts.as_slice() {
            [p] => binding(p, &null, &null, &null),
            [p, h] => binding(p, h, &null, &null),
            [p, h, i] => binding(p, h, i, &null),
            [p, h, i, v6] => binding(p, h, i, v6),
            _ => Err(invalid!(
                "invalid port binding {}: expected port, [port, host_port], [port, host_port, interface] or [port, host_port, interface, ipv6]",
                Value::List(parts.clone())
            )),
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        let mut entries = vec![("exposed_port", Value::str(self.exposed_port.to_string()))];
        if let Some(h) = self.host_port {
            entries.push(("host_port", Value::Int(i64::from(h))));
        }
        if let Some(i) = &self.interface {
            entries.push(("interface", Value::str(i)));
        }
        if self.ipv6 {
            entries.push(("ipv6", Value::Bool(true)));
        }
        Value::map(entries)
    }
}

fn binding(port: &Value, host: &Value, interface: &Value, ipv6: &Value) -> InputResult<PortBinding> {
    let exposed_port = Port::parse(port)?;
    let host_port = match host {
        Value::Null => None,
        // a port the Engine picks when it starts the container
        Value::Int(0) => Some(0),
        Value::Str(s) if s == "0" => Some(0),
        v => {
            let p = Port::parse(v).map_err(|e| e.within(format!("invalid host port for {exposed_port}")))?;
            Some(p.number)
        }
    };
    let interface = match interface {
        Value::Null => None,
        Value::Str(s) if s.is_empty() => None,
        Value::Str(s) => {
            if s.parse::<IpAddr>().is_err() {
                super::name::check("interface", s).map_err(|_| {
                    format!("invalid interface `{s}` for port {exposed_port}: expected an interface alias or an IP address")
                })?;
            }
            Some(s.clone())
        }
        other => return Err(InputError::expected("an interface alias or IP address", other)),
    };
    if interface.is_some() && host_port.is_none() {
        return Err(invalid!(
            "port {exposed_port} names an interface but no host port"
        ));
    }
    let ipv6 = boolean(ipv6, "the ipv6 flag")?;
    Ok(PortBinding {
        exposed_port,
        host_port,
        interface,
        ipv6,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::value::Value as V;

    fn pb(p: u16, h: Option<u16>, i: Option<&str>, v6: bool) -> PortBinding {
        PortBinding {
            exposed_port: Port {
                number: p,
                protocol: Protocol::Tcp,
            },
            host_port: h,
            interface: i.map(Into::into),
            ipv6: v6,
        }
    }

    #[test]
    fn port_items() {
        let l = V::List;
        let cases: Vec<(V, PortBinding)> = vec![
            (V::str("1234"), pb(1234, None, None, false)),
            (l(vec![V::str("1234")]), pb(1234, None, None, false)),
            (l(vec![V::str("1234"), V::Null]), pb(1234, None, None, false)),
            (
                V::map([("exposed_port", V::str("1234"))]),
                pb(1234, None, None, false),
            ),
            (
                l(vec![V::Int(1234), V::Int(1234)]),
                pb(1234, Some(1234), None, false),
            ),
            (
                l(vec![V::Int(1234), V::Int(1234), V::str("0.0.0.0")]),
                pb(1234, Some(1234), Some("0.0.0.0"), false),
            ),
            (
                l(vec![V::Int(1234), l(vec![V::Int(1234), V::str("0.0.0.0")])]),
                pb(1234, Some(1234), Some("0.0.0.0"), false),
            ),
            (
                l(vec![V::Int(1234), V::Int(1234), V::str("0.0.0.0"), V::Bool(true)]),
                pb(1234, Some(1234), Some("0.0.0.0"), true),
            ),
            (
                l(vec![
                    V::Int(1234),
                    l(vec![V::Int(1234), V::str("0.0.0.0"), V::Bool(true)]),
                ]),
                pb(1234, Some(1234), Some("0.0.0.0"), true),
            ),
            (
                l(vec![
                    V::Int(1234),
                    V::map([
                        ("host_port", V::Int(1234)),
                        ("interface", V::str("private")),
                        ("ipv6", V::Bool(true)),
                    ]),
                ]),
                pb(1234, Some(1234), Some("private"), true),
            ),
            (
                V::map([("1234", V::Int(1234))]),
                pb(1234, Some(1234), None, false),
            ),
            (
                V::map([("8443", l(vec![V::Int(8443), V::str("private")]))]),
                pb(8443, Some(8443), Some("private"), false),
            ),
        ];
        for (input, expected) in cases {
            assert_eq!(
                PortBinding::parse_list(&l(vec![input.clone()])).unwrap(),
                vec![expected],
                "{input}"
            );
        }
    }

    #[test]
    fn whole_list_mapping_is_numeric() {
        // The whole list written as one mapping (exposed port → binding), with the distinct keys a
        // mapping can hold; items come out in port order.
        let m = V::map([
            (
                "1235",
                V::List(vec![V::Int(1235), V::str("0.0.0.0"), V::Bool(true)]),
            ),
            ("443", V::Int(443)),
            ("80", V::Null),
        ]);
        assert_eq!(
            PortBinding::parse_list(&m).unwrap(),
            vec![
                pb(80, None, None, false),
                pb(443, Some(443), None, false),
                pb(1235, Some(1235), Some("0.0.0.0"), true)
            ]
        );
    }

    #[test]
    fn protocols_and_errors() {
        let got = PortBinding::parse_list(&V::str("53/udp")).unwrap();
        assert_eq!(
            got[0].exposed_port,
            Port {
                number: 53,
                protocol: Protocol::Udp
            }
        );
        assert_eq!(
            Port::parse(&V::str("80")).unwrap(),
            Port::parse(&V::Int(80)).unwrap()
        );
        assert_eq!(
            Port::parse(&V::str("80/tcp")).unwrap(),
            Port::parse(&V::Int(80)).unwrap()
        );
        for bad in [
            V::str("http"),
            V::Int(0),
            V::Int(70000),
            V::str("53/xdp"),
            V::Bool(true),
        ] {
            assert!(
                PortBinding::parse_list(&V::List(vec![bad.clone()])).is_err(),
                "{bad}"
            );
        }
        assert!(PortBinding::parse_list(&V::List(vec![V::List(vec![
            V::Int(80),
            V::Int(80),
            V::str("not an ip!")
        ])]))
        .is_err());
        assert!(PortBinding::parse_list(&V::List(vec![V::List(vec![
            V::Int(80),
            V::Null,
            V::str("public")
        ])]))
        .is_err());
    }
}
