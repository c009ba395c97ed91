//! Planning: a pure function of the desired state, the observed Engine state, an action and its
//! options, giving a graph of steps, each with the reason it is needed. Applying runs it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

mod bindings;
pub(crate) mod build;
mod down;
mod duplicates;
mod forward;
mod leftovers;
mod ownership;
mod run_once;
mod step;
pub(crate) mod transfer;

pub(crate) use leftovers::is_replacement;
pub(crate) use run_once::{Existing, RunOnce};
pub(crate) use step::{short_id, Step, StepKind};
mod update;
mod waits;

use super::snapshot::{ObservedContainer, RunState, Snapshot};
use super::spec::{Desired, ResolvedContainer};
use crate::model::exec::ExecPolicy;

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Action {
    Create,
    Start,
    Startup,
    Stop,
    Remove,
    Shutdown,
    Restart,
    Update,
    Signal(String),
    PullImages,
}

impl Action {
    pub(crate) fn parse(name: &str) -> Option<Action> {
        Some(match name {
            "create" => Action::Create,
            "start" => Action::Start,
            "startup" => Action::Startup,
            "stop" => Action::Stop,
            "remove" => Action::Remove,
            "shutdown" => Action::Shutdown,
            "restart" => Action::Restart,
            "update" => Action::Update,
            "pull_images" => Action::PullImages,
            _ => return None,
        })
    }

    /// The action's name as recipes call it.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            Action::Create => "create",
            Action::Start => "start",
            Action::Startup => "startup",
            Action::Stop => "stop",
            Action::Remove => "remove",
            Action::Shutdown => "shutdown",
            Action::Restart => "restart",
            Action::Update => "update",
            Action::Signal(_) => "signal",
            Action::PullImages => "pull_images",
        }
    }

    /// Dependencies first (else dependents first, else the targets alone).
    fn direction(&self) -> Direction {
        match self {
            Action::Create | Action::Start | Action::Startup | Action::Update | Action::PullImages => {
                Direction::Dependencies
            }
            Action::Stop | Action::Remove | Action::Shutdown => Direction::Dependents,
            Action::Restart | Action::Signal(_) => Direction::Targets,
        }
    }
}

enum Direction {
    Dependencies,
    Dependents,
    Targets,
}

/// docker-map's options plus the spec's.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Options {
    pub remove_persistent: bool,
    pub remove_attached: bool,
    pub update_persistent: bool,
    /// Engine names of containers to recreate regardless.
    pub force_update: BTreeSet<String>,
    pub adopt: bool,
    pub remove_orphans: bool,
    pub recreate_volumes: bool,
    pub pull_all_images: bool,
    pub pull_before_update: bool,
    pub restart_exec_commands: bool,
    /// When declared images are built (`dmap up --build` / `--no-build`).
    pub build: BuildPolicy,
    /// Wait until every involved container with a healthcheck is healthy (`dmap up --wait`).
    pub wait: bool,
    /// Push the declared images the involved containers use, after their builds (`up --push`).
    pub push: bool,
    /// Containers the caller runs once itself (`dmap job`, `c.script`): planned are only what
    /// they need (`run_once.rs`).
    pub run_once: Option<RunOnce>,
    /// Declared images (by reference) this client copies from another client's Engine instead
    /// of building them (`image_transfer: "copy"`), and that client; chosen by
    /// [`transfer::plan_all`].
    pub image_sources: BTreeMap<String, String>,
}

/// When a declared image is built.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum BuildPolicy {
    /// When it is missing or its context changed.
    #[default]
    Changed,
    /// Every time (an unchanged context gives the same image from the Engine's cache, so its
    /// containers are not recreated for it).
    Always,
    /// Never, even when it is missing.
    Never,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            remove_persistent: true,
            remove_attached: false,
            update_persistent: false,
            force_update: BTreeSet::new(),
            adopt: false,
            remove_orphans: false,
            recreate_volumes: false,
            pull_all_images: true,
            pull_before_update: false,
            restart_exec_commands: true,
            build: BuildPolicy::Changed,
            wait: false,
            push: false,
            run_once: None,
            image_sources: BTreeMap::new(),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Plan {
    pub steps: Vec<Step>,
    /// What was noticed and left alone (orphans, volume changes needing `recreate_volumes`).
    pub notes: Vec<String>,
}

