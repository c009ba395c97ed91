//! Action targets (the spec's grammar): `CONFIG`, `CONFIG.INSTANCE`, `GROUP`, `__all__`, each
//! optionally prefixed by `MAP/`; `__all__/X` means `X` in every map that has it.

use std::fmt;

use super::check::Checked;
use super::container_map::ContainerMap;
use super::name;

pub(crate) const ALL: &str = "__all__";

/// Which maps a target is meant for: what its `MAP/` prefix says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Prefix<'a> {
    /// No prefix: the first map, the default one.
    Default,
    /// `MAP/`: that map.
    Map(&'a str),
    /// `__all__/`: every map that has the rest.
    Every,
}

/// A target split at its map prefix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Target<'a> {
    pub prefix: Prefix<'a>,
    /// `CONFIG`, `CONFIG.INSTANCE`, `GROUP` or `__all__`.
    pub rest: &'a str,
}

impl<'a> Target<'a> {
    /// Splits `text` at its first `/`; text without one has no prefix.
    pub(crate) fn parse(text: &'a str) -> Self {
        match text.split_once('/') {
            None => Target {
                prefix: Prefix::Default,
                rest: text,
            },
            Some((ALL, rest)) => Target {
                prefix: Prefix::Every,
                rest,
            },
            Some((map, rest)) => Target {
                prefix: Prefix::Map(map),
                rest,
            },
        }
    }
}

/// `MAP/__all__`: everything in map `map`.
pub(crate) fn everything_in(map: &str) -> String {
    format!("{map}/{ALL}")
}

/// Whether `rest` (a target without its prefix) names something in `map` as written, before any
/// check: `__all__`, a container (an abstract one too), one of its instances, or a group.
pub(crate) fn names_in(map: &ContainerMap, rest: &str) -> bool {
    let (config, instance) = name::split_instance(rest);
    rest == ALL
        || map.groups.contains_key(rest)
        || map
            .containers
            .get(config)
            .is_some_and(|c| instance.is_none_or(|i| c.instances.iter().any(|x| x == i)))
}

/// The targets one writes for these maps, as completion offers them (sorted): `__all__`, each
/// configuration that has containers, its instances and the groups, in the first map (which a
/// target without a prefix means); when there are several maps, also each map's as `MAP/...`.
/// `configs_only`: the configurations alone (one is named where a target is not).
pub(crate) fn offered(maps: &[&ContainerMap], configs_only: bool) -> Vec<String> {
    let own = |map: &ContainerMap| {
        let mut out = Vec::new();
        if !configs_only {
            out.push(ALL.to_string());
        }
        for (name, config) in map.containers.iter().filter(|(_, c)| !c.is_abstract) {
            out.push(name.clone());
            if !configs_only {
                out.extend(config.instances.iter().map(|i| format!("{name}.{i}")));
            }
        }
        if !configs_only {
            out.extend(map.groups.keys().cloned());
        }
        out
    };
    let mut out = maps.first().map(|m| own(m)).unwrap_or_default();
    if maps.len() > 1 {
        for map in maps {
            out.extend(own(map).into_iter().map(|t| format!("{}/{t}", map.name)));
        }
    }
    out.sort();
    out.dedup();
    out
}

/// A target whose prefix names no map of the selection.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PrefixError {
    #[error("target `{target}`: no map has `{rest}`")]
    NoMapHas { target: String, rest: String },
    #[error("target `{target}`: no map `{map}` (maps: {})", quoted(.maps))]
    NoMap {
        target: String,
        map: String,
        maps: Vec<String>,
    },
}

