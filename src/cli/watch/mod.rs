//! `dmap up --watch`: up, then keep the targets converged while files change, until Ctrl-C
//! (exit 0; the stack keeps running). Changes are taken in bursts (an editor's save, a `git
//! checkout`): once files have been quiet for a moment (or after at most 2 s of changes), what
//! changed is acted on once. Each burst is one line: what changed, and what was done about it,
//! with the time it took.

mod set;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use notify::Watcher as _;

use super::args::{Recipe, UpFlags};
use super::converge::{each_group, scaled_groups, up_options};
use super::error::Error;
use super::ui::Ui;
use super::{canceller, session};
use crate::model::develop::WatchAction;
use crate::script::select::Group;
use crate::session::{Action, Mode, Report, Session, Synced};
use set::{Changes, WatchSet};

/// How long files must be quiet before a burst of changes is acted on.
const QUIET: Duration = Duration::from_millis(200);

/// The longest a burst of changes is gathered before it is acted on.
const LONGEST_BURST: Duration = Duration::from_secs(2);

/// How often the wait for a change looks whether Ctrl-C ended the watch.
const TICK: Duration = Duration::from_millis(100);

/// What every converge of the watch is: `up` of the targets with the command line's flags.
struct Up<'a> {
    session: Session,
    recipe: &'a Recipe,
    targets: &'a [String],
    flags: UpFlags,
    wait: bool,
    ui: &'a Ui,
}

impl Up<'_> {
    /// The recipe evaluated (`--scale` applied), and the files it read.
    fn load(&self) -> (Result<Vec<Group>, Error>, Vec<PathBuf>) {
        crate::script::input_file::recording(|| scaled_groups(self.recipe, &self.flags.scale))
    }

    /// `up` of the targets (or `action` of those of `groups`, or `--build` when `build`), as
    /// `dmap up` runs it.
    fn converge(
        &self,
        groups: &[Group],
        targets: &[String],
        action: Action,
        build: bool,
    ) -> Result<Report, Error> {
        let reporter = self.ui.reporter();
        let mut flags = self.flags.clone();
        flags.build |= build;
        let reports = each_group(
            groups,
            targets,
            &action,
            |t| up_options(&flags, self.wait, t),
            false,
            |r| self.session.act(r, reporter.as_ref()),
        )?;
        let mut all = Report::default();
        for r in reports {
            all.steps.extend(r.steps);
            all.notes.extend(r.notes);
        }
        Ok(all)
    }
}

