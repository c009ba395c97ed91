//! The session's verbs that stream instead of converging: `logs` and `exec`. The targets are
//! resolved like an action's, with the maps checked in full first.

use super::images::Digests;
use super::{Error, Prepared, Request, Session};
use crate::runtime::exec::{exec, ExecRequest};
use crate::runtime::logs::{logs, LogFilter, LogSource};

/// Where `logs` sends what it reads.
pub trait LogSink {
    /// The labels of every container followed, before any line.
    fn labels(&mut self, labels: &[String]);
    /// One line of a container's output.
    fn line(&mut self, label: &str, is_stderr: bool, line: &str);
}

impl Session {
    /// The output of the request's targets (no dependencies added), each line labelled with the
    /// container's Engine name (and `[CLIENT]` on a client other than `default`).
    pub fn logs(
        &self,
        request: &Request<'_>,
        filter: &LogFilter,
        sink: &mut dyn LogSink,
    ) -> Result<(), Error> {
        let prepared = Prepared::new(request)?;
        let mut digests = Digests::default();
        let mut per_client = Vec::new();
        for (client, config) in request.clients {
            if let Some((driver, _, targets)) = self.client(&prepared, client, config, &mut digests)? {
                per_client.push((client.clone(), driver, targets));
            }
        }
        let sources: Vec<LogSource<'_>> = per_client
            .iter()
            .flat_map(|(client, driver, targets)| {
                // On a Swarm client, a target is a service: the output of all its tasks.
                let swarm = driver.config.swarm;
                targets.iter().map(move |name| {
                    let object = if swarm {
                        crate::runtime::swarm::spec::swarm_name(name)
                    } else {
                        name.clone()
                    };
                    LogSource {
                        label: if client == crate::model::name::DEFAULT_CLIENT {
                            object.clone()
                        } else {
                            format!("[{client}] {object}")
                        },
                        driver,
                        container: object,
                        service: swarm,
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
    pub fn exec(
        &self,
        request: &Request<'_>,
        exec_request: &ExecRequest,
        output: &mut dyn FnMut(bool, &[u8]),
    ) -> Result<i64, Error> {
        let prepared = Prepared::new(request)?;
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
            if let Some((driver, _, targets)) = self.client(&prepared, client, config, &mut digests)? {
                let Some(container) = targets.first() else {
                    continue;
                };
                if config.swarm {
                    return Err(Error::Usage {
                        message: format!(
                            "`{container}` runs on Swarm client `{client}` as service `{}`: its tasks are containers on the Swarm's nodes, which exec reaches there (`docker -H NODE exec`)",
                            crate::runtime::swarm::spec::swarm_name(container)
                        ),
                    });
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
