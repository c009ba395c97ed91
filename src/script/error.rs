//! Errors of recipe evaluation, with the recipe positions they came from.

use std::sync::Arc;

use rhai::{EvalAltResult, ParseError, Position};

use super::hints::Hints;
use crate::model::{Origin, Problem};

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("can't read `{path}`")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    /// Problems of a recipe (or of a map it built), with the call chain that led there.
    #[error("{}", .problems.first().map(|p| p.message.as_str()).unwrap_or("recipe failed"))]
    Recipe {
        problems: Vec<Problem>,
        trace: Vec<Problem>,
    },
    /// An action the recipe called failed at the Engine: where it was called, and the chain of
    /// calls that led there.
    #[error("{}", .failure.error)]
    Action {
        failure: ActionFailure,
        trace: Vec<Problem>,
    },
}

impl From<super::input_file::InputError> for Error {
    fn from(e: super::input_file::InputError) -> Self {
        match e {
            super::input_file::InputError::Io { label, error } => Error::Read {
                path: label,
                source: error,
            },
            other => Error::Recipe {
                problems: vec![other.into()],
                trace: Vec::new(),
            },
        }
    }
}

/// A failed action and the recipe position that called it; travels through Rhai as the value
/// of a runtime error.
#[derive(Clone, Debug)]
pub(crate) struct ActionFailure {
    pub error: Arc<crate::session::Error>,
    pub origin: Origin,
}

impl ActionFailure {
    /// What failed, in the words the CLI prints (one line per failure).
    pub(crate) fn message(&mut self) -> String {
        match &*self.error {
            crate::session::Error::Failed {
                failures,
                unreachable,
                ..
            } => unreachable
                .iter()
                .map(ToString::to_string)
                .chain(failures.iter().map(ToString::to_string))
                .collect::<Vec<_>>()
                .join("\n"),
            crate::session::Error::Refused { errors, .. } => errors
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n"),
            other => other.to_string(),
        }
    }
}

