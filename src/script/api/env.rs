//! The environment: `env("NAME")` (unset is an error naming it) and `env("NAME", "fallback")`,
//! from the process environment, then the `.env` beside the main recipe (`RecipeEnv`).

use rhai::{Engine, NativeCallContext};

use super::{here, Fallible, State};
use crate::model::Problem;
use crate::script::error::raise_one;

/// The value of `name`, `None` when it is unset; a bad `.env` file is an error at the call, and
/// the warnings of reading it are the recipe's output, as `load_compose`'s are.
fn lookup(ctx: &NativeCallContext, state: &State, name: &str) -> Fallible<Option<String>> {
    let found = state.env.borrow().var(name);
    let (value, warnings) = found.map_err(|why| raise_one(Problem::new(why, here(ctx, state))))?;
    for w in warnings {
        ctx.call_native_fn::<()>("print", (format!("warning: {w}"),))?;
    }
    Ok(value)
}

pub(super) fn register(engine: &mut Engine, state: &State) {
    let s = state.clone();
    engine.register_fn(
        "env",
        move |ctx: NativeCallContext, name: &str| -> Fallible<String> {
            match lookup(&ctx, &s, name)? {
                Some(value) => Ok(value),
                None => {
                    let why = if std::env::var_os(name).is_some() {
                        "is not valid UTF-8"
                    } else {
                        "is not set"
                    };
                    Err(raise_one(Problem::new(
                        format!(
                            "environment variable `{name}` {why} (give a fallback: `env(\"{name}\", \"...\")`)"
                        ),
                        here(&ctx, &s),
                    )))
                }
            }
        },
    );
    let s = state.clone();
    engine.register_fn(
        "env",
        move |ctx: NativeCallContext, name: &str, fallback: &str| -> Fallible<String> {
            Ok(lookup(&ctx, &s, name)?.unwrap_or_else(|| fallback.to_string()))
        },
    );
}
