//! Container output (`dmap logs`): every container's stream at once, split into lines, each
//! handed on with the container it came from.

use bollard::container::LogOutput;
use bollard::query_parameters::LogsOptions;
use futures_util::stream::{select_all, StreamExt};

use super::driver::Driver;
use super::error::{status, StepError};

/// Which lines.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct LogFilter {
    /// Keep following new output.
    pub follow: bool,
    /// The last N lines of each container.
    pub tail: Option<u64>,
    /// Only lines since this time (seconds since the epoch).
    pub since: Option<i64>,
}

/// One container to follow: its label in the output, the Engine that runs it, its name there.
pub(crate) struct LogSource<'a> {
    pub label: String,
    pub driver: &'a Driver,
    pub container: String,
    /// `container` is a Swarm service: the output of all its tasks.
    pub service: bool,
}

/// Streams the output of `sources` at once; `on_line(label, is_stderr, line)` hears each line
/// (a last line without a newline too). A container that does not exist is skipped.
pub(crate) async fn logs(
    sources: &[LogSource<'_>],
    filter: &LogFilter,
    on_line: &mut dyn FnMut(&str, bool, &str),
) -> Result<(), StepError> {
    let options = LogsOptions {
        follow: filter.follow,
        stdout: true,
        stderr: true,
        since: filter.since.map_or(0, |s| i32::try_from(s).unwrap_or(i32::MAX)),
        until: 0,
        timestamps: false,
        tail: filter.tail.map_or_else(|| "all".to_string(), |n| n.to_string()),
    };
    let streams = sources.iter().enumerate().map(|(i, s)| {
        let docker = &s.driver.docker;
        if s.service {
            docker
                .service_logs(&s.container, Some(options.clone()))
                .map(move |item| (i, item))
                .boxed()
        } else {
            docker
                .logs(&s.container, Some(options.clone()))
                .map(move |item| (i, item))
                .boxed()
        }
    });
    let mut all = select_all(streams);
    let mut partial: Vec<(String, String)> = vec![(String::new(), String::new()); sources.len()];
    while let Some((i, item)) = all.next().await {
        let (label, buffers) = match (sources.get(i), partial.get_mut(i)) {
            (Some(s), Some(b)) => (s.label.as_str(), b),
            _ => continue,
        };
        let (is_err, bytes) = match item {
            Ok(LogOutput::StdErr { message }) => (true, message),
            Ok(LogOutput::StdOut { message } | LogOutput::Console { message }) => (false, message),
            Ok(LogOutput::StdIn { .. }) => continue,
            Err(e) if status(&e) == Some(404) => continue,
            Err(e) => return Err(StepError::engine(e)),
        };
        let buffer = if is_err { &mut buffers.1 } else { &mut buffers.0 };
        buffer.push_str(&String::from_utf8_lossy(&bytes));
        while let Some(n) = buffer.find('\n') {
            let line: String = buffer.drain(..=n).collect();
            on_line(label, is_err, line.trim_end_matches(['\n', '\r']));
        }
    }
    for (source, (out, err)) in sources.iter().zip(partial) {
        for (is_err, rest) in [(false, out), (true, err)] {
            if !rest.is_empty() {
                on_line(&source.label, is_err, &rest);
            }
        }
    }
    Ok(())
}
