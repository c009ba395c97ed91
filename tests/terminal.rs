//! dmap on a terminal (a pseudo-terminal, through rexpect): the REPL (one scope, multi-line
//! input, completion, `:help`, errors, Ctrl-C and Ctrl-D, history, `:plan`/`:status`, an action
//! cancelled), the live progress view with and without colours, and `exec` with a terminal.

use std::path::Path;

use rexpect::process::wait::WaitStatus;
use rexpect::session::PtySession;

use crate::support::harness::Test;
use crate::support::recipe::n;
use crate::support::{busybox_image, runtime, DockerTest};

const TIMEOUT_MS: u64 = 60_000;

/// `dmap ARGS` on a terminal in `dir`, its history under `dir/data`.
fn spawn(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> PtySession {
    let mut test = Test::in_dir(dir)
        .engine()
        .args(args)
        .env("TERM", "xterm")
        .env("XDG_DATA_HOME", dir.join("data"))
        .env_remove("NO_COLOR");
    for (k, v) in env {
        test = test.env(k, v);
    }
    let cmd = test.command();
    rexpect::session::spawn_command(cmd, Some(TIMEOUT_MS)).expect("spawn dmap on a terminal")
}

/// Waits for the end and returns the exit code.
fn exit_code(mut p: PtySession) -> i32 {
    let rest = p.exp_eof().expect("dmap ends");
    assert!(!rest.contains("panicked"), "{rest}");
    match p.process.wait().expect("wait") {
        WaitStatus::Exited(_, code) => code,
        other => panic!("dmap did not exit: {other:?}"),
    }
}

const PROMPT: &str = "dmap> ";

/// Sends a line, waits for `want` and then for the next prompt: the REPL has read the line and
/// is reading again (the line editor drops what is typed ahead of its prompt).
#[track_caller]
fn ask(p: &mut PtySession, line: &str, want: &str) {
    p.send_line(line).expect("send");
    if let Err(e) = p.exp_string(want) {
        panic!("after {line:?}, no {want:?}: {e}");
    }
    if let Err(e) = p.exp_string(PROMPT) {
        panic!("after {line:?}, no prompt: {e}");
    }
}

/// Types without Enter (rexpect buffers until a newline).
fn type_in(p: &mut PtySession, text: &str) {
    p.send(text).expect("send");
    p.flush().expect("flush");
}

/// A value as the REPL prints it: on a line of its own.
fn value(v: &str) -> String {
    format!("\n{v}\r")
}

const LIBRARY: &str = r#"
/// Doubles it.
fn twice(x) { x * 2 }
let base = 10;
let m = container_map("replmap");
m.containers.websrv = #{ image: "x:1", instances: ["one", "two"] };
m.containers.db = #{ image: "x:1" };
let c = mapping_client(m);
"#;

fn library() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("lib.rhai"), LIBRARY).expect("write");
    dir
}

#[test]
fn the_repl_keeps_one_scope_and_continues_incomplete_statements() {
    let dir = library();
    let mut p = spawn(dir.path(), &["repl", "lib.rhai"], &[]);
    p.exp_string(PROMPT).expect("prompt");
    // The file's functions and variables stay.
    ask(&mut p, "twice(base)", &value("20"));
    // A function typed on one line is callable on the next.
    ask(&mut p, "fn inc(x) { x + 1 }", "}");
    ask(&mut p, "inc(41)", &value("42"));
    // Unclosed brackets continue on the next line, in the same input.
    p.send_line("let a = [").expect("send");
    p.send_line("1, 2,").expect("send");
    ask(&mut p, "3];", "3];");
    ask(&mut p, "a.len() * 100", &value("300"));
    p.send_line("fn add(x, y) {").expect("send");
    p.send_line("  x + y").expect("send");
    ask(&mut p, "}", "}");
    ask(&mut p, "add(500, 55)", &value("555"));
    // An unterminated string continues too.
    p.send_line("let s = `two").expect("send");
    ask(&mut p, "lines` + \"!\";", "!");
    ask(&mut p, "s.len() + 1000", &value("1010"));
    // An empty line submits what is there: its error is reported, the session goes on.
    p.send_line("fn broken() {").expect("send");
    ask(&mut p, "", "error:");
    ask(&mut p, "7 * 111", &value("777"));
    // An import stays for the next input.
    ask(&mut p, "import \"dmap/shell\" as sh;", "sh;");
    ask(&mut p, "sh::quote(\"a b\")", "'a b'");
    p.send_control('d').expect("ctrl-d");
    assert_eq!(exit_code(p), 0);
}

