//! Why an action failed, as data for the one renderer: problems of the maps, a refused plan,
//! an unreachable Engine, steps that failed and what they held up.

use crate::model::Problem;
use crate::runtime::error::StepError;
use crate::runtime::plan::{PlanError, Step};

#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    /// The maps fail their checks; nothing was touched.
    #[error("{} problem(s) found", .problems.len())]
    Problems { problems: Vec<Problem> },
    /// The call itself is wrong: an unknown target, action or option.
    #[error("{message}")]
    Usage { message: String },
    #[error("{error}{}", client_text(.client))]
    Connect {
        client: String,
        error: Box<crate::runtime::Error>,
    },
    #[error("{error}{}", client_text(.client))]
    Observe {
        client: String,
        error: Box<crate::runtime::Error>,
    },
    /// The plan can't be carried out as the Engine is; nothing was touched.
    #[error("{}", .errors.first().map(ToString::to_string).unwrap_or_default())]
    Refused { client: String, errors: Vec<PlanError> },
    /// Steps failed, or clients could not be reached; the steps that needed the failed ones
    /// were skipped, the rest ran (on every client that could be reached).
    #[error("{}", failed_summary(.failures, .unreachable))]
    Failed {
        failures: Vec<StepFailure>,
        skipped: Vec<Skipped>,
        /// Connecting to or observing a client failed ([`Error::Connect`], [`Error::Observe`]).
        unreachable: Vec<Error>,
    },
    /// Cancelled (Ctrl-C in the REPL): what was done stays, what was waiting was dropped, the
    /// rest did not start.
    #[error("cancelled: {} step(s) done, {} not run{}", .done.steps.len(), .not_run.len(), failed_text(.failures))]
    Cancelled {
        done: crate::session::Report,
        not_run: Vec<Skipped>,
        failures: Vec<StepFailure>,
    },
    /// `logs` or `exec` failed at the Engine.
    #[error("{error}")]
    Stream { error: StepError },
    #[error("internal error, this may indicate a bug in dmap: {message}")]
    Internal { message: String },
}

fn failed_summary(failures: &[StepFailure], unreachable: &[Error]) -> String {
    match (failures.len(), unreachable.len()) {
        (f, 0) => format!("{f} step(s) failed"),
        (0, u) => format!("{u} client(s) could not be reached"),
        (f, u) => format!("{f} step(s) failed, {u} client(s) could not be reached"),
    }
}

fn failed_text(failures: &[StepFailure]) -> String {
    if failures.is_empty() {
        String::new()
    } else {
        format!(", {} failed", failures.len())
    }
}

fn client_text(client: &str) -> String {
    if client == crate::model::name::DEFAULT_CLIENT {
        String::new()
    } else {
        format!(" (client `{client}`)")
    }
}

/// One step that failed.
#[derive(Debug)]
pub(crate) struct StepFailure {
    pub client: String,
    pub step: Step,
    pub error: StepError,
}

impl std::fmt::Display for StepFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "failed to {}: {}{}",
            self.step.kind.describe(),
            self.error,
            client_text(&self.client)
        )
    }
}

/// One step not run because a step it needed failed.
#[derive(Clone, Debug)]
pub(crate) struct Skipped {
    pub client: String,
    pub step: Step,
    /// The subject of the failed step it waited for.
    pub because: String,
}
