//! A client: one Docker Engine and its settings (docs/recipe-api.md, "docker(...)").

use crate::model::input::{invalid, InputError};
use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::Serialize;

use super::duration::parse_seconds;
use super::input::{boolean, kwargs, opt_string, InputResult};
use super::ssh_address::Destination;
use super::value::Value;

#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct ClientConfig {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub base_url: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub timeout: Option<f64>,
    /// Interface alias → IPv4 address.
    pub interfaces: BTreeMap<String, Ipv4Addr>,
    pub interfaces_ipv6: BTreeMap<String, Ipv6Addr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub domainname: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub stop_timeout: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wait_timeout: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub core_image: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tls_verify: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cert_path: Option<String>,
    /// A Swarm manager: the configurations on it become Swarm services.
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub swarm: bool,
    /// How the client gets a declared image it lacks: built on its Engine, or copied from the
    /// Engine of another client of the action that builds or holds it.
    #[serde(skip_serializing_if = "ImageTransfer::is_build")]
    pub image_transfer: ImageTransfer,
}

/// How a plain Engine gets the declared images its containers run (`image_transfer`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum ImageTransfer {
    /// Built on its Engine, from the image's context.
    #[default]
    Build,
    /// Streamed from the Engine of another client of the same action that builds it or holds it
    /// up to date (`docker save` → `docker load`); built when there is none.
    Copy,
}

impl ImageTransfer {
    const CHOICES: &'static str = "`build` or `copy`";

    fn is_build(&self) -> bool {
        *self == ImageTransfer::Build
    }

    fn parse(value: &Value) -> InputResult<ImageTransfer> {
        match value {
            Value::Null => Ok(ImageTransfer::Build),
            Value::Str(s) if s == "build" => Ok(ImageTransfer::Build),
            Value::Str(s) if s == "copy" => Ok(ImageTransfer::Copy),
            Value::Str(s) => Err(invalid!(
                "`image_transfer`: unknown transfer `{s}`: expected {}",
                Self::CHOICES
            )),
            other => Err(invalid!(
                "`image_transfer`: expected {}, found {other}",
                Self::CHOICES
            )),
        }
    }
}

pub(crate) const FIELDS: [&str; 12] = [
    "base_url",
    "timeout",
    "interfaces",
    "interfaces_ipv6",
    "domainname",
    "stop_timeout",
    "wait_timeout",
    "core_image",
    "tls_verify",
    "cert_path",
    "swarm",
    "image_transfer",
];

impl ClientConfig {
    pub(crate) fn parse(value: &Value) -> InputResult<ClientConfig> {
        let map = match value {
            Value::Null => return Ok(ClientConfig::default()),
            Value::Map(m) => m,
            other => return Err(InputError::expected("client settings as a mapping", other)),
        };
        let get = kwargs(map, &FIELDS, "client settings")?;
        let seconds = |k: &str| -> InputResult<Option<f64>> {
            match get(k) {
                Value::Null => Ok(None),
                v => parse_seconds(v).map(Some).map_err(|e| e.within(format!("`{k}`"))),
            }
        };
        let addresses = |k: &str| -> InputResult<BTreeMap<String, IpAddr>> {
            match get(k) {
                Value::Null => Ok(BTreeMap::new()),
                Value::Map(m) => m
                    .iter()
                    .map(|(alias, addr)| {
                        super::name::check("interface", alias)?;
                        let text = addr.as_str().unwrap_or_default();
                        text.parse::<IpAddr>()
                            .map(|ip| (alias.clone(), ip))
                            .map_err(|_| invalid!("`{k}`: invalid address {addr} for interface `{alias}`"))
                    })
                    .collect(),
                other => Err(invalid!(
                    "`{k}`: expected a mapping of interface aliases to addresses, found {other}"
                )),
            }
        };
        let mut interfaces = BTreeMap::new();
        for (alias, ip) in addresses("interfaces")? {
            match ip {
                IpAddr::V4(v4) => interfaces.insert(alias, v4),
                IpAddr::V6(_) => {
                    return Err(invalid!(
                        "`interfaces`: `{alias}` is an IPv6 address; put it under `interfaces_ipv6`"
                    ))
                }
            };
        }
        let mut interfaces_ipv6 = BTreeMap::new();
        for (alias, ip) in addresses("interfaces_ipv6")? {
            match ip {
                IpAddr::V6(v6) => interfaces_ipv6.insert(alias, v6),
                IpAddr::V4(_) => {
                    return Err(invalid!(
                        "`interfaces_ipv6`: `{alias}` is an IPv4 address; put it under `interfaces`"
                    ))
                }
            };
        }
        let tls_verify = match get("tls_verify") {
            Value::Null => None,
            Value::Bool(b) => Some(*b),
            other => return Err(invalid!("`tls_verify`: expected a boolean, found {other}")),
        };
        let swarm = boolean(get("swarm"), "`swarm`")?;
        let image_transfer = ImageTransfer::parse(get("image_transfer"))?;
        if swarm && image_transfer == ImageTransfer::Copy {
            return Err(invalid!(
                "`image_transfer`: a Swarm client's nodes pull a declared image from the map's registry, where the manager pushes it; `copy` is for plain Engines"
            ));
        }
        Ok(ClientConfig {
            base_url: base_url(get("base_url"))?,
            timeout: seconds("timeout")?,
            interfaces,
            interfaces_ipv6,
            domainname: opt_string(get("domainname"), "a domain name")?,
            stop_timeout: seconds("stop_timeout")?,
            wait_timeout: seconds("wait_timeout")?,
            core_image: opt_string(get("core_image"), "an image")?,
            tls_verify,
            cert_path: opt_string(get("cert_path"), "a path")?,
            swarm,
            image_transfer,
        })
    }

