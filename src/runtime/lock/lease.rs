//! The lock's decisions, pure: the names of its volumes, who holds a lock volume (read from its
//! labels), whether a holder is stale, which lock volumes found are left over, and how long a
//! waiter sleeps between looks.

use std::collections::BTreeMap;
use std::time::Duration;

use sha2::{Digest, Sha256};

use crate::runtime::labels;
use crate::runtime::snapshot::timestamp;

/// How long a holder may show no sign of life before a waiter takes its lock over. A holder
/// records its own lease on its volumes, and waiters go by the holder's.
pub(crate) const LEASE: Duration = Duration::from_secs(30);
/// How often a holder shows a sign of life: a new heartbeat volume (three per lease, so one lost
/// beat is no loss of the lock).
pub(crate) const BEAT: Duration = Duration::from_secs(10);
/// A waiter looks again after this long at first, then twice as long each time, up to
/// [`POLL_MAX`].
pub(crate) const POLL_FIRST: Duration = Duration::from_millis(100);
pub(crate) const POLL_MAX: Duration = Duration::from_secs(2);
/// The Engine gives a volume's creation time in whole seconds: a holder is stale only once its
/// lease and this have passed.
const GRAIN: Duration = Duration::from_secs(1);

/// Nanoseconds since the epoch, as [`timestamp`] reads the Engine's times.
pub(crate) type Nanos = i128;

/// The lock of `map` on an Engine begins with the volume `dmap-lock-MAP` (a map's name has no
/// `.`, so no volume of a map is named so).
pub(crate) fn base(map: &str) -> String {
    format!("dmap-lock-{map}")
}

/// The volume after a stale holder's: `dmap-lock-MAP.HASH`, HASH from the holder's token. Whoever
/// creates it holds the lock, as long as the volumes before it are still there.
pub(crate) fn successor(map: &str, token: &str) -> String {
    format!("{}.{}", base(map), short_hash(token))
}

/// Heartbeat `n` of holder `token`: `dmap-lock-MAP.HASH.N`.
pub(crate) fn beat(map: &str, token: &str, n: u64) -> String {
    format!("{}.{n}", successor(map, token))
}

/// 16 hex digits of the SHA-256 of `text`.
pub(crate) fn short_hash(text: &str) -> String {
    Sha256::digest(text.as_bytes())
        .iter()
        .take(8)
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Who holds a lock volume, as its labels say.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Holder {
    /// Unique per acquisition.
    pub token: String,
    pub pid: Option<u32>,
    pub host: String,
    /// The boot id of the holder's machine (with the host name, which machine it is).
    pub boot: Option<String>,
    /// What it does: the action's name (`update`, `shutdown`, ...).
    pub action: String,
    pub lease: Duration,
    /// When the volume was created, as the Engine says (`2026-12-07T21:35:29Z`).
    pub since: String,
}

impl Holder {
    /// The holder of a volume of the lock of `map`; None when the volume is not one (no
    /// holder, another map's, another kind of object).
    pub(crate) fn of(labels: &BTreeMap<String, String>, map: &str, created: &str) -> Option<Holder> {
        let get = |key: &str| labels.get(key).map(String::as_str);
        if get(labels::KIND) != Some(labels::KIND_LOCK) || get(labels::MAP) != Some(map) {
            return None;
        }
        let token = get(labels::LOCK_HOLDER).filter(|t| !t.is_empty())?;
        Some(Holder {
            token: token.to_string(),
            pid: get(labels::LOCK_PID).and_then(|p| p.parse().ok()),
            host: get(labels::LOCK_HOST).unwrap_or_default().to_string(),
            boot: get(labels::LOCK_BOOT)
                .filter(|b| !b.is_empty())
                .map(str::to_string),
            action: get(labels::LOCK_ACTION).unwrap_or_default().to_string(),
            lease: get(labels::LOCK_LEASE)
                .and_then(|l| l.parse::<u64>().ok())
                .map_or(LEASE, Duration::from_secs),
            since: created.to_string(),
        })
    }
}

/// One volume of a map's lock found on the Engine.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct LockVolume {
    pub name: String,
    pub holder: Holder,
}

