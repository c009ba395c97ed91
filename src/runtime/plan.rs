//! Planning: a pure function of the desired state, the observed Engine state, an action and its
//! options, giving a graph of steps, each with the reason it is needed. Applying runs it.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;

use super::diff::{diff, Remedy};
use super::snapshot::{owned, ObservedContainer, RunState, Snapshot};
use super::spec::{Desired, DesiredContainer};
use crate::model::exec::ExecPolicy;

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
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
    pub fn parse(name: &str) -> Option<Action> {
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
#[derive(Clone, Debug)]
pub struct Options {
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
        }
    }
}

/// One Engine operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StepKind {
    PullImage {
        image: String,
    },
    CreateNetwork {
        network: String,
    },
    RemoveNetwork {
        network: String,
    },
    CreateVolume {
        volume: String,
    },
    RemoveVolume {
        volume: String,
    },
    /// chown/chmod an attached volume, with a helper container from `container`'s image.
    PrepareVolume {
        volume: String,
        container: String,
    },
    /// `carry`: anonymous volumes of the container being replaced (target → volume name).
    CreateContainer {
        container: String,
        carry: Vec<(String, String)>,
    },
    ConnectNetwork {
        container: String,
        network: String,
    },
    DisconnectNetwork {
        container: String,
        network: String,
    },
    StartContainer {
        container: String,
    },
    WaitHealthy {
        container: String,
    },
    /// Indices into the container's exec commands.
    ExecCommands {
        container: String,
        commands: Vec<usize>,
    },
    UpdateContainer {
        container: String,
    },
    StopContainer {
        container: String,
    },
    RemoveContainer {
        container: String,
    },
    KillContainer {
        container: String,
        signal: String,
    },
}

impl StepKind {
    /// The object the step acts on.
    pub fn subject(&self) -> &str {
        match self {
            StepKind::PullImage { image } => image,
            StepKind::CreateNetwork { network } | StepKind::RemoveNetwork { network } => network,
            StepKind::CreateVolume { volume }
            | StepKind::RemoveVolume { volume }
            | StepKind::PrepareVolume { volume, .. } => volume,
            StepKind::CreateContainer { container, .. }
            | StepKind::ConnectNetwork { container, .. }
            | StepKind::DisconnectNetwork { container, .. }
            | StepKind::StartContainer { container }
            | StepKind::WaitHealthy { container }
            | StepKind::ExecCommands { container, .. }
            | StepKind::UpdateContainer { container }
            | StepKind::StopContainer { container }
            | StepKind::RemoveContainer { container }
            | StepKind::KillContainer { container, .. } => container,
        }
    }

