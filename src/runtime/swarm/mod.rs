//! Swarm clients: a client whose Engine is a Swarm manager (`docker(#{ swarm: true })`) runs
//! the map's containers as services. `spec` (pure) turns the desired state into service specs,
//! `desired` gathers them with the overlay networks, `observe` reads the manager, `plan` (pure)
//! decides, `apply` carries the steps out.

pub mod apply;
pub mod desired;
pub mod observe;
pub mod plan;
pub mod spec;

#[cfg(test)]
mod tests;
