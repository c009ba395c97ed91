//! BuildKit's progress, as the Engine's build endpoint sends it (`moby.buildkit.trace`: the
//! vertices of the build graph, their start, completion, cache hits, errors and logs), turned
//! into the lines `docker build --progress=plain` prints: `#N [stage i/n] INSTRUCTION` when a
//! step starts (a heading: the live view shows it), `#N LINE` for what it prints, `#N CACHED`,
//! `#N DONE 1.2s`, `#N ERROR: ...`. A failure is named by the Dockerfile instruction of the
//! failed vertex, and traced to the recipe line that wrote it.

use std::collections::HashMap;

use bollard::moby::buildkit::v1::StatusResponse;

use super::build::Line;
use crate::dockerfile::logical;
use crate::runtime::error::{BuildFailure, StepError};
use crate::runtime::spec::DesiredBuild;

/// The lines of a failed step's output kept for its error.
const TAIL: usize = 20;

#[derive(Default)]
pub(super) struct Progress {
    /// Vertex digest → its number (`#N`), in the order they were first seen.
    numbers: HashMap<String, usize>,
    announced: HashMap<String, String>,
    finished: std::collections::HashSet<String>,
    /// What each vertex printed that does not end a line yet.
    partial: HashMap<String, String>,
    /// Each vertex's last lines.
    tails: HashMap<String, Vec<String>>,
    /// The first vertex that failed, and its name.
    failed: Option<(String, String)>,
}

