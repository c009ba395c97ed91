//! Build contexts (docker-map's `DockerContext`): the tar a build sends to the Engine — every
//! file, directory and archive a DockerFile added, under the paths its `ADD` lines use, anything
//! added to the context itself, and the Dockerfile. Deterministic (the same inputs give the same
//! bytes and digest on any checkout and umask) and streamed; `.dockerignore` as Docker reads it.

mod go_regex;
pub(crate) mod ignore;
pub(crate) mod pattern_syntax;
mod tar;
#[cfg(test)]
mod tests;

use std::collections::BTreeMap;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::dockerfile::{DockerFile, DockerFileError, Rendered, Trace};

#[derive(Debug, thiserror::Error)]
pub(crate) enum ContextError {
    #[error("`{written}` does not exist (added at {trace})")]
    Missing { written: String, trace: Box<Trace> },
    #[error("can't read `{path}`: {message}")]
    Io { path: String, message: String },
    /// The pattern's error is part of this one line (a step's failure), not a `#[source]`.
    #[error("`{path}`: {error}")]
    Ignore {
        path: String,
        error: ignore::PatternError,
    },
    #[error(transparent)]
    DockerFile(#[from] DockerFileError),
    #[error("two sources go to `{arcname}` in the context (added at {first} and {second})")]
    Duplicate {
        arcname: String,
        first: Box<Trace>,
        second: Box<Trace>,
    },
}

impl ContextError {
    fn io(path: &str, e: io::Error) -> ContextError {
        ContextError::Io {
            path: path.to_string(),
            message: match e.kind() {
                io::ErrorKind::PermissionDenied => "permission denied".into(),
                _ => e.to_string(),
            },
        }
    }

    /// Where the recipe asked for what failed, when that is known.
    pub(crate) fn trace(&self) -> Option<&Trace> {
        match self {
            ContextError::Missing { trace, .. } => Some(trace),
            ContextError::Duplicate { second, .. } => Some(second),
            _ => None,
        }
    }
}

/// What an entry is: a path (file, directory or link), or an archive the build extracts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum EntrySource {
    Path,
    Archive,
}

/// One source of the context.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Entry {
    /// The source as the recipe wrote it.
    pub written: String,
    /// What a relative source is relative to.
    pub base_dir: PathBuf,
    /// Its path in the tar.
    pub arcname: String,
    pub source: EntrySource,
    pub trace: Trace,
}

impl Entry {
    pub(crate) fn path(&self) -> PathBuf {
        let p = Path::new(&self.written);
        if p.is_absolute() {
            p.to_path_buf()
        } else {
            self.base_dir.join(p)
        }
    }
}

/// A context, ready to be written: the rendered Dockerfile and the sources, in order.
#[derive(Clone, Debug, PartialEq)]
pub(crate) struct Context {
    pub dockerfile: String,
    /// The instructions, for naming a failed build step.
    pub rendered: Rendered,
    pub entries: Vec<Entry>,
    /// What the build is asked besides the context (a Compose file's `build`).
    pub settings: BuildSettings,
}

/// Build arguments, the stage to build and labels of the image: part of what the image is, so
/// part of its digest. Build secrets (`RUN --mount=type=secret,id=ID`), by ID: where each is read
/// from when the image is built (their names are part of the digest, never their values).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct BuildSettings {
    pub args: BTreeMap<String, String>,
    pub target: Option<String>,
    pub labels: BTreeMap<String, String>,
    pub secrets: BTreeMap<String, SecretFrom>,
}

/// Where a build secret's value is read when the image is built.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum SecretFrom {
    /// A file of this machine.
    File(PathBuf),
    /// A variable of dmap's environment.
    Env(String),
}

impl Context {
    /// The context of a DockerFile: what it added, in the order it added them.
    pub(crate) fn of(df: &DockerFile) -> Result<Context, ContextError> {
        let rendered = df.render()?;
        let mut entries: Vec<Entry> = df
            .files()
            .iter()
            .map(|f| Entry {
                written: f.source.clone(),
                base_dir: f.base_dir.clone(),
                arcname: f.context_path.clone(),
                source: EntrySource::Path,
                trace: f.trace.clone(),
            })
            .collect();
        entries.extend(df.archives().iter().map(|a| Entry {
            written: a.source.clone(),
            base_dir: a.base_dir.clone(),
            arcname: a.context_path.clone(),
            source: EntrySource::Archive,
            trace: a.trace.clone(),
        }));
        Ok(Context {
            dockerfile: rendered.text.clone(),
            rendered,
            entries,
            settings: BuildSettings::default(),
        })
    }

