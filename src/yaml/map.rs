//! A docker-map YAML file as a container map.

use std::path::Path;

use crate::model::{ContainerMap, Problem, Value};

use super::{parse, YamlError};

impl From<YamlError> for Problem {
    fn from(e: YamlError) -> Self {
        Problem::new(e.to_string(), e.origin())
    }
}

/// Loads a map from YAML text. The name is `name`, else the file's `name:` key, else the file
/// stem. `file` is the label used in origins (the path as the user wrote it).
pub(crate) fn load_map(
    file: &str,
    text: &str,
    name: Option<&str>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ContainerMap, Vec<Problem>> {
    let doc = parse(file, text, env).map_err(|e| vec![Problem::from(e)])?;
    let key_name = match doc.root() {
        Value::Map(root) => match root.get("name") {
            None => None,
            Some(Value::Str(s)) => Some(s.clone()),
            Some(other) => {
                return Err(vec![Problem::new(
                    format!("`name`: expected the map name as a string, found {other}"),
                    doc.origin(&["name"]),
                )])
            }
        },
        _ => return Err(vec![Problem::new("the file holds no mapping", doc.origin(&[]))]),
    };
    let stem = Path::new(file)
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default();
    let map_name = name.map(str::to_string).or(key_name).unwrap_or(stem);
    let mut map = ContainerMap::new(&map_name, doc.origin(&[])).map_err(|p| vec![p])?;
    let loaded = map
        .update_skipping(doc.root(), &["name"], &|p| doc.origin(p))
        .map_err(|mut problems| {
            // In the order of the file, not of the keys.
            problems.sort_by_key(|p| p.origin.line);
            problems
        });
    // Freeing a large document node by node takes a while; do it beside the caller's work.
    if text.len() > 1 << 20 {
        std::thread::spawn(move || drop(doc));
    }
    loaded.map(|()| map)
}
