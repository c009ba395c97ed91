//! The live view on a terminal (stderr a tty), like Compose's: a header `converging 12/20`, one
//! line per container, volume, network or build being worked on with a spinner, what it is doing
//! and a timer, capped at the terminal's height (`… N more`), redrawn about ten times a second
//! by a thread of its own. Finished lines are written once above the view and stay. The
//! recipe's `print` output and notes go above the view too, so nothing tears it.

use std::io::Write as _;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{lock_taken_over, lock_waiting, on};
use crate::cli::output::{debug_line, line_to_stdout};
use crate::script::Output;
use crate::session::{Event, Purpose, Reporter};
use crate::session::{Outcome, Step, StepKind};

const SPINNER: [char; 10] = ['⠋', '⠙', '⠹', '⠸', '⠼', '⠴', '⠦', '⠧', '⠇', '⠏'];
const TICK: Duration = Duration::from_millis(100);

pub(crate) struct Live {
    view: Arc<Mutex<View>>,
    running: Arc<AtomicBool>,
    ticker: Mutex<Option<JoinHandle<()>>>,
}

struct View {
    verbose: bool,
    color: bool,
    rows: Vec<Row>,
    total: usize,
    finished: usize,
    /// Lines of the view now on the screen (erased before anything else is written).
    drawn: usize,
    frame: usize,
}

struct Row {
    client: String,
    subject: String,
    doing: String,
    since: Instant,
    /// Steps of this subject not finished yet.
    pending: usize,
}

impl Live {
    pub(crate) fn new(verbose: bool, color: bool) -> Live {
        Live {
            view: Arc::new(Mutex::new(View {
                verbose,
                color,
                rows: Vec::new(),
                total: 0,
                finished: 0,
                drawn: 0,
                frame: 0,
            })),
            running: Arc::new(AtomicBool::new(false)),
            ticker: Mutex::new(None),
        }
    }

    fn view(&self) -> MutexGuard<'_, View> {
        self.view
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Starts the redraw thread (once per action).
    fn start(&self) {
        if self.running.swap(true, Ordering::SeqCst) {
            return;
        }
        let (view, running) = (self.view.clone(), self.running.clone());
        let handle = std::thread::Builder::new()
            .name("dmap-progress".into())
            .spawn(move || {
                while running.load(Ordering::SeqCst) {
                    std::thread::sleep(TICK);
                    if let Ok(mut v) = view.lock() {
                        if running.load(Ordering::SeqCst) {
                            v.frame += 1;
                            v.redraw();
                        }
                    }
                }
            })
            .ok();
        if let Ok(mut t) = self.ticker.lock() {
            *t = handle;
        }
    }

    fn stop(&self) {
        self.running.store(false, Ordering::SeqCst);
        let handle = self.ticker.lock().ok().and_then(|mut t| t.take());
        if let Some(h) = handle {
            let _ = h.join();
        }
    }
}

impl Drop for Live {
    fn drop(&mut self) {
        self.stop();
    }
}

/// What a step is doing while it runs, and what it did.
fn words(kind: &StepKind) -> (&'static str, &'static str) {
    match kind {
        StepKind::PullImage { .. } => ("Pulling", "Pulled"),
        StepKind::PushImage { .. } => ("Pushing", "Pushed"),
        StepKind::BuildImage { .. } => ("Building", "Built"),
        StepKind::CopyImage { .. } => ("Copying", "Copied"),
        StepKind::CreateNetwork { .. } | StepKind::CreateVolume { .. } | StepKind::CreateContainer { .. } => {
            ("Creating", "Created")
        }
        StepKind::RemoveNetwork { .. }
        | StepKind::RemoveDuplicateNetwork { .. }
        | StepKind::RemoveVolume { .. }
        | StepKind::RemoveContainer { .. }
        | StepKind::RemoveLeftover { .. } => ("Removing", "Removed"),
        StepKind::ReplaceContainer { .. } => ("Recreating", "Recreated"),
        StepKind::RenameContainer { .. } => ("Renaming", "Renamed"),
        StepKind::PrepareVolume { .. } => ("Preparing", "Prepared"),
        StepKind::RecordAdoption { .. } => ("Adopting", "Adopted"),
        StepKind::ConnectNetwork { .. } => ("Connecting", "Connected"),
        StepKind::DisconnectNetwork { .. } => ("Disconnecting", "Disconnected"),
        StepKind::StartContainer { .. } => ("Starting", "Started"),
        StepKind::UnpauseContainer { .. } => ("Unpausing", "Unpaused"),
        StepKind::WaitHealthy { .. } => ("Waiting to be healthy", "Healthy"),
        StepKind::WaitCompleted { .. } => ("Waiting to complete", "Completed"),
        StepKind::ExecCommands { .. } => ("Running exec commands", "Ran exec commands"),
        StepKind::UpdateContainer { .. } => ("Updating", "Updated"),
        StepKind::StopContainer { .. } => ("Stopping", "Stopped"),
        StepKind::KillContainer { .. } => ("Signalling", "Signalled"),
        StepKind::CreateSwarmNetwork { .. } | StepKind::CreateService { .. } => ("Creating", "Created"),
        StepKind::UpdateService { .. } => ("Updating", "Updated"),
        StepKind::ScaleService { .. } => ("Scaling", "Scaled"),
        StepKind::RemoveService { .. } => ("Removing", "Removed"),
        StepKind::WaitService { .. } => ("Waiting for its tasks", "Running"),
    }
}

