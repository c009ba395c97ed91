//! Compose files (the Compose Specification) as maps: the text of a `compose.yaml` and its
//! environment → a [`ContainerMap`] named as Compose names things (docs/compose.md). Pure: the
//! caller hands in the environment and a way to read the files the project names (`.env`,
//! `env_file`); nothing here touches the file system itself.
//!
//! Order, as Compose v2 goes: the `.env` files are read (the process environment wins over
//! them), every string of the file is interpolated, the project name is decided, profiles pick
//! the services, then each service becomes a configuration of the map field by field
//! (`service.rs`), its ports (`ports.rs`) and mounts (`mounts.rs`) in the model's forms, and the
//! top-level networks and volumes become the map's.

mod build;
pub(crate) mod dotenv;
mod extends;
mod include;
pub(crate) mod interpolate;
mod mounts;
mod networks;
mod ports;
mod project;
mod service;
mod values;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use crate::model::naming::Naming;
use crate::model::{ContainerMap, Origin, Problem, Value};
use crate::yaml::YamlDocument;

/// What a Compose file is loaded with.
pub(crate) struct Source<'a> {
    /// The file as the user named it (origins name it so).
    pub label: &'a str,
    pub text: &'a str,
    /// The project directory: relative paths in the file are relative to it.
    pub dir: &'a Path,
    /// The process environment.
    pub env: &'a dyn Fn(&str) -> Option<String>,
    /// Reads a file the project names (`.env`, an `env_file`), or says why it can't.
    pub read: &'a dyn Fn(&Path) -> Result<String, String>,
    /// The project name given on the command line or by `load_compose`.
    pub project: Option<&'a str>,
    /// Profiles to enable besides `COMPOSE_PROFILES`.
    pub profiles: &'a [String],
    /// `--env-file`s; none: `.env` in the project directory, when there is one.
    pub env_files: &'a [PathBuf],
}

/// A Compose file loaded: the map, the images its services build, and what Compose would warn
/// about.
#[derive(Debug)]
pub(crate) struct Loaded {
    pub map: ContainerMap,
    pub builds: Vec<build::Build>,
    pub warnings: Vec<String>,
}

pub(crate) use build::{Build, Dockerfile};

/// Whether a YAML document is a Compose file: its top level has a `services` mapping.
pub(crate) fn is_compose(root: &Value) -> bool {
    matches!(root, Value::Map(m) if matches!(m.get("services"), Some(Value::Map(_))))
}

/// The top-level keys of a Compose file; `x-` extensions and `version` are passed over.
const TOP_LEVEL: [&str; 9] = [
    "version", "name", "services", "networks", "volumes", "secrets", "configs", "include", "models",
];

/// Loads a Compose file as a map. Every problem of the file is reported at once.
pub(crate) fn load(src: &Source<'_>) -> Result<Loaded, Vec<Problem>> {
    load_within(src, &mut Vec::new())
}

/// Loads a file, `chain` the files that include it (an include may not go round).
fn load_within(src: &Source<'_>, chain: &mut Vec<PathBuf>) -> Result<Loaded, Vec<Problem>> {
    let mut warnings = Vec::new();
    let dotenv = read_env_files(src, &mut warnings)?;
    let lookup =
        |name: &str| -> Option<String> { (src.env)(name).or_else(|| dotenv.get(name).map(str::to_string)) };
    let doc = crate::yaml::parse(src.label, src.text, &|_| None).map_err(|e| vec![Problem::from(e)])?;
    let mut root = doc.root().clone();
    let mut problems = Vec::new();
    let mut unset = Vec::new();
    interpolate_tree(
        &mut root,
        &mut Vec::new(),
        &doc,
        &lookup,
        &mut unset,
        &mut problems,
    );
    warnings.extend(unset.iter().map(|n| unset_warning(n)));
    if !problems.is_empty() {
        return Err(problems);
    }
    let Value::Map(top) = &root else {
        return Err(vec![Problem::new("the file holds no mapping", doc.origin(&[]))]);
    };
    for key in top.keys() {
        if !key.starts_with("x-") && !TOP_LEVEL.contains(&key.as_str()) {
            problems.push(Problem::new(
                format!("unknown top-level key `{key}` in a Compose file"),
                doc.origin(&[key]),
            ));
        }
    }
    for key in ["models"] {
        if top.contains_key(key) {
            problems.push(Problem::new(
                format!("`{key}`: dmap can't carry out this part of a Compose file"),
                doc.origin(&[key]),
            ));
        }
    }
    let name = project::name(src, top.get("name"), &lookup)
        .map_err(|e| vec![Problem::new(e, doc.origin(&["name"]))])?;
    let mut map = ContainerMap::new(&name, doc.origin(&[])).map_err(|p| vec![p])?;
    map.naming = Naming::Compose;
    let active = project::profiles(src, &lookup);
    let ctx = service::Context {
        project: &name,
        doc: &doc,
        dir: src.dir,
        lookup: &lookup,
        read: src.read,
        top,
    };
    let empty = BTreeMap::new();
    let written = match top.get("services") {
        Some(Value::Map(s)) => s,
        _ => &empty,
    };
    let other_file = |file: &str, service: &str| other_service(src, &lookup, file, service);
    let resolved = extends::resolve(written, &other_file).map_err(|(name, why)| {
        vec![Problem::new(
            format!("service `{name}`: {why}"),
            doc.origin(&["services", &name, "extends"]),
        )]
    })?;
    let services = &resolved;
    let mut mounts = mounts::Volumes::default();
    let mut builds = Vec::new();
    for (sname, svc) in services {
        if !project::enabled(svc, &active) {
            continue;
        }
        match service::translate(&ctx, sname, svc, &mut mounts) {
            Ok((config, build)) => {
                map.containers.insert(sname.clone(), config);
                builds.extend(build);
            }
            Err(mut p) => problems.append(&mut p),
        }
    }
    // A service that names no network and no network mode is on the project's `default`.
    let needs_default = services.iter().any(|(s, svc)| {
        map.containers.contains_key(s)
            && matches!(svc, Value::Map(m) if !m.contains_key("networks") && !m.contains_key("network_mode"))
    });
    networks::networks(&ctx, &mut map, needs_default, &mut problems);
    service::shared_namespaces(&ctx, &mut map, &mut problems);
    mounts.place(&ctx, &mut map, &mut problems);
    if let Some(entries) = top.get("include") {
        let project = include::Project {
            src,
            name: &name,
            doc: &doc,
        };
        include::apply(
            &project,
            entries,
            chain,
            &mut map,
            &mut builds,
            &mut warnings,
            &mut problems,
        );
    }
    if problems.is_empty() {
        Ok(Loaded {
            map,
            builds,
            warnings,
        })
    } else {
        problems.sort_by_key(|p| p.origin.line);
        Err(problems)
    }
}

