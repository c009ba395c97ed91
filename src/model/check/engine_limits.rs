//! Option values the Engine would refuse (below its minimum memory, `/` as a mount
//! destination, ...), each at the field that sets it.

use crate::model::container_map::Configs;
use crate::model::options::beyond_limits;
use crate::model::problem::{add, Problem};

pub(super) fn engine_limits(configs: &Configs<'_>, problems: &mut Vec<Problem>) {
    for (cname, config) in configs {
        for (field, options) in [
            ("create_options", &config.create_options),
            ("host_config", &config.host_config),
        ] {
            for (key, why) in beyond_limits(options) {
                add(
                    problems,
                    format!("container `{cname}`: `{field}` `{key}`: {why}"),
                    config.origin_of(field),
                );
            }
        }
    }
}
