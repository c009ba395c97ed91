//! Engines over ssh: `DOCKER_HOST=ssh://...` and `base_url: "ssh://..."` reach the test bed's
//! engine2 through its sshd and the system's `ssh` (tests/bed/engines.sh; `.ci/run` starts it),
//! for the verbs, their streams and Ctrl-C; what ssh or the remote `docker` gets wrong is said in
//! plain words, exactly. dmap's temporary directory (`TMPDIR`) is the test's own, so that what a
//! run leaves of its tunnels (sockets, ssh processes) can be looked for.

use std::ffi::OsString;
use std::os::unix::process::CommandExt as _;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::bed::{engine2, load_images, sshd, Remote, Sshd};
use crate::support::harness::{unindent, Output, Test};
use crate::support::{busybox_image, DockerTest};

/// `web` (two instances) and `worker`. `-a MAP -a IMAGE [-a ADDRESS]`: with an address, the map
/// runs on client `far` at that address; without, on `default` (`DOCKER_HOST`).
const RECIPE: &str = r#"
let m = container_map(ARGS[0]);
let img = ARGS[1];
m.containers.web = #{
    image: img, instances: ["a", "b"], stop_signal: "SIGKILL",
    create_options: #{ command: ["sh", "-c", "echo hello from $HOSTNAME; exec sleep 3600"] },
};
m.containers.worker = #{ image: img, stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
if ARGS.len() > 2 {
    m.clients = ["far"];
    mapping_client(m, #{ far: docker(#{ base_url: ARGS[2] }) });
} else {
    mapping_client(m);
}
"#;

/// A map of a test on engine2 through the bed's sshd; what it leaves there is removed on drop.
struct Stack {
    t: DockerTest,
    sshd: Sshd,
    image: String,
    remote: Remote,
    /// `base_url` instead of `DOCKER_HOST`.
    base_url: bool,
    test: Test,
}

impl Stack {
    fn new(name: &str, base_url: bool) -> Stack {
        let e2 = engine2();
        let sshd = sshd();
        let image = busybox_image();
        load_images(&e2, &[&image]);
        let t = DockerTest::new(name);
        let remote = Remote {
            host: e2.host.clone(),
            prefix: t.name.clone(),
        };
        let test = Test::new().file("stack.rhai", RECIPE);
        Stack {
            t,
            sshd,
            image,
            remote,
            base_url,
            test,
        }
    }

    /// `dmap VERB -a MAP -a IMAGE [-a ADDRESS] stack.rhai REST...` through the bed's ssh, with
    /// the test's directory as `TMPDIR`.
    fn run(&self, verb: &[&str], rest: &[&str]) -> Test {
        let mut args: Vec<String> = verb.iter().map(|s| s.to_string()).collect();
        args.extend(["-a", &self.t.name, "-a", &self.image].map(String::from));
        if self.base_url {
            args.extend(["-a".to_string(), self.sshd.host.clone()]);
        }
        args.push("stack.rhai".into());
        args.extend(rest.iter().map(|s| s.to_string()));
        let test = self
            .test
            .clone()
            .env("PATH", self.sshd.path())
            .env("TMPDIR", self.test.path())
            .env_remove("SSH_AUTH_SOCK")
            .args(args);
        if self.base_url {
            test
        } else {
            test.env("DOCKER_HOST", &self.sshd.host)
        }
    }

    #[track_caller]
    fn dmap(&self, verb: &[&str], rest: &[&str]) -> Output {
        let out = self.run(verb, rest).run();
        no_tunnel_left(self.test.path(), &out);
        out
    }

    fn name(&self, rest: &str) -> String {
        format!("{}.{rest}", self.t.name)
    }

    fn names_there(&self) -> Vec<String> {
        let mut names = self.remote.names();
        names.sort();
        names
    }
}

/// Nothing of a run's tunnels is left: no directory of dmap's in `tmp`, no process that names it
/// (an ssh master is `ssh: PATH [mux]`).
#[track_caller]
fn no_tunnel_left(tmp: &Path, out: &Output) {
    let tmp_text = tmp.to_string_lossy().into_owned();
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        let dirs: Vec<String> = std::fs::read_dir(tmp)
            .map(|entries| {
                entries
                    .filter_map(Result::ok)
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|name| name.starts_with("dmap-ssh-"))
                    .collect()
            })
            .unwrap_or_default();
        let processes = processes_naming(&tmp_text);
        if dirs.is_empty() && processes.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the run left {dirs:?} in {tmp_text} and processes {processes:?}\n{out}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The command lines of the processes whose command line holds `text`.
fn processes_naming(text: &str) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| {
            e.file_name()
                .to_string_lossy()
                .chars()
                .all(|c| c.is_ascii_digit())
        })
        .filter_map(|e| std::fs::read(e.path().join("cmdline")).ok())
        .map(|bytes| String::from_utf8_lossy(&bytes).replace('\0', " "))
        .filter(|line| line.contains(text))
        .collect()
}

