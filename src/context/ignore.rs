//! `.dockerignore`, exactly as Docker reads it.
//!
//! A port of moby's `github.com/moby/patternmatcher` (and its `ignorefile.ReadAll`) plus the
//! directory-skipping rule of the walk in moby's archive package (`TarWithOptions`), which the
//! docker CLI uses to send a build context. The Go code is followed step by step:
//!
//! 1. `read_all` splits the text into patterns as `ignorefile.ReadAll` does.
//! 2. Each pattern is cleaned and checked as `patternmatcher.New` does, including its call of Go's
//!    `filepath.Match` for syntax errors (`check_glob_syntax`).
//! 3. `compile` turns it into the Go regular expression text (or the exact, prefix or suffix fast
//!    path) that `Pattern.compile` builds.
//! 4. That Go text means what Go's `regexp` makes of it, which is not always what the glob looks
//!    like (`\b` is a word boundary, `[*]` is a broken class, `[[:alpha:]]` is a POSIX class), so
//!    `GoRegex` (go_regex.rs) reads it with Go's `regexp/syntax` rules and writes the same language in the
//!    `regex` crate's syntax. Every pattern is compiled once, when the file is parsed.
//!
//! Docker compiles lazily and reports a pattern that Go's `regexp` rejects (e.g. `[z-a]`) only when
//! a path is first matched against it; the CLI checks every path before it builds, so the build fails
//! either way. Here the error comes from [`Ignore::parse`].

use std::borrow::Cow;
use std::collections::HashSet;

use regex::Regex;

use super::go_regex::GoRegex;

/// A `.dockerignore` pattern Docker would reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid .dockerignore pattern `{pattern}`: {reason}")]
pub struct PatternError {
    /// The pattern as written (trimmed).
    pub pattern: String,
    /// What is wrong with it.
    pub reason: String,
}

/// The patterns of one `.dockerignore`, in file order.
#[derive(Debug, Clone, Default)]
pub struct Ignore {
    patterns: Vec<Pattern>,
    has_exceptions: bool,
}

impl Ignore {
    /// Parses a `.dockerignore` text.
    ///
    /// As `ignorefile.ReadAll` then `patternmatcher.New`: a UTF-8 BOM opening the text is dropped;
    /// a line starting with `#` (at its first column only) is a comment; lines are trimmed of
    /// white space at both ends and blank ones skipped; a leading `!` makes an exception; each
    /// pattern is cleaned like Go's `filepath.Clean` and loses one leading `/`. A lone `!` is an
    /// error, as is a pattern Go's `filepath.Match` or `regexp` rejects.
    pub fn parse(text: &str) -> Result<Ignore, PatternError> {
        Ignore::build(read_all(text).into_iter().map(|line| {
            let where_ = format!("line {}", line.number);
            (line.written, line.pattern, Some(where_))
        }))
    }

    /// From patterns as written (each may start with `!`), e.g. for tests.
    ///
    /// These go straight to `patternmatcher.New`, with none of the file reading above: each is
    /// trimmed, empty ones are skipped, and the whole string (its `!` included) is cleaned; the
    /// text after `!` is not trimmed again and a leading `/` stays.
    #[cfg_attr(not(test), allow(dead_code))]
    pub fn from_patterns<S: AsRef<str>>(patterns: &[S]) -> Result<Ignore, PatternError> {
        Ignore::build(
            patterns
                .iter()
                .map(|p| (p.as_ref().trim().to_string(), p.as_ref().to_string(), None)),
        )
    }

    /// `patternmatcher.New`, on (text as written, text to compile, where it was written).
    fn build(
        patterns: impl Iterator<Item = (String, String, Option<String>)>,
    ) -> Result<Ignore, PatternError> {
        let mut ignore = Ignore::default();
        for (written, pattern, where_) in patterns {
            let error = |reason: String| PatternError {
                pattern: written.clone(),
                reason: match &where_ {
                    Some(w) => format!("{reason} ({w})"),
                    None => reason,
                },
            };
            let pattern = pattern.trim();
            if pattern.is_empty() {
                continue;
            }
            let cleaned = clean(pattern);
            let (exception, text) = match cleaned.strip_prefix('!') {
                Some("") => {
                    return Err(error(
                        "illegal exclusion pattern: an exception needs a pattern after `!`".into(),
                    ))
                }
                Some(rest) => (true, rest.to_string()),
                None => (false, cleaned),
            };
            check_glob_syntax(&text).map_err(|e| error(format!("syntax error in pattern: {e}")))?;
            let (kind, go_regex) = compile(&text);
            let matcher = match kind {
                Kind::Exact => Matcher::Exact,
                Kind::Prefix => Matcher::Prefix,
                Kind::Suffix => Matcher::Suffix,
                Kind::Regexp => {
                    let rust = GoRegex::translate(&go_regex).map_err(|e| {
                        error(format!(
                            "syntax error in pattern: Go's regexp rejects `{go_regex}`: {e}"
                        ))
                    })?;
                    let regex = Regex::new(&rust)
                        .map_err(|e| error(format!("cannot compile `{go_regex}` (as `{rust}`): {e}")))?;
                    Matcher::Regex(regex)
                }
            };
            ignore.has_exceptions |= exception;
            ignore.patterns.push(Pattern {
                text,
                exception,
                matcher,
            });
        }
        Ok(ignore)
    }

    /// True when there are no patterns.
    pub fn is_empty(&self) -> bool {
        self.patterns.is_empty()
    }

