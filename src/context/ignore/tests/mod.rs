//! `.dockerignore` parsing and matching: the file's syntax, Go's path cleaning, what Go's `regexp`
//! makes of Docker's regular expressions, and order. moby's own test tables are in `moby.rs`,
//! docker-map's in `docker_map.rs`, the walk's decisions in `walk.rs`.

mod docker_map;
mod moby;
mod walk;

use std::borrow::Cow;

use super::*;
use crate::context::go_regex::GoRegex;

pub(super) fn ignore(patterns: &[&str]) -> Ignore {
    match Ignore::from_patterns(patterns) {
        Ok(ignore) => ignore,
        Err(e) => panic!("{patterns:?}: {e}"),
    }
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
    assert!(ignore.is_some_and(|i| i.excludes("build") && i.excludes("build/x") && !i.excludes("builder")));
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
