//! The CLI's reporter: a session's events as plain lines on stderr, one per event.

use std::io::Write as _;

use crate::runtime::executor::Outcome;
use crate::session::{Event, Purpose, Reporter};

/// Writes each step as it finishes (`  start m.web: created`), notes, and under `--dry-run`
/// what would be done (`would start m.web: created`).
pub struct Lines;

impl Reporter for Lines {
    fn event(&self, event: &Event<'_>) {
        let line = match event {
            Event::Planned {
                plan,
                purpose: Purpose::DryRun,
                ..
            } => {
                let mut out = String::new();
                for step in &plan.steps {
                    out.push_str(&format!("would {step}\n"));
                }
                out
            }
            Event::Note { text, .. } => format!("note: {text}\n"),
            Event::StepFinished { step, outcome, .. } => match outcome {
                Outcome::Done(()) => format!("  {step}\n"),
                Outcome::Failed(e) => format!("  FAILED {step}: {e}\n"),
                Outcome::Skipped { .. } => return,
            },
            _ => return,
        };
        let _ = std::io::stderr().lock().write_all(line.as_bytes());
    }
}
