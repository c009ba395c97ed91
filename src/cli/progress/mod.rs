//! The CLI's reporters: how a session's events reach the terminal. `Lines` writes plain lines
//! (CI, pipes), `Live` redraws a view in place on a terminal, `Json` writes one JSON object per
//! event, `Quiet` writes nothing. All of them write to stderr; the recipe's own output goes to
//! stdout.

mod json;
mod lines;
mod live;

pub(super) use json::{error_line, Json};
pub(super) use lines::Lines;
pub(super) use live::Live;

use crate::session::{Event, Reporter};

/// No progress at all (`-q`); errors are still printed by the CLI.
pub(super) struct Quiet;

impl Reporter for Quiet {
    fn event(&self, _: &Event<'_>) {}
}

/// `[CLIENT] ` for a client other than the default one.
fn on(client: &str) -> String {
    if client == crate::model::name::DEFAULT_CLIENT {
        String::new()
    } else {
        format!("[{client}] ")
    }
}
