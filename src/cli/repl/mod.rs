//! `dmap repl`: Rhai statements against the Engine, one scope for the session. A FILE given is
//! evaluated first and its variables, functions and imports stay; so do those of each input.
//! Actions report through the same renderer as `dmap run`, and finish drawing before the prompt
//! comes back. Ctrl-C at the prompt clears the line; during an action it cancels it (the
//! canceller is reset before each input); Ctrl-D leaves.

mod commands;
mod complete;
mod helper;
mod input;

use std::cell::RefCell;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::rc::Rc;

use rustyline::error::ReadlineError;
use rustyline::history::DefaultHistory;
use rustyline::{CompletionType, Config, Editor};

use super::error::Error;
use super::ui::Ui;
use super::{canceller, diagnostic, limits, session};
use crate::script::Interpreter;
use crate::session::Mode;
use helper::ReplHelper;

const PROMPT: &str = "dmap> ";

pub(super) fn run(file: Option<&Path>, args: &[String], ui: &Ui) -> Result<(), Error> {
    let (reporter, output) = ui.reporter_and_output();
    let interpreter = Rc::new(RefCell::new(Interpreter::new(
        &limits()?,
        Rc::new(session(Mode::Apply)),
        reporter,
        output,
    )));
    interpreter.borrow_mut().set_args(args);
    if let Some(file) = file {
        // Like `python -i`: an error in the file is shown, and what it defined before stays.
        let evaluated = interpreter.borrow_mut().eval_file(file);
        if let Err(e) = evaluated {
            report(&Error::Script(e));
        }
    }
    let config = Config::builder()
        .auto_add_history(false)
        .completion_type(CompletionType::List)
        .build();
    let mut editor: Editor<ReplHelper, DefaultHistory> =
        Editor::with_config(config).map_err(|e| Error::Internal {
            message: format!("can't start the line editor: {e}"),
        })?;
    let vocabulary = Rc::new(RefCell::new(None));
    let fill = {
        let interpreter = interpreter.clone();
        Box::new(move || interpreter.borrow().vocabulary())
    };
    let receiver = {
        let interpreter = interpreter.clone();
        Box::new(move |chain: &[String]| interpreter.borrow().receiver(chain))
    };
    editor.set_helper(Some(ReplHelper::new(vocabulary.clone(), fill, receiver)));
    let history = history_path();
    if let Some(path) = &history {
        let _ = editor.load_history(path);
    }
    let mut count = 0usize;
    loop {
        let line = match editor.readline(PROMPT) {
            Ok(line) => line,
            // Ctrl-C at the prompt: the line is gone, the session goes on.
            Err(ReadlineError::Interrupted) => continue,
            Err(ReadlineError::Eof) => break,
            Err(e) => {
                return Err(Error::Internal {
                    message: format!("the line editor failed: {e}"),
                })
            }
        };
        let text = line.trim_end();
        if text.trim().is_empty() {
            continue;
        }
        let _ = editor.add_history_entry(text);
        if let Some(path) = &history {
            keep_history(&mut editor, path);
        }
        canceller().reset();
        if let Some(command) = text.trim_start().strip_prefix(':') {
            match commands::run(command, &interpreter.borrow()) {
                Ok(commands::Next::Quit) => break,
                Ok(commands::Next::Prompt) => {}
                Err(e) => report(&e),
            }
            continue;
        }
        count += 1;
        let label = format!("<input {count}>");
        diagnostic::remember(&label, text);
        let result = interpreter.borrow_mut().eval_text(&label, text);
        match result {
            Ok(evaluation) => {
                // A trailing `;` keeps the value to itself (an action's steps were shown already).
                if !evaluation.value.is_unit() && !text.ends_with(';') {
                    let shown = commands::show_value(&interpreter.borrow(), &evaluation.value);
                    let mut out = std::io::stdout().lock();
                    let _ = writeln!(out, "{shown}");
                }
            }
            Err(e) => report(&Error::Script(e)),
        }
        // What is in scope changed: completion looks again on its next use.
        *vocabulary.borrow_mut() = None;
    }
    Ok(())
}

/// An error, rendered as the CLI renders it; the session goes on.
fn report(error: &Error) {
    let _ = std::io::stderr().write_all(error.render().as_bytes());
}

/// `$XDG_DATA_HOME/dmap/history`, else `~/.local/share/dmap/history`.
fn history_path() -> Option<PathBuf> {
    let data = std::env::var_os("XDG_DATA_HOME")
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))?;
    Some(data.join("dmap").join("history"))
}

/// Appends the new entry to the history file at once, so a killed session keeps it too.
fn keep_history(editor: &mut Editor<ReplHelper, DefaultHistory>, path: &Path) {
    if let Some(dir) = path.parent() {
        let _ = std::fs::create_dir_all(dir);
    }
    let _ = editor.append_history(path);
}
