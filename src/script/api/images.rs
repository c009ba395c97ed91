//! Build contexts (`docker_context(df)`, `ctx.add`, `ctx.save`) and the images a map declares
//! (`m.images.NAME = df`).

use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, NativeCallContext};

use super::{here, trace, Fallible, State};
use crate::context::Context;
use crate::model::{Origin, Problem};
use crate::script::error::{raise_action, raise_one};
use crate::script::handles::{
    ContextHandle, DockerFileHandle, DockerHandle, ImageSource, ImagesHandle, MapHandle,
};
use crate::session::{Build, BuildRequest, Declared, Mode};

/// How an image is built, from a recipe value: a DockerFile or a context.
pub(super) fn source_of(value: &Dynamic, what: &str, origin: &Origin) -> Fallible<ImageSource> {
    if let Some(df) = value.clone().try_cast::<DockerFileHandle>() {
        return Ok(ImageSource::DockerFile(df));
    }
    if let Some(ctx) = value.clone().try_cast::<ContextHandle>() {
        return Ok(ImageSource::Context(ctx));
    }
    Err(raise_one(Problem::new(
        format!(
            "{what}: expected a DockerFile (`dockerfile(...)`) or a context (`docker_context(df)`), found {}",
            value.type_name()
        ),
        origin.clone(),
    )))
}

/// `app` → `app:latest`; None for what is no tag.
fn full_tag(tag: &str) -> Option<String> {
    if tag.is_empty() || tag.chars().any(char::is_whitespace) || tag.contains('@') {
        return None;
    }
    Some(crate::model::image::resolve(Some(tag), tag, None, None))
}

fn image_name(name: &str, origin: &Origin) -> Fallible<()> {
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        return Err(raise_one(Problem::new(
            format!("image name `{name}` is not an image reference"),
            origin.clone(),
        )));
    }
    Ok(())
}

/// Sets the images of a map from an object map `#{ NAME: df, ... }` (replacing them).
pub(super) fn set_images(m: &MapHandle, value: &Dynamic, origin: &Origin) -> Fallible<()> {
    if let Some(other) = value.clone().try_cast::<ImagesHandle>() {
        if !other.map.same(m) {
            let copy = other.map.images.borrow().clone();
            *m.images.borrow_mut() = copy;
        }
        return Ok(());
    }
    let Ok(entries) = value.as_map_ref() else {
        return Err(raise_one(Problem::new(
            format!(
                "`images`: expected an object map of image names to DockerFiles, found {}",
                value.type_name()
            ),
            origin.clone(),
        )));
    };
    let mut images = crate::script::handles::Images::new();
    for (name, v) in entries.iter() {
        image_name(name, origin)?;
        images.insert(
            name.to_string(),
            (source_of(v, &format!("image `{name}`"), origin)?, origin.clone()),
        );
    }
    *m.images.borrow_mut() = images;
    Ok(())
}

fn context_of(source: &ImageSource, origin: &Origin) -> Fallible<Context> {
    source
        .context()
        .map_err(|e| raise_one(Problem::new(e.to_string(), origin.clone())))
}

/// The images the maps declare, for an action on them.
pub(super) fn declared(maps: &[MapHandle]) -> Fallible<Vec<Declared>> {
    let mut out = Vec::new();
    for m in maps {
        let name = m.name();
        for (image, (source, origin)) in m.images.borrow().iter() {
            out.push(Declared {
                map: name.clone(),
                name: image.clone(),
                context: Arc::new(context_of(source, origin)?),
                origin: origin.clone(),
                builder: m.read().builder,
            });
        }
    }
    Ok(out)
}

/// Each entry of an object map of object maps, with the inner map's keys and values as text.
type MapsOfText = Vec<(String, std::collections::BTreeMap<String, String>)>;

