//! Where a client with `image_transfer: "copy"` gets a declared image it lacks: from the Engine
//! of another client of the same action that already holds it up to date, or builds it in this
//! run; else it builds it itself. Pure: the choice is made from every client's desired state,
//! observation and plan, before anything changes.
//!
//! Each client is planned as if it built every image itself; then, per image a copying client's
//! plan builds, a source is chosen among the other clients with the same context digest:
//! one that holds it up to date and does not build it again (ready at once) before one that
//! builds it, a client that builds (no `copy`) before one that copies, then the clients' order.
//! When there is none (every client that wants it copies, and none holds it), the first of the
//! copying clients builds it and the others copy it from there. The copying clients are then
//! planned again with their sources (`Options::image_sources`).
//!
//! A copy waits for its source's build of the image when the source builds it (the runtime's
//! `transfer` signals). Waits never form a cycle: a copy waits only for a client that builds
//! without copying (which waits for nobody), or for the first copying client that wants the
//! image, and such a client waits in turn only for copying clients before it.

use std::collections::BTreeMap;

use super::{build::stale, Action, Options, Plan, PlanError, StepKind};
use crate::runtime::snapshot::Snapshot;
use crate::runtime::spec::Desired;

/// One client of an action, as the choice of image sources sees it.
pub(crate) struct Party<'a> {
    pub client: &'a str,
    /// `image_transfer: "copy"`.
    pub copies: bool,
    /// Its containers' desired state and what its Engine holds; none for a client that makes no
    /// images (a Swarm), which is never a source.
    pub engine: Option<(&'a Desired, &'a Snapshot)>,
}

impl Party<'_> {
    /// The context digest of a declared image on this client.
    fn digest(&self, image: &str) -> Option<&str> {
        let (desired, _) = self.engine?;
        desired.builds.get(image).map(|b| b.digest.as_str())
    }

    /// Whether the Engine holds the image built from `digest`.
    fn holds(&self, image: &str, digest: &str) -> bool {
        let Some((desired, observed)) = self.engine else {
            return false;
        };
        let Some(build) = desired.builds.get(image) else {
            return false;
        };
        let held = observed
            .images
            .contains_key(image)
            .then(|| observed.image_contexts.get(image).map(String::as_str));
        stale(&build.name, digest, held).is_none()
    }
}

/// Plans `action` on every party: `plan(i, options)` plans party `i` (through its kind). The
/// copying parties are planned twice: as if they built, then with the sources chosen for them.
pub(crate) fn plan_all(
    action: &Action,
    parties: &[Party<'_>],
    options: &Options,
    plan: impl Fn(usize, &Options) -> Result<Plan, Vec<PlanError>>,
) -> Vec<Result<Plan, Vec<PlanError>>> {
    let mut plans: Vec<Result<Plan, Vec<PlanError>>> = (0..parties.len()).map(|i| plan(i, options)).collect();
    if !matches!(action, Action::Create | Action::Startup | Action::Update) {
        return plans;
    }
    let first: Vec<Option<&Plan>> = plans.iter().map(|p| p.as_ref().ok()).collect();
    let sources = sources(parties, &first);
    for (i, chosen) in sources.into_iter().enumerate() {
        if !chosen.is_empty() {
            let mut options = options.clone();
            options.image_sources = chosen;
            plans[i] = plan(i, &options);
        }
    }
    plans
}

/// Whether `plan` builds `image`.
fn builds(plan: Option<&Plan>, image: &str) -> bool {
    plan.is_some_and(|p| {
        p.steps
            .iter()
            .any(|s| matches!(&s.kind, StepKind::BuildImage { image: i } if i == image))
    })
}

/// For each party, the client each image it copies comes from (empty for one that copies
/// nothing). `plans[i]` is party `i`'s plan as if it built every image itself (none when it
/// could not be planned).
pub(crate) fn sources(parties: &[Party<'_>], plans: &[Option<&Plan>]) -> Vec<BTreeMap<String, String>> {
    let mut chosen = vec![BTreeMap::new(); parties.len()];
    // Every (image, digest) a copying party would build.
    let mut wanted: Vec<(&str, &str)> = Vec::new();
    for (p, plan) in parties.iter().zip(plans) {
        if !p.copies {
            continue;
        }
        for step in plan.iter().flat_map(|plan| &plan.steps) {
            if let StepKind::BuildImage { image } = &step.kind {
                if let Some(digest) = p.digest(image) {
                    if !wanted.contains(&(image.as_str(), digest)) {
                        wanted.push((image, digest));
                    }
                }
            }
        }
    }
    for (image, digest) in wanted {
        let same: Vec<usize> = (0..parties.len())
            .filter(|&i| parties[i].digest(image) == Some(digest))
            .collect();
        let needs = |i: usize| parties[i].copies && builds(plans[i], image);
        let builder = |i: usize| !parties[i].copies && builds(plans[i], image);
        let holder = |i: usize| parties[i].holds(image, digest);
        // Without a client that builds it or holds it (and does not copy it), the first copying
        // client that wants it builds it.
        let first = if same.iter().any(|&i| builder(i) || (holder(i) && !needs(i))) {
            None
        } else {
            same.iter().copied().find(|&i| needs(i))
        };
        let rebuilds = |i: usize| builder(i) || first == Some(i);
        for &i in same.iter().filter(|&&i| needs(i) && first != Some(i)) {
            let source = same
                .iter()
                .copied()
                .filter(|&s| s != i && (rebuilds(s) || holder(s)))
                .min_by_key(|&s| (rebuilds(s), parties[s].copies, s));
            if let Some(s) = source {
                chosen[i].insert(image.to_string(), parties[s].client.to_string());
            }
        }
    }
    chosen
}
