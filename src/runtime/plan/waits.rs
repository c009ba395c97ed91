//! What a container waits for before it starts: its dependencies healthy (those with a
//! healthcheck, or as `depends_on` says), run to completion (`service_completed_successfully`),
//! every container with a healthcheck under `--wait`; and the restarts `depends_on`'s
//! `restart: true` asks for.

use super::{Builder, StepKind};
use crate::model::depends_on::Condition;
use crate::runtime::snapshot::RunState;
use crate::runtime::spec::ResolvedContainer;

pub(super) fn has_health(c: &ResolvedContainer) -> bool {
    c.spec
        .healthcheck
        .as_ref()
        .is_some_and(|h| h.test.first().is_some_and(|t| t != "NONE"))
}

/// `--wait`: every container with a healthcheck that starts in this run, or is not healthy
/// now, is waited for (no step for one that runs healthy and is left alone).
pub(super) fn wait_for_all(b: &mut Builder, all: &[&ResolvedContainer]) {
    for c in all {
        if !has_health(c) || b.healthy.contains_key(&c.name) {
            continue;
        }
        let started = b.started.get(&c.name).copied();
        let healthy_now = b
            .observed_container(&c.name)
            .is_some_and(|o| o.is_running() && o.health.as_deref() == Some("healthy"));
        if started.is_none() && healthy_now {
            continue;
        }
        let id = b.step(
            StepKind::WaitHealthy {
                container: c.name.clone(),
            },
            "--wait",
            started.into_iter().collect(),
        );
        b.healthy.insert(c.name.clone(), id);
    }
}

/// What a container waits for before it starts: each dependency its `depends_on` names as the
/// condition says (started: nothing more; healthy: its healthcheck passes; completed: it has run
/// and exited with code 0), and any other dependency that has a healthcheck, healthy.
pub(super) fn wait_for_dependencies(b: &mut Builder, c: &ResolvedContainer, ready: &mut Vec<usize>) {
    for dep in &c.depends_on {
        let condition = c
            .waits_for
            .iter()
            .find(|g| g.container == *dep)
            .map(|g| g.condition);
        let wait = match condition {
            Some(Condition::Started) => continue,
            Some(Condition::CompletedSuccessfully) => Wait::Completed,
            Some(Condition::Healthy) => Wait::Healthy,
            None if b.desired.container(dep).is_some_and(has_health) => Wait::Healthy,
            None => continue,
        };
        let done = match wait {
            Wait::Healthy => &b.healthy,
            Wait::Completed => &b.completed,
        };
        let id = match done.get(dep) {
            Some(id) => *id,
            None => {
                let after: Vec<usize> = b.started.get(dep).copied().into_iter().collect();
                let container = dep.clone();
                let kind = match wait {
                    Wait::Healthy => StepKind::WaitHealthy { container },
                    Wait::Completed => StepKind::WaitCompleted { container },
                };
                let id = b.step(kind, format!("`{}` waits for it", c.name), after);
                match wait {
                    Wait::Healthy => b.healthy.insert(dep.clone(), id),
                    Wait::Completed => b.completed.insert(dep.clone(), id),
                };
                id
            }
        };
        ready.push(id);
    }
}

#[derive(Clone, Copy)]
enum Wait {
    Healthy,
    Completed,
}

/// A one-shot container that exited with code 0 and something waits for to complete: starting
/// it again would run it again (Compose leaves it, too).
pub(super) fn completed_one_shot(b: &Builder, c: &ResolvedContainer, state: Option<&RunState>) -> bool {
    matches!(state, Some(RunState::Exited { code: 0 }))
        && b.dependents_of(&c.name).iter().any(|d| {
            d.waits_for
                .iter()
                .any(|g| g.container == c.name && g.condition == Condition::CompletedSuccessfully)
        })
}

/// A running container whose `depends_on` says `restart: true` restarts after such a
/// dependency was started or recreated in this run.
pub(super) fn restart_after_dependencies(b: &mut Builder, c: &ResolvedContainer) {
    let after: Vec<(usize, &str)> = c
        .waits_for
        .iter()
        .filter(|g| g.restart)
        .filter_map(|g| b.started.get(&g.container).map(|id| (*id, g.container.as_str())))
        .collect();
    let Some((_, first)) = after.first() else {
        return;
    };
    let reason = format!("`{first}` restarted (`depends_on` restart)");
    let deps: Vec<usize> = after.iter().map(|(id, _)| *id).collect();
    let stopped = b.step(
        StepKind::StopContainer {
            container: c.name.clone(),
        },
        reason.clone(),
        deps,
    );
    b.stopped.insert(c.name.clone(), stopped);
    super::forward::start_container(b, c, reason, vec![stopped], false);
}
