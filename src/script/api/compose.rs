//! Compose files in recipes: `load_compose(path)` and `load_compose(path, #{ project, profiles,
//! env_file })`, a Compose file as a container map that follows Compose's naming (configurations
//! the recipe adds to it included). Paths are relative to the calling file; the environment is
//! the process's; Compose's warnings go where the recipe's `print` goes.

use std::path::Path;

use rhai::{Engine, Map, NativeCallContext};

use super::map::new_map;
use super::{here, literal, value_of, Fallible, State};
use crate::model::{Origin, Problem, Value};
use crate::script::compose_file::Options;
use crate::script::error::{raise, raise_one};
use crate::script::handles::MapHandle;

/// The options `load_compose` takes.
const OPTIONS: [&str; 3] = ["project", "profiles", "env_file"];

pub(super) fn register(engine: &mut Engine, state: &State) {
    let s = state.clone();
    engine.register_fn(
        "load_compose",
        move |ctx: NativeCallContext, path: &str| -> Fallible<MapHandle> {
            load(&ctx, &s, path, Options::default())
        },
    );
    let s = state.clone();
    engine.register_fn(
        "load_compose",
        move |ctx: NativeCallContext, path: &str, options: Map| -> Fallible<MapHandle> {
            let origin = here(&ctx, &s);
            let options = read_options(&options, &origin.base_dir(), &|key| literal(&s, &origin, &[key]))?;
            load(&ctx, &s, path, options)
        },
    );
}

/// Reads the Compose file at `path` (relative to the calling file) as a map.
fn load(ctx: &NativeCallContext, s: &State, path: &str, options: Options) -> Fallible<MapHandle> {
    let origin = here(ctx, s);
    let (full, label, text) = super::map::read_named(&origin, path, "Compose file")?;
    let project = crate::script::compose_file::load(&full, &label, &text, &options).map_err(raise)?;
    // Compose's warnings are the recipe's output: the interpreter prints nothing itself.
    for w in &project.warnings {
        ctx.call_native_fn::<()>("print", (format!("warning: {w}"),))?;
    }
    let handle = new_map(s, project.map);
    handle.images.borrow_mut().extend(project.images);
    Ok(handle)
}

/// The options of `load_compose`; env files are relative to `base` (the calling file's
/// directory). A problem is placed at the option's value, by `at`.
fn read_options(options: &Map, base: &Path, at: &dyn Fn(&str) -> Origin) -> Fallible<Options> {
    let mut out = Options::default();
    for (key, value) in options {
        let key = key.as_str();
        let origin = at(key);
        let v = value_of(value, &format!("load_compose: `{key}`"), &origin)?;
        let bad = |what: &str| {
            raise_one(Problem::new(
                format!("load_compose: `{key}` expects {what}, found {}", v.type_name()),
                origin.clone(),
            ))
        };
        match key {
            "project" => match &v {
                Value::Str(name) => out.project = Some(name.clone()),
                _ => return Err(bad("the project name as a string")),
            },
            "profiles" => out.profiles = strings(&v).ok_or_else(|| bad("a string or an array of strings"))?,
            "env_file" => {
                out.env_files = strings(&v)
                    .ok_or_else(|| bad("a path or an array of paths"))?
                    .iter()
                    .map(|p| {
                        let full = base.join(p);
                        full.strip_prefix("./").map(Path::to_path_buf).unwrap_or(full)
                    })
                    .collect();
            }
            other => {
                let hint = crate::model::suggest::closest(other, OPTIONS)
                    .map(|k| format!(" (did you mean `{k}`?)"))
                    .unwrap_or_default();
                return Err(raise_one(Problem::new(
                    format!(
                        "load_compose: unknown option `{other}`{hint}; options: {}",
                        OPTIONS.map(|o| format!("`{o}`")).join(", ")
                    ),
                    origin,
                )));
            }
        }
    }
    Ok(out)
}

/// A string, or a list of strings.
fn strings(value: &Value) -> Option<Vec<String>> {
    match value {
        Value::Str(s) => Some(vec![s.clone()]),
        Value::List(items) => items.iter().map(|i| i.as_str().map(str::to_string)).collect(),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;

    fn map(entries: &[(&str, rhai::Dynamic)]) -> Map {
        entries.iter().map(|(k, v)| ((*k).into(), v.clone())).collect()
    }

    /// The options read, or the text of the problem.
    fn read(options: &Map) -> Result<Options, String> {
        read_options(options, Path::new("recipes"), &|_| Origin::new("r.rhai")).map_err(|e| match *e {
            rhai::EvalAltResult::ErrorRuntime(d, _) => d
                .try_cast::<crate::script::error::Problems>()
                .map(|mut p| p.message())
                .unwrap_or_default(),
            other => other.to_string(),
        })
    }

    #[test]
    fn options_are_read_with_strings_or_arrays() {
        let both = map(&[
            ("project", "shop".into()),
            (
                "profiles",
                rhai::Dynamic::from_array(vec!["a".into(), "b".into()]),
            ),
            ("env_file", "prod.env".into()),
        ]);
        assert_eq!(
            read(&both),
            Ok(Options {
                project: Some("shop".into()),
                profiles: vec!["a".into(), "b".into()],
                env_files: vec![PathBuf::from("recipes/prod.env")],
            })
        );
        let one = map(&[("profiles", "debug".into())]);
        assert_eq!(read(&one).map(|o| o.profiles), Ok(vec!["debug".to_string()]));
    }

    #[test]
    fn unknown_options_and_wrong_shapes_are_errors() {
        let err = read(&map(&[("profile", "a".into())])).expect_err("unknown");
        assert!(
            err.contains("load_compose: unknown option `profile` (did you mean `profiles`?)"),
            "{err}"
        );
        let err = read(&map(&[("project", rhai::Dynamic::from(1_i64))])).expect_err("shape");
        assert!(
            err.contains("load_compose: `project` expects the project name as a string, found an integer"),
            "{err}"
        );
        let err = read(&map(&[(
            "env_file",
            rhai::Dynamic::from_array(vec![1_i64.into()]),
        )]))
        .expect_err("shape");
        assert!(err.contains("expects a path or an array of paths"), "{err}");
    }
}