pub(super) fn up_watch(
    recipe: &Recipe,
    targets: &[String],
    flags: UpFlags,
    wait: bool,
    ui: &Ui,
) -> Result<(), Error> {
    let up = Up {
        session: session(Mode::Apply),
        recipe,
        targets,
        flags,
        wait,
        ui,
    };
    let (loaded, sources) = up.load();
    let mut groups = loaded?;
    up.converge(&groups, targets, Action::Update, false)?;
    let file = std::path::absolute(&recipe.file).unwrap_or_else(|_| recipe.file.clone());
    let base = file.parent().map(PathBuf::from).unwrap_or_default();
    let mut sources = sources;
    sources.push(file.clone());
    let mut set = WatchSet::new(&groups, sources, &base);
    let (tx, rx) = mpsc::channel::<PathBuf>();
    let mut watcher = notify::recommended_watcher(move |event: notify::Result<notify::Event>| {
        if let Ok(event) = event {
            if !matches!(event.kind, notify::EventKind::Access(_)) {
                for path in event.paths {
                    let _ = tx.send(path);
                }
            }
        }
    })
    .map_err(watch_error)?;
    let mut watched = watch(&mut watcher, &set, &[])?;
    say(
        ui,
        &format!(
            "watching {} files of {} (Ctrl-C ends the watch; the stack keeps running)",
            set.count(),
            what(&set)
        ),
    );
    let cancel = canceller();
    loop {
        let first = match rx.recv_timeout(TICK) {
            Ok(path) => path,
            Err(mpsc::RecvTimeoutError::Timeout) if cancel.is_cancelled() => return Ok(()),
            Err(mpsc::RecvTimeoutError::Timeout) => continue,
            Err(mpsc::RecvTimeoutError::Disconnected) => return Ok(()),
        };
        // Until the files are quiet, or for a burst that goes on, at most `LONGEST_BURST`: a file
        // written all the time (a log) must not hold back the others.
        let mut batch: BTreeSet<PathBuf> = BTreeSet::from([first]);
        let burst = Instant::now();
        while burst.elapsed() < LONGEST_BURST {
            match rx.recv_timeout(QUIET) {
                Ok(path) => {
                    batch.insert(path);
                }
                Err(_) => break,
            }
        }
        if cancel.is_cancelled() {
            return Ok(());
        }
        let changes = set.classify(&batch);
        if changes.is_empty() {
            continue;
        }
        let started = Instant::now();
        let changed = names(&changes, &base);
        let done = if changes.sources.is_empty() {
            act(&up, &groups, &set, &changes)
        } else {
            // The recipe (or what it reads) changed: evaluated again; an error leaves the stack
            // as it was and the watch on the files it had.
            let (loaded, sources) = up.load();
            match loaded {
                Ok(fresh) => {
                    groups = fresh;
                    let mut sources = sources;
                    sources.extend(set.sources.iter().cloned());
                    set = WatchSet::new(&groups, sources, &base);
                    watched = watch(&mut watcher, &set, &watched)?;
                    up.converge(&groups, targets, Action::Update, false)
                        .map(|r| summary(&r))
                }
                Err(e) => Err(e),
            }
        };
        if cancel.is_cancelled() {
            return Ok(());
        }
        let took = started.elapsed().as_secs_f64();
        match done {
            Ok(what) => say(ui, &format!("{changed} changed → {what} ({took:.1}s)")),
            Err(e) => {
                let _ = std::io::Write::write_all(&mut std::io::stderr(), e.render().as_bytes());
                say(
                    ui,
                    &format!("{changed} changed → failed; the stack is left as it was ({took:.1}s)"),
                );
            }
        }
        if !changes.images.is_empty() && changes.sources.is_empty() {
            // A context may hold new files or directories now.
            set = WatchSet::new(&groups, set.sources.iter().cloned().collect(), &base);
            watched = watch(&mut watcher, &set, &watched)?;
        }
    }
}

/// The images and rules changed files call for (the recipe unchanged), as one line's end.
fn act(up: &Up<'_>, groups: &[Group], set: &WatchSet, changes: &Changes) -> Result<String, Error> {
    let mut said = Vec::new();
    for (&i, files) in &changes.rules {
        let rule = &set.rules[i];
        let target = [rule.target.clone()];
        let group = std::slice::from_ref(&groups[rule.group]);
        let action = rule.action();
        if action.syncs() {
            let synced: Vec<Synced> = files
                .iter()
                .filter_map(|f| {
                    rule.target_of(f).map(|container| Synced {
                        host: f.clone(),
                        container,
                    })
                })
                .collect();
            let done = each_group(
                group,
                &target,
                &Action::Update,
                |_| up_options(&up.flags, up.wait, &[]),
                false,
                |r| up.session.sync(r, &synced),
            )?;
            let containers: Vec<String> = done.into_iter().flatten().collect();
            said.push(format!(
                "synced {} file(s) into {}",
                synced.len(),
                containers.join(", ")
            ));
        }
        let converged = match action {
            WatchAction::Restart | WatchAction::SyncRestart => {
                Some(up.converge(group, &target, Action::Restart, false)?)
            }
            WatchAction::Rebuild => Some(up.converge(group, &target, Action::Update, true)?),
            WatchAction::Sync => None,
        };
        said.extend(converged.as_ref().map(summary));
    }
    if !changes.images.is_empty() {
        let r = up.converge(groups, up.targets, Action::Update, false)?;
        said.push(summary(&r));
    }
    Ok(said.join("; "))
}

