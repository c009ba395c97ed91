//! The edge to the Docker Engine. `spec`, `snapshot`, `diff` and `plan` are pure (desired state,
//! observed state, decisions); only `observe`, `driver` and `apply` talk to bollard.

pub mod diff;
pub mod executor;
pub mod labels;
pub mod snapshot;
pub mod spec;
