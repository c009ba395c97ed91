//! How the CLI talks to the terminal: the progress renderer chosen by `--progress`, `-q` and
//! `-v`, and whether colours are used (`--no-color`, `NO_COLOR`).

use std::io::IsTerminal;
use std::rc::Rc;

use super::args::Progress;
use super::output::Stdout;
use super::progress;
use crate::script::Output;
use crate::session::Reporter;

#[derive(Clone, Copy, Debug)]
pub(super) struct Ui {
    pub verbose: bool,
    pub quiet: bool,
    pub progress: Progress,
    pub no_color: bool,
}

impl Ui {
    /// The progress mode in effect: `-q` is `quiet`; `auto` is `tty` on a terminal, else `plain`.
    pub(super) fn mode(&self) -> Progress {
        match (self.quiet, self.progress) {
            (true, _) => Progress::Quiet,
            (false, Progress::Auto) if std::io::stderr().is_terminal() => Progress::Tty,
            (false, Progress::Auto) => Progress::Plain,
            (false, mode) => mode,
        }
    }

    /// Colours on stdout: a terminal, and neither `--no-color` nor a non-empty `NO_COLOR`.
    pub(super) fn color_stdout(&self) -> bool {
        self.colors_allowed() && std::io::stdout().is_terminal()
    }

    pub(super) fn colors_allowed(&self) -> bool {
        !self.no_color && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
    }

    pub(super) fn reporter(&self) -> Rc<dyn Reporter> {
        self.reporter_and_output().0
    }

    /// The reporter, and where a recipe's own output goes: stdout, above the live view when
    /// there is one.
    pub(super) fn reporter_and_output(&self) -> (Rc<dyn Reporter>, Rc<dyn Output>) {
        match self.mode() {
            Progress::Tty => {
                let live = Rc::new(progress::Live::new(self.verbose, self.colors_allowed()));
                (live.clone(), live)
            }
            Progress::Quiet => (Rc::new(progress::Quiet), Rc::new(Stdout)),
            Progress::Json => (Rc::new(progress::Json), Rc::new(Stdout)),
            Progress::Plain | Progress::Auto => (
                Rc::new(progress::Lines {
                    verbose: self.verbose,
                }),
                Rc::new(Stdout),
            ),
        }
    }
}