/// Why a plan can't be made; nothing has been touched.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum PlanError {
    #[error("{kind} `{name}` exists but was not created by dmap for map `{map}`; dmap leaves it alone (pass `adopt: true`, or `dmap up --adopt`, to take it over)")]
    Foreign {
        kind: &'static str,
        name: String,
        map: String,
    },
    #[error("container `{name}` does not exist; create it first (or use `startup`)")]
    Absent { name: String },
    #[error("container `{name}` existed before the script ran; pass `remove_existing_before: true` to remove it first")]
    Existed { name: String },
    #[error("container `{name}` is running; stop it first (or use `shutdown`)")]
    Running { name: String },
    #[error("volume `{volume}` is used by container `{container}`, which this update does not include; update them together")]
    VolumeInUse { volume: String, container: String },
    #[error("network `{network}` still has container `{container}` attached, which dmap does not manage for this map")]
    ForeignAttached { network: String, container: String },
    #[error("network `{network}` is ambiguous: the Engine holds {} networks of that name ({}), and {why}; dmap can't tell which to keep: remove all but one (`docker network rm ID`)", .ids.len(), .ids.iter().map(|i| short_id(i)).collect::<Vec<_>>().join(", "))]
    AmbiguousNetwork {
        network: String,
        ids: Vec<String>,
        why: String,
    },
    #[error("container `{container}` sets `{key}`, which the Engine honours from API {}.{} on; this Engine speaks API {}.{}", .needs.0, .needs.1, .has.0, .has.1)]
    EngineTooOld {
        container: String,
        key: &'static str,
        needs: (usize, usize),
        has: (usize, usize),
    },
}

/// The exec commands to run after a start: every `restart` command, and `initial` ones when the
/// container was newly created.
fn commands_after_start(c: &ResolvedContainer, first_start: bool) -> Vec<usize> {
    c.exec_commands
        .iter()
        .enumerate()
        .filter(|(_, e)| first_start || e.policy == ExecPolicy::Restart)
        .map(|(i, _)| i)
        .collect()
}

struct Builder<'a> {
    desired: &'a Desired,
    observed: &'a Snapshot,
    options: &'a Options,
    plan: Plan,
    /// The containers that need each one (by Engine name).
    dependents: HashMap<&'a str, Vec<&'a ResolvedContainer>>,
    /// Per object, the step a dependent waits for (e.g. the container's create, start, stop).
    created: HashMap<String, usize>,
    started: HashMap<String, usize>,
    healthy: HashMap<String, usize>,
    /// Container → the step that waits for it to run to completion.
    completed: HashMap<String, usize>,
    stopped: HashMap<String, usize>,
    removed: HashMap<String, usize>,
    /// Per image reference, the pull or build its users wait for.
    pulled: HashMap<String, usize>,
    networks: HashMap<String, usize>,
    volumes: HashMap<String, usize>,
    /// Removals of leftover helpers; volume preparation waits for them.
    helpers: Vec<usize>,
    /// Networks recreated in this run: their members are disconnected and reconnected there.
    rebuilt: BTreeSet<String>,
    /// Anonymous volumes of replaced containers, to mount again (target, volume).
    carry: HashMap<String, Vec<(String, String)>>,
    /// Replaced containers kept until their replacement runs, and how.
    replacing: HashMap<String, forward::Replacing>,
}

