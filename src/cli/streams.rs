//! `dmap logs` and `dmap exec`: the targets' output, and a command in one of them.

use std::collections::HashMap;
use std::io::{IsTerminal as _, Write as _};

use super::args::{Recipe, RunAs};
use super::converge::each_group;
use super::error::Error;
use super::load::groups;
use super::session;
use super::ui::Ui;
use crate::session::streams::LogSink;
use crate::session::{Action, ExecRequest, LogFilter, Mode, Options};

/// Colours for the container labels, as Compose cycles them.
const PALETTE: [&str; 6] = ["36", "33", "32", "35", "34", "31"];

pub(super) fn logs(
    recipe: &Recipe,
    targets: &[String],
    follow: bool,
    tail: Option<u64>,
    since: Option<&str>,
    ui: &Ui,
) -> Result<(), Error> {
    let since = since
        .map(|s| {
            since_epoch(s, now()).ok_or_else(|| Error::Usage {
                message: format!(
                    "`--since {s}`: give a duration (`30s`, `10m`, `2h`, `1d`, `1h30m`, or seconds), a time (`2026-12-01T10:00:00Z`, `2026-12-01T11:00:00+01:00`), a date (`2026-12-01`) or `@` and seconds since the epoch"
                ),
            })
        })
        .transpose()?;
    let filter = LogFilter { follow, tail, since };
    let groups = groups(recipe)?;
    let session = session(Mode::Apply);
    let mut sink = Printer {
        out: std::io::stdout().lock(),
        color: ui.color_stdout(),
        colours: HashMap::new(),
        width: 0,
        failed: None,
    };
    each_group(
        &groups,
        targets,
        &Action::Update,
        |_| Options::default(),
        true,
        |r| session.logs(r, &filter, &mut sink),
    )?;
    match sink.failed {
        // A closed pipe (`| head`) ends the output; that is not an error.
        Some(e) if e.kind() != std::io::ErrorKind::BrokenPipe => Err(Error::Output(e)),
        _ => Ok(()),
    }
}

/// Lines as `LABEL | LINE`, the labels padded to one width and coloured on a terminal.
struct Printer<W: std::io::Write> {
    out: W,
    color: bool,
    colours: HashMap<String, &'static str>,
    width: usize,
    failed: Option<std::io::Error>,
}

impl<W: std::io::Write> LogSink for Printer<W> {
    fn labels(&mut self, labels: &[String]) {
        for label in labels {
            let next = self.colours.len() % PALETTE.len();
            self.colours.entry(label.clone()).or_insert(PALETTE[next]);
            self.width = self.width.max(label.chars().count());
        }
    }

    fn line(&mut self, label: &str, _is_stderr: bool, line: &str) {
        if self.failed.is_some() {
            return;
        }
        let width = self.width;
        let colour = self.colours.get(label).copied().unwrap_or(PALETTE[0]);
        let written = if self.color {
            writeln!(self.out, "\x1b[{colour}m{label:<width$} |\x1b[0m {line}")
        } else {
            writeln!(self.out, "{label:<width$} | {line}")
        };
        if let Err(e) = written.and_then(|()| self.out.flush()) {
            self.failed = Some(e);
        }
    }
}

/// `dmap exec`'s flags.
pub(super) struct ExecFlags {
    pub command: Vec<String>,
    pub run_as: RunAs,
    pub no_tty: bool,
}