impl View {
    fn paint(&self, text: &str, code: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    /// Erases the view from the screen (the cursor ends where it began).
    fn erase(&mut self, err: &mut impl std::io::Write) {
        if self.drawn > 0 {
            let _ = write!(err, "\r\x1b[{}A\x1b[J", self.drawn);
            self.drawn = 0;
        }
    }

    /// The view's lines for a terminal of `height` rows: the header, a line per row in flight,
    /// `… N more` for those that do not fit (room is left for the prompt line). Lines are cut
    /// at `width` when written.
    fn frame(&self, height: usize) -> Vec<String> {
        let mut lines = vec![format!(
            "{} {}/{}",
            self.paint("converging", "1"),
            self.finished,
            self.total
        )];
        let room = height.saturating_sub(2).max(1);
        let spinner = SPINNER[self.frame % SPINNER.len()];
        let shown = self
            .rows
            .len()
            .min(if self.rows.len() > room { room - 1 } else { room });
        let name_width = self
            .rows
            .iter()
            .map(|r| r.subject.chars().count() + on(&r.client).len())
            .max()
            .unwrap_or(0);
        for r in &self.rows[..shown] {
            let name = format!("{}{}", on(&r.client), r.subject);
            lines.push(format!(
                " {} {name:<name_width$}  {}  {:.1}s",
                self.paint(&spinner.to_string(), "36"),
                r.doing,
                r.since.elapsed().as_secs_f64()
            ));
        }
        if self.rows.len() > shown {
            lines.push(format!(" … {} more", self.rows.len() - shown));
        }
        lines
    }

    fn redraw(&mut self) {
        let mut err = std::io::stderr().lock();
        self.erase(&mut err);
        if self.total == 0 {
            let _ = err.flush();
            return;
        }
        let (width, height) = size();
        let lines = self.frame(height);
        for line in &lines {
            let _ = writeln!(err, "{}", truncate(line, width));
        }
        self.drawn = lines.len();
        let _ = err.flush();
    }

    /// Writes a line above the view, for good.
    fn above(&mut self, line: &str) {
        let mut err = std::io::stderr().lock();
        self.erase(&mut err);
        let _ = writeln!(err, "{line}");
        drop(err);
        self.redraw();
    }

    fn row(&mut self, client: &str, subject: &str) -> Option<&mut Row> {
        self.rows
            .iter_mut()
            .find(|r| r.client == client && r.subject == subject)
    }
}

/// The terminal's size (columns, rows) from stderr, 80×24 when it can't be read.
fn size() -> (usize, usize) {
    match rustix::termios::tcgetwinsize(std::io::stderr()) {
        Ok(w) if w.ws_col > 0 && w.ws_row > 0 => (usize::from(w.ws_col), usize::from(w.ws_row)),
        _ => (80, 24),
    }
}

/// At most `width` columns (counted as chars; the colour codes are only on the spinner, which
/// comes first).
fn truncate(line: &str, width: usize) -> String {
    let visible = line.chars().filter(|c| !c.is_control()).count();
    if visible <= width || width < 2 {
        return line.to_string();
    }
    let mut out = String::new();
    let mut seen = 0;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            out.push(c);
            for d in chars.by_ref() {
                out.push(d);
                if d == 'm' {
                    break;
                }
            }
            continue;
        }
        if seen + 1 >= width {
            out.push('…');
            break;
        }
        out.push(c);
        seen += 1;
    }
    out
}

fn finished_line(
    v: &View,
    client: &str,
    step: &Step,
    outcome: &crate::session::StepOutcome,
    since: Option<Instant>,
) -> String {
    let (_, done) = words(&step.kind);
    let elapsed = since
        .map(|s| format!("  {:.1}s", s.elapsed().as_secs_f64()))
        .unwrap_or_default();
    let name = format!("{}{}", on(client), step.kind.subject());
    match outcome {
        Outcome::Done(()) => format!(" {} {name}  {done}{elapsed}", v.paint("✔", "32")),
        Outcome::Failed(_) => format!(
            " {} {name}  failed to {}{elapsed}",
            v.paint("✘", "31"),
            step.kind.name()
        ),
        Outcome::Cancelled => format!(
            " {} {name}  cancelled ({}){elapsed}",
            v.paint("-", "33"),
            step.kind.name()
        ),
        Outcome::Skipped { .. } => format!(" {} {name}  skipped ({})", v.paint("-", "33"), step.kind.name()),
    }
}

