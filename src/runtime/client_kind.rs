//! One seam per kind of client: a plain Engine runs the maps' containers, a Swarm manager runs
//! them as services. A client's kind turns its desired state into what it runs, observes it,
//! plans and applies; the session goes through the kind and never asks which one it is.

use super::apply::{apply, StepOutcome};
use super::driver::Driver;
use super::error::Error;
use super::executor::{Canceller, ExecutorError};
use super::observe::observe;
use super::plan::transfer::{self, Party};
use super::plan::{plan, Action, Options, Plan, PlanError, Step};
use super::snapshot::Snapshot;
use super::spec::Desired;
use super::swarm::desired::SwarmDesired;
use super::swarm::observe::SwarmSnapshot;
use super::swarm::spec::{swarm_name, Networks, WantedService};
use super::swarm::{apply as swarm_apply, observe as swarm_observe, plan as swarm_plan};
use super::transfer::Links;
use super::translate::TranslateError;
use crate::model::client::{ClientConfig, ImageTransfer};

/// How a client runs the maps' containers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum ClientKind {
    /// As containers, on the Engine itself.
    Engine,
    /// As services, on a Swarm manager's nodes (`docker(#{ swarm: true })`).
    Swarm,
}

impl ClientKind {
    pub(crate) fn of(config: &ClientConfig) -> ClientKind {
        if config.swarm {
            ClientKind::Swarm
        } else {
            ClientKind::Engine
        }
    }

    /// A client's desired state as this kind runs it. Pure.
    pub(crate) fn desired(self, desired: Desired) -> Result<ClientDesired, TranslateError> {
        Ok(match self {
            ClientKind::Engine => ClientDesired::Engine(desired),
            ClientKind::Swarm => {
                let swarm = SwarmDesired::of(&desired)?;
                ClientDesired::Swarm(desired, swarm)
            }
        })
    }

    /// Why client `client` can't run image `image` that map `map` (whose `repository` is
    /// `repository`) declares, if it can't.
    pub(crate) fn build_refusal(
        self,
        client: &str,
        image: &str,
        map: &str,
        repository: Option<&str>,
    ) -> Option<String> {
        match (self, repository) {
            (ClientKind::Engine, _) | (ClientKind::Swarm, Some(_)) => None,
            // The nodes pull what their tasks run: the manager builds the image and pushes it
            // to the map's registry, where they find it.
            (ClientKind::Swarm, None) => Some(format!(
                "image `{image}` is declared by map `{map}` to be built, and Swarm client `{client}` runs it from a registry its nodes pull from: set the map's `repository` to that registry (`m.repository = \"HOST:PORT\"`), where the manager pushes it"
            )),
        }
    }

    /// What `logs` follows of a target (its Engine name): the container, or the service whose
    /// tasks run it; true for a service.
    pub(crate) fn followed(self, target: &str) -> (String, bool) {
        match self {
            ClientKind::Engine => (target.to_string(), false),
            ClientKind::Swarm => (swarm_name(target), true),
        }
    }

    /// Why `exec` can't run in target `container` on client `client`, if it can't.
    pub(crate) fn exec_refusal(self, client: &str, container: &str) -> Option<String> {
        match self {
            ClientKind::Engine => None,
            ClientKind::Swarm => Some(format!(
                "`{container}` runs on Swarm client `{client}` as service `{}`: its tasks are containers on the Swarm's nodes, which exec reaches there (`docker -H NODE exec`)",
                swarm_name(container)
            )),
        }
    }
}

/// What one client should hold, as its kind runs it. The containers' desired state is there
/// for every kind (targets, images, builds); a Swarm adds its services and overlay networks.
#[derive(Clone, Debug)]
pub(crate) enum ClientDesired {
    Engine(Desired),
    Swarm(Desired, SwarmDesired),
}

/// What a client holds, as its kind observes it.
#[derive(Clone, Debug)]
pub(crate) enum ClientSnapshot {
    Engine(Snapshot),
    Swarm(SwarmSnapshot),
}

impl ClientSnapshot {
    /// Does another dmap hold (or has one left) the lock of one of the maps on this Engine?
    /// A Swarm's observation does not say: it counts as locked.
    pub(crate) fn locked(&self) -> bool {
        match self {
            ClientSnapshot::Engine(s) => !s.locked.is_empty(),
            ClientSnapshot::Swarm(_) => true,
        }
    }
}

/// One client of an action, to plan: its name and settings, desired state, targets (Engine
/// names), and what it holds.
pub(crate) type ToPlan<'a> = (
    &'a str,
    &'a ClientConfig,
    &'a ClientDesired,
    &'a [String],
    &'a ClientSnapshot,
);

