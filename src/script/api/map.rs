//! Container maps: `container_map`, `load_map`, their properties, `check` and `merge`.

use std::path::PathBuf;

use rhai::{Dynamic, Engine, Map, NativeCallContext};

use super::images::set_images;
use super::{here, literal, value_of, Fallible, State};
use crate::model::{check_maps, ContainerMap, Origin, Problem};
use crate::script::convert::to_dynamic;
use crate::script::error::{raise, raise_one};
use crate::script::handles::{ContainersHandle, EntriesHandle, ImagesHandle, MapHandle};
use crate::script::input_file::{io_reason, InputError};

/// The directory relative paths of the calling file are resolved against.
fn caller_dir(origin: &Origin) -> PathBuf {
    origin.base_dir()
}

/// A file a recipe names (`what` says what it is, for the error), relative to the calling
/// file: its label and text. A bad byte is placed in the file; any other problem at the call.
pub(super) fn read_named(origin: &Origin, path: &str, what: &str) -> Fallible<(PathBuf, String, String)> {
    let full = caller_dir(origin).join(path);
    let label = full
        .strip_prefix("./")
        .unwrap_or(&full)
        .to_string_lossy()
        .into_owned();
    let text = crate::script::input_file::read(&full, &label).map_err(|e| match e {
        InputError::Io { error, .. } => raise_one(Problem::new(
            format!("can't read {what} `{label}`: {}", io_reason(&error)),
            origin.clone(),
        )),
        e @ InputError::NotUtf8 { .. } => raise_one(e.into()),
        e => raise_one(Problem::new(e.to_string(), origin.clone())),
    })?;
    Ok((full, label, text))
}

/// A handle on a new map, recorded as one the recipe created.
pub(super) fn new_map(state: &State, map: ContainerMap) -> MapHandle {
    let handle = MapHandle::new(map);
    state.created.borrow_mut().push(handle.clone());
    handle
}

