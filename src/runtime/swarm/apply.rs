//! Swarm steps against the manager: overlay networks, services created, updated in place (with
//! the version the manager has), scaled, removed, and waited for until their tasks run.

use std::collections::HashMap;
use std::time::Duration;

use bollard::models::{NetworkCreateRequest, TaskState};
use bollard::query_parameters::{ListTasksOptions, UpdateServiceOptions};

use super::desired::SwarmDesired;
use super::spec::WantedService;
use crate::runtime::apply::{Line, StepOutcome};
use crate::runtime::driver::Driver;
use crate::runtime::error::{message, status, StepError};
use crate::runtime::executor::{self, Event, Node};
use crate::runtime::labels;
use crate::runtime::plan::{Plan, Step, StepKind};
use crate::runtime::spec::Desired;

/// How long a service's tasks may take to run, unless the client sets `wait_timeout`.
const DEFAULT_WAIT: Duration = Duration::from_secs(120);

/// How long an overlay network may stay in use by the tasks of a service just removed.
const NETWORK_RELEASE: Duration = Duration::from_secs(60);

/// Runs a Swarm client's plan, as [`crate::runtime::apply::apply`] runs an Engine's: steps in
/// dependency order, independent ones in parallel (bounded); `on_progress` hears each step
/// start (`None`) and finish, `on_output` each line a build on the manager prints. No step is
/// dropped on cancelling: each changes the manager or waits for a change made.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply(
    driver: &Driver,
    desired: &Desired,
    swarm: &SwarmDesired,
    plan: &Plan,
    limit: usize,
    mut on_progress: impl FnMut(usize, &Step, Option<&StepOutcome>),
    on_output: impl Fn(&Step, Line<'_>),
    cancel: &executor::Canceller,
) -> Result<Vec<StepOutcome>, executor::ExecutorError> {
    let nodes: Vec<Node<&Step>> = plan.steps.iter().map(|s| Node::new(s, s.deps.clone())).collect();
    let on_output = &on_output;
    executor::run_cancellable(
        &nodes,
        limit,
        |_, step| run_step(driver, desired, swarm, step, move |line| on_output(step, line)),
        |i, event: Event<'_, (), StepError>| match event {
            Event::Started => on_progress(i, &plan.steps[i], None),
            Event::Finished(o) => on_progress(i, &plan.steps[i], Some(o)),
        },
        cancel,
        |_: &&Step| false,
    )
    .await
}

