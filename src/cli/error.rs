//! The top-level error: wraps each layer's errors and gives the exit code.

use crate::model::Problem;

#[derive(Debug, thiserror::Error)]
pub(super) enum Error {
    #[error(transparent)]
    Script(#[from] crate::script::Error),
    /// Problems found in maps (integrity checks, YAML files).
    #[error("{} problem(s) found", .problems.len())]
    Problems { problems: Vec<Problem> },
    #[error("can't read `{path}`")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },
    #[error("can't write the output")]
    Output(#[source] std::io::Error),
    /// Clients whose Engine could not be read (the status shows which and why).
    #[error("can't read the Engine of client {}", clients.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", "))]
    Unreachable { clients: Vec<String> },
    #[error("internal error, this may indicate a bug in dmap: {message}")]
    Internal { message: String },
    /// The command line asks for something that can't be done.
    #[error("{message}")]
    Usage { message: String },
}

impl Error {
    /// The process exit status: 2 for bad command-line usage, 1 for every error of a recipe, a
    /// map or an action.
    pub(super) fn code(&self) -> i32 {
        match self {
            Error::Usage { .. } => 2,
            _ => 1,
        }
    }

    /// The full report for stderr, rendered once.
    pub(super) fn render(&self) -> String {
        use super::diagnostic::{render_all, render_chain, render_failure};
        match self {
            Error::Script(crate::script::Error::Recipe { problems, trace }) => render_all(problems, trace),
            Error::Script(crate::script::Error::Action { failure, trace }) => render_failure(failure, trace),
            Error::Problems { problems } => {
                let mut out = render_all(problems, &[]);
                if problems.len() > 1 {
                    out.push_str(&format!("error: {} problems found\n", problems.len()));
                }
                out
            }
            other => render_chain(other),
        }
    }
}