fn quoted(names: &[String]) -> String {
    names
        .iter()
        .map(|n| format!("`{n}`"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Checks the prefixes of targets given to a selection of maps: a `MAP/` prefix names one of
/// them, and `__all__/X` finds `X` in one of them. What the rest names is checked on expansion.
pub(crate) fn check_prefixes(targets: &[String], maps: &[&ContainerMap]) -> Result<(), PrefixError> {
    for text in targets {
        let target = Target::parse(text);
        match target.prefix {
            Prefix::Default => {}
            Prefix::Every if maps.iter().any(|m| names_in(m, target.rest)) => {}
            Prefix::Every => {
                return Err(PrefixError::NoMapHas {
                    target: text.clone(),
                    rest: target.rest.to_string(),
                })
            }
            Prefix::Map(map) if maps.iter().any(|m| m.name == map) => {}
            Prefix::Map(map) => {
                return Err(PrefixError::NoMap {
                    target: text.clone(),
                    map: map.to_string(),
                    maps: maps.iter().map(|m| m.name.clone()).collect(),
                })
            }
        }
    }
    Ok(())
}

/// The targets meant for some of the selected maps, acted on together (`first`: they include
/// the first selected map, which targets without a prefix mean): those whose prefix names one of
/// them, or `__all__/X` when one of them has `X`. None given means everything: `MAP/__all__`
/// for each of them.
pub(crate) fn meant_for(given: &[String], maps: &[&ContainerMap], first: bool) -> Vec<String> {
    if given.is_empty() {
        return maps.iter().map(|m| everything_in(&m.name)).collect();
    }
    given
        .iter()
        .filter(|text| {
            let target = Target::parse(text);
            match target.prefix {
                Prefix::Default => first,
                Prefix::Map(map) => maps.iter().any(|m| m.name == map),
                Prefix::Every => maps.iter().any(|m| names_in(m, target.rest)),
            }
        })
        .cloned()
        .collect()
}

/// One container instance of one of the client's maps.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub(crate) struct TargetId {
    /// Index of the map in the client's list.
    pub map: usize,
    pub config: String,
    pub instance: Option<String>,
}

impl TargetId {
    /// The container's Engine name (`MAP.CONFIG[.INSTANCE]`).
    pub(crate) fn engine_name(&self, maps: &[Checked]) -> String {
        maps[self.map]
            .map
            .container_name(&self.config, self.instance.as_deref())
    }
}

impl fmt::Display for TargetId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.instance {
            Some(i) => write!(f, "{}.{i}", self.config),
            None => write!(f, "{}", self.config),
        }
    }
}

/// A target that names nothing to act on.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub(crate) enum TargetError {
    #[error("unknown target `{target}`: the client has no maps")]
    NoMaps { target: String },
    #[error("unknown map `{map}` in target `{target}` (the client has {})", quoted(.known))]
    UnknownMap {
        map: String,
        target: String,
        known: Vec<String>,
    },
    /// The target's one map doesn't have what it names; the reason follows on the same line.
    #[error("unknown target `{target}`: {error}")]
    NotInMap { target: String, error: Box<TargetError> },
    #[error("unknown target `{target}`: no map has `{rest}`")]
    NoMapHas { target: String, rest: String },
    #[error("`{group}` is a group; groups take no instance")]
    GroupInstance { group: String },
    #[error("group `{group}` refers to unknown container `{member}`")]
    GroupMember { group: String, member: String },
    #[error("container `{config}` has no instance `{instance}`")]
    NoInstance { config: String, instance: String },
    #[error("container `{config}` is abstract")]
    Abstract { config: String },
    #[error("no container or group `{name}` in map `{map}`{}", suggestion.as_ref().map(|s| format!(" (did you mean `{s}`?)")).unwrap_or_default())]
    Unknown {
        name: String,
        map: String,
        suggestion: Option<String>,
    },
}

/// Expands targets into instances, in the order given, each once. The first map is the default.
pub(crate) fn expand_targets(targets: &[String], maps: &[Checked]) -> Result<Vec<TargetId>, TargetError> {
    let mut out: Vec<TargetId> = Vec::new();
    for target in targets {
        for id in expand_one(target, maps)? {
            if !out.contains(&id) {
                out.push(id);
            }
        }
    }
    Ok(out)
}

