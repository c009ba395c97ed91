//! `include`: other Compose files whose services, networks and volumes join the project, each
//! read as a project of its own directory (its relative paths and `.env` are its own) under the
//! including project's name. A service defined twice, or a network or volume defined twice
//! differently, is a problem; so is an include that goes round.

use std::path::PathBuf;

use super::{load_within, Build, Source};
use crate::model::{ContainerMap, Problem, Value};
use crate::yaml::YamlDocument;

/// The including file.
pub(super) struct Project<'a> {
    pub src: &'a Source<'a>,
    pub name: &'a str,
    pub doc: &'a YamlDocument,
}

/// Reads each included file and merges what it defines into `map`.
pub(super) fn apply(
    p: &Project<'_>,
    entries: &Value,
    chain: &mut Vec<PathBuf>,
    map: &mut ContainerMap,
    builds: &mut Vec<Build>,
    warnings: &mut Vec<String>,
    problems: &mut Vec<Problem>,
) {
    let Value::List(items) = entries else {
        problems.push(Problem::new(
            format!("`include`: expected a list, found {}", entries.type_name()),
            p.doc.origin(&["include"]),
        ));
        return;
    };
    for (i, item) in items.iter().enumerate() {
        let at = match p.doc.origin(&["include", &i.to_string()]) {
            o if o.line.is_none() => p.doc.origin(&["include"]),
            o => o,
        };
        let (paths, directory, env_files) = match item {
            Value::Str(path) => (vec![path.clone()], None, Vec::new()),
            Value::Map(m) => {
                let paths = match m.get("path") {
                    Some(Value::Str(s)) => vec![s.clone()],
                    Some(Value::List(l)) => l.iter().filter_map(Value::as_str).map(str::to_string).collect(),
                    _ => Vec::new(),
                };
                let env_files = match m.get("env_file") {
                    Some(Value::Str(s)) => vec![p.src.dir.join(s)],
                    Some(Value::List(l)) => l
                        .iter()
                        .filter_map(Value::as_str)
                        .map(|s| p.src.dir.join(s))
                        .collect(),
                    _ => Vec::new(),
                };
                let directory = m
                    .get("project_directory")
                    .and_then(Value::as_str)
                    .map(|d| p.src.dir.join(d));
                (paths, directory, env_files)
            }
            other => {
                problems.push(Problem::new(
                    format!("`include`: expected a path, found {other}"),
                    at,
                ));
                continue;
            }
        };
        if paths.is_empty() {
            problems.push(Problem::new("`include`: an entry needs a `path`", at));
            continue;
        }
        for path in paths {
            let file = p.src.dir.join(&path);
            if chain.contains(&file) {
                problems.push(Problem::new(
                    format!("`include` goes round: `{path}` includes itself"),
                    at.clone(),
                ));
                continue;
            }
            let text = match (p.src.read)(&file) {
                Ok(t) => t,
                Err(why) => {
                    problems.push(Problem::new(
                        format!("`include`: cannot read `{path}`: {why}"),
                        at.clone(),
                    ));
                    continue;
                }
            };
            let dir = directory.clone().unwrap_or_else(|| {
                file.parent()
                    .map(PathBuf::from)
                    .unwrap_or_else(|| p.src.dir.to_path_buf())
            });
            let label = file.to_string_lossy().into_owned();
            let nested = Source {
                label: &label,
                text: &text,
                dir: &dir,
                env: p.src.env,
                read: p.src.read,
                project: Some(p.name),
                profiles: p.src.profiles,
                env_files: &env_files,
            };
            chain.push(file.clone());
            let loaded = load_within(&nested, chain);
            chain.pop();
            match loaded {
                Ok(l) => {
                    merge(map, l.map, &path, problems, &at);
                    builds.extend(l.builds);
                    warnings.extend(l.warnings);
                }
                Err(mut nested_problems) => problems.append(&mut nested_problems),
            }
        }
    }
}

/// What an included file defines, into the project.
fn merge(
    map: &mut ContainerMap,
    other: ContainerMap,
    path: &str,
    problems: &mut Vec<Problem>,
    at: &crate::model::Origin,
) {
    for (name, config) in other.containers {
        match map.containers.entry(name) {
            std::collections::btree_map::Entry::Occupied(e) => problems.push(Problem::new(
                format!(
                    "service `{}` is defined both in the project and in `{path}`",
                    e.key()
                ),
                at.clone(),
            )),
            std::collections::btree_map::Entry::Vacant(e) => {
                e.insert(config);
            }
        }
    }
    let differs = |kind: &str, name: &str| {
        Problem::new(
            format!("{kind} `{name}` is defined differently in the project and in `{path}`"),
            at.clone(),
        )
    };
    join(&mut map.networks, other.networks, |a, b| {
        a.to_value() == b.to_value()
    })
    .for_each(|name| problems.push(differs("network", &name)));
    join(&mut map.volumes, other.volumes, |a, b| {
        a.to_value() == b.to_value()
    })
    .for_each(|name| problems.push(differs("volume", &name)));
}

/// Adds the entries of `other` that `mine` lacks; the names of those it holds differently.
fn join<T>(
    mine: &mut std::collections::BTreeMap<String, T>,
    other: std::collections::BTreeMap<String, T>,
    same: impl Fn(&T, &T) -> bool,
) -> impl Iterator<Item = String> {
    let mut differ = Vec::new();
    for (name, entry) in other {
        match mine.get(&name) {
            Some(held) if !same(held, &entry) => differ.push(name),
            Some(_) => {}
            None => {
                mine.insert(name, entry);
            }
        }
    }
    differ.into_iter()
}
