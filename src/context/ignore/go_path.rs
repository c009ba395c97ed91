//! Go's `path/filepath` on Unix, as moby's pattern matcher uses it: `Clean` on patterns and `Dir`
//! on the paths it judges.

use std::borrow::Cow;

/// Go's `filepath.Clean` on Unix: one `/` between names, no `.` names, each `..` removing the name
/// before it (or dropped at the root, kept at the start of a relative path), no trailing `/`, and
/// `.` for an empty result.
pub(super) fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut names: Vec<&str> = Vec::new();
    for name in path.split('/') {
        match name {
            "" | "." => {}
            ".." => {
                if names.last().is_some_and(|last| *last != "..") {
                    names.pop();
                } else if !rooted {
                    names.push("..");
                }
            }
            name => names.push(name),
        }
    }
    let joined = names.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".to_string(),
        (false, false) => joined,
    }
}

/// Go's `filepath.Dir`: everything before the last `/`, cleaned (`.` when there is no `/`).
/// Borrows when that is already clean, as any path a walk produces is.
pub(super) fn go_dir(path: &str) -> Cow<'_, str> {
    match path.rfind('/') {
        None => Cow::Borrowed("."),
        Some(0) => Cow::Borrowed("/"),
        // Cleaning drops a trailing `/`, so the parent without its last `/` cleans the same.
        Some(i) => {
            let dir = &path[..i];
            let body = dir.strip_prefix('/').unwrap_or(dir);
            if body.split('/').all(|name| !matches!(name, "" | "." | "..")) {
                Cow::Borrowed(dir)
            } else {
                Cow::Owned(clean(dir))
            }
        }
    }
}