    /// The address of an interface: an alias of this client, or a literal address.
    pub(crate) fn interface_address(&self, interface: &str, ipv6: bool) -> Option<IpAddr> {
        if let Ok(ip) = interface.parse::<IpAddr>() {
            return Some(ip);
        }
        if ipv6 {
            self.interfaces_ipv6.get(interface).copied().map(IpAddr::V6)
        } else {
            self.interfaces.get(interface).copied().map(IpAddr::V4)
        }
    }
}

/// The schemes the runtime connects with: anything else would fail only when an action first
/// reaches for the Engine.
const SCHEMES: [&str; 4] = ["unix://", "tcp://", "http://", "https://"];

fn base_url(value: &Value) -> InputResult<Option<String>> {
    let Some(url) = opt_string(value, "a base URL")? else {
        return Ok(None);
    };
    if url.starts_with("ssh://") {
        return match Destination::parse(&url) {
            Ok(_) => Ok(Some(url)),
            Err(reason) => Err(invalid!("`base_url`: `{url}` is no ssh address: {reason}")),
        };
    }
    let usable = SCHEMES
        .iter()
        .any(|scheme| url.strip_prefix(scheme).is_some_and(|rest| !rest.is_empty()));
    if usable {
        Ok(Some(url))
    } else {
        Err(invalid!(
            "`base_url`: `{url}` is no address dmap can use: expected unix://PATH, tcp://HOST:PORT, http://HOST:PORT, https://HOST:PORT or ssh://[USER@]HOST[:PORT]"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_dmap_can_use() {
        let url = |u: &str| ClientConfig::parse(&Value::map([("base_url", Value::str(u))]));
        for good in [
            "unix:///var/run/docker.sock",
            "tcp://10.0.0.5:2376",
            "http://localhost:2375",
            "https://docker.example.com:2376",
            "ssh://me@host",
            "ssh://[::1]:2222",
        ] {
            assert_eq!(url(good).unwrap().base_url.as_deref(), Some(good), "{good}");
        }
        for (bad, why) in [
            ("ssh://", "no host"),
            (
                "ssh://me:pw@host",
                "a password in the address: ssh logs in with keys, an agent or its configuration",
            ),
        ] {
            let err = url(bad).unwrap_err().to_string();
            assert_eq!(
                err,
                format!("`base_url`: `{bad}` is no ssh address: {why}"),
                "{bad}"
            );
        }
        for bad in [
            "npipe:////./pipe/docker_engine",
            "host:2375",
            "/var/run/docker.sock",
            "unix://",
            "tcp://",
        ] {
            let err = url(bad).unwrap_err().to_string();
            assert_eq!(
                err,
                format!("`base_url`: `{bad}` is no address dmap can use: expected unix://PATH, tcp://HOST:PORT, http://HOST:PORT, https://HOST:PORT or ssh://[USER@]HOST[:PORT]"),
                "{bad}"
            );
        }
        assert_eq!(ClientConfig::parse(&Value::Null).unwrap().base_url, None);
        // an empty address is none: the local Engine
        assert_eq!(url("").unwrap().base_url, None);
    }

    #[test]
    fn clients() {
        let v = Value::map([
            ("base_url", Value::str("tcp://10.0.0.5:2376")),
            ("timeout", Value::Int(60)),
            (
                "interfaces",
                Value::map([
                    ("public", Value::str("0.0.0.0")),
                    ("private", Value::str("10.0.0.5")),
                ]),
            ),
            (
                "interfaces_ipv6",
                Value::map([("private", Value::str("fd00::1"))]),
            ),
            ("core_image", Value::str("busybox:latest")),
        ]);
        let c = ClientConfig::parse(&v).unwrap();
        assert_eq!(
            c.interface_address("private", false),
            Some("10.0.0.5".parse().unwrap())
        );
        assert_eq!(
            c.interface_address("private", true),
            Some("fd00::1".parse().unwrap())
        );
        assert_eq!(
            c.interface_address("1.2.3.4", false),
            Some("1.2.3.4".parse().unwrap())
        );
        assert_eq!(c.interface_address("nope", false), None);
        assert!(ClientConfig::parse(&Value::map([("base_ur", Value::str("x"))])).is_err());
        assert!(ClientConfig::parse(&Value::map([(
            "interfaces",
            Value::map([("a", Value::str("fd00::1"))])
        )]))
        .is_err());
    }

    #[test]
    fn swarm_clients() {
        let cases: &[(Value, Result<bool, &str>)] = &[
            (Value::Null, Ok(false)),
            (Value::map([("swarm", Value::Bool(true))]), Ok(true)),
            (Value::map([("swarm", Value::Bool(false))]), Ok(false)),
            (Value::map([("swarm", Value::Null)]), Ok(false)),
            (
                Value::map([("swarm", Value::str("yes"))]),
                Err("expected `swarm` as a boolean, found \"yes\""),
            ),
            (
                Value::map([("swarn", Value::Bool(true))]),
                Err("unknown key `swarn` in client settings"),
            ),
        ];
        for (input, want) in cases {
            match (ClientConfig::parse(input), want) {
                (Ok(c), Ok(swarm)) => assert_eq!(c.swarm, *swarm, "{input}"),
                (Err(e), Err(text)) => assert!(e.to_string().starts_with(text), "{input}: {e}"),
                (got, _) => panic!("{input}: {got:?}"),
            }
        }
        // serialized only when true
        let json = |c: &ClientConfig| serde_json::to_value(c).unwrap_or_default();
        let plain = ClientConfig::default();
        assert!(json(&plain).get("swarm").is_none());
        let swarm = ClientConfig {
            swarm: true,
            ..ClientConfig::default()
        };
        assert_eq!(json(&swarm)["swarm"], serde_json::Value::Bool(true));
    }

    #[test]
    fn image_transfers() {
        let parse = |v: Value| ClientConfig::parse(&Value::map([("image_transfer", v)]));
        let cases: &[(Value, Result<ImageTransfer, &str>)] = &[
            (Value::Null, Ok(ImageTransfer::Build)),
            (Value::str("build"), Ok(ImageTransfer::Build)),
            (Value::str("copy"), Ok(ImageTransfer::Copy)),
            (
                Value::str("rsync"),
                Err("`image_transfer`: unknown transfer `rsync`: expected `build` or `copy`"),
            ),
            (
                Value::str("Copy"),
                Err("`image_transfer`: unknown transfer `Copy`: expected `build` or `copy`"),
            ),
            (
                Value::Bool(true),
                Err("`image_transfer`: expected `build` or `copy`, found true"),
            ),
        ];
        for (input, want) in cases {
            match (parse(input.clone()), want) {
                (Ok(c), Ok(t)) => assert_eq!(c.image_transfer, *t, "{input}"),
                (Err(e), Err(text)) => assert_eq!(e.to_string(), *text, "{input}"),
                (got, _) => panic!("{input}: {got:?}"),
            }
        }
        assert_eq!(
            ClientConfig::parse(&Value::map([
                ("swarm", Value::Bool(true)),
                ("image_transfer", Value::str("copy")),
            ]))
            .unwrap_err()
            .to_string(),
            "`image_transfer`: a Swarm client's nodes pull a declared image from the map's registry, where the manager pushes it; `copy` is for plain Engines"
        );
        // serialized only when it copies
        let json = |c: &ClientConfig| serde_json::to_value(c).unwrap_or_default();
        assert!(json(&ClientConfig::default()).get("image_transfer").is_none());
        let copy = ClientConfig {
            image_transfer: ImageTransfer::Copy,
            ..ClientConfig::default()
        };
        assert_eq!(json(&copy)["image_transfer"], serde_json::Value::from("copy"));
    }
}
