//! Recreating a container so that a failure leaves the previous one in place: the new container
//! is created under a temporary name beside the old one; the old one (and the running containers
//! bound to it, dependents first) stops; the new one starts and, where something waits for it,
//! becomes healthy. Only then is the old one removed and the new one given its name. A failure
//! before that removes the new container and starts again what was stopped, and the error says
//! so. A crash in between leaves the new container under its temporary name, labelled, which the
//! next run removes (or, when the old one is already gone, renames: see `plan::leftovers`).

use super::{container, health, network};
use crate::runtime::driver::Driver;
use crate::runtime::error::{Previous, StepError};
use crate::runtime::spec::Desired;
use crate::runtime::translate;

/// What a `ReplaceContainer` step does (see `plan::StepKind::ReplaceContainer`).
pub(super) struct Replacement<'a> {
    pub name: &'a str,
    pub carry: &'a [(String, String)],
    pub start: bool,
    pub wait: bool,
    pub stops: &'a [Vec<String>],
}

pub(super) async fn replace(
    driver: &Driver,
    desired: &Desired,
    r: &Replacement<'_>,
) -> Result<(), StepError> {
    let c = container(desired, r.name)?;
    let temp = translate::replacement_name(r.name);
    // A refusal here touches nothing of the old container.
    container::create_as(driver, desired, r.name, &temp, r.carry)
        .await
        .map_err(untouched)?;
    for e in c.spec.networks.iter().skip(1) {
        if let Err(cause) = network::connect_as(driver, desired, r.name, &temp, &e.network).await {
            return Err(roll_back(driver, desired, &temp, &[], cause).await);
        }
    }
    let mut stopped: Vec<&str> = Vec::new();
    for layer in r.stops {
        let results =
            futures_util::future::join_all(layer.iter().map(|name| container::stop(driver, desired, name)))
                .await;
        let mut failed = None;
        for (name, result) in layer.iter().zip(results) {
            match result {
                // Stopped, or tried: either way it is started again on a roll-back.
                Ok(()) => stopped.push(name),
                Err(cause) => {
                    stopped.push(name);
                    failed.get_or_insert(cause);
                }
            }
        }
        if let Some(cause) = failed {
            return Err(roll_back(driver, desired, &temp, &stopped, cause).await);
        }
    }
    if r.start {
        let started = async {
            container::start_as(driver, desired, r.name, &temp).await?;
            if r.wait {
                health::wait_healthy(driver, &temp).await?;
            }
            Ok(())
        };
        if let Err(cause) = started.await {
            return Err(roll_back(driver, desired, &temp, &stopped, cause).await);
        }
    }
    // The new container works: the old one goes, and the new one takes its name. (A failure
    // here leaves the new one running under its temporary name; the next run finishes.)
    container::remove(driver, r.name).await?;
    container::rename(driver, &temp, r.name).await
}

fn untouched(cause: StepError) -> StepError {
    StepError::Replacement {
        cause: Box::new(cause),
        previous: Previous::Untouched,
    }
}

/// Removes the new container and starts again what was stopped (in reverse order: what others
/// are bound to first); the error says whether the previous state is back.
async fn roll_back(
    driver: &Driver,
    desired: &Desired,
    temp: &str,
    stopped: &[&str],
    cause: StepError,
) -> StepError {
    let mut previous = if stopped.is_empty() {
        Previous::Untouched
    } else {
        Previous::Restored
    };
    // The new container may hold a port or an address the old one needs: it goes first.
    if let Err(error) = container::remove_leftover(driver, temp).await {
        previous = Previous::NotRestored {
            what: format!("removing the new container `{temp}`"),
            error: Box::new(error),
        };
    }
    for name in stopped.iter().rev() {
        if let Err(error) = container::start(driver, desired, name).await {
            if matches!(previous, Previous::NotRestored { .. }) {
                break;
            }
            previous = Previous::NotRestored {
                what: format!("starting container `{name}` again"),
                error: Box::new(error),
            };
        }
    }
    StepError::Replacement {
        cause: Box::new(cause),
        previous,
    }
}