#[test]
fn the_repl_completes_shows_help_reports_errors_and_keeps_history() {
    let dir = library();
    let mut p = spawn(dir.path(), &["repl", "lib.rhai"], &[]);
    p.exp_string(PROMPT).expect("prompt");
    // A global function.
    type_in(&mut p, "container_m");
    type_in(&mut p, "\t");
    p.exp_string("container_map(").expect("completed function");
    ask(&mut p, "\"q\").name", &value("\"q\""));
    // A method of the variable's type.
    type_in(&mut p, "c.shut");
    type_in(&mut p, "\t");
    p.exp_string("shutdown(").expect("completed method");
    // Ctrl-C clears the line.
    p.send_control('c').expect("ctrl-c");
    p.exp_string(PROMPT).expect("prompt after ctrl-c");
    // A container field, after a chain of properties.
    type_in(&mut p, "m.containers.websrv.ima");
    type_in(&mut p, "\t");
    p.exp_string("websrv.image").expect("completed field");
    p.send_control('c').expect("ctrl-c");
    p.exp_string(PROMPT).expect("prompt after ctrl-c");
    // A target name inside a string.
    type_in(&mut p, "c.plan(\"update\", \"webs");
    type_in(&mut p, "\t");
    p.exp_string("websrv").expect("completed target");
    p.send_control('c').expect("ctrl-c");
    p.exp_string(PROMPT).expect("prompt after ctrl-c");
    // A stdlib name after import.
    type_in(&mut p, "import \"dmap/us");
    type_in(&mut p, "\t");
    p.exp_string("dmap/users").expect("completed library");
    p.send_control('c').expect("ctrl-c");
    p.exp_string(PROMPT).expect("prompt");
    // The line cleared by Ctrl-C did not run.
    ask(&mut p, "6 * 7", &value("42"));
    // :help NAME: signature and doc comment, the stdlib's and the recipe's own.
    p.send_line(":help users::create_user").expect("send");
    p.exp_string("users::create_user(df, name, uid)")
        .expect("signature");
    p.exp_string("Adds user").expect("doc comment");
    p.exp_string(PROMPT).expect("prompt");
    ask(&mut p, ":help twice", "Doubles it.");
    // dmap's own, with the doc comment docs/functions.md shows.
    ask(
        &mut p,
        ":help startup",
        "Creates and starts the targets and everything they need",
    );
    ask(
        &mut p,
        ":help DockerFile",
        "One `RUN` of the items joined with `&&`.",
    );
    ask(
        &mut p,
        ":help ContainerConfig",
        "properties: abstract, attaches, binds, clients, container_name,",
    );
    ask(&mut p, ":help nosuch", "no function `nosuch`");
    ask(&mut p, ":help", ":status");
    // An error names the input and shows the line typed; the session goes on.
    p.send_line("let y = 1 +* 2;").expect("send");
    p.exp_string("<input").expect("position");
    p.exp_string("| let y = 1 +* 2;")
        .expect("snippet of the typed line");
    p.exp_string(PROMPT).expect("prompt");
    ask(&mut p, "6 * 8", &value("48"));
    p.send_line(":quit").expect("send");
    assert_eq!(exit_code(p), 0);

    // History is kept across sessions: Up brings back the last lines.
    let history = std::fs::read_to_string(dir.path().join("data/dmap/history")).expect("history file");
    assert!(
        history.contains("6 * 8") && history.contains(":help twice"),
        "{history}"
    );
    let mut p = spawn(dir.path(), &["repl"], &[]);
    p.exp_string(PROMPT).expect("prompt");
    type_in(&mut p, "\x1b[A");
    p.exp_string(":quit").expect("last line recalled");
    type_in(&mut p, "\x1b[A\r");
    p.exp_string(&value("48")).expect("6 * 8 again");
    p.exp_string(PROMPT).expect("prompt");
    p.send_control('d').expect("ctrl-d");
    assert_eq!(exit_code(p), 0);
}

