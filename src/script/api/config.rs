//! One container configuration: its fields by attribute or index syntax.

use rhai::{Dynamic, Engine, NativeCallContext};

use super::{here, value_of, Fallible, State};
use crate::model::Problem;
use crate::script::convert::to_dynamic;
use crate::script::error::raise_one;
use crate::script::handles::ConfigHandle;

pub(super) fn register(engine: &mut Engine, state: &State) {
    let s = state.clone();
    engine.register_indexer_get(
        move |ctx: NativeCallContext, c: &mut ConfigHandle, field: &str| -> Fallible<Dynamic> {
            let map = c.map.read();
            let value = match map.containers.get(&c.name) {
                Some(config) => config.get_field(field),
                None => crate::model::ContainerConfig::default().get_field(field),
            };
            value.map(|v| to_dynamic(&v)).map_err(|e| {
                raise_one(Problem::new(
                    format!("container `{}`: {e}", c.name),
                    here(&ctx, &s),
                ))
            })
        },
    );
    let s = state.clone();
    engine.register_indexer_set(
        move |ctx: NativeCallContext, c: &mut ConfigHandle, field: &str, value: Dynamic| -> Fallible<()> {
            let origin = here(&ctx, &s);
            let v = value_of(&value, &format!("container `{}`: `{field}`", c.name), &origin)?;
            let mut map = c.map.write();
            let config = map.config_mut(&c.name, origin.clone()).map_err(raise_one)?;
            config
                .set_field(field, &v, origin.clone())
                .map_err(|e| raise_one(Problem::new(format!("container `{}`: {e}", c.name), origin)))
        },
    );
    engine.register_get("name", |c: &mut ConfigHandle| c.name.clone());
    engine.register_fn("to_map", |c: &mut ConfigHandle| to_dynamic(&c.to_value()));
    engine.register_fn("to_string", |c: &mut ConfigHandle| format!("{c:?}"));
    engine.register_fn("to_debug", |c: &mut ConfigHandle| format!("{c:?}"));
}
