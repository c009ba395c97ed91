//! What `up --watch` watches, and what a changed file means: the recipe and every file it read
//! (re-evaluated and converged), the files each declared image's context holds (`.dockerignore`
//! applied: rebuilt and converged), and `develop.watch` rules (synced, restarted or rebuilt, as
//! the rule says). A configuration with rules is watched by its rules alone, as Compose does.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::context::ignore::Ignore;
use crate::context::Context;
use crate::model::develop::{WatchAction, WatchRule};
use crate::script::select::Group;

/// A declared image and the files of its context.
pub(super) struct ImageWatch {
    context: Arc<Context>,
    files: BTreeSet<PathBuf>,
    /// The directories the context adds: a file made in one may join it.
    roots: Vec<PathBuf>,
}

/// A `develop.watch` rule of a configuration.
pub(super) struct RuleWatch {
    /// The group (mapping client) of its map.
    pub group: usize,
    /// `MAP/CONFIG`.
    pub target: String,
    pub rule: WatchRule,
    /// Its path, absolute.
    pub path: PathBuf,
    ignore: Ignore,
}

#[derive(Default)]
pub(super) struct WatchSet {
    /// The recipe (or Compose file) and every file it read.
    pub sources: BTreeSet<PathBuf>,
    pub images: Vec<ImageWatch>,
    pub rules: Vec<RuleWatch>,
}

/// What a batch of changed files calls for.
#[derive(Debug, Default, PartialEq, Eq)]
pub(super) struct Changes {
    /// The recipe or a file it read changed: evaluate it again.
    pub sources: Vec<PathBuf>,
    /// Declared images (by index in [`WatchSet::images`]) whose context holds a changed file,
    /// and those files.
    pub images: BTreeMap<usize, Vec<PathBuf>>,
    /// Rules (by index in [`WatchSet::rules`]) and the files of theirs that changed.
    pub rules: BTreeMap<usize, Vec<PathBuf>>,
}

impl Changes {
    pub(super) fn is_empty(&self) -> bool {
        self.sources.is_empty() && self.images.is_empty() && self.rules.is_empty()
    }
}

impl WatchSet {
    /// The set for `groups` evaluated from `sources`; `base` is what a rule's relative path is
    /// relative to (the recipe's directory). A context that can't be listed is left out (the
    /// converge that follows names why).
    pub(super) fn new(groups: &[Group], sources: Vec<PathBuf>, base: &Path) -> WatchSet {
        let mut set = WatchSet {
            sources: sources.into_iter().collect(),
            ..WatchSet::default()
        };
        let mut ruled_images: BTreeSet<(String, String)> = BTreeSet::new();
        for (g, group) in groups.iter().enumerate() {
            for m in &group.maps {
                let map = m.read();
                for (name, config) in &map.containers {
                    let Some(develop) = &config.develop else { continue };
                    if let Some(image) = &config.image {
                        ruled_images.insert((map.name.clone(), image.clone()));
                    }
                    ruled_images.insert((map.name.clone(), name.clone()));
                    for rule in &develop.watch {
                        let ignore = Ignore::from_patterns(&rule.ignore).unwrap_or_default();
                        set.rules.push(RuleWatch {
                            group: g,
                            target: format!("{}/{name}", map.name),
                            rule: rule.clone(),
                            path: absolute(base.join(&rule.path)),
                            ignore,
                        });
                    }
                }
            }
            let Ok(declared) = crate::script::select::declared(&group.maps) else {
                continue;
            };
            for d in declared {
                if ruled_images.contains(&(d.map.clone(), d.name.clone())) {
                    continue;
                }
                let Ok(files) = d.context.files() else { continue };
                let roots = d
                    .context
                    .entries
                    .iter()
                    .map(|e| absolute(e.path()))
                    .filter(|p| p.is_dir())
                    .collect();
                set.images.push(ImageWatch {
                    context: d.context.clone(),
                    files: files.into_iter().map(absolute).collect(),
                    roots,
                });
            }
        }
        set
    }

    /// How many files are watched (directories aside): the sources, the files of the contexts,
    /// and those below the rules' paths that their `ignore` leaves.
    pub(super) fn count(&self) -> usize {
        let mut all: BTreeSet<PathBuf> = self.sources.iter().cloned().collect();
        for i in &self.images {
            all.extend(i.files.iter().filter(|f| !f.is_dir()).cloned());
        }
        for r in &self.rules {
            let files = walkdir::WalkDir::new(&r.path)
                .into_iter()
                .filter_map(Result::ok)
                .filter(|e| !e.file_type().is_dir())
                .map(walkdir::DirEntry::into_path)
                .filter(|p| r.holds(p));
            all.extend(files);
        }
        all.len()
    }

    /// The paths to watch: each recursively when it is a directory.
    pub(super) fn watched(&self) -> Vec<PathBuf> {
        let mut out: BTreeSet<PathBuf> = BTreeSet::new();
        for s in &self.sources {
            // A file an editor replaces is a new file: watch its directory.
            out.extend(s.parent().map(Path::to_path_buf));
        }
        for i in &self.images {
            out.extend(i.roots.iter().cloned());
            out.extend(
                i.files
                    .iter()
                    .filter(|f| !i.roots.iter().any(|r| f.starts_with(r)))
                    .filter_map(|f| f.parent().map(Path::to_path_buf)),
            );
        }
        for r in &self.rules {
            out.insert(if r.path.is_dir() {
                r.path.clone()
            } else {
                r.path.parent().map_or_else(|| r.path.clone(), Path::to_path_buf)
            });
        }
        // A directory below another watched one recursively is watched with it.
        let all: Vec<PathBuf> = out.into_iter().collect();
        all.iter()
            .filter(|p| !all.iter().any(|q| q != *p && p.starts_with(q) && q.is_dir()))
            .cloned()
            .collect()
    }