    /// The action's name, as recipes see it.
    pub fn name(&self) -> &'static str {
        match self {
            StepKind::PullImage { .. } => "pull",
            StepKind::CreateNetwork { .. } => "create_network",
            StepKind::RemoveNetwork { .. } => "remove_network",
            StepKind::CreateVolume { .. } => "create_volume",
            StepKind::RemoveVolume { .. } => "remove_volume",
            StepKind::PrepareVolume { .. } => "prepare_volume",
            StepKind::CreateContainer { .. } => "create",
            StepKind::ConnectNetwork { .. } => "connect",
            StepKind::DisconnectNetwork { .. } => "disconnect",
            StepKind::StartContainer { .. } => "start",
            StepKind::WaitHealthy { .. } => "wait_healthy",
            StepKind::ExecCommands { .. } => "exec",
            StepKind::UpdateContainer { .. } => "update",
            StepKind::StopContainer { .. } => "stop",
            StepKind::RemoveContainer { .. } => "remove",
            StepKind::KillContainer { .. } => "signal",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Step {
    pub kind: StepKind,
    pub reason: String,
    /// Steps that must succeed first.
    pub deps: Vec<usize>,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            StepKind::ConnectNetwork { network, .. } | StepKind::DisconnectNetwork { network, .. } => {
                write!(
                    f,
                    "{} {} {network}: {}",
                    self.kind.name(),
                    self.kind.subject(),
                    self.reason
                )
            }
            _ => write!(f, "{} {}: {}", self.kind.name(), self.kind.subject(), self.reason),
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Plan {
    pub steps: Vec<Step>,
    /// What was noticed and left alone (orphans, volume changes needing `recreate_volumes`).
    pub notes: Vec<String>,
}

/// Why a plan can't be made; nothing has been touched.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("{kind} `{name}` exists but was not created by dmap for map `{map}`; dmap leaves it alone (pass `adopt: true` to take it over)")]
    Foreign {
        kind: &'static str,
        name: String,
        map: String,
    },
    #[error("container `{name}` does not exist; create it first (or use `startup`)")]
    Absent { name: String },
    #[error("container `{name}` is running; stop it first (or use `shutdown`)")]
    Running { name: String },
    #[error("volume `{volume}` is used by container `{container}`, which this update does not include; update them together")]
    VolumeInUse { volume: String, container: String },
    #[error("network `{network}` still has container `{container}` attached, which dmap does not manage for this map")]
    ForeignAttached { network: String, container: String },
}

/// The exec commands to run after a start: every `restart` command, and `initial` ones when the
/// container was newly created.
fn commands_after_start(c: &DesiredContainer, first_start: bool) -> Vec<usize> {
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
    /// Per object, the step a dependent waits for (e.g. the container's create, start, stop).
    created: HashMap<String, usize>,
    started: HashMap<String, usize>,
    healthy: HashMap<String, usize>,
    stopped: HashMap<String, usize>,
    removed: HashMap<String, usize>,
    pulled: HashMap<String, usize>,
    networks: HashMap<String, usize>,
    volumes: HashMap<String, usize>,
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

    fn observed_container(&self, name: &str) -> Option<&'a ObservedContainer> {
        self.observed.containers.get(name)
    }
}

/// Plans `action` for `targets` (Engine names of desired containers).
pub fn plan(
    action: &Action,
    targets: &[String],
    desired: &Desired,
    observed: &Snapshot,
    options: &Options,
) -> Result<Plan, Vec<PlanError>> {
    let mut b = Builder {
        desired,
        observed,
        options,
        plan: Plan::default(),
        created: HashMap::new(),
        started: HashMap::new(),
        healthy: HashMap::new(),
        stopped: HashMap::new(),
        removed: HashMap::new(),
        pulled: HashMap::new(),
        networks: HashMap::new(),
        volumes: HashMap::new(),
    };
    let involved = involved(action, targets, desired);
    let mut errors = ownership(&involved, desired, observed, options, action);
    if !errors.is_empty() {
        errors.dedup();
        return Err(errors);
    }
    let explicit: BTreeSet<&str> = targets.iter().map(String::as_str).collect();
    match action {
        Action::Create | Action::Startup | Action::Start | Action::Update => {
            let mut recreate = if *action == Action::Update {
                recreate_set(&involved, observed, options)
            } else if options.adopt && *action != Action::Start {
                // Taking over means recreating with dmap's labels.
                involved
                    .iter()
                    .filter(|c| {
                        observed
                            .containers
                            .get(&c.name)
                            .is_some_and(|o| !owned(&o.labels, &c.map))
                    })
                    .map(|c| (c.name.clone(), "adopted".to_string()))
                    .collect()
            } else {
                BTreeMap::new()
            };
            let rebuilt = if *action == Action::Update {
                let rebuilt = rebuild_objects(&mut b, &involved, &mut recreate, &mut errors);
                cascade(&involved, observed, &mut recreate);
                rebuilt
            } else {
                Vec::new()
            };
            for c in &involved {
                forward(
                    &mut b,
                    action,
                    c,
                    &recreate,
                    explicit.contains(c.name.as_str()),
                    &mut errors,
                );
            }
            // A volume or network is removed once every container using it is gone.
            for (step, users) in rebuilt {
                let removed: Vec<usize> = users.iter().filter_map(|u| b.removed.get(u).copied()).collect();
                b.plan.steps[step].deps.extend(removed);
                b.plan.steps[step].deps.sort_unstable();
                b.plan.steps[step].deps.dedup();
            }
        }
        Action::PullImages => {
            for c in &involved {
                let image = &c.spec.image;
                let present = observed.images.contains_key(image);
                if !b.pulled.contains_key(image) && (options.pull_all_images || !present) {
                    let reason = if present { "pull_all_images" } else { "absent" };
                    let id = b.step(StepKind::PullImage { image: image.clone() }, reason, vec![]);
                    b.pulled.insert(image.clone(), id);
                }
            }
        }
        Action::Stop | Action::Remove | Action::Shutdown => {
            // Dependents first: walk in reverse start order.
            for c in involved.iter().rev() {
                backward(&mut b, action, c, &mut errors);
            }
            if *action == Action::Shutdown || *action == Action::Remove {
                attached_volumes(&mut b, &involved);
            }
            if *action == Action::Shutdown {
                networks_after_shutdown(&mut b, &involved, &mut errors);
            }
        }
        Action::Restart => {
            for c in &involved {
                match b.observed_container(&c.name) {
                    None => errors.push(PlanError::Absent { name: c.name.clone() }),
                    Some(o) if o.state == RunState::Created => {}
                    Some(o) => {
                        let mut deps = vec![];
                        if o.is_running() {
                            deps.push(b.step(
                                StepKind::StopContainer {
                                    container: c.name.clone(),
                                },
                                "restart",
                                vec![],
                            ));
                        }
                        let start = b.step(
                            StepKind::StartContainer {
                                container: c.name.clone(),
                            },
                            "restart",
                            deps,
                        );
                        let commands = commands_after_start(c, false);
                        if options.restart_exec_commands && !commands.is_empty() {
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
    if matches!(action, Action::Update | Action::Shutdown) || targets.is_empty() {
        orphans(&mut b, action);
    }
    if errors.is_empty() {
        Ok(b.plan)
    } else {
        errors.dedup();
        Err(errors)
    }
}

/// The targets and, by the action's direction, their dependencies or dependents; in start order.
fn involved<'a>(action: &Action, targets: &[String], desired: &'a Desired) -> Vec<&'a DesiredContainer> {
    let mut set: BTreeSet<&str> = targets.iter().map(String::as_str).collect();
    let mut frontier: Vec<&str> = set.iter().copied().collect();
    while let Some(name) = frontier.pop() {
        let next: Vec<&str> = match action.direction() {
            Direction::Dependencies => desired
                .container(name)
                .map(|c| c.depends_on.iter().map(String::as_str).collect())
                .unwrap_or_default(),
            Direction::Dependents => desired
                .containers
                .iter()
                .filter(|c| c.depends_on.iter().any(|d| d == name))
                .map(|c| c.name.as_str())
                .collect(),
            Direction::Targets => Vec::new(),
        };
        for n in next {
            if set.insert(n) {
                frontier.push(n);
            }
        }
    }
    let mut list: Vec<&DesiredContainer> = desired
        .containers
        .iter()
        .filter(|c| set.contains(c.name.as_str()))
        .collect();
    list.sort_by_key(|c| (desired.maps.iter().position(|m| *m == c.map), c.order));
    list
}

/// Objects with needed names that dmap did not create for this map are not touched.
fn ownership(
    involved: &[&DesiredContainer],
    desired: &Desired,
    observed: &Snapshot,
    options: &Options,
    action: &Action,
) -> Vec<PlanError> {
    if options.adopt {
        return Vec::new();
    }
    let mut errors = Vec::new();
    for c in involved {
        if let Some(o) = observed.containers.get(&c.name) {
            if !owned(&o.labels, &c.map) {
                errors.push(PlanError::Foreign {
                    kind: "container",
                    name: c.name.clone(),
                    map: c.map.clone(),
                });
            }
        }
    }
    if matches!(
        action,
        Action::Create | Action::Startup | Action::Update | Action::Shutdown | Action::Remove
    ) {
        let names: BTreeSet<&str> = involved.iter().map(|c| c.map.as_str()).collect();
        // A volume or network counts only when an involved container uses it.
        let mut foreign = |kind: &'static str,
                           name: &str,
                           map: &str,
                           labels: Option<&BTreeMap<String, String>>,
                           used: bool| {
            if used && names.contains(map) && labels.is_some_and(|l| !owned(l, map)) {
                errors.push(PlanError::Foreign {
                    kind,
                    name: name.to_string(),
                    map: map.to_string(),
                });
            }
        };
        for v in &desired.volumes {
            let used = involved
                .iter()
                .any(|c| c.spec.mounts.iter().any(|m| m.source == v.name));
            foreign(
                "volume",
                &v.name,
                &v.map,
                observed.volumes.get(&v.name).map(|o| &o.labels),
                used,
            );
        }
        for n in &desired.networks {
            let used = involved
                .iter()
                .any(|c| c.spec.networks.iter().any(|e| e.network == n.name));
            foreign(
                "network",
                &n.name,
                &n.map,
                observed.networks.get(&n.name).map(|o| &o.labels),
                used,
            );
        }
    }
    errors
}

/// Containers `update` must recreate, with the reason: what changed, forced, or a container
/// whose namespace, volumes or links they use being recreated.
fn recreate_set(
    involved: &[&DesiredContainer],
    observed: &Snapshot,
    options: &Options,
) -> BTreeMap<String, String> {
    let updatable = super::translate::UPDATABLE_KEYS;
    let mut out: BTreeMap<String, String> = BTreeMap::new();
    for c in involved {
        let Some(o) = observed.containers.get(&c.name) else {
            continue;
        };
        let mut reasons: Vec<String> = Vec::new();
        if options.force_update.contains(&c.name) {
            reasons.push("forced".into());
        }
        if !owned(&o.labels, &c.map) {
            reasons.push("adopted".into());
        }
        match &o.spec {
            None => reasons.push("created without a recorded spec".into()),
            Some(old) => {
                let keep_image = c.persistent && !options.update_persistent;
                for change in diff(old, &c.spec, updatable) {
                    if change.remedy == Remedy::Recreate
                        && !(keep_image && change.reason.starts_with("image "))
                    {
                        reasons.push(change.reason);
                    }
                }
            }
        }
        // The image the tag names now, against the one the container runs.
        if !c.persistent || options.update_persistent {
            if let Some(id) = observed.images.get(&c.spec.image) {
                if !o.image_id.is_empty() && *id != o.image_id {
                    reasons.push(format!("image changed {} → {}", short(&o.image_id), short(id)));
                }
            }
        }
        // Mounts as the Engine has them: a named volume mounted from elsewhere.
        for m in c.spec.mounts.iter().filter(|m| m.kind == "volume") {
            if let Some(actual) = o.mounts.iter().find(|a| a.target == m.target) {
                if actual.source != m.source {
                    reasons.push(format!("volume `{}` mounted from `{}`", m.target, actual.source));
                }
            }
        }
        if !reasons.is_empty() {
            out.insert(c.name.clone(), reasons.join(", "));
        }
    }
    cascade(involved, observed, &mut out);
    out
}

/// Recreating a container recreates those that share its namespace, volumes or links.
fn cascade(involved: &[&DesiredContainer], observed: &Snapshot, out: &mut BTreeMap<String, String>) {
    loop {
        let mut added = false;
        for c in involved {
            if out.contains_key(&c.name) || !observed.containers.contains_key(&c.name) {
                continue;
            }
            let link_targets = c.spec.links.iter().map(|l| l.container.clone());
            let uses: Vec<String> = c.shares_with().into_iter().chain(link_targets).collect();
            if let Some(dep) = uses.iter().find(|u| out.contains_key(*u)) {
                out.insert(c.name.clone(), format!("`{dep}` is recreated"));
                added = true;
            }
        }
        if !added {
            break;
        }
    }
}

/// `update` of volumes and networks whose settings changed. A volume is recreated only with
/// `recreate_volumes` (its data is lost), and then every container using it is recreated; a
/// network is recreated and its containers reconnected. Returns the remove steps to complete
/// with the removals of the containers that use them.
fn rebuild_objects(
    b: &mut Builder,
    involved: &[&DesiredContainer],
    recreate: &mut BTreeMap<String, String>,
    errors: &mut Vec<PlanError>,
) -> Vec<(usize, Vec<String>)> {
    let involved_names: BTreeSet<&str> = involved.iter().map(|c| c.name.as_str()).collect();
    let maps: BTreeSet<&str> = involved.iter().map(|c| c.map.as_str()).collect();
    let mut pending = Vec::new();
    for v in b.desired.volumes.iter().filter(|v| maps.contains(v.map.as_str())) {
        let Some(o) = b.observed.volumes.get(&v.name) else {
            continue;
        };
        if !owned(&o.labels, &v.map) {
            continue;
        }
        let changed = o.driver != v.driver || (!v.driver_options.is_empty() && o.options != v.driver_options);
        if !changed {
            continue;
        }
        let what = format!(
            "driver `{}` {:?} → `{}` {:?}",
            o.driver, o.options, v.driver, v.driver_options
        );
        if !b.options.recreate_volumes {
            b.plan.notes.push(format!(
                "volume `{}` has changed ({what}); it is kept, since recreating it loses its data: pass `recreate_volumes: true` to recreate it",
                v.name
            ));
            continue;
        }
        let users: Vec<String> = b
            .observed
            .containers
            .values()
            .filter(|c| c.mounts.iter().any(|m| m.source == v.name))
            .map(|c| c.name.clone())
            .collect();
        let outside: Vec<&String> = users
            .iter()
            .filter(|u| !involved_names.contains(u.as_str()))
            .collect();
        if let Some(first) = outside.first() {
            errors.push(PlanError::VolumeInUse {
                volume: v.name.clone(),
                container: (*first).clone(),
            });
            continue;
        }
        for u in &users {
            recreate
                .entry(u.clone())
                .or_insert_with(|| format!("volume `{}` is recreated", v.name));
        }
        let removed = b.step(
            StepKind::RemoveVolume {
                volume: v.name.clone(),
            },
            format!("recreate_volumes: {what}"),
            vec![],
        );
        let created = b.step(
            StepKind::CreateVolume {
                volume: v.name.clone(),
            },
            format!("recreate_volumes: {what}"),
            vec![removed],
        );
        b.volumes.insert(v.name.clone(), created);
        pending.push((removed, users));
    }
    for n in b
        .desired
        .networks
        .iter()
        .filter(|n| maps.contains(n.map.as_str()))
    {
        let Some(o) = b.observed.networks.get(&n.name) else {
            continue;
        };
        if !owned(&o.labels, &n.map) {
            continue;
        }
        let options_differ = !n.driver_options.is_empty() && o.options != n.driver_options;
        if o.driver == n.driver && o.internal == n.internal && !options_differ {
            continue;
        }
        let what = format!(
            "driver `{}` → `{}`{}",
            o.driver,
            n.driver,
            if o.internal == n.internal {
                ""
            } else {
                ", internal changed"
            }
        );
        let mut deps = Vec::new();
        let mut users = Vec::new();
        for member in &o.containers {
            let managed = b
                .observed
                .containers
                .get(member)
                .is_some_and(|c| owned(&c.labels, &n.map));
            if !managed {
                errors.push(PlanError::ForeignAttached {
                    network: n.name.clone(),
                    container: member.clone(),
                });
                continue;
            }
            if recreate.contains_key(member) {
                users.push(member.clone());
            } else {
                deps.push(b.step(
                    StepKind::DisconnectNetwork {
                        container: member.clone(),
                        network: n.name.clone(),
                    },
                    format!("network is recreated ({what})"),
                    vec![],
                ));
            }
        }
        let removed = b.step(
            StepKind::RemoveNetwork {
                network: n.name.clone(),
            },
            format!("changed: {what}"),
            deps,
        );
        let created = b.step(
            StepKind::CreateNetwork {
                network: n.name.clone(),
            },
            format!("changed: {what}"),
            vec![removed],
        );
        b.networks.insert(n.name.clone(), created);
        pending.push((removed, users));
        // Containers that stay are reconnected to the new network.
        for c in involved.iter().filter(|c| !recreate.contains_key(&c.name)) {
            let on_it = c.spec.networks.iter().any(|e| e.network == n.name);
            if on_it && b.observed.containers.contains_key(&c.name) {
                b.step(
                    StepKind::ConnectNetwork {
                        container: c.name.clone(),
                        network: n.name.clone(),
                    },
                    "network recreated",
                    vec![created],
                );
            }
        }
    }
    pending
}

fn short(id: &str) -> String {
    let hex = id.strip_prefix("sha256:").unwrap_or(id);
    format!("sha256:{}…", &hex[..hex.len().min(12)])
}

/// Steps that bring one container (and what it needs) up for create/startup/start/update.
fn forward(
    b: &mut Builder,
    action: &Action,
    c: &DesiredContainer,
    recreate: &BTreeMap<String, String>,
    explicit: bool,
    errors: &mut Vec<PlanError>,
) {
    let observed = b.observed_container(&c.name);
    let creating = matches!(action, Action::Create | Action::Startup | Action::Update);
    let starting = matches!(action, Action::Start | Action::Startup | Action::Update);
    if *action == Action::Start && observed.is_none() {
        errors.push(PlanError::Absent { name: c.name.clone() });
        return;
    }
    // What the container needs, when it is (re)created.
    let replace = recreate.get(&c.name);
    let needs_create = creating && (observed.is_none() || replace.is_some());
    let mut create_deps: Vec<usize> = Vec::new();
    if needs_create || (*action == Action::Update && b.options.pull_before_update) {
        let image = &c.spec.image;
        let present = b.observed.images.contains_key(image);
        if !b.pulled.contains_key(image)
            && (!present || (*action == Action::Update && b.options.pull_before_update))
        {
            let reason = if present { "pull_before_update" } else { "absent" };
            let id = b.step(StepKind::PullImage { image: image.clone() }, reason, vec![]);
            b.pulled.insert(image.clone(), id);
        }
        if let Some(id) = b.pulled.get(image) {
            create_deps.push(*id);
        }
    }
    if needs_create || creating {
        for e in &c.spec.networks {
            if crate::model::name::PRESET_NETWORKS.contains(&e.network.as_str()) {
                continue;
            }
            if !b.observed.networks.contains_key(&e.network) && !b.networks.contains_key(&e.network) {
                let id = b.step(
                    StepKind::CreateNetwork {
                        network: e.network.clone(),
                    },
                    "absent",
                    vec![],
                );
                b.networks.insert(e.network.clone(), id);
            }
            if let Some(id) = b.networks.get(&e.network) {
                create_deps.push(*id);
            }
        }
        for m in c.spec.mounts.iter().filter(|m| m.kind == "volume") {
            let attached = b.desired.volumes.iter().find(|v| v.name == m.source);
            match (attached, b.observed.volumes.get(&m.source)) {
                (Some(_), None) if !b.volumes.contains_key(&m.source) => {
                    let id = b.step(
                        StepKind::CreateVolume {
                            volume: m.source.clone(),
                        },
                        "absent",
                        vec![],
                    );
                    b.volumes.insert(m.source.clone(), id);
                }
                _ => {}
            }
            if let Some(id) = b.volumes.get(&m.source) {
                create_deps.push(*id);
            }
        }
    }
    // Containers it needs exist before it is created, and run before it starts.
    let mut start_deps: Vec<usize> = Vec::new();
    for dep in &c.depends_on {
        if let Some(id) = b.created.get(dep) {
            create_deps.push(*id);
        }
        if let Some(id) = b.started.get(dep) {
            start_deps.push(*id);
        }
    }
    let mut carry = Vec::new();
    if let (Some(reason), Some(o)) = (replace, observed) {
        // Replace: stop, remove (anonymous volumes stay and move to the new container).
        let mut deps = Vec::new();
        if o.is_running() {
            deps.push(b.step(
                StepKind::StopContainer {
                    container: c.name.clone(),
                },
                format!("recreate: {reason}"),
                vec![],
            ));
        }
        let removed = b.step(
            StepKind::RemoveContainer {
                container: c.name.clone(),
            },
            format!("recreate: {reason}"),
            deps,
        );
        create_deps.push(removed);
        b.removed.insert(c.name.clone(), removed);
        for m in c.spec.mounts.iter().filter(|m| m.kind == "anonymous") {
            if let Some(a) = o
                .mounts
                .iter()
                .find(|a| a.target == m.target && a.kind == "volume")
            {
                carry.push((m.target.clone(), a.source.clone()));
            }
        }
    }
    let mut ready: Vec<usize> = Vec::new();
    if needs_create {
        let reason = match replace {
            Some(r) => format!("recreate: {r}"),
            None => "absent".to_string(),
        };
        // Volumes are prepared before the container exists: a run interrupted in between
        // leaves no container, so the next run creates it and prepares again.
        let mut deps = create_deps.clone();
        for p in &c.prepare {
            let mut prepare_deps: Vec<usize> = b.volumes.get(&p.volume).copied().into_iter().collect();
            prepare_deps.extend(b.pulled.get(&c.spec.image));
            // The container it replaces may still hold the volume until it is removed.
            prepare_deps.extend(b.removed.get(&c.name));
            let what = [
                p.owner.as_ref().map(|o| format!("chown {o}")),
                p.mode.as_ref().map(|m| format!("chmod {m}")),
            ]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
            let id = b.step(
                StepKind::PrepareVolume {
                    volume: p.volume.clone(),
                    container: c.name.clone(),
                },
                what,
                prepare_deps,
            );
            deps.push(id);
        }
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
        for (i, e) in c.spec.networks.iter().enumerate() {
            // The first network is joined at create.
            if i > 0 {
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
    } else if let Some(o) = observed {
        if *action == Action::Update {
            in_place(b, c, o, &mut ready);
        }
    }
    if !starting {
        return;
    }
    let state = if needs_create {
        None
    } else {
        observed.map(|o| o.state.clone())
    };
    let start = match &state {
        None => Some("created".to_string()),
        Some(RunState::Running | RunState::Restarting) => None,
        Some(RunState::Created) => Some("never started".to_string()),
        Some(RunState::Exited { code }) => {
            // A persistent container that ran once is left as it is, unless asked for by name.
            if c.persistent && !(explicit && *action != Action::Update) {
                None
            } else {
                Some(format!("stopped (exit code {code})"))
            }
        }
    };
    if let Some(reason) = start {
        let first = matches!(state, None | Some(RunState::Created));
        ready.extend(start_deps);
        // Dependencies with a healthcheck are healthy before it starts.
        for dep in &c.depends_on {
            let has_health = b
                .desired
                .container(dep)
                .and_then(|d| d.spec.healthcheck.as_ref())
                .is_some_and(|h| h.test.first().is_some_and(|t| t != "NONE"));
            if !has_health {
                continue;
            }
            let id = match b.healthy.get(dep) {
                Some(id) => *id,
                None => {
                    let after: Vec<usize> = b.started.get(dep).copied().into_iter().collect();
                    let id = b.step(
                        StepKind::WaitHealthy {
                            container: dep.clone(),
                        },
                        format!("`{}` waits for it", c.name),
                        after,
                    );
                    b.healthy.insert(dep.clone(), id);
                    id
                }
            };
            ready.push(id);
        }
        let started = b.step(
            StepKind::StartContainer {
                container: c.name.clone(),
            },
            reason,
            ready,
        );
        b.started.insert(c.name.clone(), started);
        let commands = commands_after_start(c, first);
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
}

/// `update` of a container that is kept: limits and restart policy in place, networks
/// reconnected.
fn in_place(b: &mut Builder, c: &DesiredContainer, o: &ObservedContainer, ready: &mut Vec<usize>) {
    // Limits and restart policy are compared with what the Engine has now: `docker update`
    // changes them but not the recorded spec, and only what the map sets counts.
    let changed = engine_differences(c, o);
    if !changed.is_empty() {
        ready.push(b.step(
            StepKind::UpdateContainer {
                container: c.name.clone(),
            },
            changed.join(", "),
            vec![],
        ));
    }
    let wanted: BTreeSet<&str> = c.spec.networks.iter().map(|e| e.network.as_str()).collect();
    let uses_networks = c.spec.network_mode.is_none() || !c.spec.networks.is_empty();
    for e in &c.spec.networks {
        let mut deps: Vec<usize> = b.networks.get(&e.network).copied().into_iter().collect();
        match o.networks.get(&e.network) {
            None => ready.push(b.step(
                StepKind::ConnectNetwork {
                    container: c.name.clone(),
                    network: e.network.clone(),
                },
                "not connected",
                deps,
            )),
            Some(actual) => {
                let aliases_ok = e.aliases.iter().all(|a| actual.aliases.contains(a));
                let ip_ok = e.ipv4_address.is_none() || e.ipv4_address == actual.ipv4_address;
                if !aliases_ok || !ip_ok {
                    let reason = if aliases_ok {
                        "address changed"
                    } else {
                        "aliases changed"
                    };
                    let d = b.step(
                        StepKind::DisconnectNetwork {
                            container: c.name.clone(),
                            network: e.network.clone(),
                        },
                        reason,
                        std::mem::take(&mut deps),
                    );
                    ready.push(b.step(
                        StepKind::ConnectNetwork {
                            container: c.name.clone(),
                            network: e.network.clone(),
                        },
                        reason,
                        vec![d],
                    ));
                }
            }
        }
    }
    if uses_networks && !c.spec.networks.is_empty() {
        for (net, _) in o.networks.iter().filter(|(n, _)| !wanted.contains(n.as_str())) {
            let ours = b.desired.networks.iter().any(|n| n.name == *net) || net == "bridge";
            if ours {
                ready.push(b.step(
                    StepKind::DisconnectNetwork {
                        container: c.name.clone(),
                        network: net.clone(),
                    },
                    "left the map",
                    vec![],
                ));
            }
        }
    }
}

/// The limits and restart policy the map sets that differ from the Engine's, as reasons.
fn engine_differences(c: &DesiredContainer, o: &ObservedContainer) -> Vec<String> {
    let wanted = super::translate::update_body(&c.spec.options, &BTreeMap::new())
        .ok()
        .flatten()
        .and_then(|b| serde_json::to_value(b).ok());
    let Some(serde_json::Value::Object(wanted)) = wanted else {
        return Vec::new();
    };
    wanted
        .iter()
        .filter(|(_, v)| !v.is_null())
        .filter(|(key, v)| !covers(o.host_config.get(key.as_str()), v))
        .map(|(key, v)| {
            let now = o
                .host_config
                .get(key.as_str())
                .map_or("unset".to_string(), |x| x.to_string());
            format!("`{key}` {now} → {v}")
        })
        .collect()
}

/// Does the Engine's value hold everything the wanted one says (objects compared key by key)?
fn covers(actual: Option<&serde_json::Value>, wanted: &serde_json::Value) -> bool {
    match (actual, wanted) {
        (Some(serde_json::Value::Object(a)), serde_json::Value::Object(w)) => {
            w.iter().all(|(k, v)| v.is_null() || covers(a.get(k), v))
        }
        (Some(a), w) => a == w,
        (None, _) => false,
    }
}

/// Steps that bring one container down for stop/remove/shutdown; dependents come first.
fn backward(b: &mut Builder, action: &Action, c: &DesiredContainer, errors: &mut Vec<PlanError>) {
    let Some(o) = b.observed_container(&c.name) else {
        return;
    };
    let dependents: Vec<usize> = b
        .desired
        .containers
        .iter()
        .filter(|d| d.depends_on.contains(&c.name))
        .flat_map(|d| [b.stopped.get(&d.name).copied(), b.removed.get(&d.name).copied()])
        .flatten()
        .collect();
    let keep = c.persistent && !b.options.remove_persistent;
    match action {
        Action::Stop => {
            if o.is_running() {
                let id = b.step(
                    StepKind::StopContainer {
                        container: c.name.clone(),
                    },
                    "running",
                    dependents,
                );
                b.stopped.insert(c.name.clone(), id);
            }
        }
        Action::Remove => {
            if keep {
                return;
            }
            if o.is_running() {
                errors.push(PlanError::Running { name: c.name.clone() });
                return;
            }
            let id = b.step(
                StepKind::RemoveContainer {
                    container: c.name.clone(),
                },
                "present",
                dependents,
            );
            b.removed.insert(c.name.clone(), id);
        }
        _ => {
            if keep {
                return;
            }
            // A container stops once its dependents have stopped, and is removed once they are
            // removed: stops of one layer need not wait for the removals above it.
            let dependent_names: Vec<&String> = b
                .desired
                .containers
                .iter()
                .filter(|d| d.depends_on.contains(&c.name))
                .map(|d| &d.name)
                .collect();
            let stops: Vec<usize> = dependent_names
                .iter()
                .filter_map(|d| b.stopped.get(*d).copied())
                .collect();
            let mut removes: Vec<usize> = dependent_names
                .iter()
                .filter_map(|d| b.removed.get(*d).copied())
                .collect();
            if o.is_running() {
                let id = b.step(
                    StepKind::StopContainer {
                        container: c.name.clone(),
                    },
                    "running",
                    stops,
                );
                b.stopped.insert(c.name.clone(), id);
                removes.push(id);
            } else {
                removes.extend(stops);
            }
            let id = b.step(
                StepKind::RemoveContainer {
                    container: c.name.clone(),
                },
                "shutdown",
                removes,
            );
            b.removed.insert(c.name.clone(), id);
        }
    }
}

/// With `remove_attached`, the attached volumes of removed containers go too, once nothing that
/// stays mounts them.
fn attached_volumes(b: &mut Builder, involved: &[&DesiredContainer]) {
    if !b.options.remove_attached {
        return;
    }
    let removed: BTreeSet<String> = b.removed.keys().cloned().collect();
    for v in &b.desired.volumes {
        let owner_removed = involved
            .iter()
            .any(|c| c.map == v.map && c.config == v.owner && removed.contains(&c.name));
        if !owner_removed
            || !b
                .observed
                .volumes
                .get(&v.name)
                .is_some_and(|o| owned(&o.labels, &v.map))
        {
            continue;
        }
        let users: Vec<&str> = b
            .observed
            .containers
            .values()
            .filter(|o| o.mounts.iter().any(|m| m.source == v.name))
            .map(|o| o.name.as_str())
            .collect();
        if users.iter().any(|u| !removed.contains(*u)) {
            continue;
        }
        let deps: Vec<usize> = users.iter().filter_map(|u| b.removed.get(*u).copied()).collect();
        b.step(
            StepKind::RemoveVolume {
                volume: v.name.clone(),
            },
            "remove_attached",
            deps,
        );
    }
}

/// A map network goes when its last container does; a container dmap does not manage keeps it.
fn networks_after_shutdown(b: &mut Builder, involved: &[&DesiredContainer], errors: &mut Vec<PlanError>) {
    let maps: BTreeSet<&str> = involved.iter().map(|c| c.map.as_str()).collect();
    let removed: BTreeSet<String> = b.removed.keys().cloned().collect();
    for n in b
        .desired
        .networks
        .iter()
        .filter(|n| maps.contains(n.map.as_str()))
    {
        let Some(o) = b.observed.networks.get(&n.name) else {
            continue;
        };
        if !owned(&o.labels, &n.map) {
            continue;
        }
        let remaining: Vec<&String> = o.containers.iter().filter(|c| !removed.contains(*c)).collect();
        if remaining.is_empty() {
            let deps: Vec<usize> = o
                .containers
                .iter()
                .filter_map(|c| b.removed.get(c).copied())
                .collect();
            b.step(
                StepKind::RemoveNetwork {
                    network: n.name.clone(),
                },
                "no containers left",
                deps,
            );
            continue;
        }
        // Remaining map containers keep it; a foreign one is worth saying.
        for r in remaining {
            let managed = b
                .observed
                .containers
                .get(r)
                .is_some_and(|c| owned(&c.labels, &n.map));
            let targeted_all =
                involved.len() == b.desired.containers.iter().filter(|c| c.map == n.map).count();
            if !managed && targeted_all {
                errors.push(PlanError::ForeignAttached {
                    network: n.name.clone(),
                    container: r.clone(),
                });
            }
        }
    }
}

/// Containers labelled for the maps whose configuration or instance is gone.
fn orphans(b: &mut Builder, action: &Action) {
    let known: BTreeSet<&str> = b.desired.containers.iter().map(|c| c.name.as_str()).collect();
    let client_ok = |o: &ObservedContainer| {
        o.labels
            .get(super::labels::CLIENT)
            .is_none_or(|c| *c == b.desired.client)
    };
    let orphans: Vec<&ObservedContainer> = b
        .observed
        .containers
        .values()
        .filter(|o| o.map().is_some_and(|m| b.desired.maps.iter().any(|x| x == m)))
        .filter(|o| !known.contains(o.name.as_str()) && client_ok(o))
        .collect();
    for o in orphans {
        if b.options.remove_orphans && matches!(action, Action::Update | Action::Shutdown) {
            let mut deps = Vec::new();
            if o.is_running() {
                deps.push(b.step(
                    StepKind::StopContainer {
                        container: o.name.clone(),
                    },
                    "orphan",
                    vec![],
                ));
            }
            b.step(
                StepKind::RemoveContainer {
                    container: o.name.clone(),
                },
                "orphan",
                deps,
            );
        } else {
            b.plan.notes.push(format!(
                "container `{}` is no longer in map `{}` (an orphan); pass `remove_orphans: true` to remove it",
                o.name,
                o.map().unwrap_or_default()
            ));
        }
    }
}

#[cfg(test)]
#[path = "plan_tests.rs"]
mod tests;
