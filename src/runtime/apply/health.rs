//! Waiting for a dependency's healthcheck, driven by the Engine's events and bounded by the
//! client's `wait_timeout`.

use std::collections::HashMap;
use std::time::Duration;

use bollard::query_parameters::EventsOptions;
use futures_util::StreamExt;

use super::DEFAULT_HEALTH_WAIT;
use crate::runtime::driver::Driver;
use crate::runtime::error::StepError;

/// Waits until `name` reports `healthy`; a container without a healthcheck counts as healthy
/// once running. One that is unhealthy, or not running, fails at once: no event would come.
pub(super) async fn wait_healthy(driver: &Driver, name: &str) -> Result<(), StepError> {
    let docker = &driver.docker;
    let filters = HashMap::from([
        ("container".to_string(), vec![name.to_string()]),
        ("type".to_string(), vec!["container".to_string()]),
    ]);
    // Subscribe before looking, so no change falls between the two.
    let mut events = docker.events(Some(EventsOptions {
        filters: Some(filters),
        ..Default::default()
    }));
    let info = docker
        .inspect_container(name, None)
        .await
        .map_err(StepError::on("container", name))?;
    let st = info.state.unwrap_or_default();
    let health = st.health.and_then(|h| h.status).map(|s| s.to_string());
    let unhealthy = || StepError::Unhealthy {
        container: name.to_string(),
    };
    match (st.running.unwrap_or(false), health.as_deref()) {
        (_, Some("healthy")) | (true, None | Some("none" | "")) => return Ok(()),
        (true, Some("unhealthy")) => return Err(unhealthy()),
        (false, _) => {
            return Err(StepError::Exited {
                container: name.to_string(),
                code: st.exit_code.unwrap_or(0),
            })
        }
        _ => {}
    }
    let limit = driver
        .config
        .wait_timeout
        .map_or(DEFAULT_HEALTH_WAIT, Duration::from_secs_f64);
    let waited = tokio::time::timeout(limit, async {
        while let Some(event) = events.next().await {
            let event = event.map_err(StepError::engine)?;
            // The Engine's `container` filter matches name prefixes too (`db` and `db2`).
            let about = event
                .actor
                .as_ref()
                .and_then(|a| a.attributes.as_ref())
                .and_then(|a| a.get("name"))
                .is_some_and(|n| n == name);
            if !about {
                continue;
            }
            let action = event.action.unwrap_or_default();
            match action.as_str() {
                "health_status: healthy" => return Ok(()),
                "health_status: unhealthy" => return Err(unhealthy()),
                "die" | "destroy" | "stop" | "kill" => {
                    let code = docker
                        .inspect_container(name, None)
                        .await
                        .ok()
                        .and_then(|i| i.state)
                        .and_then(|s| s.exit_code)
                        .unwrap_or(0);
                    return Err(StepError::Exited {
                        container: name.to_string(),
                        code,
                    });
                }
                _ => {}
            }
        }
        Err(StepError::Internal {
            message: format!("the Engine stopped sending events while dmap waited for `{name}`"),
        })
    })
    .await;
    waited.unwrap_or_else(|_| {
        Err(StepError::Timeout {
            what: format!("container `{name}` did not become healthy"),
            seconds: limit.as_secs(),
        })
    })
}
