//! Where a recipe's own output goes: the text of its `print` and `debug` calls. The interpreter
//! never writes to a terminal; the front end gives it an [`Output`] and decides where each
//! line goes (stdout, stderr, above a live view).

use rhai::Position;

pub(crate) trait Output {
    /// A line the recipe printed (`print`).
    fn print(&self, text: &str);

    /// A line of `debug`, with the source it was written in and where, when known.
    fn debug(&self, text: &str, source: Option<&str>, position: Position);
}

/// Drops everything: for hosts whose output nobody reads (tests, shell completion).
pub(crate) struct Discard;

impl Output for Discard {
    fn print(&self, _: &str) {}

    fn debug(&self, _: &str, _: Option<&str>, _: Position) {}
}
