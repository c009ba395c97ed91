//! What a Swarm client should hold: the map's containers as services, and the overlay networks
//! they are on. Derived purely from the client's desired state (its containers), which stays
//! the Engine's own: a Swarm adds to it and never changes it.

use super::spec::{services, Networks, WantedService};
use crate::runtime::spec::Desired;
use crate::runtime::translate::TranslateError;

#[derive(Clone, Debug, Default)]
pub(crate) struct SwarmDesired {
    /// The client's name, recorded on the overlay networks it makes.
    pub client: String,
    pub services: Vec<WantedService>,
    /// Overlay networks: (name, map).
    pub networks: Networks,
}

impl SwarmDesired {
    /// The services and overlay networks of a client's desired state.
    pub(crate) fn of(desired: &Desired) -> Result<SwarmDesired, TranslateError> {
        let (services, networks) = services(desired)?;
        Ok(SwarmDesired {
            client: desired.client.clone(),
            services,
            networks,
        })
    }

    pub(crate) fn service(&self, name: &str) -> Option<&WantedService> {
        self.services.iter().find(|s| s.name == name)
    }

    /// The map an overlay network is made for.
    pub(crate) fn network_map(&self, network: &str) -> Option<&str> {
        self.networks
            .iter()
            .find(|(n, _)| n == network)
            .map(|(_, m)| m.as_str())
    }
}
