//! Applying a plan: each step is one or a few Engine calls; steps run in dependency order,
//! independent ones in parallel (bounded), and a failed step stops only what depends on it.
//! Request bodies come from [`super::translate`]; this module only sends them.

mod build;
mod buildkit;
mod completion;
mod container;
mod copy;
mod health;
mod image;
mod network;
mod replace;
mod secrets;
mod volume;

use std::time::Duration;

pub(crate) use build::Line;

use super::driver::Driver;
use super::error::StepError;
use super::executor::{self, Event, Node, Outcome};
use super::plan::{Plan, Step, StepKind};
use super::spec::{Desired, ResolvedContainer};
use super::transfer::Links;

/// How long `wait_healthy` waits when the client sets no `wait_timeout`.
pub(crate) const DEFAULT_HEALTH_WAIT: Duration = Duration::from_secs(120);

/// What happened to one step: done, failed, or skipped because a step it needed failed.
pub(crate) type StepOutcome = Outcome<(), StepError>;

/// Builds run at once, at most (each keeps the Engine's CPUs busy).
pub(crate) const PARALLEL_BUILDS: usize = 2;

/// Runs the plan; `on_progress` hears each step start (`None`) and finish, `on_output` each
/// line a step prints (a build's output). `links` join it to the other clients of the action:
/// the Engines its copies take images from, and the copies its builds make wait.
#[allow(clippy::too_many_arguments)]
pub(crate) async fn apply(
    driver: &Driver,
    desired: &Desired,
    plan: &Plan,
    links: &Links,
    limit: usize,
    mut on_progress: impl FnMut(usize, &Step, Option<&StepOutcome>),
    on_output: impl Fn(&Step, Line<'_>),
    cancel: &executor::Canceller,
) -> Result<Vec<StepOutcome>, executor::ExecutorError> {
    let nodes: Vec<Node<&Step>> = plan.steps.iter().map(|s| Node::new(s, s.deps.clone())).collect();
    let builds = tokio::sync::Semaphore::new(PARALLEL_BUILDS);
    let on_output = &on_output;
    let builds = &builds;
    executor::run_cancellable(
        &nodes,
        limit,
        |_, step| {
            run_step(driver, desired, step, builds, links, move |line| {
                on_output(step, line)
            })
        },
        |i, event: Event<'_, (), StepError>| match event {
            Event::Started => on_progress(i, &plan.steps[i], None),
            Event::Finished(o) => {
                links.finished(&plan.steps[i].kind, matches!(o, Outcome::Done(())));
                on_progress(i, &plan.steps[i], Some(o))
            }
        },
        cancel,
        // Cancelling drops what only waits; what changes the Engine finishes.
        |step: &&Step| {
            matches!(
                step.kind,
                StepKind::WaitHealthy { .. }
                    | StepKind::WaitCompleted { .. }
                    | StepKind::BuildImage { .. }
                    | StepKind::CopyImage { .. }
                    | StepKind::PullImage { .. }
            )
        },
    )
    .await
}

/// Success also when the Engine says it is already so (304), or already gone (404).
fn idempotent(r: Result<(), bollard::errors::Error>, ok: &[u16]) -> Result<(), StepError> {
    match r {
        Ok(()) => Ok(()),
        Err(e) if super::error::status(&e).is_some_and(|s| ok.contains(&s)) => Ok(()),
        Err(e) => Err(StepError::engine(e)),
    }
}

fn container<'a>(desired: &'a Desired, name: &str) -> Result<&'a ResolvedContainer, StepError> {
    desired.container(name).ok_or_else(|| StepError::Internal {
        message: format!("container `{name}` is not in the maps"),
    })
}