pub(super) fn register(engine: &mut Engine, state: &State) {
    let s = state.clone();
    engine.register_fn(
        "container_map",
        move |ctx: NativeCallContext, name: &str| -> Fallible<MapHandle> {
            let origin = here(&ctx, &s);
            let map = ContainerMap::new(name, origin).map_err(raise_one)?;
            Ok(new_map(&s, map))
        },
    );
    let s = state.clone();
    engine.register_fn(
        "container_map",
        move |ctx: NativeCallContext, name: &str, mut init: Map| -> Fallible<MapHandle> {
            let origin = here(&ctx, &s);
            let images = init.remove("images");
            let value = value_of(&Dynamic::from_map(init), "container_map", &origin)?;
            let map = ContainerMap::from_value(name, &value, &|p| literal(&s, &origin, p)).map_err(raise)?;
            let handle = new_map(&s, map);
            if let Some(images) = images {
                set_images(&handle, &images, &literal(&s, &origin, &["images"]))?;
            }
            Ok(handle)
        },
    );
    for with_name in [false, true] {
        let s = state.clone();
        let load = move |ctx: &NativeCallContext, path: &str, name: Option<&str>| -> Fallible<MapHandle> {
            let origin = here(ctx, &s);
            let (_, label, text) = read_named(&origin, path, "map file")?;
            let map =
                crate::yaml::load_map(&label, &text, name, &|v| std::env::var(v).ok()).map_err(raise)?;
            Ok(new_map(&s, map))
        };
        if with_name {
            engine.register_fn(
                "load_map",
                move |ctx: NativeCallContext, path: &str, name: &str| load(&ctx, path, Some(name)),
            );
        } else {
            engine.register_fn("load_map", move |ctx: NativeCallContext, path: &str| {
                load(&ctx, path, None)
            });
        }
    }
    engine.register_get("name", |m: &mut MapHandle| m.name());
    let s = state.clone();
    engine.register_indexer_get(
        move |ctx: NativeCallContext, m: &mut MapHandle, key: &str| -> Fallible<Dynamic> {
            property(m, key).map_err(|e| raise_one(Problem::new(e, here(&ctx, &s))))
        },
    );
    let s = state.clone();
    engine.register_indexer_set(
        move |ctx: NativeCallContext, m: &mut MapHandle, key: &str, value: Dynamic| -> Fallible<()> {
            let origin = here(&ctx, &s);
            if key == "images" {
                return set_images(m, &value, &origin);
            }
            // Write-back of a handle read from this same map changes nothing.
            if let Some(c) = value.clone().try_cast::<ContainersHandle>() {
                if c.map.same(m) {
                    return Ok(());
                }
                let other = c.map.read().containers.clone();
                m.write().containers = other;
                return Ok(());
            }
            if let Some(e) = value.clone().try_cast::<EntriesHandle>() {
                if e.map.same(m) && e.kind == key {
                    return Ok(());
                }
                let v = e
                    .map
                    .read()
                    .get_property(e.kind)
                    .map_err(|e| raise_one(Problem::new(e, origin.clone())))?;
                return m.write().set_property(key, &v, origin).map_err(raise_one);
            }
            let v = value_of(&value, &format!("`{key}`"), &origin)?;
            m.write().set_property(key, &v, origin).map_err(raise_one)
        },
    );
    let s = state.clone();
    engine.register_fn(
        "check",
        move |ctx: NativeCallContext, m: &mut MapHandle| -> Fallible<()> {
            let _ = here(&ctx, &s);
            let map = m.read();
            check_maps(&[&*map], None).map(|_| ()).map_err(raise)
        },
    );
    let s = state.clone();
    engine.register_fn(
        "merge",
        move |ctx: NativeCallContext, m: &mut MapHandle, other: MapHandle| {
            let _ = here(&ctx, &s);
            let images = other.images.borrow().clone();
            let other = other.snapshot();
            m.write().merge_from(&other, false);
            m.images.borrow_mut().extend(images);
        },
    );
    let s = state.clone();
    engine.register_fn(
        "merge",
        move |ctx: NativeCallContext, m: &mut MapHandle, mut other: Map| -> Fallible<()> {
            let origin = here(&ctx, &s);
            if let Some(images) = other.remove("images") {
                let extra = MapHandle::new(ContainerMap::new(&m.name(), origin.clone()).map_err(raise_one)?);
                set_images(&extra, &images, &literal(&s, &origin, &["images"]))?;
                let extra = extra.images.borrow().clone();
                m.images.borrow_mut().extend(extra);
            }
            let v = value_of(&Dynamic::from_map(other), "merge", &origin)?;
            let name = m.name();
            let other = ContainerMap::from_value(&name, &v, &|p| literal(&s, &origin, p)).map_err(raise)?;
            m.write().merge_from(&other, false);
            Ok(())
        },
    );
    engine.register_fn("to_string", |m: &mut MapHandle| format!("{m:?}"));
    engine.register_fn("to_debug", |m: &mut MapHandle| format!("{m:?}"));
    engine.register_fn("to_map", |m: &mut MapHandle| to_dynamic(&m.read().to_value()));
}

/// What `m.KEY` reads besides `name` (a getter): the map's properties, and `images`, the images
/// it declares.
pub(crate) fn property_names() -> impl Iterator<Item = &'static str> {
    crate::model::container_map::PROPERTIES
        .iter()
        .copied()
        .chain(["images"])
}

/// `m.KEY`: a handle on the entries of `containers`, `images`, `volumes`, `networks`, `host` and
/// `groups` (they write through), the value of any other property. Reading changes nothing.
pub(crate) fn property(m: &MapHandle, key: &str) -> Result<Dynamic, crate::model::input::InputError> {
    Ok(match key {
        "containers" => Dynamic::from(ContainersHandle { map: m.clone() }),
        "images" => Dynamic::from(ImagesHandle { map: m.clone() }),
        "volumes" | "networks" | "host" | "groups" => Dynamic::from(EntriesHandle {
            map: m.clone(),
            kind: static_kind(key),
        }),
        _ => to_dynamic(&m.read().get_property(key)?),
    })
}

fn static_kind(key: &str) -> &'static str {
    match key {
        "volumes" => "volumes",
        "networks" => "networks",
        "host" => "host",
        _ => "groups",
    }
}