fn expand_one(target: &str, maps: &[Checked]) -> Result<Vec<TargetId>, TargetError> {
    let Target { prefix, rest } = Target::parse(target);
    let indices: Vec<usize> = match prefix {
        Prefix::Default if maps.is_empty() => {
            return Err(TargetError::NoMaps {
                target: target.to_string(),
            })
        }
        Prefix::Default => vec![0],
        Prefix::Every => (0..maps.len()).collect(),
        Prefix::Map(m) => match maps.iter().position(|c| c.map.name == m) {
            Some(i) => vec![i],
            None => {
                return Err(TargetError::UnknownMap {
                    map: m.to_string(),
                    target: target.to_string(),
                    known: maps.iter().map(|c| c.map.name.clone()).collect(),
                });
            }
        },
    };
    let mut out = Vec::new();
    let mut found = false;
    for i in &indices {
        match expand_in(*i, rest, &maps[*i]) {
            Ok(ids) => {
                found = true;
                out.extend(ids);
            }
            Err(e) if indices.len() == 1 => {
                return Err(TargetError::NotInMap {
                    target: target.to_string(),
                    error: Box::new(e),
                })
            }
            Err(_) => {}
        }
    }
    if !found {
        return Err(TargetError::NoMapHas {
            target: target.to_string(),
            rest: rest.to_string(),
        });
    }
    Ok(out)
}