fn json(out: &Output) -> Value {
    serde_json::from_str(&out.stdout).unwrap_or_else(|e| panic!("not JSON ({e})\n{out}"))
}

fn states(status: &Value) -> Vec<(String, String)> {
    let mut rows: Vec<(String, String)> = status["containers"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default().to_string(),
                c["state"].as_str().unwrap_or_default().to_string(),
            )
        })
        .collect();
    rows.sort();
    rows
}

#[test]
fn the_verbs_work_on_an_engine_over_ssh_from_docker_host() {
    let s = Stack::new("ssh_docker_host", false);
    let (web_a, web_b, worker) = (s.name("web.a"), s.name("web.b"), s.name("worker"));

    s.dmap(&["up"], &[]).success();
    assert_eq!(
        s.names_there(),
        vec![web_a.clone(), web_b.clone(), worker.clone()]
    );

    let status = json(s.dmap(&["status", "--json"], &[]).success());
    let running = |name: &str| (name.to_string(), "running".to_string());
    assert_eq!(
        states(&status),
        vec![running(&web_a), running(&web_b), running(&worker)]
    );
    // nothing to do, and it says so
    let out = s.dmap(&["up"], &[]);
    out.success();
    assert!(out.stderr.contains("up to date"), "{out}");

    // streams: the logs, a command's output and exit code (no terminal here)
    let out = s.dmap(&["logs"], &["web"]);
    out.success();
    let host = |instance: &str| format!("{}-web-{instance}", s.t.name.replace('_', "-"));
    for (name, instance) in [(&web_a, "a"), (&web_b, "b")] {
        assert!(
            out.stdout
                .contains(&format!("{name} | hello from {}", host(instance))),
            "{out}"
        );
    }
    let out = s
        .run(
            &["exec"],
            &[
                "web.a",
                "--",
                "sh",
                "-c",
                "read line; echo got $line; echo oops >&2; exit 3",
            ],
        )
        .stdin("over ssh\n")
        .run();
    no_tunnel_left(s.test.path(), &out);
    assert_eq!(
        (out.code, out.stdout.as_str(), out.stderr.as_str()),
        (Some(3), "got over ssh\n", "oops\n"),
        "{out}"
    );

    s.dmap(&["down"], &[]).success();
    assert!(
        s.names_there().is_empty(),
        "down removed them: {:?}",
        s.names_there()
    );
}

#[test]
fn a_client_with_an_ssh_base_url_runs_its_containers_there() {
    let s = Stack::new("ssh_base_url", true);
    let out = s.dmap(&["up"], &[]);
    out.success();
    assert!(
        out.stderr.contains("[far] start"),
        "progress names the client\n{out}"
    );
    assert_eq!(s.names_there().len(), 3, "{out}");
    let status = json(s.dmap(&["status", "--json"], &[]).success());
    assert_eq!(states(&status).len(), 3, "{status:#}");
    assert!(
        states(&status).iter().all(|(_, state)| state == "running"),
        "{status:#}"
    );
    s.dmap(&["down"], &[]).success();
    assert!(s.names_there().is_empty());
}

