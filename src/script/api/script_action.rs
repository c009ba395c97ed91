//! docker-map's `script` action: `c.script(target, #{ script_path, command_format, entrypoint,
//! wait_timeout, container_script_dir, remove_existing_before, remove_created_after })` runs the
//! target's container once — created from its configuration with that entrypoint and command,
//! the script's directory mounted — after starting what it needs, and returns
//! `#{ id, client, exit_code, log }` (`#{ id, client, error }` when it ran out of time); one map
//! per container, an array of them when the target names several.

use std::path::Path;
use std::time::Duration;

use rhai::{Dynamic, Engine, Map, NativeCallContext};

use super::{here, literal, value_of, Fallible, State};
use crate::model::{Origin, Problem, Value};
use crate::script::error::{raise_action, raise_one};
use crate::script::handles::ClientHandle;
use crate::session::one_off::{OneOffRequest, OneOffRun};
use crate::session::{Action, Existing, OneOffHow, Options, Request};

/// The options, as docker-map names them.
const OPTIONS: [&str; 7] = [
    "script_path",
    "command_format",
    "entrypoint",
    "wait_timeout",
    "container_script_dir",
    "remove_existing_before",
    "remove_created_after",
];

/// Where the script's directory is mounted unless `container_script_dir` says otherwise.
const SCRIPT_DIR: &str = "/tmp/script_run";

pub(super) fn register(engine: &mut Engine, state: &State) {
    let s = state.clone();
    engine.register_fn(
        "script",
        move |ctx: NativeCallContext, c: &mut ClientHandle, target: &str| {
            script(&ctx, &s, c, target, &Map::new())
        },
    );
    let s = state.clone();
    engine.register_fn(
        "script",
        move |ctx: NativeCallContext, c: &mut ClientHandle, target: &str, options: Map| {
            script(&ctx, &s, c, target, &options)
        },
    );
}

fn script(
    ctx: &NativeCallContext,
    state: &State,
    client: &ClientHandle,
    target: &str,
    options: &Map,
) -> Fallible<Dynamic> {
    let origin = here(ctx, state);
    let cwd = std::env::current_dir().unwrap_or_default();
    let request = read_options(options, &cwd.join(origin.base_dir()), &|key| {
        literal(state, &origin, &[key])
    })?;
    let targets = [target.to_string()];
    let runs = super::actions::with_request(
        client,
        &Action::Startup,
        &targets,
        &Options::default(),
        false,
        |r: &Request<'_>| {
            state
                .session
                .one_off(r, &request, state.reporter.as_ref(), &mut |_, _| {})
        },
    )?
    .map_err(|e| raise_action(e, origin.clone()))?;
    let mut results: Vec<Dynamic> = runs.iter().map(result).collect();
    Ok(if results.len() == 1 {
        results.remove(0)
    } else {
        Dynamic::from_array(results)
    })
}

/// `#{ id, client, exit_code, log }`, or `#{ id, client, error }` after a timeout.
fn result(run: &OneOffRun) -> Dynamic {
    let mut m = Map::new();
    m.insert("id".into(), Dynamic::from(run.finished.id.clone()));
    m.insert("client".into(), Dynamic::from(run.client.clone()));
    match run.finished.exit_code {
        Some(code) => {
            m.insert("exit_code".into(), Dynamic::from_int(code));
            m.insert("log".into(), Dynamic::from(run.finished.log.clone()));
        }
        None => {
            m.insert(
                "error".into(),
                Dynamic::from(format!(
                    "timed out while waiting for container `{}` to finish",
                    run.name
                )),
            );
        }
    }
    Dynamic::from_map(m)
}

/// The options as a one-off request; `base` is the calling file's directory, which a relative
/// `script_path` starts from. A problem is placed at the option's value, by `at`.
fn read_options(options: &Map, base: &Path, at: &dyn Fn(&str) -> Origin) -> Fallible<OneOffRequest> {
    let mut request = OneOffRequest {
        how: OneOffHow {
            remove: true,
            ..OneOffHow::default()
        },
        existing: Some(Existing::Refuse),
        ..OneOffRequest::default()
    };
    let mut script_path = None;
    let mut command_format = None;
    let mut dir = SCRIPT_DIR.to_string();
    for (key, value) in options {
        let key = key.as_str();
        let origin = at(key);
        let fail = |m: String| raise_one(Problem::new(format!("script: `{key}`: {m}"), origin.clone()));
        let v = value_of(value, &format!("script: `{key}`"), &origin)?;
        let text = || {
            v.as_str()
                .map(str::to_string)
                .ok_or_else(|| fail(format!("expected a string, found {}", v.type_name())))
        };
        let flag = || match v {
            Value::Bool(b) => Ok(b),
            _ => Err(fail(format!("expected true or false, found {}", v.type_name()))),
        };
        match key {
            "script_path" => script_path = Some(text()?),
            "container_script_dir" => dir = text()?,
            "command_format" => command_format = Some(words(&v).map_err(fail)?),
            "entrypoint" => request.entrypoint = Some(words(&v).map_err(fail)?),
            "wait_timeout" => {
                let seconds = match v {
                    Value::Int(i) if i > 0 => i as f64,
                    Value::Float(f) if f > 0.0 && f.is_finite() => f,
                    _ => {
                        return Err(fail(format!(
                            "expected a number of seconds above 0, found {}",
                            v.type_name()
                        )))
                    }
                };
                request.how.timeout = Some(Duration::from_secs_f64(seconds));
            }
            "remove_existing_before" => {
                request.existing = Some(if flag()? {
                    Existing::Remove
                } else {
                    Existing::Refuse
                });
            }
            "remove_created_after" => request.how.remove = flag()?,
            other => {
                let hint = crate::model::suggest::closest(other, OPTIONS)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(raise_one(Problem::new(
                    format!("script: unknown option `{other}`{hint}"),
                    origin.clone(),
                )));
            }
        }
    }
    let Some(path) = script_path else {
        request.command = command_format;
        return Ok(request);
    };
    // A directory is mounted where the script's directory goes; a file's directory is, and
    // `{script_path}` names the file in it.
    let path = base.join(path);
    let host = std::fs::canonicalize(&path).map_err(|e| {
        raise_one(Problem::new(
            format!("script: `script_path`: can't read `{}`: {e}", path.display()),
            at("script_path"),
        ))
    })?;
    let (host_dir, inside) = if host.is_dir() {
        (host.clone(), dir.clone())
    } else {
        let name = host
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let parent = host.parent().map(Path::to_path_buf).unwrap_or_default();
        (parent, format!("{}/{name}", dir.trim_end_matches('/')))
    };
    request.binds.push((host_dir.to_string_lossy().into_owned(), dir));
    // docker-map's default: the arguments of a shell running the script.
    let format = command_format.unwrap_or_else(|| vec!["-c".into(), "{script_path}".into()]);
    request.command = Some(
        format
            .iter()
            .map(|w| w.replace("{script_path}", &inside))
            .collect(),
    );
    Ok(request)
}

/// A string (split into words as a shell would) or an array of strings.
fn words(v: &Value) -> Result<Vec<String>, String> {
    match v {
        Value::Str(s) => crate::model::shell_words::split_words(s).map_err(|e| e.to_string()),
        Value::List(items) => items
            .iter()
            .map(|i| {
                i.as_str()
                    .map(str::to_string)
                    .ok_or_else(|| format!("expected strings, found {}", i.type_name()))
            })
            .collect(),
        other => Err(format!(
            "expected a string or an array of strings, found {}",
            other.type_name()
        )),
    }
}