impl<'a> Builder<'a> {
    fn step(&mut self, kind: StepKind, reason: impl Into<String>, deps: Vec<usize>) -> usize {
        let mut deps = deps;
        deps.sort_unstable();
        deps.dedup();
        self.plan.steps.push(Step {
            kind,
            reason: reason.into(),
            deps,
        });
        self.plan.steps.len() - 1
    }

    /// A stop step for `container`, which its dependencies' stops wait for.
    fn stop(&mut self, container: &str, reason: impl Into<String>, deps: Vec<usize>) -> usize {
        let kind = StepKind::StopContainer {
            container: container.to_string(),
        };
        let id = self.step(kind, reason, deps);
        self.stopped.insert(container.to_string(), id);
        id
    }

    /// A remove step for `container`, which what must wait for its removal waits for.
    fn remove(&mut self, container: &str, reason: impl Into<String>, deps: Vec<usize>) -> usize {
        let kind = StepKind::RemoveContainer {
            container: container.to_string(),
        };
        let id = self.step(kind, reason, deps);
        self.removed.insert(container.to_string(), id);
        id
    }

    fn observed_container(&self, name: &str) -> Option<&'a ObservedContainer> {
        self.observed.containers.get(name)
    }

    fn dependents_of(&self, name: &str) -> &[&'a ResolvedContainer] {
        self.dependents.get(name).map_or(&[], Vec::as_slice)
    }
}

/// Plans `action` for `targets` (Engine names of desired containers).
pub(crate) fn plan(
    action: &Action,
    targets: &[String],
    desired: &Desired,
    observed: &Snapshot,
    options: &Options,
) -> Result<Plan, Vec<PlanError>> {
    let mut dependents: HashMap<&str, Vec<&ResolvedContainer>> = HashMap::new();
    for c in &desired.containers {
        for d in &c.depends_on {
            dependents.entry(d.as_str()).or_default().push(c);
        }
    }
    let mut involved = involved(action, targets, desired);
    if options.run_once.as_ref().is_some_and(|r| !r.dependencies) {
        involved.retain(|c| targets.contains(&c.name));
    }
    // A recreation's new container whose old one is gone stands in for it.
    let (adjusted, replacements) = leftovers::replacements(observed, &involved);
    let observed = adjusted.as_ref().unwrap_or(observed);
    let mut b = Builder {
        desired,
        observed,
        options,
        plan: Plan::default(),
        dependents,
        created: HashMap::new(),
        started: HashMap::new(),
        healthy: HashMap::new(),
        completed: HashMap::new(),
        stopped: HashMap::new(),
        removed: HashMap::new(),
        pulled: HashMap::new(),
        networks: HashMap::new(),
        volumes: HashMap::new(),
        helpers: Vec::new(),
        rebuilt: BTreeSet::new(),
        carry: HashMap::new(),
        replacing: HashMap::new(),
    };
    let mut errors = duplicates::refusals(&involved, desired, observed, action);
    errors.extend(ownership::ownership(
        &involved, desired, observed, options, action,
    ));
    if !errors.is_empty() {
        errors.dedup();
        return Err(errors);
    }
    let explicit: BTreeSet<&str> = targets.iter().map(String::as_str).collect();
    match action {
        Action::Create | Action::Startup | Action::Start | Action::Update => {
            ownership::adoptions(&mut b, &involved, action);
            leftovers::helpers(&mut b, &involved);
            forward::up(&mut b, action, &involved, &explicit, &mut errors);
        }
        Action::PullImages => {
            for c in &involved {
                let image = &c.spec.image;
                if desired.builds.contains_key(image) {
                    let note = format!("image `{image}` is built from its map's context, not pulled");
                    if !b.plan.notes.contains(&note) {
                        b.plan.notes.push(note);
                    }
                    continue;
                }
                let present = observed.images.contains_key(image);
                if !b.pulled.contains_key(image) && (options.pull_all_images || !present) {
                    let reason = if present { "pull_all_images" } else { "absent" };
                    let id = b.step(StepKind::PullImage { image: image.clone() }, reason, vec![]);
                    b.pulled.insert(image.clone(), id);
                }
            }
        }
        Action::Stop | Action::Remove | Action::Shutdown => {
            if *action != Action::Stop {
                leftovers::helpers(&mut b, &involved);
            }
            down::down(&mut b, action, &involved, &mut errors);
        }
        Action::Restart => restart(&mut b, &involved, &mut errors),
        Action::Signal(signal) => {
            for c in &involved {
                if b.observed_container(&c.name)
                    .is_some_and(ObservedContainer::is_running)
                {
                    b.step(
                        StepKind::KillContainer {
                            container: c.name.clone(),
                            signal: signal.clone(),
                        },
                        format!("send {signal}"),
                        vec![],
                    );
                }
            }
        }
    }
    if !matches!(action, Action::PullImages | Action::Signal(_)) {
        leftovers::replacement_steps(&mut b, &replacements);
    }
    if matches!(action, Action::Update | Action::Shutdown) {
        ownership::orphans(&mut b, action, &involved);
    }
    if *action == Action::Shutdown {
        down::networks_after_shutdown(&mut b, &involved, &mut errors);
    }
    duplicates::removals(&mut b, &involved, action);
    if errors.is_empty() {
        Ok(b.plan)
    } else {
        errors.dedup();
        Err(errors)
    }
}

