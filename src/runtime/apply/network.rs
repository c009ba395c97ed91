//! Networks: create (looking again right before, and asking the Engine to refuse a duplicate
//! name, which it accepts otherwise), remove (a duplicate by its id), connect and disconnect
//! containers.

use bollard::models::{NetworkConnectRequest, NetworkCreateRequest, NetworkDisconnectRequest};

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
    match checked(driver, &request)?.create_network(request).await {
        Ok(_) => Ok(()),
        // Another process made it since: the map's is as good as made.
        Err(e) if status(&e) == Some(409) => match docker.inspect_network(network, None).await {
            Ok(existing)
                if existing
                    .labels
                    .as_ref()
                    .is_some_and(|l| l.get(labels::MAP) == Some(&n.map)) =>
            {
                Ok(())
            }
            _ => Err(StepError::engine(e)),
        },
        Err(e) => Err(StepError::engine(e)),
    }
}

/// The connection with the create body sent as `request` and `CheckDuplicate: true`, so that
/// an Engine before API 1.44 (which checks always) refuses a name it holds instead of making a
/// second network of that name. bollard's request type lacks the field, so the body is replaced
/// as it goes out.
fn checked(driver: &Driver, request: &NetworkCreateRequest) -> Result<bollard::Docker, StepError> {
    let mut body = serde_json::to_value(request).map_err(|e| StepError::Internal {
        message: format!("can't write the network's create body: {e}"),
    })?;
    if let Some(fields) = body.as_object_mut() {
        fields.insert("CheckDuplicate".into(), serde_json::Value::Bool(true));
    }
    let bytes = bytes::Bytes::from(body.to_string());
    Ok(driver.docker.clone().with_request_modifier(move |mut req| {
        if req.uri().path().ends_with("/networks/create") {
            *req.body_mut() = bollard::body_full(bytes.clone());
        }
        req
    }))
}

/// Removes one of several networks of one name, by its id.
pub(super) async fn remove_duplicate(driver: &Driver, id: &str) -> Result<(), StepError> {
    idempotent(driver.docker.remove_network(id).await, &[404])
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
