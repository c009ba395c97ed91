//! dmap: Docker orchestration as code. Rhai recipes describe images, containers and their
//! dependencies; dmap evaluates them into a map model and converges the Docker Engine to it.

// Only the CLI writes to the terminal: everything below it hands text and events up. `forbid`,
// so no `#[allow]` inside these modules can lift it.
pub mod cli;
#[forbid(clippy::print_stdout, clippy::print_stderr)]
pub(crate) mod context;
#[forbid(clippy::print_stdout, clippy::print_stderr)]
pub(crate) mod dockerfile;
#[forbid(clippy::print_stdout, clippy::print_stderr)]
pub(crate) mod model;
#[forbid(clippy::print_stdout, clippy::print_stderr)]
pub(crate) mod runtime;
#[forbid(clippy::print_stdout, clippy::print_stderr)]
pub(crate) mod script;
#[forbid(clippy::print_stdout, clippy::print_stderr)]
pub(crate) mod session;
#[forbid(clippy::print_stdout, clippy::print_stderr)]
pub(crate) mod yaml;
