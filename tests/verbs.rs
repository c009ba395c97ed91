//! The Compose-style verbs against the real Engine: `up`, `plan`, `status`, `logs`, `exec`,
//! `down`, their flags and JSON shapes, the progress modes, and `c.status()` in a recipe. Every
//! test runs the real binary on its own map (named after a `DockerTest`) and looks at the
//! Engine afterwards.

use serde_json::Value;

use crate::support::harness::{unindent, Test};
use crate::support::recipe::*;
use crate::support::{busybox_image, runtime, DockerTest};

/// A database with a named volume and a healthcheck, and two web instances linked to it. `-a
/// MAP -a IMAGE [-a PHASE]`: `change` changes db's environment, `less` drops web.
const STACK: &str = r#"
let m = container_map(ARGS[0]);
let img = ARGS[1];
let phase = if ARGS.len() > 2 { ARGS[2] } else { "" };
m.volumes.data = "/data";
m.containers.db = #{
    image: img, attaches: "data", stop_signal: "SIGKILL",
    healthcheck: #{ test: ["CMD", "true"], interval: "200ms" },
    create_options: #{
        command: ["sh", "-c", "echo db ready; echo db warns >&2; exec sleep 3600"],
        environment: #{ V: if phase == "change" { "2" } else { "1" } },
    },
};
if phase != "less" {
    m.containers.web = #{
        image: img, links: "db", instances: ["a", "b"], stop_signal: "SIGKILL",
        create_options: #{ command: ["sh", "-c", "echo one; echo two; echo three; exec sleep 3600"] },
    };
}
mapping_client(m);
"#;

struct Stack {
    t: DockerTest,
    dir: tempfile::TempDir,
    image: String,
}

impl Stack {
    fn new(test: &str) -> Stack {
        let t = DockerTest::new(test);
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("stack.rhai"), STACK).expect("write recipe");
        Stack {
            t,
            dir,
            image: busybox_image(),
        }
    }

    /// `dmap VERB [FLAGS...] -a MAP -a IMAGE [-a PHASE] stack.rhai [REST...]`; `REST` starts
    /// with the targets (and `--` for exec).
    #[track_caller]
    fn dmap(&self, verb: &[&str], phase: &str, rest: &[&str]) -> Output {
        self.test(verb, phase, rest).run()
    }

    /// The run [`Stack::dmap`] makes, against the Engine, in the stack's directory.
    fn test(&self, verb: &[&str], phase: &str, rest: &[&str]) -> Test {
        Test::in_dir(self.dir.path())
            .engine()
            .args(self.args(verb, phase, rest))
    }

    fn args(&self, verb: &[&str], phase: &str, rest: &[&str]) -> Vec<String> {
        let mut args: Vec<String> = verb.iter().map(|s| s.to_string()).collect();
        args.extend(["-a", &self.t.name, "-a", &self.image].map(String::from));
        if !phase.is_empty() {
            args.extend(["-a".to_string(), phase.to_string()]);
        }
        args.push("stack.rhai".into());
        args.extend(rest.iter().map(|s| s.to_string()));
        args
    }

    fn name(&self, rest: &str) -> String {
        n(&self.t, rest)
    }
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e})\n{out}"))
}

fn container<'a>(status: &'a Value, name: &str) -> &'a Value {
    status["containers"]
        .as_array()
        .and_then(|a| a.iter().find(|c| c["name"] == name))
        .unwrap_or_else(|| panic!("no container {name} in {status:#}"))
}

