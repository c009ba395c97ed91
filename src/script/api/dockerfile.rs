//! DockerFiles: `dockerfile(base)`, its methods and deferred properties, `to_string`, `save`.

use rhai::{Array, Dynamic, Engine, Map, NativeCallContext};

use super::{here, trace, value_of, Fallible, State};
use crate::dockerfile::{format, DockerFile, DockerFileError, PROPERTIES};
use crate::model::{Origin, Problem, Value};
use crate::script::error::raise_one;
use crate::script::handles::DockerFileHandle;
use crate::session::Mode;

/// docker-map's names for two properties.
const ALIASES: [(&str, &str); 4] = [
    ("command_user", "user"),
    ("cmd_user", "user"),
    ("command_workdir", "workdir"),
    ("cmd_workdir", "workdir"),
];

fn fail(e: DockerFileError, origin: Origin) -> Box<rhai::EvalAltResult> {
    raise_one(Problem::new(e.to_string(), origin))
}

/// A word of an instruction: a string, a number, or anything else as its text.
fn word(d: &Dynamic, origin: &Origin) -> Fallible<String> {
    let v = value_of(d, "DockerFile", origin)?;
    Ok(format::text(&v))
}

/// A line given as a string or as a list of words.
fn line(d: &Dynamic, origin: &Origin) -> Fallible<Vec<String>> {
    match d.as_array_ref() {
        Ok(items) => items.iter().map(|w| word(w, origin)).collect(),
        Err(_) => Ok(vec![word(d, origin)?]),
    }
}

fn lines(items: &Array, origin: &Origin) -> Fallible<Vec<Vec<String>>> {
    items.iter().map(|l| line(l, origin)).collect()
}