/// Runs the command; returns its exit code, which becomes dmap's.
pub(super) fn exec(recipe: &Recipe, target: &str, flags: ExecFlags) -> Result<i32, Error> {
    check_env(&flags.run_as.env)?;
    let groups = groups(recipe)?;
    let tty = !flags.no_tty && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let request = ExecRequest {
        container: String::new(),
        command: flags.command,
        user: flags.run_as.user,
        workdir: flags.run_as.workdir,
        env: flags.run_as.env,
        tty,
        stdin: true,
        size: if tty { terminal_size() } else { None },
    };
    let session = session(Mode::Apply);
    let raw = if tty { RawMode::enter() } else { None };
    let given = [target.to_string()];
    let codes = each_group(
        &groups,
        &given,
        &Action::Update,
        |_| Options::default(),
        true,
        |r| session.exec(r, &request, &mut pass_through),
    );
    drop(raw);
    // The copy of stdin may still be blocked in a read the runtime can't interrupt: the process
    // ends now, without waiting for it.
    session.abandon();
    let codes = codes?;
    let code = codes.first().copied().unwrap_or(0);
    Ok(i32::try_from(code).unwrap_or(1))
}

/// What an attached command writes, passed on to dmap's stdout or stderr as it comes (a closed
/// pipe drops the rest).
pub(super) fn pass_through(is_stderr: bool, bytes: &[u8]) {
    let _ = if is_stderr {
        let mut err = std::io::stderr();
        err.write_all(bytes).and_then(|()| err.flush())
    } else {
        let mut out = std::io::stdout();
        out.write_all(bytes).and_then(|()| out.flush())
    };
}

/// `-e NAME=VALUE`, each.
pub(super) fn check_env(env: &[String]) -> Result<(), Error> {
    match env.iter().find(|e| !e.contains('=') || e.starts_with('=')) {
        Some(e) => Err(Error::Usage {
            message: format!("`-e {e}`: give `NAME=VALUE`"),
        }),
        None => Ok(()),
    }
}

/// The terminal's size (columns, rows).
pub(super) fn terminal_size() -> Option<(u16, u16)> {
    let size = rustix::termios::tcgetwinsize(std::io::stdout()).ok()?;
    (size.ws_col > 0 && size.ws_row > 0).then_some((size.ws_col, size.ws_row))
}

/// The local terminal in raw mode while a command's terminal is attached; restored on drop.
pub(super) struct RawMode(rustix::termios::Termios);

impl RawMode {
    pub(super) fn enter() -> Option<RawMode> {
        let stdin = std::io::stdin();
        let saved = rustix::termios::tcgetattr(&stdin).ok()?;
        let mut raw = saved.clone();
        raw.make_raw();
        rustix::termios::tcsetattr(&stdin, rustix::termios::OptionalActions::Now, &raw).ok()?;
        Some(RawMode(saved))
    }
}