#[test]
fn the_repl_acts_plans_shows_status_and_cancels_a_waiting_action() {
    let rt = runtime();
    let t = DockerTest::new("repl_actions");
    let dir = tempfile::tempdir().expect("tempdir");
    let image = busybox_image();
    std::fs::write(
        dir.path().join("s.rhai"),
        format!(
            r#"
let m = container_map("{map}");
m.containers.slow = #{{
    image: "{image}", stop_signal: "SIGKILL",
    healthcheck: #{{ test: ["CMD", "sleep", "1000"], interval: "1s", timeout: "1000s" }},
    create_options: #{{ command: "sleep 3600" }},
}};
m.containers.after = #{{ image: "{image}", links: "slow", stop_signal: "SIGKILL", create_options: #{{ command: "sleep 3600" }} }};
m.containers.quick = #{{ image: "{image}", stop_signal: "SIGKILL", create_options: #{{ command: "sleep 3600" }} }};
let c = mapping_client(m);
"#,
            map = t.name
        ),
    )
    .expect("write");
    let mut p = spawn(dir.path(), &["repl", "s.rhai"], &[]);
    p.exp_string(PROMPT).expect("prompt");
    ask(
        &mut p,
        ":plan quick",
        &format!("create {}: absent", n(&t, "quick")),
    );
    ask(&mut p, "c.startup(\"quick\");", "Started");
    // Without the `;`, the value (the steps) is printed.
    ask(&mut p, "c.plan(\"update\", \"quick\").len()", &value("0"));
    p.send_line(":status quick").expect("send");
    p.exp_string(&n(&t, "quick")).expect("status row");
    p.exp_string("running").expect("running");
    p.exp_string(PROMPT).expect("prompt");
    ask(&mut p, ":plan quick", "up to date");
    // `after` waits for `slow` to be healthy, which it never is: Ctrl-C cancels the wait.
    p.send_line("c.startup(\"after\");").expect("send");
    p.exp_string("healthy").expect("waiting for health");
    p.send_control('c').expect("ctrl-c");
    p.exp_string("cancelled").expect("the action is cancelled");
    p.exp_string(PROMPT).expect("back at the prompt");
    ask(&mut p, "1 + 1", &value("2"));
    ask(&mut p, ":status", &n(&t, "after"));
    // Nothing half-made is left without dmap's labels.
    rt.block_on(async {
        for c in t.containers().await {
            let labels = c.labels.unwrap_or_default();
            assert_eq!(
                labels.get("dmap.map"),
                Some(&t.name),
                "{:?} carries dmap's labels",
                c.names
            );
        }
    });
    ask(&mut p, "c.shutdown();", "Removed");
    p.send_line(":quit").expect("send");
    assert_eq!(exit_code(p), 0);
    rt.block_on(async { assert!(t.containers().await.is_empty()) });
}

/// Whether text carries colour or bold (SGR) sequences; cursor movements are not colour.
fn has_colour(text: &str) -> bool {
    [
        "\x1b[0m", "\x1b[1m", "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[36m",
    ]
    .iter()
    .any(|code| text.contains(code))
}

const STACK: &str = r#"
let m = container_map(ARGS[0]);
m.containers.db = #{ image: ARGS[1], stop_signal: "SIGKILL", create_options: #{ command: ["sh", "-c", "echo db says hello; exec sleep 3600"] } };
m.containers.web = #{ image: ARGS[1], links: "db", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
mapping_client(m);
"#;

