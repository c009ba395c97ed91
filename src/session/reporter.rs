//! What a session tells its front end while it works. The session never prints: it hands
//! events to a [`Reporter`], and each front end renders them (the CLI on stderr).

use std::cell::RefCell;

use crate::runtime::apply::StepOutcome;
use crate::runtime::lock::{Holder, Stale};
use crate::runtime::plan::{Plan, Step};

/// One thing that happened.
#[derive(Debug)]
pub(crate) enum Event<'a> {
    /// An action was recorded, not run (`dmap check`, `dmap show`): no Engine is contacted.
    Recorded {
        /// The action's name (`startup`, `build`, ...).
        action: &'a str,
        targets: &'a [String],
    },
    /// The plan for one client is ready; what happens to it next is `purpose`.
    Planned {
        client: &'a str,
        plan: &'a Plan,
        purpose: Purpose,
    },
    /// Something noticed and left alone (orphans, volume changes needing `recreate_volumes`).
    Note {
        client: &'a str,
        text: &'a str,
    },
    StepStarted {
        client: &'a str,
        step: &'a Step,
    },
    StepFinished {
        client: &'a str,
        step: &'a Step,
        outcome: &'a StepOutcome,
    },
    /// A line a running step printed (a build's output); `heading`, when it starts a step of
    /// the build: what that step is (`Step 3/5`, `[stage 2/3] RUN make`).
    Output {
        client: &'a str,
        step: &'a Step,
        line: &'a str,
        heading: Option<&'a str>,
    },
    /// Every step of the client's plan has its outcome.
    Settled {
        client: &'a str,
    },
    /// Another dmap acts on `map` on the client: this action waits until it is done (told once
    /// per holder of the lock).
    LockWaiting {
        client: &'a str,
        map: &'a str,
        holder: &'a Holder,
    },
    /// The lock of `map` on the client was left by a dmap that is gone (`why`): it is taken
    /// over, and removed when this action is done.
    LockTakenOver {
        client: &'a str,
        map: &'a str,
        holder: &'a Holder,
        why: &'a Stale,
    },
}

/// Why a plan was made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Purpose {
    /// Its steps run next.
    Apply,
    /// Shown, not run (`dmap run --dry-run`).
    DryRun,
    /// Returned to the caller, not run (`c.plan`).
    Plan,
}

/// Hears a session's events, in the order they happen, on the thread that called the session.
pub(crate) trait Reporter {
    fn event(&self, event: &Event<'_>);
}

/// Keeps the actions recorded under `check` and `show`, as `ACTION TARGETS`.
#[derive(Default)]
pub(crate) struct Recorder {
    pub recorded: RefCell<Vec<String>>,
}

impl Reporter for Recorder {
    fn event(&self, event: &Event<'_>) {
        if let Event::Recorded { action, targets } = event {
            self.recorded
                .borrow_mut()
                .push(format!("{action} {}", targets.join(", ")));
        }
    }
}
