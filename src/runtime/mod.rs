//! The edge to the Docker Engine. `spec`, `snapshot`, `diff`, `plan` and `translate` are pure
//! (desired state, observed state, decisions, Engine API shapes); only `driver`, `observe` and
//! `apply` talk to bollard. `client_kind` is the one seam between a session and the kinds of
//! client (a plain Engine, a Swarm manager).

pub mod apply;
pub mod client_kind;
pub mod diff;
pub mod driver;
pub mod error;
pub mod exec;
pub mod executor;
pub mod labels;
pub mod logs;
pub mod observe;
pub mod plan;
pub mod snapshot;
pub mod spec;
pub mod swarm;
pub mod translate;

pub use error::Error;