#[test]
fn progress_is_a_live_view_on_a_terminal_and_colourless_with_no_color() {
    let t = DockerTest::new("tty_progress");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("s.rhai"), STACK).expect("write");
    let image = busybox_image();
    let args = ["-a", t.name.as_str(), "-a", image.as_str(), "s.rhai"];
    let with =
        |verb: &'static str| -> Vec<String> { std::iter::once(verb).chain(args).map(String::from).collect() };
    let up = with("up");
    let mut p = spawn(
        dir.path(),
        &up.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    );
    let seen = p.exp_eof().expect("up ends");
    assert!(seen.contains("converging"), "a header: {seen:?}");
    assert!(
        seen.contains(&format!("{} ", n(&t, "web"))),
        "a line per container: {seen:?}"
    );
    assert!(seen.contains("\x1b[32m"), "colours on a terminal: {seen:?}");
    let mut p = spawn(
        dir.path(),
        &["up", "--force-recreate", "-a", &t.name, "-a", &image, "s.rhai"],
        &[("NO_COLOR", "1")],
    );
    let seen = p.exp_eof().expect("up ends");
    assert!(seen.contains("converging"), "{seen:?}");
    assert!(!has_colour(&seen), "NO_COLOR: no colours: {seen:?}");
    let mut p = spawn(
        dir.path(),
        &["down", "--no-color", "-a", &t.name, "-a", &image, "s.rhai"],
        &[],
    );
    let seen = p.exp_eof().expect("down ends");
    assert!(!has_colour(&seen), "--no-color: {seen:?}");
    // --progress plain on a terminal: no control codes at all.
    let mut p = spawn(
        dir.path(),
        &["--progress", "plain", "up", "-a", &t.name, "-a", &image, "s.rhai"],
        &[],
    );
    let seen = p.exp_eof().expect("up ends");
    assert!(!seen.contains('\x1b'), "{seen:?}");
    // logs: each container's label coloured on a terminal, not with NO_COLOR.
    let mut p = spawn(
        dir.path(),
        &["logs", "-a", &t.name, "-a", &image, "s.rhai", "db"],
        &[],
    );
    let seen = p.exp_eof().expect("logs end");
    assert!(
        seen.contains(&format!("\x1b[36m{} |\x1b[0m db says hello", n(&t, "db"))),
        "{seen:?}"
    );
    let mut p = spawn(
        dir.path(),
        &["logs", "-a", &t.name, "-a", &image, "s.rhai", "db"],
        &[("NO_COLOR", "1")],
    );
    let seen = p.exp_eof().expect("logs end");
    assert!(
        seen.contains(&format!("{} | db says hello", n(&t, "db"))) && !has_colour(&seen),
        "{seen:?}"
    );
    // exec: a terminal when stdin is one, none with -T; the command's code is dmap's.
    let p = {
        let mut p = spawn(
            dir.path(),
            &[
                "exec",
                "-a",
                &t.name,
                "-a",
                &image,
                "s.rhai",
                "web",
                "--",
                "sh",
                "-c",
                "tty; exit 3",
            ],
            &[],
        );
        p.exp_string("/dev/pts/").expect("a terminal in the container");
        p
    };
    assert_eq!(exit_code(p), 3);
    let mut p = spawn(
        dir.path(),
        &[
            "exec",
            "-T",
            "-a",
            &t.name,
            "-a",
            &image,
            "s.rhai",
            "web",
            "--",
            "sh",
            "-c",
            "tty; exit 4",
        ],
        &[],
    );
    p.exp_string("not a tty").expect("no terminal with -T");
    assert_eq!(exit_code(p), 4);
    // job: a terminal too, with what it typed read back; its code is dmap's.
    let mut p = spawn(
        dir.path(),
        &[
            "job",
            "-a",
            &t.name,
            "-a",
            &image,
            "s.rhai",
            "web",
            "--",
            "sh",
            "-c",
            "tty; read line; echo got $line; exit 5",
        ],
        &[],
    );
    p.exp_string("/dev/pts/").expect("a terminal in the job");
    p.send_line("typed").expect("type a line");
    p.exp_string("got typed").expect("stdin reaches the job");
    assert_eq!(exit_code(p), 5);
    let down = with("down");
    let p = spawn(
        dir.path(),
        &down.iter().map(String::as_str).collect::<Vec<_>>(),
        &[],
    );
    assert_eq!(exit_code(p), 0);
}

/// `up --watch` on a terminal: the live view draws each converge, one line per burst follows it,
/// and Ctrl-C (the terminal's, to the whole process group) ends the watch with exit 0, the stack
/// left running.
#[test]
fn a_watch_on_a_terminal_draws_its_converges_and_ends_on_ctrl_c() {
    let rt = runtime();
    let t = DockerTest::new("tty_watch");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("s.rhai"), STACK).expect("write");
    let image = busybox_image();
    let mut p = spawn(
        dir.path(),
        &["up", "--watch", "-a", &t.name, "-a", &image, "s.rhai"],
        &[],
    );
    let seen = p.exp_string("watching ").expect("the watch is in place");
    assert!(seen.contains("converging"), "the live view drew the up: {seen:?}");
    // An edit of the recipe: converged under the live view, then its line.
    std::fs::write(
        dir.path().join("s.rhai"),
        STACK.replace("echo db says hello", "echo db says hello again"),
    )
    .expect("write");
    // (rexpect reads bytes as characters: the line's `→` is not matched.)
    let seen = p.exp_string("s.rhai changed ").expect("a line for the edit");
    assert!(
        seen.contains("converging"),
        "the live view drew the converge: {seen:?}"
    );
    let line = p.exp_string("\n").expect("the rest of the line");
    assert!(line.contains(&format!(" recreated {}", n(&t, "db"))), "{line:?}");
    p.send_control('c').expect("ctrl-c");
    assert_eq!(exit_code(p), 0);
    assert!(crate::support::recipe::is_running(
        &rt.block_on(t.inspect(&n(&t, "db")))
    ));
}
