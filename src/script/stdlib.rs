//! The libraries shipped inside the binary (stdlib/), by import name: what `import "dmap/users"`
//! finds last, and what the stdlib's docs are made from.

/// The shared libraries under stdlib/, by import name.
const STDLIB: &[(&str, &str)] = &[
    ("dmap/busybox", include_str!("../../stdlib/dmap/busybox.rhai")),
    ("dmap/files", include_str!("../../stdlib/dmap/files.rhai")),
    ("dmap/packages", include_str!("../../stdlib/dmap/packages.rhai")),
    ("dmap/shell", include_str!("../../stdlib/dmap/shell.rhai")),
    ("dmap/users", include_str!("../../stdlib/dmap/users.rhai")),
];

/// The text of a stdlib library by import name.
pub(crate) fn stdlib_text(name: &str) -> Option<&'static str> {
    STDLIB.iter().find(|(n, _)| *n == name).map(|(_, t)| *t)
}

/// Every stdlib library: (import name, text).
pub(crate) fn stdlib_entries() -> impl Iterator<Item = (&'static str, &'static str)> {
    STDLIB.iter().copied()
}

/// Import names the stdlib offers (for help and completion).
pub(crate) fn stdlib_names() -> impl Iterator<Item = &'static str> {
    STDLIB.iter().map(|(n, _)| *n)
}
