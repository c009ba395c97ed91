//! Bringing containers up: create, start, startup and update, dependencies first. A container
//! that is replaced is recreated in one step that keeps the old one until the new one runs
//! (`StepKind::ReplaceContainer`); only one whose volume or network is itself recreated is torn
//! down first, dependents before what they need. Every container bound to a replaced one is
//! replaced in the same run, after it (see `bindings`).

use std::collections::{BTreeMap, BTreeSet};

use super::update::{in_place, rebuild_objects, recreate_set};
use super::waits::{
    completed_one_shot, has_health, restart_after_dependencies, wait_for_all, wait_for_dependencies,
};
use super::{bindings, build, commands_after_start, in_start_order, Action, Builder, PlanError, StepKind};
use crate::runtime::snapshot::{is_anonymous, ObservedContainer, RunState};
use crate::runtime::spec::{Desired, MountKind, ResolvedContainer};
use crate::runtime::translate;

/// How a container is treated in a forward action.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Role {
    /// A target, or what a target needs: the action's own rules.
    Involved,
    /// Recreated only because it is bound to a replaced container: started again if it ran.
    Bound,
}

/// create, start, startup and update of the involved containers.
pub(super) fn up<'a>(
    b: &mut Builder<'a>,
    action: &Action,
    involved: &[&'a ResolvedContainer],
    explicit: &BTreeSet<&str>,
    errors: &mut Vec<PlanError>,
) {
    if *action == Action::Start {
        for c in involved {
            forward(b, action, c, &BTreeMap::new(), Role::Involved, errors);
        }
        return;
    }
    let mut replace: BTreeMap<String, String> = if *action == Action::Update {
        recreate_set(b, involved)
    } else if b.options.adopt {
        // Taking a container over means recreating it with dmap's labels.
        involved
            .iter()
            .filter(|c| {
                b.observed
                    .containers
                    .get(&c.name)
                    .is_some_and(|o| !crate::runtime::snapshot::owned(&o.labels, &c.map))
            })
            .map(|c| (c.name.clone(), "adopted".to_string()))
            .collect()
    } else {
        BTreeMap::new()
    };
    // Images built from a changed context: their containers are recreated for the new image.
    for (name, reason) in build::builds(b, action, involved) {
        replace
            .entry(name)
            .and_modify(|r| {
                r.push_str(", ");
                r.push_str(&reason);
            })
            .or_insert(reason);
    }
    let rebuilt = if *action == Action::Update {
        rebuild_objects(b, involved, &mut replace, errors)
    } else {
        Vec::new()
    };
    if b.options.push {
        build::pushes(b, involved);
    }
    // A container run once is not recreated for a new image, nor is what is bound to it.
    if let Some(once) = &b.options.run_once {
        replace.retain(|name, _| !once.containers.contains(name));
    }
    let bound = bindings::cascade(b, action, involved, &mut replace);
    // A container on a volume or network that is recreated can't keep running beside its
    // replacement: it goes first, and so does what is bound to it.
    let mut torn_down: BTreeSet<&str> = rebuilt
        .iter()
        .flat_map(|(_, users)| users.iter().map(String::as_str))
        .collect();
    loop {
        let more: Vec<&str> = b
            .desired
            .containers
            .iter()
            .filter(|c| replace.contains_key(&c.name) && !torn_down.contains(c.name.as_str()))
            .filter(|c| c.bindings().iter().any(|(d, _)| torn_down.contains(d)))
            .map(|c| c.name.as_str())
            .collect();
        if more.is_empty() {
            break;
        }
        torn_down.extend(more);
    }
    // Containers bound to replaced ones come along with what they need.
    let mut names: BTreeSet<&str> = involved.iter().map(|c| c.name.as_str()).collect();
    let mut frontier: Vec<&str> = bound.iter().map(|c| c.name.as_str()).collect();
    while let Some(n) = frontier.pop() {
        if names.insert(n) {
            if let Some(c) = b.desired.container(n) {
                frontier.extend(c.depends_on.iter().map(String::as_str));
            }
        }
    }
    let all = in_start_order(b.desired, |c| names.contains(c.name.as_str()));
    teardown(b, &all, &replace, &torn_down);
    for c in &all {
        let role = if bound.iter().any(|x| x.name == c.name) && !explicit.contains(c.name.as_str()) {
            Role::Bound
        } else {
            Role::Involved
        };
        forward(b, action, c, &replace, role, errors);
    }
    if b.options.wait && *action != Action::Create {
        wait_for_all(b, &all);
    }
    // A volume or network is removed once every container using it is gone.
    for (step, users) in rebuilt {
        let removed: Vec<usize> = users.iter().filter_map(|u| b.removed.get(u).copied()).collect();
        let deps = &mut b.plan.steps[step].deps;
        deps.extend(removed);
        deps.sort_unstable();
        deps.dedup();
    }
}

