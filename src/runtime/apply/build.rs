//! Builds: the context tar is written on a thread of its own and streamed to the Engine while it
//! is written (so a big tree never sits in memory), plain on a local socket and gzipped over TCP;
//! the classic builder with `forcerm`, so a failed build leaves no containers behind. The
//! Engine's output arrives line by line; a failure is named by its Dockerfile step.
//!
//! Dropping the build (Ctrl-C ends the process, a lost connection ends the request) closes the
//! connection, and the Engine cancels the build and removes its intermediate containers.

use std::collections::HashMap;
use std::io::{self, Write};

use bollard::models::BuildInfoAux;
use bollard::query_parameters::{BuildImageOptions, BuilderVersion, TagImageOptions};
use bytes::Bytes;
use futures_util::StreamExt;
use tokio::sync::{mpsc, oneshot};

use crate::context::ContextError;
use crate::model::builder::Builder;
use crate::runtime::driver::Driver;
use crate::runtime::error::{message, BuildFailure, StepError};
use crate::runtime::labels;
use crate::runtime::spec::DesiredBuild;

/// How much of the tar travels at once.
const CHUNK: usize = 256 * 1024;
/// The lines of a failed step's output kept for its error.
const TAIL: usize = 20;

/// A line a build printed; `heading`, when it starts a step: what the step is (`Step 3/5`,
/// `[stage 2/3] RUN make`), for a view that shows only where the build is.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Line<'a> {
    pub text: &'a str,
    pub heading: Option<&'a str>,
}

