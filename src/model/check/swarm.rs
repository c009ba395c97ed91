//! What a configuration on a Swarm client asks for that a Swarm service can't do (`uses` of a
//! container, `network_mode`, `exec_commands`, volume preparation): integrity problems, each at
//! the field that asks for it. Checked with the clients of the maps (`clients.rs`).

use std::collections::HashMap;

use crate::model::container::ContainerConfig;
use crate::model::container_map::ContainerMap;
use crate::model::name;
use crate::model::network_mode::NetworkMode;
use crate::model::origin::Origin;
use crate::model::problem::Problem;

/// What a configuration on a Swarm client asks for that a Swarm service can't do: each is a
/// problem at the field that asks for it, in the order of the fields (the caller drops repeats).
pub(super) fn swarm_service(
    map: &ContainerMap,
    owners: &HashMap<String, String>,
    cname: &str,
    config: &ContainerConfig,
    client: &str,
) -> Vec<Problem> {
    let mut problems = Vec::new();
    let mut add = |message: String, origin: &Origin| problems.push(Problem::new(message, origin.clone()));
    let on = format!("container `{cname}` runs on Swarm client `{client}`");
    for u in config.uses.iter().filter(|u| !owners.contains_key(&u.name)) {
        add(
            format!(
                "{on}: `uses` `{}` takes the volumes of a container, which a service can't (a Swarm has no `volumes_from`); attach a named volume to `{}` (`attaches`) and use that",
                u.name,
                name::split_instance(&u.name).0
            ),
            config.origin_of("uses"),
        );
    }
    let network = match &config.network_mode {
        Some(NetworkMode::Container { config: other, instance }) => Some(format!(
            "`network_mode` shares the network of container `{}`, which a service can't (its tasks have network namespaces of their own, on any node); put both on a map network (`networks`) instead",
            instance.as_ref().map_or_else(|| other.clone(), |i| format!("{other}.{i}"))
        )),
        Some(NetworkMode::External(other)) => Some(format!(
            "`network_mode` `container:{other}` shares the network of a container, which a service can't (its tasks have network namespaces of their own, on any node); join a network (`networks`) instead"
        )),
        Some(NetworkMode::Host) => Some(
            "`network_mode` `host` does not map onto a service (a service is on the Swarm networks it joins); publish its ports instead (`exposes`, with `deploy.publish_mode: \"host\"` to publish them on the nodes the tasks run on)".to_string(),
        ),
        Some(NetworkMode::Disabled) => Some(
            "`network_mode` `none` does not map onto a service (a service is on the Swarm networks it joins, `networks`, and on no other); drop `network_mode`".to_string(),
        ),
        Some(NetworkMode::Bridge) | None => None,
    };
    if let Some(why) = network {
        add(format!("{on}: {why}"), config.origin_of("network_mode"));
    }
    if !config.exec_commands.is_empty() {
        add(
            format!("{on}: `exec_commands` can't be carried out by a service (the Swarm starts and restarts its tasks on any node, without dmap); run them from the image's entrypoint instead"),
            config.origin_of("exec_commands"),
        );
    }
    if config.attaches.is_empty() {
        return problems;
    }
    if config.permissions.is_some() {
        add(
            format!("{on}: `permissions` prepares its attached volumes (`chmod`), and a Swarm does not prepare volumes; give the volume's path that mode in the image (a new volume starts as a copy of it) and drop `permissions`"),
            config.origin_of("permissions"),
        );
    }
    if config.user.is_some() {
        add(
            format!("{on}: `user` also prepares its attached volumes (`chown`), and a Swarm does not prepare volumes; give the volume's path that owner in the image (a new volume starts as a copy of it) and set the user with `create_options.user`, which prepares nothing"),
            config.origin_of("user"),
        );
    }
    for a in &config.attaches {
        let Some(volume) = map.volumes.get(&a.name) else {
            continue;
        };
        for (field, set, what) in [
            ("user", volume.user.is_some(), "owner"),
            ("permissions", volume.permissions.is_some(), "mode"),
        ] {
            if set {
                add(
                    format!("{on}: its attached volume `{}` sets `{field}` in the map's `volumes`, which prepares the volume, and a Swarm does not prepare volumes; give the volume's path that {what} in the image (a new volume starts as a copy of it) instead", a.name),
                    &volume.origin,
                );
            }
        }
    }
    problems
}