impl Drop for RawMode {
    fn drop(&mut self) {
        let _ = rustix::termios::tcsetattr(std::io::stdin(), rustix::termios::OptionalActions::Now, &self.0);
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `--since`: a duration back from `now` (`30s`, `10m`, `2h`, `1d`, `1h30m`, plain seconds), a
/// time (`2026-12-01T10:00:00Z`, a date alone is its midnight UTC) or seconds since the epoch
/// (`@1764580000`), as seconds since the epoch.
pub(crate) fn since_epoch(text: &str, now: i64) -> Option<i64> {
    let text = text.trim();
    if let Some(epoch) = text.strip_prefix('@') {
        return epoch.parse().ok();
    }
    if text.contains('-') {
        return time_since_epoch(text);
    }
    let mut total: i64 = 0;
    let mut number = String::new();
    for ch in text.chars() {
        if ch.is_ascii_digit() {
            number.push(ch);
            continue;
        }
        let unit = match ch {
            's' => 1,
            'm' => 60,
            'h' => 3600,
            'd' => 86_400,
            _ => return None,
        };
        let n: i64 = number.parse().ok()?;
        total = total.checked_add(n.checked_mul(unit)?)?;
        number.clear();
    }
    if !number.is_empty() {
        total = total.checked_add(number.parse().ok()?)?;
    } else if text.is_empty() {
        return None;
    }
    now.checked_sub(total)
}

/// `2026-12-01`, `2026-12-01T10:00:00Z`, `2026-12-01T10:00:00.5+02:00`: seconds since the
/// epoch; impossible dates and times are none.
fn time_since_epoch(text: &str) -> Option<i64> {
    let (date, time) = text.split_once('T').unwrap_or((text, "00:00:00Z"));
    let mut parts = date.split('-');
    let (y, mo, d) = (parts.next()?, parts.next()?, parts.next()?);
    if parts.next().is_some() || y.len() != 4 || mo.len() != 2 || d.len() != 2 {
        return None;
    }
    let (month, day): (u32, u32) = (mo.parse().ok()?, d.parse().ok()?);
    if !(1..=12).contains(&month) || !(1..=31).contains(&day) {
        return None;
    }
    // The offset: `Z`, `+HH:MM` or `-HH:MM` (none: UTC).
    let (clock, offset) = if let Some(c) = time.strip_suffix('Z').or_else(|| time.strip_suffix('z')) {
        (c, 0)
    } else if let Some(i) = time.rfind(['+', '-']) {
        let (h, m) = time[i + 1..].split_once(':').unwrap_or((&time[i + 1..], "0"));
        let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
        if h > 23 || m > 59 {
            return None;
        }
        let sign = if time[i..].starts_with('-') { -1 } else { 1 };
        (&time[..i], sign * (h * 3600 + m * 60))
    } else {
        (time, 0)
    };
    let mut hms = clock.split(':');
    let (h, m) = (hms.next()?, hms.next()?);
    let s = hms.next().unwrap_or("0");
    let whole = s.split('.').next().unwrap_or(s);
    let (h, m, sec): (u32, u32, u32) = (h.parse().ok()?, m.parse().ok()?, whole.parse().ok()?);
    if h > 23 || m > 59 || sec > 60 {
        return None;
    }
    let utc = crate::session::timestamp(&format!("{date}T{clock}Z"))?;
    let seconds = i64::try_from(utc / 1_000_000_000).ok()?;
    // Day 31 of a 30-day month rolls over: the date must read back the same.
    let back = crate::session::status::rfc3339(utc);
    if !back.starts_with(date) {
        return None;
    }
    seconds.checked_sub(offset)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn log_lines_are_labelled_at_one_width() {
        let mut p = Printer {
            out: Vec::new(),
            color: false,
            colours: HashMap::new(),
            width: 0,
            failed: None,
        };
        p.labels(&["m.web".into(), "m.worker.a".into()]);
        p.line("m.web", false, "up");
        p.line("m.worker.a", true, "oops");
        assert_eq!(
            String::from_utf8_lossy(&p.out),
            "m.web      | up\nm.worker.a | oops\n"
        );
        p.color = true;
        p.out.clear();
        p.line("m.worker.a", false, "x");
        assert_eq!(String::from_utf8_lossy(&p.out), "\x1b[33mm.worker.a |\x1b[0m x\n");
    }

    #[test]
    fn since_forms() {
        let now = 1_000_000;
        for (text, want) in [
            ("30s", Some(now - 30)),
            ("10m", Some(now - 600)),
            ("2h", Some(now - 7200)),
            ("1d", Some(now - 86_400)),
            ("1h30m", Some(now - 5400)),
            ("45", Some(now - 45)),
            ("@1764580000", Some(1_764_580_000)),
            ("1970-01-02T00:00:00Z", Some(86_400)),
            ("1970-01-02", Some(86_400)),
            ("1970-01-02T02:00:00+02:00", Some(86_400)),
            ("1970-01-01T23:00:00-01:00", Some(86_400)),
            ("1970-01-02T00:00:00.250Z", Some(86_400)),
            ("2026-13-45", None),
            ("2026-02-30", None),
            ("2026-12-01T25:00:00Z", None),
            ("", None),
            ("10x", None),
            ("m", None),
            ("yesterday", None),
        ] {
            assert_eq!(since_epoch(text, now), want, "{text:?}");
        }
    }
}