/// Ctrl-C at a terminal reaches the whole foreground process group: dmap, and ssh processes it
/// would leave there. dmap still needs the Engine to remove the one-off container it runs.
#[test]
fn ctrl_c_ends_a_job_over_ssh_and_dmap_still_removes_it() {
    let s = Stack::new("ssh_ctrl_c", false);
    let mut command = s.run(&["job"], &["worker", "--", "sleep", "300"]).command();
    command
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .process_group(0);
    let mut child = command.spawn().expect("start dmap");
    let jobs = || {
        s.names_there()
            .into_iter()
            .filter(|n| n.contains("-run-"))
            .collect::<Vec<_>>()
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    while jobs().is_empty() {
        assert!(
            Instant::now() < deadline && child.try_wait().ok().flatten().is_none(),
            "the job never started"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    let pgid = format!("-{}", child.id());
    let sent = Instant::now();
    let status = Command::new("kill")
        .args(["-INT", "--", &pgid])
        .status()
        .expect("run kill");
    assert!(status.success(), "kill -INT {pgid}");
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait for dmap") {
            break status.code();
        }
        assert!(
            sent.elapsed() < Duration::from_secs(30),
            "dmap still runs 30 s after Ctrl-C"
        );
        std::thread::sleep(Duration::from_millis(10));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        use std::io::Read as _;
        let _ = pipe.read_to_string(&mut stderr);
    }
    assert_eq!(code, Some(130), "{stderr}");
    assert!(
        jobs().is_empty(),
        "interrupted and removed: {:?}\n{stderr}",
        jobs()
    );
    let out = s.run(&["down"], &[]).run();
    out.success();
    no_tunnel_left(s.test.path(), &out);
}

/// `dmap status` of a one-container map at `address`, with PATH `path`: the table says why the
/// Engine can't be read.
#[track_caller]
fn unreachable_over_ssh(dir: &Test, path: &OsString, address: &str, reason: &str) {
    let out = dir
        .clone()
        .env("DOCKER_HOST", address)
        .env("PATH", path)
        .env("TMPDIR", dir.path())
        .env_remove("SSH_AUTH_SOCK")
        .args(["status", "s.rhai"])
        .run();
    out.status(1)
        .stdout(&unindent(&format!(
            "
            NAME  STATE  HEALTH  IMAGE  PORTS  UPTIME  UPDATE
            unreachable: client `default`: cannot connect to the Docker Engine at {address}: {reason}
            "
        )))
        .stderr("error: can't read the Engine of client `default`\n");
    no_tunnel_left(dir.path(), &out);
}

/// An ssh client's key (`id_KEY` of the bed's) and `known_hosts` text; `None`: no `ssh` on PATH.
type Client<'a> = Option<(&'a str, &'a str)>;

#[test]
fn what_ssh_or_the_remote_docker_gets_wrong_is_said_in_plain_words() {
    let sshd = sshd();
    let (address, ip) = (sshd.host.as_str(), sshd.ip.as_str());
    let dir = Test::new().file(
        "s.rhai",
        "let m = container_map(\"st\");\nm.containers.web = #{ image: \"app\" };\nm\n",
    );
    let known = sshd.known_host();
    // another key than the host's, recorded for its address
    let other_key = std::fs::read_to_string(sshd.dir.join("id_stranger.pub")).expect("a public key");
    let other_key: Vec<&str> = other_key.split_whitespace().take(2).collect();
    let changed = format!("{ip} {}\n", other_key.join(" "));
    let no_engine = sshd.dir.join("no-engine.sock");
    // (the client's key and known_hosts, or no ssh at all; the address; why)
    let cases: [(Client<'_>, &str, String); 7] = [
        (
            None,
            address,
            "there is no `ssh` on PATH (dmap reaches ssh:// addresses through the system's ssh client)".into(),
        ),
        (
            Some(("engine2", "")),
            address,
            format!("ssh does not know the host key of `{ip}` and dmap runs it without prompts: connect once with `ssh root@{ip}` to check the key and record it"),
        ),
        (
            Some(("engine2", &changed)),
            address,
            format!("the host key of `{ip}` is not the one ssh recorded in known_hosts: the host was reinstalled, or someone is in between; ssh refuses to connect"),
        ),
        (
            Some(("stranger", &known)),
            address,
            format!("`{ip}` refused the login: permission denied (publickey); dmap runs ssh without prompts, so the key must be in the agent or need no passphrase"),
        ),
        (
            Some(("nodocker", &known)),
            address,
            format!("there is no `docker` command on `{ip}` (dmap runs `docker system dial-stdio` there, as the docker CLI does)"),
        ),
        (
            Some(("nodaemon", &known)),
            address,
            format!(
                "the `docker` of `{ip}` can't reach its Engine: failed to open the raw stream connection: dial unix {}: connect: no such file or directory",
                no_engine.display()
            ),
        ),
        (
            Some(("engine2", &known)),
            "ssh://root@127.0.0.1:9",
            "`127.0.0.1` refused the connection on port 9 (no ssh server listens there?)".into(),
        ),
    ];
    let nowhere = dir.path().join("no-ssh-here");
    std::fs::create_dir_all(&nowhere).expect("an empty directory");
    for (client, address, reason) in &cases {
        let path = match client {
            Some((key, known_hosts)) => sshd.client(dir.path(), key, known_hosts),
            None => nowhere.clone().into_os_string(),
        };
        unreachable_over_ssh(&dir, &path, address, reason);
    }
}

/// More connections at once than an ssh server takes sessions over one connection (OpenSSH's
/// `MaxSessions`, 10): `logs -f` of 24 containers follows each over a connection of its own, and
/// dmap opens more ssh masters for them; all end with dmap.
#[test]
fn more_connections_than_one_ssh_connection_carries_are_carried_by_more() {
    let e2 = engine2();
    let sshd = sshd();
    let image = busybox_image();
    load_images(&e2, &[&image]);
    let t = DockerTest::new("ssh_many");
    let remote = Remote {
        host: e2.host.clone(),
        prefix: t.name.clone(),
    };
    let dir = Test::new().file(
        "many.rhai",
        r#"
let m = container_map(ARGS[0]);
for i in 0..24 {
    m.containers[`c${i}`] = #{ image: ARGS[1], stop_signal: "SIGKILL",
        create_options: #{ command: ["sh", "-c", `while true; do echo tick ${i}; sleep 0.2; done`] } };
}
mapping_client(m);
"#,
    );
    let run = |verb: &str| {
        dir.clone()
            .env("DOCKER_HOST", &sshd.host)
            .env("PATH", sshd.path())
            .env("TMPDIR", dir.path())
            .env_remove("SSH_AUTH_SOCK")
            .args([verb, "-a", &t.name, "-a", &image, "many.rhai"])
    };
    let out = run("up").run();
    out.success();
    no_tunnel_left(dir.path(), &out);
    assert_eq!(remote.names().len(), 24, "{out}");
    let following = run("logs").arg("-f").spawn();
    std::thread::sleep(Duration::from_secs(3));
    following.signal("INT");
    let out = following.finish();
    no_tunnel_left(dir.path(), &out);
    for i in 0..24 {
        // names are padded to one width
        let (name, tick) = (format!("{}.c{i} ", t.name), format!(" | tick {i}"));
        assert!(
            out.stdout
                .lines()
                .any(|l| l.starts_with(&name) && l.ends_with(&tick)),
            "c{i} followed\n{out}"
        );
    }
    let out = run("down").run();
    out.success();
    no_tunnel_left(dir.path(), &out);
    assert!(remote.names().is_empty());
}

/// An image removed from a remote Engine when the test ends.
struct RemoteImage<'a>(&'a Remote, String);

impl Drop for RemoteImage<'_> {
    fn drop(&mut self) {
        self.0.docker(&["rmi", "-f", &self.1]);
        self.0
            .docker(&["builder", "prune", "-f", "--filter", "type=exec.cachemount"]);
    }
}