/// Builds `build` with its builder and tags it; `output` hears every line the Engine prints.
/// Without a chosen builder, BuildKit, or the classic builder where the Engine refuses BuildKit.
pub(super) async fn build(
    driver: &Driver,
    build: &DesiredBuild,
    output: &dyn Fn(Line<'_>),
) -> Result<(), StepError> {
    if !build.context.settings.secrets.is_empty() {
        super::secrets::build(driver, build, output).await?;
    } else {
        match build.builder {
            Some(builder) => send(driver, build, builder, output).await?,
            None => match send(driver, build, Builder::BuildKit, output).await {
                Err(e) if buildkit_refused(&e) => send(driver, build, Builder::Classic, output).await?,
                other => other?,
            },
        }
    }
    for tag in &build.extra_tags {
        let (repo, version) = crate::model::image::split_tag(tag);
        let options = TagImageOptions {
            repo: Some(repo.to_string()),
            tag: Some(version.unwrap_or("latest").to_string()),
        };
        driver
            .docker
            .tag_image(&build.reference, Some(options))
            .await
            .map_err(StepError::engine)?;
    }
    Ok(())
}

/// An Engine without BuildKit says so when asked for it (`buildkit not supported by daemon`,
/// `buildkit is not enabled on daemon`), before it reads the context.
fn buildkit_refused(e: &StepError) -> bool {
    let StepError::Build(failure) = e else {
        return false;
    };
    let m = failure.message.to_ascii_lowercase();
    failure.step.is_none()
        && m.contains("buildkit")
        && (m.contains("not supported") || m.contains("not enabled"))
}

/// One build request: the context streamed as it is written, the output read as it comes.
async fn send(
    driver: &Driver,
    build: &DesiredBuild,
    builder: Builder,
    output: &dyn Fn(Line<'_>),
) -> Result<(), StepError> {
    let (tx, mut rx) = mpsc::channel::<io::Result<Bytes>>(4);
    let (done_tx, done_rx) = oneshot::channel::<Result<(), ContextError>>();
    let context = build.context.clone();
    let gzip = driver.remote;
    std::thread::Builder::new()
        .name("dmap-context".into())
        .spawn(move || {
            let result = write_context(&context, Chunks::new(tx.clone()), gzip);
            // The Engine that stops reading has said why, in its answer.
            let result = if tx.is_closed() { Ok(()) } else { result };
            if let Err(e) = &result {
                // Aborts the request: the Engine must not build a truncated context.
                let _ = tx.blocking_send(Err(io::Error::other(e.to_string())));
            }
            let _ = done_tx.send(result);
        })
        .map_err(|e| StepError::Internal {
            message: format!("can't start a thread to write the context: {e}"),
        })?;
    let body = bollard::body_try_stream(futures_util::stream::poll_fn(move |cx| rx.poll_recv(cx)));
    let settings = &build.context.settings;
    // The builder turns each label into a step of its own, in the map's (random) order: the
    // context's digest, and those a Compose file's `build` gives.
    let mut image_labels: HashMap<String, String> = settings
        .labels
        .iter()
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect();
    image_labels.insert(labels::CONTEXT.to_string(), build.digest.clone());
    let buildkit = builder == Builder::BuildKit;
    let options = BuildImageOptions {
        dockerfile: "Dockerfile".into(),
        t: Some(build.reference.clone()),
        rm: true,
        forcerm: true,
        labels: Some(image_labels),
        buildargs: (!settings.args.is_empty()).then(|| {
            settings
                .args
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect()
        }),
        target: settings.target.clone().unwrap_or_default(),
        version: if buildkit {
            BuilderVersion::BuilderBuildKit
        } else {
            BuilderVersion::BuilderV1
        },
        // BuildKit asks the session for registry credentials; bollard requires one.
        session: buildkit.then(|| bollard::grpc::BuildRef::random().into()),
        ..Default::default()
    };
    let mut classic = Progress::default();
    let mut trace = super::buildkit::Progress::default();
    let mut stream = driver.docker.build_image(options, None, Some(body));
    let mut failure: Option<String> = None;
    while let Some(item) = stream.next().await {
        match item {
            Ok(info) => {
                if let Some(BuildInfoAux::BuildKit(status)) = &info.aux {
                    trace.feed(status, output);
                }
                // The Engine's last word on a build: the image is tagged. BuildKit's session
                // stays open after it (bollard's stream ends with both); nothing more is needed.
                let tagged = format!("Successfully tagged {}", build.reference);
                let done = info.stream.as_deref().is_some_and(|t| t.trim_end() == tagged);
                for text in [info.stream, info.status].into_iter().flatten() {
                    classic.feed(&text, output);
                }
                if done && buildkit {
                    break;
                }
            }
            Err(bollard::errors::Error::DockerStreamError { error }) => {
                failure = Some(error);
                break;
            }
            Err(e) => {
                failure = Some(message(&e));
                break;
            }
        }
    }
    drop(stream);
    classic.flush(output);
    trace.flush(output);
    // A context that could not be written is the cause, whatever the Engine made of it.
    if let Ok(Err(e)) = done_rx.await {
        return Err(StepError::Context(e));
    }
    match failure {
        Some(message) if buildkit => Err(trace.failure(build, message)),
        Some(message) => Err(classic.failure(build, message)),
        None => Ok(()),
    }
}

fn write_context(context: &crate::context::Context, out: Chunks, gzip: bool) -> Result<(), ContextError> {
    let failed = |e: io::Error| ContextError::Io {
        path: "the context".into(),
        message: e.to_string(),
    };
    let mut out = if gzip {
        let encoder = flate2::write::GzEncoder::new(out, flate2::Compression::fast());
        context.write(encoder)?.finish().map_err(failed)?
    } else {
        context.write(out)?
    };
    out.flush().map_err(failed)
}

/// A writer sending chunks to the request body.
struct Chunks {
    tx: mpsc::Sender<io::Result<Bytes>>,
    buf: Vec<u8>,
}

impl Chunks {
    fn new(tx: mpsc::Sender<io::Result<Bytes>>) -> Chunks {
        Chunks {
            tx,
            buf: Vec::with_capacity(CHUNK),
        }
    }

    fn send(&mut self) -> io::Result<()> {
        if self.buf.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(&mut self.buf, Vec::with_capacity(CHUNK)));
        self.tx.blocking_send(Ok(chunk)).map_err(|_| {
            io::Error::new(
                io::ErrorKind::BrokenPipe,
                "the Engine stopped reading the context",
            )
        })
    }
}

impl Write for Chunks {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            self.send()?;
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.send()
    }
}

/// The Engine's output, split into lines, with the step it is at and that step's last lines.
#[derive(Default)]
struct Progress {
    partial: String,
    step: Option<(usize, usize)>,
    instruction: Option<String>,
    tail: Vec<String>,
}

