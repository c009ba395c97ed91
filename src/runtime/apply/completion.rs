//! Waiting for a container to run to completion (`depends_on` with
//! `service_completed_successfully`): the Engine's wait for it not to be running, bounded by the
//! client's `wait_timeout` when it sets one (a one-shot job may take as long as it takes).

use std::time::Duration;

use bollard::query_parameters::WaitContainerOptions;
use futures_util::StreamExt;

use crate::runtime::driver::Driver;
use crate::runtime::error::StepError;

/// Waits until `name` has exited; an exit code other than 0 fails the step. One that has exited
/// already answers at once with its exit code.
pub(super) async fn wait_completed(driver: &Driver, name: &str) -> Result<(), StepError> {
    let options = WaitContainerOptions {
        condition: "not-running".to_string(),
    };
    let wait = async {
        let mut answers = driver.docker.wait_container(name, Some(options));
        match answers.next().await {
            Some(Ok(r)) if r.status_code == 0 => Ok(()),
            Some(Ok(r)) => Err(StepError::ExitCode {
                container: name.to_string(),
                code: r.status_code,
            }),
            Some(Err(bollard::errors::Error::DockerContainerWaitError { code, .. })) => {
                Err(StepError::ExitCode {
                    container: name.to_string(),
                    code,
                })
            }
            Some(Err(e)) => Err(StepError::on("container", name)(e)),
            None => Err(StepError::Internal {
                message: format!("the Engine ended its wait for `{name}` without an exit code"),
            }),
        }
    };
    match driver.config.wait_timeout {
        None => wait.await,
        Some(seconds) => {
            let limit = Duration::from_secs_f64(seconds);
            tokio::time::timeout(limit, wait).await.unwrap_or_else(|_| {
                Err(StepError::Timeout {
                    what: format!("container `{name}` did not run to completion"),
                    seconds: limit.as_secs(),
                })
            })
        }
    }
}