/// Why a holder no longer holds its lock.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Stale {
    /// It ran on this machine, and its process is gone.
    Gone,
    /// No sign of life (a lock or heartbeat volume made) for `seconds`, longer than its lease.
    Silent { seconds: u64 },
}

impl std::fmt::Display for Stale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Stale::Gone => write!(f, "its process is gone"),
            Stale::Silent { seconds } => write!(f, "no sign of life for {seconds} s"),
        }
    }
}

/// Whether `holder` is stale at Engine time `now`, its last sign of life at `last`: its process
/// is gone (`gone`: known only for a holder on this machine), or it has been silent for longer
/// than its lease.
pub(crate) fn staleness(holder: &Holder, last: Nanos, now: Nanos, gone: bool) -> Option<Stale> {
    if gone {
        return Some(Stale::Gone);
    }
    let silent = now.saturating_sub(last).max(0);
    let limit = (holder.lease + GRAIN).as_nanos() as i128;
    (silent > limit).then_some(Stale::Silent {
        seconds: (silent / 1_000_000_000) as u64,
    })
}

/// The last sign of life of holder `token` among the lock volumes found: the newest of its
/// volumes; None when it has none that the Engine dated.
pub(crate) fn last_sign(volumes: &[LockVolume], token: &str) -> Option<Nanos> {
    volumes
        .iter()
        .filter(|v| v.holder.token == token)
        .filter_map(|v| timestamp(&v.holder.since))
        .max()
}

/// The lock volumes found that the holder of the lock (token `me`, its links `chain`) removes:
/// those of stale holders, by `stale`, apart from its links (they go in order, last) and the
/// volume after its own link (a waiter's, who judged it stale: not a leftover while it lives).
pub(crate) fn leftovers(
    volumes: &[LockVolume],
    map: &str,
    chain: &[String],
    me: &str,
    stale: impl Fn(&Holder) -> bool,
) -> Vec<String> {
    let next = successor(map, me);
    volumes
        .iter()
        .filter(|v| v.holder.token != me)
        .filter(|v| !chain.contains(&v.name) && v.name != next && v.name != base(map))
        .filter(|v| stale(&v.holder))
        .map(|v| v.name.clone())
        .collect()
}

