//! Images a map builds: a `build` step when the image is missing or the context digest recorded
//! on it differs from the context's, before the containers that use it; the ones that exist are
//! recreated for the new image. An unchanged context costs its hash and nothing else. A client
//! that copies an image from another (`Options::image_sources`) has a `copy` step instead, by the
//! same rule, except that `--build` copies nothing it holds up to date.

use std::collections::BTreeMap;

use super::{Action, BuildPolicy, Builder, StepKind};
use crate::runtime::spec::ResolvedContainer;

/// `sha256:0123456789ab…`
pub(super) fn short_digest(digest: &str) -> String {
    let (algorithm, hex) = digest.split_once(':').unwrap_or(("", digest));
    let head: String = hex.chars().take(12).collect();
    let ellipsis = if hex.chars().count() > 12 { "…" } else { "" };
    if algorithm.is_empty() {
        format!("{head}{ellipsis}")
    } else {
        format!("{algorithm}:{head}{ellipsis}")
    }
}

/// Whether a step makes the image its users wait for on this client (a build or a copy; a pull
/// makes no image of the map's).
pub(super) fn makes_image(kind: &StepKind) -> bool {
    matches!(kind, StepKind::BuildImage { .. } | StepKind::CopyImage { .. })
}

/// Why the image at `reference` must be copied from another client, if it must: it is missing or
/// stale here (an image held up to date is never copied again, `--build` or not).
fn copy_reason(b: &Builder, reference: &str, from: &str) -> Option<String> {
    if b.options.build == BuildPolicy::Never {
        return None;
    }
    match changed_reason(b, reference)? {
        (reason, true) => Some(format!("{reason}; copied from `{from}`")),
        (_, false) => None,
    }
}

/// Why the image at `reference` must be built, if it must, and whether that changes it.
fn build_reason(b: &Builder, reference: &str) -> Option<(String, bool)> {
    if b.options.build == BuildPolicy::Never {
        return None;
    }
    changed_reason(b, reference)
}

fn changed_reason(b: &Builder, reference: &str) -> Option<(String, bool)> {
    let build = b.desired.builds.get(reference)?;
    let held = b
        .observed
        .images
        .contains_key(reference)
        .then(|| b.observed.image_contexts.get(reference).map(String::as_str));
    match stale(&build.name, &build.digest, held) {
        Some(reason) => Some((reason, true)),
        None if b.options.build == BuildPolicy::Always => {
            Some((format!("image `{}`: --build", build.name), false))
        }
        None => None,
    }
}

/// Why image `name`, whose context has `digest`, must be built, by what the Engine holds under
/// its reference: nothing (none), an image without a recorded context (`Some(None)`), or one
/// built from the context `Some(Some(recorded))`. None: it is up to date.
pub(crate) fn stale(name: &str, digest: &str, held: Option<Option<&str>>) -> Option<String> {
    match held {
        None => Some(format!("image `{name}`: absent")),
        Some(None) => Some(format!("image `{name}`: no context recorded (not built by dmap)")),
        Some(Some(recorded)) if recorded != digest => Some(format!(
            "image `{name}`: context changed ({} → {})",
            short_digest(recorded),
            short_digest(digest)
        )),
        Some(Some(_)) => None,
    }
}

/// Plans the builds the involved containers need (recorded in `b.pulled`, which their creation
/// waits for) and returns the existing containers to recreate for a rebuilt image, with the
/// reason. `startup` and `update` recreate them (a persistent container only with
/// `update_persistent`); `create` builds only for the containers it creates.
pub(super) fn builds<'a>(
    b: &mut Builder<'a>,
    action: &Action,
    involved: &[&'a ResolvedContainer],
) -> BTreeMap<String, String> {
    let mut recreate = BTreeMap::new();
    if !matches!(action, Action::Create | Action::Startup | Action::Update) {
        return recreate;
    }
    // Image → why the containers that use it are recreated.
    let mut rebuilt: BTreeMap<&str, String> = BTreeMap::new();
    for c in involved {
        let image = c.spec.image.as_str();
        let Some(build) = b.desired.builds.get(image) else {
            continue;
        };
        let exists = b.observed.containers.contains_key(&c.name);
        if *action == Action::Create && exists {
            continue;
        }
        if let (false, Some(from)) = (b.pulled.contains_key(image), b.options.image_sources.get(image)) {
            if let Some(reason) = copy_reason(b, image, from) {
                let kind = StepKind::CopyImage {
                    image: image.to_string(),
                    from: from.clone(),
                };
                let id = b.step(kind, reason, vec![]);
                b.pulled.insert(image.to_string(), id);
                rebuilt.insert(image, format!("image `{}` copied", build.name));
            }
        } else if !b.pulled.contains_key(image) {
            if let Some((reason, changes)) = build_reason(b, image) {
                let id = b.step(
                    StepKind::BuildImage {
                        image: image.to_string(),
                    },
                    reason,
                    vec![],
                );
                b.pulled.insert(image.to_string(), id);
                if changes {
                    rebuilt.insert(image, format!("image `{}` rebuilt", build.name));
                }
            }
        }
        let keep_image = c.persistent && !b.options.update_persistent;
        if let Some(why) = rebuilt.get(image) {
            if exists && *action != Action::Create && !keep_image {
                recreate.insert(c.name.clone(), why.clone());
            }
        }
    }
    recreate
}

/// `up --push`: a push of each declared image the involved containers use, after its build (or
/// copy) when it is made in this run.
pub(super) fn pushes(b: &mut Builder, involved: &[&ResolvedContainer]) {
    let mut seen = std::collections::BTreeSet::new();
    for c in involved {
        let image = c.spec.image.as_str();
        if !b.desired.builds.contains_key(image) || !seen.insert(image) {
            continue;
        }
        let deps: Vec<usize> = b
            .pulled
            .get(image)
            .copied()
            .filter(|&i| makes_image(&b.plan.steps[i].kind))
            .into_iter()
            .collect();
        b.step(
            StepKind::PushImage {
                image: image.to_string(),
            },
            "--push",
            deps,
        );
    }
}

#[cfg(test)]
mod tests {
    use super::short_digest;

    #[test]
    fn digests_are_shortened_for_people() {
        assert_eq!(
            short_digest("sha256:0123456789abcdef0123456789abcdef"),
            "sha256:0123456789ab…"
        );
        assert_eq!(short_digest("sha256:0123"), "sha256:0123");
        assert_eq!(short_digest("abc"), "abc");
    }
}
