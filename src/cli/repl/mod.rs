//! placeholder while compiling
use super::error::Error;
use super::ui::Ui;
use std::path::Path;
pub(super) fn at_prompt() -> bool {
    false
}
pub(super) fn run(_file: Option<&Path>, _args: &[String], _ui: &Ui) -> Result<(), Error> {
    Err(Error::Usage {
        message: "repl".into(),
    })
}