/// Builds the declared image `image` of `desired` on the client's Engine; `output` hears every
/// line the builder prints.
pub(crate) async fn build_image(
    driver: &Driver,
    desired: &Desired,
    image: &str,
    output: &dyn Fn(Line<'_>),
) -> Result<(), StepError> {
    let build = desired.builds.get(image).ok_or_else(|| StepError::Internal {
        message: format!("image `{image}` has no context to build from"),
    })?;
    build::build(driver, build, output).await
}

/// Pushes `image` (a reference with its registry) from the client's Engine.
pub(crate) async fn push_image(driver: &Driver, image: &str) -> Result<(), StepError> {
    image::push(driver, image).await
}

async fn run_step(
    driver: &Driver,
    desired: &Desired,
    step: &Step,
    builds: &tokio::sync::Semaphore,
    links: &Links,
    output: impl Fn(Line<'_>),
) -> Result<(), StepError> {
    match &step.kind {
        StepKind::PullImage { image } => image::pull(driver, image).await,
        StepKind::PushImage { image } => push_image(driver, image).await,
        StepKind::BuildImage { image } => {
            let _permit = builds.acquire().await.map_err(|e| StepError::Internal {
                message: e.to_string(),
            })?;
            build_image(driver, desired, image, &output).await
        }
        StepKind::CopyImage { image, from } => {
            let build = desired.builds.get(image).ok_or_else(|| StepError::Internal {
                message: format!("image `{image}` is not declared, to copy"),
            })?;
            let source = links.source(from, image).await?;
            copy::copy(driver, build, from, source, &output).await
        }
        StepKind::CreateNetwork { network } => network::create(driver, desired, network).await,
        StepKind::RemoveNetwork { network } => network::remove(driver, desired, network).await,
        StepKind::RemoveDuplicateNetwork { id, .. } => network::remove_duplicate(driver, id).await,
        StepKind::CreateVolume { volume } => volume::create(driver, desired, volume).await,
        StepKind::RemoveVolume { volume } => volume::remove(driver, desired, volume).await,
        StepKind::RecordAdoption { kind, name, map } => {
            volume::record_adoption(driver, kind, name, map).await
        }
        StepKind::RemoveLeftover { container } => container::remove_leftover(driver, container).await,
        StepKind::PrepareVolume { volume, container } => {
            volume::prepare(driver, desired, volume, container).await
        }
        StepKind::CreateContainer { container, carry } => {
            container::create(driver, desired, container, carry).await
        }
        StepKind::ReplaceContainer {
            container,
            carry,
            start,
            wait,
            stops,
        } => {
            let r = replace::Replacement {
                name: container,
                carry,
                start: *start,
                wait: *wait,
                stops,
            };
            replace::replace(driver, desired, &r).await
        }
        StepKind::RenameContainer { container, from } => container::rename(driver, from, container).await,
        StepKind::ConnectNetwork { container, network } => {
            network::connect(driver, desired, container, network).await
        }
        StepKind::DisconnectNetwork { container, network } => {
            network::disconnect(driver, container, network).await
        }
        StepKind::StartContainer { container } => container::start(driver, desired, container).await,
        StepKind::UnpauseContainer { container } => container::unpause(driver, container).await,
        StepKind::WaitHealthy { container } => health::wait_healthy(driver, container).await,
        StepKind::WaitCompleted { container } => completion::wait_completed(driver, container).await,
        StepKind::ExecCommands { container, commands } => {
            container::exec(driver, desired, container, commands).await
        }
        StepKind::UpdateContainer { container } => container::update(driver, desired, container).await,
        StepKind::StopContainer { container } => container::stop(driver, desired, container).await,
        StepKind::RemoveContainer { container } => container::remove_step(driver, desired, container).await,
        StepKind::KillContainer { container, signal } => container::kill(driver, container, signal).await,
        // A Swarm client's plan runs through `swarm::apply`, with its services.
        StepKind::CreateSwarmNetwork { .. }
        | StepKind::CreateService { .. }
        | StepKind::UpdateService { .. }
        | StepKind::ScaleService { .. }
        | StepKind::RemoveService { .. }
        | StepKind::WaitService { .. } => Err(StepError::Internal {
            message: format!(
                "`{}` of `{}` is a Swarm step, and this client is not a Swarm",
                step.kind.name(),
                step.kind.subject()
            ),
        }),
    }
}
