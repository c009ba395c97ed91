//! Containers that refer to each other run on the same Engines: a link, `uses` of another
//! container's volumes or a shared network namespace works only within one Engine.

use crate::model::container::ContainerConfig;
use crate::model::container_map::{Configs, ContainerMap};
use crate::model::graph::attached_owners;
use crate::model::name;
use crate::model::network_mode::NetworkMode;
use crate::model::problem::{add, Problem};
use crate::model::runs_on::clients_of;

/// A container and what it links to, takes volumes from (`uses` of a container or of its
/// attached volume) or shares the network of run on one Engine: each client of the container
/// must run the other too.
pub(super) fn shared_clients(map: &ContainerMap, configs: &Configs<'_>, problems: &mut Vec<Problem>) {
    let owners = attached_owners(map, configs);
    let runs_on = |cfg: &ContainerConfig| clients_of(map, cfg);
    for (cname, config) in configs {
        let mine = runs_on(config);
        let mut refs: Vec<(&'static str, String, &'static str)> = Vec::new();
        for l in &config.links {
            refs.push((
                "links to",
                name::split_instance(&l.container).0.to_string(),
                "links",
            ));
        }
        for u in &config.uses {
            let target = owners
                .get(&u.name)
                .cloned()
                .unwrap_or_else(|| name::split_instance(&u.name).0.to_string());
            refs.push(("uses volumes of", target, "uses"));
        }
        if let Some(NetworkMode::Container { config: other, .. }) = &config.network_mode {
            refs.push(("shares the network of", other.clone(), "network_mode"));
        }
        for (verb, target, field) in refs {
            let Some(other) = configs.get(&target) else {
                continue;
            };
            let theirs = runs_on(other);
            let missing: Vec<String> = mine
                .iter()
                .filter(|c| !theirs.contains(c))
                .map(|c| format!("`{c}`"))
                .collect();
            if missing.is_empty() {
                continue;
            }
            add(
                problems,
                format!(
                    "container `{cname}` {verb} `{target}`, but they do not share a client: `{cname}` runs on {} where `{target}` does not (it runs on {}); a reference works only on one Engine",
                    missing.join(", "),
                    theirs.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
                ),
                config.origin_of(field),
            );
        }
    }
}
