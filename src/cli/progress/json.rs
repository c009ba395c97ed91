//! `--progress json`: one JSON object per event on stderr, for programs that watch dmap.
//!
//! Shapes (stable): `{"event":"planned","client":C,"steps":[{"action","subject","reason"}]}`,
//! `{"event":"note","client":C,"text":T}`, `{"event":"started","client":C,"action","subject"}`,
//! `{"event":"finished","client":C,"action","subject","reason","outcome":"done"|"failed"|"skipped"|"cancelled"}`
//! (and `"error":TEXT` when it failed),
//! `{"event":"output","client":C,"subject":S,"line":L}`, `{"event":"settled","client":C}`,
//! `{"event":"lock_waiting","client":C,"map":M,"pid","host","action","since"}` (another dmap acts
//! on the map: this one waits), `{"event":"lock_taken_over",...,"why":W}` (a stale lock taken over),
//! and last, when the command fails, `{"event":"error","message":M,"text":T}`.
//! Recipe `print` output goes to stdout.

use std::io::Write as _;

use serde_json::{json, Value};

use crate::session::{Event, LockHolder, Reporter};
use crate::session::{Outcome, Step};

pub(crate) struct Json;

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
                let mut v = json!({ "event": "finished", "client": client });
                if let (Some(map), Value::Object(fields)) = (v.as_object_mut(), step(s)) {
                    map.extend(fields);
                    map.insert("outcome".into(), json!(outcome));
                    if let Some(error) = error {
                        map.insert("error".into(), json!(error));
                    }
                }
                v
            }
            Event::Output {
                client,
                step: s,
                line,
                heading,
            } => {
                let mut v =
                    json!({ "event": "output", "client": client, "subject": s.kind.subject(), "line": line });
                if let (Some(heading), Some(map)) = (heading, v.as_object_mut()) {
                    map.insert("heading".into(), json!(heading));
                }
                v
            }
            Event::Settled { client } => json!({ "event": "settled", "client": client }),
            Event::LockWaiting { client, map, holder } => {
                let mut v = json!({ "event": "lock_waiting", "client": client, "map": map });
                holder_fields(&mut v, holder);
                v
            }
            Event::LockTakenOver {
                client,
                map,
                holder,
                why,
            } => {
                let mut v = json!({ "event": "lock_taken_over", "client": client, "map": map });
                holder_fields(&mut v, holder);
                if let Some(fields) = v.as_object_mut() {
                    fields.insert("why".into(), json!(why.to_string()));
                }
                v
            }
        };
        let _ = writeln!(std::io::stderr().lock(), "{value}");
    }
}

/// The lock holder's `pid`, `host`, `action` and `since` (the Engine's time) on an event.
fn holder_fields(v: &mut Value, holder: &LockHolder) {
    if let Some(fields) = v.as_object_mut() {
        fields.insert("pid".into(), json!(holder.pid));
        fields.insert("host".into(), json!(holder.host));
        fields.insert("action".into(), json!(holder.action));
        fields.insert("since".into(), json!(holder.since));
    }
}

/// The error a command ends with, as the last event: `{"event":"error","message":M,"text":T}`
/// (`message` its first line, `text` all of it as the plain renderer shows it).
pub(crate) fn error_line(text: &str) -> String {
    let message = text.lines().next().unwrap_or("").trim_start_matches("error: ");
    json!({ "event": "error", "message": message, "text": text }).to_string()
}
