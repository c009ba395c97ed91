//! Where a recipe's own output (`print`, `debug`) goes: stdout for `dmap run` and the REPL
//! (above the live view when there is one, see `progress::Live`), stderr for the verbs that keep
//! stdout for a document of their own (`show --json`, `plan`, `dockerfile`).

use std::io::Write as _;

use rhai::Position;

use crate::script::Output;

/// `print` lines as they are, `debug` lines as Rhai writes them by default, on stdout.
pub(super) struct Stdout;

impl Output for Stdout {
    fn print(&self, text: &str) {
        line_to_stdout(text);
    }

    fn debug(&self, text: &str, source: Option<&str>, position: Position) {
        line_to_stdout(&debug_line(text, source, position));
    }
}

/// `print` lines as they are, `debug` lines after `SOURCE:LINE:COLUMN`, on stderr.
pub(super) struct Stderr;

impl Output for Stderr {
    fn print(&self, text: &str) {
        line_to_stderr(text);
    }

    fn debug(&self, text: &str, source: Option<&str>, position: Position) {
        match source {
            Some(source) if !position.is_none() => line_to_stderr(&format!("{source}:{position:?} {text}")),
            _ => line_to_stderr(text),
        }
    }
}

/// A `debug` line as Rhai's default handler writes it.
pub(super) fn debug_line(text: &str, source: Option<&str>, position: Position) -> String {
    match (source, position.is_none()) {
        (Some(source), true) => format!("{source} | {text}"),
        (Some(source), false) => format!("{source} @ {position:?} | {text}"),
        (None, true) => text.to_string(),
        (None, false) => format!("{position:?} | {text}"),
    }
}

/// A line on stdout, flushed (a recipe's output interleaves with the progress on stderr). A
/// closed stdout loses the line: the recipe goes on.
pub(super) fn line_to_stdout(text: &str) {
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "{text}");
    let _ = out.flush();
}

fn line_to_stderr(text: &str) {
    let _ = writeln!(std::io::stderr().lock(), "{text}");
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_lines_read_as_rhai_writes_them() {
        let at = Position::new(3, 7);
        let cases = [
            (Some("r.rhai"), Position::NONE, "r.rhai | x"),
            (Some("r.rhai"), at, "r.rhai @ 3:7 | x"),
            (None, Position::NONE, "x"),
            (None, at, "3:7 | x"),
        ];
        for (source, position, want) in cases {
            assert_eq!(debug_line("x", source, position), want, "{source:?} {position:?}");
        }
    }
}
