//! Networks: create (looking again right before, since this Engine accepts duplicate names),
//! remove, connect and disconnect containers.

use bollard::models::{NetworkConnectRequest, NetworkDisconnectRequest};

use super::{container, idempotent};
use crate::runtime::driver::Driver;
use crate::runtime::error::{status, StepError};
use crate::runtime::labels;
use crate::runtime::spec::Desired;
use crate::runtime::translate;

pub(super) async fn create(driver: &Driver, desired: &Desired, network: &str) -> Result<(), StepError> {
    let docker = &driver.docker;
    let n = desired
        .networks
        .iter()
        .find(|n| n.name == network)
        .ok_or_else(|| StepError::Internal {
            message: format!("network `{network}` is not in the maps"),
        })?;
    let request = translate::network_body(n, &driver.client)?;
    // A create an interrupted run sent may have landed after this run looked: look again.
    match docker.inspect_network(network, None).await {
        Ok(existing)
            if existing
                .labels
                .as_ref()
                .is_some_and(|l| l.get(labels::MAP) == Some(&n.map)) =>
        {
            return Ok(())
        }
        Ok(_) => {
            return Err(StepError::Conflict {
                message: format!(
                    "network `{network}` exists but was not created by dmap for map `{}`",
                    n.map
                ),
            })
        }
        Err(e) if status(&e) == Some(404) => {}
        Err(e) => return Err(StepError::engine(e)),
    }
    docker
        .create_network(request)
        .await
        .map(|_| ())
        .map_err(StepError::engine)
}

pub(super) async fn remove(driver: &Driver, desired: &Desired, network: &str) -> Result<(), StepError> {
    idempotent(driver.docker.remove_network(network).await, &[404])?;
    match desired.networks.iter().find(|n| n.name == network) {
        Some(n) => super::volume::forget_adoption(driver, "network", network, &n.map).await,
        None => Ok(()),
    }
}

pub(super) async fn connect(
    driver: &Driver,
    desired: &Desired,
    name: &str,
    network: &str,
) -> Result<(), StepError> {
    connect_as(driver, desired, name, name, network).await
}

/// Connects container `name` of the maps, which has the Engine name `engine_name`.
pub(super) async fn connect_as(
    driver: &Driver,
    desired: &Desired,
    name: &str,
    engine_name: &str,
    network: &str,
) -> Result<(), StepError> {
    let c = container(desired, name)?;
    let endpoint = c.spec.networks.iter().find(|e| e.network == network);
    let request = NetworkConnectRequest {
        container: engine_name.to_string(),
        endpoint_config: endpoint.map(|e| translate::endpoint_settings(e, &c.spec)),
    };
    driver
        .docker
        .connect_network(network, request)
        .await
        .map_err(StepError::on("network", network))
}

pub(super) async fn disconnect(driver: &Driver, name: &str, network: &str) -> Result<(), StepError> {
    let request = NetworkDisconnectRequest {
        container: name.to_string(),
        force: Some(true),
    };
    idempotent(driver.docker.disconnect_network(network, request).await, &[404])
}
