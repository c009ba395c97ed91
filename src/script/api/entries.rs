//! `m.volumes`, `m.networks`, `m.host`, `m.groups`: entries by name.

use rhai::{Array, Dynamic, Engine, NativeCallContext};

use super::{here, value_of, Fallible, State};
use crate::script::convert::to_dynamic;
use crate::script::error::raise_one;
use crate::script::handles::EntriesHandle;

pub(super) fn register(engine: &mut Engine, state: &State) {
    engine.register_indexer_get(|e: &mut EntriesHandle, name: &str| -> Dynamic {
        e.map
            .read()
            .get_entry(e.kind, name)
            .map_or(Dynamic::UNIT, |v| to_dynamic(&v))
    });
    let s = state.clone();
    engine.register_indexer_set(
        move |ctx: NativeCallContext, e: &mut EntriesHandle, name: &str, value: Dynamic| -> Fallible<()> {
            let origin = here(&ctx, &s);
            let v = value_of(&value, &format!("`{}.{name}`", e.kind), &origin)?;
            e.map
                .write()
                .set_entry(e.kind, name, &v, origin)
                .map_err(raise_one)
        },
    );
    engine.register_fn("keys", |e: &mut EntriesHandle| -> Array {
        e.map
            .read()
            .entry_names(e.kind)
            .into_iter()
            .map(Dynamic::from)
            .collect()
    });
    engine.register_fn("len", |e: &mut EntriesHandle| {
        e.map.read().entry_names(e.kind).len() as rhai::INT
    });
    engine.register_fn("contains", |e: &mut EntriesHandle, name: &str| {
        e.map.read().get_entry(e.kind, name).is_some()
    });
    engine.register_fn("remove", |e: &mut EntriesHandle, name: &str| {
        e.map.write().remove_entry(e.kind, name)
    });
    engine.register_fn("to_string", |e: &mut EntriesHandle| {
        format!("{} of {:?}", e.kind, e.map)
    });
    engine.register_fn("to_debug", |e: &mut EntriesHandle| {
        format!("{} of {:?}", e.kind, e.map)
    });
}
