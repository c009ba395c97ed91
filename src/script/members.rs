//! What may follow `VALUE.` in the REPL: the properties a type's indexer reads (those of a getter
//! the engine lists itself), the entries of a value (the configurations of `m.containers`, the
//! keys of an object map), and what `VALUE.NAME` reads — found without running the recipe and
//! without writing (reading a configuration that does not exist creates it; here it does not).

use rhai::Dynamic;

use super::api::map::{property, property_names};
use super::convert::to_dynamic;
use super::handles::{ConfigHandle, ContainersHandle, EntriesHandle, ImagesHandle, MapHandle};
use crate::model::container::FIELDS;

/// The properties the indexer of a type reads, by the name recipes know the type by.
pub(crate) fn indexed_properties(ty: &str) -> Vec<&'static str> {
    match ty {
        "ContainerMap" => property_names().collect(),
        "ContainerConfig" => FIELDS.to_vec(),
        _ => Vec::new(),
    }
}

/// The names `value.NAME` reads an entry by: the configurations of `m.containers`, the volumes of
/// `m.volumes` (and networks, host paths, groups), the images of `m.images`, the keys of an
/// object map.
pub(crate) fn entries(value: &Dynamic) -> Vec<String> {
    if let Some(c) = value.read_lock::<ContainersHandle>() {
        return c.map.read().entry_names("containers");
    }
    if let Some(e) = value.read_lock::<EntriesHandle>() {
        return e.map.read().entry_names(e.kind);
    }
    if let Some(i) = value.read_lock::<ImagesHandle>() {
        return i.map.images.borrow().keys().cloned().collect();
    }
    if let Some(m) = value.read_lock::<rhai::Map>() {
        return m.keys().map(ToString::to_string).collect();
    }
    Vec::new()
}

/// What `value.name` reads, when that is known without calling into the recipe and without
/// changing anything.
pub(crate) fn member(value: &Dynamic, name: &str) -> Option<Dynamic> {
    if let Some(m) = value.read_lock::<MapHandle>() {
        if name == "name" {
            return Some(Dynamic::from(m.name()));
        }
        return property(&m, name).ok();
    }
    if let Some(c) = value.read_lock::<ContainersHandle>() {
        return Some(Dynamic::from(ConfigHandle {
            map: c.map.clone(),
            name: name.to_string(),
        }));
    }
    if let Some(c) = value.read_lock::<ConfigHandle>() {
        if name == "name" {
            return Some(Dynamic::from(c.name.clone()));
        }
        let map = c.map.read();
        let field = match map.containers.get(&c.name) {
            Some(config) => config.get_field(name),
            None => crate::model::ContainerConfig::default().get_field(name),
        };
        return field.ok().map(|v| to_dynamic(&v));
    }
    if let Some(e) = value.read_lock::<EntriesHandle>() {
        return e.map.read().get_entry(e.kind, name).map(|v| to_dynamic(&v));
    }
    if let Some(i) = value.read_lock::<ImagesHandle>() {
        return i
            .map
            .images
            .borrow()
            .get(name)
            .map(|(s, _)| super::api::images::to_dynamic(s));
    }
    if let Some(m) = value.read_lock::<rhai::Map>() {
        return m.get(name).cloned();
    }
    None
}
