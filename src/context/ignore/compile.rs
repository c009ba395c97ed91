//! A cleaned pattern as moby's `Pattern.compile` turns it into a match type and Go regular
//! expression text (what that text means is go_regex.rs's business).

/// Go's `matchType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Exact,
    Prefix,
    Suffix,
    Regexp,
}

/// `Pattern.compile` with `/` as separator: the match type and the Go regular expression text
/// (only meaningful for [`Kind::Regexp`]).
///
/// `*` is `[^/]*`; `?` is `[^/]`; `**` followed by `/` or not is `(.*/)?`, or `.*` at the end;
/// a pattern opening with `**` is a suffix match and one ending with `**` (and no other special
/// character) a prefix match, unless something later makes it a regular expression; `.+()|{}$`
/// are escaped; `\` and the character after it are copied as they are (so Go's `regexp` decides
/// what `\b` means); `[` and `]` are copied; anything else is literal. Like Go's `text/scanner`,
/// a BOM opening the pattern is skipped.
pub(super) fn compile(pattern: &str) -> (Kind, String) {
    let chars: Vec<char> = pattern
        .strip_prefix('\u{FEFF}')
        .unwrap_or(pattern)
        .chars()
        .collect();
    let mut regex = String::from("^");
    let mut kind = Kind::Exact;
    let mut pos = 0;
    let mut token = 0;
    while let Some(&c) = chars.get(pos) {
        pos += 1;
        match c {
            '*' if chars.get(pos) == Some(&'*') => {
                pos += 1;
                if chars.get(pos) == Some(&'/') {
                    pos += 1;
                }
                if pos == chars.len() {
                    if kind == Kind::Exact {
                        kind = Kind::Prefix;
                    } else {
                        regex.push_str(".*");
                        kind = Kind::Regexp;
                    }
                } else {
                    regex.push_str("(.*/)?");
                    kind = Kind::Regexp;
                }
                if token == 0 {
                    kind = Kind::Suffix;
                }
            }
            '*' => {
                regex.push_str("[^/]*");
                kind = Kind::Regexp;
            }
            '?' => {
                regex.push_str("[^/]");
                kind = Kind::Regexp;
            }
            '.' | '+' | '(' | ')' | '|' | '{' | '}' | '$' => {
                regex.push('\\');
                regex.push(c);
            }
            '\\' => {
                regex.push('\\');
                if let Some(&next) = chars.get(pos) {
                    pos += 1;
                    regex.push(next);
                    kind = Kind::Regexp;
                }
            }
            '[' | ']' => {
                regex.push(c);
                kind = Kind::Regexp;
            }
            c => regex.push(c),
        }
        token += 1;
    }
    if kind == Kind::Regexp {
        regex.push('$');
    }
    (kind, regex)
}
