//! Swarm clients: a client whose Engine is a Swarm manager (`docker(#{ swarm: true })`) runs
//! the map's containers as services. `spec` (pure) turns the desired state into service specs,
//! `desired` gathers them with the overlay networks, `observe` reads the manager, `plan` (pure)
//! decides, `apply` carries the steps out.

pub(crate) mod apply;
pub(crate) mod desired;
pub(crate) mod observe;
pub(crate) mod plan;
pub(crate) mod spec;

#[cfg(test)]
mod tests;
