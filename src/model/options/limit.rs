//! The Engine's limits on option values: what it would refuse at creation, refused when the map
//! is checked instead, at the line that sets it.

use crate::model::input::invalid;
use std::path::{Component, Path};

use super::engine::Json;
use super::size::bytes_text;
use super::Reading;
use crate::model::input::InputResult;
use crate::model::name::hostname_too_long;

/// A limit on a keyword's Engine value.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Limit {
    None,
    /// At least this.
    AtLeast(i64),
    /// Within these bounds (inclusive).
    Within(i64, i64),
    /// 0 (unset), or within these bounds.
    ZeroOrWithin(i64, i64),
    /// 0 or below (unset or unlimited), or at least this.
    UnsetOrAtLeast(i64),
    /// Mount destinations other than `/`.
    MountTargets,
    /// A retry count, not negative, and only for `on-failure`.
    RestartRetries,
    /// A hostname the kernel can set: labels of at most 63 characters.
    Hostname,
}

impl Limit {
    /// Checks an Engine value; the message reads the value as the map would write it.
    pub(crate) fn check(self, json: &Json, reading: Reading) -> InputResult<()> {
        let read = |n: i64| match reading {
            Reading::Bytes => bytes_text(n),
            Reading::NanoCpus | Reading::Plain => n.to_string(),
        };
        let number = || json.as_i64();
        match self {
            Limit::None => Ok(()),
            Limit::AtLeast(min) => match number() {
                Some(n) if n < min => Err(invalid!("{} is below {}", read(n), read(min))),
                _ => Ok(()),
            },
            Limit::Within(min, max) => match number() {
                Some(n) if n < min || n > max => {
                    Err(invalid!("{} is not within {}..{}", read(n), read(min), read(max)))
                }
                _ => Ok(()),
            },
            Limit::ZeroOrWithin(min, max) => match number() {
                Some(n) if n != 0 && (n < min || n > max) => Err(invalid!(
                    "{} is not within {}..{} (or 0 for the default)",
                    read(n),
                    read(min),
                    read(max)
                )),
                _ => Ok(()),
            },
            Limit::UnsetOrAtLeast(min) => match number() {
                Some(n) if n > 0 && n < min => Err(invalid!(
                    "{} is below the Engine's minimum of {}",
                    read(n),
                    read(min)
                )),
                _ => Ok(()),
            },
            Limit::MountTargets => mount_targets(json),
            Limit::RestartRetries => restart_retries(json),
            Limit::Hostname => match json.as_str().and_then(hostname_too_long) {
                Some(why) => Err(why.into()),
                None => Ok(()),
            },
        }
    }
}

/// Whether a mount destination is the container's root, however it is spelled (`/`, `//`,
/// `/./`, `/a/..`): the Engine refuses to mount over it.
pub(crate) fn is_root_destination(path: &str) -> bool {
    let mut depth = 0usize;
    let mut absolute = false;
    for part in Path::new(path).components() {
        match part {
            Component::RootDir => absolute = true,
            Component::Normal(_) => depth += 1,
            Component::ParentDir => depth = depth.saturating_sub(1),
            Component::CurDir | Component::Prefix(_) => {}
        }
    }
    absolute && depth == 0
}

/// The destinations of binds (`"src:dst[:mode]"`), mounts (`{Target}`), tmpfs and volumes
/// (mapping keys, or a list of paths).
fn mount_targets(json: &Json) -> InputResult<()> {
    let targets: Vec<&str> = match json {
        Json::Array(items) => items
            .iter()
            .filter_map(|item| match item {
                Json::String(s) => Some(match s.split(':').collect::<Vec<_>>()[..] {
                    [_, dst, ..] => dst,
                    _ => s.as_str(),
                }),
                Json::Object(m) => m.get("Target").and_then(Json::as_str),
                _ => None,
            })
            .collect(),
        Json::Object(m) => m.keys().map(String::as_str).collect(),
        _ => Vec::new(),
    };
    targets.into_iter().try_for_each(not_the_root)
}

/// A mount destination other than the container's root (container fields and the map's
/// `volumes` paths, as well as the keywords above).
pub(crate) fn not_the_root(path: &str) -> InputResult<()> {
    if is_root_destination(path) {
        Err(invalid!(
            "mount destination `{path}` is the container's root, which the Engine can't mount over"
        ))
    } else {
        Ok(())
    }
}

fn restart_retries(json: &Json) -> InputResult<()> {
    let name = json.get("Name").and_then(Json::as_str).unwrap_or_default();
    match json.get("MaximumRetryCount").and_then(Json::as_i64) {
        Some(n) if n < 0 => Err(invalid!(
            "restart policy `{name}`: the retry count can't be negative ({n})"
        )),
        Some(n) if n > 0 && name != "on-failure" => Err(invalid!(
            "restart policy `{name}` takes no retry count ({n}): only `on-failure` does"
        )),
        _ => Ok(()),
    }
}