    /// The context `docker build DIR` sends: the directory as its root, `dockerfile` (the text
    /// of the Dockerfile the build names) as its Dockerfile, with `settings` (a Compose
    /// service's `build`). `trace` is where the build was asked for.
    pub(crate) fn of_directory(
        dir: &Path,
        dockerfile: String,
        settings: BuildSettings,
        trace: Trace,
    ) -> Context {
        // Relative to the current directory, once: an entry's relative source is relative to
        // its base directory.
        let dir = std::path::absolute(dir).unwrap_or_else(|_| dir.to_path_buf());
        let dir = dir.as_path();
        Context {
            dockerfile: dockerfile.clone(),
            rendered: Rendered {
                text: dockerfile,
                instructions: Vec::new(),
            },
            entries: vec![Entry {
                written: dir.to_string_lossy().into_owned(),
                base_dir: dir.to_path_buf(),
                arcname: String::new(),
                source: EntrySource::Path,
                trace,
            }],
            settings,
        }
    }

    /// Adds a path under `arcname` (`ctx.add`); a directory added as `.` (or `/`) fills the root
    /// of the context, as `docker build DIR` sends it (its own `Dockerfile` gives way to the
    /// rendered one).
    pub(crate) fn add(
        &mut self,
        written: &str,
        arcname: &str,
        base_dir: PathBuf,
        trace: Trace,
    ) -> Result<(), ContextError> {
        let arcname = arcname.trim_start_matches("./").trim_matches('/');
        let arcname = if arcname == "." {
            String::new()
        } else {
            arcname.to_string()
        };
        if let Some(first) = self.entries.iter().find(|e| e.arcname == arcname) {
            return Err(ContextError::Duplicate {
                arcname,
                first: Box::new(first.trace.clone()),
                second: Box::new(trace),
            });
        }
        self.entries.push(Entry {
            written: written.to_string(),
            base_dir,
            arcname,
            source: EntrySource::Path,
            trace,
        });
        Ok(())
    }

    /// Every source exists (checked before anything is sent or written).
    pub(crate) fn check(&self) -> Result<(), ContextError> {
        for e in &self.entries {
            if std::fs::symlink_metadata(e.path()).is_err() {
                return Err(ContextError::Missing {
                    written: e.written.clone(),
                    trace: Box::new(e.trace.clone()),
                });
            }
        }
        Ok(())
    }

    /// The files, links and directories of this machine the context holds, as its tar holds
    /// them (`.dockerignore` applied): what `up --watch` watches.
    pub(crate) fn files(&self) -> Result<Vec<PathBuf>, ContextError> {
        self.check()?;
        tar::files(self)
    }

    /// Writes the tar to `out` (uncompressed).
    pub(crate) fn write<W: Write>(&self, out: W) -> Result<W, ContextError> {
        self.check()?;
        tar::write(self, out)
    }

    /// `sha256:HEX` of the uncompressed tar (computed while it is written to nowhere), and of
    /// the build settings when there are any.
    pub(crate) fn digest(&self) -> Result<String, ContextError> {
        let mut hashed = self.write(Hasher(Sha256::new()))?;
        let s = &self.settings;
        if *s != BuildSettings::default() {
            let mut text = String::new();
            for (k, v) in &s.args {
                text.push_str(&format!("arg {k:?}={v:?}\n"));
            }
            if let Some(t) = &s.target {
                text.push_str(&format!("target {t:?}\n"));
            }
            for (k, v) in &s.labels {
                text.push_str(&format!("label {k:?}={v:?}\n"));
            }
            for (id, from) in &s.secrets {
                text.push_str(&format!("secret {id:?} {from:?}\n"));
            }
            hashed.0.update(text.as_bytes());
        }
        Ok(format!("sha256:{:x}", hashed.0.finalize()))
    }

    /// Saves the tar: gzipped when the path ends in `.gz` or `.tgz` (no name, time 0 in the gzip
    /// header, so identical inputs give identical bytes), plain otherwise.
    pub(crate) fn save(&self, path: &Path) -> Result<(), ContextError> {
        let name = path.to_string_lossy();
        let file = std::fs::File::create(path).map_err(|e| ContextError::io(&name, e))?;
        // Large writes: the tar's entries are copied through this buffer.
        let out = io::BufWriter::with_capacity(1 << 20, file);
        let gz = name.ends_with(".gz") || name.ends_with(".tgz");
        let out = if gz {
            let encoder = flate2::GzBuilder::new()
                .mtime(0)
                .write(out, flate2::Compression::default());
            self.write(encoder)?
                .finish()
                .map_err(|e| ContextError::io(&name, e))?
        } else {
            self.write(out)?
        };
        out.into_inner()
            .map(drop)
            .map_err(|e| ContextError::io(&name, e.into_error()))
    }
}

/// A writer that only hashes.
struct Hasher(Sha256);

impl Write for Hasher {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.update(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}