/// The `.env` files, read under the process environment.
fn read_env_files(src: &Source<'_>, warnings: &mut Vec<String>) -> Result<dotenv::Dotenv, Vec<Problem>> {
    let default_file = [src.dir.join(".env")];
    let (files, required) = if src.env_files.is_empty() {
        (&default_file[..], false)
    } else {
        (src.env_files, true)
    };
    let mut env = dotenv::Dotenv::default();
    for file in files {
        let label = file.to_string_lossy().into_owned();
        let text = match (src.read)(file) {
            Ok(text) => text,
            Err(_) if !required => continue,
            Err(why) => {
                return Err(vec![Problem::new(
                    format!("cannot read the env file: {why}"),
                    Origin::new(label),
                )])
            }
        };
        env.read(&text, src.env)
            .map_err(|e| vec![Problem::new(e.to_string(), Origin::new(label.as_str()))])?;
    }
    warnings.extend(env.unset().iter().map(|n| unset_warning(n)));
    Ok(env)
}

/// Service `service` of the Compose file `file` (relative to the project directory), read with
/// the same environment, its own `extends` merged in.
fn other_service(
    src: &Source<'_>,
    lookup: &dyn Fn(&str) -> Option<String>,
    file: &str,
    service: &str,
) -> Result<Value, String> {
    let path = src.dir.join(file);
    let text = (src.read)(&path).map_err(|why| format!("`extends`: cannot read `{file}`: {why}"))?;
    let doc = crate::yaml::parse(file, &text, &|_| None).map_err(|e| format!("`extends`: {e}"))?;
    let mut root = doc.root().clone();
    let (mut unset, mut problems) = (Vec::new(), Vec::new());
    interpolate_tree(
        &mut root,
        &mut Vec::new(),
        &doc,
        lookup,
        &mut unset,
        &mut problems,
    );
    if let Some(p) = problems.first() {
        return Err(format!("`extends`: {p}"));
    }
    let services = match &root {
        Value::Map(m) => match m.get("services") {
            Some(Value::Map(s)) => s.clone(),
            _ => BTreeMap::new(),
        },
        _ => BTreeMap::new(),
    };
    let nested = |f: &str, s: &str| other_service(src, lookup, f, s);
    let resolved = extends::resolve(&services, &nested).map_err(|(_, why)| why)?;
    let found = resolved
        .get(service)
        .cloned()
        .ok_or_else(|| format!("`extends`: no service `{service}` in `{file}`"))?;
    // Its relative paths are the other file's: made relative to this project's directory.
    let dir = Path::new(file).parent().unwrap_or(Path::new(""));
    Ok(extends::rebase_paths(found, dir))
}

/// Compose's warning about a variable a value refers to that is unset.
pub(crate) fn unset_warning(name: &str) -> String {
    format!("the `{name}` variable is not set: it defaults to a blank string")
}

/// Interpolates every string below `value` (keys stay as written), collecting unset names and
/// a problem per text that can't be interpolated, at its key path.
fn interpolate_tree(
    value: &mut Value,
    path: &mut Vec<String>,
    doc: &YamlDocument,
    lookup: &dyn Fn(&str) -> Option<String>,
    unset: &mut Vec<String>,
    problems: &mut Vec<Problem>,
) {
    match value {
        Value::Str(text) => match interpolate::interpolate(text, lookup) {
            Ok(done) => {
                *text = done.text;
                for n in done.unset {
                    if !unset.contains(&n) {
                        unset.push(n);
                    }
                }
            }
            Err(e) => {
                let keys: Vec<&str> = path.iter().map(String::as_str).collect();
                problems.push(Problem::new(e.to_string(), doc.origin(&keys)));
            }
        },
        Value::List(items) => {
            for (i, item) in items.iter_mut().enumerate() {
                path.push(i.to_string());
                interpolate_tree(item, path, doc, lookup, unset, problems);
                path.pop();
            }
        }
        Value::Map(map) => {
            for (k, v) in map.iter_mut() {
                path.push(k.clone());
                interpolate_tree(v, path, doc, lookup, unset, problems);
                path.pop();
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests;
