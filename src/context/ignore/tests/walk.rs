//! The walk over a build context: each path judged with its directory's results, and which
//! excluded directories are skipped whole.

use super::ignore;
use crate::context::ignore::walk::walk_keeps;

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
