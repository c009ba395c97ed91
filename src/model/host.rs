//! Map-level `host`: host path aliases for binds, optionally per instance (docs/recipe-api.md,
//! "Volumes, networks, host paths, groups").

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Serialize;

use super::input::InputResult;
use super::name;
use super::origin::Origin;
use super::value::Value;

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(untagged)]
pub enum HostPath {
    Single(String),
    /// Instance name (or `default`) → path.
    PerInstance(BTreeMap<String, String>),
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct HostAlias {
    pub path: HostPath,
    /// Where it was written: relative paths are resolved against that file's directory when no
    /// `host_root` applies.
    #[serde(skip)]
    pub origin: Origin,
}

impl HostAlias {
    pub fn parse(value: &Value, origin: Origin) -> InputResult<HostAlias> {
        let path = match value {
            Value::Str(s) if !s.is_empty() => HostPath::Single(s.clone()),
            Value::Map(m) if !m.is_empty() => {
                let mut per = BTreeMap::new();
                for (inst, p) in m {
                    name::check("instance", inst)?;
                    match p {
                        Value::Str(s) if !s.is_empty() => {
                            per.insert(inst.clone(), s.clone());
                        }
                        other => {
                            return Err(format!(
                                "host path for instance `{inst}`: expected a path, found {other}"
                            ))
                        }
                    }
                }
                HostPath::PerInstance(per)
            }
            other => {
                return Err(format!(
                    "expected a host path or a mapping of instance paths, found {other}"
                ))
            }
        };
        Ok(HostAlias { path, origin })
    }

    /// The path for an instance (`default` when there is none or it is not listed).
    pub fn path_for(&self, instance: Option<&str>) -> Option<&str> {
        match &self.path {
            HostPath::Single(p) => Some(p),
            HostPath::PerInstance(m) => instance
                .and_then(|i| m.get(i))
                .or_else(|| m.get("default"))
                .map(String::as_str),
        }
    }

    pub fn to_value(&self) -> Value {
        match &self.path {
            HostPath::Single(p) => Value::str(p),
            HostPath::PerInstance(m) => {
                Value::Map(m.iter().map(|(k, v)| (k.clone(), Value::str(v))).collect())
            }
        }
    }
}

/// docker-map's `get_host_path`: absolute paths as they are, relative ones below the root (or,
/// with no root, below the directory of the file that wrote them).
pub fn resolve(root: Option<&Path>, base_dir: &Path, path: &str) -> PathBuf {
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
    fn host_paths() {
        // Relative host paths are below `host_root` when it is set, else below the file's directory.
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
        let per = HostAlias::parse(
            &Value::map([("i1", Value::str("a")), ("default", Value::str("d"))]),
            Origin::default(),
        )
        .unwrap();
        assert_eq!(per.path_for(Some("i1")), Some("a"));
        assert_eq!(per.path_for(Some("i2")), Some("d"));
        assert_eq!(per.path_for(None), Some("d"));
        let only = HostAlias::parse(&Value::map([("i1", Value::str("a"))]), Origin::default()).unwrap();
        assert_eq!(only.path_for(Some("i2")), None);
        assert!(HostAlias::parse(&Value::Int(3), Origin::default()).is_err());
    }
}
