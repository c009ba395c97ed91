//! The one way the integration tests run the `dmap` binary: a [`Test`] is built (arguments, files
//! in its own temporary directory, environment, stdin), run under a timeout, and its [`Output`]
//! checked: the exit status, stdout and stderr as exact text (temporary paths shown as `[TMP]`),
//! or what they contain.
//!
//! ```ignore
//! Test::new()
//!     .file("bad.yaml", "web:\n  imgae: nginx\n")
//!     .args(["check", "bad.yaml"])
//!     .run()
//!     .status(1)
//!     .stderr(&unindent("
//!         error: ...
//!     "));
//! ```

use std::ffi::{OsStr, OsString};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

/// The binary under test.
pub(crate) const DMAP: &str = env!("CARGO_BIN_EXE_dmap");

/// Hard limit for one run of the binary: a run that takes longer is killed and the test fails.
pub(crate) const RUN_TIMEOUT: Duration = Duration::from_secs(60);

/// Where no Engine listens: `check`, `show` and a recipe's checks never need one.
pub(crate) const NO_ENGINE: &str = "tcp://127.0.0.1:9";

/// What a temporary directory of a [`Test`] reads as in its output.
pub(crate) const TMP: &str = "[TMP]";

/// Variables that change what dmap does, removed from every run unless a test sets them.
const CLEARED: [&str; 7] = [
    "DMAP_PATH",
    "DOCKER_BUILDKIT",
    "DMAP_MAX_OPERATIONS",
    "DMAP_MAX_MEMORY",
    "DMAP_EVAL_TIMEOUT",
    "RUST_BACKTRACE",
    "RUST_LIB_BACKTRACE",
];

/// One run of `dmap` being built. Clones share the temporary directory (and its files), so one
/// directory can see several runs.
#[derive(Clone)]
pub(crate) struct Test {
    /// The temporary directory this test owns, if any; removed when the last clone is dropped.
    tempdir: Option<Arc<TempDir>>,
    /// Where files are written and dmap runs, unless `cwd` says otherwise.
    root: PathBuf,
    cwd: PathBuf,
    args: Vec<OsString>,
    env: Vec<(OsString, Option<OsString>)>,
    stdin: Option<Vec<u8>>,
    timeout: Duration,
}

impl Test {
    /// A run in a fresh temporary directory, with no Engine reachable (see [`Test::engine`]).
    pub(crate) fn new() -> Test {
        let tempdir = tempfile::tempdir().expect("create a temporary directory");
        let root = tempdir.path().to_path_buf();
        Test::at(root, Some(Arc::new(tempdir)))
    }

    /// A run in an existing directory (files are written there), with no Engine reachable.
    pub(crate) fn in_dir(dir: impl AsRef<Path>) -> Test {
        Test::at(dir.as_ref().to_path_buf(), None)
    }

    fn at(root: PathBuf, tempdir: Option<Arc<TempDir>>) -> Test {
        let mut env: Vec<(OsString, Option<OsString>)> = CLEARED.iter().map(|k| (k.into(), None)).collect();
        env.push(("DOCKER_HOST".into(), Some(NO_ENGINE.into())));
        Test {
            tempdir,
            cwd: root.clone(),
            root,
            args: Vec::new(),
            env,
            stdin: None,
            timeout: RUN_TIMEOUT,
        }
    }

    /// The directory files are written to (the temporary one, for [`Test::new`]).
    pub(crate) fn path(&self) -> &Path {
        &self.root
    }

