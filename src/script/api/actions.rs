//! Actions on a mapping client: `c.startup("web")` and the rest. They convert their arguments,
//! hand the action to the session (which blocks on its runtime; Rhai never runs inside it) and
//! return one `#{ container, action, reason }` per step.

use std::cell::Ref;
use std::collections::BTreeMap;

use rhai::{Array, Dynamic, Engine, Map, NativeCallContext};

use super::{here, value_of, Fallible, State};
use crate::model::client::ClientConfig;
use crate::model::{ContainerMap, Origin, Problem, Value};
use crate::script::error::{raise_action, raise_one};
use crate::script::handles::ClientHandle;
use crate::session::{Action, Options, Report, Request};

/// The actions that take targets (and options); `signal` and `plan` have their own forms.
const ACTIONS: [&str; 9] = [
    "create",
    "start",
    "startup",
    "stop",
    "remove",
    "shutdown",
    "restart",
    "update",
    "pull_images",
];

pub(super) fn register(engine: &mut Engine, state: &State) {
    for name in ACTIONS {
        // No targets: everything (`__all__`), as the verbs do.
        let s = state.clone();
        engine.register_fn(name, move |ctx: NativeCallContext, c: &mut ClientHandle| {
            act(
                &ctx,
                &s,
                c,
                name,
                None,
                &Dynamic::from(crate::model::target::ALL),
                Map::new(),
                false,
            )
        });
        let s = state.clone();
        engine.register_fn(
            name,
            move |ctx: NativeCallContext, c: &mut ClientHandle, targets: Dynamic| {
                act(&ctx, &s, c, name, None, &targets, Map::new(), false)
            },
        );
        let s = state.clone();
        engine.register_fn(
            name,
            move |ctx: NativeCallContext, c: &mut ClientHandle, targets: Dynamic, options: Map| {
                act(&ctx, &s, c, name, None, &targets, options, false)
            },
        );
    }
    let s = state.clone();
    engine.register_fn(
        "signal",
        move |ctx: NativeCallContext, c: &mut ClientHandle, targets: Dynamic, signal: &str| {
            act(&ctx, &s, c, "signal", Some(signal), &targets, Map::new(), false)
        },
    );
    let s = state.clone();
    engine.register_fn(
        "signal",
        move |ctx: NativeCallContext, c: &mut ClientHandle, targets: Dynamic, signal: &str, options: Map| {
            act(&ctx, &s, c, "signal", Some(signal), &targets, options, false)
        },
    );
    // Status: the same shape as `dmap status --json`.
    let s = state.clone();
    engine.register_fn("status", move |ctx: NativeCallContext, c: &mut ClientHandle| {
        status(&ctx, &s, c, &Dynamic::from(crate::model::target::ALL))
    });
    let s = state.clone();
    engine.register_fn(
        "status",
        move |ctx: NativeCallContext, c: &mut ClientHandle, targets: Dynamic| status(&ctx, &s, c, &targets),
    );
    let s = state.clone();
    engine.register_fn(
        "plan",
        move |ctx: NativeCallContext, c: &mut ClientHandle, action: &str, targets: Dynamic| {
            act(&ctx, &s, c, action, None, &targets, Map::new(), true)
        },
    );
    let s = state.clone();
    engine.register_fn(
        "plan",
        move |ctx: NativeCallContext, c: &mut ClientHandle, action: &str, targets: Dynamic, options: Map| {
            act(&ctx, &s, c, action, None, &targets, options, true)
        },
    );
}

fn strings(d: &Dynamic, what: &str, origin: &Origin) -> Fallible<Vec<String>> {
    let fail = || {
        raise_one(Problem::new(
            format!(
                "{what}: expected a string or an array of strings, found {}",
                d.type_name()
            ),
            origin.clone(),
        ))
    };
    if d.is_string() {
        return Ok(vec![d.clone().into_string().map_err(|_| fail())?]);
    }
    let list = d.as_array_ref().map_err(|_| fail())?;
    list.iter()
        .map(|x| x.clone().into_string().map_err(|_| fail()))
        .collect()
}

