//! The session's verbs that stream instead of converging: `logs` and `exec`. The targets are
//! resolved like an action's, with the maps checked in full first.

use super::images::Digests;
use super::{Error, Prepared, Request, Session};
use crate::runtime::exec::{exec, ExecRequest};
use crate::runtime::logs::{logs, LogFilter, LogSource};

/// Where `logs` sends what it reads.
pub(crate) trait LogSink {
    /// The labels of every container followed, before any line.
    fn labels(&mut self, labels: &[String]);
    /// One line of a container's output.
    fn line(&mut self, label: &str, is_stderr: bool, line: &str);
}

impl Session {
    /// The output of the request's targets (no dependencies added), each line labelled with the
    /// container's Engine name (and `[CLIENT]` on a client other than `default`).
    pub(crate) fn logs(
        &self,
        request: &Request<'_>,
        filter: &LogFilter,
        sink: &mut dyn LogSink,
    ) -> Result<(), Error> {
        let prepared = Prepared::new(request, self.builders.get())?;
        let parts = self.desired(&prepared, request.clients)?;
        // Every client connected to at once, as an action does.
        let drivers = self.block_on(futures_util::future::join_all(
            parts.iter().map(|p| self.connect(p.client, p.config)),
        ))?;
        let drivers = drivers.into_iter().collect::<Result<Vec<_>, Error>>()?;
        let sources: Vec<LogSource<'_>> = parts
            .iter()
            .zip(&drivers)
            .flat_map(|(part, driver)| {
                // What a target is followed as is its client kind's: a container, or a service
                // (the output of all its tasks).
                let kind = part.desired.kind();
                let client = part.client;
                part.targets.iter().map(move |name| {
                    let (object, service) = kind.followed(name);
                    LogSource {
                        label: if client == crate::model::name::DEFAULT_CLIENT {
                            object.clone()
                        } else {
                            format!("[{client}] {object}")
                        },
                        driver,
                        container: object,
                        service,
                    }
                })
            })
            .collect();
        let labels: Vec<String> = sources.iter().map(|s| s.label.clone()).collect();
        sink.labels(&labels);
        let on_line = &mut |label: &str, is_err: bool, line: &str| sink.line(label, is_err, line);
        // Ctrl-C ends following: what was printed stays, and that is a success.
        let cancel = self.canceller();
        self.block_on(async {
            tokio::select! {
                result = logs(&sources, filter, on_line) => result,
                () = cancel.cancelled() => Ok(()),
            }
        })?
        .map_err(|error| Error::Stream { error })
    }

    /// Runs a command in the one container the request's target names (on the first client
    /// that runs it); returns the command's exit code.
    pub(crate) fn exec(
        &self,
        request: &Request<'_>,
        exec_request: &ExecRequest,
        output: &mut dyn FnMut(bool, &[u8]),
    ) -> Result<i64, Error> {
        let prepared = Prepared::new(request, self.builders.get())?;
        let target = request.targets.join(", ");
        if prepared.wanted.len() != 1 {
            let names: Vec<String> = prepared.wanted.iter().map(|n| format!("`{n}`")).collect();
            return Err(Error::Usage {
                message: format!(
                    "`{target}` is {} containers ({}): exec runs in one, name it (`CONFIG.INSTANCE`)",
                    names.len(),
                    names.join(", ")
                ),
            });
        }
        let mut digests = Digests::default();
        for (client, config) in request.clients {
            if let Some((driver, desired, targets)) = self.client(&prepared, client, config, &mut digests)? {
                let Some(container) = targets.first() else {
                    continue;
                };
                if let Some(message) = desired.kind().exec_refusal(client, container) {
                    return Err(Error::Usage { message });
                }
                let mut r = exec_request.clone();
                r.container = container.clone();
                return self
                    .block_on(exec(&driver, &r, output))?
                    .map_err(|error| Error::Stream { error });
            }
        }
        Err(Error::Usage {
            message: format!("`{target}` runs on none of the clients"),
        })
    }
}
