//! The pure core: maps, their configurations, input shorthands, integrity checks, the dependency
//! graph and the resolved model. No I/O, no Rhai, no Docker.

pub mod check;
pub mod client;
pub mod container;
pub mod container_map;
pub mod deploy;
pub mod duration;
pub mod endpoint;
pub mod exec;
pub mod graph;
pub mod healthcheck;
pub mod image;
pub mod input;
pub mod link;
pub mod name;
pub mod network;
pub mod network_mode;
pub mod options;
pub mod origin;
pub mod path_alias;
pub mod port;
pub mod problem;
pub mod resolved;
pub mod runs_on;
pub mod shell_words;
pub mod suggest;
pub mod target;
pub mod user;
pub mod value;
pub mod volume;
pub mod volume_ref;

#[cfg(test)]
pub use check::check;
pub use check::{check_maps, Checked};
pub use container::ContainerConfig;
pub use container_map::ContainerMap;
pub use origin::Origin;
pub use problem::Problem;
pub use value::Value;
