//! The integration tests, in one binary: every test binary links rhai and bollard again, so
//! they share one. Tests that need the Docker Engine use `support::DockerTest` and run in
//! parallel safely; none is ignored.
#![allow(clippy::unwrap_used, clippy::print_stderr, clippy::print_stdout)]

mod support;

mod buildkit;
mod cli;
mod completion;
mod compose;
mod compose_config;
mod compose_v2;
mod convergence;
mod convert;
mod depends_on;
mod engines;
mod gallery;
mod habits;
mod images;
mod lock;
mod pull;
mod push;
mod readme;
mod recipe_env;
mod recreation;
mod runtime;
mod scripts;
mod selftest;
mod ssh;
mod swarm;
mod terminal;
mod verbs;
mod vocabularies;
mod watch;
