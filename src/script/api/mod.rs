//! The recipe API: the functions, properties and indexers recipes call (docs/recipe-api.md), one
//! file per script-facing type. Functions convert values and call the model or the session; they decide
//! nothing themselves.

mod actions;
mod client;
mod compose;
mod config;
mod containers;
mod dockerfile;
mod entries;
mod env;
mod host;
pub(crate) mod images;
pub(crate) mod map;
mod script_action;

use std::cell::RefCell;
use std::rc::Rc;
use std::sync::Arc;

use rhai::{Dynamic, Engine, EvalAltResult, NativeCallContext};

use super::convert::to_value;
use super::error::{origin_at, raise_one, ActionFailure, Problems};
use super::handles::{ClientHandle, ConfigHandle, ContainersHandle, DockerHandle, EntriesHandle, MapHandle};
use super::recipe_env::RecipeEnv;
use super::sources::Sources;
use crate::dockerfile::Trace;
use crate::model::{Origin, Problem, Value};
use crate::session::{Reporter, Session};

type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// What every registered function shares: what the recipe created and handed on, and the
/// session actions run in.
pub(crate) struct Shared {
    /// The main recipe's label, for positions without a source.
    pub main: RefCell<Arc<str>>,
    /// Every map the recipe created (`container_map`, `load_map`, `load_compose`).
    pub created: RefCell<Vec<MapHandle>>,
    /// Every mapping client the recipe made, with the maps handed to it.
    pub clients: RefCell<Vec<ClientHandle>>,
    pub session: Rc<Session>,
    pub reporter: Rc<dyn Reporter>,
    /// The text of the recipes and libraries, to point into object-map literals.
    pub sources: Rc<Sources>,
    /// What `env(...)` reads besides the process environment: the main recipe's `.env`.
    pub env: RefCell<RecipeEnv>,
}

pub(crate) type State = Rc<Shared>;

impl Shared {
    /// Maps handed to `mapping_client`, each once, in the order they were handed.
    pub(crate) fn handed(&self) -> Vec<MapHandle> {
        let mut out: Vec<MapHandle> = Vec::new();
        for c in self.clients.borrow().iter() {
            for m in &c.client.maps {
                if !out.iter().any(|h| h.same(m)) {
                    out.push(m.clone());
                }
            }
        }
        out
    }
}

fn here(ctx: &NativeCallContext, state: &State) -> Origin {
    let source: Arc<str> = match ctx.call_source() {
        Some(s) => s.into(),
        None => state.main.borrow().clone(),
    };
    origin_at(&source, ctx.call_position())
}

/// Where the value at `path` of an object-map literal given to the call at `call` is written.
fn literal(state: &State, call: &Origin, path: &[&str]) -> Origin {
    state.sources.locate(call, path)
}

/// Where a native function was called, with the template calls that led there (innermost
/// first): the call stack Rhai keeps while a debugger is registered (see
/// `Interpreter::keep_call_stack_for`: only for texts that may write from a function).
fn trace(ctx: &NativeCallContext, state: &State) -> Trace {
    let at = here(ctx, state);
    let main = state.main.borrow().clone();
    let via = ctx
        .debugger()
        .map(|d| {
            let frames = d.call_stack();
            // The last frame is this very call. A frame's position is where the function was
            // called, written in its caller: the main recipe for the first, else the source of
            // the function of the frame before (a frame's own source is its function's file).
            let calls = &frames[..frames.len().saturating_sub(1)];
            let mut via: Vec<Origin> = calls
                .iter()
                .enumerate()
                .map(|(k, f)| {
                    let caller = k
                        .checked_sub(1)
                        .and_then(|j| calls[j].source.as_ref())
                        .map_or(main.clone(), |s| s.as_str().into());
                    origin_at(&caller, f.pos)
                })
                .collect();
            via.reverse();
            via
        })
        .unwrap_or_default();
    Trace { at, via }
}

fn value_of(d: &Dynamic, what: &str, origin: &Origin) -> Fallible<Value> {
    to_value(d).map_err(|e| raise_one(Problem::new(format!("{what}: {e}"), origin.clone())))
}

pub(crate) fn register(engine: &mut Engine, state: &State) {
    engine
        .register_type_with_name::<MapHandle>("ContainerMap")
        .register_type_with_name::<ContainersHandle>("Containers")
        .register_type_with_name::<EntriesHandle>("MapEntries")
        .register_type_with_name::<ConfigHandle>("ContainerConfig")
        .register_type_with_name::<DockerHandle>("Docker")
        .register_type_with_name::<ClientHandle>("MappingClient");
    // What `catch (e)` gets when an action or a check fails: printable, with its message.
    engine
        .register_type_with_name::<ActionFailure>("ActionError")
        .register_get("message", |f: &mut ActionFailure| f.message())
        .register_fn("to_string", |f: &mut ActionFailure| f.message())
        .register_fn("to_debug", |f: &mut ActionFailure| f.message())
        .register_type_with_name::<Problems>("Problems")
        .register_get("message", |p: &mut Problems| p.message())
        .register_fn("to_string", |p: &mut Problems| p.message())
        .register_fn("to_debug", |p: &mut Problems| p.message());
    map::register(engine, state);
    compose::register(engine, state);
    containers::register(engine, state);
    entries::register(engine, state);
    config::register(engine, state);
    client::register(engine, state);
    actions::register(engine, state);
    script_action::register(engine, state);
    env::register(engine, state);
    host::register(engine, state);
    dockerfile::register(engine, state);
    images::register(engine, state);
}
