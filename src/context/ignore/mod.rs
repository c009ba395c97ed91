//! `.dockerignore`, exactly as Docker reads it.
//!
//! A port of moby's `github.com/moby/patternmatcher` (and its `ignorefile.ReadAll`) plus the
//! directory-skipping rule of the walk in moby's archive package (`TarWithOptions`), which the
//! docker CLI uses to send a build context. The Go code is followed step by step, one file a step:
//!
//! 1. `read_all` (lines.rs) splits the text into patterns as `ignorefile.ReadAll` does.
//! 2. Each pattern is cleaned (go_path.rs, Go's `filepath.Clean`) and checked as
//!    `patternmatcher.New` does, including its call of Go's `filepath.Match` for syntax errors
//!    (glob_syntax.rs).
//! 3. `compile` (compile.rs) turns it into the Go regular expression text (or the exact, prefix
//!    or suffix fast path) that `Pattern.compile` builds.
//! 4. That Go text means what Go's `regexp` makes of it, which is not always what the glob looks
//!    like (`\b` is a word boundary, `[*]` is a broken class, `[[:alpha:]]` is a POSIX class), so
//!    `GoRegex` (../go_regex.rs) reads it with Go's `regexp/syntax` rules and writes the same
//!    language in the `regex` crate's syntax. Every pattern is compiled once, when the file is
//!    parsed.
//!
//! This file holds the patterns and how one path is judged against them ([`Ignore::excludes`]);
//! walk.rs, how the walk over a context decides, directory by directory.
//!
//! Docker compiles lazily and reports a pattern that Go's `regexp` rejects (e.g. `[z-a]`) only when
//! a path is first matched against it; the CLI checks every path before it builds, so the build fails
//! either way. Here the error comes from [`Ignore::parse`].

mod compile;
mod glob_syntax;
mod go_path;
mod lines;
#[cfg(test)]
mod tests;
mod walk;

use regex::Regex;

pub(crate) use walk::MatchInfo;

use super::go_regex::GoRegex;
use compile::{compile, Kind};
use glob_syntax::check_glob_syntax;
use go_path::clean;
use go_path::go_dir;
use lines::read_all;

/// A `.dockerignore` pattern Docker would reject.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid .dockerignore pattern `{pattern}`: {reason}")]
pub(crate) struct PatternError {
    /// The pattern as written (trimmed).
    pub pattern: String,
    /// What is wrong with it.
    pub reason: String,
}

/// The patterns of one `.dockerignore`, in file order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Ignore {
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
    pub(crate) fn parse(text: &str) -> Result<Ignore, PatternError> {
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
    pub(crate) fn from_patterns<S: AsRef<str>>(patterns: &[S]) -> Result<Ignore, PatternError> {
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
    pub(crate) fn is_empty(&self) -> bool {
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
    pub(crate) fn excludes(&self, path: &str) -> bool {
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
