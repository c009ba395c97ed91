//! What a recipe can ask of the machine dmap runs on: `is_static_executable(path)`, whether a
//! file can be added to an image `FROM scratch` and run there.

use std::path::Path;

use rhai::{Engine, NativeCallContext};

use super::{trace, State};
use crate::script::static_executable::is_static_executable;

pub(super) fn register(engine: &mut Engine, state: &State) {
    let s = state.clone();
    engine.register_fn(
        "is_static_executable",
        move |ctx: NativeCallContext, path: &str| {
            // relative to the calling file, as `add_file` reads it (a library's caller's)
            let path = Path::new(path);
            if path.is_absolute() {
                is_static_executable(path)
            } else {
                is_static_executable(&trace(&ctx, &s).base_dir().join(path))
            }
        },
    );
}
