//! Volumes: create, remove, and prepare (chown/chmod through a short-lived helper container).

use bollard::query_parameters::{
    CreateContainerOptions, LogsOptions, RemoveContainerOptions, RemoveVolumeOptions, WaitContainerOptions,
};
use futures_util::StreamExt;

use super::{container, idempotent};
use crate::runtime::driver::Driver;
use crate::runtime::error::StepError;
use crate::runtime::spec::Desired;
use crate::runtime::translate;

pub(super) async fn create(driver: &Driver, desired: &Desired, volume: &str) -> Result<(), StepError> {
    let v = desired
        .volumes
        .iter()
        .find(|v| v.name == volume)
        .ok_or_else(|| StepError::Internal {
            message: format!("volume `{volume}` is not in the maps"),
        })?;
    driver
        .docker
        .create_volume(translate::volume_body(v, &driver.client))
        .await
        .map(|_| ())
        .map_err(StepError::engine)
}

pub(super) async fn remove(driver: &Driver, desired: &Desired, volume: &str) -> Result<(), StepError> {
    idempotent(
        driver
            .docker
            .remove_volume(volume, None::<RemoveVolumeOptions>)
            .await,
        &[404],
    )?;
    match desired.volumes.iter().find(|v| v.name == volume) {
        Some(v) => forget_adoption(driver, "volume", volume, &v.map).await,
        None => Ok(()),
    }
}

/// Records an adoption with its marker volume (already there: recorded before).
pub(super) async fn record_adoption(
    driver: &Driver,
    kind: &str,
    name: &str,
    map: &str,
) -> Result<(), StepError> {
    driver
        .docker
        .create_volume(translate::adoption_body(kind, name, map, &driver.client))
        .await
        .map(|_| ())
        .map_err(StepError::engine)
}

/// Removes the adoption marker of an object that is gone.
pub(super) async fn forget_adoption(
    driver: &Driver,
    kind: &str,
    name: &str,
    map: &str,
) -> Result<(), StepError> {
    let marker = translate::adoption_marker(kind, name, map);
    idempotent(
        driver
            .docker
            .remove_volume(&marker, None::<RemoveVolumeOptions>)
            .await,
        &[404],
    )
}

/// chown/chmod of an attached volume through a helper container, running as root from the
/// attaching container's image (so user names resolve as there) unless the client names a
/// `core_image`. Each volume has a helper of its own, so several run in parallel.
pub(super) async fn prepare(
    driver: &Driver,
    desired: &Desired,
    volume: &str,
    name: &str,
) -> Result<(), StepError> {
    let docker = &driver.docker;
    let c = container(desired, name)?;
    let Some(p) = c.prepare.iter().find(|p| p.volume == volume) else {
        return Ok(());
    };
    let helper = translate::helper_name(name, volume);
    let image = driver
        .config
        .core_image
        .clone()
        .unwrap_or_else(|| c.spec.image.clone());
    let body = translate::helper_body(c, p, &image, &driver.client);
    let force = RemoveContainerOptions {
        force: true,
        ..Default::default()
    };
    // A helper left by an interrupted run goes first.
    idempotent(
        docker.remove_container(&helper, Some(force.clone())).await,
        &[404],
    )?;
    let options = CreateContainerOptions {
        name: Some(helper.clone()),
        ..Default::default()
    };
    docker
        .create_container(Some(options), body)
        .await
        .map_err(StepError::on("image", &image))?;
    let result = async {
        docker
            .start_container(&helper, None)
            .await
            .map_err(StepError::engine)?;
        let mut wait = docker.wait_container(
            &helper,
            Some(WaitContainerOptions {
                condition: "not-running".into(),
            }),
        );
        let code = match wait.next().await {
            Some(Ok(r)) => r.status_code,
            // bollard reports a non-zero exit as an error carrying the code
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => code,
            Some(Err(e)) => return Err(StepError::engine(e)),
            None => 0,
        };
        if code != 0 {
            return Err(StepError::Command {
                what: format!("preparing volume `{volume}`"),
                code,
                output: logs(driver, &helper).await,
            });
        }
        Ok(())
    }
    .await;
    idempotent(docker.remove_container(&helper, Some(force)).await, &[404])?;
    result
}

/// The last lines a container wrote.
pub(super) async fn logs(driver: &Driver, name: &str) -> String {
    let options = LogsOptions {
        stdout: true,
        stderr: true,
        tail: "20".into(),
        ..Default::default()
    };
    let mut stream = driver.docker.logs(name, Some(options));
    let mut out = String::new();
    while let Some(Ok(chunk)) = stream.next().await {
        out.push_str(&chunk.to_string());
    }
    out.trim().to_string()
}
