//! Containers: create, start, exec, update in place, stop, remove, signal.

use std::collections::HashMap;
use std::time::Duration;

use bollard::exec::{CreateExecOptions, StartExecOptions};
use bollard::query_parameters::{
    CreateContainerOptions, KillContainerOptions, ListContainersOptionsBuilder, RemoveContainerOptions,
    StopContainerOptions, WaitContainerOptions,
};
use futures_util::StreamExt;

use super::{container, idempotent};
use crate::runtime::driver::Driver;
use crate::runtime::error::{status, StepError};
use crate::runtime::spec::Desired;
use crate::runtime::translate;

pub(super) async fn create(
    driver: &Driver,
    desired: &Desired,
    name: &str,
    carry: &[(String, String)],
) -> Result<(), StepError> {
    create_as(driver, desired, name, name, carry).await
}

/// Creates container `name` of the maps under the Engine name `engine_name` (a replacement's
/// temporary name).
pub(super) async fn create_as(
    driver: &Driver,
    desired: &Desired,
    name: &str,
    engine_name: &str,
    carry: &[(String, String)],
) -> Result<(), StepError> {
    let c = container(desired, name)?;
    let body = translate::create_body(c, &driver.client, carry)?;
    let options = CreateContainerOptions {
        name: Some(engine_name.to_string()),
        platform: translate::platform(&c.spec.options).unwrap_or_default(),
    };
    driver
        .docker
        .create_container(Some(options), body)
        .await
        .map(|_| ())
        .map_err(|e| match status(&e) {
            Some(404) => StepError::NotFound {
                what: "image",
                name: c.spec.image.clone(),
            },
            _ => StepError::engine(e),
        })
}

/// Resumes a paused container; one that is no longer paused is already what was wanted.
pub(super) async fn unpause(driver: &Driver, name: &str) -> Result<(), StepError> {
    match driver.docker.unpause_container(name).await {
        Err(e) if super::super::error::message(&e).contains("is not paused") => Ok(()),
        other => idempotent(other, &[]),
    }
}

pub(super) async fn start(driver: &Driver, desired: &Desired, name: &str) -> Result<(), StepError> {
    start_as(driver, desired, name, name).await
}

/// Starts container `name` of the maps, which has the Engine name `engine_name`.
pub(super) async fn start_as(
    driver: &Driver,
    desired: &Desired,
    name: &str,
    engine_name: &str,
) -> Result<(), StepError> {
    match idempotent(driver.docker.start_container(engine_name, None).await, &[304]) {
        Ok(()) => {}
        Err(StepError::PortAllocated { port, holder: None }) => {
            let holder = port_holder(driver, engine_name, &port).await;
            return Err(StepError::PortAllocated { port, holder });
        }
        Err(e) => return Err(e),
    }
    if let Some(delay) = desired.container(name).and_then(|c| c.start_delay) {
        tokio::time::sleep(Duration::from_secs_f64(delay)).await;
    }
    Ok(())
}

/// The running container (other than `name`) that publishes `address` (`IP:PORT`).
async fn port_holder(driver: &Driver, name: &str, address: &str) -> Option<String> {
    let port = address.rsplit(':').next()?.to_string();
    let filters = HashMap::from([
        ("publish".to_string(), vec![port.clone()]),
        ("status".to_string(), vec!["running".to_string()]),
    ]);
    let options = ListContainersOptionsBuilder::default().filters(&filters).build();
    let found = driver.docker.list_containers(Some(options)).await.ok()?;
    found
        .into_iter()
        .filter_map(|c| {
            c.names?
                .into_iter()
                .map(|n| n.trim_start_matches('/').to_string())
                .find(|n| !n.contains('/'))
        })
        .find(|n| n != name)
        .map(|n| format!("container `{n}`"))
}

pub(super) async fn exec(
    driver: &Driver,
    desired: &Desired,
    name: &str,
    commands: &[usize],
) -> Result<(), StepError> {
    let docker = &driver.docker;
    let c = container(desired, name)?;
    for i in commands {
        let Some(e) = c.exec_commands.get(*i) else {
            continue;
        };
        let options = CreateExecOptions {
            cmd: Some(translate::exec_words(e)?),
            user: e.user.clone().or_else(|| c.exec_user.clone()),
            ..Default::default()
        };
        let exec = docker
            .create_exec(name, options)
            .await
            .map_err(StepError::on("container", name))?;
        docker
            .start_exec(
                &exec.id,
                Some(StartExecOptions {
                    detach: true,
                    ..Default::default()
                }),
            )
            .await
            .map(|_| ())
            .map_err(StepError::engine)?;
    }
    Ok(())
}

