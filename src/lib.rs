//! dmap: Docker orchestration as code. Rhai recipes describe images, containers and their
//! dependencies; dmap evaluates them into a map model and converges the Docker Engine to it.

// Only the CLI writes to the terminal: everything below it hands text and events up. `forbid`,
// so no `#[allow]` inside these modules can lift it.
pub mod cli;
#[forbid(clippy::print_stdout, clippy::print_stderr)]
pub(crate) mod compose;
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

/// Every heap allocation of the process is counted: the interpreter stops a recipe while the
/// process holds more than the recipe's memory limit (`DMAP_MAX_MEMORY`), and allocations past a
/// ceiling well above it fail (see `script::limits`). `cap` does the counting; dmap's own code
/// stays free of `unsafe`.
#[global_allocator]
static HEAP: cap::Cap<std::alloc::System> = cap::Cap::new(std::alloc::System, usize::MAX);

/// The bytes the process holds on the heap now.
pub(crate) fn heap_bytes() -> usize {
    HEAP.allocated()
}

/// Makes allocations that would take the heap past `bytes` fail (Rust then ends the process
/// with "memory allocation of N bytes failed"), or past what it holds now, if that is more.
pub(crate) fn set_heap_ceiling(bytes: usize) {
    while HEAP.set_limit(bytes.max(HEAP.allocated())).is_err() {}
}
