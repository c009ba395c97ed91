//! What the word at the cursor of a dmap command line is, read from the command line's own
//! definition (clap's, `args.rs`), so every verb is covered as it is declared: a verb, a flag, a
//! flag's value, or a positional argument known by its value name — `FILE`, `TARGET(S)`,
//! `CONFIG`, `NAME(S)` (declared images) — or by its possible values. Pure: the file system is
//! asked only whether a first argument is a file, as the verbs decide it (`load::named_like_a_file`).

use std::path::{Path, PathBuf};

use clap::builder::{Arg, Command, ValueHint};

/// Names a file of the command line declares, for the positional arguments that take them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Names {
    /// `CONFIG`, `CONFIG.INSTANCE`, groups, `__all__`, and `MAP/...` when there are several maps.
    Targets,
    /// Configuration names (`MAP/`-prefixed too when there are several maps).
    Configs,
    /// The images the maps declare (`m.images.NAME`, a Compose service's `build`).
    Images,
}

/// What may replace the word at the cursor.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Position {
    /// The word at the cursor: candidates start with it.
    pub word: String,
    /// Candidates the command line itself defines (verbs, flags, values), with their help.
    pub fixed: Vec<(String, String)>,
    /// Names the command's file declares.
    pub names: Option<Names>,
    /// File names (the shell lists them).
    pub files: bool,
    /// The file the command reads, when it names one (`-f FILE`, or its first argument); else
    /// the default one of the current directory.
    pub file: Option<PathBuf>,
    /// The recipe's arguments (`-a VALUE`).
    pub args: Vec<String>,
    /// A Compose file's project name, profiles and env files (`-p`, `--profile`, `--env-file`).
    pub project: Option<String>,
    pub profiles: Vec<String>,
    pub env_files: Vec<PathBuf>,
}

/// `words`: the command line after `dmap`, up to the word at the cursor (the last one, maybe
/// empty). `root`: the command line's definition, built (`Command::build`).
pub(crate) fn position(root: &Command, words: &[String]) -> Position {
    let (word, before) = match words.split_last() {
        Some((word, before)) => (word.as_str(), before),
        None => ("", &[][..]),
    };
    let mut at = Position {
        word: word.to_string(),
        ..Position::default()
    };
    let mut command = root;
    let mut positionals: Vec<&str> = Vec::new();
    let mut after_dashes = false;
    let mut pending: Option<&Arg> = None;
    for w in before {
        if let Some(arg) = pending.take() {
            at.record(arg, w);
            continue;
        }
        if after_dashes {
            positionals.push(w);
        } else if w == "--" {
            after_dashes = true;
        } else if let Some(long) = w.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((name, value)) => (name, Some(value)),
                None => (long, None),
            };
            let arg = flags(command).find(|a| a.get_long() == Some(name));
            match (arg, value) {
                (Some(arg), Some(value)) => at.record(arg, value),
                (Some(arg), None) if takes_value(arg) => pending = Some(arg),
                _ => {}
            }
        } else if let Some(cluster) = w.strip_prefix('-').filter(|c| !c.is_empty()) {
            // `-vq`, `-n20`, `-n 20`: the first short flag that takes a value takes the rest.
            for (i, c) in cluster.char_indices() {
                let Some(arg) = flags(command).find(|a| a.get_short() == Some(c)) else {
                    continue;
                };
                if takes_value(arg) {
                    let rest = &cluster[i + c.len_utf8()..];
                    if rest.is_empty() {
                        pending = Some(arg);
                    } else {
                        at.record(arg, rest.trim_start_matches('='));
                    }
                    break;
                }
            }
        } else if command.has_subcommands() {
            match command.find_subcommand(w) {
                Some(verb) => command = verb,
                None => return at,
            }
        } else {
            positionals.push(w);
        }
    }
    if let Some(arg) = pending {
        at.values_of(arg);
        return at;
    }
    if !after_dashes {
        if let Some((name, _)) = word.strip_prefix("--").and_then(|l| l.split_once('=')) {
            if let Some(arg) = flags(command).find(|a| a.get_long() == Some(name)) {
                let prefix = format!("--{name}=");
                at.values_of(arg);
                for (value, _) in &mut at.fixed {
                    value.insert_str(0, &prefix);
                }
            }
            return at;
        }
        if word.starts_with('-') {
            at.fixed = flags(command).flat_map(flag_names).collect();
            return at;
        }
    }
    if command.has_subcommands() {
        at.fixed = command
            .get_subcommands()
            .filter(|c| !c.is_hide_set())
            .flat_map(|c| {
                let about = first_line(c.get_about());
                std::iter::once(c.get_name())
                    .chain(c.get_visible_aliases())
                    .map(move |n| (n.to_string(), about.clone()))
            })
            .collect();
        return at;
    }
    at.positional(command, &positionals, after_dashes);
    at
}