/// How long a waiter sleeps after sleeping `last`.
pub(crate) fn next_poll(last: Duration) -> Duration {
    (last * 2).clamp(POLL_FIRST, POLL_MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    fn holder(token: &str, lease: u64) -> Holder {
        Holder {
            token: token.into(),
            pid: Some(42),
            host: "h".into(),
            boot: Some("b".into()),
            action: "update".into(),
            lease: Duration::from_secs(lease),
            since: String::new(),
        }
    }

    const S: i128 = 1_000_000_000;

    #[test]
    fn names_are_the_maps_and_never_a_maps_volume() {
        assert_eq!(base("shop"), "dmap-lock-shop");
        let next = successor("shop", "abc");
        assert!(next.starts_with("dmap-lock-shop."), "{next}");
        assert_eq!(next.len(), "dmap-lock-shop.".len() + 16);
        assert_eq!(beat("shop", "abc", 3), format!("{next}.3"));
        assert_ne!(successor("shop", "abc"), successor("shop", "abd"));
        // Every name is an Engine name.
        for name in [base("a"), successor("a", "t"), beat("a", "t", 12)] {
            assert!(name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_.-".contains(c)));
        }
    }

    #[test]
    fn a_holder_is_read_from_its_labels() {
        let full = labels(&[
            (labels::KIND, labels::KIND_LOCK),
            (labels::MAP, "m"),
            (labels::LOCK_HOLDER, "t1"),
            (labels::LOCK_PID, "4242"),
            (labels::LOCK_HOST, "box"),
            (labels::LOCK_BOOT, "b00t"),
            (labels::LOCK_ACTION, "shutdown"),
            (labels::LOCK_LEASE, "5"),
        ]);
        let h = Holder::of(&full, "m", "2026-12-07T21:35:29Z").expect("a holder");
        assert_eq!(
            h,
            Holder {
                token: "t1".into(),
                pid: Some(4242),
                host: "box".into(),
                boot: Some("b00t".into()),
                action: "shutdown".into(),
                lease: Duration::from_secs(5),
                since: "2026-12-07T21:35:29Z".into(),
            }
        );
        let cases: [(&str, BTreeMap<String, String>, Option<Duration>); 5] = [
            ("another map's", full.clone(), None),
            (
                "not a lock",
                labels(&[
                    (labels::KIND, "volume"),
                    (labels::MAP, "x"),
                    (labels::LOCK_HOLDER, "t"),
                ]),
                None,
            ),
            ("no labels", BTreeMap::new(), None),
            (
                "no holder",
                labels(&[(labels::KIND, labels::KIND_LOCK), (labels::MAP, "x")]),
                None,
            ),
            (
                "an unreadable lease is the default one",
                labels(&[
                    (labels::KIND, labels::KIND_LOCK),
                    (labels::MAP, "x"),
                    (labels::LOCK_HOLDER, "t"),
                    (labels::LOCK_LEASE, "soon"),
                ]),
                Some(LEASE),
            ),
        ];
        for (what, labels, lease) in cases {
            assert_eq!(Holder::of(&labels, "x", "").map(|h| h.lease), lease, "{what}");
        }
    }

    #[test]
    fn a_holder_is_stale_when_gone_or_silent_beyond_its_lease() {
        let cases = [
            // (lease s, last sign, now, gone, stale)
            (30, 100 * S, 100 * S, false, None),
            (30, 100 * S, 131 * S, false, None),
            (
                30,
                100 * S,
                131 * S + 1,
                false,
                Some(Stale::Silent { seconds: 31 }),
            ),
            (30, 100 * S, 400 * S, false, Some(Stale::Silent { seconds: 300 })),
            (1, 100 * S, 103 * S, false, Some(Stale::Silent { seconds: 3 })),
            (30, 100 * S, 100 * S, true, Some(Stale::Gone)),
            // A clock behind the last sign: not silent.
            (30, 100 * S, 50 * S, false, None),
        ];
        for (lease, last, now, gone, stale) in cases {
            assert_eq!(
                staleness(&holder("t", lease), last, now, gone),
                stale,
                "lease {lease}, last {last}, now {now}, gone {gone}"
            );
        }
    }

    #[test]
    fn the_last_sign_of_life_is_the_newest_volume_of_the_holder() {
        let at = |name: &str, token: &str, since: &str| LockVolume {
            name: name.into(),
            holder: Holder {
                since: since.into(),
                ..holder(token, 30)
            },
        };
        let volumes = [
            at("dmap-lock-m", "a", "2026-12-07T21:35:29Z"),
            at("dmap-lock-m.x.1", "a", "2026-12-07T21:35:49Z"),
            at("dmap-lock-m.x.2", "a", "2026-12-07T21:35:39Z"),
            at("dmap-lock-m.y", "b", "2026-12-07T21:40:00Z"),
            at("dmap-lock-m.z", "c", "never"),
        ];
        assert_eq!(last_sign(&volumes, "a"), timestamp("2026-12-07T21:35:49Z"));
        assert_eq!(last_sign(&volumes, "c"), None);
        assert_eq!(last_sign(&volumes, "d"), None);
    }

    #[test]
    fn leftovers_are_stale_volumes_off_the_chain() {
        let v = |name: &str, token: &str| LockVolume {
            name: name.into(),
            holder: holder(token, 30),
        };
        let chain = vec![base("m"), successor("m", "dead")];
        let volumes = [
            v(&base("m"), "dead"),
            v(&successor("m", "dead"), "me"),
            v(&beat("m", "dead", 4), "dead"),
            v(&successor("m", "gone-long-ago"), "old"),
            v(&beat("m", "alive", 1), "alive"),
            v(&successor("m", "me"), "waiter"),
            v(&beat("m", "me", 1), "me"),
        ];
        let stale = |h: &Holder| ["dead", "old", "waiter"].contains(&h.token.as_str());
        assert_eq!(
            leftovers(&volumes, "m", &chain, "me", stale),
            vec![beat("m", "dead", 4), successor("m", "gone-long-ago")]
        );
    }

    #[test]
    fn polls_back_off_to_a_bound() {
        let mut d = Duration::ZERO;
        let mut seen = Vec::new();
        for _ in 0..8 {
            d = next_poll(d);
            seen.push(d.as_millis());
        }
        assert_eq!(seen, [100, 200, 400, 800, 1600, 2000, 2000, 2000]);
    }
}