    /// Is `path` (relative, `/`-separated, no leading `./`) excluded, judging it and its parents.
    ///
    /// `PatternMatcher.MatchesOrParentMatches`: the patterns are taken in order; one matches when
    /// it matches `path` or one of its parent directories (`a` matches `a/b/c`); a plain pattern
    /// that matches excludes, an exception that matches includes again, and the last match
    /// wins. As in Go, a plain pattern is not tried while the path is already excluded, nor an
    /// exception while it is not. Allocates nothing for a clean path. (Docker judges single paths
    /// this way; its walk, and so the context, decides with [`Ignore::excludes_in_walk`].)
    #[cfg(test)]
    pub fn excludes(&self, path: &str) -> bool {
        let parent = go_dir(path);
        let check_parents = parent != ".";
        let mut excluded = false;
        for pattern in &self.patterns {
            if pattern.exception != excluded {
                continue;
            }
            let mut hit = pattern.matches(path);
            if !hit && check_parents {
                // `strings.Join(parentPathDirs[:i+1], "/")` for each i: the parent cut at each `/`.
                hit = parent
                    .match_indices('/')
                    .map(|(i, _)| &parent[..i])
                    .chain(std::iter::once(&*parent))
                    .any(|dir| pattern.matches(dir));
            }
            if hit {
                excluded = !pattern.exception;
            }
        }
        excluded
    }

    /// For the walk: may the excluded directory `dir` (relative path) be skipped whole? False when
    /// an exception could bring back something inside it.
    ///
    /// The archive walk's rule, by text and not by matching: a directory is walked into only when
    /// some exception's pattern plus `/` starts with `dir` plus `/`. So with `build` and
    /// `!build/keep` the walk enters `build/`, but with `build` and `!**/keep` it skips `build/`
    /// and `build/keep` is not sent, though [`Ignore::excludes`] says it is not excluded.
    /// Is `path` excluded, as the walk decides (`PatternMatcher.MatchesUsingParentResults`):
    /// `parent` is what its directory's own decision returned (`None` at the top of the walk).
    /// A pattern that matched the directory matches its entries too, however the patterns before
    /// it decided; otherwise as [`Ignore::excludes`], except that parents are not matched again
    /// when their results are known. The second value is what this path hands to its entries.
    ///
    /// It differs from `excludes` in rare cases, as Docker's walk does from Docker's
    /// `ValidateContextDirectory`: with `a`, `!a/b`, `a` the walk sends `a/b` (the first `a` and
    /// `!a/b` decide it; the last `a` matched nothing on the way down), which `excludes` excludes.
    pub fn excludes_in_walk(&self, path: &str, parent: Option<&MatchInfo>) -> (bool, MatchInfo) {
        let inherited = parent.filter(|p| p.0.len() == self.patterns.len());
        let parent_dir = go_dir(path);
        let mut excluded = false;
        let mut info = MatchInfo(vec![false; self.patterns.len()]);
        for (i, pattern) in self.patterns.iter().enumerate() {
            let mut hit = inherited.is_some_and(|p| p.0[i]);
            if !hit {
                if pattern.exception != excluded {
                    continue;
                }
                hit = pattern.matches(path);
                if !hit && inherited.is_none() && parent_dir != "." {
                    hit = parent_dir
                        .match_indices('/')
                        .map(|(j, _)| &parent_dir[..j])
                        .chain(std::iter::once(&*parent_dir))
                        .any(|dir| pattern.matches(dir));
                }
            }
            info.0[i] = hit;
            if hit {
                excluded = !pattern.exception;
            }
        }
        (excluded, info)
    }

    pub fn skips_dir(&self, dir: &str) -> bool {
        if !self.has_exceptions {
            return true;
        }
        !self.patterns.iter().filter(|p| p.exception).any(|p| {
            // `strings.HasPrefix(pattern+"/", dir+"/")`, without building either string.
            let (pat, dir) = (p.text.as_bytes(), dir.as_bytes());
            pat == dir || (pat.len() > dir.len() && pat.starts_with(dir) && pat[dir.len()] == b'/')
        })
    }
}

/// Per pattern, whether it matched a directory of the walk: what the directory hands to its
/// entries (moby's `MatchInfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MatchInfo(Vec<bool>);

/// The docker CLI's walk (moby's archive `TarWithOptions`) over `paths`, relative and each
/// directory ending with `/` and coming before its contents (as in a sorted list, e.g.
/// `["build/", "build/keep", "src/", "src/a.rs"]`): the paths it sends, without the trailing `/`.
/// (The CLI's own `!.dockerignore` and `!Dockerfile` additions are the caller's business.) Every
/// entry is judged by [`Ignore::excludes_in_walk`] with its directory's results; an excluded
/// directory that [`Ignore::skips_dir`] is dropped with everything under it, any other excluded
/// directory is not sent but its contents are still judged one by one.
#[cfg_attr(not(test), allow(dead_code))]
pub fn walk_keeps(ignore: &Ignore, paths: &[&str]) -> Vec<String> {
    let mut skipped: HashSet<&str> = HashSet::new();
    let mut dirs: std::collections::HashMap<&str, MatchInfo> = std::collections::HashMap::new();
    let mut kept = Vec::new();
    for entry in paths {
        let (path, is_dir) = match entry.strip_suffix('/') {
            Some(dir) => (dir, true),
            None => (*entry, false),
        };
        if path.match_indices('/').any(|(i, _)| skipped.contains(&path[..i])) {
            continue;
        }
        let parent = path.rfind('/').and_then(|i| dirs.get(&path[..i]));
        let (excluded, info) = ignore.excludes_in_walk(path, parent);
        if is_dir {
            dirs.insert(path, info);
        }
        if excluded {
            if is_dir && ignore.skips_dir(path) {
                skipped.insert(path);
            }
            continue;
        }
        kept.push(path.to_string());
    }
    kept
}

/// One compiled pattern.
#[derive(Debug, Clone)]
struct Pattern {
    /// The cleaned pattern, without its `!` (Go's `cleanedPattern`, which the walk rule compares).
    text: String,
    exception: bool,
    matcher: Matcher,
}

