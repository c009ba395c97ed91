//! dmap: Docker orchestration as code. Rhai recipes describe images, containers and their
//! dependencies; dmap evaluates them into a map model and converges the Docker Engine to it.

pub mod cli;
pub mod error;
pub mod model;
pub mod runtime;
pub mod script;
pub mod session;
pub mod yaml;

pub use error::Error;
