//! The spec's name grammar and the Engine names derived from it.

use super::input::InputError;

/// Checks `[A-Za-z0-9][A-Za-z0-9_-]*`; `what` names the kind in the error.
pub(crate) fn check(what: &str, name: &str) -> Result<(), InputError> {
    let mut chars = name.chars();
    let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
    if first_ok && chars.all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-') {
        Ok(())
    } else {
        Err(InputError::InvalidName {
            what: what.to_string(),
            name: name.to_string(),
        })
    }
}

/// A reference `cfg` or `cfg.instance`.
pub(crate) fn split_instance(reference: &str) -> (&str, Option<&str>) {
    match reference.split_once('.') {
        Some((cfg, inst)) => (cfg, Some(inst)),
        None => (reference, None),
    }
}

/// Checks a `cfg` or `cfg.instance` reference.
pub(crate) fn check_reference(what: &str, reference: &str) -> Result<(), InputError> {
    let (cfg, inst) = split_instance(reference);
    let invalid = |_| InputError::InvalidReference {
        what: what.to_string(),
        reference: reference.to_string(),
    };
    check(what, cfg).map_err(invalid)?;
    if let Some(inst) = inst {
        check(what, inst).map_err(invalid)?;
    }
    Ok(())
}

/// `map.config` or `map.config.instance`.
pub(crate) fn container(map: &str, config: &str, instance: Option<&str>) -> String {
    match instance {
        Some(i) => format!("{map}.{config}.{i}"),
        None => format!("{map}.{config}"),
    }
}

/// Named volume of an attached alias: `map.alias`, or `map.parent.alias`.
pub(crate) fn volume(map: &str, parent: Option<&str>, alias: &str) -> String {
    match parent {
        Some(p) => format!("{map}.{p}.{alias}"),
        None => format!("{map}.{alias}"),
    }
}

pub(crate) const PRESET_NETWORKS: [&str; 3] = ["bridge", "host", "none"];

/// `map.net`; the presets keep their names.
pub(crate) fn network(map: &str, net: &str) -> String {
    if PRESET_NETWORKS.contains(&net) {
        net.to_string()
    } else {
        format!("{map}.{net}")
    }
}

/// The default client: no hostname suffix.
pub(crate) const DEFAULT_CLIENT: &str = "default";

/// docker-map's hostname: `_` and `.` become `-`; a non-default client appends `-client`.
pub(crate) fn hostname(container_name: &str, client: Option<&str>) -> String {
    let clean = |s: &str| s.replace(['_', '.'], "-");
    match client {
        Some(c) if c != DEFAULT_CLIENT && c != "__default__" => {
            format!("{}-{}", clean(container_name), clean(c))
        }
        _ => clean(container_name),
    }
}

/// The longest hostname label (RFC 1123), and the longest hostname the kernel sets.
pub(crate) const MAX_LABEL: usize = 63;
pub(crate) const MAX_HOSTNAME: usize = 64;

/// Why a container can't have this hostname, if it can't: a label longer than 63 characters,
/// or more than 64 characters in all (the kernel refuses to set it, so the container fails to
/// start).
pub(crate) fn hostname_too_long(hostname: &str) -> Option<String> {
    if let Some(label) = hostname.split('.').find(|l| l.chars().count() > MAX_LABEL) {
        let length = label.chars().count();
        return Some(if label == hostname {
            format!("hostname `{hostname}` is {length} characters, more than the {MAX_LABEL} a hostname label allows")
        } else {
            format!(
                "hostname `{hostname}` has a label of {length} characters (`{label}`), more than the {MAX_LABEL} a hostname label allows"
            )
        });
    }
    let length = hostname.chars().count();
    (length > MAX_HOSTNAME).then(|| {
        format!("hostname `{hostname}` is {length} characters, more than the {MAX_HOSTNAME} the kernel sets")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grammar() {
        for ok in ["a", "A9", "web_server", "app-1", "0x"] {
            assert!(check("config", ok).is_ok(), "{ok}");
        }
        for bad in ["", "_a", "-a", "a.b", "a/b", "a b", "__all__", "ä"] {
            let err = check("config", bad).unwrap_err().to_string();
            assert!(err.contains(&format!("`{bad}`")), "{err}");
        }
    }

    #[test]
    fn hostnames_too_long() {
        let label = |n: usize| "a".repeat(n);
        // (the hostname, the start of the reason; None: it fits)
        let cases: Vec<(String, Option<&str>)> = vec![
            (label(63), None),
            (format!("{}.{}", label(30), label(33)), None),
            (label(64), Some("hostname `aaaa")),
            (format!("web.{}", label(64)), Some("hostname `web.aaaa")),
            (format!("{}.{}", label(40), label(40)), Some("hostname `aaaa")),
        ];
        for (hostname, want) in cases {
            let why = hostname_too_long(&hostname);
            assert_eq!(why.is_some(), want.is_some(), "{hostname}: {why:?}");
            if let (Some(why), Some(start)) = (why, want) {
                assert!(why.starts_with(start), "{why}");
            }
        }
        assert!(hostname_too_long(&label(64))
            .unwrap()
            .ends_with("is 64 characters, more than the 63 a hostname label allows"));
        assert!(hostname_too_long(&format!("web.{}", label(64)))
            .unwrap()
            .contains("has a label of 64 characters (`aaaa"));
        assert!(hostname_too_long(&format!("{}.{}", label(40), label(40)))
            .unwrap()
            .ends_with("is 81 characters, more than the 64 the kernel sets"));
    }

    #[test]
    fn hostnames() {
        assert_eq!(hostname("main.web_server", None), "main-web-server");
        assert_eq!(hostname("app.web", Some("node-1.x")), "app-web-node-1-x");
        assert_eq!(
            hostname("main.web_server", Some("legacy")),
            "main-web-server-legacy"
        );
        assert_eq!(hostname("main.web_server", Some("default")), "main-web-server");
    }

    #[test]
    fn engine_names() {
        assert_eq!(container("m", "c", None), "m.c");
        assert_eq!(container("m", "c", Some("i")), "m.c.i");
        assert_eq!(volume("m", None, "v"), "m.v");
        assert_eq!(volume("m", Some("p"), "v"), "m.p.v");
        assert_eq!(network("m", "n"), "m.n");
        assert_eq!(network("m", "bridge"), "bridge");
    }
}