impl Problems {
    pub(crate) fn message(&mut self) -> String {
        self.0
            .iter()
            .map(|p| p.message.clone())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// Raises a session's error from the function called at `origin`: problems of the maps and
/// wrong calls as problems, Engine failures as they are.
pub(crate) fn raise_action(error: crate::session::Error, origin: Origin) -> Box<EvalAltResult> {
    match error {
        crate::session::Error::Problems { problems } => raise(
            problems
                .into_iter()
                .map(|mut p| {
                    if !p.origin.is_known() {
                        p.origin = origin.clone();
                    }
                    p
                })
                .collect(),
        ),
        crate::session::Error::Usage { message } => raise_one(Problem::new(message, origin)),
        other => Box::new(EvalAltResult::ErrorRuntime(
            rhai::Dynamic::from(ActionFailure {
                error: Arc::new(other),
                origin,
            }),
            Position::NONE,
        )),
    }
}

/// What native functions raise: problems that carry their own origins (a YAML key, the recipe
/// position of the call). Unknown origins are filled in from Rhai's position.
#[derive(Clone, Debug)]
pub(crate) struct Problems(pub Vec<Problem>);

pub(crate) fn raise(problems: Vec<Problem>) -> Box<EvalAltResult> {
    Box::new(EvalAltResult::ErrorRuntime(
        rhai::Dynamic::from(Problems(problems)),
        Position::NONE,
    ))
}

pub(crate) fn raise_one(problem: Problem) -> Box<EvalAltResult> {
    raise(vec![problem])
}

pub(crate) fn origin_at(source: &Arc<str>, pos: Position) -> Origin {
    Origin {
        file: source.clone(),
        line: pos.line(),
        column: pos.position(),
        key_path: None,
    }
}

pub(crate) fn from_parse(error: &ParseError, source: &Arc<str>, text: Option<&str>) -> Error {
    // A word Rhai reserves (`private`, ...) used as a map key ends the literal early.
    let word_at = || -> Option<String> {
        let pos = error.position();
        let line = text?.lines().nth(pos.line()?.checked_sub(1)?)?;
        let rest: String = line.chars().skip(pos.position()?.saturating_sub(1)).collect();
        let word: String = rest
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let after = rest[word.len()..].trim_start();
        (!word.is_empty() && after.starts_with(':') && !after.starts_with("::")).then_some(word)
    };
    let message = match error.err_type() {
        rhai::ParseErrorType::MissingToken(token, _) if token == "}" && word_at().is_some() => {
            let word = word_at().unwrap_or_default();
            format!(
                "`{word}` can't be an object-map key as it is (Rhai reserves the word): quote it (`#{{ \"{word}\": ... }}`)"
            )
        }
        rhai::ParseErrorType::Reserved(word) if word.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') => format!(
            "`{word}` is a reserved word in Rhai: as an object-map key, quote it (`#{{ \"{word}\": ... }}`); as a variable, use another name"
        ),
        other => other.to_string(),
    };
    Error::Recipe {
        problems: vec![Problem::new(
            lowercase_first(&message),
            origin_at(source, error.position()),
        )],
        trace: Vec::new(),
    }
}

pub(crate) fn from_eval(error: &EvalAltResult, source: &Arc<str>, hints: Option<&Hints>) -> Error {
    let mut trace = Vec::new();
    let mut failure = None;
    let problems = walk(error, source.clone(), &mut trace, &mut failure, hints);
    match failure {
        Some(failure) => Error::Action { failure, trace },
        None => Error::Recipe { problems, trace },
    }
}

fn walk(
    error: &EvalAltResult,
    source: Arc<str>,
    trace: &mut Vec<Problem>,
    failure: &mut Option<ActionFailure>,
    hints: Option<&Hints>,
) -> Vec<Problem> {
    match error {
        EvalAltResult::ErrorInFunctionCall(name, src, inner, pos) => {
            trace.push(Problem::new(
                format!("in call to function `{name}`"),
                origin_at(&source, *pos),
            ));
            let inner_source: Arc<str> = if src.is_empty() {
                source
            } else {
                src.as_str().into()
            };
            walk(inner, inner_source, trace, failure, hints)
        }
        EvalAltResult::ErrorInModule(path, inner, pos) => {
            trace.push(Problem::new(
                format!("in module `{path}`"),
                origin_at(&source, *pos),
            ));
            walk(inner, path.as_str().into(), trace, failure, hints)
        }
        EvalAltResult::ErrorRuntime(value, pos) => {
            if let Some(f) = value.clone().try_cast::<ActionFailure>() {
                *failure = Some(f);
                return Vec::new();
            }
            if let Some(Problems(list)) = value.clone().try_cast::<Problems>() {
                list.into_iter()
                    .map(|mut p| {
                        if !p.origin.is_known() || (p.origin.line.is_none() && p.origin.key_path.is_none()) {
                            p.origin = origin_at(&source, *pos);
                        }
                        p
                    })
                    .collect()
            } else {
                vec![Problem::new(
                    format!("recipe raised: {value}"),
                    origin_at(&source, *pos),
                )]
            }
        }
        EvalAltResult::ErrorParsing(e, pos) => {
            vec![Problem::new(
                lowercase_first(&e.to_string()),
                origin_at(&source, *pos),
            )]
        }
        EvalAltResult::ErrorFunctionNotFound(signature, pos) => {
            let message = match hints {
                Some(h) => h.function_not_found(signature),
                None => format!("function not found: {signature}"),
            };
            vec![Problem::new(message, origin_at(&source, *pos))]
        }
        EvalAltResult::ErrorVariableNotFound(name, pos) if name.contains("::") => {
            let (module, item) = name.rsplit_once("::").unwrap_or(("", name));
            vec![Problem::new(
                format!(
                    "`{name}` not found: library `{module}` has no exported `{item}` (a library's constants are visible to importers only when declared with `export const {item} = ...;`)"
                ),
                origin_at(&source, *pos),
            )]
        }
        EvalAltResult::ErrorTerminated(token, pos)
            if token.is_string() && token.to_string() == super::limits::TIMED_OUT =>
        {
            vec![Problem::new(
                format!(
                    "the recipe ran longer than its wall-clock limit and was stopped here ({} sets the limit in seconds)",
                    super::limits::EVAL_TIMEOUT_VAR
                ),
                origin_at(&source, *pos),
            )]
        }
        EvalAltResult::ErrorTerminated(token, pos) if token.is::<super::limits::OverMemory>() => {
            let limit = token
                .clone()
                .try_cast::<super::limits::OverMemory>()
                .map_or(0, |o| o.0);
            vec![Problem::new(
                format!(
                    "the recipe took dmap over its memory limit of {limit} MiB and was stopped here (`{}` sets the limit in MiB)",
                    super::limits::MAX_MEMORY_VAR
                ),
                origin_at(&source, *pos),
            )]
        }
        EvalAltResult::ErrorTerminated(_, pos) => {
            vec![Problem::new("cancelled (Ctrl-C)", origin_at(&source, *pos))]
        }
        EvalAltResult::ErrorTooManyOperations(pos) => vec![Problem::new(
            "the recipe ran too long and was stopped (too many operations): is there an endless loop?",
            origin_at(&source, *pos),
        )],
        EvalAltResult::ErrorStackOverflow(pos) => vec![Problem::new(
            "the recipe nested function calls too deeply and was stopped: is there runaway recursion?",
            origin_at(&source, *pos),
        )],
        EvalAltResult::ErrorDataTooLarge(what, pos) => vec![Problem::new(
            format!(
                "the recipe built a value too large ({}) and was stopped",
                what.to_lowercase()
            ),
            origin_at(&source, *pos),
        )],
        EvalAltResult::ErrorTooManyModules(pos) => vec![Problem::new(
            "the recipe imported too many modules and was stopped: is there an import cycle?",
            origin_at(&source, *pos),
        )],
        other => {
            let pos = other.position();
            let text = other.to_string();
            let message = match text.rfind(" (line ") {
                Some(i) if !pos.is_none() => text[..i].to_string(),
                _ => text,
            };
            vec![Problem::new(lowercase_first(&message), origin_at(&source, pos))]
        }
    }
}

fn lowercase_first(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) if chars.clone().next().is_some_and(char::is_lowercase) => {
            c.to_lowercase().chain(chars).collect()
        }
        _ => s.to_string(),
    }
}
