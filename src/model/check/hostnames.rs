//! Hostnames dmap derives (docker-map's: the container's name with `.` and `_` as `-`, and a
//! client that is not the default appended): each must fit a hostname label, or the container
//! fails to start. A `create_options.hostname` is an option limit (`engine_limits.rs`).

use crate::model::container_map::{Configs, ContainerMap};
use crate::model::name::{self, MAX_LABEL};
use crate::model::problem::{add, Problem};
use crate::model::runs_on;

pub(super) fn hostnames(map: &ContainerMap, configs: &Configs<'_>, problems: &mut Vec<Problem>) {
    if map.set_hostname == Some(false) {
        return;
    }
    for (cname, config) in configs {
        let derived = map.derives_hostnames()
            && config.network_mode.is_none()
            && !config.create_options.contains_key("hostname");
        if !derived {
            continue;
        }
        for client in runs_on::clients_of(map, config) {
            for instance in config.instance_names() {
                let container = map.container_name(cname, instance);
                let hostname = name::hostname(&container, Some(&client));
                let length = hostname.chars().count();
                if length <= MAX_LABEL {
                    continue;
                }
                let from = if hostname == name::hostname(&container, None) {
                    "its name".to_string()
                } else {
                    format!("its name and client `{client}`")
                };
                add(
                    problems,
                    format!(
                        "container `{container}`: the hostname dmap derives from {from}, `{hostname}`, is {length} characters, more than the {MAX_LABEL} a hostname label allows; shorten the names, or set `create_options.hostname` or the map's `set_hostname: false`"
                    ),
                    config.origin_of("instances"),
                );
            }
        }
    }
}
