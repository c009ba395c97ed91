//! Dockerfiles written by recipes (docker-map's `DockerFile`): immediate instructions in the
//! order they are written, deferred settings (`VOLUME`, `USER`, `WORKDIR`, `SHELL`,
//! `ENTRYPOINT`, `CMD`, `EXPOSE`, `LABEL`, `STOPSIGNAL`, `HEALTHCHECK`) written at the end, in
//! docker-map's finalize order. Every instruction remembers where the recipe wrote it (through
//! templates too). Pure: files added are only recorded; rendering reads nothing.

pub(crate) mod format;
pub(crate) mod logical;

use std::path::PathBuf;

use crate::model::{Origin, Value};

/// Where something was written: the call, and the template calls that led to it (innermost
/// first), e.g. `stdlib:dmap/users:20:5` via `deploy.rhai:8:1`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Trace {
    pub at: Origin,
    pub via: Vec<Origin>,
}

impl Trace {
    #[cfg(test)]
    pub(crate) fn new(at: Origin) -> Trace {
        Trace { at, via: Vec::new() }
    }
}

impl Trace {
    /// What relative paths given here are relative to: the directory of the innermost file of
    /// the trace that is not the stdlib (a path a recipe hands to `files::add_owned` is the
    /// recipe's).
    pub(crate) fn base_dir(&self) -> PathBuf {
        std::iter::once(&self.at)
            .chain(&self.via)
            .find(|o| !o.file.starts_with("stdlib:"))
            .map_or_else(|| PathBuf::from("."), Origin::base_dir)
    }
}

impl std::fmt::Display for Trace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.at)?;
        for v in &self.via {
            write!(f, ", called from {v}")?;
        }
        Ok(())
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub(crate) enum DockerFileError {
    #[error("can't `{call}`: the DockerFile is finalized (by `{by}` at {at}), nothing can be written to it any more")]
    Finalized { call: String, by: String, at: Origin },
    #[error("`{call}`: {message}")]
    Invalid { call: String, message: String },
}

/// A file or directory `add_file` put into the context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AddedFile {
    /// The source as written.
    pub source: String,
    /// The directory a relative source is relative to (that of the file the call is in).
    pub base_dir: PathBuf,
    /// Where it goes in the context (relative, `/`-separated, no leading `/`).
    pub context_path: String,
    pub trace: Trace,
}

/// A tar archive `add_archive` put into the context (extracted at `/` by the build).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AddedArchive {
    pub source: String,
    pub base_dir: PathBuf,
    /// Its name in the context.
    pub context_path: String,
    pub trace: Trace,
}

#[derive(Clone, Debug, PartialEq)]
struct Chunk {
    text: String,
    trace: Trace,
}

/// The deferred settings, written when the Dockerfile is finalized.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct Deferred {
    pub volumes: Option<Vec<String>>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    pub shell: Option<Value>,
    pub entrypoint: Option<Value>,
    pub command: Option<Value>,
    pub command_shell: bool,
    pub expose: Option<Value>,
    pub labels: Option<Vec<(String, String)>>,
    pub stopsignal: Option<String>,
    pub healthcheck: Option<String>,
}

/// The names of the deferred properties, as recipes set them.
pub(crate) const PROPERTIES: [&str; 11] = [
    "volumes",
    "user",
    "workdir",
    "shell",
    "entrypoint",
    "command",
    "command_shell",
    "expose",
    "labels",
    "stopsignal",
    "healthcheck",
];

/// One Dockerfile instruction of the rendered text, and where it was written.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Instruction {
    /// Its first line.
    pub text: String,
    pub trace: Trace,
}

