//! Renders problems once, in one place: the message, where it came from, a caret under the
//! source, and the chain that led there.

use std::collections::HashMap;
use std::fmt::Write as _;

use crate::model::{Origin, Problem};
use crate::script::error::ActionFailure;
use crate::session::{self, Skipped};

/// Reads each source file once per rendering, split into lines once.
#[derive(Default)]
pub(crate) struct Sources {
    lines: HashMap<String, Vec<String>>,
}

thread_local! {
    /// Texts that are no file: the REPL's inputs, by label.
    static TYPED: std::cell::RefCell<HashMap<String, String>> = std::cell::RefCell::new(HashMap::new());
}

/// Remembers a text that is no file (a REPL input), so that errors in it show its lines.
pub(crate) fn remember(label: &str, text: &str) {
    TYPED.with(|t| t.borrow_mut().insert(label.to_string(), text.to_string()));
}

impl Sources {
    fn line(&mut self, file: &str, line: usize) -> Option<String> {
        let lines = self.lines.entry(file.to_string()).or_insert_with(|| {
            let typed = TYPED.with(|t| t.borrow().get(file).cloned());
            let text = if typed.is_some() {
                typed
            } else if let Some(name) = file.strip_prefix("stdlib:") {
                crate::script::resolver::stdlib_text(name).map(str::to_string)
            } else {
                std::fs::read_to_string(file).ok()
            };
            text.map(|t| t.lines().map(str::to_string).collect())
                .unwrap_or_default()
        });
        lines.get(line.checked_sub(1)?).cloned()
    }
}

/// `error: message` with its origin and snippet.
/// A problem about an environment shows where it is, not its source line: the line may hold
/// the values (secrets), which dmap never prints.
pub(crate) fn render(level: &str, problem: &Problem, sources: &mut Sources) -> String {
    let mut out = format!("{level}: {}\n", problem.message);
    let show_line = !crate::model::options::names_a_secret(&problem.message);
    out.push_str(&location(&problem.origin, sources, show_line));
    out
}

fn location(origin: &Origin, sources: &mut Sources, show_line: bool) -> String {
    let mut out = String::new();
    if !origin.is_known() {
        return out;
    }
    let _ = writeln!(out, "  --> {origin}");
    if let Some(line) = origin.line.filter(|_| show_line) {
        if let Some(text) = sources.line(&origin.file, line) {
            let number = line.to_string();
            let pad = " ".repeat(number.len());
            let caret_at = match origin.column {
                Some(c) => c.saturating_sub(1),
                None => text.len() - text.trim_start().len(),
            };
            // Tabs keep their width under the caret.
            let lead: String = text
                .chars()
                .take(caret_at)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            let _ = writeln!(out, " {pad} |");
            let _ = writeln!(out, " {number} | {text}");
            let _ = writeln!(out, " {pad} | {lead}^");
        }
    }
    out
}

/// Renders a list of problems and the trace (innermost call last) that led to them.
pub(crate) fn render_all(problems: &[Problem], trace: &[Problem]) -> String {
    let mut sources = Sources::default();
    let mut out = String::new();
    for p in problems {
        out.push_str(&render("error", p, &mut sources));
    }
    for t in trace.iter().rev() {
        out.push_str(&render("note", t, &mut sources));
    }
    out
}

/// An action that failed at the Engine: one `error:` line per failure (the step, the object,
/// the Engine's reason in plain words), the recipe line once, and the steps that were skipped
/// because of it summarised in one note.
pub(crate) fn render_failure(failure: &ActionFailure, trace: &[Problem]) -> String {
    let mut sources = Sources::default();
    let mut out = String::new();
    let (lines, skipped): (Vec<String>, &[Skipped]) = match &*failure.error {
        session::Error::Failed {
            failures,
            skipped,
            unreachable,
        } => (
            unreachable
                .iter()
                .map(ToString::to_string)
                .chain(failures.iter().map(ToString::to_string))
                .collect(),
            skipped,
        ),
        session::Error::Refused { client, errors } => (
            errors
                .iter()
                .map(|e| {
                    if client == crate::model::name::DEFAULT_CLIENT {
                        e.to_string()
                    } else {
                        format!("{e} (client `{client}`)")
                    }
                })
                .collect(),
            &[],
        ),
        other => (vec![other.to_string()], &[]),
    };
    for line in &lines {
        let _ = writeln!(out, "error: {line}");
    }
    out.push_str(&location(&failure.origin, &mut sources, true));
    // A failed build step: where the recipe wrote it, and the template calls that led there.
    if let session::Error::Failed { failures, .. } = &*failure.error {
        for f in failures {
            let crate::session::StepError::Build(b) = &f.error else {
                continue;
            };
            let Some(trace) = &b.trace else { continue };
            let step = b
                .step
                .map_or_else(|| "the step".to_string(), |(n, m)| format!("step {n}/{m}"));
            let _ = writeln!(
                out,
                "note: {step} of `{}` was written here",
                f.step.kind.subject()
            );
            out.push_str(&location(&trace.at, &mut sources, true));
            for v in &trace.via {
                let _ = writeln!(out, "note: in the template called here");
                out.push_str(&location(v, &mut sources, true));
            }
        }
    }
    // Skipped steps, one note per failed step they waited for. Steps of the failed step's own
    // object (its start after a failed create) are said apart: it depends on nothing else.
    let mut groups: Vec<(&str, &str, Vec<&str>, usize)> = Vec::new();
    let mut own: Vec<(&str, &str, Vec<&str>)> = Vec::new();
    for s in skipped {
        let subject = s.step.kind.subject();
        if subject == s.because {
            let action = s.step.kind.name();
            match own.iter_mut().find(|(c, b, _)| *c == s.client && *b == s.because) {
                Some((_, _, actions)) if !actions.contains(&action) => actions.push(action),
                Some(_) => {}
                None => own.push((&s.client, &s.because, vec![action])),
            }
            continue;
        }
        match groups
            .iter_mut()
            .find(|(client, because, ..)| *client == s.client && *because == s.because)
        {
            Some((_, _, subjects, count)) => {
                *count += 1;
                if !subjects.contains(&subject) {
                    subjects.push(subject);
                }
            }
            None => groups.push((&s.client, &s.because, vec![subject], 1)),
        }
    }
    let on = |client: &str| {
        if client == crate::model::name::DEFAULT_CLIENT {
            String::new()
        } else {
            format!(" (client `{client}`)")
        }
    };
    for (client, because, actions) in own {
        let actions: Vec<String> = actions.iter().map(|a| format!("`{a}`")).collect();
        let _ = writeln!(
            out,
            "note: `{because}`: {} skipped after its failed step{}",
            actions.join(", "),
            on(client)
        );
    }
    for (client, because, subjects, count) in groups {
        let shown: Vec<String> = subjects.iter().take(5).map(|s| format!("`{s}`")).collect();
        let more = if subjects.len() > 5 { ", ..." } else { "" };
        let _ = writeln!(
            out,
            "note: {count} step{} skipped: {}{more} {} on `{because}`{}",
            if count == 1 { "" } else { "s" },
            shown.join(", "),
            if subjects.len() == 1 { "depends" } else { "depend" },
            on(client)
        );
    }
    for t in trace.iter().rev() {
        out.push_str(&render("note", t, &mut sources));
    }
    out
}

/// An error with its `source` chain as `caused by:` lines.
pub(crate) fn render_chain(error: &dyn std::error::Error) -> String {
    let mut out = format!("error: {error}\n");
    let mut cause = error.source();
    while let Some(c) = cause {
        let _ = writeln!(out, "  caused by: {c}");
        cause = c.source();
    }
    out
}
