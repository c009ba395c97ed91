//! Plain lines on stderr, one per event, no control codes.

use std::io::Write as _;

use super::{lock_taken_over, lock_waiting, on};
use crate::session::{Event, Purpose, Reporter};
use crate::session::{Outcome, StepKind};

/// Writes each step as it finishes (`  start m.web: created`), waits and builds as they begin,
/// each build step as the Engine reaches it (every line it prints with `verbose`), notes, and
/// under `--dry-run` what would be done (`would start m.web: created`). Steps of a client other
/// than the default one say which (`[apps1]`).
#[derive(Default)]
pub(crate) struct Lines {
    pub verbose: bool,
}

impl Reporter for Lines {
    fn event(&self, event: &Event<'_>) {
        let line = match event {
            Event::Planned {
                client,
                plan,
                purpose: Purpose::DryRun,
            } => {
                let mut out = String::new();
                for step in &plan.steps {
                    out.push_str(&format!("{}would {step}\n", on(client)));
                }
                out
            }
            Event::Planned {
                client,
                plan,
                purpose: Purpose::Apply,
            } if plan.steps.is_empty() => format!("  {}up to date\n", on(client)),
            Event::Note { client, text } => format!("{}note: {text}\n", on(client)),
            Event::LockWaiting { client, map, holder } => {
                format!("  {}{}\n", on(client), lock_waiting(map, holder))
            }
            Event::LockTakenOver {
                client,
                map,
                holder,
                why,
            } => format!("{}note: {}\n", on(client), lock_taken_over(map, holder, why)),
            Event::StepStarted { client, step } => match &step.kind {
                StepKind::WaitHealthy { container } => {
                    format!("  {}waiting for `{container}` to be healthy\n", on(client))
                }
                StepKind::WaitCompleted { container } => {
                    format!("  {}waiting for `{container}` to run to completion\n", on(client))
                }
                StepKind::BuildImage { image } => format!("  {}building {image}\n", on(client)),
                StepKind::CopyImage { image, from } => {
                    format!("  {}copying {image} from `{from}`\n", on(client))
                }
                _ => return,
            },
            Event::Output {
                client,
                step,
                line,
                heading,
            } => {
                if self.verbose {
                    format!("  {}{} | {line}\n", on(client), step.kind.subject())
                } else if let StepKind::CopyImage { .. } = step.kind {
                    // A copy's progress is the live view's; its last line says what it carried.
                    if heading.is_some() {
                        return;
                    }
                    format!("  {}{}: {line}\n", on(client), step.kind.subject())
                } else if heading.is_some() {
                    format!("  {}{}: {line}\n", on(client), step.kind.subject())
                } else {
                    return;
                }
            }
            Event::StepFinished {
                client,
                step,
                outcome,
            } => match outcome {
                Outcome::Done(()) => format!("  {}{step}\n", on(client)),
                // The reason is the action's error, rendered once at the end.
                Outcome::Failed(_) => format!("  {}FAILED {step}\n", on(client)),
                Outcome::Skipped { .. } => return,
                Outcome::Cancelled => format!("  {}cancelled {step}\n", on(client)),
            },
            _ => return,
        };
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}