/// What the recreation of a container that keeps running until its replacement does
/// (`StepKind::ReplaceContainer`), decided while the replaced containers are gone through
/// dependents first.
pub(super) struct Replacing {
    was_running: bool,
    /// Running containers that depend on it and are replaced after it: stopped with it (what is
    /// bound to another before that one).
    stop_first: Vec<String>,
    /// Steps it waits for: stops of dependents torn down first, recreations that stop one of
    /// `stop_first` too.
    deps: Vec<usize>,
}

/// Plans what happens to the old containers of those being replaced, dependents first: most are
/// kept until their replacement runs (`b.replacing`); those in `torn_down` are stopped and
/// removed first. Notes which anonymous volumes each new container mounts again.
fn teardown(
    b: &mut Builder,
    all: &[&ResolvedContainer],
    replace: &BTreeMap<String, String>,
    torn_down: &BTreeSet<&str>,
) {
    for c in all.iter().rev() {
        let (Some(reason), Some(o)) = (replace.get(&c.name), b.observed_container(&c.name)) else {
            continue;
        };
        let carry = anonymous_volumes(b, c, o);
        b.carry.insert(c.name.clone(), carry);
        if !torn_down.contains(c.name.as_str()) {
            let replacing = replacing(b, c, o, replace, torn_down);
            b.replacing.insert(c.name.clone(), replacing);
            continue;
        }
        let dependents_stopped: Vec<usize> = b
            .dependents_of(&c.name)
            .iter()
            .filter_map(|d| b.stopped.get(&d.name).copied())
            .collect();
        // A container waits for the images it (or what it is bound to) is recreated for to be
        // built: a failed build leaves it running, and a long build is no downtime.
        let built = builds_behind(b, c, replace);
        let mut deps = Vec::new();
        if o.is_running() {
            let mut stop_deps = dependents_stopped;
            stop_deps.extend(&built);
            deps.push(b.stop(&c.name, format!("recreate: {reason}"), stop_deps));
        } else {
            deps.extend(dependents_stopped);
            deps.extend(built);
        }
        b.remove(&c.name, format!("recreate: {reason}"), deps);
    }
}

/// How `c` is recreated beside its old container `o`: the running containers that depend on it
/// (transitively) and are replaced too stop with it, since they follow it only once it
/// succeeded; dependents torn down first are waited for.
fn replacing(
    b: &Builder,
    c: &ResolvedContainer,
    o: &ObservedContainer,
    replace: &BTreeMap<String, String>,
    torn_down: &BTreeSet<&str>,
) -> Replacing {
    let mut stop_first: BTreeSet<&str> = BTreeSet::new();
    let mut deps: Vec<usize> = Vec::new();
    let mut stack: Vec<&str> = vec![c.name.as_str()];
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    while let Some(name) = stack.pop() {
        for d in b.dependents_of(name) {
            deps.extend(b.stopped.get(&d.name));
            if !replace.contains_key(&d.name) || torn_down.contains(d.name.as_str()) {
                continue;
            }
            if seen.insert(d.name.as_str()) {
                if b.observed_container(&d.name)
                    .is_some_and(ObservedContainer::is_running)
                {
                    stop_first.insert(d.name.as_str());
                }
                stack.push(d.name.as_str());
            }
        }
    }
    // Dependents first.
    let stop_first: Vec<String> = in_start_order(b.desired, |d| stop_first.contains(d.name.as_str()))
        .iter()
        .rev()
        .map(|d| d.name.clone())
        .collect();
    Replacing {
        was_running: o.is_running(),
        stop_first,
        deps,
    }
}

/// The build (or copy) steps of the images `c` and the replaced containers it is bound to
/// (transitively) run.
fn builds_behind(b: &Builder, c: &ResolvedContainer, replace: &BTreeMap<String, String>) -> Vec<usize> {
    let mut out = Vec::new();
    let mut seen = BTreeSet::new();
    let mut stack = vec![c];
    while let Some(c) = stack.pop() {
        if !seen.insert(c.name.as_str()) {
            continue;
        }
        if let Some(&i) = b.pulled.get(&c.spec.image) {
            if super::build::makes_image(&b.plan.steps[i].kind) {
                out.push(i);
            }
        }
        for (target, _) in c.bindings() {
            if replace.contains_key(target) {
                stack.extend(b.desired.container(target));
            }
        }
    }
    out
}