impl Progress {
    fn feed(&mut self, text: &str, output: &dyn Fn(Line<'_>)) {
        self.partial.push_str(text);
        while let Some(i) = self.partial.find('\n') {
            let line: String = self.partial.drain(..=i).collect();
            self.line(&plain(line.trim_end_matches(['\n', '\r'])), output);
        }
    }

    fn flush(&mut self, output: &dyn Fn(Line<'_>)) {
        if !self.partial.is_empty() {
            let line = std::mem::take(&mut self.partial);
            self.line(&plain(&line), output);
        }
    }

    fn line(&mut self, line: &str, output: &dyn Fn(Line<'_>)) {
        let step = step_line(line);
        output(Line {
            text: line,
            heading: step.as_ref().map(|_| line.split(" : ").next().unwrap_or(line)),
        });
        if let Some((step, instruction)) = step {
            self.step = Some(step);
            self.instruction = Some(instruction);
            self.tail.clear();
            return;
        }
        // The builder's own bookkeeping is not the step's output.
        let trimmed = line.trim_start();
        let bookkeeping = [
            "---> ",
            "Removing intermediate container ",
            "Successfully built ",
            "Successfully tagged ",
        ];
        if trimmed == "--->" || line.trim().is_empty() || bookkeeping.iter().any(|b| trimmed.starts_with(b)) {
            return;
        }
        if self.tail.len() == TAIL {
            self.tail.remove(0);
        }
        self.tail.push(line.to_string());
    }

    fn failure(self, build: &DesiredBuild, message: String) -> StepError {
        let trace = self
            .step
            .and_then(|(n, _)| build.context.rendered.instructions.get(n.wrapping_sub(1)))
            .map(|i| i.trace.clone());
        StepError::Build(Box::new(BuildFailure {
            step: self.step,
            instruction: self.instruction,
            trace,
            code: exit_code(&message),
            message,
            output: self.tail,
        }))
    }
}

/// The line without terminal escapes (the builder colours what a step wrote to stderr).
pub(super) fn plain(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            // CSI: `ESC [` parameters, then one final byte in `@`..=`~`.
            if chars.clone().next() == Some('[') {
                chars.next();
                for c in chars.by_ref() {
                    if ('@'..='~').contains(&c) {
                        break;
                    }
                }
            }
            continue;
        }
        out.push(c);
    }
    out
}

/// `Step 3/5 : RUN make` → ((3, 5), `RUN make`).
fn step_line(line: &str) -> Option<((usize, usize), String)> {
    let rest = line.strip_prefix("Step ")?;
    let (numbers, instruction) = rest.split_once(" : ")?;
    let (n, m) = numbers.split_once('/')?;
    Some(((n.parse().ok()?, m.parse().ok()?), instruction.to_string()))
}

/// `The command '/bin/sh -c exit 3' returned a non-zero code: 3` → 3.
fn exit_code(message: &str) -> Option<i64> {
    message
        .rsplit_once("returned a non-zero code: ")
        .and_then(|(_, code)| code.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn steps_and_exit_codes_are_read_from_the_classic_builders_output() {
        assert_eq!(
            step_line("Step 3/5 : RUN make all"),
            Some(((3, 5), "RUN make all".into()))
        );
        assert_eq!(
            step_line("Step 12/12 : LABEL a=b"),
            Some(((12, 12), "LABEL a=b".into()))
        );
        assert_eq!(step_line("Stepping in"), None);
        assert_eq!(
            exit_code("The command '/bin/sh -c exit 3' returned a non-zero code: 3"),
            Some(3)
        );
        assert_eq!(exit_code("COPY failed: file not found"), None);
        assert_eq!(plain("\u{1b}[91mreally\u{1b}[0m"), "really");
        assert_eq!(plain("no escapes"), "no escapes");
    }

    #[test]
    fn an_engine_that_refuses_buildkit_is_told_from_a_failed_build() {
        let failed = |message: &str, step: Option<(usize, usize)>| {
            StepError::Build(Box::new(BuildFailure {
                step,
                instruction: None,
                trace: None,
                code: None,
                message: message.into(),
                output: Vec::new(),
            }))
        };
        for (message, step, refused) in [
            ("buildkit not supported by daemon", None, true),
            ("buildkit is not enabled on daemon", None, true),
            (
                "Error response from daemon: BuildKit is not supported on Windows",
                None,
                true,
            ),
            (
                "failed to solve: executor failed running: exit code: 1",
                None,
                false,
            ),
            // a step that printed it is not the Engine refusing
            ("buildkit not supported by daemon", Some((2, 3)), false),
        ] {
            assert_eq!(buildkit_refused(&failed(message, step)), refused, "{message}");
        }
        assert!(!buildkit_refused(&StepError::Internal {
            message: "buildkit not supported".into()
        }));
    }

    #[test]
    fn the_tail_is_the_failing_steps_own_output() {
        let mut p = Progress::default();
        let seen = std::cell::RefCell::new(Vec::new());
        let out = |l: Line<'_>| seen.borrow_mut().push(l.text.to_string());
        p.feed("Step 1/3 : FROM scratch\n ---> \nStep 2/3 : RUN ", &out);
        p.feed("echo hi\n ---> Running in abc\nhi\n", &out);
        p.feed("Step 3/3 : RUN exit 3\n ---> Running in def\nno", &out);
        p.feed("pe\nbad\n", &out);
        assert_eq!(p.step, Some((3, 3)));
        assert_eq!(p.instruction.as_deref(), Some("RUN exit 3"));
        assert_eq!(p.tail, ["nope", "bad"]);
        assert_eq!(seen.borrow().len(), 9);
        for i in 0..30 {
            p.feed(&format!("line {i}\n"), &out);
        }
        assert_eq!(p.tail.len(), TAIL);
        assert_eq!(p.tail.last().map(String::as_str), Some("line 29"));
    }
}