impl Position {
    /// A flag's value that says where names come from.
    fn record(&mut self, arg: &Arg, value: &str) {
        match arg.get_id().as_str() {
            "file" => self.file = Some(PathBuf::from(value)),
            "args" => self.args.push(value.to_string()),
            "project_name" => self.project = Some(value.to_string()),
            "profiles" => self.profiles.push(value.to_string()),
            "env_files" => self.env_files.push(PathBuf::from(value)),
            _ => {}
        }
    }

    /// What a flag's value or a positional argument takes: its possible values, names by its
    /// value name, or file names.
    fn values_of(&mut self, arg: &Arg) {
        let possible = arg.get_possible_values();
        if !possible.is_empty() {
            self.fixed = possible
                .iter()
                .filter(|p| !p.is_hide_set())
                .map(|p| {
                    let help = first_line(p.get_help());
                    (p.get_name().to_string(), help)
                })
                .collect();
            return;
        }
        if arg.is_positional() {
            self.names = names_of(arg);
            if self.names.is_some() {
                return;
            }
        }
        self.files = matches!(
            arg.get_value_hint(),
            ValueHint::AnyPath | ValueHint::FilePath | ValueHint::DirPath
        );
    }

    /// The positional argument the word at the cursor is, after `typed` ones: a verb's optional
    /// FILE followed by names is the verb's file when named like one (and when `-f` names none),
    /// else the first of the names.
    fn positional(&mut self, command: &Command, typed: &[&str], after_dashes: bool) {
        let mut slots: Vec<&Arg> = command
            .get_positionals()
            .filter(|a| after_dashes || !a.is_last_set())
            .collect();
        let file_then_names = slots.len() > 1
            && is_file(slots[0])
            && !slots[0].is_required_set()
            && names_of(slots[1]).is_some();
        let mut typed = typed;
        if file_then_names {
            let first_is_file = self.file.is_none()
                && typed
                    .first()
                    .is_some_and(|f| super::super::load::named_like_a_file(Path::new(f)));
            if first_is_file {
                self.file = typed.first().map(PathBuf::from);
                typed = &typed[1..];
                slots.remove(0);
            } else if self.file.is_some() || !typed.is_empty() {
                slots.remove(0);
            } else {
                // FILE or the first target: both.
                self.files = true;
                self.names = names_of(slots[1]);
                return;
            }
        } else if let Some(i) = slots.iter().position(|a| is_file(a)) {
            if let Some(file) = typed.get(i) {
                self.file = Some(PathBuf::from(file));
            }
        }
        // Each slot takes one word, one that takes many takes the rest.
        let mut index = typed.len();
        for slot in slots {
            let many = slot.get_num_args().is_some_and(|n| n.max_values() > 1);
            if many || index == 0 {
                self.values_of(slot);
                return;
            }
            index -= 1;
        }
    }
}

/// The flags of a command (its own, and the global ones it inherits).
fn flags(command: &Command) -> impl Iterator<Item = &Arg> {
    command
        .get_arguments()
        .filter(|a| !a.is_positional() && !a.is_hide_set())
}

/// `--long` and `-s`, with the flag's help.
fn flag_names(arg: &Arg) -> Vec<(String, String)> {
    let help = first_line(arg.get_help());
    let long = arg.get_long().map(|l| (format!("--{l}"), help.clone()));
    let short = arg.get_short().map(|s| (format!("-{s}"), help.clone()));
    long.into_iter().chain(short).collect()
}

/// The first line of a help text, as a candidate's description.
fn first_line(help: Option<&clap::builder::StyledStr>) -> String {
    help.map(|h| h.to_string().lines().next().unwrap_or("").to_string())
        .unwrap_or_default()
}

fn takes_value(arg: &Arg) -> bool {
    arg.get_action().takes_values()
}

/// The value name a positional argument is known by: `TARGETS` for `targets`.
fn value_name(arg: &Arg) -> String {
    arg.get_value_names()
        .and_then(|n| n.first())
        .map_or_else(|| arg.get_id().as_str().to_uppercase(), ToString::to_string)
}

fn is_file(arg: &Arg) -> bool {
    value_name(arg) == "FILE"
}

