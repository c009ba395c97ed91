//! A one-off container of a configuration (`dmap job`, docker-map's `script`): created from the
//! configuration's resolved spec with what the caller changes, attached (a job: its output as
//! it comes, a terminal and the local stdin when asked) or waited for with a timeout (a
//! script: its log read afterwards), and removed afterwards unless the caller keeps it —
//! also when it fails, times out or is cancelled.

use std::time::Duration;

use bollard::query_parameters::{
    AttachContainerOptions, CreateContainerOptions, LogsOptions, RemoveContainerOptions,
    ResizeContainerTTYOptions, StopContainerOptions, WaitContainerOptions,
};
use futures_util::StreamExt;

use super::driver::Driver;
use super::error::{status, StepError};
use super::executor::Canceller;
use super::labels;
use super::spec::ResolvedContainer;
use super::translate;

/// The container to run once and how.
#[derive(Clone, Debug)]
pub(crate) struct OneOff {
    /// The configuration's container as the caller changed it (name, command, mounts...).
    pub container: ResolvedContainer,
    /// Labelled a job (`dmap job`: never taken for one of the map's containers), or as the
    /// map's container of its name (`script`).
    pub job: bool,
    pub how: How,
}

/// How a one-off container runs.
#[derive(Clone, Debug, Default)]
pub(crate) struct How {
    /// Its output streamed as it comes (else read once it has exited).
    pub attach: bool,
    pub tty: bool,
    /// Copy the local stdin to it.
    pub stdin: bool,
    /// The terminal's size (columns, rows).
    pub size: Option<(u16, u16)>,
    /// How long it may run (none: as long as it takes).
    pub timeout: Option<Duration>,
    /// Removed afterwards (with its anonymous volumes).
    pub remove: bool,
}

/// How it ended.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Finished {
    pub id: String,
    /// None when it did not exit within the timeout.
    pub exit_code: Option<i64>,
    /// What it wrote (stdout and stderr), when not attached.
    pub log: String,
}

/// Runs it; `output(is_stderr, bytes)` hears an attached container's output.
pub(crate) async fn run(
    driver: &Driver,
    one_off: &OneOff,
    output: &mut dyn FnMut(bool, &[u8]),
    cancel: &Canceller,
) -> Result<Finished, StepError> {
    let c = &one_off.container;
    let name = c.name.as_str();
    let mut body = translate::create_body(c, &driver.client, &[])?;
    if one_off.job {
        if let Some(l) = body.labels.as_mut() {
            l.insert(labels::KIND.into(), labels::KIND_JOB.into());
            l.remove(labels::SPEC);
        }
    }
    body.tty = Some(one_off.how.tty);
    body.open_stdin = Some(one_off.how.stdin);
    body.stdin_once = Some(one_off.how.stdin);
    body.attach_stdin = Some(one_off.how.stdin);
    body.attach_stdout = Some(one_off.how.attach);
    body.attach_stderr = Some(one_off.how.attach);
    let options = CreateContainerOptions {
        name: Some(name.to_string()),
        platform: translate::platform(&c.spec.options).unwrap_or_default(),
    };
    let created = driver
        .docker
        .create_container(Some(options), body)
        .await
        .map_err(|e| match status(&e) {
            Some(404) => StepError::NotFound {
                what: "image",
                name: c.spec.image.clone(),
            },
            _ => StepError::engine(e),
        })?;
    let result = tokio::select! {
        r = attached_run(driver, one_off, &created.id, output) => r,
        () = cancel.cancelled() => Err(StepError::Interrupted {
            what: format!("container `{name}`"),
        }),
    };
    if one_off.how.remove {
        let force = RemoveContainerOptions {
            force: true,
            v: true,
            ..Default::default()
        };
        if result.as_ref().is_ok_and(|f| f.exit_code.is_none()) {
            let stop = StopContainerOptions {
                t: Some(3),
                ..Default::default()
            };
            let _ = driver.docker.stop_container(&created.id, Some(stop)).await;
        }
        match driver.docker.remove_container(&created.id, Some(force)).await {
            Err(e) if status(&e) != Some(404) && result.is_ok() => {
                return Err(StepError::on("container", name)(e));
            }
            _ => {}
        }
    }
    result
}

/// Connects its other networks, attaches, starts it and waits for it.
async fn attached_run(
    driver: &Driver,
    one_off: &OneOff,
    id: &str,
    output: &mut dyn FnMut(bool, &[u8]),
) -> Result<Finished, StepError> {
    let c = &one_off.container;
    let docker = &driver.docker;
    if c.spec.network_mode.is_none() {
        for e in c.spec.networks.iter().skip(1) {
            let request = bollard::models::NetworkConnectRequest {
                container: id.to_string(),
                endpoint_config: Some(translate::endpoint_settings(e, &c.spec)),
            };
            docker
                .connect_network(&e.network, request)
                .await
                .map_err(StepError::on("network", &e.network))?;
        }
    }
    let attached = if one_off.how.attach {
        let options = AttachContainerOptions {
            stdin: one_off.how.stdin,
            stdout: true,
            stderr: true,
            stream: true,
            logs: true,
            ..Default::default()
        };
        Some(
            docker
                .attach_container(id, Some(options))
                .await
                .map_err(StepError::engine)?,
        )
    } else {
        None
    };
    docker
        .start_container(id, None)
        .await
        .map_err(StepError::on("container", &c.name))?;
    if let (true, Some((w, h))) = (one_off.how.tty, one_off.how.size) {
        let size = ResizeContainerTTYOptions {
            h: i32::from(h),
            w: i32::from(w),
        };
        let _ = docker.resize_container_tty(id, size).await;
    }
    if let Some(attached) = attached {
        super::exec::pump(attached.output, attached.input, one_off.how.stdin, output).await?;
    }
    let exit_code = match one_off.how.timeout {
        None => Some(exit_code(driver, id, &c.name).await?),
        Some(limit) => tokio::time::timeout(limit, exit_code(driver, id, &c.name))
            .await
            .ok()
            .transpose()?,
    };
    let log = if one_off.how.attach || exit_code.is_none() {
        String::new()
    } else {
        log(driver, id).await?
    };
    Ok(Finished {
        id: id.to_string(),
        exit_code,
        log,
    })
}

/// Its exit code, once it has exited.
async fn exit_code(driver: &Driver, id: &str, name: &str) -> Result<i64, StepError> {
    let options = WaitContainerOptions {
        condition: "not-running".to_string(),
    };
    let mut answers = driver.docker.wait_container(id, Some(options));
    match answers.next().await {
        Some(Ok(r)) => Ok(r.status_code),
        Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => Ok(code),
        Some(Err(e)) => Err(StepError::on("container", name)(e)),
        None => Err(StepError::Internal {
            message: format!("the Engine ended its wait for `{name}` without an exit code"),
        }),
    }
}

/// Everything it wrote, stdout and stderr interleaved as the Engine kept them.
async fn log(driver: &Driver, id: &str) -> Result<String, StepError> {
    let options = LogsOptions {
        stdout: true,
        stderr: true,
        tail: "all".into(),
        ..Default::default()
    };
    let mut stream = driver.docker.logs(id, Some(options));
    let mut out = Vec::new();
    while let Some(chunk) = stream.next().await {
        out.extend_from_slice(&chunk.map_err(StepError::engine)?.into_bytes());
    }
    Ok(String::from_utf8_lossy(&out).into_owned())
}
