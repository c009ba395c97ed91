//! The spec dmap records on a container (its `dmap.spec` label) is what `update` compares, and
//! anyone who can read the container's labels (`docker inspect`, `docker ps`, `docker events`)
//! can read it: the values of secret fields (the environment) are recorded as digests, per key,
//! so a reason can still say which variable changed and no value is ever shown.

use sha2::{Digest as _, Sha256};

use crate::runtime::spec::ContainerSpec;

/// How a recorded value is marked as a digest.
const DIGEST: &str = "sha256:";

/// The spec as it is recorded and compared: environment values replaced by their digests.
pub(crate) fn recorded(spec: &ContainerSpec) -> ContainerSpec {
    let mut out = spec.clone();
    for value in out.environment.values_mut() {
        *value = digest(value);
    }
    out
}

/// A spec read back from a container's labels, in the recorded form whatever the schema it was
/// written with (schema 1 recorded values in plain text).
pub(crate) fn read(label: &str, schema: Option<&str>) -> Option<ContainerSpec> {
    let spec: ContainerSpec = serde_json::from_str(label).ok()?;
    Some(match schema {
        Some(s) if s != "1" => spec,
        _ => recorded(&spec),
    })
}

fn digest(value: &str) -> String {
    format!("{DIGEST}{}", sha256_hex(value.as_bytes()))
}

/// The sha256 of `bytes` in hex: what dmap records to tell whether something changed.
pub(crate) fn sha256_hex(bytes: &[u8]) -> String {
    Sha256::digest(bytes).iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::labels::SCHEMA_VERSION as SCHEMA;

    fn spec(env: &[(&str, &str)]) -> ContainerSpec {
        ContainerSpec {
            image: "app:1".into(),
            environment: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            ..ContainerSpec::default()
        }
    }

    #[test]
    fn environment_values_are_recorded_as_digests_per_key() {
        let plain = spec(&[("DB_PASSWORD", "hunter2"), ("MODE", "prod")]);
        let r = recorded(&plain);
        let json = serde_json::to_string(&r).unwrap_or_default();
        assert!(!json.contains("hunter2") && !json.contains("prod"), "{json}");
        assert!(r.environment["DB_PASSWORD"].starts_with("sha256:"));
        assert_eq!(r.environment.len(), 2);
        // Read back, it compares equal to what the map wants now, recorded the same way.
        assert_eq!(read(&json, Some(SCHEMA)), Some(recorded(&plain)));
        // A label of schema 1 (values in plain text) reads as the same recorded spec.
        let older = serde_json::to_string(&plain).unwrap_or_default();
        assert_eq!(read(&older, Some("1")), Some(recorded(&plain)));
        assert_eq!(read(&older, None), Some(recorded(&plain)));
        // A changed value is a changed digest.
        assert_ne!(
            recorded(&spec(&[("DB_PASSWORD", "other")])).environment["DB_PASSWORD"],
            r.environment["DB_PASSWORD"]
        );
    }
}