/// A BuildKit build on an Engine over ssh: the build's session travels through
/// `docker system dial-stdio` like every other connection.
#[test]
fn a_buildkit_build_runs_on_an_engine_over_ssh() {
    let e2 = engine2();
    let sshd = sshd();
    let t = DockerTest::new("ssh_build");
    let remote = Remote {
        host: e2.host.clone(),
        prefix: t.name.clone(),
    };
    let image = format!("{}-app", t.name);
    let _image = RemoteImage(&remote, format!("{image}:latest"));
    let test = Test::new().file(
        "build.rhai",
        &format!(
            "let m = container_map(\"{}\");\nlet df = dockerfile(\"scratch\");\ndf.writeline(\"LABEL dmap.test={}\");\ndf.add_file(\"/bin/busybox\", \"/bin/busybox\");\ndf.writeline(`RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]`);\ndf.writeline(\"RUN --mount=type=cache,target=/c echo cached > /c/x && cp /c/x /x\");\nm.images[\"{image}\"] = df;\nmapping_client(m);\n",
            t.name, t.name
        ),
    );
    let out = test
        .clone()
        .env("PATH", sshd.path())
        .env("TMPDIR", test.path())
        .env_remove("SSH_AUTH_SOCK")
        .env("DOCKER_HOST", &sshd.host)
        .args(["--progress", "plain", "build", "build.rhai"])
        .run();
    out.success();
    no_tunnel_left(test.path(), &out);
    assert!(
        out.stderr
            .contains("RUN --mount=type=cache,target=/c echo cached > /c/x && cp /c/x /x"),
        "BuildKit's step:\n{out}"
    );
    let labelled = remote.docker(&[
        "image",
        "inspect",
        "--format",
        "{{index .Config.Labels \"dmap.context\"}}",
        &image,
    ]);
    assert!(
        labelled.trim().starts_with("sha256:"),
        "built on engine2: {labelled:?}\n{out}"
    );
}
