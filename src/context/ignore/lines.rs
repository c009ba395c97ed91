//! The lines of a `.dockerignore` as moby's `ignorefile.ReadAll` reads them, before any pattern is
//! compiled.

use super::go_path::clean;

/// One pattern line of a `.dockerignore`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Line {
    /// 1-based line number.
    pub(super) number: usize,
    /// The line trimmed, as written.
    pub(super) written: String,
    /// What `ReadAll` makes of it: `!` kept, the rest trimmed, cleaned, one leading `/` dropped.
    pub(super) pattern: String,
}

/// `ignorefile.ReadAll`.
///
/// Lines are split as Go's `bufio.ScanLines` does (at `\n`, one `\r` before it dropped); the BOM
/// is trimmed from the first line only; `#` is a comment only as a line's first byte (before any
/// trimming, so ` # x` is the pattern `# x`); white space (Go's `unicode.IsSpace`, Rust's
/// `char::is_whitespace`: the same property) is trimmed at both ends. Go's `Scanner` fails on a
/// line over 64 KiB; here any length is read.
pub(super) fn read_all(text: &str) -> Vec<Line> {
    let mut lines = Vec::new();
    let mut pieces: Vec<&str> = text.split('\n').collect();
    if pieces.last() == Some(&"") {
        // A final `\n` ends the last line; it does not start another.
        pieces.pop();
    }
    for (index, piece) in pieces.into_iter().enumerate() {
        let mut line = piece.strip_suffix('\r').unwrap_or(piece);
        if index == 0 {
            line = line.strip_prefix('\u{FEFF}').unwrap_or(line);
        }
        if line.starts_with('#') {
            continue;
        }
        let written = line.trim();
        if written.is_empty() {
            continue;
        }
        let (invert, rest) = match written.strip_prefix('!') {
            Some(rest) => (true, rest.trim()),
            None => (false, written),
        };
        let mut pattern = String::new();
        if !rest.is_empty() {
            let cleaned = clean(rest);
            pattern = match cleaned.strip_prefix('/') {
                Some(relative) if !relative.is_empty() => relative.to_string(),
                _ => cleaned,
            };
        }
        if invert {
            pattern.insert(0, '!');
        }
        lines.push(Line {
            number: index + 1,
            written: written.to_string(),
            pattern,
        });
    }
    lines
}
