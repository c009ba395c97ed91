//! What a Compose service mounts — `volumes` (short and long syntax), `secrets` and `configs`
//! from files — in the model's forms: host paths become `binds`, anonymous volumes `shares`,
//! tmpfs mounts `host_config.tmpfs`, and named volumes, once every service is read, an
//! `attaches` of the first service that writes to them and `uses` of the others (each at its own
//! path): the volume is the project's, `PROJECT_VOLUME`, whichever service owns it in the model.

use std::collections::BTreeMap;
use std::path::{Component, Path, PathBuf};

use super::service::Context;
use crate::model::volume::VolumeConfig;
use crate::model::volume_ref::{AttachedVolume, Bind, UsedVolume};
use crate::model::{ContainerConfig, ContainerMap, Problem, Value};

/// A service mounting a named volume: (service, container path, read-only).
type User = (String, String, bool);

/// The named volumes the services mount, by volume.
#[derive(Debug, Default)]
pub(super) struct Volumes {
    users: BTreeMap<String, Vec<User>>,
}

impl Volumes {
    /// One service's `volumes`.
    pub(super) fn service(
        &mut self,
        ctx: &Context<'_>,
        sname: &str,
        value: &Value,
        config: &mut ContainerConfig,
        host: &mut BTreeMap<String, Value>,
    ) -> Result<(), String> {
        let Value::List(items) = value else {
            return Err(format!("expected a list, found {}", value.type_name()));
        };
        for item in items {
            let m = mount(item)?;
            match m.kind {
                Kind::Volume if m.source.is_empty() => config.shares.push(m.target),
                Kind::Volume => {
                    self.users
                        .entry(m.source)
                        .or_default()
                        .push((sname.to_string(), m.target, m.readonly))
                }
                Kind::Bind => config.binds.push(Bind::Path {
                    path: m.target,
                    host_path: host_path(ctx, &m.source),
                    readonly: m.readonly,
                }),
                // as Compose mounts it: a tmpfs mount, not the service's `tmpfs` list
                Kind::Tmpfs => {
                    let mut entries = match host.remove("mounts") {
                        Some(Value::List(l)) => l,
                        _ => Vec::new(),
                    };
                    let mut mount = vec![("type", Value::str("tmpfs")), ("target", Value::str(&m.target))];
                    mount.extend(m.tmpfs);
                    entries.push(Value::map(mount));
                    host.insert("mounts".into(), Value::List(entries));
                }
            }
        }
        Ok(())
    }

    /// A service's `secrets` (at `/run/secrets/NAME`) or `configs` (at `/NAME`): the top-level
    /// entry's `file`, bound read-only.
    pub(super) fn files(
        &mut self,
        ctx: &Context<'_>,
        _sname: &str,
        kind: &str,
        value: &Value,
        config: &mut ContainerConfig,
    ) -> Result<(), String> {
        for Reference {
            source,
            target,
            declared,
        } in references(ctx, kind, value)?
        {
            let Some(file) = declared.get("file").and_then(Value::as_str) else {
                return Err(format!(
                    "`{source}`: dmap mounts {kind} from a `file` only (not `environment`, `content` or `external`)"
                ));
            };
            let target = match (kind, target) {
                ("secrets", None) => format!("/run/secrets/{source}"),
                ("secrets", Some(t)) if !t.starts_with('/') => format!("/run/secrets/{t}"),
                (_, None) => format!("/{source}"),
                (_, Some(t)) => t,
            };
            config.binds.push(Bind::Path {
                path: target,
                host_path: host_path(ctx, file),
                readonly: true,
            });
        }
        Ok(())
    }

    /// Each named volume: declared at the top level, owned (`attaches`) by the first service
    /// that writes to it, used by the others.
    pub(super) fn place(&self, ctx: &Context<'_>, map: &mut ContainerMap, problems: &mut Vec<Problem>) {
        let declared = match ctx.top.get("volumes") {
            Some(Value::Map(v)) => v.clone(),
            _ => BTreeMap::new(),
        };
        for (name, value) in &declared {
            let origin = ctx.doc.origin(&["volumes", name]);
            match volume(value)
                .and_then(|v| VolumeConfig::parse(&v, origin.clone()).map_err(|e| e.to_string()))
            {
                Ok(v) => {
                    map.volumes.insert(name.clone(), v);
                }
                Err(why) => problems.push(Problem::new(format!("volume `{name}`: {why}"), origin)),
            }
        }
        for (name, users) in &self.users {
            if !declared.contains_key(name) {
                for (sname, _, _) in users {
                    problems.push(Problem::new(
                        format!("service `{sname}` mounts volume `{name}`, which is not in the top-level `volumes`"),
                        ctx.doc.origin(&["services", sname, "volumes"]),
                    ));
                }
                continue;
            }
            let owner = users.iter().position(|(_, _, ro)| !ro).unwrap_or(0);
            for (i, (sname, target, readonly)) in users.iter().enumerate() {
                let Some(config) = map.containers.get_mut(sname) else {
                    continue;
                };
                if i == owner {
                    config.attaches.push(AttachedVolume {
                        name: name.clone(),
                        path: Some(target.clone()),
                    });
                } else {
                    config.uses.push(UsedVolume {
                        name: name.clone(),
                        path: Some(target.clone()),
                        readonly: *readonly,
                    });
                }
            }
        }
    }
}

#[derive(Debug, PartialEq)]
enum Kind {
    Volume,
    Bind,
    Tmpfs,
}