fn action_of(name: &str, signal: Option<&str>, origin: &Origin) -> Fallible<Action> {
    let fail = |m: String| raise_one(Problem::new(m, origin.clone()));
    match (name, signal) {
        ("signal", Some(sig)) => Ok(Action::Signal(sig.to_string())),
        ("signal", None) => Err(fail(
            "signals are sent with `c.signal(target, \"SIGHUP\")`; `c.plan` takes the other actions".into(),
        )),
        (name, _) => Action::parse(name).ok_or_else(|| {
            let hint = crate::model::suggest::closest(name, ACTIONS)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            fail(format!(
                "unknown action `{name}`{hint} (actions: {})",
                ACTIONS.join(", ")
            ))
        }),
    }
}

/// `#{ container, action, reason }`, and `network` for `connect` and `disconnect`.
fn row(step: &crate::session::Done) -> Dynamic {
    let mut m = Map::new();
    m.insert("container".into(), Dynamic::from(step.subject.clone()));
    m.insert("action".into(), Dynamic::from(step.action.to_string()));
    m.insert("reason".into(), Dynamic::from(step.reason.clone()));
    if let Some(n) = &step.network {
        m.insert("network".into(), Dynamic::from(n.clone()));
    }
    Dynamic::from_map(m)
}

/// `c.status(targets)`: `#{ containers, orphans, foreign, builds }`, as `dmap status --json`.
fn status(ctx: &NativeCallContext, state: &State, client: &ClientHandle, targets: &Dynamic) -> Fallible<Map> {
    let origin = here(ctx, state);
    let targets = strings(targets, "targets", &origin)?;
    let found = with_request(
        client,
        &Action::Update,
        &targets,
        &Options::default(),
        true,
        |request| state.session.status(request),
    )?
    .map_err(|e| raise_action(e, origin.clone()))?;
    let json = serde_json::to_value(&found).map_err(|e| {
        raise_one(Problem::new(
            format!("internal error: status as a value: {e}"),
            origin,
        ))
    })?;
    match from_json(json).try_cast::<Map>() {
        Some(m) => Ok(m),
        None => Ok(Map::new()),
    }
}

/// Runs `f` on the session request for the client's maps, read in place (the session does not
/// call back into the recipe).
pub(super) fn with_request<T>(
    client: &ClientHandle,
    action: &Action,
    targets: &[String],
    options: &Options,
    plan_only: bool,
    f: impl FnOnce(&Request<'_>) -> T,
) -> Fallible<T> {
    let borrowed: Vec<Ref<'_, ContainerMap>> = client.client.maps.iter().map(|m| m.read()).collect();
    let maps: Vec<&ContainerMap> = borrowed.iter().map(|m| &**m).collect();
    let clients: Vec<(String, ClientConfig)> = client
        .client
        .clients
        .iter()
        .map(|(n, c)| (n.clone(), (**c).clone()))
        .collect();
    let images = super::images::declared(&client.client.maps)?;
    Ok(f(&Request {
        maps: &maps,
        clients: &clients,
        action,
        targets,
        options,
        plan_only,
        images: &images,
    }))
}

/// A JSON value as a Rhai value (`null` is `()`).
fn from_json(value: serde_json::Value) -> Dynamic {
    match value {
        serde_json::Value::Null => Dynamic::UNIT,
        serde_json::Value::Bool(b) => Dynamic::from_bool(b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Dynamic::from_int(i),
            None => Dynamic::from_float(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Dynamic::from(s),
        serde_json::Value::Array(a) => Dynamic::from_array(a.into_iter().map(from_json).collect()),
        serde_json::Value::Object(o) => {
            Dynamic::from_map(o.into_iter().map(|(k, v)| (k.into(), from_json(v))).collect())
        }
    }
}

#[allow(clippy::too_many_arguments)]
fn act(
    ctx: &NativeCallContext,
    state: &State,
    client: &ClientHandle,
    action_name: &str,
    signal: Option<&str>,
    targets: &Dynamic,
    option_map: Map,
    plan_only: bool,
) -> Fallible<Array> {
    let origin = here(ctx, state);
    let action = action_of(action_name, signal, &origin)?;
    let targets = strings(targets, "targets", &origin)?;
    let values = match value_of(&Dynamic::from_map(option_map), "options", &origin)? {
        Value::Map(m) => m,
        _ => BTreeMap::new(),
    };
    let options = Options::parse(&values).map_err(|m| raise_one(Problem::new(m, origin.clone())))?;
    let report: Report = with_request(client, &action, &targets, &options, plan_only, |request| {
        state.session.act(request, state.reporter.as_ref())
    })?
    .map_err(|e| raise_action(e, origin))?;
    Ok(report.steps.iter().map(row).collect())
}