/// How a pattern matches: Go's `matchType`, with its fast paths kept (they are not always what the
/// regular expression would say: `a^b` is an exact match, `a^b?` a regular expression that never
/// matches).
#[derive(Debug, Clone)]
enum Matcher {
    /// The path is the pattern.
    Exact,
    /// The pattern ends with `**`: the path starts with what comes before it.
    Prefix,
    /// The pattern starts with `**`: the path ends with what comes after it (and `**/x` is `x`).
    Suffix,
    /// Anything else.
    Regex(Regex),
}

impl Pattern {
    /// `Pattern.match`. The fast paths compare bytes, as Go's string functions do.
    fn matches(&self, path: &str) -> bool {
        let (text, bytes) = (self.text.as_bytes(), path.as_bytes());
        match &self.matcher {
            Matcher::Exact => bytes == text,
            Matcher::Prefix => bytes.starts_with(&text[..text.len().saturating_sub(2)]),
            Matcher::Suffix => {
                let suffix = text.get(2..).unwrap_or_default();
                bytes.ends_with(suffix) || (suffix.first() == Some(&b'/') && bytes == &suffix[1..])
            }
            Matcher::Regex(regex) => regex.is_match(path),
        }
    }
}

/// One pattern line of a `.dockerignore`.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Line {
    /// 1-based line number.
    number: usize,
    /// The line trimmed, as written.
    written: String,
    /// What `ReadAll` makes of it: `!` kept, the rest trimmed, cleaned, one leading `/` dropped.
    pattern: String,
}

/// `ignorefile.ReadAll`.
///
/// Lines are split as Go's `bufio.ScanLines` does (at `\n`, one `\r` before it dropped); the BOM
/// is trimmed from the first line only; `#` is a comment only as a line's first byte (before any
/// trimming, so ` # x` is the pattern `# x`); white space (Go's `unicode.IsSpace`, Rust's
/// `char::is_whitespace`: the same property) is trimmed at both ends. Go's `Scanner` fails on a
/// line over 64 KiB; here any length is read.
fn read_all(text: &str) -> Vec<Line> {
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

/// Go's `filepath.Clean` on Unix: one `/` between names, no `.` names, each `..` removing the name
/// before it (or dropped at the root, kept at the start of a relative path), no trailing `/`, and
/// `.` for an empty result.
fn clean(path: &str) -> String {
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
fn go_dir(path: &str) -> Cow<'_, str> {
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

const TRAILING_BACKSLASH: &str = "`\\` at the end escapes nothing";

/// The syntax check `patternmatcher.New` gets from Go's `filepath.Match(pattern, ".")`, which
/// reads the whole pattern: `\` must escape something; a `[` class (optionally `^`-negated; `!`
/// is no negation in Go) must hold at least one character or range, closed by `]`; a range's ends
/// may be escaped but not be a bare `-` or `]`.
fn check_glob_syntax(pattern: &str) -> Result<(), String> {
    let mut chars = pattern.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                chars.next().ok_or_else(|| TRAILING_BACKSLASH.to_string())?;
            }
            '[' => {
                chars.next_if_eq(&'^');
                let mut members = 0;
                loop {
                    if members > 0 && chars.next_if_eq(&']').is_some() {
                        break;
                    }
                    glob_class_char(&mut chars)?;
                    if chars.next_if_eq(&'-').is_some() {
                        glob_class_char(&mut chars)?;
                    }
                    members += 1;
                }
            }
            _ => {}
        }
    }
    Ok(())
}

/// Go's `getEsc`: one end of a class range, which must be followed by more of the pattern.
fn glob_class_char(chars: &mut std::iter::Peekable<std::str::Chars<'_>>) -> Result<(), String> {
    match chars.next() {
        None => return Err("`[` is never closed".into()),
        Some('-' | ']') => return Err("a bare `-` or `]` cannot be a character class member here".into()),
        Some('\\') => {
            chars.next().ok_or_else(|| TRAILING_BACKSLASH.to_string())?;
        }
        Some(_) => {}
    }
    match chars.peek() {
        None => Err("`[` is never closed".into()),
        Some(_) => Ok(()),
    }
}