    /// Appends arguments.
    pub(crate) fn args<I, S>(mut self, args: I) -> Test
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.args.extend(args.into_iter().map(|a| a.as_ref().to_owned()));
        self
    }

    /// Appends one argument.
    pub(crate) fn arg(self, arg: impl AsRef<OsStr>) -> Test {
        self.args([arg])
    }

    /// Writes `text` to `rel` below the test's directory, creating folders.
    pub(crate) fn file(self, rel: &str, text: &str) -> Test {
        let path = self.root.join(rel);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).unwrap_or_else(|e| panic!("create {}: {e}", parent.display()));
        }
        std::fs::write(&path, text).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        self
    }

    /// Creates the folder `rel` below the test's directory.
    pub(crate) fn dir(self, rel: &str) -> Test {
        let path = self.root.join(rel);
        std::fs::create_dir_all(&path).unwrap_or_else(|e| panic!("create {}: {e}", path.display()));
        self
    }

    /// Runs in `rel`, below the test's directory (or absolute).
    pub(crate) fn current_dir(mut self, rel: impl AsRef<Path>) -> Test {
        self.cwd = self.root.join(rel);
        self
    }

    pub(crate) fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> Test {
        self.set_env(key.as_ref(), Some(value.as_ref().to_owned()));
        self
    }

    pub(crate) fn env_remove(mut self, key: impl AsRef<OsStr>) -> Test {
        self.set_env(key.as_ref(), None);
        self
    }

    fn set_env(&mut self, key: &OsStr, value: Option<OsString>) {
        self.env.retain(|(k, _)| k != key);
        self.env.push((key.to_owned(), value));
    }

    /// Talks to the Engine the environment names (`DOCKER_HOST`, else the local socket).
    pub(crate) fn engine(mut self) -> Test {
        match std::env::var_os("DOCKER_HOST") {
            Some(host) => self.set_env(OsStr::new("DOCKER_HOST"), Some(host)),
            None => self.set_env(OsStr::new("DOCKER_HOST"), None),
        }
        self
    }

    /// What dmap reads on stdin (else nothing: stdin is closed).
    pub(crate) fn stdin(mut self, bytes: impl AsRef<[u8]>) -> Test {
        self.stdin = Some(bytes.as_ref().to_vec());
        self
    }

    /// How long the run may take before it is killed and the test fails.
    pub(crate) fn timeout(mut self, timeout: Duration) -> Test {
        self.timeout = timeout;
        self
    }

    /// The command as configured, for a caller that drives the process itself (a terminal).
    pub(crate) fn command(&self) -> Command {
        let mut cmd = Command::new(DMAP);
        cmd.args(&self.args).current_dir(&self.cwd);
        for (key, value) in &self.env {
            match value {
                Some(value) => cmd.env(key, value),
                None => cmd.env_remove(key),
            };
        }
        cmd
    }

    fn shown_args(&self) -> Vec<String> {
        self.args
            .iter()
            .map(|a| a.to_string_lossy().into_owned())
            .collect()
    }

    /// Starts dmap; [`Running::finish`] collects the outcome.
    #[track_caller]
    pub(crate) fn spawn(&self) -> Running {
        let mut cmd = self.command();
        cmd.stdin(if self.stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
        let started = Instant::now();
        let mut child = cmd
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start dmap {:?}: {e}", self.shown_args()));
        if let (Some(bytes), Some(mut pipe)) = (self.stdin.clone(), child.stdin.take()) {
            std::thread::spawn(move || {
                // dmap may exit without reading it all.
                let _ = pipe.write_all(&bytes);
            });
        }
        let stdout = reader(child.stdout.take().expect("stdout pipe"));
        let stderr = reader(child.stderr.take().expect("stderr pipe"));
        Running {
            child,
            stdout,
            stderr,
            started,
            args: self.shown_args(),
            timeout: self.timeout,
            tempdir: self.tempdir.clone(),
        }
    }

    /// Runs to completion (killing dmap after the timeout). Whatever the outcome, stderr must
    /// never show a Rust panic or backtrace.
    #[track_caller]
    pub(crate) fn run(&self) -> Output {
        self.spawn().finish()
    }
}

/// A dmap process started by [`Test::spawn`].
pub(crate) struct Running {
    child: Child,
    stdout: std::thread::JoinHandle<String>,
    stderr: std::thread::JoinHandle<String>,
    started: Instant,
    args: Vec<String>,
    timeout: Duration,
    tempdir: Option<Arc<TempDir>>,
}

impl Running {
    /// Whether dmap has ended.
    pub(crate) fn has_exited(&mut self) -> bool {
        self.child.try_wait().expect("wait for dmap").is_some()
    }

    /// When it started.
    pub(crate) fn started(&self) -> Instant {
        self.started
    }

