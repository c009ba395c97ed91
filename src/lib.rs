//! dmap: Docker orchestration as code. Rhai recipes describe images, containers and their
//! dependencies; dmap evaluates them into a map model and converges the Docker Engine to it.

pub mod cli;
pub(crate) mod context;
pub(crate) mod dockerfile;
pub(crate) mod model;
pub(crate) mod runtime;
pub(crate) mod script;
pub(crate) mod session;
pub(crate) mod yaml;