impl Reporter for Live {
    fn event(&self, event: &Event<'_>) {
        match event {
            Event::Planned {
                client,
                plan,
                purpose,
            } => match purpose {
                Purpose::Apply if !plan.steps.is_empty() => {
                    let mut v = self.view();
                    v.total += plan.steps.len();
                    drop(v);
                    self.start();
                }
                Purpose::Apply => self.view().above(&format!("  {}up to date", on(client))),
                Purpose::DryRun => {
                    let mut v = self.view();
                    for step in &plan.steps {
                        v.above(&format!("{}would {step}", on(client)));
                    }
                }
                Purpose::Plan => {}
            },
            Event::Note { client, text } => self.view().above(&format!("{}note: {text}", on(client))),
            Event::LockWaiting { client, map, holder } => {
                self.view()
                    .above(&format!("  {}{}", on(client), lock_waiting(map, holder)))
            }
            Event::LockTakenOver {
                client,
                map,
                holder,
                why,
            } => self.view().above(&format!(
                "{}note: {}",
                on(client),
                lock_taken_over(map, holder, why)
            )),
            Event::StepStarted { client, step } => {
                let mut v = self.view();
                let subject = step.kind.subject().to_string();
                let (doing, _) = words(&step.kind);
                if let Some(row) = v.row(client, &subject) {
                    row.doing = doing.to_string();
                    row.pending += 1;
                } else {
                    v.rows.push(Row {
                        client: client.to_string(),
                        subject,
                        doing: doing.to_string(),
                        since: Instant::now(),
                        pending: 1,
                    });
                }
                v.redraw();
            }
            Event::StepFinished {
                client,
                step,
                outcome,
            } => {
                let mut v = self.view();
                v.finished += 1;
                let subject = step.kind.subject();
                let since = v.row(client, subject).map(|r| r.since);
                let done = match v.row(client, subject) {
                    Some(row) => {
                        row.pending = row.pending.saturating_sub(1);
                        row.pending == 0 || !matches!(outcome, Outcome::Done(()))
                    }
                    None => true,
                };
                if matches!(outcome, Outcome::Skipped { .. }) && since.is_none() {
                    v.redraw();
                    return;
                }
                if done {
                    v.rows.retain(|r| !(r.client == *client && r.subject == subject));
                    let line = finished_line(&v, client, step, outcome, since);
                    v.above(&line);
                } else {
                    v.redraw();
                }
            }
            Event::Output {
                client,
                step,
                line,
                heading,
            } => {
                let mut v = self.view();
                if v.verbose {
                    v.above(&format!("  {}{} | {line}", on(client), step.kind.subject()));
                } else if let Some(heading) = heading {
                    let text = match step.kind {
                        StepKind::CopyImage { .. } => heading.to_string(),
                        _ => format!("Building {heading}"),
                    };
                    if let Some(row) = v.row(client, step.kind.subject()) {
                        row.doing = text;
                    }
                    v.redraw();
                }
            }
            Event::Settled { .. } => {
                self.stop();
                let mut v = self.view();
                let mut err = std::io::stderr().lock();
                v.erase(&mut err);
                let _ = err.flush();
                drop(err);
                v.rows.clear();
                v.total = 0;
                v.finished = 0;
            }
            Event::Recorded { .. } => {}
        }
    }
}

impl Live {
    /// A line on stdout, the view erased first and drawn again after, so nothing tears it.
    fn above_the_view(&self, text: &str) {
        let mut v = self.view();
        let mut err = std::io::stderr().lock();
        v.erase(&mut err);
        let _ = err.flush();
        drop(err);
        line_to_stdout(text);
        if self.running.load(Ordering::SeqCst) {
            v.redraw();
        }
    }
}

/// The recipe's output goes where it would without a view (stdout, see `cli::output::Stdout`),
/// above the view.
impl Output for Live {
    fn print(&self, text: &str) {
        self.above_the_view(text);
    }

    fn debug(&self, text: &str, source: Option<&str>, position: rhai::Position) {
        self.above_the_view(&debug_line(text, source, position));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_view_is_capped_at_the_terminal_height() {
        let mut view = View {
            verbose: false,
            color: false,
            rows: Vec::new(),
            total: 40,
            finished: 10,
            drawn: 0,
            frame: 0,
        };
        for i in 0..30 {
            view.rows.push(Row {
                client: "default".into(),
                subject: format!("m.c{i}"),
                doing: "Starting".into(),
                since: Instant::now(),
                pending: 1,
            });
        }
        let lines = view.frame(10);
        assert_eq!(lines.len(), 9, "{lines:#?}");
        assert_eq!(lines[0], "converging 10/40");
        assert!(lines[1].starts_with(" ⠋ m.c0   Starting  0.0s"), "{lines:#?}");
        assert_eq!(lines[8], " … 23 more");
        // All fit: no `more` line.
        view.rows.truncate(3);
        let lines = view.frame(10);
        assert_eq!(lines.len(), 4);
        assert!(lines.iter().all(|l| !l.contains("more")));
    }

    #[test]
    fn long_lines_are_cut_at_the_width() {
        assert_eq!(truncate("abcdef", 10), "abcdef");
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("\x1b[36m⠋\x1b[0m abcdef", 5), "\x1b[36m⠋\x1b[0m ab…");
    }
}
