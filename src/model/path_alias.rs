//! Path aliases: the map's `host` property names paths on the Engine's machine, optionally one
//! per instance; a container's `binds` names an alias, mounted at the path of the map's
//! `volumes` entry of that name.

use crate::model::input::{invalid, InputError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::input::InputResult;
use super::name;
use super::origin::Origin;
use super::value::Value;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub(crate) enum AliasedPath {
    Single(String),
    /// Instance name (or `default`) → path.
    PerInstance(BTreeMap<String, String>),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct PathAlias {
    pub path: AliasedPath,
    /// Where it was written: relative paths are resolved against that file's directory when no
    /// `host_root` applies.
    #[serde(skip)]
    pub origin: Origin,
}

impl PathAlias {
    pub(crate) fn parse(value: &Value, origin: Origin) -> InputResult<PathAlias> {
        let path = match value {
            Value::Str(s) if !s.is_empty() => AliasedPath::Single(s.clone()),
            Value::Map(m) if !m.is_empty() => {
                let mut per = BTreeMap::new();
                for (inst, p) in m {
                    name::check("instance", inst)?;
                    match p {
                        Value::Str(s) if !s.is_empty() => {
                            per.insert(inst.clone(), s.clone());
                        }
                        other => {
                            return Err(invalid!(
                                "host path for instance `{inst}`: expected a path, found {other}"
                            ))
                        }
                    }
                }
                AliasedPath::PerInstance(per)
            }
            other => {
                return Err(InputError::expected(
                    "a host path or a mapping of instance paths",
                    other,
                ))
            }
        };
        Ok(PathAlias { path, origin })
    }

    /// The path for an instance (`default` when there is none or it is not listed).
    pub(crate) fn path_for(&self, instance: Option<&str>) -> Option<&str> {
        match &self.path {
            AliasedPath::Single(p) => Some(p),
            AliasedPath::PerInstance(m) => instance
                .and_then(|i| m.get(i))
                .or_else(|| m.get("default"))
                .map(String::as_str),
        }
    }

    pub(crate) fn to_value(&self) -> Value {
        match &self.path {
            AliasedPath::Single(p) => Value::str(p),
            AliasedPath::PerInstance(m) => {
                Value::Map(m.iter().map(|(k, v)| (k.clone(), Value::str(v))).collect())
            }
        }
    }
}

/// docker-map's `get_host_path`: absolute paths as they are, relative ones below the root (or,
/// with no root, below the directory of the file that wrote them).
pub(crate) fn resolve(root: Option<&Path>, base_dir: &Path, path: &str) -> PathBuf {
    let p = Path::new(path);
    if p.is_absolute() {
        p.to_path_buf()
    } else {
        match root {
            Some(r) => r.join(p),
            None => base_dir.join(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aliases_resolve_to_paths_per_instance() {
        assert_eq!(
            resolve(Some(Path::new("/root")), Path::new("."), "rel"),
            PathBuf::from("/root/rel")
        );
        assert_eq!(
            resolve(Some(Path::new("/root")), Path::new("."), "/abs"),
            PathBuf::from("/abs")
        );
        assert_eq!(
            resolve(None, Path::new("/srv/recipes"), "rel"),
            PathBuf::from("/srv/recipes/rel")
        );
        let per = PathAlias::parse(
            &Value::map([("i1", Value::str("a")), ("default", Value::str("d"))]),
            Origin::default(),
        )
        .unwrap();
        assert_eq!(per.path_for(Some("i1")), Some("a"));
        assert_eq!(per.path_for(Some("i2")), Some("d"));
        assert_eq!(per.path_for(None), Some("d"));
        let only = PathAlias::parse(&Value::map([("i1", Value::str("a"))]), Origin::default()).unwrap();
        assert_eq!(only.path_for(Some("i2")), None);
        assert!(PathAlias::parse(&Value::Int(3), Origin::default()).is_err());
    }
}