/// The anonymous volumes of a container being replaced (its `shares`, the image's `VOLUME`s)
/// that the new container mounts again, as Compose does: every volume mount the Engine named
/// itself, at a path the map does not mount anything else at, and not taken from another
/// container with `volumes_from`.
fn anonymous_volumes(b: &Builder, c: &ResolvedContainer, o: &ObservedContainer) -> Vec<(String, String)> {
    let mapped: BTreeSet<&str> = c
        .spec
        .mounts
        .iter()
        .filter(|m| m.kind != MountKind::Anonymous)
        .map(|m| m.target.as_str())
        .collect();
    let sources: Vec<&str> = c
        .spec
        .volumes_from
        .iter()
        .map(|v| v.strip_suffix(":ro").unwrap_or(v))
        .collect();
    // What it takes from the containers it `uses` is theirs, not its own: the volumes they mount
    // now, and — when a source was itself replaced (or removed behind dmap's back) — the paths
    // the source's map gives it, whose old volumes the new source no longer has.
    let borrowed: BTreeSet<&str> = sources
        .iter()
        .filter_map(|s| b.observed.containers.get(*s))
        .flat_map(|source| source.mounts.iter().map(|m| m.source.as_str()))
        .collect();
    let borrowed_at: BTreeSet<&str> = sources
        .iter()
        .filter_map(|s| b.desired.container(s))
        .flat_map(|source| source.spec.mounts.iter().map(|m| m.target.as_str()))
        .collect();
    o.mounts
        .iter()
        .filter(|m| m.kind == MountKind::Volume && is_anonymous(&m.source))
        .filter(|m| !mapped.contains(m.target.as_str()) && !borrowed.contains(m.source.as_str()))
        .filter(|m| !borrowed_at.contains(m.target.as_str()))
        .map(|m| (m.target.clone(), m.source.clone()))
        .collect()
}

/// The image, networks and attached volumes a container being created needs; returns the steps
/// its creation waits for.
pub(super) fn prerequisites(
    b: &mut Builder,
    action: &Action,
    c: &ResolvedContainer,
    needs_create: bool,
) -> Vec<usize> {
    let mut deps: Vec<usize> = Vec::new();
    let pull_anyway = *action == Action::Update && b.options.pull_before_update;
    if needs_create || pull_anyway {
        let image = &c.spec.image;
        let present = b.observed.images.contains_key(image);
        // A built image is never pulled: its build (if any) was planned with the others.
        let built = b.desired.builds.contains_key(image);
        if !built && !b.pulled.contains_key(image) && (!present || pull_anyway) {
            let reason = if present { "pull_before_update" } else { "absent" };
            let id = b.step(StepKind::PullImage { image: image.clone() }, reason, vec![]);
            b.pulled.insert(image.clone(), id);
        }
        deps.extend(b.pulled.get(image));
    }
    for e in &c.spec.networks {
        if crate::model::name::PRESET_NETWORKS.contains(&e.network.as_str()) {
            continue;
        }
        // Only the map's own networks are created: an external one is the Engine's to have.
        let ours = b.desired.networks.iter().any(|n| n.name == e.network);
        if ours && !b.observed.networks.contains_key(&e.network) && !b.networks.contains_key(&e.network) {
            let id = b.step(
                StepKind::CreateNetwork {
                    network: e.network.clone(),
                },
                "absent",
                vec![],
            );
            b.networks.insert(e.network.clone(), id);
        }
        deps.extend(b.networks.get(&e.network));
    }
    for m in c.spec.mounts.iter().filter(|m| m.kind == MountKind::Volume) {
        let attached = b.desired.volumes.iter().any(|v| v.name == m.source);
        if attached && !b.observed.volumes.contains_key(&m.source) && !b.volumes.contains_key(&m.source) {
            let id = b.step(
                StepKind::CreateVolume {
                    volume: m.source.clone(),
                },
                "absent",
                vec![],
            );
            b.volumes.insert(m.source.clone(), id);
        }
        deps.extend(b.volumes.get(&m.source));
    }
    deps
}