#[derive(Debug)]
struct Mount {
    kind: Kind,
    /// A volume name (empty: anonymous) or a host path as written.
    source: String,
    target: String,
    readonly: bool,
    /// A tmpfs mount's `tmpfssize` and `tmpfsmode`.
    tmpfs: Vec<(&'static str, Value)>,
}

/// One entry of a service's `volumes`, its container path cleaned as Compose cleans it
/// (`/var/www/html/` is `/var/www/html`).
fn mount(item: &Value) -> Result<Mount, String> {
    let mut m = written_mount(item)?;
    if m.target.len() > 1 {
        let trimmed = m.target.trim_end_matches('/');
        m.target = if trimmed.is_empty() {
            "/".to_string()
        } else {
            trimmed.to_string()
        };
    }
    Ok(m)
}

fn written_mount(item: &Value) -> Result<Mount, String> {
    match item {
        Value::Str(text) => {
            let parts: Vec<&str> = text.split(':').collect();
            let (source, target, mode) = match parts.as_slice() {
                [t] => ("", *t, ""),
                [s, t] => (*s, *t, ""),
                [s, t, m] => (*s, *t, *m),
                _ => {
                    return Err(format!(
                        "invalid volume `{text}`: expected `[SOURCE:]TARGET[:MODE]`"
                    ))
                }
            };
            let readonly = mode.split(',').any(|m| m == "ro");
            if let Some(bad) = mode
                .split(',')
                .find(|m| !matches!(*m, "" | "ro" | "rw" | "z" | "Z" | "nocopy"))
            {
                return Err(format!("invalid volume `{text}`: unknown mode `{bad}`"));
            }
            let kind = if source.starts_with(['.', '/', '~']) {
                Kind::Bind
            } else {
                Kind::Volume
            };
            Ok(Mount {
                kind,
                source: source.to_string(),
                target: target.to_string(),
                readonly,
                tmpfs: Vec::new(),
            })
        }
        Value::Map(m) => {
            let text = |k: &str| m.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
            let kind = match text("type").as_str() {
                "volume" | "" => Kind::Volume,
                "bind" => Kind::Bind,
                "tmpfs" => Kind::Tmpfs,
                other => return Err(format!("volume {item}: dmap can't mount a `{other}`")),
            };
            let target = text("target");
            if target.is_empty() {
                return Err(format!("volume {item}: `target` is missing"));
            }
            let mut tmpfs = Vec::new();
            if let Some(Value::Map(t)) = m.get("tmpfs") {
                if let Some(size) = t.get("size") {
                    tmpfs.push(("tmpfssize", size.clone()));
                }
                if let Some(mode) = t.get("mode") {
                    tmpfs.push(("tmpfsmode", mode.clone()));
                }
            }
            if let Some(Value::Map(v)) = m.get("volume") {
                if v.get("nocopy") == Some(&Value::Bool(true)) {
                    return Err(format!("volume {item}: dmap can't carry out `volume.nocopy`"));
                }
            }
            Ok(Mount {
                kind,
                source: text("source"),
                target,
                readonly: matches!(m.get("read_only"), Some(Value::Bool(true))),
                tmpfs,
            })
        }
        other => Err(format!("expected a volume, found {}", other.type_name())),
    }
}

/// A host path of the project: `~` is the home directory, a relative path is relative to the
/// project directory; `.` and `..` are resolved.
pub(super) fn host_path(ctx: &Context<'_>, written: &str) -> String {
    let path = match written.strip_prefix('~') {
        Some(rest) => {
            PathBuf::from((ctx.lookup)("HOME").unwrap_or_default()).join(rest.trim_start_matches('/'))
        }
        None => ctx.dir.join(written),
    };
    let mut clean = PathBuf::new();
    for part in path.components() {
        match part {
            Component::CurDir => {}
            Component::ParentDir => {
                clean.pop();
            }
            other => clean.push(other.as_os_str()),
        }
    }
    clean_str(&clean)
}

fn clean_str(p: &Path) -> String {
    p.to_string_lossy().into_owned()
}

/// A top-level volume in the model's form.
fn volume(value: &Value) -> Result<Value, String> {
    super::values::top_level(value, "volume", &["driver", "name"], &[])
}

/// A use of a top-level `secrets` or `configs` entry: its name, the `target` given, and the entry.
pub(super) struct Reference<'v> {
    pub source: String,
    pub target: Option<String>,
    pub declared: &'v BTreeMap<String, Value>,
}

/// The entries of top-level `kind` that `value` names: a list of names or of `{source, target}`
/// (a service's `secrets`/`configs`, a build's `secrets`); a name not declared is an error.
pub(super) fn references<'v>(
    ctx: &Context<'v>,
    kind: &str,
    value: &Value,
) -> Result<Vec<Reference<'v>>, String> {
    let Value::List(items) = value else {
        return Err(format!("expected a list, found {}", value.type_name()));
    };
    let mut out = Vec::new();
    for item in items {
        let (source, target) = match item {
            Value::Str(s) => (s.clone(), None),
            Value::Map(m) => (
                m.get("source")
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_string(),
                m.get("target").and_then(Value::as_str).map(str::to_string),
            ),
            other => return Err(format!("expected a name, found {}", other.type_name())),
        };
        let declared = match ctx.top.get(kind) {
            Some(Value::Map(all)) => all.get(&source),
            _ => None,
        };
        let Some(Value::Map(declared)) = declared else {
            return Err(format!("`{source}` is not in the top-level `{kind}`"));
        };
        out.push(Reference {
            source,
            target,
            declared,
        });
    }
    Ok(out)
}
