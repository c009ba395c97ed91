//! Errors at the Engine edge. Engine failures keep their status code; names are in backticks.
//!
//! These errors are read as one line each (a failure per step, a problem per client), so a
//! bollard cause is told in plain words inside the message and kept beside it as `error`, not as
//! a `#[source]`: a renderer that walks the source chain would print it a second time.

use super::translate::TranslateError;

/// Connecting to an Engine or reading its state failed.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Error {
    #[error("invalid Docker address `{address}`: {reason}")]
    Address { address: String, reason: String },
    #[error("cannot connect to the Docker Engine at {address}: {reason}")]
    Unreachable {
        address: String,
        /// The cause in plain words (`connection refused`, `no such file or directory`).
        reason: String,
        error: bollard::errors::Error,
    },
    /// An `ssh://` Engine: ssh gave no connection, or the remote `docker` no Engine.
    #[error("cannot connect to the Docker Engine at {address}: {error}")]
    Ssh {
        address: String,
        error: super::ssh::SshError,
    },
    #[error("the Docker Engine at {address} did not answer within {seconds} s")]
    NoAnswer { address: String, seconds: u64 },
    #[error("the Docker Engine at {address} speaks API {}.{}; dmap needs API 1.41 (Docker 20.10) or newer", .version.0, .version.1)]
    TooOld {
        address: String,
        version: (usize, usize),
    },
    #[error("can't read the Engine's state ({what}): {}", message(.error))]
    Observe {
        what: String,
        error: bollard::errors::Error,
    },
    /// Taking or releasing the lock of a map (`runtime::lock`) failed at the Engine.
    #[error("can't {what} the lock of map `{map}`: {}", message(.error))]
    Lock {
        map: String,
        /// `take` or `release`.
        what: &'static str,
        error: bollard::errors::Error,
    },
    /// A volume with the name of a lock of dmap is something else.
    #[error("volume `{name}` exists but is not a lock of dmap for map `{map}`; dmap needs the name for its lock (remove the volume)")]
    LockName { name: String, map: String },
}

/// Why one step of a plan failed, in words a person can act on.
#[derive(Debug, thiserror::Error)]
pub(crate) enum StepError {
    /// The Engine has no such object (404).
    #[error("{what} `{name}` does not exist")]
    NotFound { what: &'static str, name: String },
    /// The Engine refused because of the object's state or name (409).
    #[error("{message}")]
    Conflict { message: String },
    /// Any other refusal, with the Engine's status and message.
    #[error("the Engine refused ({status}): {message}")]
    Engine { status: u16, message: String },
    /// The request could not be sent or answered (connection lost, timeout of the client).
    #[error("the Engine did not answer: {reason}")]
    Connection {
        reason: String,
        error: bollard::errors::Error,
    },
    #[error(transparent)]
    InvalidOption(#[from] TranslateError),
    #[error("{what} within {seconds} s (the client's `wait_timeout`)")]
    Timeout { what: String, seconds: u64 },
    #[error("container `{container}` is unhealthy")]
    Unhealthy { container: String },
    #[error("container `{container}` is not running (exit code {code})")]
    Exited { container: String, code: i64 },
    /// A container something waits for to run to completion ended with another code than 0.
    #[error("container `{container}` exited with code {code}")]
    ExitCode { container: String, code: i64 },
    #[error("host port {port} is already allocated{}", holder_text(.holder))]
    PortAllocated { port: String, holder: Option<String> },
    #[error("it links to container `{target}`, which is not running")]
    LinkTargetNotRunning { target: String },
    #[error("{what} failed with exit code {code}{}", output_text(.output))]
    Command { what: String, code: i64, output: String },
    #[error("pulling `{image}` failed: {message}")]
    Pull { image: String, message: String },
    #[error("pushing `{image}` failed: {message}")]
    Push { image: String, message: String },
    /// A copy of a declared image from another client's Engine (`image_transfer: "copy"`); the
    /// message reads after the step ("failed to copy image `x` from client `y`: ...").
    #[error("{message}")]
    Copy {
        image: String,
        from: String,
        message: String,
    },
    /// A build failed: at a step of its Dockerfile, or before any step ran.
    #[error("{0}")]
    Build(Box<BuildFailure>),
    /// The context could not be written (a source vanished or became unreadable).
    #[error("can't send the context: {0}")]
    Context(crate::context::ContextError),
    /// Ctrl-C ended what was running (a one-off container, which was then removed).
    #[error("{what} was interrupted")]
    Interrupted { what: String },
    #[error("internal error, this may indicate a bug in dmap: {message}")]
    Internal { message: String },
    /// A recreation failed before the old container was removed (`ReplaceContainer`): the new
    /// one was removed, and what had been stopped was started again.
    #[error("{cause}; {previous}")]
    Replacement {
        cause: Box<StepError>,
        previous: Previous,
    },
}

/// What became of the container a failed recreation was to replace.
#[derive(Debug, thiserror::Error)]
pub(crate) enum Previous {
    /// The failure came before anything of it was touched.
    #[error("the previous container was left as it was")]
    Untouched,
    #[error("the previous container was restored")]
    Restored,
    #[error("the previous container was not restored: {what} failed: {error}")]
    NotRestored { what: String, error: Box<StepError> },
}

/// Where and how a build failed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BuildFailure {
    /// `Step N/M`, when the failure came at a step.
    pub step: Option<(usize, usize)>,
    /// The Dockerfile instruction of that step, as the Engine echoed it.
    pub instruction: Option<String>,
    /// Where the recipe wrote that instruction (the line, and the template calls that led there).
    pub trace: Option<crate::dockerfile::Trace>,
    /// The exit code of a `RUN` that failed.
    pub code: Option<i64>,
    /// The Engine's message.
    pub message: String,
    /// The last lines the step printed.
    pub output: Vec<String>,
}

impl std::fmt::Display for BuildFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match (&self.step, &self.instruction) {
            (Some((n, m)), Some(instruction)) => write!(f, "step {n}/{m} `{instruction}`")?,
            (Some((n, m)), None) => write!(f, "step {n}/{m}")?,
            _ => write!(f, "the build")?,
        }
        if let Some(trace) = &self.trace {
            write!(f, " (written at {trace})")?;
        }
        match self.code {
            Some(code) => write!(f, " failed with exit code {code}")?,
            None => write!(f, " failed: {}", self.message)?,
        }
        for line in &self.output {
            write!(f, "\n    | {line}")?;
        }
        Ok(())
    }
}

