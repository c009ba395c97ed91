//! moby's own tests of `patternmatcher` and `ignorefile` (patternmatcher_test.go,
//! ignorefile_test.go), row for row.

use regex::Regex;

use super::ignore;
use crate::context::go_regex::GoRegex;
use crate::context::ignore::compile::{compile, Kind};
use crate::context::ignore::go_path::clean;
use crate::context::ignore::lines::read_all;
use crate::context::ignore::Ignore;

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
    let content = "test1\n/test2\n/a/file/here\n\nlastfile\n# this is a comment\n! /inverted/abs/path\n!\n! ";
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