#[test]
fn up_plan_status_and_down_converge_like_compose_and_keep_named_volume_data() {
    let rt = runtime();
    let s = Stack::new("verbs_cycle");
    let (db, web_a) = (s.name("db"), s.name("web.a"));

    // Before anything exists: plan says what up would do, and exits 3.
    let out = s.dmap(&["plan"], "", &[]);
    assert_eq!(out.code, Some(3), "{out}");
    assert!(out.stdout.contains(&format!("create {db}: absent")), "{out}");

    s.dmap(&["up", "--wait"], "", &[]).success();
    rt.block_on(async {
        for name in [&db, &web_a, &s.name("web.b")] {
            assert!(is_running(&s.t.inspect(name).await), "{name} runs");
        }
    });
    let out = s.dmap(&["plan"], "", &[]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (Some(0), "up to date\n"),
        "{out}"
    );
    let doc = json(&s.dmap(&["plan", "--json"], "", &[]));
    assert_eq!(
        doc,
        serde_json::json!({ "changes": false, "steps": [], "notes": [] })
    );

    // Status: every instance, running, db healthy, its image current, nothing to update.
    let out = s.dmap(&["status"], "", &[]);
    out.success();
    let header = out.stdout.lines().next().unwrap_or("");
    for column in ["NAME", "STATE", "HEALTH", "IMAGE", "PORTS", "UPTIME", "UPDATE"] {
        assert!(header.contains(column), "{out}");
    }
    let status = json(&s.dmap(&["ps", "--json"], "", &[]));
    let row = container(&status, &db);
    assert_eq!(row["state"], "running");
    assert_eq!(row["health"], "healthy");
    assert_eq!(row["image_current"], true);
    assert_eq!(row["update"], serde_json::json!([]));
    assert_eq!(row["instance"], Value::Null);
    assert_eq!(container(&status, &web_a)["instance"], "a");
    assert!(
        row["uptime_seconds"].is_u64() && row["started_at"].is_string(),
        "{row}"
    );
    // `__all__/CONFIG`: that configuration in every map that has it.
    let only_db = json(&s.dmap(&["ps", "--json"], "", &["__all__/db"]));
    assert_eq!(
        only_db["containers"].as_array().map(Vec::len),
        Some(1),
        "{only_db:#}"
    );

    // Data written into the named volume.
    let out = s.dmap(&["exec"], "", &["db", "--", "sh", "-c", "echo kept > /data/f"]);
    out.success();

    // An edit: plan names what would change and why; status says it per container.
    let out = s.dmap(&["plan"], "change", &[]);
    assert_eq!(out.code, Some(3), "{out}");
    assert!(
        out.stdout.contains(&format!("recreate {db}: env `V` changed\n")),
        "the reason names the variable\n{out}"
    );
    assert!(
        out.stdout
            .contains(&format!("recreate {web_a}: `{db}` is recreated\n")),
        "linked web is recreated too\n{out}"
    );
    let doc = json(&s.dmap(&["plan", "--json"], "change", &[]));
    assert_eq!(doc["changes"], true);
    let steps = doc["steps"].as_array().expect("steps");
    assert!(
        steps.iter().any(|st| st["action"] == "recreate"
            && st["subject"] == db.as_str()
            && st["client"] == "default"
            && st["reason"] == "env `V` changed"),
        "{doc:#}"
    );
    let status = json(&s.dmap(&["status", "--json"], "change", &[]));
    let update = container(&status, &db)["update"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    assert!(
        update
            .iter()
            .any(|u| u.as_str().is_some_and(|u| u.starts_with("recreate"))),
        "{status:#}"
    );
    let out = s.dmap(&["status"], "change", &[]);
    let line = out
        .stdout
        .lines()
        .find(|l| l.starts_with(&db))
        .unwrap_or_default()
        .to_string();
    assert!(line.contains("recreate"), "{out}");

    // up applies it; the named volume's data survives the recreation.
    let before = rt.block_on(s.t.inspect(&db)).id;
    s.dmap(&["up"], "change", &[]).success();
    assert_ne!(rt.block_on(s.t.inspect(&db)).id, before, "db was recreated");
    let out = s.dmap(&["exec"], "change", &["db", "--", "cat", "/data/f"]);
    assert_eq!(out.stdout, "kept\n", "{out}");
    let out = s.dmap(&["plan"], "change", &[]);
    assert_eq!(out.code, Some(0), "{out}");

    // --force-recreate recreates even though nothing changed.
    let before = rt.block_on(s.t.inspect(&web_a)).id;
    s.dmap(&["up", "--force-recreate"], "change", &["web.a"])
        .success();
    assert_ne!(rt.block_on(s.t.inspect(&web_a)).id, before, "web.a was recreated");

    // An orphan: listed by status, left by up, removed by up --remove-orphans.
    let out = s.dmap(&["status"], "less", &[]);
    assert!(out.stdout.contains(&format!("orphan: {web_a}")), "{out}");
    let status = json(&s.dmap(&["status", "--json"], "less", &[]));
    assert!(
        status["orphans"]
            .as_array()
            .is_some_and(|o| o.iter().any(|x| x["name"] == web_a.as_str())),
        "{status:#}"
    );
    s.dmap(&["up"], "less", &[]).success();
    rt.block_on(async { assert!(is_running(&s.t.inspect(&web_a).await)) });
    s.dmap(&["up", "--remove-orphans"], "less", &[]).success();
    rt.block_on(async {
        let names: Vec<String> =
            s.t.containers()
                .await
                .into_iter()
                .flat_map(|c| c.names.unwrap_or_default())
                .collect();
        assert!(!names.iter().any(|n| n.contains(".web.")), "{names:?}");
    });

    // down removes the containers and keeps the named volume; down --volumes removes it.
    let data = s.name("data");
    s.dmap(&["down"], "", &[]).success();
    rt.block_on(async {
        assert!(s.t.containers().await.is_empty(), "no containers after down");
        assert!(s.t.volume_exists(&data).await, "down keeps named volumes");
    });
    s.dmap(&["up"], "", &["db"]).success();
    let out = s.dmap(&["exec"], "", &["db", "--", "cat", "/data/f"]);
    assert_eq!(out.stdout, "kept\n", "data survives down and up\n{out}");
    s.dmap(&["down", "--volumes"], "", &[]).success();
    rt.block_on(async { assert!(!s.t.volume_exists(&data).await, "down --volumes removes it") });
}

#[test]
fn logs_are_prefixed_tailed_and_filtered_by_time() {
    let s = Stack::new("verbs_logs");
    s.dmap(&["up", "--wait"], "", &[]).success();
    let (db, web_a) = (s.name("db"), s.name("web.a"));
    let out = s.dmap(&["logs"], "", &[]);
    out.success();
    assert!(!out.stdout.contains('\x1b'), "no colour on a pipe\n{out}");
    let lines: Vec<&str> = out.stdout.lines().collect();
    let width = s.name("web.b").len();
    let prefixed = |label: &str, text: &str| {
        lines.iter().any(|l| {
            l.trim_end() == format!("{label:<width$} | {text}")
                || l.ends_with(&format!("{label} | {text}")) && l.starts_with(label)
        })
    };
    assert!(
        prefixed(&db, "db ready") && prefixed(&db, "db warns"),
        "stdout and stderr of db\n{out}"
    );
    assert!(prefixed(&web_a, "three"), "{out}");
    // -n 1: the last line of each container only.
    let out = s.dmap(&["logs", "-n", "1"], "", &["web"]);
    let lines: Vec<&str> = out.stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one line per web instance\n{out}");
    assert!(lines.iter().all(|l| l.ends_with("| three")), "{out}");
    // A group or config target selects; --since in the future selects nothing.
    let out = s.dmap(&["logs", "--since", "@4102444800"], "", &[]);
    assert_eq!(out.stdout, "", "{out}");
    let out = s.dmap(&["logs", "--since", "10m"], "", &["db"]);
    assert!(
        out.stdout.contains("db ready") && !out.stdout.contains("three"),
        "{out}"
    );
    let out = s.dmap(&["logs", "--since", "yesterday"], "", &[]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains("--since yesterday"), "{out}");
    s.dmap(&["down"], "", &[]).success();
}

#[test]
fn exec_runs_in_one_instance_with_its_flags_and_exits_with_the_commands_code() {
    let s = Stack::new("verbs_exec");
    s.dmap(&["up"], "", &["web.a"]).success();
    let out = s.dmap(
        &["exec"],
        "",
        &["web.a", "--", "sh", "-c", "echo out; echo err >&2; exit 7"],
    );
    assert_eq!(out.code, Some(7), "{out}");
    assert_eq!(
        (out.stdout.as_str(), out.stderr.as_str()),
        ("out\n", "err\n"),
        "{out}"
    );
    let out = s.dmap(
        &["exec", "-u", "app", "-w", "/tmp", "-e", "X=42"],
        "",
        &["web.a", "--", "sh", "-c", "echo $X $(pwd) $(id -u)"],
    );
    assert_eq!(out.stdout, "42 /tmp 2000\n", "{out}");
    // Two instances: which one is asked, with their names.
    let out = s.dmap(&["exec"], "", &["web", "--", "true"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(out.stderr.contains(&format!("`{}`", s.name("web.b"))), "{out}");
    // A bad -e and a missing command are usage errors.
    assert_eq!(
        s.dmap(&["exec", "-e", "NOEQUALS"], "", &["web.a", "--", "true"])
            .code,
        Some(2)
    );
    assert_eq!(s.dmap(&["exec"], "", &["web.a"]).code, Some(2));
    // Stdin reaches the command (no terminal here).
    let out = s
        .test(&["exec", "-T"], "", &["web.a", "--", "cat"])
        .stdin("piped in\n")
        .run();
    assert_eq!(out.stdout, "piped in\n", "{out}");
    // A stopped container, then an absent one: errors naming it.
    runtime().block_on(stop_now(&s.name("web.a")));
    let out = s.dmap(&["exec"], "", &["web.a", "--", "true"]);
    assert_eq!(out.code, Some(1), "{out}");
    assert!(
        out.stderr.contains(&format!(
            "container `{}` is not running (`dmap up` starts it)",
            s.name("web.a")
        )),
        "{out}"
    );
    s.dmap(&["down"], "", &[]).success();
    let out = s.dmap(&["exec"], "", &["web.a", "--", "true"]);
    assert_eq!(out.code, Some(1), "{out}");
    assert!(out.stderr.contains(&s.name("web.a")), "{out}");
}

#[test]
fn progress_modes_json_plain_and_quiet() {
    let s = Stack::new("verbs_progress");
    let out = s.dmap(&["--progress", "json", "up"], "", &["db"]);
    out.success();
    let events: Vec<Value> = out
        .stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("line {l:?} is not JSON ({e})\n{out}")))
        .collect();
    assert!(
        events
            .iter()
            .any(|e| e["event"] == "finished" && e["subject"] == s.name("db").as_str()),
        "{out}"
    );
    let out = s.dmap(&["up", "--force-recreate"], "", &["db"]);
    out.success();
    assert!(
        !out.stderr.contains('\x1b'),
        "plain lines carry no control codes\n{out}"
    );
    assert!(
        out.stderr.contains(&format!("recreate {}: forced", s.name("db"))),
        "{out}"
    );
    // A failure ends with an error event, still JSON.
    let out = s.dmap(&["--progress", "json", "exec"], "", &["web", "--", "true"]);
    let last: Value = serde_json::from_str(out.stderr.lines().last().unwrap_or("")).expect("JSON error");
    assert_eq!(last["event"], "error", "{out}");
    assert!(
        last["message"]
            .as_str()
            .is_some_and(|m| m.contains("exec runs in one")),
        "{out}"
    );
    let out = s.dmap(&["-q", "down"], "", &[]);
    out.success();
    assert_eq!(out.stderr, "", "{out}");
}

#[test]
fn a_recipe_reads_status() {
    let t = DockerTest::new("verbs_c_status");
    let recipe = Recipe::new(
        &t,
        &busybox_image(),
        r#"
m.containers.app = #{ image: img, stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m);
if phase == "up" { c.startup(); }
let s = c.status();
for row in s.containers { print(`ROW ${row.name} ${row.state} ${row.update.len()} ${row.image_current}`); }
print(`ORPHANS ${s.orphans.len()}`);
if phase == "down" { c.shutdown(); }
"#,
    );
    let app = n(&t, "app");
    let out = recipe.run("look");
    out.success();
    assert!(out.stdout.contains(&format!("ROW {app} absent 2 \n")), "{out}");
    let out = recipe.run("up");
    assert!(out.stdout.contains(&format!("ROW {app} running 0 true")), "{out}");
    assert!(out.stdout.contains("ORPHANS 0"), "{out}");
    recipe.run("down").success();
}

/// `dmap VERB` of a one-container recipe against the Engine at `docker_host`, which can't be
/// read: the table says why (`reason`), the exit status is 1 and stderr names the client.
#[track_caller]
fn status_unreadable(verb: &str, docker_host: &str, reason: &str) {
    Test::new()
        .file(
            "s.rhai",
            "let m = container_map(\"st\");\nm.containers.web = #{ image: \"app\" };\nm\n",
        )
        .env("DOCKER_HOST", docker_host)
        .args([verb, "s.rhai"])
        .run()
        .status(1)
        .stdout(&unindent(&format!(
            "
            NAME  STATE  HEALTH  IMAGE  PORTS  UPTIME  UPDATE
            unreachable: client `default`: cannot connect to the Docker Engine at {docker_host}: {reason}
            "
        )))
        .stderr("error: can't read the Engine of client `default`\n");
}

/// A status that could not be read is a failure: the table says which client and why, and the
/// exit status is 1 (for `ps` too), not the 0 of a clean, empty table.
#[test]
fn status_of_an_engine_that_cannot_be_read_exits_1() {
    for verb in ["status", "ps"] {
        status_unreadable(verb, "tcp://127.0.0.1:1", "connection refused");
    }
}

/// Something at `DOCKER_HOST` that accepts and closes the connection is named with a reason,
/// not an empty one.
#[test]
fn a_peer_that_closes_the_connection_is_a_reason_in_words() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        // The request is read before the connection closes: closing with it unread would
        // reset the connection instead (another reason, "connection reset").
        for mut stream in listener.incoming().take(8).flatten() {
            let mut head = Vec::new();
            let mut byte = [0u8; 1];
            while !head.ends_with(b"\r\n\r\n")
                && std::io::Read::read(&mut stream, &mut byte).unwrap_or(0) == 1
            {
                head.push(byte[0]);
            }
        }
    });
    status_unreadable(
        "status",
        &format!("tcp://{address}"),
        "connection closed before message completed",
    );
}

/// Something at `DOCKER_HOST` that answers with a web page (a proxy, a web server) is summarised
/// by its status and title, not dumped.
#[test]
fn an_html_page_from_something_that_is_not_an_engine_is_summarised() {
    use std::io::{Read as _, Write as _};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let address = listener.local_addr().expect("address");
    std::thread::spawn(move || {
        for mut stream in listener.incoming().take(8).flatten() {
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let body = format!(
                "<!DOCTYPE html><html><head><title>404 Not Found</title></head><body>{}</body></html>",
                "x".repeat(3000)
            );
            let _ = write!(
                stream,
                "HTTP/1.1 404 Not Found\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    status_unreadable(
        "status",
        &format!("tcp://{address}"),
        "HTTP 404 with an HTML page titled `404 Not Found` (is this a Docker Engine?)",
    );
}