async fn run_step(
    driver: &Driver,
    desired: &Desired,
    swarm: &SwarmDesired,
    step: &Step,
    output: impl Fn(Line<'_>),
) -> Result<(), StepError> {
    match &step.kind {
        StepKind::BuildImage { image } => {
            crate::runtime::apply::build_image(driver, desired, image, &output).await
        }
        StepKind::PushImage { image } => crate::runtime::apply::push_image(driver, image).await,
        StepKind::CreateSwarmNetwork { network } => create_network(driver, swarm, network).await,
        StepKind::RemoveNetwork { network } => remove_network(driver, network).await,
        StepKind::CreateService { service } => create(driver, swarm, service).await,
        StepKind::UpdateService { service, force } => update(driver, swarm, service, *force).await,
        StepKind::ScaleService { service, replicas } => scale(driver, swarm, service, *replicas).await,
        StepKind::RemoveService { service } => remove(driver, service).await,
        StepKind::WaitService { service } => wait(driver, swarm, service).await,
        other => Err(StepError::Internal {
            message: format!("`{}` of `{}` is not a Swarm step", other.name(), other.subject()),
        }),
    }
}

/// The service as it is sent: its declared image pinned to the digest the manager pushed it
/// under (a push step of this plan has just done so, or an earlier run did).
async fn wanted(driver: &Driver, swarm: &SwarmDesired, name: &str) -> Result<WantedService, StepError> {
    let w = swarm.service(name).ok_or_else(|| StepError::Internal {
        message: format!("service `{name}` is not in the maps"),
    })?;
    let Some(reference) = &w.build else {
        return Ok(w.clone());
    };
    let held = crate::runtime::observe::held_image(driver, reference)
        .await
        .map_err(|e| match e {
            crate::runtime::error::Error::Observe { error, .. } => StepError::engine(error),
            other => StepError::Internal {
                message: other.to_string(),
            },
        })?;
    Ok(match held.and_then(|h| h.pushed) {
        Some(digest) => w.pinned(&digest),
        None => w.clone(),
    })
}

pub(crate) async fn create_network(
    driver: &Driver,
    swarm: &SwarmDesired,
    network: &str,
) -> Result<(), StepError> {
    let map = swarm.network_map(network).unwrap_or_default().to_string();
    let request = NetworkCreateRequest {
        name: network.to_string(),
        driver: Some("overlay".into()),
        attachable: Some(true),
        labels: Some(HashMap::from([
            (labels::MAP.to_string(), map),
            (labels::CLIENT.to_string(), swarm.client.clone()),
        ])),
        ..Default::default()
    };
    match driver.docker.create_network(request).await {
        Ok(_) => Ok(()),
        Err(e) if status(&e) == Some(409) => Ok(()),
        Err(e) => Err(StepError::engine(e)),
    }
}

/// An overlay network gone (or already gone). A Swarm's tasks leave it a little after their
/// service is removed: the manager refuses until then ("in use by task").
pub(crate) async fn remove_network(driver: &Driver, network: &str) -> Result<(), StepError> {
    let deadline = tokio::time::Instant::now() + NETWORK_RELEASE;
    loop {
        match driver.docker.remove_network(network).await {
            Ok(()) => return Ok(()),
            Err(e) if message(&e).contains("in use by task") && tokio::time::Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            Err(e) if status(&e) == Some(404) => return Ok(()),
            Err(e) => return Err(StepError::engine(e)),
        }
    }
}

pub(crate) async fn create(driver: &Driver, swarm: &SwarmDesired, service: &str) -> Result<(), StepError> {
    let w = wanted(driver, swarm, service).await?;
    driver
        .docker
        .create_service(w.spec.clone(), None)
        .await
        .map(|_| ())
        .map_err(StepError::engine)
}

/// The manager's version of a service (an update must name it).
async fn version(driver: &Driver, service: &str) -> Result<(bollard::models::Service, i32), StepError> {
    let s = driver
        .docker
        .inspect_service(service, None)
        .await
        .map_err(StepError::on("service", service))?;
    let index = s.version.as_ref().and_then(|v| v.index).unwrap_or(0);
    Ok((s, i32::try_from(index).unwrap_or(i32::MAX)))
}

pub(crate) async fn update(
    driver: &Driver,
    swarm: &SwarmDesired,
    service: &str,
    force: bool,
) -> Result<(), StepError> {
    let w = wanted(driver, swarm, service).await?;
    let (current, version) = version(driver, service).await?;
    let mut spec = w.spec.clone();
    if force {
        let was = current
            .spec
            .as_ref()
            .and_then(|s| s.task_template.as_ref())
            .and_then(|t| t.force_update)
            .unwrap_or(0);
        if let Some(t) = spec.task_template.as_mut() {
            t.force_update = Some(was + 1);
        }
    }
    send(driver, service, spec, version).await
}

/// The wanted spec with `replicas` (bollard reads a service's healthcheck back as none, so the
/// spec sent is always the map's, never the one read back).
pub(crate) async fn scale(
    driver: &Driver,
    swarm: &SwarmDesired,
    service: &str,
    replicas: u64,
) -> Result<(), StepError> {
    let w = wanted(driver, swarm, service).await?;
    let (_, version) = version(driver, service).await?;
    let mut spec = w.spec.clone();
    if let Some(r) = spec.mode.as_mut().and_then(|m| m.replicated.as_mut()) {
        r.replicas = Some(i64::try_from(replicas).unwrap_or(i64::MAX));
    }
    // Recorded as not what the map wants, so `startup`/`update` bring it back.
    if let Some(l) = spec.labels.as_mut() {
        l.insert(labels::SPEC.into(), format!("scaled to {replicas}"));
    }
    send(driver, service, spec, version).await
}

/// A service's new spec, against the version the manager has (a stale one is refused).
async fn send(
    driver: &Driver,
    service: &str,
    spec: bollard::models::ServiceSpec,
    version: i32,
) -> Result<(), StepError> {
    let options = UpdateServiceOptions {
        version,
        ..Default::default()
    };
    driver
        .docker
        .update_service(service, spec, options, None)
        .await
        .map(|_| ())
        .map_err(StepError::engine)
}

pub(crate) async fn remove(driver: &Driver, service: &str) -> Result<(), StepError> {
    match driver.docker.delete_service(service).await {
        Ok(()) => Ok(()),
        Err(e) if status(&e) == Some(404) => Ok(()),
        Err(e) => Err(StepError::engine(e)),
    }
}

/// Until the service's rollout is done and as many of its tasks run as it has replicas (a
/// task with a healthcheck runs once healthy); a task error keeps being reported with it.
pub(crate) async fn wait(driver: &Driver, swarm: &SwarmDesired, service: &str) -> Result<(), StepError> {
    let w = wanted(driver, swarm, service).await?;
    let limit = driver
        .config
        .wait_timeout
        .map_or(DEFAULT_WAIT, Duration::from_secs_f64);
    let started = tokio::time::Instant::now();
    let mut last_error: Option<String> = None;
    loop {
        let s = driver
            .docker
            .inspect_service(service, None)
            .await
            .map_err(StepError::on("service", service))?;
        let rolling = s.update_status.as_ref().and_then(|u| u.state).is_some_and(|st| {
            matches!(
                st,
                bollard::models::ServiceUpdateStatusStateEnum::UPDATING
                    | bollard::models::ServiceUpdateStatusStateEnum::ROLLBACK_STARTED
            )
        });
        let tasks = driver
            .docker
            .list_tasks(Some(ListTasksOptions {
                filters: Some(HashMap::from([
                    ("service".to_string(), vec![service.to_string()]),
                    ("desired-state".to_string(), vec!["running".to_string()]),
                ])),
            }))
            .await
            .map_err(StepError::engine)?;
        // Only tasks of the service's current spec count: right after an update, the old ones
        // still run until the Swarm gets to replacing them.
        let template = s.spec.as_ref().and_then(|sp| sp.task_template.as_ref());
        let base_of = |t: Option<&bollard::models::TaskSpec>| {
            t.and_then(|t| t.container_spec.as_ref())
                .and_then(|c| c.labels.as_ref())
                .and_then(|l| l.get(super::spec::BASE_LABEL).cloned())
        };
        let (want_base, want_force) = (
            base_of(template),
            template.and_then(|t| t.force_update).unwrap_or(0),
        );
        let current = |t: &bollard::models::Task| {
            want_base.is_none()
                || (base_of(t.spec.as_ref()) == want_base
                    && t.spec.as_ref().and_then(|t| t.force_update).unwrap_or(0) == want_force)
        };
        let running = tasks
            .iter()
            .filter(|t| t.status.as_ref().and_then(|st| st.state) == Some(TaskState::RUNNING) && current(t))
            .count() as u64;
        for t in &tasks {
            if let Some(err) = t
                .status
                .as_ref()
                .and_then(|st| st.err.clone())
                .filter(|e| !e.is_empty())
            {
                last_error = Some(err);
            }
        }
        if !rolling && running >= w.replicas {
            return Ok(());
        }
        if started.elapsed() > limit {
            let why = last_error
                .map(|e| format!("; its last task error: {e}"))
                .unwrap_or_default();
            return Err(StepError::Timeout {
                what: format!(
                    "service `{service}` has {running} of {} tasks running{why}",
                    w.replicas
                ),
                seconds: limit.as_secs(),
            });
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
}
