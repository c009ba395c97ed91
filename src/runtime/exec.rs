//! A command in a running container (`dmap exec`): attached, with a terminal when asked for,
//! the local stdin copied in; its exit code comes back.

use bollard::container::LogOutput;
use bollard::exec::{StartExecOptions, StartExecResults};
use bollard::models::ExecConfig;
use bollard::query_parameters::ResizeExecOptions;
use futures_util::StreamExt;
use tokio::io::AsyncWriteExt;

use super::driver::Driver;
use super::error::StepError;

/// What to run and how.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct ExecRequest {
    pub container: String,
    pub command: Vec<String>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    /// `K=V`
    pub env: Vec<String>,
    /// A terminal for the command (the local one in raw mode, the caller's business).
    pub tty: bool,
    /// Copy the local stdin to the command.
    pub stdin: bool,
    /// The terminal's size (columns, rows), when there is one.
    pub size: Option<(u16, u16)>,
}

/// Runs the command; `output(is_stderr, bytes)` hears what it prints. Returns its exit code.
pub(crate) async fn exec(
    driver: &Driver,
    request: &ExecRequest,
    output: &mut dyn FnMut(bool, &[u8]),
) -> Result<i64, StepError> {
    let docker = &driver.docker;
    let config = ExecConfig {
        attach_stdin: Some(request.stdin),
        attach_stdout: Some(true),
        attach_stderr: Some(true),
        tty: Some(request.tty),
        cmd: Some(request.command.clone()),
        user: request.user.clone(),
        working_dir: request.workdir.clone(),
        env: (!request.env.is_empty()).then(|| request.env.clone()),
        ..Default::default()
    };
    let id = match docker.create_exec(&request.container, config).await {
        Ok(created) => created.id,
        // 409: the container exists and is not running.
        Err(e) if super::error::status(&e) == Some(409) => {
            return Err(StepError::Conflict {
                message: format!(
                    "container `{}` is not running (`dmap up` starts it)",
                    request.container
                ),
            })
        }
        Err(e) => return Err(StepError::on("container", &request.container)(e)),
    };
    let started = docker
        .start_exec(
            &id,
            Some(StartExecOptions {
                detach: false,
                tty: request.tty,
                output_capacity: None,
            }),
        )
        .await
        .map_err(StepError::engine)?;
    if let (true, Some((w, h))) = (request.tty, request.size) {
        let _ = docker
            .resize_exec(
                &id,
                ResizeExecOptions {
                    h: i32::from(h),
                    w: i32::from(w),
                },
            )
            .await;
    }
    if let StartExecResults::Attached {
        output: stream,
        input,
    } = started
    {
        pump(stream, input, request.stdin, output).await?;
    }
    // The exit code is known once the Engine has seen the process end.
    for _ in 0..100 {
        let inspected = docker.inspect_exec(&id).await.map_err(StepError::engine)?;
        if inspected.running != Some(true) {
            if let Some(code) = inspected.exit_code {
                return Ok(code);
            }
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    Err(StepError::Internal {
        message: format!(
            "the Engine reports no exit code for the command in `{}`",
            request.container
        ),
    })
}

/// What an attached process writes, to `output(is_stderr, bytes)` until it ends; the local stdin
/// copied to it meanwhile when `stdin` (its end closes the process's stdin).
pub(crate) async fn pump(
    mut stream: std::pin::Pin<
        Box<dyn futures_util::Stream<Item = Result<LogOutput, bollard::errors::Error>> + Send>,
    >,
    mut input: std::pin::Pin<Box<dyn tokio::io::AsyncWrite + Send>>,
    stdin: bool,
    output: &mut dyn FnMut(bool, &[u8]),
) -> Result<(), StepError> {
    let copy = stdin.then(|| {
        tokio::spawn(async move {
            let mut stdin = tokio::io::stdin();
            let _ = tokio::io::copy(&mut stdin, &mut input).await;
            let _ = input.shutdown().await;
        })
    });
    while let Some(item) = stream.next().await {
        match item.map_err(StepError::engine)? {
            LogOutput::StdErr { message } => output(true, &message),
            LogOutput::StdOut { message } | LogOutput::Console { message } => output(false, &message),
            LogOutput::StdIn { .. } => {}
        }
    }
    if let Some(copy) = copy {
        copy.abort();
    }
    Ok(())
}
