//! What the Engine holds, as plain data: the input of planning, next to the desired state.

use std::collections::BTreeMap;

use super::labels;
use super::spec::{ContainerSpec, MountKind};

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) enum RunState {
    /// Created and never started.
    #[default]
    Created,
    Running,
    /// Running, frozen by `docker pause`.
    Paused,
    Restarting,
    /// Started once, now stopped.
    Exited {
        code: i64,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) struct ObservedMount {
    pub target: String,
    /// A volume (named or anonymous) or a bind (or tmpfs) of a host path.
    pub kind: MountKind,
    /// The volume name, or the host path of a bind.
    pub source: String,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ObservedEndpoint {
    pub aliases: Vec<String>,
    pub ipv4_address: Option<String>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ObservedContainer {
    pub id: String,
    pub name: String,
    /// When it was created and last started, in nanoseconds since the epoch: a container bound
    /// to another one (links, `volumes_from`, its network namespace) created or started after
    /// it is bound to an older incarnation.
    pub created: i128,
    pub started_at: Option<i128>,
    /// The id of the image it runs.
    pub image_id: String,
    pub state: RunState,
    pub labels: BTreeMap<String, String>,
    /// The spec dmap recorded when it created the container.
    pub spec: Option<ContainerSpec>,
    pub mounts: Vec<ObservedMount>,
    /// Network name → endpoint.
    pub networks: BTreeMap<String, ObservedEndpoint>,
    /// `starting`, `healthy`, `unhealthy`, when it has a healthcheck.
    pub health: Option<String>,
    /// The Engine's HostConfig as JSON (Engine field names): limits and restart policy as they
    /// are now, which `docker update` changes without touching the recorded spec.
    pub host_config: serde_json::Value,
    /// The ports the Engine published while it runs (`NetworkSettings.Ports`, JSON): for a port
    /// published without a host port, the one the Engine picked.
    pub published: serde_json::Value,
}

impl ObservedContainer {
    pub(crate) fn is_running(&self) -> bool {
        matches!(
            self.state,
            RunState::Running | RunState::Paused | RunState::Restarting
        )
    }

    pub(crate) fn map(&self) -> Option<&str> {
        self.labels.get(labels::MAP).map(String::as_str)
    }

    /// A helper dmap runs for a moment (volume preparation), not a container of the map.
    pub(crate) fn is_helper(&self) -> bool {
        self.labels
            .get(labels::KIND)
            .is_some_and(|k| k == labels::KIND_HELPER)
    }

    /// A one-off container of a configuration (`dmap job`), not one of the map's: never an
    /// orphan nor a leftover (another dmap may be running it).
    pub(crate) fn is_job(&self) -> bool {
        self.labels
            .get(labels::KIND)
            .is_some_and(|k| k == labels::KIND_JOB)
    }

    /// The container whose network namespace it joined (`container:ID` → `ID`).
    pub(crate) fn namespace_owner(&self) -> Option<&str> {
        self.host_config
            .get("NetworkMode")
            .and_then(serde_json::Value::as_str)
            .and_then(|m| m.strip_prefix("container:"))
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ObservedVolume {
    pub name: String,
    pub driver: String,
    pub options: BTreeMap<String, String>,
    pub labels: BTreeMap<String, String>,
    /// The map that adopted it (recorded by dmap, since the Engine cannot relabel a volume).
    pub adopted_by: Option<String>,
}

impl ObservedVolume {
    /// Is it dmap's for `map`: labelled so, or adopted?
    pub(crate) fn owned_by(&self, map: &str) -> bool {
        owned(&self.labels, map) || self.adopted_by.as_deref() == Some(map)
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct ObservedNetwork {
    pub id: String,
    pub name: String,
    pub driver: String,
    pub options: BTreeMap<String, String>,
    pub internal: bool,
    pub labels: BTreeMap<String, String>,
    /// Names of the containers connected.
    pub containers: Vec<String>,
    /// The map that adopted it (recorded by dmap, since the Engine cannot relabel a network).
    pub adopted_by: Option<String>,
}

impl ObservedNetwork {
    /// Is it dmap's for `map`: labelled so, or adopted?
    pub(crate) fn owned_by(&self, map: &str) -> bool {
        owned(&self.labels, map) || self.adopted_by.as_deref() == Some(map)
    }
}

/// One pass over the Engine.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Snapshot {
    /// The API version spoken with the Engine (major, minor).
    pub api_version: (usize, usize),
    pub containers: BTreeMap<String, ObservedContainer>,
    pub volumes: BTreeMap<String, ObservedVolume>,
    pub networks: BTreeMap<String, ObservedNetwork>,
    /// Image reference → id, for the images the maps name that are present.
    pub images: BTreeMap<String, String>,
    /// Image reference → the context digest dmap recorded when it built the image.
    pub image_contexts: BTreeMap<String, String>,
    /// Names of the adoption markers of the maps (volumes recording adopted objects).
    pub markers: std::collections::BTreeSet<String>,
    /// The maps whose lock another dmap holds on this Engine, or left (`runtime::lock`).
    pub locked: std::collections::BTreeSet<String>,
    /// Networks the Engine holds more than once under a name the maps use (an older dmap,
    /// racing, could make them): the one kept is in `networks`, the others here.
    pub duplicate_networks: Vec<ObservedNetwork>,
}

/// When an Engine timestamp (`2026-12-01T20:51:51.123456789Z`) was, in nanoseconds since the
/// epoch; `0001-01-01T00:00:00Z` (never) and unreadable text are None.
pub(crate) fn timestamp(text: &str) -> Option<i128> {
    let (date, rest) = text.split_once('T')?;
    let mut d = date.split('-').map(|p| p.parse::<i64>());
    let (year, month, day) = (d.next()?.ok()?, d.next()?.ok()?, d.next()?.ok()?);
    if year <= 1 {
        return None;
    }
    let time = rest.trim_end_matches('Z');
    let (hms, frac) = time.split_once('.').unwrap_or((time, ""));
    let mut t = hms.split(':').map(|p| p.parse::<i64>());
    let (h, m, s) = (t.next()?.ok()?, t.next()?.ok()?, t.next()?.ok()?);
    let digits: String = frac.chars().take_while(char::is_ascii_digit).take(9).collect();
    let nanos: i64 = format!("{digits:0<9}").parse().ok()?;
    // Days since the epoch of a proleptic Gregorian date (Howard Hinnant's algorithm).
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    let days = era * 146_097 + doe - 719_468;
    let seconds = days * 86_400 + h * 3_600 + m * 60 + s;
    Some(i128::from(seconds) * 1_000_000_000 + i128::from(nanos))
}

/// A volume the Engine named itself (`shares`, an image's `VOLUME`): 64 hex digits.
pub(crate) fn is_anonymous(name: &str) -> bool {
    name.len() == 64 && name.bytes().all(|b| b.is_ascii_hexdigit())
}

/// Is an object with these labels dmap's, for `map`?
pub(crate) fn owned(labels: &BTreeMap<String, String>, map: &str) -> bool {
    labels.get(labels::MAP).is_some_and(|m| m == map)
}

#[cfg(test)]
mod tests {
    use super::timestamp;

    #[test]
    fn engine_timestamps() {
        assert_eq!(timestamp("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(timestamp("1970-01-02T00:00:01.5Z"), Some(86_401_500_000_000));
        // Go trims trailing zeros: `.1234Z` is earlier than `.12345Z`.
        assert!(timestamp("2026-12-01T20:51:51.1234Z") < timestamp("2026-12-01T20:51:51.12345Z"));
        assert!(timestamp("2026-12-01T20:51:51.999999999Z") < timestamp("2026-12-01T20:51:52Z"));
        assert_eq!(timestamp("2000-03-01T00:00:00Z"), Some(951_868_800_000_000_000));
        assert_eq!(timestamp("0001-01-01T00:00:00Z"), None);
        assert_eq!(timestamp("soon"), None);
    }
}