impl Progress {
    pub(super) fn feed(&mut self, status: &StatusResponse, output: &dyn Fn(Line<'_>)) {
        for v in &status.vertexes {
            let n = self.number(&v.digest);
            if !self.announced.contains_key(&v.digest) && (v.started.is_some() || v.cached) {
                self.announced.insert(v.digest.clone(), v.name.clone());
                let text = format!("#{n} {}", v.name);
                let step = v.name.starts_with('[') && !v.name.starts_with("[internal]");
                output(Line {
                    text: &text,
                    heading: step.then_some(v.name.as_str()),
                });
            }
            if self.finished.contains(&v.digest) {
                continue;
            }
            let text = if v.cached {
                format!("#{n} CACHED")
            } else if !v.error.is_empty() {
                if self.failed.is_none() {
                    self.failed = Some((v.digest.clone(), v.name.clone()));
                }
                format!("#{n} ERROR: {}", v.error)
            } else if let Some(completed) = &v.completed {
                let seconds = v.started.as_ref().map_or(0.0, |s| {
                    (completed.seconds - s.seconds) as f64 + f64::from(completed.nanos - s.nanos) / 1e9
                });
                format!("#{n} DONE {:.1}s", seconds.max(0.0))
            } else {
                continue;
            };
            self.flush_vertex(&v.digest, output);
            self.finished.insert(v.digest.clone());
            output(Line {
                text: &text,
                heading: None,
            });
        }
        for log in &status.logs {
            let n = self.number(&log.vertex);
            let partial = self.partial.entry(log.vertex.clone()).or_default();
            partial.push_str(&String::from_utf8_lossy(&log.msg));
            let mut lines = Vec::new();
            while let Some(i) = partial.find('\n') {
                let line: String = partial.drain(..=i).collect();
                lines.push(line.trim_end_matches(['\n', '\r']).to_string());
            }
            for line in lines {
                self.log_line(&log.vertex, n, &line, output);
            }
        }
    }

    fn number(&mut self, digest: &str) -> usize {
        let next = self.numbers.len() + 1;
        *self.numbers.entry(digest.to_string()).or_insert(next)
    }

    fn log_line(&mut self, vertex: &str, n: usize, line: &str, output: &dyn Fn(Line<'_>)) {
        let line = super::build::plain(line);
        output(Line {
            text: &format!("#{n} {line}"),
            heading: None,
        });
        let tail = self.tails.entry(vertex.to_string()).or_default();
        if tail.len() == TAIL {
            tail.remove(0);
        }
        tail.push(line);
    }

    fn flush_vertex(&mut self, vertex: &str, output: &dyn Fn(Line<'_>)) {
        if let Some(rest) = self.partial.remove(vertex).filter(|r| !r.is_empty()) {
            let n = self.number(vertex);
            self.log_line(vertex, n, &rest, output);
        }
    }

    pub(super) fn flush(&mut self, output: &dyn Fn(Line<'_>)) {
        let open: Vec<String> = self.partial.keys().cloned().collect();
        for vertex in open {
            self.flush_vertex(&vertex, output);
        }
    }

    pub(super) fn failure(mut self, build: &DesiredBuild, message: String) -> StepError {
        let (vertex, name) = self.failed.take().unzip();
        let located = name.as_deref().and_then(|n| locate(&build.context.dockerfile, n));
        let trace = located
            .and_then(|(n, _)| build.context.rendered.instructions.get(n - 1))
            .map(|i| i.trace.clone());
        let instruction = name
            .as_deref()
            .and_then(|n| n.split_once("] "))
            .map(|(_, instruction)| instruction.to_string());
        let output = vertex.and_then(|v| self.tails.remove(&v)).unwrap_or_default();
        StepError::Build(Box::new(BuildFailure {
            step: located,
            instruction,
            trace,
            code: exit_code(&message),
            message,
            output,
        }))
    }
}

/// The instruction a vertex named `[STAGE i/n] INSTRUCTION` (`[i/n] ...` in a build of one
/// stage) builds, as (its number among the Dockerfile's instructions, their count): the one of
/// that stage whose text it is, else the stage's i-th step.
pub(super) fn locate(dockerfile: &str, vertex: &str) -> Option<(usize, usize)> {
    let (prefix, instruction) = vertex.strip_prefix('[')?.split_once("] ")?;
    let (stage, position) = match prefix.rsplit_once(' ') {
        Some((stage, position)) => (Some(stage), position),
        None => (None, prefix),
    };
    let i: usize = position.split_once('/')?.0.parse().ok()?;
    let all = logical::instructions(dockerfile);
    let froms: Vec<usize> = all
        .iter()
        .enumerate()
        .filter(|(_, l)| keyword(&l.text).eq_ignore_ascii_case("FROM"))
        .map(|(k, _)| k)
        .collect();
    let stage_index = match stage {
        None => froms.len().checked_sub(1)?,
        Some(name) => froms
            .iter()
            .position(|&k| stage_name(&all[k].text).is_some_and(|s| s.eq_ignore_ascii_case(name)))
            .or_else(|| name.strip_prefix("stage-").and_then(|k| k.parse().ok()))?,
    };
    let start = *froms.get(stage_index)?;
    let end = froms.get(stage_index + 1).copied().unwrap_or(all.len());
    let wanted = words(instruction);
    // BuildKit numbers a stage's steps: its `FROM` of an image (not `scratch`, not an earlier
    // stage), then each `RUN`, `COPY`, `ADD` and `WORKDIR`; the rest make no step.
    let base = all[start].text.split_whitespace().nth(1).unwrap_or("scratch");
    let of_image = base != "scratch"
        && !froms[..stage_index]
            .iter()
            .any(|&k| stage_name(&all[k].text).is_some_and(|s| s.eq_ignore_ascii_case(base)));
    let steps: Vec<usize> = of_image
        .then_some(start)
        .into_iter()
        .chain((start + 1..end).filter(|&k| {
            ["RUN", "COPY", "ADD", "WORKDIR"]
                .iter()
                .any(|w| keyword(&all[k].text).eq_ignore_ascii_case(w))
        }))
        .collect();
    let index = (start..end)
        .find(|&k| words(&all[k].text) == wanted)
        .or_else(|| steps.get(i.checked_sub(1)?).copied())?;
    Some((index + 1, all.len()))
}

fn keyword(text: &str) -> &str {
    text.split_whitespace().next().unwrap_or("")
}

/// `FROM base AS name` → `name`.
fn stage_name(from: &str) -> Option<&str> {
    let words: Vec<&str> = from.split_whitespace().collect();
    match words.as_slice() {
        [.., as_, name] if as_.eq_ignore_ascii_case("AS") => Some(name),
        _ => None,
    }
}

/// An instruction's words, its keyword in capitals.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .enumerate()
        .map(|(k, w)| {
            if k == 0 {
                w.to_ascii_uppercase()
            } else {
                w.to_string()
            }
        })
        .collect()
}

/// `... exit code: 3` (BuildKit's `RUN` failures) → 3.
fn exit_code(message: &str) -> Option<i64> {
    message
        .rsplit_once("exit code: ")
        .and_then(|(_, code)| code.trim().parse().ok())
}

#[cfg(test)]
mod tests {
    use super::*;
    use bollard::moby::buildkit::v1::{Vertex, VertexLog};

    const MULTI: &str = "FROM scratch AS a\nCOPY busybox /bin/busybox\nRUN [\"sh\", \"-c\", \"exit 3\"]\nFROM scratch\nENV X=1\nCOPY --from=a /a /a\nrun  echo  hi\n";

    #[test]
    fn vertices_are_located_in_the_dockerfile() {
        type Case = (&'static str, &'static str, Option<(usize, usize)>);
        let cases: [Case; 10] = [
            (MULTI, "[a 2/2] RUN [\"sh\", \"-c\", \"exit 3\"]", Some((3, 7))),
            (MULTI, "[a 1/2] COPY busybox /bin/busybox", Some((2, 7))),
            (MULTI, "[stage-1 1/2] COPY --from=a /a /a", Some((6, 7))),
            (MULTI, "[stage-1 2/2] RUN echo hi", Some((7, 7))),
            // BuildKit shows the command with its variables expanded: the position decides.
            (
                "FROM scratch\nENV A=b\nWORKDIR /w\nLABEL l=m\nRUN echo $A\n",
                "[2/2] RUN echo b",
                Some((5, 5)),
            ),
            (
                "FROM base\nENV A=b\nRUN echo $A\n",
                "[2/2] RUN echo b",
                Some((3, 3)),
            ),
            (
                "FROM base\nRUN x\n",
                "[1/2] FROM docker.io/library/base",
                Some((1, 2)),
            ),
            // A stage built on an earlier one has no step for its `FROM`.
            (
                "FROM scratch AS a\nRUN a\nFROM a AS b\nENV A=b\nRUN echo $A\n",
                "[b 1/1] RUN echo b",
                Some((5, 5)),
            ),
            (MULTI, "[internal] load build context", None),
            (MULTI, "copy /context /", None),
        ];
        for (dockerfile, vertex, expected) in cases {
            assert_eq!(locate(dockerfile, vertex), expected, "{vertex}");
        }
    }

    fn vertex(digest: &str, name: &str, started: bool, done: bool, error: &str) -> Vertex {
        let mut v = Vertex {
            digest: digest.into(),
            name: name.into(),
            error: error.into(),
            ..Vertex::default()
        };
        // Timestamps through the vertex's own field type (bollard does not name its crate).
        if started || done {
            let mut t = v.started.take().unwrap_or_default();
            t.seconds = 10;
            v.started = started.then_some(t);
            t.seconds = 12;
            t.nanos = 500_000_000;
            v.completed = done.then_some(t);
        }
        v
    }

    fn log(digest: &str, msg: &str) -> VertexLog {
        VertexLog {
            vertex: digest.into(),
            msg: msg.as_bytes().to_vec(),
            ..VertexLog::default()
        }
    }

    #[test]
    fn progress_reads_as_docker_builds_plain_progress() {
        let seen = std::cell::RefCell::new(Vec::new());
        let out = |l: Line<'_>| {
            seen.borrow_mut().push(format!(
                "{}{}",
                if l.heading.is_some() { "> " } else { "" },
                l.text
            ))
        };
        let mut p = Progress::default();
        let run = "[a 2/2] RUN [\"sh\", \"-c\", \"exit 3\"]";
        let copy = "[a 1/2] COPY busybox /bin/busybox";
        p.feed(
            &StatusResponse {
                vertexes: vec![
                    vertex("d0", "[internal] load remote build context", true, true, ""),
                    vertex("d1", copy, false, false, ""),
                ],
                ..StatusResponse::default()
            },
            &out,
        );
        let mut cached = vertex("d1", copy, false, false, "");
        cached.cached = true;
        p.feed(
            &StatusResponse {
                vertexes: vec![cached, vertex("d2", run, true, false, "")],
                logs: vec![log("d2", "one\ntw"), log("d2", "o\n\u{1b}[31mthree")],
                ..StatusResponse::default()
            },
            &out,
        );
        p.feed(
            &StatusResponse {
                vertexes: vec![vertex("d2", run, true, true, "exit code: 3")],
                ..StatusResponse::default()
            },
            &out,
        );
        assert_eq!(
            *seen.borrow(),
            [
                "#1 [internal] load remote build context",
                "#1 DONE 2.5s",
                "> #2 [a 1/2] COPY busybox /bin/busybox",
                "#2 CACHED",
                "> #3 [a 2/2] RUN [\"sh\", \"-c\", \"exit 3\"]",
                "#3 one",
                "#3 two",
                "#3 three",
                "#3 ERROR: exit code: 3",
            ]
        );
        let build = DesiredBuild {
            name: "app".into(),
            reference: "app:latest".into(),
            extra_tags: vec![],
            context: std::sync::Arc::new(crate::context::Context::of_directory(
                std::path::Path::new("/nowhere"),
                MULTI.into(),
                Default::default(),
                Default::default(),
            )),
            digest: String::new(),
            builder: None,
        };
        let StepError::Build(failure) = p.failure(
            &build,
            "process did not complete successfully: exit code: 3".into(),
        ) else {
            panic!("not a build failure");
        };
        assert_eq!(failure.step, Some((3, 7)));
        assert_eq!(
            failure.instruction.as_deref(),
            Some("RUN [\"sh\", \"-c\", \"exit 3\"]")
        );
        assert_eq!(failure.code, Some(3));
        assert_eq!(failure.output, ["one", "two", "three"]);
    }
}
