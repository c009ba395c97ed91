//! The environment: `env("NAME")` (unset is an error naming it) and `env("NAME", "fallback")`.

use rhai::{Engine, NativeCallContext};

use super::{here, Fallible, State};
use crate::model::Problem;
use crate::script::error::raise_one;

pub(super) fn register(engine: &mut Engine, state: &State) {
    let s = state.clone();
    engine.register_fn(
        "env",
        move |ctx: NativeCallContext, name: &str| -> Fallible<String> {
            std::env::var(name).map_err(|e| {
                let why = match e {
                    std::env::VarError::NotPresent => "is not set",
                    std::env::VarError::NotUnicode(_) => "is not valid UTF-8",
                };
                raise_one(Problem::new(
                    format!(
                        "environment variable `{name}` {why} (give a fallback: `env(\"{name}\", \"...\")`)"
                    ),
                    here(&ctx, &s),
                ))
            })
        },
    );
    engine.register_fn("env", |name: &str, fallback: &str| -> String {
        std::env::var(name).unwrap_or_else(|_| fallback.to_string())
    });
}