pub(super) async fn update(driver: &Driver, desired: &Desired, name: &str) -> Result<(), StepError> {
    let c = container(desired, name)?;
    match translate::update_body(&c.spec.options, true)? {
        Some(body) => driver
            .docker
            .update_container(name, body)
            .await
            .map_err(StepError::on("container", name)),
        None => Ok(()),
    }
}

/// Whether the container's stop signal is SIGKILL (in any of the spellings the Engine takes),
/// so that stopping it is a kill with no grace period.
fn stop_is_kill(desired: &Desired, name: &str) -> bool {
    desired
        .container(name)
        .and_then(|c| c.spec.stop_signal.as_deref())
        .is_some_and(|s| {
            let upper = s.to_ascii_uppercase();
            matches!(upper.strip_prefix("SIG").unwrap_or(&upper), "KILL" | "9")
        })
}

pub(super) async fn stop(driver: &Driver, desired: &Desired, name: &str) -> Result<(), StepError> {
    let docker = &driver.docker;
    // With SIGKILL as its stop signal, a grace period is pointless: kill at once.
    if stop_is_kill(desired, name) {
        let options = KillContainerOptions {
            signal: "SIGKILL".into(),
        };
        // 409: not running any more, which is what was wanted.
        idempotent(docker.kill_container(name, Some(options)).await, &[404, 409])?;
        let mut wait = docker.wait_container(
            name,
            Some(WaitContainerOptions {
                condition: "not-running".into(),
            }),
        );
        return match wait.next().await {
            Some(Err(e))
                if status(&e).is_some_and(|s| s != 404)
                    && !matches!(e, bollard::errors::Error::DockerContainerWaitError { .. }) =>
            {
                Err(StepError::engine(e))
            }
            _ => Ok(()),
        };
    }
    let timeout = desired
        .container(name)
        .and_then(|c| c.spec.stop_timeout)
        .map(|t| t as f64)
        .or(driver.config.stop_timeout)
        .unwrap_or(10.0);
    let options = StopContainerOptions {
        signal: None,
        t: Some(timeout.ceil() as i32),
    };
    idempotent(docker.stop_container(name, Some(options)).await, &[304, 404])
}

pub(super) async fn remove(driver: &Driver, name: &str) -> Result<(), StepError> {
    let options = RemoveContainerOptions {
        v: false,
        force: false,
        link: false,
    };
    idempotent(driver.docker.remove_container(name, Some(options)).await, &[404])
}

/// The remove step: a container whose stop is a kill is removed with `force`, so that one still
/// running is killed and removed in one call (what the plan asks for when a shutdown finds it
/// running); any other is removed as [`remove`] does, and must have stopped.
pub(super) async fn remove_step(driver: &Driver, desired: &Desired, name: &str) -> Result<(), StepError> {
    if !stop_is_kill(desired, name) {
        return remove(driver, name).await;
    }
    let options = RemoveContainerOptions {
        v: false,
        force: true,
        link: false,
    };
    idempotent(driver.docker.remove_container(name, Some(options)).await, &[404])
}

/// Force-removes what an interrupted run left (it may still be running), with its anonymous
/// volumes: those it mounts by name (carried from a container it was to replace) stay.
pub(super) async fn remove_leftover(driver: &Driver, name: &str) -> Result<(), StepError> {
    let options = RemoveContainerOptions {
        force: true,
        v: true,
        ..Default::default()
    };
    idempotent(driver.docker.remove_container(name, Some(options)).await, &[404])
}

pub(super) async fn rename(driver: &Driver, from: &str, to: &str) -> Result<(), StepError> {
    let options = bollard::query_parameters::RenameContainerOptions { name: to.to_string() };
    driver
        .docker
        .rename_container(from, options)
        .await
        .map_err(StepError::on("container", from))
}

pub(super) async fn kill(driver: &Driver, name: &str, signal: &str) -> Result<(), StepError> {
    let options = KillContainerOptions {
        signal: signal.to_string(),
    };
    driver
        .docker
        .kill_container(name, Some(options))
        .await
        .map_err(StepError::on("container", name))
}
