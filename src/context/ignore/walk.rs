//! What the docker CLI's walk over a build context (moby's archive `TarWithOptions`) sends: each
//! path judged with its directory's results, and excluded directories skipped whole when no
//! exception could bring anything inside back.

use std::collections::{HashMap, HashSet};

use super::go_path::go_dir;
use super::Ignore;

impl Ignore {
    /// Is `path` excluded, as the walk decides (`PatternMatcher.MatchesUsingParentResults`):
    /// `parent` is what its directory's own decision returned (`None` at the top of the walk).
    /// A pattern that matched the directory matches its entries too, however the patterns before
    /// it decided; otherwise as [`Ignore::excludes`], except that parents are not matched again
    /// when their results are known. The second value is what this path hands to its entries.
    ///
    /// It differs from `excludes` in rare cases, as Docker's walk does from Docker's
    /// `ValidateContextDirectory`: with `a`, `!a/b`, `a` the walk sends `a/b` (the first `a` and
    /// `!a/b` decide it; the last `a` matched nothing on the way down), which `excludes` excludes.
    pub(crate) fn excludes_in_walk(&self, path: &str, parent: Option<&MatchInfo>) -> (bool, MatchInfo) {
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

    /// For the walk: may the excluded directory `dir` (relative path) be skipped whole? False when
    /// an exception could bring back something inside it.
    ///
    /// The archive walk's rule, by text and not by matching: a directory is walked into only when
    /// some exception's pattern plus `/` starts with `dir` plus `/`. So with `build` and
    /// `!build/keep` the walk enters `build/`, but with `build` and `!**/keep` it skips `build/`
    /// and `build/keep` is not sent, though [`Ignore::excludes`] says it is not excluded.
    pub(crate) fn skips_dir(&self, dir: &str) -> bool {
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
pub(crate) struct MatchInfo(Vec<bool>);

/// The docker CLI's walk (moby's archive `TarWithOptions`) over `paths`, relative and each
/// directory ending with `/` and coming before its contents (as in a sorted list, e.g.
/// `["build/", "build/keep", "src/", "src/a.rs"]`): the paths it sends, without the trailing `/`.
/// (The CLI's own `!.dockerignore` and `!Dockerfile` additions are the caller's business.) Every
/// entry is judged by [`Ignore::excludes_in_walk`] with its directory's results; an excluded
/// directory that [`Ignore::skips_dir`] is dropped with everything under it, any other excluded
/// directory is not sent but its contents are still judged one by one.
#[cfg_attr(not(test), allow(dead_code))]
pub(super) fn walk_keeps(ignore: &Ignore, paths: &[&str]) -> Vec<String> {
    let mut skipped: HashSet<&str> = HashSet::new();
    let mut dirs: HashMap<&str, MatchInfo> = HashMap::new();
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
