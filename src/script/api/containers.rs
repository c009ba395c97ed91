//! `m.containers`: indexing gives configuration handles; whole configurations are set from object maps.

use rhai::{Array, Dynamic, Engine, NativeCallContext};

use super::{here, literal, value_of, Fallible, State};
use crate::model::{Problem, Value};
use crate::script::error::{raise, raise_one};
use crate::script::handles::{ConfigHandle, ContainersHandle};

pub(super) fn register(engine: &mut Engine, state: &State) {
    let s = state.clone();
    engine.register_indexer_get(
        move |ctx: NativeCallContext, c: &mut ContainersHandle, name: &str| -> Fallible<ConfigHandle> {
            let origin = here(&ctx, &s);
            c.map.write().config_mut(name, origin).map_err(raise_one)?;
            Ok(ConfigHandle {
                map: c.map.clone(),
                name: name.to_string(),
            })
        },
    );
    let s = state.clone();
    engine.register_indexer_set(
        move |ctx: NativeCallContext, c: &mut ContainersHandle, name: &str, value: Dynamic| -> Fallible<()> {
            let origin = here(&ctx, &s);
            if let Some(h) = value.clone().try_cast::<ConfigHandle>() {
                if h.map.same(&c.map) && h.name == name {
                    return Ok(());
                }
            }
            let v = value_of(&value, &format!("container `{name}`"), &origin)?;
            let Value::Map(fields) = v else {
                return Err(raise_one(Problem::new(
                    format!("container `{name}`: expected an object map of fields, found {v}"),
                    origin,
                )));
            };
            let mut map = c.map.write();
            let mut fresh = crate::model::ContainerConfig::new(origin.clone());
            fresh
                .set_from_map(&fields, &|field| literal(&s, &origin, &[field]))
                .map_err(|errors| {
                    raise(
                        errors
                            .into_iter()
                            .map(|(e, o)| Problem::new(format!("container `{name}`: {e}"), o))
                            .collect(),
                    )
                })?;
            map.config_mut(name, origin).map_err(raise_one)?;
            map.containers.insert(name.to_string(), fresh);
            Ok(())
        },
    );
    engine.register_fn("keys", |c: &mut ContainersHandle| -> Array {
        c.map
            .read()
            .entry_names("containers")
            .into_iter()
            .map(Dynamic::from)
            .collect()
    });
    engine.register_fn("len", |c: &mut ContainersHandle| {
        c.map.read().containers.len() as rhai::INT
    });
    engine.register_fn("contains", |c: &mut ContainersHandle, name: &str| {
        c.map.read().containers.contains_key(name)
    });
    engine.register_fn("remove", |c: &mut ContainersHandle, name: &str| {
        c.map.write().remove_entry("containers", name)
    });
    engine.register_fn("to_string", |c: &mut ContainersHandle| {
        format!("containers of {:?}", c.map)
    });
    engine.register_fn("to_debug", |c: &mut ContainersHandle| {
        format!("containers of {:?}", c.map)
    });
}
