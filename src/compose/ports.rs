//! `ports` and `expose` of a Compose service, in the model's `exposes` form. A port published
//! without a host port gets one the Engine picks (host port 0), as Compose's do.

use crate::model::Value;

/// `ports`: short (`[HOST_IP:][HOST_PORT:]CONTAINER_PORT[/PROTOCOL]`, ranges pairwise) or long
/// (`{target, published, host_ip, protocol}`) syntax.
pub(super) fn published(value: &Value) -> Result<Vec<Value>, String> {
    let Value::List(items) = value else {
        return Err(format!("expected a list, found {}", value.type_name()));
    };
    let mut out = Vec::new();
    for item in items {
        match item {
            Value::Map(m) => {
                let target = m
                    .get("target")
                    .and_then(Value::scalar_text)
                    .ok_or_else(|| format!("port {item}: `target` is missing"))?;
                let protocol = m.get("protocol").and_then(Value::as_str).unwrap_or("tcp");
                let published = m
                    .get("published")
                    .and_then(Value::scalar_text)
                    .unwrap_or_default();
                let ip = m.get("host_ip").and_then(Value::as_str).unwrap_or_default();
                if let Some(mode) = m.get("mode").and_then(Value::as_str) {
                    if mode != "host" && mode != "ingress" {
                        return Err(format!("port {item}: unknown mode `{mode}`"));
                    }
                }
                pairs(&mut out, ip, &published, &target, protocol, item)?;
            }
            other => {
                let text = other
                    .scalar_text()
                    .ok_or_else(|| format!("expected a port, found {}", other.type_name()))?;
                let (spec, protocol) = text.split_once('/').unwrap_or((text.as_str(), "tcp"));
                let (ip, rest) = host_ip(spec);
                let parts: Vec<&str> = rest.split(':').collect();
                let (host, container) = match parts.as_slice() {
                    [c] => ("", *c),
                    [h, c] => (*h, *c),
                    [extra_ip, h, c] if ip.is_empty() => {
                        pairs(&mut out, extra_ip, h, c, protocol, other)?;
                        continue;
                    }
                    _ => return Err(format!("invalid port `{text}`")),
                };
                pairs(&mut out, ip, host, container, protocol, other)?;
            }
        }
    }
    Ok(out)
}

/// A leading `[IPv6]:` or is taken apart from the rest.
fn host_ip(spec: &str) -> (&str, &str) {
    if let Some(rest) = spec.strip_prefix('[') {
        if let Some((ip, after)) = rest.split_once("]:") {
            return (ip, after);
        }
    }
    ("", spec)
}

/// `first-last` or one port.
fn range(text: &str, item: &Value) -> Result<(u32, u32), String> {
    let number = |t: &str| {
        t.trim()
            .parse::<u32>()
            .map_err(|_| format!("invalid port `{t}` in {item}"))
    };
    match text.split_once('-') {
        Some((a, b)) => {
            let (a, b) = (number(a)?, number(b)?);
            if a > b {
                return Err(format!("invalid port range `{text}` in {item}"));
            }
            Ok((a, b))
        }
        None => {
            let p = number(text)?;
            Ok((p, p))
        }
    }
}

fn pairs(
    out: &mut Vec<Value>,
    ip: &str,
    host: &str,
    container: &str,
    protocol: &str,
    item: &Value,
) -> Result<(), String> {
    let (c0, c1) = range(container, item)?;
    let hosts = if host.is_empty() {
        None
    } else {
        let (h0, h1) = range(host, item)?;
        if h1 - h0 != c1 - c0 {
            return Err(format!(
                "port {item}: the host range `{host}` and the container range `{container}` differ in size"
            ));
        }
        Some(h0)
    };
    for (i, port) in (c0..=c1).enumerate() {
        let host_port = hosts.map_or(0, |h0| h0 + i as u32);
        let mut entry = vec![
            ("exposed_port", Value::str(format!("{port}/{protocol}"))),
            ("host_port", Value::Int(i64::from(host_port))),
        ];
        if !ip.is_empty() {
            entry.push(("interface", Value::str(ip)));
            if ip.contains(':') {
                entry.push(("ipv6", Value::Bool(true)));
            }
        }
        out.push(Value::map(entry));
    }
    Ok(())
}

/// `expose`: ports (and ranges) exposed, not published.
pub(super) fn exposed(value: &Value) -> Result<Vec<Value>, String> {
    let Value::List(items) = value else {
        return Err(format!("expected a list, found {}", value.type_name()));
    };
    let mut out = Vec::new();
    for item in items {
        let text = item
            .scalar_text()
            .ok_or_else(|| format!("expected a port, found {}", item.type_name()))?;
        let (ports, protocol) = text.split_once('/').unwrap_or((text.as_str(), "tcp"));
        let (a, b) = range(ports, item)?;
        out.extend((a..=b).map(|p| Value::str(format!("{p}/{protocol}"))));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn short(text: &str) -> Vec<String> {
        published(&Value::List(vec![Value::str(text)]))
            .unwrap_or_else(|e| panic!("{text}: {e}"))
            .iter()
            .map(ToString::to_string)
            .collect()
    }

    #[test]
    fn short_syntax_as_compose_reads_it() {
        let cases: &[(&str, &[&str])] = &[
            ("80", &[r#"#{ exposed_port: "80/tcp", host_port: 0 }"#]),
            ("8080:80", &[r#"#{ exposed_port: "80/tcp", host_port: 8080 }"#]),
            (
                "127.0.0.1:8080:80/udp",
                &[r#"#{ exposed_port: "80/udp", host_port: 8080, interface: "127.0.0.1" }"#],
            ),
            (
                "127.0.0.1::80",
                &[r#"#{ exposed_port: "80/tcp", host_port: 0, interface: "127.0.0.1" }"#],
            ),
            (
                "9000-9001:8000-8001",
                &[
                    r#"#{ exposed_port: "8000/tcp", host_port: 9000 }"#,
                    r#"#{ exposed_port: "8001/tcp", host_port: 9001 }"#,
                ],
            ),
            (
                "[::1]:6001:6001",
                &[r#"#{ exposed_port: "6001/tcp", host_port: 6001, interface: "::1", ipv6: true }"#],
            ),
        ];
        for (text, want) in cases {
            assert_eq!(short(text), *want, "{text}");
        }
        assert!(published(&Value::List(vec![Value::str("1-3:80")])).is_err());
        assert!(published(&Value::List(vec![Value::str("a:b:c:d")])).is_err());
    }
}