/// Go's `matchType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
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
fn compile(pattern: &str) -> (Kind, String) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::context::go_regex::GoRegex;

    fn ignore(patterns: &[&str]) -> Ignore {
        match Ignore::from_patterns(patterns) {
            Ok(ignore) => ignore,
            Err(e) => panic!("{patterns:?}: {e}"),
        }
    }

    /// patternmatcher_test.go `TestMatches`: one pattern, `MatchesOrParentMatches`. The last row is
    /// the one Go adds off Windows.
    #[test]
    fn go_matches_table() {
        let rows: &[(&str, &str, bool)] = &[
            ("**", "file", true),
            ("**", "file/", true),
            ("**/", "file", true), // weird one
            ("**/", "file/", true),
            ("**", "/", true),
            ("**/", "/", true),
            ("**", "dir/file", true),
            ("**/", "dir/file", true),
            ("**", "dir/file/", true),
            ("**/", "dir/file/", true),
            ("**/**", "dir/file", true),
            ("**/**", "dir/file/", true),
            ("dir/**", "dir/file", true),
            ("dir/**", "dir/file/", true),
            ("dir/**", "dir/dir2/file", true),
            ("dir/**", "dir/dir2/file/", true),
            ("**/dir", "dir", true),
            ("**/dir", "dir/file", true),
            ("**/dir2/*", "dir/dir2/file", true),
            ("**/dir2/*", "dir/dir2/file/", true),
            ("**/dir2/**", "dir/dir2/dir3/file", true),
            ("**/dir2/**", "dir/dir2/dir3/file/", true),
            ("**file", "file", true),
            ("**file", "dir/file", true),
            ("**/file", "dir/file", true),
            ("**file", "dir/dir/file", true),
            ("**/file", "dir/dir/file", true),
            ("**/file*", "dir/dir/file", true),
            ("**/file*", "dir/dir/file.txt", true),
            ("**/file*txt", "dir/dir/file.txt", true),
            ("**/file*.txt", "dir/dir/file.txt", true),
            ("**/file*.txt*", "dir/dir/file.txt", true),
            ("**/**/*.txt", "dir/dir/file.txt", true),
            ("**/**/*.txt2", "dir/dir/file.txt", false),
            ("**/*.txt", "file.txt", true),
            ("**/**/*.txt", "file.txt", true),
            ("a**/*.txt", "a/file.txt", true),
            ("a**/*.txt", "a/dir/file.txt", true),
            ("a**/*.txt", "a/dir/dir/file.txt", true),
            ("a/*.txt", "a/dir/file.txt", false),
            ("a/*.txt", "a/file.txt", true),
            ("a/*.txt**", "a/file.txt", true),
            ("a[b-d]e", "ae", false),
            ("a[b-d]e", "ace", true),
            ("a[b-d]e", "aae", false),
            ("a[^b-d]e", "aze", true),
            (".*", ".foo", true),
            (".*", "foo", false),
            ("abc.def", "abcdef", false),
            ("abc.def", "abc.def", true),
            ("abc.def", "abcZdef", false),
            ("abc?def", "abcZdef", true),
            ("abc?def", "abcdef", false),
            ("a\\\\", "a\\", true),
            ("**/foo/bar", "foo/bar", true),
            ("**/foo/bar", "dir/foo/bar", true),
            ("**/foo/bar", "dir/dir2/foo/bar", true),
            ("abc/**", "abc", false),
            ("abc/**", "abc/def", true),
            ("abc/**", "abc/def/ghi", true),
            ("**/.foo", ".foo", true),
            ("**/.foo", "bar.foo", false),
            ("a(b)c/def", "a(b)c/def", true),
            ("a(b)c/def", "a(b)c/xyz", false),
            ("a.|)$(}+{bc", "a.|)$(}+{bc", true),
            (
                "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
                "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
                true,
            ),
            (
                "dist/*.whl",
                "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
                true,
            ),
            ("a\\*b", "a*b", true),
        ];
        for &(pattern, path, expected) in rows {
            assert_eq!(
                ignore(&[pattern]).excludes(path),
                expected,
                "pattern {pattern:?}, path {path:?}"
            );
        }
        assert_eq!(rows.len(), 68);
    }

    /// patternmatcher_test.go `TestMatches`, `multiPatternTests`.
    #[test]
    fn go_multi_pattern_table() {
        let whl = "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl";
        let rows: &[(&[&str], &str, bool)] = &[
            (&["**", "!util/docker/web"], "util/docker/web/foo", false),
            (
                &["**", "!util/docker/web", "util/docker/web/foo"],
                "util/docker/web/foo",
                true,
            ),
            (
                &["**", "!dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl"],
                whl,
                false,
            ),
            (&["**", "!dist/*.whl"], whl, false),
        ];
        for &(patterns, path, expected) in rows {
            assert_eq!(
                ignore(patterns).excludes(path),
                expected,
                "patterns {patterns:?}, path {path:?}"
            );
        }
    }

    /// patternmatcher_test.go `matchTests` (Go's own `filepath.Match` table), which `TestMatch`
    /// runs through the deprecated `Matches`; for these rows `MatchesOrParentMatches` answers the
    /// same. `None` is Go's `ErrBadPattern`.
    #[test]
    fn go_filepath_match_table() {
        let rows: &[(&str, &str, Option<bool>)] = &[
            ("abc", "abc", Some(true)),
            ("*", "abc", Some(true)),
            ("*c", "abc", Some(true)),
            ("a*", "a", Some(true)),
            ("a*", "abc", Some(true)),
            ("a*", "ab/c", Some(true)),
            ("a*/b", "abc/b", Some(true)),
            ("a*/b", "a/c/b", Some(false)),
            ("a*b*c*d*e*/f", "axbxcxdxe/f", Some(true)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/f", Some(true)),
            ("a*b*c*d*e*/f", "axbxcxdxe/xxx/f", Some(false)),
            ("a*b*c*d*e*/f", "axbxcxdxexxx/fff", Some(false)),
            ("a*b?c*x", "abxbbxdbxebxczzx", Some(true)),
            ("a*b?c*x", "abxbbxdbxebxczzy", Some(false)),
            ("ab[c]", "abc", Some(true)),
            ("ab[b-d]", "abc", Some(true)),
            ("ab[e-g]", "abc", Some(false)),
            ("ab[^c]", "abc", Some(false)),
            ("ab[^b-d]", "abc", Some(false)),
            ("ab[^e-g]", "abc", Some(true)),
            ("a\\*b", "a*b", Some(true)),
            ("a\\*b", "ab", Some(false)),
            ("a?b", "a☺b", Some(true)),
            ("a[^a]b", "a☺b", Some(true)),
            ("a???b", "a☺b", Some(false)),
            ("a[^a][^a][^a]b", "a☺b", Some(false)),
            ("[a-ζ]*", "α", Some(true)),
            ("*[a-ζ]", "A", Some(false)),
            ("a?b", "a/b", Some(false)),
            ("a*b", "a/b", Some(false)),
            ("[\\]a]", "]", Some(true)),
            ("[\\-]", "-", Some(true)),
            ("[x\\-]", "x", Some(true)),
            ("[x\\-]", "-", Some(true)),
            ("[x\\-]", "z", Some(false)),
            ("[\\-x]", "x", Some(true)),
            ("[\\-x]", "-", Some(true)),
            ("[\\-x]", "a", Some(false)),
            ("[]a]", "]", None),
            ("[-]", "-", None),
            ("[x-]", "x", None),
            ("[x-]", "-", None),
            ("[x-]", "z", None),
            ("[-x]", "x", None),
            ("[-x]", "-", None),
            ("[-x]", "a", None),
            ("\\", "a", None),
            ("[a-b-c]", "a", None),
            ("[", "a", None),
            ("[^", "a", None),
            ("[^bc", "a", None),
            ("a[", "a", None),
            ("a[", "ab", None),
            ("*x", "xxx", Some(true)),
        ];
        for &(pattern, path, expected) in rows {
            match (Ignore::from_patterns(&[pattern]), expected) {
                (Ok(ignore), Some(expected)) => {
                    assert_eq!(
                        ignore.excludes(path),
                        expected,
                        "pattern {pattern:?}, path {path:?}"
                    )
                }
                (Err(e), None) => assert_eq!(e.pattern, pattern),
                (result, _) => panic!("pattern {pattern:?}: {result:?}, want {expected:?}"),
            }
        }
        assert_eq!(rows.len(), 54);
    }

    /// patternmatcher_test.go `compileTests`, the `/` column: the match type and Go regexp text.
    #[test]
    fn go_compile_table() {
        let rows: &[(&str, Kind, &str)] = &[
            ("*", Kind::Regexp, r"^[^/]*$"),
            ("file*", Kind::Regexp, r"^file[^/]*$"),
            ("*file", Kind::Regexp, r"^[^/]*file$"),
            ("a*/b", Kind::Regexp, r"^a[^/]*/b$"),
            ("**", Kind::Suffix, ""),
            ("**/**", Kind::Regexp, r"^(.*/)?.*$"),
            ("dir/**", Kind::Prefix, ""),
            ("**/dir", Kind::Suffix, ""),
            ("**/dir2/*", Kind::Regexp, r"^(.*/)?dir2/[^/]*$"),
            ("**/dir2/**", Kind::Regexp, r"^(.*/)?dir2/.*$"),
            ("**file", Kind::Suffix, ""),
            ("**/file*txt", Kind::Regexp, r"^(.*/)?file[^/]*txt$"),
            ("**/**/*.txt", Kind::Regexp, r"^(.*/)?(.*/)?[^/]*\.txt$"),
            ("a[b-d]e", Kind::Regexp, r"^a[b-d]e$"),
            (".*", Kind::Regexp, r"^\.[^/]*$"),
            ("abc.def", Kind::Exact, ""),
            ("abc?def", Kind::Regexp, r"^abc[^/]def$"),
            ("**/foo/bar", Kind::Suffix, ""),
            ("a(b)c/def", Kind::Exact, ""),
            ("a.|)$(}+{bc", Kind::Exact, ""),
            (
                "dist/proxy.py-2.4.0rc3.dev36+g08acad9-py3-none-any.whl",
                Kind::Exact,
                "",
            ),
        ];
        for &(pattern, kind, regex) in rows {
            let (got_kind, got_regex) = compile(&clean(pattern));
            assert_eq!(got_kind, kind, "{pattern:?}");
            if kind == Kind::Regexp {
                assert_eq!(got_regex, regex, "{pattern:?}");
                // And the translation compiles.
                assert!(GoRegex::translate(&got_regex).is_ok_and(|rust| Regex::new(&rust).is_ok()));
            }
        }
    }

    /// The small tests of patternmatcher_test.go.
    #[test]
    fn go_small_tests() {
        // TestWildcardMatches, TestPatternMatches.
        assert!(ignore(&["*"]).excludes("fileutils.go"));
        assert!(ignore(&["*.go"]).excludes("fileutils.go"));
        // TestExclusionPatternMatchesPatternBefore / After.
        assert!(ignore(&["!fileutils.go", "*.go"]).excludes("fileutils.go"));
        assert!(!ignore(&["*.go", "!fileutils.go"]).excludes("fileutils.go"));
        // TestPatternMatchesFolderExclusions, ...WithSlash..., ...Wildcard...
        assert!(!ignore(&["docs", "!docs/README.md"]).excludes("docs/README.md"));
        assert!(!ignore(&["docs/", "!docs/README.md"]).excludes("docs/README.md"));
        assert!(!ignore(&["docs/*", "!docs/README.md"]).excludes("docs/README.md"));
        // TestExclusionPatternMatchesWholeDirectory.
        assert!(!ignore(&["*.go"]).excludes("."));
        // TestSingleExclamationError, TestCleanPatternsErrorSingleException.
        assert!(Ignore::from_patterns(&["!"]).is_err());
        // TestMatchesWithNoPatterns.
        let none: [&str; 0] = [];
        assert!(!ignore(&none).excludes("/any/path/there"));
        assert!(ignore(&none).is_empty());
        // TestMatchesWithMalformedPatterns.
        assert!(Ignore::from_patterns(&["["]).is_err());
        // TestCleanPatterns, TestCleanPatternsStripEmptyPatterns.
        assert_eq!(ignore(&["docs", "config"]).patterns.len(), 2);
        assert_eq!(ignore(&["docs", "config", ""]).patterns.len(), 2);
        // TestCleanPatternsExceptionFlag, ...LeadingSpaceTrimmed, ...TrailingSpaceTrimmed.
        assert!(ignore(&["docs", "!docs/README.md"]).has_exceptions);
        assert!(ignore(&["docs", "  !docs/README.md"]).has_exceptions);
        assert!(ignore(&["docs", "!docs/README.md  "]).has_exceptions);
        // TestMatchesOrParentMatchesMalformedPatternDoesNotPanicOnRepeatedCall: Go's
        // `filepath.Match` accepts `[Local-Only]` (a reversed range `l-O`), its `regexp` does not;
        // Go fails on every match, this port when parsing.
        let error = Ignore::from_patterns(&["[Local-Only]/"]).unwrap_err();
        assert!(error.reason.contains("`l-O`"), "{error}");
    }

    /// ignorefile_test.go `TestReadAll`.
    #[test]
    fn go_read_all() {
        assert!(read_all("").is_empty());
        let content =
            "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ";
        let patterns: Vec<String> = read_all(content).into_iter().map(|line| line.pattern).collect();
        assert_eq!(
            patterns,
            [
                "test1",
                "test2",
                "a/file/here",
                "lastfile",
                "!inverted/abs/path",
                "!",
                "!"
            ]
        );
        // `New` then rejects the lone `!`.
        let error = Ignore::parse(content).err();
        assert!(
            error
                .as_ref()
                .is_some_and(|e| e.pattern == "!" && e.reason.contains("line 8")),
            "{error:?}"
        );
    }

    #[test]
    fn file_syntax() {
        let lines = |text: &str| -> Vec<String> { read_all(text).into_iter().map(|l| l.pattern).collect() };
        // CRLF, a BOM on the first line, `#` only at the first column, trimming at both ends.
        assert_eq!(
            lines("\u{FEFF}#c\r\n a \r\n  # b\r\n\t!  c/\r\n"),
            ["a", "# b", "!c"]
        );
        // A BOM on a later line is kept (and is no white space).
        assert_eq!(lines("a\n\u{FEFF}b"), ["a", "\u{FEFF}b"]);
        // Cleaning, then one leading `/` dropped; `/` alone stays.
        assert_eq!(
            lines("./a//b/../c/\n/x/./y\n//z\n/\n!/d/\n..\n../e\n!./f"),
            ["a/c", "x/y", "z", "/", "!d", "..", "../e", "!f"]
        );
        // `/` alone is a pattern that matches nothing relative.
        assert!(!Ignore::parse("/").unwrap().excludes("a"));
        // `!/` reads as `!/`, which `New` cleans to `!`: an error, as `!` and `! ` are.
        for text in ["!", "! ", "!/", "a\n!\n"] {
            assert!(Ignore::parse(text).is_err(), "{text:?}");
        }
        // `New` cleans the whole string, `!` included: `!../..` becomes the plain pattern `.`.
        let up = Ignore::parse("!../..").ok();
        assert!(up.is_some_and(|i| !i.has_exceptions && i.patterns[0].text == "."));
        // Leading `./` and trailing `/` on patterns do not matter.
        let ignore = Ignore::parse("./build/\n").ok();
        assert!(
            ignore.is_some_and(|i| i.excludes("build") && i.excludes("build/x") && !i.excludes("builder"))
        );
        // Errors name the pattern as written and its line.
        let error = Ignore::parse("ok\n  a[  \n").err();
        assert_eq!(
            error.map(|e| (e.pattern, e.reason)),
            Some((
                "a[".into(),
                "syntax error in pattern: `[` is never closed (line 2)".into()
            ))
        );
        assert!(Ignore::parse("a\\").is_err());
        assert!(Ignore::parse("").is_ok_and(|i| i.is_empty()));
        assert!(Ignore::parse("# only\n\n  \n").is_ok_and(|i| i.is_empty()));
    }

    #[test]
    fn clean_like_go() {
        for (path, cleaned) in [
            ("", "."),
            (".", "."),
            ("/", "/"),
            ("//", "/"),
            ("a/", "a"),
            ("a//b", "a/b"),
            ("./a", "a"),
            ("a/./b", "a/b"),
            ("a/../b", "b"),
            ("a/..", "."),
            ("../a", "../a"),
            ("../../a/../b", "../../b"),
            ("/../a", "/a"),
            ("/..", "/"),
            ("!a/../b", "b"),
        ] {
            assert_eq!(clean(path), cleaned, "{path:?}");
        }
        assert_eq!(go_dir("a/b/c"), "a/b");
        assert_eq!(go_dir("a"), ".");
        assert_eq!(go_dir("/a"), "/");
        assert_eq!(go_dir("a/b/"), "a/b");
        assert_eq!(go_dir("a//b"), "a");
        assert!(matches!(go_dir("a/b/c"), Cow::Borrowed(_)));
    }

    /// Where Go's `regexp` reads Docker's regular expression differently from a glob, Docker's
    /// reading is kept.
    #[test]
    fn go_regexp_semantics() {
        let cases: &[(&str, &[&str], &[&str])] = &[
            // `\b` reaches Go's regexp as `\b`: an ASCII word boundary, not a `b`.
            (r"a\b*", &["a", "a.txt", "a-b", "aé"], &["ab", "abc", "a_b"]),
            // `\d`, `\w`, `\s` are Go's ASCII classes.
            (r"v\d", &["v1"], &["vd", "v١"]),
            (r"\w\W", &["a-"], &["ab", "-a"]),
            (r"x\sy", &["x y", "x\ty"], &["x\u{0B}y", "xsy"]),
            // Escaped punctuation is literal, as are `\t` and an octal or hex escape.
            (r"\#\ \[\<", &["# [<"], &[]),
            (r"a\tb", &["a\tb"], &["atb"]),
            (r"\101\x42*", &["AB", "ABc"], &["101"]),
            // `!` does not negate a class in Go: `[!a]` is `!` or `a`.
            ("[!a]b", &["!b", "ab"], &["cb"]),
            // POSIX classes.
            ("[[:digit:]]x", &["1x"], &["ax", "[x"]),
            ("[[:^alpha:]]", &["1"], &["a"]),
            // A Unicode category.
            (r"\pLz", &["éz"], &["1z"]),
            // `*` inside a class turns into `[^/]*` there: `[*]` is the class `[[^/]` and `*`, then `]`.
            ("[*]", &["]", "[]", "^/[]"], &["*", "x"]),
            // `^` is literal only while the pattern stays an exact match.
            ("a^b", &["a^b"], &["ab"]),
            ("a^b?", &[], &["a^bc", "a^b"]),
            // `\Q` quotes the rest, Docker's closing `$` included.
            (r"a\Q*", &["a[^/]*$", "a[^/]*$/x"], &["ab"]),
            // A BOM opening a pattern is skipped by Go's scanner once it is a regular expression.
            ("\u{FEFF}a*", &["abc"], &["\u{FEFF}abc"]),
            ("\u{FEFF}a", &["\u{FEFF}a"], &["a"]),
        ];
        for &(pattern, matching, other) in cases {
            let ignore = ignore(&[pattern]);
            for path in matching {
                assert!(ignore.excludes(path), "{pattern:?} should match {path:?}");
            }
            for path in other {
                assert!(!ignore.excludes(path), "{pattern:?} should not match {path:?}");
            }
        }
        // What Go's `filepath.Match` accepts but its `regexp` rejects.
        // (`\x{263A}` too: Docker escapes the `{`, and Go's `\x` wants two hex digits or `{`.)
        for pattern in [
            r"[z-a]",
            r"a\q",
            r"a\1",
            r"\C",
            r"[[:foo:]]",
            r"\pX",
            r"x\E",
            "[[:alpha:]**",
            r"[\b]",
            r"\x{263A}",
        ] {
            assert!(Ignore::from_patterns(&[pattern]).is_err(), "{pattern:?}");
        }
        // And what both accept.
        for pattern in [r"\0", r"\17", r"\_", r"[\x41-\x5A]", r"\x263A"] {
            assert!(Ignore::from_patterns(&[pattern]).is_ok(), "{pattern:?}");
        }
    }

    #[test]
    fn parents_and_order() {
        let i = ignore(&["a"]);
        assert!(i.excludes("a") && i.excludes("a/b") && i.excludes("a/b/c") && !i.excludes("b/a"));
        // Exceptions match parents too: `!dir3` brings back all of dir3.
        let i = ignore(&["dir3/**", "!dir3"]);
        assert!(!i.excludes("dir3/x/y"));
        // The last match wins, in both directions.
        let i = ignore(&["*.log", "!keep.log", "keep.log"]);
        assert!(i.excludes("keep.log") && i.excludes("other.log"));
        // A path with unclean parents is judged on the cleaned parents, as in Go.
        assert!(ignore(&["a/b"]).excludes("a//b/c"));
    }

    /// What Docker's compiler writes, and what it becomes here.
    #[test]
    fn translation() {
        for (pattern, rust) in [
            ("*", r"\A[^/]*\z"),
            ("**/dir2/*", r"\A(?:[^\n]*/)?dir2/[^/]*\z"),
            ("[*]", r"\A[\x{5B}\x{5E}/]*\x{5D}\z"),
            (r"a\b*", r"\Aa(?-u:\b)[^/]*\z"),
            ("[[:alpha:]x-z]", r"\A[[:alpha:]x-z]\z"),
            (r"[^\d\pL]", r"\A[^[0-9]\p{L}]\z"),
            (r"a\Q*", r"\Aa\x{5B}\x{5E}/\x{5D}\x{2A}\x{24}"),
            (r"\101", r"\AA\z"),
        ] {
            let (kind, go) = compile(pattern);
            assert_eq!(kind, Kind::Regexp);
            assert_eq!(
                GoRegex::translate(&go).as_deref(),
                Ok(rust),
                "{pattern:?} (Go: {go})"
            );
        }
    }

    /// moby's archive walk judges each path with `MatchesUsingParentResults`, which reuses the
    /// parent's per-pattern results; for a pattern Go skipped at the parent (a plain one while the
    /// parent was already excluded), it does not look at the parent again. So with `a`, `!a/b`,
    /// `a` that walk sends `a/b`, while `MatchesOrParentMatches` (the CLI's context check, and
    /// `excludes` here) says the last `a` excludes it. This port follows `MatchesOrParentMatches`.
    #[test]
    fn parent_results_divergence() {
        // `MatchesOrParentMatches` excludes a/b (the last `a` matches its parent); the walk,
        // deciding with its parents' results as Docker's does, sends it.
        let i = ignore(&["a", "!a/b", "a"]);
        assert!(i.excludes("a/b") && i.excludes("a/b/c"));
        assert_eq!(walk_keeps(&i, &["a/", "a/b/", "a/b/c"]), ["a/b", "a/b/c"]);
        // Without parent results (the top of the walk) the two agree.
        assert_eq!(i.excludes_in_walk("a", None).0, i.excludes("a"));
    }

    #[test]
    fn skips_dir_rule() {
        // No exceptions: every excluded directory is skipped.
        assert!(ignore(&["build"]).skips_dir("build"));
        // The exception's text plus `/` starts with the directory plus `/`.
        let i = ignore(&["build", "!build/keep"]);
        assert!(!i.skips_dir("build") && i.skips_dir("buil") && i.skips_dir("other"));
        assert!(!ignore(&["build", "!build"]).skips_dir("build"));
        assert!(!ignore(&["a", "!a/b/c"]).skips_dir("a/b"));
        assert!(ignore(&["build", "!buildx/keep"]).skips_dir("build"));
        // Not by matching: globs in the exception do not count.
        assert!(ignore(&["build", "!**/keep"]).skips_dir("build"));
        assert!(ignore(&["build", "!b*/keep"]).skips_dir("build"));
    }

    fn walk(patterns: &[&str], paths: &[&str]) -> Vec<String> {
        walk_keeps(&ignore(patterns), paths)
    }

    #[test]
    fn walk_exceptions_by_text() {
        let tree = ["build/", "build/keep", "build/other", "src/", "src/a.rs"];
        // `!build/keep` names a path inside build/: the walk enters it; build/ itself is not sent.
        assert_eq!(
            walk(&["build", "!build/keep"], &tree),
            ["build/keep", "src", "src/a.rs"]
        );
        // `!**/keep` does not: build/ is skipped whole, though `excludes("build/keep")` is false.
        assert_eq!(walk(&["build", "!**/keep"], &tree), ["src", "src/a.rs"]);
        assert!(!ignore(&["build", "!**/keep"]).excludes("build/keep"));
        // Nested: the walk enters a/ and a/b/ for `!a/b/c`.
        let tree = ["a/", "a/b/", "a/b/c", "a/b/d", "a/e"];
        assert_eq!(walk(&["a", "!a/b/c"], &tree), ["a/b/c"]);
        // No patterns: everything.
        let none: [&str; 0] = [];
        assert_eq!(walk(&none, &tree), ["a", "a/b", "a/b/c", "a/b/d", "a/e"]);
    }

    /// docker-map's `TestDockerIgnorePatterns` tables (tests/test_context.py), judged by Docker.
    #[test]
    fn docker_map_simple() {
        // The raw Python text, so `a\\b*` is two backslashes: Go's `\\` escape, one literal `\`.
        let ignore = Ignore::parse(".*\ndir1\ndir2/**/a\ndir3/*/testfile\ndir3/a\\\\b*\n");
        let Ok(ignore) = ignore else { panic!("{ignore:?}") };
        for kept in [
            "abc",
            "dir4",
            "abc/cde",
            "dir2",
            "dir2/sub/b",
            "dir2/sub/sub/b",
            "dir3/sub/c",
        ] {
            assert!(!ignore.excludes(kept), "{kept}");
        }
        for excluded in [".git", ".dockerignore", "dir1", "dir2/sub/a", "dir3/a\\bc"] {
            assert!(ignore.excludes(excluded), "{excluded}");
        }
        // Where Docker differs from docker-map's fnmatch: `**` also matches no directory
        // (`dir2/a`; fnmatch needed `dir2/x/a`); `*` stops at `/`; a pattern excludes what is under
        // what it matches (`.git/config`, `dir1/x`, which fnmatch's `.*`, `*` caught only by crossing
        // `/`); `dir3/a\\b*` does not match `dir3/ab` (fnmatch's `\\` was literal too).
        assert!(ignore.excludes("dir2/a"));
        assert!(!ignore.excludes("dir3/x/y/testfile"));
        assert!(ignore.excludes("dir3/x/testfile"));
        assert!(ignore.excludes(".git/config") && ignore.excludes("dir1/x"));
        assert!(!ignore.excludes("dir3/abc") && !ignore.excludes("abc/.hidden"));
        let tree = [
            ".dockerignore",
            ".git/",
            ".git/config",
            "abc/",
            "abc/cde",
            "dir1/",
            "dir1/x",
            "dir2/",
            "dir2/a",
            "dir2/sub/",
            "dir2/sub/a",
            "dir2/sub/b",
            "dir2/sub/sub/",
            "dir2/sub/sub/b",
            "dir3/",
            "dir3/a\\bc",
            "dir3/sub/",
            "dir3/sub/c",
            "dir3/sub/testfile",
            "dir4",
        ];
        assert_eq!(
            walk_keeps(&ignore, &tree),
            [
                "abc",
                "abc/cde",
                "dir2",
                "dir2/sub",
                "dir2/sub/b",
                "dir2/sub/sub",
                "dir2/sub/sub/b",
                "dir3",
                "dir3/sub",
                "dir3/sub/c",
                "dir4"
            ]
        );
    }

    /// docker-map's table with exceptions, judged by Docker.
    #[test]
    fn docker_map_with_exceptions() {
        let text =
            ".*\n!.include\n!test/.root\ndir3/**\n!dir3\n*/*/testfile\n!dir3/*/testfile\ndir3/drop/*\n";
        let ignore = Ignore::parse(text);
        let Ok(ignore) = ignore else { panic!("{ignore:?}") };
        for kept in [".include", "dir2", "dir3", "dir3/keep/testfile", "test/.root"] {
            assert!(!ignore.excludes(kept), "{kept}");
        }
        for excluded in [".git", "dir3/drop/testfile", "dir3/drop/this"] {
            assert!(ignore.excludes(excluded), "{excluded}");
        }
        // docker-map excluded dir3/unrelated/file; Docker keeps it: `!dir3` matches its parent
        // `dir3` (patterns match parents, exceptions too), undoing `dir3/**`, and nothing after
        // matches it. fnmatch's `!dir3` matched only `dir3` itself.
        assert!(!ignore.excludes("dir3/unrelated/file"));
        // dir3/drop itself is kept: `dir3/drop/*` matches only below it.
        assert!(!ignore.excludes("dir3/drop"));
        // `*/*/testfile` outside dir3 stays excluded.
        assert!(ignore.excludes("dir2/sub/testfile"));
        let tree = [
            ".dockerignore",
            ".git/",
            ".git/config",
            ".include",
            "dir2/",
            "dir2/sub/",
            "dir2/sub/testfile",
            "dir3/",
            "dir3/drop/",
            "dir3/drop/testfile",
            "dir3/drop/this",
            "dir3/keep/",
            "dir3/keep/testfile",
            "dir3/unrelated/",
            "dir3/unrelated/file",
            "test/",
            "test/.root",
        ];
        // The walk decides with each directory's results, and `docker build` sends only dir3
        // itself of dir3 (tests/images.rs checks this against the docker CLI): `!dir3` was
        // skipped for `dir3` (not excluded then), so it never re-includes what `dir3/**`
        // excludes below, and those directories are skipped whole (`!dir3/*/testfile` is a glob).
        assert_eq!(
            walk_keeps(&ignore, &tree),
            [".include", "dir2", "dir2/sub", "dir3", "test", "test/.root"]
        );
    }

    /// The compiled form is built once; judging a path allocates nothing per pattern.
    #[test]
    fn many_patterns_many_paths() {
        let patterns: Vec<String> = (0..50).map(|i| format!("dir{i}/**/*.tmp")).collect();
        let Ok(ignore) = Ignore::from_patterns(&patterns) else {
            panic!()
        };
        let excluded = (0..20_000)
            .filter(|i| ignore.excludes(&format!("dir{}/a/b/c/f{i}.tmp", i % 60)))
            .count();
        assert_eq!(excluded, (0..20_000).filter(|i| i % 60 < 50).count());
    }
}