fn holder_text(holder: &Option<String>) -> String {
    match holder {
        Some(h) => format!(" (held by {h})"),
        None => " (by a process outside Docker, or a container of another Engine client)".into(),
    }
}

fn output_text(output: &str) -> String {
    if output.trim().is_empty() {
        String::new()
    } else {
        format!(": {}", output.trim())
    }
}

impl StepError {
    /// The Engine's error by status code: 404 and 409 are told apart, the rest keeps its status;
    /// a few messages the Engine only gives as text are put in plain words.
    pub(crate) fn engine(e: bollard::errors::Error) -> StepError {
        match &e {
            bollard::errors::Error::DockerResponseServerError { status_code, message } => {
                let message = message.trim().to_string();
                if let Some(port) = allocated_port(&message) {
                    return StepError::PortAllocated { port, holder: None };
                }
                if let Some(target) = stopped_link_target(&message) {
                    return StepError::LinkTargetNotRunning { target };
                }
                match status_code {
                    409 => StepError::Conflict { message },
                    status => StepError::Engine {
                        status: *status,
                        message,
                    },
                }
            }
            _ => StepError::Connection {
                reason: message(&e),
                error: e,
            },
        }
    }

    /// 404 as "this object does not exist", everything else as [`StepError::engine`].
    pub(crate) fn on<'a>(
        what: &'static str,
        name: &'a str,
    ) -> impl FnOnce(bollard::errors::Error) -> StepError + 'a {
        move |e| {
            if status(&e) == Some(404) {
                StepError::NotFound {
                    what,
                    name: name.to_string(),
                }
            } else {
                StepError::engine(e)
            }
        }
    }
}

/// `... Bind for 0.0.0.0:8080 failed: port is already allocated` → `0.0.0.0:8080`.
fn allocated_port(message: &str) -> Option<String> {
    if !message.contains("port is already allocated") && !message.contains("address already in use") {
        return None;
    }
    if let Some(start) = message.find("Bind for ") {
        let rest = &message[start + "Bind for ".len()..];
        return rest.split_whitespace().next().map(str::to_string);
    }
    // `listen tcp4 0.0.0.0:8080: bind: address already in use`
    let rest = &message[message.find("listen tcp")?..];
    rest.split_whitespace()
        .nth(2)
        .map(|a| a.trim_end_matches(':').to_string())
}

/// `Cannot link to a non running container: /m.db AS /m.web/db` → `m.db`.
fn stopped_link_target(message: &str) -> Option<String> {
    let rest = message.split("Cannot link to a non running container: ").nth(1)?;
    let target = rest.split(" AS ").next()?.trim().trim_start_matches('/');
    Some(target.to_string())
}

/// The Engine's status code, when it answered with one.
pub(crate) fn status(e: &bollard::errors::Error) -> Option<u16> {
    match e {
        bollard::errors::Error::DockerResponseServerError { status_code, .. } => Some(*status_code),
        _ => None,
    }
}

/// The Engine's own message; for transport failures, the innermost cause in plain words
/// (`connection refused`), not the HTTP client's wording.
pub(crate) fn message(e: &bollard::errors::Error) -> String {
    match e {
        bollard::errors::Error::DockerResponseServerError { message, status_code } => {
            summarised(*status_code, message)
        }
        other => innermost(other),
    }
}

