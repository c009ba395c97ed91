//! `--progress json`: one JSON object per event on stderr, for programs that watch dmap.
//!
//! Shapes (stable): `{"event":"planned","client":C,"steps":[{"action","subject","reason"}]}`,
//! `{"event":"note","client":C,"text":T}`, `{"event":"started","client":C,"action","subject"}`,
//! `{"event":"finished","client":C,"action","subject","reason","outcome":"done"|"failed"|"skipped"|"cancelled"}`
//! (and `"error":TEXT` when it failed),
//! `{"event":"output","client":C,"subject":S,"line":L}`, `{"event":"settled","client":C}`,
//! `{"event":"recorded","action":A,"targets":[...]}`.

use std::io::Write as _;

use serde_json::{json, Value};

use crate::runtime::executor::Outcome;
use crate::runtime::plan::Step;
use crate::session::{Event, Reporter};

pub struct Json;

fn step(s: &Step) -> Value {
    let mut v = json!({ "action": s.kind.name(), "subject": s.kind.subject(), "reason": s.reason });
    if let (Some(n), Some(map)) = (s.kind.network(), v.as_object_mut()) {
        map.insert("network".into(), json!(n));
    }
    v
}

impl Reporter for Json {
    fn event(&self, event: &Event<'_>) {
        let value = match event {
            Event::Recorded { action, targets } => {
                json!({ "event": "recorded", "action": action, "targets": targets })
            }
            Event::Planned { client, plan, .. } => json!({
                "event": "planned",
                "client": client,
                "steps": plan.steps.iter().map(step).collect::<Vec<_>>(),
            }),
            Event::Note { client, text } => json!({ "event": "note", "client": client, "text": text }),
            Event::StepStarted { client, step: s } => {
                json!({ "event": "started", "client": client, "action": s.kind.name(), "subject": s.kind.subject() })
            }
            Event::StepFinished {
                client,
                step: s,
                outcome,
            } => {
                let (outcome, error) = match outcome {
                    Outcome::Done(()) => ("done", None),
                    Outcome::Failed(e) => ("failed", Some(e.to_string())),
                    Outcome::Skipped { .. } => ("skipped", None),
                    Outcome::Cancelled => ("cancelled", None),
                };
                let mut v = step(s);
                if let Some(map) = v.as_object_mut() {
                    if let Some(error) = error {
                        map.insert("error".into(), json!(error));
                    }
                    map.insert("event".into(), json!("finished"));
                    map.insert("client".into(), json!(client));
                    map.insert("outcome".into(), json!(outcome));
                }
                v
            }
            Event::Output {
                client,
                step: s,
                line,
            } => {
                json!({ "event": "output", "client": client, "subject": s.kind.subject(), "line": line })
            }
            Event::Settled { client } => json!({ "event": "settled", "client": client }),
        };
        let _ = writeln!(std::io::stderr().lock(), "{value}");
    }
}