/// The rendered Dockerfile.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Rendered {
    pub text: String,
    /// The instructions in order: the build's step N is `instructions[N - 1]`.
    pub instructions: Vec<Instruction>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct DockerFile {
    chunks: Vec<Chunk>,
    files: Vec<AddedFile>,
    archives: Vec<AddedArchive>,
    /// Targets to remove at the end (`remove_final`), escaped, each once.
    remove_final: Vec<(String, Trace)>,
    deferred: Deferred,
    /// Where each deferred property was last set.
    set_at: Vec<(&'static str, Trace)>,
    /// The call that finalized it, and where.
    finalized: Option<(String, Trace)>,
}

impl DockerFile {
    /// `FROM base` and a blank line (docker-map writes the blank line even without a base).
    pub(crate) fn new(base: Option<&str>, trace: Trace) -> DockerFile {
        let mut df = DockerFile::default();
        if let Some(base) = base.filter(|b| !b.is_empty()) {
            df.chunks.push(Chunk {
                text: format!("FROM {base}\n"),
                trace: trace.clone(),
            });
        }
        df.chunks.push(Chunk {
            text: "\n".into(),
            trace,
        });
        df
    }

    fn writable(&self, call: &str) -> Result<(), DockerFileError> {
        match &self.finalized {
            Some((by, trace)) => Err(DockerFileError::Finalized {
                call: call.to_string(),
                by: by.clone(),
                at: trace.at.clone(),
            }),
            None => Ok(()),
        }
    }

    fn push(&mut self, call: &str, text: String, trace: Trace) -> Result<(), DockerFileError> {
        self.writable(call)?;
        self.chunks.push(Chunk { text, trace });
        Ok(())
    }

    /// Raw text, as it is.
    pub(crate) fn write(&mut self, text: &str, trace: Trace) -> Result<(), DockerFileError> {
        self.push("write", text.to_string(), trace)
    }

    /// A line of raw text.
    pub(crate) fn writeline(&mut self, text: &str, trace: Trace) -> Result<(), DockerFileError> {
        self.push("writeline", format!("{text}\n"), trace)
    }

    /// `PREFIX arg1 arg2` (arguments joined by spaces); with no arguments, the prefix alone and no
    /// newline (docker-map's `prefix`).
    pub(crate) fn prefix(
        &mut self,
        prefix: &str,
        args: &[String],
        trace: Trace,
    ) -> Result<(), DockerFileError> {
        let text = if args.is_empty() {
            prefix.to_string()
        } else {
            format!("{prefix} {}\n", args.join(" "))
        };
        self.push("prefix", text, trace)
    }

    /// One `PREFIX ...` per line; a line of several words is spread, an empty one is a blank line.
    pub(crate) fn prefix_all(
        &mut self,
        prefix: &str,
        lines: &[Vec<String>],
        trace: Trace,
    ) -> Result<(), DockerFileError> {
        self.writable("prefix_all")?;
        for line in lines {
            if line.iter().all(String::is_empty) {
                self.push("prefix_all", "\n".into(), trace.clone())?;
            } else {
                self.push(
                    "prefix_all",
                    format!("{prefix} {}\n", line.join(" ")),
                    trace.clone(),
                )?;
            }
        }
        Ok(())
    }

    pub(crate) fn run(&mut self, args: &[String], trace: Trace) -> Result<(), DockerFileError> {
        self.writable("run")?;
        self.prefix("RUN", args, trace)
    }

    pub(crate) fn run_all(&mut self, lines: &[Vec<String>], trace: Trace) -> Result<(), DockerFileError> {
        self.writable("run_all")?;
        self.prefix_all("RUN", lines, trace)
    }

    /// `RUN a && b && c`.
    pub(crate) fn run_join(&mut self, lines: &[String], trace: Trace) -> Result<(), DockerFileError> {
        self.push("run_join", format!("RUN {}\n", lines.join(" && ")), trace)
    }

    /// `# text`, or `#` alone.
    pub(crate) fn comment(&mut self, text: Option<&str>, trace: Trace) -> Result<(), DockerFileError> {
        let line = match text.filter(|t| !t.is_empty()) {
            Some(t) => format!("# {t}\n"),
            None => "#\n".into(),
        };
        self.push("comment", line, trace)
    }

    pub(crate) fn blank(&mut self, trace: Trace) -> Result<(), DockerFileError> {
        self.push("blank", "\n".into(), trace)
    }

    /// `ADD ctx target`: the target defaults to the source's last path component, the context
    /// path to the target; spaces are escaped in the instruction. Returns the context path.
    pub(crate) fn add_file(
        &mut self,
        source: &str,
        target: Option<&str>,
        context_path: Option<&str>,
        remove_final: bool,
        base_dir: PathBuf,
        trace: Trace,
    ) -> Result<String, DockerFileError> {
        self.writable("add_file")?;
        let invalid = |message: String| DockerFileError::Invalid {
            call: "add_file".into(),
            message,
        };
        let target = match target.filter(|t| !t.is_empty()) {
            Some(t) => t.to_string(),
            None => last_component(source)
                .ok_or_else(|| invalid(format!("can't tell a target from `{source}`: give one")))?,
        };
        let context = context_path
            .filter(|c| !c.is_empty())
            .unwrap_or(&target)
            .to_string();
        let arcname = archive_name(&context)
            .ok_or_else(|| invalid(format!("context path `{context}` leaves the context")))?;
        if self.files.iter().any(|f| f.context_path == arcname)
            || self.archives.iter().any(|a| a.context_path == arcname)
        {
            return Err(invalid(format!(
                "two sources go to `{arcname}` in the context; give one a `ctx_path` of its own"
            )));
        }
        self.chunks.push(Chunk {
            text: format!(
                "ADD {} {}\n",
                format::escape_spaces(&context),
                format::escape_spaces(&target)
            ),
            trace: trace.clone(),
        });
        if remove_final {
            let escaped = format::escape_spaces(&target);
            if !self.remove_final.iter().any(|(t, _)| *t == escaped) {
                self.remove_final.push((escaped, trace.clone()));
            }
        }
        self.files.push(AddedFile {
            source: source.to_string(),
            base_dir,
            context_path: arcname.clone(),
            trace,
        });
        Ok(arcname)
    }

    /// `ADD name /`: the build extracts the archive at the image's root (docker-map repacked its
    /// members into the context and added each; the result is the same, and rendering needs no
    /// file). Returns the archive's name in the context.
    pub(crate) fn add_archive(
        &mut self,
        source: &str,
        base_dir: PathBuf,
        trace: Trace,
    ) -> Result<String, DockerFileError> {
        self.writable("add_archive")?;
        let invalid = |message: String| DockerFileError::Invalid {
            call: "add_archive".into(),
            message,
        };
        let name = last_component(source).ok_or_else(|| invalid(format!("`{source}` names no file")))?;
        if self.files.iter().any(|f| f.context_path == name)
            || self.archives.iter().any(|a| a.context_path == name)
        {
            return Err(invalid(format!("two sources go to `{name}` in the context")));
        }
        self.chunks.push(Chunk {
            text: format!("ADD {} /\n", format::escape_spaces(&name)),
            trace: trace.clone(),
        });
        self.archives.push(AddedArchive {
            source: source.to_string(),
            base_dir,
            context_path: name.clone(),
            trace,
        });
        Ok(name)
    }

    /// Adds a path to the deferred `VOLUME` list.
    pub(crate) fn add_volume(&mut self, path: &str, trace: Trace) -> Result<(), DockerFileError> {
        self.writable("add_volume")?;
        self.deferred
            .volumes
            .get_or_insert_with(Vec::new)
            .push(path.to_string());
        self.note("volumes", trace);
        Ok(())
    }

    fn note(&mut self, property: &'static str, trace: Trace) {
        self.set_at.retain(|(p, _)| *p != property);
        self.set_at.push((property, trace));
    }

    /// Sets a deferred property from a recipe value (`()` unsets it).
    pub(crate) fn set(&mut self, property: &str, value: &Value, trace: Trace) -> Result<(), DockerFileError> {
        let Some(property) = PROPERTIES.iter().copied().find(|p| *p == property) else {
            let hint = crate::model::suggest::closest(property, PROPERTIES)
                .map(|s| format!(" (did you mean `{s}`?)"))
                .unwrap_or_default();
            return Err(DockerFileError::Invalid {
                call: property.to_string(),
                message: format!("a DockerFile has no property `{property}`{hint}"),
            });
        };
        self.writable(property)?;
        let invalid = |message: String| DockerFileError::Invalid {
            call: property.to_string(),
            message,
        };
        let string = |v: &Value| -> Result<Option<String>, DockerFileError> {
            match v {
                Value::Null => Ok(None),
                Value::Str(s) => Ok(Some(s.clone())),
                Value::Int(i) => Ok(Some(i.to_string())),
                other => Err(invalid(format!("expected a string, found {other}"))),
            }
        };
        let command = |v: &Value| -> Result<Option<Value>, DockerFileError> {
            match v {
                Value::Null => Ok(None),
                Value::Str(_) => Ok(Some(v.clone())),
                Value::List(items) if items.iter().all(|i| i.scalar_text().is_some()) => Ok(Some(v.clone())),
                other => Err(invalid(format!(
                    "expected a command (a string or a list), found {other}"
                ))),
            }
        };
        let d = &mut self.deferred;
        match property {
            "volumes" => {
                d.volumes = match value {
                    Value::Null => None,
                    Value::Str(s) => Some(vec![s.clone()]),
                    Value::List(items) => Some(items.iter().map(format::text).collect()),
                    other => {
                        return Err(invalid(format!(
                            "expected a path or a list of paths, found {other}"
                        )))
                    }
                }
            }
            "user" => d.user = string(value)?,
            "workdir" => d.workdir = string(value)?,
            "shell" => {
                d.shell = command(value)?;
                if let Some(s) = &d.shell {
                    format::command_words(s).map_err(|e| invalid(e.to_string()))?;
                }
            }
            "entrypoint" => d.entrypoint = command(value)?,
            "command" => d.command = command(value)?,
            "command_shell" => {
                d.command_shell = match value {
                    Value::Bool(b) => *b,
                    Value::Null => false,
                    other => return Err(invalid(format!("expected true or false, found {other}"))),
                }
            }
            "expose" => {
                if !value.is_null() {
                    format::expose(value).map_err(|e| invalid(e.to_string()))?;
                }
                d.expose = (!value.is_null()).then(|| value.clone());
            }
            "labels" => {
                d.labels = match value {
                    Value::Null => None,
                    Value::Map(m) => Some(m.iter().map(|(k, v)| (k.clone(), format::text(v))).collect()),
                    other => {
                        return Err(invalid(format!(
                            "expected an object map of labels, found {other}"
                        )))
                    }
                }
            }
            "stopsignal" => d.stopsignal = string(value)?,
            _ => d.healthcheck = string(value)?,
        }
        // Commands are checked here, so a bad one fails at the line that set it.
        if let Some(c) = d.entrypoint.as_ref().or(d.command.as_ref()) {
            format::command(c, d.command_shell).map_err(|e| invalid(e.to_string()))?;
        }
        self.note(property, trace);
        Ok(())
    }

    /// A deferred property as a recipe reads it back.
    pub(crate) fn get(&self, property: &str) -> Option<Value> {
        let d = &self.deferred;
        let s = |v: &Option<String>| v.clone().map_or(Value::Null, Value::Str);
        Some(match property {
            "volumes" => d.volumes.as_ref().map_or(Value::Null, |v| Value::strs(v)),
            "user" => s(&d.user),
            "workdir" => s(&d.workdir),
            "shell" => d.shell.clone().unwrap_or(Value::Null),
            "entrypoint" => d.entrypoint.clone().unwrap_or(Value::Null),
            "command" => d.command.clone().unwrap_or(Value::Null),
            "command_shell" => Value::Bool(d.command_shell),
            "expose" => d.expose.clone().unwrap_or(Value::Null),
            "labels" => d.labels.as_ref().map_or(Value::Null, |l| {
                Value::Map(
                    l.iter()
                        .map(|(k, v)| (k.clone(), Value::str(v.clone())))
                        .collect(),
                )
            }),
            "stopsignal" => s(&d.stopsignal),
            "healthcheck" => s(&d.healthcheck),
            _ => return None,
        })
    }

    pub(crate) fn files(&self) -> &[AddedFile] {
        &self.files
    }

    pub(crate) fn archives(&self) -> &[AddedArchive] {
        &self.archives
    }

    /// No more writes: `call` (`save`, `docker_context`, `build`) finalized it at `trace`.
    pub(crate) fn finalize(&mut self, call: &str, trace: Trace) {
        if self.finalized.is_none() {
            self.finalized = Some((call.to_string(), trace));
        }
    }

    fn trace_of(&self, property: &str) -> Trace {
        self.set_at
            .iter()
            .find(|(p, _)| *p == property)
            .map(|(_, t)| t.clone())
            .unwrap_or_default()
    }

    /// The whole Dockerfile: what was written, then the deferred settings in docker-map's order
    /// (removals of `remove_final` targets, VOLUME, USER, WORKDIR, SHELL, ENTRYPOINT, CMD,
    /// EXPOSE, LABEL, STOPSIGNAL, HEALTHCHECK). Rendering does not finalize.
    pub(crate) fn render(&self) -> Result<Rendered, DockerFileError> {
        let mut chunks = self.chunks.clone();
        let mut add = |text: String, trace: Trace| chunks.push(Chunk { text, trace });
        if !self.remove_final.is_empty() {
            for (target, trace) in &self.remove_final {
                add(format!("RUN rm -Rf {target}\n"), trace.clone());
            }
            add("\n".into(), self.remove_final[0].1.clone());
        }
        let d = &self.deferred;
        let invalid = |call: &str, message: String| DockerFileError::Invalid {
            call: call.to_string(),
            message,
        };
        if let Some(v) = &d.volumes {
            add(
                format!("VOLUME {}\n", format::json_list(v)),
                self.trace_of("volumes"),
            );
        }
        if let Some(u) = d.user.as_ref().filter(|u| !u.is_empty()) {
            add(format!("USER {u}\n"), self.trace_of("user"));
        }
        if let Some(w) = d.workdir.as_ref().filter(|w| !w.is_empty()) {
            add(format!("WORKDIR {w}\n"), self.trace_of("workdir"));
        }
        if let Some(s) = &d.shell {
            let words = format::command_words(s).map_err(|e| invalid("shell", e.to_string()))?;
            add(
                format!("SHELL {}\n", format::json_list(&words)),
                self.trace_of("shell"),
            );
        }
        if let Some(e) = &d.entrypoint {
            let text =
                format::command(e, d.command_shell).map_err(|e| invalid("entrypoint", e.to_string()))?;
            add(format!("ENTRYPOINT {text}\n"), self.trace_of("entrypoint"));
        }
        if let Some(c) = &d.command {
            let text = format::command(c, d.command_shell).map_err(|e| invalid("command", e.to_string()))?;
            add(format!("CMD {text}\n"), self.trace_of("command"));
        }
        if let Some(x) = &d.expose {
            let ports = format::expose(x).map_err(|e| invalid("expose", e.to_string()))?;
            add(format!("EXPOSE {}\n", ports.join(" ")), self.trace_of("expose"));
        }
        if let Some(l) = d.labels.as_ref().filter(|l| !l.is_empty()) {
            add(
                format!("LABEL {}\n", format::labels(l).join(" ")),
                self.trace_of("labels"),
            );
        }
        if let Some(s) = d.stopsignal.as_ref().filter(|s| !s.is_empty()) {
            add(format!("STOPSIGNAL {s}\n"), self.trace_of("stopsignal"));
        }
        if let Some(h) = d.healthcheck.as_ref().filter(|h| !h.is_empty()) {
            add(format!("HEALTHCHECK {h}\n"), self.trace_of("healthcheck"));
        }
        Ok(instructions(&chunks))
    }
}

/// The text and its instructions (`logical::instructions`), each traced to the chunk its first
/// line began in.
fn instructions(chunks: &[Chunk]) -> Rendered {
    let text: String = chunks.iter().map(|c| c.text.as_str()).collect();
    let mut starts: Vec<(usize, &Trace)> = Vec::with_capacity(chunks.len());
    let mut at = 0;
    for c in chunks {
        starts.push((at, &c.trace));
        at += c.text.len();
    }
    let trace_at = |offset: usize| -> Trace {
        let i = starts.partition_point(|(s, _)| *s <= offset).saturating_sub(1);
        starts.get(i).map(|(_, t)| (*t).clone()).unwrap_or_default()
    };
    let out = logical::instructions(&text)
        .into_iter()
        .map(|i| Instruction {
            text: i.first_line.to_string(),
            trace: trace_at(i.offset),
        })
        .collect();
    Rendered {
        text,
        instructions: out,
    }
}

/// The last component of a path (`a/b/` → `b`).
fn last_component(path: &str) -> Option<String> {
    path.trim_end_matches('/')
        .rsplit('/')
        .next()
        .filter(|c| !c.is_empty() && *c != "." && *c != "..")
        .map(str::to_string)
}

/// A context path as a tar member name: `/` separators, no leading `/`, no `.` segments; None
/// when it leaves the context (`..`).
fn archive_name(path: &str) -> Option<String> {
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => return None,
            p => parts.push(p),
        }
    }
    (!parts.is_empty()).then(|| parts.join("/"))
}

#[cfg(test)]
mod tests;
