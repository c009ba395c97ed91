//! Shell completion: `dmap completions SHELL` prints a script (bash, zsh and fish call back into
//! dmap; elvish and PowerShell get clap_complete's, verbs and flags only), and the hidden verb
//! `dmap __complete -- WORDS...` prints what may replace the last word: verbs, flags and values
//! from the command line's definition, file names, and the targets, configurations or image names
//! the command's file declares (the file of `-f` or of the first argument, else the default one
//! here), read as `dmap check` reads it. It writes nothing else, and on a failure no names.

mod names;
mod position;
mod scripts;

use std::io::Write as _;

use clap::CommandFactory as _;
use clap_complete::Shell;

use super::args::Arguments;
use super::error::Error;

/// The line that asks the shell for file names.
const FILES: &str = ":files";

/// `dmap completions SHELL`.
pub(super) fn script(shell: Shell) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    let text = match shell {
        Shell::Bash => scripts::BASH,
        Shell::Zsh => scripts::ZSH,
        Shell::Fish => scripts::FISH,
        other => {
            clap_complete::generate(other, &mut Arguments::command(), "dmap", &mut out);
            return out.flush().map_err(Error::Output);
        }
    };
    out.write_all(text.as_bytes()).map_err(Error::Output)
}

/// `dmap __complete -- WORDS...`: one candidate a line, `CANDIDATE<TAB>HELP` when it has help.
pub(super) fn complete(words: &[String]) -> Result<(), Error> {
    let mut out = std::io::stdout().lock();
    out.write_all(candidates(words).as_bytes()).map_err(Error::Output)
}

/// What `dmap __complete` prints.
fn candidates(words: &[String]) -> String {
    let mut root = Arguments::command();
    root.build();
    let at = position::position(&root, words);
    let mut lines: Vec<String> = at
        .fixed
        .iter()
        .filter(|(value, _)| value.starts_with(&at.word))
        .map(|(value, help)| match help.as_str() {
            "" => value.clone(),
            help => format!("{value}\t{help}"),
        })
        .collect();
    if let Some(kind) = at.names {
        let file = at
            .file
            .clone()
            .or_else(|| super::load::default_file(&super::load::DEFAULT_FILES));
        if let Some(Ok(names)) = file.map(|f| names::declared(&f, kind, &at)) {
            lines.extend(names.into_iter().filter(|n| n.starts_with(&at.word)));
        }
    }
    if at.files {
        lines.push(FILES.to_string());
    }
    lines.iter().map(|l| format!("{l}\n")).collect()
}
