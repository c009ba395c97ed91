//! docker-map's `.dockerignore` tables, judged as Docker judges them: where docker-map's fnmatch
//! differed, Docker's answer is the one asserted.

use crate::context::ignore::walk::walk_keeps;
use crate::context::ignore::Ignore;

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
    let text = ".*\n!.include\n!test/.root\ndir3/**\n!dir3\n*/*/testfile\n!dir3/*/testfile\ndir3/drop/*\n";
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