/// An object map of object maps of strings (`secrets`).
fn pairs_of_maps(value: &Dynamic, key: &str) -> Result<MapsOfText, String> {
    let map = value
        .clone()
        .try_cast::<rhai::Map>()
        .ok_or_else(|| format!("`{key}` expects an object map"))?;
    map.into_iter()
        .map(|(id, from)| {
            let inner = from
                .try_cast::<rhai::Map>()
                .ok_or_else(|| format!("`{key}`: `{id}` expects an object map"))?;
            Ok((
                id.to_string(),
                inner
                    .into_iter()
                    .map(|(k, v)| (k.to_string(), v.to_string()))
                    .collect(),
            ))
        })
        .collect()
}

/// What `m.images.NAME` reads: the DockerFile or the context the image is built from.
pub(crate) fn to_dynamic(source: &ImageSource) -> Dynamic {
    match source {
        ImageSource::DockerFile(df) => Dynamic::from(df.clone()),
        ImageSource::Context(ctx) => Dynamic::from(ctx.clone()),
    }
}

pub(super) fn register(engine: &mut Engine, state: &State) {
    engine
        .register_type_with_name::<ContextHandle>("DockerContext")
        .register_type_with_name::<ImagesHandle>("MapImages");

    // docker_context(df): the DockerFile is finalized, its files go in.
    let s = state.clone();
    engine.register_fn(
        "docker_context",
        move |ctx: NativeCallContext, df: DockerFileHandle| -> Fallible<ContextHandle> {
            let t = trace(&ctx, &s);
            let origin = t.at.clone();
            df.dockerfile.borrow_mut().finalize("docker_context", t);
            let context = Context::of(&df.dockerfile.borrow())
                .map_err(|e| raise_one(Problem::new(e.to_string(), origin)))?;
            Ok(ContextHandle::new(context))
        },
    );
    // build_context(dir[, options]): a directory and its Dockerfile, as `docker build DIR`.
    let s = state.clone();
    let from_dir = move |ctx: &NativeCallContext, dir: &str, options: rhai::Map| -> Fallible<ContextHandle> {
        let t = trace(ctx, &s);
        let origin = t.at.clone();
        let fail =
            |message: String| raise_one(Problem::new(format!("build_context: {message}"), origin.clone()));
        let dir = t.base_dir().join(dir);
        let text_of = |v: &Dynamic, key: &str| -> Fallible<String> {
            v.clone()
                .into_string()
                .map_err(|found| fail(format!("`{key}` expects a string, found {found}")))
        };
        let pairs = |v: &Dynamic, key: &str| -> Fallible<std::collections::BTreeMap<String, String>> {
            let map = v
                .clone()
                .try_cast::<rhai::Map>()
                .ok_or_else(|| fail(format!("`{key}` expects an object map")))?;
            Ok(map
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect())
        };
        let mut settings = crate::context::BuildSettings::default();
        let mut dockerfile = None;
        for (key, value) in &options {
            match key.as_str() {
                "dockerfile" => {
                    let path = dir.join(text_of(value, "dockerfile")?);
                    let text = crate::script::input_file::read(&path, &path.to_string_lossy())
                        .map_err(|e| fail(e.to_string()))?;
                    dockerfile = Some(text);
                }
                "dockerfile_inline" => dockerfile = Some(text_of(value, "dockerfile_inline")?),
                "args" => settings.args = pairs(value, "args")?,
                "labels" => settings.labels = pairs(value, "labels")?,
                "target" => settings.target = Some(text_of(value, "target")?),
                "secrets" => {
                    // `#{ ID: #{ file: PATH } }` or `#{ ID: #{ environment: VAR } }`, as Compose
                    // declares secrets.
                    for (id, from) in pairs_of_maps(value, "secrets").map_err(&fail)? {
                        let source = match (from.get("file"), from.get("environment")) {
                            (Some(f), None) => crate::context::SecretFrom::File(
                                std::path::absolute(t.base_dir().join(f)).unwrap_or_else(|_| t.base_dir().join(f)),
                            ),
                            (None, Some(v)) => crate::context::SecretFrom::Env(v.clone()),
                            _ => {
                                return Err(fail(format!(
                                    "`secrets`: `{id}` expects `#{{ file: PATH }}` or `#{{ environment: VAR }}`"
                                )))
                            }
                        };
                        settings.secrets.insert(id, source);
                    }
                }
                other => {
                    return Err(fail(format!(
                        "unknown option `{other}` (expected `dockerfile`, `dockerfile_inline`, `args`, `target`, `labels`, `secrets`)"
                    )))
                }
            }
        }
        let text = match dockerfile {
            Some(t) => t,
            None => {
                let path = dir.join("Dockerfile");
                crate::script::input_file::read(&path, &path.to_string_lossy())
                    .map_err(|e| fail(e.to_string()))?
            }
        };
        Ok(ContextHandle::new(Context::of_directory(&dir, text, settings, t)))
    };
    let f = from_dir.clone();
    engine.register_fn("build_context", move |ctx: NativeCallContext, dir: &str| {
        f(&ctx, dir, rhai::Map::new())
    });
    engine.register_fn(
        "build_context",
        move |ctx: NativeCallContext, dir: &str, options: rhai::Map| from_dir(&ctx, dir, options),
    );
    let s = state.clone();
    let add = move |ctx: &NativeCallContext,
                    c: &mut ContextHandle,
                    path: &str,
                    arcname: Option<&str>|
          -> Fallible<()> {
        let t = trace(ctx, &s);
        let origin = t.at.clone();
        let arcname = match arcname {
            Some(a) => a.to_string(),
            None => path
                .trim_end_matches('/')
                .rsplit('/')
                .next()
                .filter(|n| !n.is_empty() && *n != "." && *n != "..")
                .map(str::to_string)
                .ok_or_else(|| {
                    raise_one(Problem::new(
                        format!("ctx.add: can't tell a name in the context from `{path}`: give one"),
                        origin.clone(),
                    ))
                })?,
        };
        let base = t.base_dir();
        c.context
            .borrow_mut()
            .add(path, &arcname, base, t)
            .map_err(|e| raise_one(Problem::new(format!("ctx.add: {e}"), origin)))
    };
    let a = add.clone();
    engine.register_fn(
        "add",
        move |ctx: NativeCallContext, c: &mut ContextHandle, path: &str| a(&ctx, c, path, None),
    );
    engine.register_fn(
        "add",
        move |ctx: NativeCallContext, c: &mut ContextHandle, path: &str, arcname: &str| {
            add(&ctx, c, path, Some(arcname))
        },
    );
    let s = state.clone();
    engine.register_fn(
        "save",
        move |ctx: NativeCallContext, c: &mut ContextHandle, path: &str| -> Fallible<()> {
            let t = trace(&ctx, &s);
            let origin = t.at.clone();
            // `dmap check` and `dmap show` write nothing, but the sources must exist.
            let context = c.context.borrow();
            let failed = |e: crate::context::ContextError| {
                raise_one(Problem::new(format!("ctx.save: {e}"), origin.clone()))
            };
            if s.session.mode() == Mode::Record {
                return context.check().map_err(failed);
            }
            let full = t.base_dir().join(path);
            if let Some(dir) = full.parent().filter(|d| !d.as_os_str().is_empty()) {
                std::fs::create_dir_all(dir).map_err(|e| {
                    raise_one(Problem::new(
                        format!("ctx.save: can't create `{}`: {e}", dir.display()),
                        origin.clone(),
                    ))
                })?;
            }
            context.save(&full).map_err(failed)
        },
    );
    let s = state.clone();
    engine.register_fn(
        "digest",
        move |ctx: NativeCallContext, c: &mut ContextHandle| -> Fallible<String> {
            let origin = here(&ctx, &s);
            c.context
                .borrow()
                .digest()
                .map_err(|e| raise_one(Problem::new(format!("ctx.digest: {e}"), origin)))
        },
    );
    engine.register_fn("to_string", |c: &mut ContextHandle| {
        let names: Vec<String> = c
            .context
            .borrow()
            .entries
            .iter()
            .map(|e| e.arcname.clone())
            .collect();
        format!("docker_context([{}])", names.join(", "))
    });

    // d.build(df_or_ctx, tag[, more_tags])
    for with_more in [false, true] {
        let s = state.clone();
        let build = move |ctx: &NativeCallContext,
                          d: &DockerHandle,
                          source: Dynamic,
                          tag: &str,
                          more: Array|
              -> Fallible<()> {
            let t = trace(ctx, &s);
            let origin = t.at.clone();
            let fail = |m: String| raise_one(Problem::new(format!("d.build: {m}"), origin.clone()));
            let source = source_of(&source, "d.build", &origin)?;
            if let ImageSource::DockerFile(df) = &source {
                df.dockerfile.borrow_mut().finalize("d.build", t.clone());
            }
            let context = context_of(&source, &origin)?;
            let mut tags = vec![full_tag(tag).ok_or_else(|| fail(format!("`{tag}` is not an image tag")))?];
            for m in more {
                let text = m
                    .clone()
                    .into_string()
                    .map_err(|_| fail(format!("tags are strings, found {}", m.type_name())))?;
                tags.push(full_tag(&text).ok_or_else(|| fail(format!("`{text}` is not an image tag")))?);
            }
            let request = BuildRequest {
                client: crate::model::name::DEFAULT_CLIENT,
                config: &d.config,
                builds: &[Build {
                    name: tags[0].clone(),
                    tags,
                    context: Arc::new(context),
                    origin: origin.clone(),
                    reason: "d.build".into(),
                    builder: None,
                }],
                changed_only: false,
                push: false,
            };
            s.session
                .build(&request, s.reporter.as_ref())
                .map(|_| ())
                .map_err(|e| raise_action(e, origin))
        };
        if with_more {
            engine.register_fn(
                "build",
                move |ctx: NativeCallContext,
                      d: &mut DockerHandle,
                      source: Dynamic,
                      tag: &str,
                      more: Array| { build(&ctx, d, source, tag, more) },
            );
        } else {
            engine.register_fn(
                "build",
                move |ctx: NativeCallContext, d: &mut DockerHandle, source: Dynamic, tag: &str| {
                    build(&ctx, d, source, tag, Array::new())
                },
            );
        }
    }

    // m.images.NAME
    engine.register_indexer_get(|i: &mut ImagesHandle, name: &str| -> Dynamic {
        i.map
            .images
            .borrow()
            .get(name)
            .map_or(Dynamic::UNIT, |(s, _)| to_dynamic(s))
    });
    let s = state.clone();
    engine.register_indexer_set(
        move |ctx: NativeCallContext, i: &mut ImagesHandle, name: &str, value: Dynamic| -> Fallible<()> {
            let origin = here(&ctx, &s);
            image_name(name, &origin)?;
            let source = source_of(&value, &format!("image `{name}`"), &origin)?;
            i.map
                .images
                .borrow_mut()
                .insert(name.to_string(), (source, origin));
            Ok(())
        },
    );
    engine.register_fn("keys", |i: &mut ImagesHandle| -> Array {
        i.map.images.borrow().keys().cloned().map(Dynamic::from).collect()
    });
    engine.register_fn("len", |i: &mut ImagesHandle| {
        i.map.images.borrow().len() as rhai::INT
    });
    engine.register_fn("contains", |i: &mut ImagesHandle, name: &str| {
        i.map.images.borrow().contains_key(name)
    });
    engine.register_fn("remove", |i: &mut ImagesHandle, name: &str| {
        i.map.images.borrow_mut().remove(name).is_some()
    });
    engine.register_fn("to_string", |i: &mut ImagesHandle| {
        let names: Vec<String> = i.map.images.borrow().keys().cloned().collect();
        format!("images [{}]", names.join(", "))
    });
}
