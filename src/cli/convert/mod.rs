//! `dmap convert FILE.yaml`: a Compose file as an equivalent recipe, one configuration per
//! service. The file is loaded as `dmap show` loads it; the recipe makes the same map with
//! `container_map`: its properties, volumes, networks and configurations, each written as the
//! model reads it back (`to_value`), and the map as the recipe's value.

mod literal;

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;

use super::compose::is_compose_file;
use super::error::Error;
use super::load::{is_yaml, read_yaml};
use crate::model::container::FIELDS;
use crate::model::{ContainerMap, Origin, Value};
use literal::{bare, literal, object, string, Layout};

/// The map properties written as entries, one statement each, in this order.
const ENTRIES: [&str; 4] = ["volumes", "networks", "host", "groups"];

/// Prints the recipe for the Compose file `file`.
pub(super) fn convert(file: &Path) -> Result<(), Error> {
    if !is_yaml(file) {
        return Err(Error::Usage {
            message: format!(
                "`{}` is no Compose file: `dmap convert` takes a `.yaml` or `.yml` Compose file",
                file.display()
            ),
        });
    }
    let (label, text) = read_yaml(file)?;
    if !is_compose_file(&label, &text) {
        return Err(Error::Usage {
            message: format!(
                "`{label}` is a docker-map YAML map, not a Compose file (no top-level `services`): a recipe reads it with `load_map(\"{label}\")`"
            ),
        });
    }
    let (map, _, builds) = super::compose::load_with_builds(file, &label, &text)?;
    let mut out = std::io::stdout().lock();
    out.write_all(recipe(&map, &builds, &label).as_bytes())
        .and_then(|()| out.flush())
        .map_err(Error::Output)
}

/// The recipe that makes `map`; `label` names the file it came from.
fn recipe(map: &ContainerMap, builds: &[crate::compose::Build], label: &str) -> String {
    let mut out = String::new();
    // A line break in the file's name would end the comment.
    let label: String = label
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    let _ = writeln!(
        out,
        "// Made by `dmap convert {label}`: the map of the Compose file, as a recipe."
    );
    let _ = writeln!(out, "let m = container_map({});", string(&map.name));
    // The scalar properties, `naming` first: the names of everything below follow it.
    let mut properties: Vec<(String, Value)> = match map.to_value() {
        Value::Map(p) => p
            .into_iter()
            .filter(|(k, _)| k != "containers" && !ENTRIES.contains(&k.as_str()))
            .collect(),
        _ => Vec::new(),
    };
    properties.sort_by_key(|(k, _)| k != "naming");
    for (key, value) in &properties {
        let target = format!("m.{key} = ");
        let _ = writeln!(out, "{target}{};", literal(value, 0, target.len(), Layout::Fit));
    }
    for kind in ENTRIES {
        let names = map.entry_names(kind);
        if names.is_empty() {
            continue;
        }
        out.push('\n');
        let defaults = default_entry(kind);
        for name in names {
            let Some(value) = map.get_entry(kind, &name) else {
                continue;
            };
            let value = without_defaults(value, defaults.as_ref());
            let target = format!("m.{kind}{} = ", property(&name));
            let _ = writeln!(out, "{target}{};", literal(&value, 0, target.len(), Layout::Fit));
        }
    }
    for (name, config) in &map.containers {
        let target = format!("m.containers{} = ", property(name));
        let fields = config.to_value();
        let _ = writeln!(
            out,
            "\n{target}{};",
            object(&in_field_order(&fields), 0, target.len(), Layout::Expanded)
        );
    }
    for b in builds {
        let _ = writeln!(
            out,
            "\nm.images{} = build_context({}{});",
            property(&b.image),
            string(&b.context.to_string_lossy()),
            build_options(b)
        );
    }
    out.push_str("\nm\n");
    out
}

/// The options of `build_context` a Compose build sets, as `, #{ ... }` (or nothing).
fn build_options(b: &crate::compose::Build) -> String {
    let mut o: Vec<(&str, Value)> = Vec::new();
    match &b.dockerfile {
        crate::compose::Dockerfile::File(p) => {
            if *p != b.context.join("Dockerfile") {
                o.push(("dockerfile", Value::str(p.to_string_lossy())));
            }
        }
        crate::compose::Dockerfile::Inline(text) => o.push(("dockerfile_inline", Value::str(text))),
    }
    let map = |m: &std::collections::BTreeMap<String, String>| {
        Value::Map(m.iter().map(|(k, v)| (k.clone(), Value::str(v))).collect())
    };
    if !b.settings.args.is_empty() {
        o.push(("args", map(&b.settings.args)));
    }
    if let Some(t) = &b.settings.target {
        o.push(("target", Value::str(t)));
    }
    if !b.settings.labels.is_empty() {
        o.push(("labels", map(&b.settings.labels)));
    }
    if o.is_empty() {
        return String::new();
    }
    format!(", {}", literal(&Value::map(o), 0, 0, Layout::Fit))
}

/// `.NAME`, or `["NAME"]` for a name Rhai would not read as a property.
fn property(name: &str) -> String {
    if bare(name) {
        format!(".{name}")
    } else {
        format!("[{}]", string(name))
    }
}

/// What an entry of `kind` set to `#{}` reads back as: the keys a written entry can leave out.
fn default_entry(kind: &str) -> Option<Value> {
    let mut scratch = ContainerMap::default();
    scratch
        .set_entry(kind, "x", &Value::Map(Default::default()), Origin::default())
        .ok()?;
    scratch.get_entry(kind, "x")
}

/// `value` without the keys whose value is the default's.
fn without_defaults(value: Value, defaults: Option<&Value>) -> Value {
    match (value, defaults) {
        (Value::Map(entries), Some(Value::Map(defaults))) => Value::Map(
            entries
                .into_iter()
                .filter(|(k, v)| defaults.get(k) != Some(v))
                .collect(),
        ),
        (value, _) => value,
    }
}

/// A configuration's fields in the order the model lists them (`image` first), not sorted.
fn in_field_order(fields: &Value) -> Vec<(&str, &Value)> {
    let Value::Map(fields) = fields else {
        return Vec::new();
    };
    let mut out: Vec<(&str, &Value)> = fields.iter().map(|(k, v)| (k.as_str(), v)).collect();
    out.sort_by_key(|(k, _)| FIELDS.iter().position(|f| f == k).unwrap_or(FIELDS.len()));
    out
}

#[cfg(test)]
mod tests;