/// Plans `action` on every client of an action, each through its kind, in order; a plain Engine
/// with `image_transfer: "copy"` copies the declared images it lacks from another client that
/// builds or holds them (`plan::transfer`). Pure.
pub(crate) fn plan_all(
    action: &Action,
    clients: &[ToPlan<'_>],
    options: &Options,
) -> Vec<Result<Plan, Vec<PlanError>>> {
    let parties: Vec<Party<'_>> = clients
        .iter()
        .map(|&(client, config, desired, _, observed)| {
            let engine = match (desired, observed) {
                (ClientDesired::Engine(d), ClientSnapshot::Engine(s)) => Some((d, s)),
                _ => None,
            };
            Party {
                client,
                copies: engine.is_some() && config.image_transfer == ImageTransfer::Copy,
                engine,
            }
        })
        .collect();
    transfer::plan_all(action, &parties, options, |i, options| {
        let (_, _, desired, targets, observed) = clients[i];
        desired.plan(action, targets, observed, options)
    })
}

impl ClientDesired {
    pub(crate) fn kind(&self) -> ClientKind {
        match self {
            ClientDesired::Engine(_) => ClientKind::Engine,
            ClientDesired::Swarm(..) => ClientKind::Swarm,
        }
    }

    /// The containers' desired state.
    pub(crate) fn desired(&self) -> &Desired {
        match self {
            ClientDesired::Engine(d) | ClientDesired::Swarm(d, _) => d,
        }
    }

    /// The services wanted (none on an Engine).
    pub(crate) fn services(&self) -> &[WantedService] {
        self.swarm().0
    }

    /// The services and overlay networks wanted (none on an Engine).
    fn swarm(&self) -> (&[WantedService], &Networks) {
        const NONE: &Networks = &Vec::new();
        match self {
            ClientDesired::Engine(_) => (&[], NONE),
            ClientDesired::Swarm(_, s) => (&s.services, &s.networks),
        }
    }

    /// What the client holds of what it should (one round trip over its Engine).
    pub(crate) async fn observe(&self, driver: &Driver) -> Result<ClientSnapshot, Error> {
        Ok(match self {
            ClientDesired::Engine(desired) => ClientSnapshot::Engine(observe(driver, desired).await?),
            ClientDesired::Swarm(_, s) => {
                ClientSnapshot::Swarm(swarm_observe::observe(driver, &s.services, &s.networks).await?)
            }
        })
    }

    /// The steps `action` takes on `targets` (Engine names), given what the client holds. Pure.
    pub(crate) fn plan(
        &self,
        action: &Action,
        targets: &[String],
        observed: &ClientSnapshot,
        options: &Options,
    ) -> Result<Plan, Vec<PlanError>> {
        match observed {
            ClientSnapshot::Engine(snapshot) => plan(action, targets, self.desired(), snapshot, options),
            ClientSnapshot::Swarm(snapshot) => {
                let (services, networks) = self.swarm();
                let builds = &self.desired().builds;
                swarm_plan::plan(action, targets, services, networks, snapshot, options, builds)
            }
        }
    }

    /// The pulls an update makes first (`pull_before_update`), so that it sees the images the
    /// tags name now; None when the client pulls nothing itself (a Swarm's nodes pull what their
    /// tasks run), and then what it holds is unchanged by them.
    pub(crate) fn pulls(
        &self,
        targets: &[String],
        observed: &ClientSnapshot,
        options: &Options,
    ) -> Result<Option<Plan>, Vec<PlanError>> {
        match self {
            ClientDesired::Engine(_) => self
                .plan(&Action::PullImages, targets, observed, options)
                .map(Some),
            ClientDesired::Swarm(..) => Ok(None),
        }
    }

    /// Carries a plan out, steps in dependency order, at most `limit` at once; `on_progress`
    /// hears each step start (`None`) and finish, `on_output` each line a step prints; `links`
    /// join it to the other clients of the action (copies of images between Engines).
    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn apply(
        &self,
        driver: &Driver,
        the_plan: &Plan,
        links: &Links,
        limit: usize,
        on_progress: impl FnMut(usize, &Step, Option<&StepOutcome>),
        on_output: impl Fn(&Step, crate::runtime::apply::Line<'_>),
        cancel: &Canceller,
    ) -> Result<Vec<StepOutcome>, ExecutorError> {
        match self {
            ClientDesired::Engine(desired) => {
                apply(
                    driver,
                    desired,
                    the_plan,
                    links,
                    limit,
                    on_progress,
                    on_output,
                    cancel,
                )
                .await
            }
            ClientDesired::Swarm(desired, s) => {
                swarm_apply::apply(
                    driver,
                    desired,
                    s,
                    the_plan,
                    limit,
                    on_progress,
                    on_output,
                    cancel,
                )
                .await
            }
        }
    }
}

#[cfg(test)]
mod tests;