    /// Sends dmap a signal (`INT`, `TERM`...), as a terminal's Ctrl-C or `kill` would.
    pub(crate) fn signal(&self, signal: &str) {
        let status = Command::new("kill")
            .args([format!("-{signal}"), self.child.id().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success(), "kill -{signal} failed");
    }

    /// Kills dmap (SIGKILL) if it still runs.
    pub(crate) fn kill(&mut self) {
        self.child.kill().ok();
    }

    /// Waits for the end (killing dmap after the timeout) and collects the output.
    #[track_caller]
    pub(crate) fn finish(mut self) -> Output {
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait for dmap") {
                break status;
            }
            if self.started.elapsed() > self.timeout {
                self.child.kill().ok();
                self.child.wait().ok();
                panic!(
                    "dmap {:?} still running after {:?}; killed",
                    self.args, self.timeout
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let tmp = self.tempdir.as_deref().map(TempDir::path);
        let out = Output {
            args: self.args,
            code: status.code(),
            stdout: normalise(&self.stdout.join().expect("stdout reader"), tmp),
            stderr: normalise(&self.stderr.join().expect("stderr reader"), tmp),
            elapsed: self.started.elapsed(),
        };
        for panic_text in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
            assert!(
                !out.stderr.contains(panic_text),
                "dmap shows a panic ({panic_text:?}) on stderr\n{out}"
            );
        }
        out
    }
}

fn reader(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        pipe.read_to_end(&mut bytes).expect("read pipe");
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// `text` with the temporary directory, as given and as the system resolves it, shown as
/// [`TMP`].
fn normalise(text: &str, tmp: Option<&Path>) -> String {
    let Some(tmp) = tmp else {
        return text.to_string();
    };
    let mut out = text.to_string();
    let canonical = tmp.canonicalize().ok();
    for path in canonical.iter().map(PathBuf::as_path).chain([tmp]) {
        if let Some(path) = path.to_str() {
            out = out.replace(path, TMP);
        }
    }
    out
}

/// `text` written indented in a test: the first line dropped when empty, the last when only
/// spaces, and the indentation the other lines share removed.
///
/// ```ignore
/// unindent("
///     error: bad
///       --> x.rhai:1:1
/// ") == "error: bad\n  --> x.rhai:1:1\n"
/// ```
pub(crate) fn unindent(text: &str) -> String {
    let text = text.strip_prefix('\n').unwrap_or(text);
    let mut lines: Vec<&str> = text.split('\n').collect();
    if lines.last().is_some_and(|l| l.trim().is_empty()) {
        lines.pop();
    }
    let indent = lines
        .iter()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.len() - l.trim_start_matches(' ').len())
        .min()
        .unwrap_or(0);
    let mut out = String::new();
    for line in lines {
        out.push_str(line.get(indent..).unwrap_or(""));
        out.push('\n');
    }
    out
}

/// The outcome of one run.
pub(crate) struct Output {
    pub args: Vec<String>,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
    pub elapsed: Duration,
}

impl std::fmt::Display for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--- dmap {:?}: exit code {:?} ({:?})\n--- stdout:\n{}\n--- stderr:\n{}",
            self.args, self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

impl Output {
    /// The exit code.
    #[track_caller]
    pub(crate) fn status(&self, expected: i32) -> &Self {
        assert_eq!(self.code, Some(expected), "unexpected exit code\n{self}");
        self
    }

    /// Exit 0.
    #[track_caller]
    pub(crate) fn success(&self) -> &Self {
        self.status(0)
    }

    /// Exit 1 (an error in a recipe, map or action) with at least one `error:` line.
    #[track_caller]
    pub(crate) fn failure(&self) -> &Self {
        self.status(1);
        assert!(
            self.stderr.lines().any(|l| l.starts_with("error: ")),
            "no `error:` line on stderr\n{self}"
        );
        self
    }

    /// Exit 2 (bad command-line usage).
    #[track_caller]
    pub(crate) fn usage_error(&self) -> &Self {
        self.status(2)
    }

    /// Stdout is exactly `expected`.
    #[track_caller]
    pub(crate) fn stdout(&self, expected: &str) -> &Self {
        exact("stdout", &self.stdout, expected, self);
        self
    }

    /// Stderr is exactly `expected`.
    #[track_caller]
    pub(crate) fn stderr(&self, expected: &str) -> &Self {
        exact("stderr", &self.stderr, expected, self);
        self
    }

    #[track_caller]
    pub(crate) fn stdout_has(&self, needle: &str) -> &Self {
        assert!(self.stdout.contains(needle), "stdout lacks {needle:?}\n{self}");
        self
    }

    #[track_caller]
    pub(crate) fn stdout_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stdout.contains(needle),
            "stdout should not contain {needle:?}\n{self}"
        );
        self
    }

    #[track_caller]
    pub(crate) fn stderr_has(&self, needle: &str) -> &Self {
        assert!(self.stderr.contains(needle), "stderr lacks {needle:?}\n{self}");
        self
    }

    /// Stdout as one JSON document.
    #[track_caller]
    pub(crate) fn json(&self) -> Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("stdout is not JSON: {e}\n{self}"))
    }
}

/// Fails unless `actual` is `expected`, showing both and the first line that differs.
#[track_caller]
fn exact(stream: &str, actual: &str, expected: &str, out: &Output) {
    if actual == expected {
        return;
    }
    let first = actual
        .lines()
        .zip(expected.lines())
        .position(|(a, e)| a != e)
        .unwrap_or_else(|| actual.lines().count().min(expected.lines().count()));
    panic!(
        "{stream} differs from the expected text at line {}\n--- expected {stream}:\n{expected}\n--- actual {stream}:\n{actual}\n--- (the whole run)\n{out}",
        first + 1
    );
}

/// `value` without its `origin` keys, at any depth.
pub(crate) fn without_origins(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| k.as_str() != "origin")
                .map(|(k, v)| (k.clone(), without_origins(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_origins).collect()),
        other => other.clone(),
    }
}
