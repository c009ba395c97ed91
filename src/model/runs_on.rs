//! Which clients a configuration runs on: what the integrity checks compare between containers
//! that refer to each other, and what the resolved model names for each container.

use super::container::ContainerConfig;
use super::container_map::ContainerMap;
use super::name;

/// The clients a configuration runs on: its own, else the map's, else the default client.
pub(crate) fn clients_of(map: &ContainerMap, config: &ContainerConfig) -> Vec<String> {
    if !config.clients.is_empty() {
        config.clients.clone()
    } else if !map.clients.is_empty() {
        map.clients.clone()
    } else {
        vec![name::DEFAULT_CLIENT.to_string()]
    }
}
