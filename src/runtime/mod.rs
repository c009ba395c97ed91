//! The edge to the Docker Engine. `spec`, `snapshot`, `diff`, `plan` and `translate` are pure
//! (desired state, observed state, decisions, Engine API shapes); only `driver`, `observe` and
//! `apply` talk to bollard (`transfer` joins the applies of an action's clients, for copies). `client_kind` is the one seam between a session and the kinds of
//! client (a plain Engine, a Swarm manager).

pub(crate) mod apply;
pub(crate) mod client_kind;
pub(crate) mod credentials;
pub(crate) mod diff;
pub(crate) mod driver;
pub(crate) mod error;
pub(crate) mod exec;
pub(crate) mod executor;
pub(crate) mod labels;
pub(crate) mod lock;
pub(crate) mod logs;
pub(crate) mod observe;
pub(crate) mod one_off;
pub(crate) mod ping;
pub(crate) mod plan;
pub(crate) mod record;
pub(crate) mod snapshot;
pub(crate) mod spec;
pub(crate) mod ssh;
pub(crate) mod swarm;
pub(crate) mod sync;
pub(crate) mod transfer;
pub(crate) mod translate;

pub(crate) use error::Error;