fn expand_in(map: usize, rest: &str, checked: &Checked) -> Result<Vec<TargetId>, TargetError> {
    let id = |config: &str, instance: Option<&str>| TargetId {
        map,
        config: config.to_string(),
        instance: instance.map(str::to_string),
    };
    let all_instances = |config: &str| -> Vec<TargetId> {
        checked.configs[config]
            .instance_names()
            .into_iter()
            .map(|i| id(config, i))
            .collect()
    };
    if rest == ALL {
        return Ok(checked.configs.keys().flat_map(|c| all_instances(c)).collect());
    }
    let (cfg, inst) = name::split_instance(rest);
    if let Some(members) = checked.map.groups.get(cfg) {
        if inst.is_some() {
            return Err(TargetError::GroupInstance {
                group: cfg.to_string(),
            });
        }
        let mut out = Vec::new();
        for m in members {
            let (mc, mi) = name::split_instance(m);
            if !checked.configs.contains_key(mc) {
                return Err(TargetError::GroupMember {
                    group: cfg.to_string(),
                    member: m.clone(),
                });
            }
            match mi {
                Some(i) => out.push(id(mc, Some(i))),
                None => out.extend(all_instances(mc)),
            }
        }
        return Ok(out);
    }
    match (checked.configs.get(cfg), inst) {
        (Some(_), None) => Ok(all_instances(cfg)),
        (Some(c), Some(i)) if c.instances.iter().any(|x| x == i) => Ok(vec![id(cfg, Some(i))]),
        (Some(_), Some(i)) => Err(TargetError::NoInstance {
            config: cfg.to_string(),
            instance: i.to_string(),
        }),
        (None, _) if checked.map.containers.contains_key(cfg) => Err(TargetError::Abstract {
            config: cfg.to_string(),
        }),
        (None, _) => {
            let candidates = checked
                .configs
                .keys()
                .chain(checked.map.groups.keys())
                .map(String::as_str);
            Err(TargetError::Unknown {
                name: cfg.to_string(),
                map: checked.map.name.clone(),
                suggestion: super::suggest::closest(cfg, candidates).map(str::to_string),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Origin, Value};

    /// Map `name` with `web` (instances `a`, `b`), `db`, an abstract `base` and a group `g`.
    fn map(name: &str) -> ContainerMap {
        let value = Value::map([
            (
                "web",
                Value::map([
                    ("image", Value::str("w")),
                    ("instances", Value::strs(&["a".into(), "b".into()])),
                ]),
            ),
            ("db", Value::map([("image", Value::str("d"))])),
            ("base", Value::map([("abstract", Value::Bool(true))])),
            (
                "groups",
                Value::map([("g", Value::strs(&["web.a".into(), "db".into()]))]),
            ),
        ]);
        ContainerMap::from_value(name, &value, &|_| Origin::default()).expect("map builds")
    }

    /// Map `name` with only `db`.
    fn db_only(name: &str) -> ContainerMap {
        let value = Value::map([("db", Value::map([("image", Value::str("d"))]))]);
        ContainerMap::from_value(name, &value, &|_| Origin::default()).expect("map builds")
    }

    #[test]
    fn a_target_splits_at_its_map_prefix() {
        let cases = [
            ("web", Prefix::Default, "web"),
            ("web.a", Prefix::Default, "web.a"),
            ("__all__", Prefix::Default, "__all__"),
            ("m/web.a", Prefix::Map("m"), "web.a"),
            ("m/__all__", Prefix::Map("m"), "__all__"),
            ("__all__/db", Prefix::Every, "db"),
            ("__all__/__all__", Prefix::Every, "__all__"),
            ("m/x/y", Prefix::Map("m"), "x/y"),
        ];
        for (text, prefix, rest) in cases {
            assert_eq!(Target::parse(text), Target { prefix, rest }, "{text}");
        }
        assert_eq!(everything_in("m"), "m/__all__");
    }

    #[test]
    fn what_a_target_names_in_a_map() {
        let m = map("m");
        let cases = [
            ("__all__", true),
            ("web", true),
            ("web.a", true),
            ("web.c", false),
            ("db", true),
            ("db.a", false),
            ("g", true),
            ("g.a", false),
            ("base", true),
            ("nope", false),
        ];
        for (rest, named) in cases {
            assert_eq!(names_in(&m, rest), named, "{rest}");
        }
    }

    #[test]
    fn prefixes_name_a_selected_map() {
        let (m, n) = (map("m"), db_only("n"));
        let maps = [&m, &n];
        let ok = [
            "web",
            "nope",
            "m/web",
            "n/nope",
            "__all__/db",
            "__all__/web.a",
            "__all__/__all__",
        ];
        for t in ok {
            assert_eq!(check_prefixes(&[t.to_string()], &maps), Ok(()), "{t}");
        }
        let bad = [
            ("__all__/zzz", "target `__all__/zzz`: no map has `zzz`"),
            ("x/web", "target `x/web`: no map `x` (maps: `m`, `n`)"),
        ];
        for (t, message) in bad {
            let given = vec!["web".to_string(), t.to_string()];
            let e = check_prefixes(&given, &maps).expect_err(t);
            assert_eq!(e.to_string(), message, "{t}");
        }
    }

    #[test]
    fn targets_go_to_the_maps_they_are_meant_for() {
        let (m, n, o) = (map("m"), db_only("n"), db_only("o"));
        let given: Vec<String> = ["web", "n/db", "__all__/web.b", "__all__/db", "o/db"]
            .iter()
            .map(|t| t.to_string())
            .collect();
        let cases: Vec<(Vec<&ContainerMap>, bool, Vec<&str>)> = vec![
            (vec![&m], true, vec!["web", "__all__/web.b", "__all__/db"]),
            (vec![&m], false, vec!["__all__/web.b", "__all__/db"]),
            (vec![&n, &o], false, vec!["n/db", "__all__/db", "o/db"]),
            (vec![&n], true, vec!["web", "n/db", "__all__/db"]),
        ];
        for (maps, first, want) in cases {
            let names: Vec<&str> = maps.iter().map(|m| m.name.as_str()).collect();
            assert_eq!(meant_for(&given, &maps, first), want, "{names:?} first: {first}");
        }
        assert_eq!(meant_for(&[], &[&m, &n], false), vec!["m/__all__", "n/__all__"]);
    }

    #[test]
    fn the_targets_offered_are_the_first_maps_and_each_maps_prefixed_when_there_are_several() {
        let (m, n) = (map("m"), db_only("n"));
        let one: &[&str] = &["__all__", "db", "g", "web", "web.a", "web.b"];
        assert_eq!(offered(&[&m], false), one);
        assert_eq!(offered(&[&m], true), ["db", "web"]);
        let two: &[&str] = &[
            "__all__",
            "db",
            "g",
            "m/__all__",
            "m/db",
            "m/g",
            "m/web",
            "m/web.a",
            "m/web.b",
            "n/__all__",
            "n/db",
            "web",
            "web.a",
            "web.b",
        ];
        assert_eq!(offered(&[&m, &n], false), two);
        assert_eq!(offered(&[&n, &m], true), ["db", "m/db", "m/web", "n/db"]);
        assert!(offered(&[], false).is_empty());
    }
}
