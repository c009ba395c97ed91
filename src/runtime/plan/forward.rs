//! Bringing containers up: create, start, startup and update, dependencies first.

use std::collections::BTreeMap;

use super::update::in_place;
use super::{commands_after_start, Action, Builder, PlanError, StepKind};
use crate::runtime::snapshot::RunState;
use crate::runtime::spec::{DesiredContainer, MountKind};
use crate::runtime::translate;

/// Steps that bring one container (and what it needs) up for create/startup/start/update.
pub(super) fn forward(
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
        for m in c.spec.mounts.iter().filter(|m| m.kind == MountKind::Volume) {
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
        for m in c.spec.mounts.iter().filter(|m| m.kind == MountKind::Anonymous) {
            if let Some(a) = o
                .mounts
                .iter()
                .find(|a| a.target == m.target && a.kind == MountKind::Volume)
            {
                carry.push((m.target.clone(), a.source.clone()));
            }
        }
    }
    let mut ready: Vec<usize> = Vec::new();
    if needs_create {
        let needs = translate::MAC_ADDRESS_API;
        if translate::mac_address(&c.spec.options).is_some() && b.observed.api_version < needs {
            errors.push(PlanError::EngineTooOld {
                container: c.name.clone(),
                key: "mac_address",
                needs,
                has: b.observed.api_version,
            });
        }
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