pub(super) fn register(engine: &mut Engine, state: &State) {
    engine.register_type_with_name::<DockerFileHandle>("DockerFile");
    let s = state.clone();
    engine.register_fn("dockerfile", move |ctx: NativeCallContext, base: &str| {
        DockerFileHandle::new(DockerFile::new(Some(base), trace(&ctx, &s)))
    });
    let s = state.clone();
    engine.register_fn(
        "dockerfile",
        move |ctx: NativeCallContext, base: &str, settings: Map| -> Fallible<DockerFileHandle> {
            let t = trace(&ctx, &s);
            let mut df = DockerFile::new(Some(base), t.clone());
            for (key, value) in settings {
                let v = value_of(&value, "dockerfile", &t.at)?;
                let key = ALIASES
                    .iter()
                    .find(|(a, _)| *a == key.as_str())
                    .map_or(key.as_str(), |(_, p)| *p);
                df.set(key, &v, t.clone()).map_err(|e| fail(e, t.at.clone()))?;
            }
            Ok(DockerFileHandle::new(df))
        },
    );

    // Instructions written now.
    macro_rules! method {
        ($name:literal, |$df:ident, $t:ident $(, $arg:ident : $ty:ty)*| $body:expr) => {{
            let s = state.clone();
            engine.register_fn(
                $name,
                move |ctx: NativeCallContext, h: &mut DockerFileHandle $(, $arg: $ty)*| -> Fallible<()> {
                    let $t = trace(&ctx, &s);
                    let origin = $t.at.clone();
                    let mut $df = h.dockerfile.borrow_mut();
                    // A closure, so that `?` in the body leaves the body only.
                    #[allow(clippy::redundant_closure_call)]
                    let result: Fallible<Result<(), DockerFileError>> = (|| Ok($body))();
                    result?.map_err(|e| fail(e, origin))
                },
            );
        }};
    }
    method!("run", |df, t, a: Dynamic| df.run(&line(&a, &t.at)?, t));
    method!("run", |df, t, a: Dynamic, b: Dynamic| df
        .run(&[word(&a, &t.at)?, word(&b, &t.at)?], t));
    method!("run", |df, t, a: Dynamic, b: Dynamic, c: Dynamic| df
        .run(&[word(&a, &t.at)?, word(&b, &t.at)?, word(&c, &t.at)?], t));
    method!("run_all", |df, t, items: Array| df
        .run_all(&lines(&items, &t.at)?, t));
    method!("run_join", |df, t, items: Array| {
        let words: Vec<String> = items.iter().map(|w| word(w, &t.at)).collect::<Fallible<_>>()?;
        df.run_join(&words, t)
    });
    method!("comment", |df, t| df.comment(None, t));
    method!("comment", |df, t, text: &str| df.comment(Some(text), t));
    method!("blank", |df, t| df.blank(t));
    method!("write", |df, t, text: &str| df.write(text, t));
    method!("writeline", |df, t, text: &str| df.writeline(text, t));
    method!("writelines", |df, t, items: Array| {
        for item in &items {
            df.writeline(&word(item, &t.at)?, t.clone())
                .map_err(|e| fail(e, t.at.clone()))?;
        }
        Ok(())
    });
    method!("prefix", |df, t, p: &str| df.prefix(p, &[], t));
    method!("prefix", |df, t, p: &str, a: Dynamic| df.prefix(
        p,
        &line(&a, &t.at)?,
        t
    ));
    method!("prefix", |df, t, p: &str, a: Dynamic, b: Dynamic| df.prefix(
        p,
        &[word(&a, &t.at)?, word(&b, &t.at)?],
        t
    ));
    method!("prefix", |df, t, p: &str, a: Dynamic, b: Dynamic, c: Dynamic| df
        .prefix(p, &[word(&a, &t.at)?, word(&b, &t.at)?, word(&c, &t.at)?], t));
    method!("prefix_all", |df, t, p: &str, items: Array| df.prefix_all(
        p,
        &lines(&items, &t.at)?,
        t
    ));
    method!("add_volume", |df, t, path: &str| df.add_volume(path, t));

    // Files and archives: recorded, read when a context is built.
    let s = state.clone();
    let add_file = move |ctx: &NativeCallContext,
                         h: &mut DockerFileHandle,
                         source: &str,
                         target: Option<String>,
                         options: Map|
          -> Fallible<String> {
        let t = trace(ctx, &s);
        let origin = t.at.clone();
        let mut ctx_path: Option<String> = None;
        let mut remove_final = false;
        let mut target = target;
        for (key, value) in &options {
            let v = value_of(value, "add_file", &origin)?;
            let bad = |what: &str| {
                raise_one(Problem::new(
                    format!("add_file: `{key}` expects {what}, found {v}"),
                    origin.clone(),
                ))
            };
            match (key.as_str(), &v) {
                ("ctx_path", Value::Str(p)) => ctx_path = Some(p.clone()),
                ("ctx_path", _) => return Err(bad("a path")),
                ("dst_path" | "target", Value::Str(p)) => target = Some(p.clone()),
                ("dst_path" | "target", _) => return Err(bad("a path")),
                ("remove_final", Value::Bool(b)) => remove_final = *b,
                ("remove_final", _) => return Err(bad("true or false")),
                (other, _) => {
                    let known = ["ctx_path", "dst_path", "remove_final"];
                    let hint = crate::model::suggest::closest(other, known)
                        .map(|k| format!(" (did you mean `{k}`?)"))
                        .unwrap_or_default();
                    return Err(raise_one(Problem::new(
                        format!(
                            "add_file: unknown option `{other}`{hint}; options: {}",
                            known.join(", ")
                        ),
                        origin,
                    )));
                }
            }
        }
        let base_dir = t.base_dir();
        h.dockerfile
            .borrow_mut()
            .add_file(
                source,
                target.as_deref(),
                ctx_path.as_deref(),
                remove_final,
                base_dir,
                t,
            )
            .map_err(|e| fail(e, origin))
    };
    let f = add_file.clone();
    engine.register_fn(
        "add_file",
        move |ctx: NativeCallContext, h: &mut DockerFileHandle, src: &str| f(&ctx, h, src, None, Map::new()),
    );
    let f = add_file.clone();
    engine.register_fn(
        "add_file",
        move |ctx: NativeCallContext, h: &mut DockerFileHandle, src: &str, dst: &str| {
            f(&ctx, h, src, Some(dst.to_string()), Map::new())
        },
    );
    let f = add_file.clone();
    engine.register_fn(
        "add_file",
        move |ctx: NativeCallContext, h: &mut DockerFileHandle, src: &str, options: Map| {
            f(&ctx, h, src, None, options)
        },
    );
    engine.register_fn(
        "add_file",
        move |ctx: NativeCallContext, h: &mut DockerFileHandle, src: &str, dst: &str, options: Map| {
            add_file(&ctx, h, src, Some(dst.to_string()), options)
        },
    );
    let s = state.clone();
    engine.register_fn(
        "add_archive",
        move |ctx: NativeCallContext, h: &mut DockerFileHandle, src: &str| -> Fallible<String> {
            let t = trace(&ctx, &s);
            let origin = t.at.clone();
            let base_dir = t.base_dir();
            h.dockerfile
                .borrow_mut()
                .add_archive(src, base_dir, t)
                .map_err(|e| fail(e, origin))
        },
    );

    // Deferred properties, by attribute or index syntax.
    for name in PROPERTIES.iter().copied().chain(ALIASES.iter().map(|(a, _)| *a)) {
        let property = ALIASES.iter().find(|(a, _)| *a == name).map_or(name, |(_, p)| *p);
        engine.register_get(name, move |h: &mut DockerFileHandle| {
            crate::script::convert::to_dynamic(&h.dockerfile.borrow().get(property).unwrap_or(Value::Null))
        });
        let s = state.clone();
        engine.register_set(
            name,
            move |ctx: NativeCallContext, h: &mut DockerFileHandle, value: Dynamic| -> Fallible<()> {
                let t = trace(&ctx, &s);
                let v = value_of(&value, &format!("DockerFile `{name}`"), &t.at)?;
                let origin = t.at.clone();
                h.dockerfile
                    .borrow_mut()
                    .set(property, &v, t)
                    .map_err(|e| fail(e, origin))
            },
        );
    }
    let s = state.clone();
    engine.register_indexer_get(
        move |ctx: NativeCallContext, h: &mut DockerFileHandle, name: &str| -> Fallible<Dynamic> {
            let property = ALIASES.iter().find(|(a, _)| *a == name).map_or(name, |(_, p)| *p);
            match h.dockerfile.borrow().get(property) {
                Some(v) => Ok(crate::script::convert::to_dynamic(&v)),
                None => Err(raise_one(Problem::new(
                    format!(
                        "a DockerFile has no property `{name}` (properties: {})",
                        PROPERTIES.join(", ")
                    ),
                    here(&ctx, &s),
                ))),
            }
        },
    );
    let s = state.clone();
    engine.register_indexer_set(
        move |ctx: NativeCallContext, h: &mut DockerFileHandle, name: &str, value: Dynamic| -> Fallible<()> {
            let t = trace(&ctx, &s);
            let v = value_of(&value, &format!("DockerFile `{name}`"), &t.at)?;
            let property = ALIASES.iter().find(|(a, _)| *a == name).map_or(name, |(_, p)| *p);
            let origin = t.at.clone();
            h.dockerfile
                .borrow_mut()
                .set(property, &v, t)
                .map_err(|e| fail(e, origin))
        },
    );

    // The text, and saving it.
    let render = |h: &mut DockerFileHandle, origin: Origin| -> Fallible<String> {
        h.dockerfile
            .borrow()
            .render()
            .map(|r| r.text)
            .map_err(|e| fail(e, origin))
    };
    let s = state.clone();
    engine.register_fn(
        "to_string",
        move |ctx: NativeCallContext, h: &mut DockerFileHandle| render(h, here(&ctx, &s)),
    );
    let s = state.clone();
    engine.register_fn(
        "to_debug",
        move |ctx: NativeCallContext, h: &mut DockerFileHandle| render(h, here(&ctx, &s)),
    );
    let s = state.clone();
    engine.register_fn(
        "finalize",
        move |ctx: NativeCallContext, h: &mut DockerFileHandle| {
            h.dockerfile.borrow_mut().finalize("finalize", trace(&ctx, &s));
        },
    );
    let s = state.clone();
    engine.register_fn(
        "save",
        move |ctx: NativeCallContext, h: &mut DockerFileHandle, path: &str| -> Fallible<()> {
            let t = trace(&ctx, &s);
            let origin = t.at.clone();
            let base_dir = t.base_dir();
            h.dockerfile.borrow_mut().finalize("save", t);
            let text = render(h, origin.clone())?;
            // `dmap check` and `dmap show` write nothing.
            if s.session.mode() == Mode::Record {
                return Ok(());
            }
            let full = base_dir.join(path);
            if let Some(dir) = full.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    raise_one(Problem::new(
                        format!("save: can't create `{}`: {e}", dir.display()),
                        origin.clone(),
                    ))
                })?;
            }
            std::fs::write(&full, text).map_err(|e| {
                raise_one(Problem::new(
                    format!("save: can't write `{}`: {e}", full.display()),
                    origin,
                ))
            })
        },
    );
}
