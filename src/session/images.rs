//! Images built from a context: those maps declare (`m.images.NAME = df`) and those `d.build`
//! asks for. Their references are resolved as a container's `image` is; their sources are
//! checked with the maps, before any Engine is contacted; their digests are computed (a hash,
//! no upload) before the Engine is observed.

use std::collections::BTreeMap;
use std::sync::Arc;

use crate::context::{Context, ContextError};
use crate::model::builder::{Builder, Choice};
use crate::model::{image, ContainerMap, Origin, Problem};
use crate::runtime::spec::{Desired, DesiredBuild};

/// An image a map declares.
#[derive(Clone, Debug)]
pub(crate) struct Declared {
    /// The map that declares it.
    pub map: String,
    /// As declared (`m.images.NAME`).
    pub name: String,
    pub context: Arc<Context>,
    /// Where it was declared.
    pub origin: Origin,
    /// The builder its map chose (`m.builder`).
    pub builder: Option<Builder>,
}

/// A declared image with its reference.
#[derive(Clone, Debug)]
pub(crate) struct Resolved {
    pub declared: Declared,
    pub reference: String,
}

/// The reference of `name` in `map`: `repository` and `default_tag` apply as to `image`.
pub(crate) fn reference(map: &ContainerMap, name: &str) -> String {
    image::resolve(
        Some(name),
        name,
        map.repository.as_deref(),
        map.default_tag.as_deref(),
    )
}

/// Resolves the declared images of `maps` by reference; two declarations of one reference
/// with different contexts are a problem, as are a missing source and a Dockerfile the chosen
/// builder can't build (`builder_problems`).
pub(crate) fn resolve(
    maps: &[&ContainerMap],
    declared: &[Declared],
    choice: &Choice,
) -> Result<BTreeMap<String, Resolved>, Vec<Problem>> {
    let mut out: BTreeMap<String, Resolved> = BTreeMap::new();
    let mut problems = Vec::new();
    for d in declared {
        let Some(map) = maps.iter().find(|m| m.name == d.map) else {
            continue;
        };
        let reference = reference(map, &d.name);
        if let Some(first) = out.get(&reference) {
            if first.declared.context != d.context {
                problems.push(Problem::new(
                    format!(
                        "image `{reference}` is declared twice with different contexts (as `{}` in map `{}` at {}, and as `{}` in map `{}`)",
                        first.declared.name, first.declared.map, first.declared.origin, d.name, d.map
                    ),
                    d.origin.clone(),
                ));
            }
            continue;
        }
        if let Err(e) = d.context.check() {
            problems.push(source_problem(&d.name, &d.origin, &e));
            continue;
        }
        problems.extend(builder_problems(
            &d.name,
            &d.context,
            &d.origin,
            choice.pick(d.builder),
        ));
        out.insert(
            reference.clone(),
            Resolved {
                declared: d.clone(),
                reference,
            },
        );
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// A context that can't be written, as a problem at the line that added the failing source
/// (else where the image was declared).
pub(crate) fn source_problem(name: &str, declared_at: &Origin, e: &ContextError) -> Problem {
    let origin = e.trace().map_or_else(|| declared_at.clone(), |t| t.at.clone());
    Problem::new(format!("image `{name}`: {e}"), origin)
}

/// What of a Dockerfile the builder dmap runs it with can't build: `RUN --mount` under the
/// classic builder (`chosen`, and what chose it), a build secret the build is not given, and
/// ssh agents (bollard's build session forwards none). Each at the line that wrote the
/// instruction (a recipe's), else where the image was declared, with the Dockerfile's line.
pub(crate) fn builder_problems(
    name: &str,
    context: &Context,
    declared_at: &Origin,
    chosen: Option<(Builder, String)>,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    for mount in crate::dockerfile::logical::run_mounts(&context.dockerfile) {
        let given = mount
            .id
            .as_ref()
            .is_some_and(|id| context.settings.secrets.contains_key(id));
        let why = match (mount.kind.as_str(), &chosen) {
            (_, Some((Builder::Classic, by))) => {
                format!("it needs BuildKit, and the classic builder is chosen by {by}")
            }
            ("ssh", _) => "dmap can't give BuildKit an ssh agent (bollard's build session forwards none)".to_string(),
            ("secret", _) if !given => format!(
                "the build is given no secret `{}` (the `secrets` of `build_context`, or of a Compose `build`)",
                mount.id.as_deref().unwrap_or_default()
            ),
            _ => continue,
        };
        let origin = context
            .rendered
            .instructions
            .get(mount.index)
            .map_or_else(|| declared_at.clone(), |i| i.trace.at.clone());
        problems.push(Problem::new(
            format!(
                "image `{name}`: `RUN --mount=type={}` (Dockerfile line {}): {why}",
                mount.kind, mount.line
            ),
            origin,
        ));
    }
    problems
}

/// Digests computed so far in an action, by reference.
#[derive(Default)]
pub(crate) struct Digests(BTreeMap<String, String>);

impl Digests {
    /// Adds to `desired` the builds of the declared images its containers use, computing the
    /// digests not known yet (in parallel: each is a walk and a hash of its sources).
    pub(crate) fn attach(
        &mut self,
        desired: &mut Desired,
        images: &BTreeMap<String, Resolved>,
        choice: &Choice,
    ) -> Result<(), Vec<Problem>> {
        let used: Vec<&Resolved> = desired.images.iter().filter_map(|r| images.get(r)).collect();
        let missing: Vec<&Resolved> = used
            .iter()
            .copied()
            .filter(|r| !self.0.contains_key(&r.reference))
            .collect();
        let computed: Vec<(String, Result<String, Problem>)> = std::thread::scope(|scope| {
            let handles: Vec<_> = missing
                .iter()
                .map(|r| {
                    scope.spawn(move || {
                        let digest = r
                            .declared
                            .context
                            .digest()
                            .map_err(|e| source_problem(&r.declared.name, &r.declared.origin, &e));
                        (r.reference.clone(), digest)
                    })
                })
                .collect();
            handles
                .into_iter()
                .zip(&missing)
                .map(|(h, r)| {
                    h.join().unwrap_or_else(|_| {
                        (
                            r.reference.clone(),
                            Err(Problem::new(
                                format!("image `{}`: hashing its context failed", r.declared.name),
                                r.declared.origin.clone(),
                            )),
                        )
                    })
                })
                .collect()
        });
        let mut problems = Vec::new();
        for (reference, digest) in computed {
            match digest {
                Ok(d) => {
                    self.0.insert(reference, d);
                }
                Err(p) => problems.push(p),
            }
        }
        if !problems.is_empty() {
            return Err(problems);
        }
        for r in used {
            if let Some(digest) = self.0.get(&r.reference) {
                desired.builds.insert(
                    r.reference.clone(),
                    DesiredBuild {
                        name: r.declared.name.clone(),
                        reference: r.reference.clone(),
                        extra_tags: Vec::new(),
                        context: r.declared.context.clone(),
                        digest: digest.clone(),
                        builder: choice.pick(r.declared.builder).map(|(b, _)| b),
                    },
                );
            }
        }
        Ok(())
    }
}