    /// What the changed `paths` call for. A file made in a context's directory is looked up in
    /// the context listed again; one the context ignores, or that nothing holds, calls for
    /// nothing.
    pub(super) fn classify(&mut self, paths: &BTreeSet<PathBuf>) -> Changes {
        let mut changes = Changes::default();
        for p in paths {
            if self.sources.contains(p) {
                changes.sources.push(p.clone());
                continue;
            }
            for (i, r) in self.rules.iter().enumerate() {
                if r.holds(p) {
                    changes.rules.entry(i).or_default().push(p.clone());
                }
            }
            for (i, image) in self.images.iter_mut().enumerate() {
                if image.holds(p) {
                    changes.images.entry(i).or_default().push(p.clone());
                }
            }
        }
        changes
    }
}

/// The path from the current directory, as file events name it.
fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

impl ImageWatch {
    /// Whether the context holds `path` (or held it: a removed file changes the context too).
    fn holds(&mut self, path: &Path) -> bool {
        if self.files.contains(path) {
            return true;
        }
        if !self.roots.iter().any(|r| path.starts_with(r)) {
            return false;
        }
        match self.context.files() {
            Ok(files) => {
                self.files = files.into_iter().map(absolute).collect();
                self.files.contains(path)
            }
            Err(_) => false,
        }
    }
}

impl RuleWatch {
    /// Whether `path` is the rule's, its `ignore` patterns applied.
    fn holds(&self, path: &Path) -> bool {
        let Ok(rel) = path.strip_prefix(&self.path) else {
            return false;
        };
        let rel = rel.to_string_lossy().replace('\\', "/");
        rel.is_empty() || self.ignore.is_empty() || !self.ignore.excludes(&rel)
    }

    /// Where a changed file goes in the container, for a rule that syncs.
    pub(super) fn target_of(&self, path: &Path) -> Option<String> {
        let target = self.rule.target.as_ref().filter(|_| self.rule.action.syncs())?;
        let rel = path.strip_prefix(&self.path).ok()?;
        let rel = rel.to_string_lossy().replace('\\', "/");
        Some(if rel.is_empty() {
            target.clone()
        } else {
            format!("{}/{rel}", target.trim_end_matches('/'))
        })
    }

    pub(super) fn action(&self) -> WatchAction {
        self.rule.action
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_file_is_the_recipes_or_a_contexts_unless_the_context_ignores_it() {
        let dir = tempfile::tempdir().expect("tempdir");
        let root = dir.path().join("site");
        std::fs::create_dir(&root).expect("mkdir");
        std::fs::write(root.join("index.html"), "one").expect("write");
        std::fs::write(root.join(".dockerignore"), "*.tmp\n").expect("write");
        let context = Arc::new(Context::of_directory(
            &root,
            "FROM scratch\n".into(),
            Default::default(),
            Default::default(),
        ));
        let files = context
            .files()
            .expect("lists")
            .into_iter()
            .map(absolute)
            .collect();
        let recipe = dir.path().join("r.rhai");
        let mut set = WatchSet {
            sources: BTreeSet::from([recipe.clone()]),
            images: vec![ImageWatch {
                context,
                files,
                roots: vec![root.clone()],
            }],
            rules: Vec::new(),
        };
        // A file made after the set was: looked up in the context listed again.
        std::fs::write(root.join("new.txt"), "new").expect("write");
        std::fs::write(root.join("junk.tmp"), "x").expect("write");
        let changed: BTreeSet<PathBuf> = [
            root.join("index.html"),
            root.join("new.txt"),
            root.join("junk.tmp"),
            dir.path().join("elsewhere.txt"),
            recipe.clone(),
        ]
        .into();
        let changes = set.classify(&changed);
        assert_eq!(changes.sources, [recipe]);
        assert_eq!(
            changes.images,
            BTreeMap::from([(0, vec![root.join("index.html"), root.join("new.txt")])])
        );
        assert!(changes.rules.is_empty());
        // Only what the context ignores: nothing to do.
        assert!(set.classify(&[root.join("junk.tmp")].into()).is_empty());
        assert_eq!(set.count(), 4, "the recipe, the .dockerignore and two files");
    }

    #[test]
    fn a_rule_holds_what_is_under_its_path_but_what_it_ignores() {
        let rule = RuleWatch {
            group: 0,
            target: "m/web".into(),
            rule: WatchRule {
                action: WatchAction::Sync,
                path: "src".into(),
                target: Some("/app/src/".into()),
                ignore: vec!["node_modules/".into(), "*.tmp".into()],
            },
            path: PathBuf::from("/p/src"),
            ignore: Ignore::from_patterns(&["node_modules/", "*.tmp"]).expect("patterns"),
        };
        let cases = [
            ("/p/src/a.js", true, Some("/app/src/a.js")),
            ("/p/src/lib/b.js", true, Some("/app/src/lib/b.js")),
            ("/p/src/node_modules/x/y.js", false, None),
            ("/p/src/c.tmp", false, None),
            ("/p/other/a.js", false, None),
            ("/p/src", true, Some("/app/src/")),
        ];
        for (path, held, target) in cases {
            let p = Path::new(path);
            assert_eq!(rule.holds(p), held, "{path}");
            if held {
                assert_eq!(rule.target_of(p).as_deref(), target, "{path}");
            }
        }
    }
}