/// The longest answer repeated as it is; beyond it, the start and a count.
const LONGEST: usize = 300;

/// An answer in words: the Engine's message as it is; an HTML page (something that is not an
/// Engine answered) by its title; anything long cut short.
fn summarised(status: u16, message: &str) -> String {
    let text = message.trim();
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("<!doctype html") || lower.starts_with("<html") || lower.contains("<body") {
        let between = |open: &str, close: &str| {
            let start = lower.find(open)? + open.len();
            let start = start + lower[start..].find('>')? + 1;
            let end = start + lower[start..].find(close)?;
            Some(text[start..end].trim().to_string()).filter(|t| !t.is_empty())
        };
        let title = between("<title", "</title>").or_else(|| between("<h1", "</h1>"));
        return match title {
            Some(t) => format!("HTTP {status} with an HTML page titled `{t}` (is this a Docker Engine?)"),
            None => format!("HTTP {status} with an HTML page (is this a Docker Engine?)"),
        };
    }
    if text.chars().count() > LONGEST {
        let start: String = text.chars().take(LONGEST).collect();
        return format!("{start}… ({} characters)", text.chars().count());
    }
    text.to_string()
}

fn innermost(e: &(dyn std::error::Error + 'static)) -> String {
    let mut last: &(dyn std::error::Error + 'static) = e;
    while let Some(next) = last.source() {
        last = next;
    }
    if let Some(io) = last.downcast_ref::<std::io::Error>() {
        return match io.kind() {
            std::io::ErrorKind::ConnectionRefused => "connection refused".into(),
            std::io::ErrorKind::NotFound => "no such file or directory".into(),
            std::io::ErrorKind::PermissionDenied => "permission denied".into(),
            std::io::ErrorKind::TimedOut => "timed out".into(),
            std::io::ErrorKind::ConnectionReset => "connection reset".into(),
            _ => lowercase(&io.to_string()),
        };
    }
    let text = last.to_string();
    // `Connection refused (os error 111)` and the like.
    lowercase(text.split(" (os error").next().unwrap_or(&text))
}

fn lowercase(s: &str) -> String {
    let mut chars = s.chars();
    match chars.next() {
        Some(c) => c.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_that_are_not_an_engines_are_summarised() {
        let page = format!(
            "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>{}</body></html>",
            "x".repeat(5000)
        );
        let cases = [
            (
                server(404, &page),
                "HTTP 404 with an HTML page titled `404 Not Found` (is this a Docker Engine?)".to_string(),
            ),
            (
                server(502, "<html><body><h1>Bad Gateway</h1></body></html>"),
                "HTTP 502 with an HTML page titled `Bad Gateway` (is this a Docker Engine?)".to_string(),
            ),
            (
                server(500, "<html><body>oops</body></html>"),
                "HTTP 500 with an HTML page (is this a Docker Engine?)".to_string(),
            ),
            (
                server(409, " Conflict. The container name is already in use \n"),
                "Conflict. The container name is already in use".to_string(),
            ),
            (
                server(500, &"y".repeat(400)),
                format!("{}… (400 characters)", "y".repeat(300)),
            ),
        ];
        for (error, text) in cases {
            assert_eq!(message(&error), text);
        }
    }

    fn server(status_code: u16, message: &str) -> bollard::errors::Error {
        bollard::errors::Error::DockerResponseServerError {
            status_code,
            message: message.into(),
        }
    }

    #[test]
    fn engine_messages_in_plain_words() {
        let e = StepError::engine(server(
            500,
            "driver failed programming external connectivity on endpoint t.web (abc): Bind for 0.0.0.0:18080 failed: port is already allocated",
        ));
        assert!(
            matches!(&e, StepError::PortAllocated { port, .. } if port == "0.0.0.0:18080"),
            "{e:?}"
        );
        let e = StepError::engine(server(
            500,
            "driver failed programming external connectivity on endpoint t.web (abc): Error starting userland proxy: listen tcp4 0.0.0.0:18081: bind: address already in use",
        ));
        assert!(
            matches!(&e, StepError::PortAllocated { port, .. } if port == "0.0.0.0:18081"),
            "{e:?}"
        );
        let e = StepError::engine(server(
            500,
            "Cannot link to a non running container: /t.db AS /t.web/db",
        ));
        assert_eq!(
            e.to_string(),
            "it links to container `t.db`, which is not running"
        );
        let e = StepError::engine(server(409, "You cannot remove a running container abc."));
        assert!(matches!(e, StepError::Conflict { .. }));
        let e = StepError::on("container", "t.web")(server(404, "No such container: t.web"));
        assert_eq!(e.to_string(), "container `t.web` does not exist");
    }
}
