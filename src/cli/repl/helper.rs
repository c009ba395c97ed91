//! The REPL's line editor helper: Tab completion from what is in scope, and multi-line input
//! while a statement is incomplete (an empty line submits what is there).

use std::cell::RefCell;
use std::rc::Rc;

use rustyline::completion::Completer;
use rustyline::highlight::Highlighter;
use rustyline::hint::Hinter;
use rustyline::validate::{ValidationContext, ValidationResult, Validator};
use rustyline::{Context, Helper};

use super::complete::complete;
use super::input::{incomplete, parser};
use crate::script::vocabulary::{Receiver, Vocabulary};

/// What the expression before a `.` is, from the values in scope.
pub(super) type Receivers = Box<dyn Fn(&[String]) -> Option<Receiver>>;

pub(super) struct ReplHelper {
    /// What is in scope, refreshed after each input.
    pub vocabulary: Rc<RefCell<Option<Vocabulary>>>,
    /// Made on first use: the prompt comes up before anything is looked at.
    pub fill: Box<dyn Fn() -> Vocabulary>,
    pub receiver: Receivers,
    parser: rhai::Engine,
}

impl ReplHelper {
    pub(super) fn new(
        vocabulary: Rc<RefCell<Option<Vocabulary>>>,
        fill: Box<dyn Fn() -> Vocabulary>,
        receiver: Receivers,
    ) -> ReplHelper {
        ReplHelper {
            vocabulary,
            fill,
            receiver,
            parser: parser(),
        }
    }
}

impl Completer for ReplHelper {
    type Candidate = String;

    fn complete(&self, line: &str, pos: usize, _: &Context<'_>) -> rustyline::Result<(usize, Vec<String>)> {
        let mut v = self.vocabulary.borrow_mut();
        let v = v.get_or_insert_with(|| (self.fill)());
        Ok(complete(line, pos, v, &*self.receiver))
    }
}

impl Validator for ReplHelper {
    fn validate(&self, ctx: &mut ValidationContext<'_>) -> rustyline::Result<ValidationResult> {
        let input = ctx.input();
        // An empty line submits what is there; a REPL command is one line.
        if input.ends_with('\n') || input.trim_start().starts_with(':') || !incomplete(&self.parser, input) {
            return Ok(ValidationResult::Valid(None));
        }
        Ok(ValidationResult::Incomplete)
    }
}

impl Hinter for ReplHelper {
    type Hint = String;
}

impl Highlighter for ReplHelper {}

impl Helper for ReplHelper {}