/// Steps that bring one container up for create/startup/start/update.
fn forward(
    b: &mut Builder,
    action: &Action,
    c: &ResolvedContainer,
    replace: &BTreeMap<String, String>,
    role: Role,
    errors: &mut Vec<PlanError>,
) {
    if super::run_once::is_run_once(b, c) {
        super::run_once::prepare(b, action, c, errors);
        return;
    }
    let observed = b.observed_container(&c.name);
    let creating = matches!(action, Action::Create | Action::Startup | Action::Update);
    if *action == Action::Start && observed.is_none() {
        errors.push(PlanError::Absent { name: c.name.clone() });
        return;
    }
    let replaced = replace.get(&c.name);
    let needs_create = creating && (observed.is_none() || replaced.is_some());
    let mut create_deps = if creating {
        prerequisites(b, action, c, needs_create)
    } else {
        Vec::new()
    };
    // Containers it needs exist before it is created, and run before it starts.
    let mut start_deps: Vec<usize> = Vec::new();
    for dep in &c.depends_on {
        create_deps.extend(b.created.get(dep));
        start_deps.extend(b.started.get(dep));
    }
    create_deps.extend(b.removed.get(&c.name));
    let state = if needs_create {
        None
    } else {
        observed.map(|o| o.state.clone())
    };
    let start = match (role, action) {
        (_, Action::Create) => None,
        _ if completed_one_shot(b, c, state.as_ref()) => None,
        // Recreated for a binding: it runs again if it ran.
        (Role::Bound, _) if !observed.is_some_and(ObservedContainer::is_running) => None,
        _ => match &state {
            None => Some("created".to_string()),
            Some(RunState::Running | RunState::Paused | RunState::Restarting) => None,
            Some(RunState::Created) => Some("never started".to_string()),
            // Persistence protects from recreation and removal, not from starting.
            Some(RunState::Exited { code }) => Some(format!("stopped (exit code {code})")),
        },
    };
    if let (true, Some(reason), Some(replacing)) = (needs_create, replaced, b.replacing.remove(&c.name)) {
        let mut deps = create_deps;
        if start.is_some() {
            deps.extend(start_deps);
            wait_for_dependencies(b, c, &mut deps);
        }
        let id = recreate(b, c, reason, replacing, start.is_some(), deps, errors);
        if start.is_some() {
            exec_after_start(b, c, id, true);
        }
        return;
    }
    let mut ready: Vec<usize> = Vec::new();
    if needs_create {
        create(b, c, replaced, create_deps, &mut ready, errors);
    } else if let Some(o) = observed {
        if *action == Action::Update {
            in_place(b, c, o, &mut ready);
        }
    }
    if state == Some(RunState::Paused) && *action != Action::Create {
        let unpaused = b.step(
            StepKind::UnpauseContainer {
                container: c.name.clone(),
            },
            "paused",
            ready.clone(),
        );
        b.started.insert(c.name.clone(), unpaused);
    }
    if let Some(reason) = start {
        let first = matches!(state, None | Some(RunState::Created));
        ready.extend(start_deps);
        start_container(b, c, reason, ready, first);
    } else if !needs_create
        && observed.is_some_and(ObservedContainer::is_running)
        && *action != Action::Create
    {
        restart_after_dependencies(b, c);
    }
}

/// Starts `c` once `ready` and what it waits for are done, then its exec commands.
pub(super) fn start_container(
    b: &mut Builder,
    c: &ResolvedContainer,
    reason: impl Into<String>,
    mut ready: Vec<usize>,
    first_start: bool,
) -> usize {
    wait_for_dependencies(b, c, &mut ready);
    let started = b.step(
        StepKind::StartContainer {
            container: c.name.clone(),
        },
        reason,
        ready,
    );
    b.started.insert(c.name.clone(), started);
    exec_after_start(b, c, started, first_start);
    started
}

/// The exec commands that run once `started` (a start, or a recreation) has (see
/// `commands_after_start`).
fn exec_after_start(b: &mut Builder, c: &ResolvedContainer, started: usize, first_start: bool) {
    let commands = commands_after_start(c, first_start);
    if !commands.is_empty() {
        b.step(
            StepKind::ExecCommands {
                container: c.name.clone(),
                commands,
            },
            "after start",
            vec![started],
        );
    }
}

