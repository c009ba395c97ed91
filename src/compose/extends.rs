//! `extends`: a service built on another one, of the same file or of another file, merged as
//! Compose merges them: mappings key by key, the extending service's scalars and `command`,
//! `entrypoint` and healthcheck `test` winning, other lists joined without repeats. A base
//! extends in turn; a cycle is a problem.

use std::collections::BTreeMap;
use std::path::Path;

use crate::model::Value;

/// Lists one service replaces rather than adds to.
const REPLACED: [&str; 3] = ["command", "entrypoint", "test"];

/// The services of `services` with their `extends` merged in; `other_file` reads and
/// interpolates a service of another file (path relative to the project).
pub(super) fn resolve(
    services: &BTreeMap<String, Value>,
    other_file: &dyn Fn(&str, &str) -> Result<Value, String>,
) -> Result<BTreeMap<String, Value>, (String, String)> {
    let mut out = BTreeMap::new();
    for name in services.keys() {
        let merged = service(services, name, other_file, &mut Vec::new()).map_err(|e| (name.clone(), e))?;
        out.insert(name.clone(), merged);
    }
    Ok(out)
}

fn service(
    services: &BTreeMap<String, Value>,
    name: &str,
    other_file: &dyn Fn(&str, &str) -> Result<Value, String>,
    chain: &mut Vec<String>,
) -> Result<Value, String> {
    if chain.iter().any(|c| c == name) {
        chain.push(name.to_string());
        return Err(format!("`extends` goes round: {}", chain.join(" → ")));
    }
    let Some(Value::Map(own)) = services.get(name) else {
        return Ok(services.get(name).cloned().unwrap_or(Value::Null));
    };
    let Some(ext) = own.get("extends") else {
        return Ok(Value::Map(own.clone()));
    };
    let (base_name, file) = match ext {
        Value::Str(s) => (s.clone(), None),
        Value::Map(m) => (
            m.get("service")
                .and_then(Value::as_str)
                .ok_or("`extends` needs a `service`")?
                .to_string(),
            m.get("file").and_then(Value::as_str).map(str::to_string),
        ),
        other => {
            return Err(format!(
                "`extends`: expected a service or a mapping, found {other}"
            ))
        }
    };
    chain.push(name.to_string());
    let base = match file {
        None => service(services, &base_name, other_file, chain)?,
        Some(f) => other_file(&f, &base_name)?,
    };
    chain.pop();
    if base.is_null() {
        return Err(format!("`extends`: no service `{base_name}`"));
    }
    let mut own = own.clone();
    own.remove("extends");
    Ok(merge(base, Value::Map(own), ""))
}

/// A service of a file in directory `dir` (relative to the project's), its relative paths made
/// relative to the project's directory: `build` (or its `context`), `env_file`, and the host
/// paths of `volumes`.
pub(super) fn rebase_paths(service: Value, dir: &Path) -> Value {
    if dir.as_os_str().is_empty() {
        return service;
    }
    // A path relative to the file (a volume's source only when written as one: `./x`).
    let rebase = |p: &str| -> String {
        if p.starts_with('/') || p.starts_with('~') {
            p.to_string()
        } else if dir.is_absolute() {
            dir.join(p).to_string_lossy().into_owned()
        } else {
            // still read as a path (`./…`) where a name would be a volume's
            Path::new(".").join(dir).join(p).to_string_lossy().into_owned()
        }
    };
    let Value::Map(mut m) = service else {
        return service;
    };
    match m.get_mut("build") {
        Some(Value::Str(ctx)) => *ctx = rebase(ctx),
        Some(Value::Map(b)) => {
            let ctx = b
                .get("context")
                .and_then(Value::as_str)
                .unwrap_or(".")
                .to_string();
            b.insert("context".into(), Value::str(rebase(&ctx)));
        }
        _ => {}
    }
    match m.get_mut("env_file") {
        Some(Value::Str(f)) => *f = rebase(f),
        Some(Value::List(files)) => {
            for f in files {
                match f {
                    Value::Str(p) => *p = rebase(p),
                    Value::Map(e) => {
                        if let Some(Value::Str(p)) = e.get_mut("path") {
                            *p = rebase(p);
                        }
                    }
                    _ => {}
                }
            }
        }
        _ => {}
    }
    if let Some(Value::List(volumes)) = m.get_mut("volumes") {
        for v in volumes {
            match v {
                Value::Str(spec) if spec.starts_with('.') => {
                    if let Some((source, rest)) = spec.split_once(':') {
                        *spec = format!("{}:{rest}", rebase(source));
                    }
                }
                Value::Map(long) if long.get("type").and_then(Value::as_str) == Some("bind") => {
                    if let Some(Value::Str(source)) = long.get_mut("source") {
                        *source = rebase(source);
                    }
                }
                _ => {}
            }
        }
    }
    Value::Map(m)
}

/// `over` merged onto `base`.
fn merge(base: Value, over: Value, key: &str) -> Value {
    match (base, over) {
        (Value::Map(mut b), Value::Map(o)) => {
            for (k, v) in o {
                let merged = match b.remove(&k) {
                    Some(bv) => merge(bv, v, &k),
                    None => v,
                };
                b.insert(k, merged);
            }
            Value::Map(b)
        }
        (Value::List(mut b), Value::List(o)) if !REPLACED.contains(&key) => {
            for item in o {
                if !b.contains(&item) {
                    b.push(item);
                }
            }
            Value::List(b)
        }
        // `environment`, `labels` and the like written as a list on one side and a mapping on
        // the other: both as mappings.
        (Value::List(b), Value::Map(o)) => merge(Value::Map(as_map(&b)), Value::Map(o), key),
        (Value::Map(b), Value::List(o)) => merge(Value::Map(b), Value::Map(as_map(&o)), key),
        (_, over) => over,
    }
}

fn as_map(items: &[Value]) -> BTreeMap<String, Value> {
    items
        .iter()
        .filter_map(Value::scalar_text)
        .map(|t| match t.split_once('=') {
            Some((k, v)) => (k.to_string(), Value::str(v)),
            None => (t, Value::Null),
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::merge;
    use crate::model::Value;

    fn yaml(text: &str) -> Value {
        crate::yaml::parse("t.yaml", text, &|_| None)
            .expect("yaml")
            .root()
            .clone()
    }

    #[test]
    fn merges_as_compose_does() {
        let base = yaml("image: a\ncommand: [x, y]\nports: ['80']\nenvironment: [A=1, B=2]\nhealthcheck: {test: [CMD, t], interval: 1s}\n");
        let over = yaml("command: [z]\nports: ['81']\nenvironment: {B: 3}\nhealthcheck: {test: [CMD, u]}\n");
        let want = yaml("image: a\ncommand: [z]\nports: ['80', '81']\nenvironment: {A: '1', B: 3}\nhealthcheck: {test: [CMD, u], interval: 1s}\n");
        assert_eq!(merge(base, over, ""), want);
    }
}