/// The names a positional argument takes, by its value name.
fn names_of(arg: &Arg) -> Option<Names> {
    match value_name(arg).as_str() {
        "TARGET" | "TARGETS" => Some(Names::Targets),
        "CONFIG" | "CONFIGS" => Some(Names::Configs),
        "NAME" | "NAMES" => Some(Names::Images),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;
    use crate::cli::args::Arguments;

    fn at(line: &str) -> Position {
        let mut root = Arguments::command();
        root.build();
        let mut words: Vec<String> = line.split(' ').map(str::to_string).collect();
        words.remove(0);
        position(&root, &words)
    }

    fn fixed(p: &Position) -> Vec<&str> {
        p.fixed.iter().map(|(v, _)| v.as_str()).collect()
    }

    #[test]
    fn the_word_at_the_cursor_is_read_from_the_verbs_definitions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let recipe = dir.path().join("app.rhai");
        std::fs::write(&recipe, "").expect("write");
        let recipe = recipe.to_string_lossy().into_owned();

        // Verbs, with their visible aliases; a hidden verb is not offered.
        let verbs = at("dmap ");
        assert!(fixed(&verbs).contains(&"up") && fixed(&verbs).contains(&"ps"));
        assert!(!fixed(&verbs).contains(&"__complete"));
        assert_eq!(verbs.names, None);
        // Flags: the verb's and the global ones.
        let up = at("dmap up --");
        let flags = fixed(&up)
            .into_iter()
            .filter(|f| f.starts_with("--f") || *f == "--quiet")
            .collect::<Vec<_>>();
        assert_eq!(flags, ["--force-recreate", "--quiet"]);
        // A flag's possible values, also after `=`.
        assert_eq!(
            fixed(&at("dmap --progress ")),
            ["auto", "tty", "plain", "quiet", "json"]
        );
        assert_eq!(fixed(&at("dmap up --progress=p"))[0], "--progress=auto");
        assert_eq!(
            fixed(&at("dmap completions ")),
            ["bash", "elvish", "fish", "powershell", "zsh"]
        );
        // A flag's file.
        assert!(at("dmap -f ").files);
        assert!(at("dmap up --env-file ").files);
        assert_eq!(at("dmap logs -n ").fixed, []);

        let cases: &[(&str, Option<Names>, bool, Option<&str>)] = &[
            // The first argument: FILE or a target.
            ("dmap up ", Some(Names::Targets), true, None),
            ("dmap status -a x ", Some(Names::Targets), true, None),
            // After FILE, or after a first target.
            (
                &format!("dmap up {recipe} "),
                Some(Names::Targets),
                false,
                Some(&recipe),
            ),
            (
                &format!("dmap up {recipe} web w"),
                Some(Names::Targets),
                false,
                Some(&recipe),
            ),
            ("dmap up web ", Some(Names::Targets), false, None),
            ("dmap logs -f web ", Some(Names::Targets), false, None),
            // `-f FILE` before the verb: every argument is a target.
            (
                &format!("dmap -f {recipe} down "),
                Some(Names::Targets),
                false,
                Some(&recipe),
            ),
            (
                &format!("dmap --file={recipe} plan --json web "),
                Some(Names::Targets),
                false,
                Some(&recipe),
            ),
            // exec: one target, then the command after `--`.
            (
                &format!("dmap exec -u app {recipe} "),
                Some(Names::Targets),
                false,
                Some(&recipe),
            ),
            (&format!("dmap exec {recipe} web -- "), None, false, Some(&recipe)),
            (&format!("dmap exec {recipe} web x"), None, false, Some(&recipe)),
            // build and dockerfile: image names.
            ("dmap build ", Some(Names::Images), true, None),
            (
                &format!("dmap build {recipe} a "),
                Some(Names::Images),
                false,
                Some(&recipe),
            ),
            (
                &format!("dmap dockerfile {recipe} "),
                Some(Names::Images),
                false,
                Some(&recipe),
            ),
            // A verb whose FILE is required: files, then nothing.
            ("dmap check ", None, true, None),
            (&format!("dmap show {recipe} "), None, false, Some(&recipe)),
            ("dmap nosuch ", None, false, None),
        ];
        for (line, names, files, file) in cases {
            let p = at(line);
            assert_eq!(
                (p.names, p.files, p.file.as_deref()),
                (*names, *files, file.map(Path::new)),
                "{line:?}"
            );
        }
        let p = at(&format!(
            "dmap -p shop --profile a --profile=b --env-file e -f {recipe} up -a one -a two web"
        ));
        assert_eq!(p.project.as_deref(), Some("shop"));
        assert_eq!(p.profiles, ["a", "b"]);
        assert_eq!(p.env_files, [PathBuf::from("e")]);
        assert_eq!(p.args, ["one", "two"]);
        assert_eq!(p.word, "web");
    }
}