fn restart(b: &mut Builder, involved: &[&ResolvedContainer], errors: &mut Vec<PlanError>) {
    for c in involved {
        match b.observed_container(&c.name) {
            None => errors.push(PlanError::Absent { name: c.name.clone() }),
            Some(o) if o.state == RunState::Created => {}
            Some(o) => {
                let mut deps = vec![];
                if o.is_running() {
                    deps.push(b.stop(&c.name, "restart", vec![]));
                }
                let start = b.step(
                    StepKind::StartContainer {
                        container: c.name.clone(),
                    },
                    "restart",
                    deps,
                );
                let commands = commands_after_start(c, false);
                if b.options.restart_exec_commands && !commands.is_empty() {
                    b.step(
                        StepKind::ExecCommands {
                            container: c.name.clone(),
                            commands,
                        },
                        "after start",
                        vec![start],
                    );
                }
            }
        }
    }
}

/// The targets and, by the action's direction, their dependencies or dependents; in start order.
fn involved<'a>(action: &Action, targets: &[String], desired: &'a Desired) -> Vec<&'a ResolvedContainer> {
    let mut set: BTreeSet<&str> = targets.iter().map(String::as_str).collect();
    let mut frontier: Vec<&str> = set.iter().copied().collect();
    let mut dependents: HashMap<&str, Vec<&str>> = HashMap::new();
    if matches!(action.direction(), Direction::Dependents) {
        for c in &desired.containers {
            for d in &c.depends_on {
                dependents.entry(d.as_str()).or_default().push(c.name.as_str());
            }
        }
    }
    while let Some(name) = frontier.pop() {
        let next: Vec<&str> = match action.direction() {
            Direction::Dependencies => desired
                .container(name)
                .map(|c| c.depends_on.iter().map(String::as_str).collect())
                .unwrap_or_default(),
            Direction::Dependents => dependents.get(name).cloned().unwrap_or_default(),
            Direction::Targets => Vec::new(),
        };
        for n in next {
            if set.insert(n) {
                frontier.push(n);
            }
        }
    }
    in_start_order(desired, |c| set.contains(c.name.as_str()))
}

/// The desired containers `keep` selects, in the maps' start order.
fn in_start_order(desired: &Desired, keep: impl Fn(&ResolvedContainer) -> bool) -> Vec<&ResolvedContainer> {
    let mut list: Vec<&ResolvedContainer> = desired.containers.iter().filter(|c| keep(c)).collect();
    list.sort_by_key(|c| (desired.maps.iter().position(|m| *m == c.map), c.start_order));
    list
}

#[cfg(test)]
mod tests;