/// The recreation of `c` beside its old container, after its volumes are prepared; it counts as
/// created and started (when `start`), and as the stop of the old container and of `stop_first`.
fn recreate(
    b: &mut Builder,
    c: &ResolvedContainer,
    reason: &str,
    replacing: Replacing,
    start: bool,
    deps: Vec<usize>,
    errors: &mut Vec<PlanError>,
) -> usize {
    engine_supports(b, c, errors);
    let mut deps = prepare(b, c, deps);
    deps.extend(replacing.deps);
    // A container bound to two replaced ones is stopped by the first recreation (and started
    // again if that one fails); the second waits for it.
    for d in &replacing.stop_first {
        deps.extend(b.stopped.get(d));
    }
    let wait = start && has_health(c) && (b.options.wait || !b.dependents_of(&c.name).is_empty());
    let old = replacing.was_running.then(|| c.name.clone());
    let stopping: Vec<String> = replacing.stop_first.iter().cloned().chain(old).collect();
    let id = b.step(
        StepKind::ReplaceContainer {
            container: c.name.clone(),
            carry: b.carry.get(&c.name).cloned().unwrap_or_default(),
            start,
            wait,
            stops: stop_layers(b.desired, stopping),
        },
        reason,
        deps,
    );
    for d in replacing.stop_first {
        b.stopped.insert(d, id);
    }
    b.stopped.insert(c.name.clone(), id);
    b.created.insert(c.name.clone(), id);
    if start {
        b.started.insert(c.name.clone(), id);
    }
    id
}

/// `names` in the order they stop: each layer at once, a container in a layer before the ones it
/// is bound to (links, `volumes_from`, a network namespace), as `down` does.
fn stop_layers(desired: &Desired, names: Vec<String>) -> Vec<Vec<String>> {
    let bound_to = |name: &str, other: &str| {
        desired
            .container(name)
            .is_some_and(|c| c.bindings().iter().any(|(target, _)| *target == other))
    };
    let mut left = names;
    let mut layers = Vec::new();
    while !left.is_empty() {
        // What nothing left is bound to may stop now; a cycle (which checks refuse) stops at once.
        let (now, later): (Vec<String>, Vec<String>) = left
            .iter()
            .cloned()
            .partition(|n| !left.iter().any(|other| other != n && bound_to(other, n)));
        if now.is_empty() {
            layers.push(later);
            break;
        }
        layers.push(now);
        left = later;
    }
    layers
}

/// Options the Engine must be new enough for.
fn engine_supports(b: &Builder, c: &ResolvedContainer, errors: &mut Vec<PlanError>) {
    let needs = translate::MAC_ADDRESS_API;
    if let Some((key, _)) = translate::mac_address(&c.spec.options).filter(|_| b.observed.api_version < needs)
    {
        errors.push(PlanError::EngineTooOld {
            container: c.name.clone(),
            key,
            needs,
            has: b.observed.api_version,
        });
    }
}

/// Volume preparation before `c` is created: `deps` and the preparations. Volumes are prepared
/// before the container exists: a run interrupted in between leaves no container, so the next
/// run creates it and prepares again. Each volume has a helper of its own, so they run in
/// parallel.
fn prepare(b: &mut Builder, c: &ResolvedContainer, deps: Vec<usize>) -> Vec<usize> {
    let mut deps = deps;
    for p in &c.prepare {
        let mut prepare_deps: Vec<usize> = b.volumes.get(&p.volume).copied().into_iter().collect();
        prepare_deps.extend(b.pulled.get(&c.spec.image));
        // A container torn down first may still hold the volume until it is removed.
        prepare_deps.extend(b.removed.get(&c.name));
        prepare_deps.extend(b.helpers.iter().copied());
        let what = [
            p.owner.as_ref().map(|o| format!("chown {o}")),
            p.mode.as_ref().map(|m| format!("chmod {m}")),
        ]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
        deps.push(b.step(
            StepKind::PrepareVolume {
                volume: p.volume.clone(),
                container: c.name.clone(),
            },
            what,
            prepare_deps,
        ));
    }
    deps
}

/// Volume preparation, the create step and joining the networks after the first.
fn create(
    b: &mut Builder,
    c: &ResolvedContainer,
    replaced: Option<&String>,
    create_deps: Vec<usize>,
    ready: &mut Vec<usize>,
    errors: &mut Vec<PlanError>,
) {
    engine_supports(b, c, errors);
    let reason = match replaced {
        Some(r) => format!("recreate: {r}"),
        None => "absent".to_string(),
    };
    let deps = prepare(b, c, create_deps);
    let carry = b.carry.get(&c.name).cloned().unwrap_or_default();
    let created = b.step(
        StepKind::CreateContainer {
            container: c.name.clone(),
            carry,
        },
        reason,
        deps,
    );
    b.created.insert(c.name.clone(), created);
    ready.push(created);
    // The first network is joined at create.
    for e in c.spec.networks.iter().skip(1) {
        ready.push(b.step(
            StepKind::ConnectNetwork {
                container: c.name.clone(),
                network: e.network.clone(),
            },
            "join network",
            vec![created],
        ));
    }
}
