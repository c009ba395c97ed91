//! A service's `build`: the directory to send, the Dockerfile (a file in it, or written inline),
//! build arguments, the stage and labels. The image is named as the service's `image` says,
//! else `PROJECT-SERVICE`, as Compose names it.

use std::collections::BTreeMap;
use std::path::PathBuf;

use super::service::Context;
use crate::context::BuildSettings;
use crate::model::{Origin, Value};

/// An image a service builds.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Build {
    pub service: String,
    /// The name its configuration's `image` is given, unless it names one.
    pub image: String,
    /// The directory sent as the context (absolute).
    pub context: PathBuf,
    /// Where its Dockerfile is, or the Dockerfile itself.
    pub dockerfile: Dockerfile,
    pub settings: BuildSettings,
    pub origin: Origin,
}

#[derive(Clone, Debug, PartialEq)]
pub(crate) enum Dockerfile {
    /// A file (absolute path).
    File(PathBuf),
    /// `dockerfile_inline`.
    Inline(String),
}

impl Build {
    /// Its build context, `read` reading a Dockerfile the build names.
    pub(crate) fn context(
        &self,
        read: &dyn Fn(&std::path::Path) -> Result<String, String>,
    ) -> Result<crate::context::Context, crate::model::Problem> {
        let text = match &self.dockerfile {
            Dockerfile::Inline(text) => text.clone(),
            Dockerfile::File(path) => read(path).map_err(|why| {
                crate::model::Problem::new(
                    format!("service `{}`: `build`: {why}", self.service),
                    self.origin.clone(),
                )
            })?,
        };
        let trace = crate::dockerfile::Trace {
            at: self.origin.clone(),
            via: Vec::new(),
        };
        Ok(crate::context::Context::of_directory(
            &self.context,
            text,
            self.settings.clone(),
            trace,
        ))
    }
}

/// `build: DIR` or `build: {context, dockerfile | dockerfile_inline, args, target, labels}`.
pub(super) fn read(ctx: &Context<'_>, sname: &str, value: &Value, origin: Origin) -> Result<Build, String> {
    let empty = BTreeMap::new();
    let (context, m) = match value {
        Value::Str(dir) => (dir.clone(), &empty),
        Value::Map(m) => (
            m.get("context")
                .and_then(Value::as_str)
                .unwrap_or(".")
                .to_string(),
            m,
        ),
        other => {
            return Err(format!(
                "expected a directory or a mapping, found {}",
                other.type_name()
            ))
        }
    };
    let context = PathBuf::from(super::mounts::host_path(ctx, &context));
    let mut settings = BuildSettings::default();
    let mut dockerfile = Dockerfile::File(context.join("Dockerfile"));
    for (k, v) in m {
        match k.as_str() {
            _ if k.starts_with("x-") => {}
            "context" => {}
            "dockerfile" => {
                let file = v
                    .as_str()
                    .ok_or_else(|| format!("`dockerfile`: expected a path, found {v}"))?;
                dockerfile = Dockerfile::File(context.join(file));
            }
            "dockerfile_inline" => {
                let text = v
                    .as_str()
                    .ok_or_else(|| format!("`dockerfile_inline`: expected text, found {v}"))?;
                dockerfile = Dockerfile::Inline(text.to_string());
            }
            "args" => settings.args = pairs(v, ctx, "args")?,
            "labels" => settings.labels = pairs(v, ctx, "labels")?,
            "target" => settings.target = v.as_str().map(str::to_string),
            "image" => {}
            "secrets" => settings.secrets = secrets(ctx, v)?,
            "ssh" => {
                return Err(
                    "`ssh`: dmap can't give BuildKit an ssh agent (bollard's build session forwards none)"
                        .into(),
                )
            }
            other => return Err(format!("`{other}`: dmap can't carry out this part of `build`")),
        }
    }
    if m.contains_key("dockerfile") && m.contains_key("dockerfile_inline") {
        return Err("`dockerfile` and `dockerfile_inline` exclude each other".into());
    }
    Ok(Build {
        service: sname.to_string(),
        image: format!("{}-{sname}", ctx.project),
        context,
        dockerfile,
        settings,
        origin,
    })
}

/// `args` or `labels`: a list of `K=V` (a build argument without `=` takes the environment's
/// value, or is left out) or a mapping.
fn pairs(value: &Value, ctx: &Context<'_>, what: &str) -> Result<BTreeMap<String, String>, String> {
    let mut out = BTreeMap::new();
    let mut put = |k: String, v: Option<String>| match v
        .or_else(|| (what == "args").then(|| (ctx.lookup)(&k)).flatten())
    {
        Some(v) => {
            out.insert(k, v);
        }
        None if what == "labels" => {
            out.insert(k, String::new());
        }
        None => {}
    };
    match value {
        Value::Map(m) => {
            for (k, v) in m {
                put(k.clone(), v.scalar_text());
            }
        }
        Value::List(items) => {
            for i in items {
                let t = i
                    .scalar_text()
                    .ok_or_else(|| format!("`{what}`: expected `KEY=VALUE`, found {i}"))?;
                match t.split_once('=') {
                    Some((k, v)) => put(k.to_string(), Some(v.to_string())),
                    None => put(t, None),
                }
            }
        }
        other => {
            return Err(format!(
                "`{what}`: expected a list or a mapping, found {}",
                other.type_name()
            ))
        }
    }
    Ok(out)
}

/// `build.secrets`: names (or `{source, target}`) of top-level `secrets`, each a `file` or an
/// `environment` variable, by the ID the Dockerfile mounts it as (`target`, else the name).
fn secrets(ctx: &Context<'_>, value: &Value) -> Result<BTreeMap<String, crate::context::SecretFrom>, String> {
    let mut out = BTreeMap::new();
    let named =
        super::mounts::references(ctx, "secrets", value).map_err(|why| format!("`secrets`: {why}"))?;
    for super::mounts::Reference {
        source,
        target,
        declared: d,
    } in named
    {
        let from = match (
            d.get("file").and_then(Value::as_str),
            d.get("environment").and_then(Value::as_str),
        ) {
            (Some(file), _) => {
                crate::context::SecretFrom::File(PathBuf::from(super::mounts::host_path(ctx, file)))
            }
            (None, Some(var)) => crate::context::SecretFrom::Env(var.to_string()),
            _ => {
                return Err(format!(
                    "`secrets`: `{source}`: a build secret comes from a `file` or an `environment` variable"
                ))
            }
        };
        out.insert(target.unwrap_or(source), from);
    }
    Ok(out)
}
