//! The pure core: maps, their configurations, input shorthands, integrity checks, the dependency
//! graph and the resolved model. No I/O, no Rhai, no Docker.

pub(crate) mod builder;
pub(crate) mod check;
pub(crate) mod client;
pub(crate) mod compose_keys;
pub(crate) mod container;
pub(crate) mod container_map;
pub(crate) mod depends_on;
pub(crate) mod deploy;
pub(crate) mod develop;
pub(crate) mod duration;
pub(crate) mod endpoint;
pub(crate) mod exec;
pub(crate) mod graph;
pub(crate) mod healthcheck;
pub(crate) mod image;
pub(crate) mod input;
pub(crate) mod link;
pub(crate) mod name;
pub(crate) mod naming;
pub(crate) mod network;
pub(crate) mod network_mode;
pub(crate) mod options;
pub(crate) mod origin;
pub(crate) mod path_alias;
pub(crate) mod port;
pub(crate) mod problem;
pub(crate) mod resolved;
pub(crate) mod runs_on;
pub(crate) mod scale;
pub(crate) mod shell_words;
pub(crate) mod ssh_address;
pub(crate) mod suggest;
pub(crate) mod target;
pub(crate) mod user;
pub(crate) mod value;
pub(crate) mod volume;
pub(crate) mod volume_ref;

#[cfg(test)]
pub(crate) use check::check;
pub(crate) use check::{check_maps, check_with_clients, Checked};
pub(crate) use container::ContainerConfig;
pub(crate) use container_map::ContainerMap;
pub(crate) use origin::Origin;
pub(crate) use problem::Problem;
pub(crate) use value::Value;