/// What a converge did, in a few words: `built app:latest, recreated m.web`, or `nothing to do`.
fn summary(report: &Report) -> String {
    let mut parts: Vec<String> = Vec::new();
    let of = |action: &str| -> Vec<&str> {
        report
            .steps
            .iter()
            .filter(|d| d.action == action)
            .map(|d| d.subject.as_str())
            .collect()
    };
    // Stopped and started again: restarted.
    let stopped = of("stop");
    for (action, words) in [
        ("build", "built"),
        ("push", "pushed"),
        ("recreate", "recreated"),
        ("create", "created"),
        ("restart", "restarted"),
        ("start", "started"),
        ("update_service", "updated"),
    ] {
        let subjects: Vec<&str> = match action {
            "restart" => of("start").into_iter().filter(|s| stopped.contains(s)).collect(),
            "start" => of("start").into_iter().filter(|s| !stopped.contains(s)).collect(),
            _ => of(action),
        };
        if !subjects.is_empty() {
            parts.push(format!("{words} {}", subjects.join(", ")));
        }
    }
    if parts.is_empty() {
        if report.steps.is_empty() {
            "nothing to do".into()
        } else {
            format!("{} step(s)", report.steps.len())
        }
    } else {
        parts.join(", ")
    }
}

/// The changed files, relative to the recipe's directory where they are below it.
fn names(changes: &Changes, base: &std::path::Path) -> String {
    let mut all: BTreeSet<&PathBuf> = changes.sources.iter().collect();
    all.extend(changes.images.values().flatten());
    all.extend(changes.rules.values().flatten());
    let shown: Vec<String> = all
        .iter()
        .take(3)
        .map(|p| p.strip_prefix(base).unwrap_or(p).display().to_string())
        .collect();
    match all.len() {
        n if n > 3 => format!("{} and {} more", shown.join(", "), n - 3),
        _ => shown.join(", "),
    }
}

/// `2 images, 1 develop.watch rule and the recipe`.
fn what(set: &WatchSet) -> String {
    let mut parts = Vec::new();
    let plural = |n: usize, one: &str| format!("{n} {one}{}", if n == 1 { "" } else { "s" });
    if !set.images.is_empty() {
        parts.push(plural(set.images.len(), "image"));
    }
    if !set.rules.is_empty() {
        parts.push(plural(set.rules.len(), "develop.watch rule"));
    }
    parts.push("the recipe and what it reads".into());
    let last = parts.pop().unwrap_or_default();
    if parts.is_empty() {
        last
    } else {
        format!("{} and {last}", parts.join(", "))
    }
}

/// Watches the set's paths (those watched before and no longer needed are let go).
fn watch(
    watcher: &mut notify::RecommendedWatcher,
    set: &WatchSet,
    before: &[PathBuf],
) -> Result<Vec<PathBuf>, Error> {
    let now = set.watched();
    for gone in before.iter().filter(|p| !now.contains(p)) {
        let _ = watcher.unwatch(gone);
    }
    for path in now.iter().filter(|p| !before.contains(p)) {
        let mode = if path.is_dir() {
            notify::RecursiveMode::Recursive
        } else {
            notify::RecursiveMode::NonRecursive
        };
        watcher.watch(path, mode).map_err(watch_error)?;
    }
    Ok(now)
}

fn watch_error(e: notify::Error) -> Error {
    Error::Usage {
        message: format!("can't watch the files: {e}"),
    }
}

/// One line of the watch, as progress lines are written (nothing under `--quiet`).
fn say(ui: &Ui, line: &str) {
    if !ui.quiet {
        let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("  {line}\n").as_bytes());
    }
}
