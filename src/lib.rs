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

#[cfg(test)]
mod tests {
    /// The release binary stays under 40 MB with backtraces that still name files and lines:
    /// line tables only, split off into `dmap.dwp` but for the line tables backtraces read,
    /// which the linker compresses (build.rs). Measured on Linux x86-64: 35 MB, where `debug =
    /// 1` made 134 MB, line tables alone 113 MB, and split uncompressed 64 MB. Checked here, from Cargo.toml and build.rs,
    /// because CI never builds a release.
    #[test]
    fn the_release_profile_keeps_the_binary_small_and_its_line_tables() {
        let manifest = include_str!("../Cargo.toml");
        let mut section = "";
        let mut release = Vec::new();
        for line in manifest.lines().map(str::trim) {
            if line.starts_with('[') {
                section = line;
            } else if section == "[profile.release]" && !line.is_empty() && !line.starts_with('#') {
                release.push(line.split_whitespace().collect::<String>());
            }
        }
        for setting in ["debug=\"line-tables-only\"", "split-debuginfo=\"packed\""] {
            assert!(
                release.iter().any(|l| l == setting),
                "[profile.release] must set {setting}: {release:?}"
            );
        }
        // Stripped, the line tables are no longer where backtraces read them.
        assert!(
            release
                .iter()
                .all(|l| l.strip_prefix("strip=").is_none_or(|v| v == "\"none\"")),
            "[profile.release] must not strip: {release:?}"
        );
        assert!(
            include_str!("../build.rs")
                .contains("cargo:rustc-link-arg-bins=-Wl,--compress-debug-sections=zlib"),
            "build.rs must have the linker compress the release binary's debug sections"
        );
    }
}
