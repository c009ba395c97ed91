//! Swarm clients against the test bed's two-node Swarm (tests/bed/engines.sh swarm-up: engine2
//! the manager, engine3 a worker). The bed's kernel has no IPVS, so services use
//! `endpoint_mode: "dnsrr"` and host-mode published ports. A guard removes what a test made on
//! both nodes.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::bed::{engine2, engine3, load_images, Engine};
use crate::support::recipe::*;
use crate::support::{busybox_image, DockerTest};

fn docker(host: &str, args: &[&str]) -> String {
    let out = Command::new("docker")
        .arg("-H")
        .arg(host)
        .args(args)
        .output()
        .expect("docker");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Removes the services, networks and volumes named after a test's map, on both nodes.
struct Cleanup {
    manager: String,
    nodes: Vec<String>,
    prefix: String,
}

impl Drop for Cleanup {
    fn drop(&mut self) {
        let filter = format!("name={}", self.prefix);
        let services = docker(&self.manager, &["service", "ls", "-q", "--filter", &filter]);
        let ids: Vec<&str> = services.lines().filter(|l| !l.is_empty()).collect();
        if !ids.is_empty() {
            let mut args = vec!["service", "rm"];
            args.extend(ids);
            docker(&self.manager, &args);
        }
        // Tasks take a moment to go; then their networks and volumes can.
        for _ in 0..40 {
            if self
                .nodes
                .iter()
                .all(|n| docker(n, &["ps", "-aq", "--filter", &filter]).trim().is_empty())
            {
                break;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
        for n in &self.nodes {
            let listed = docker(n, &["volume", "ls", "-q", "--filter", &filter]);
            for v in listed.lines().filter(|l| !l.is_empty()) {
                docker(n, &["volume", "rm", "-f", v]);
            }
        }
        let nets = docker(&self.manager, &["network", "ls", "-q", "--filter", &filter]);
        for id in nets.lines().filter(|l| !l.is_empty()) {
            docker(&self.manager, &["network", "rm", id]);
        }
    }
}

fn bed() -> (Engine, Engine, String) {
    let (m, w) = (engine2(), engine3());
    let image = busybox_image();
    load_images(&m, &[&image]);
    load_images(&w, &[&image]);
    (m, w, image)
}

/// `db` (a named volume, a healthcheck), `app` (replicas, linked to db), `front` (publishes a
/// port in host mode, linked to app). ARGS: MAP IMAGE PHASE [ENV] [REPLICAS].
const STACK: &str = r#"
let env_v = if ARGS.len() > 3 { ARGS[3] } else { "1" };
let replicas = if ARGS.len() > 4 { parse_int(ARGS[4]) } else { 3 };
m.clients = ["sw"];
m.volumes.data = "/data";
m.containers.base = #{ abstract: true, image: img, stop_signal: "SIGKILL", deploy: #{ endpoint_mode: "dnsrr" } };
m.containers.db = #{ extends: "base", attaches: "data",
    healthcheck: #{ test: ["CMD", "test", "-e", "/data/ready"], interval: "1s" },
    create_options: #{ command: ["sh", "-c", "echo kept > /data/ready; exec sleep 3600"] } };
m.containers.app = #{ extends: "base", links: [["db", "database"]],
    deploy: #{ endpoint_mode: "dnsrr", replicas: replicas },
    create_options: #{ command: ["sh", "-c", "echo app $V up; exec sleep 3600"], environment: #{ V: env_v } } };
m.containers.front = #{ extends: "base", links: "app", exposes: [[80, PORT]],
    deploy: #{ endpoint_mode: "dnsrr", publish_mode: "host" },
    create_options: #{ command: ["sh", "-c", "mkdir -p /w && echo front > /w/index.html && exec httpd -f -p 80 -h /w"] } };
let c = mapping_client(m, #{ sw: docker(#{ base_url: "MANAGER", swarm: true, wait_timeout: 60 }) });
if phase == "up" { show(c.update()); }
if phase == "stop" { show(c.stop("front")); }
if phase == "start" { show(c.startup("front")); }
if phase == "restart" { show(c.restart("db")); }
if phase == "down" { show(c.shutdown()); }
"#;

fn http_first_line(ip: &str, port: u16) -> String {
    let addr: SocketAddr = format!("{ip}:{port}").parse().expect("address");
    let deadline = Instant::now() + Duration::from_secs(20);
    while Instant::now() < deadline {
        if let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = s.write_all(b"GET / HTTP/1.0\r\n\r\n");
            let mut body = String::new();
            let _ = s.read_to_string(&mut body);
            if let Some(l) = body.lines().next() {
                return l.to_string();
            }
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    panic!("nothing answers on {addr}");
}

/// `dmap VERB... -a MAP -a IMAGE -a x r.rhai REST...` in the recipe's directory.
fn verb(r: &Recipe, t: &DockerTest, image: &str, verb: &[&str], rest: &[&str]) -> Output {
    Test::in_dir(r.dir.path())
        .engine()
        .args(verb)
        .args(["-a", &t.name, "-a", image, "-a", "x", "r.rhai"])
        .args(rest)
        .run()
}

/// The node hostnames the running tasks of a service are on.
fn nodes_of(manager: &str, service: &str) -> Vec<String> {
    let mut n: Vec<String> = docker(
        manager,
        &[
            "service",
            "ps",
            service,
            "--filter",
            "desired-state=running",
            "--format",
            "{{.Node}}",
        ],
    )
    .lines()
    .map(str::to_string)
    .collect();
    n.sort();
    n
}

#[test]
fn a_map_runs_as_services_on_a_two_node_swarm() {
    let (manager, worker, image) = bed();
    let t = DockerTest::new("swarm_stack");
    let _cleanup = Cleanup {
        manager: manager.host.clone(),
        nodes: vec![manager.host.clone(), worker.host.clone()],
        prefix: t.name.clone(),
    };
    let port = free_port();
    let r = Recipe::new(
        &t,
        &image,
        &STACK
            .replace("PORT", &port.to_string())
            .replace("MANAGER", &manager.host),
    );
    let svc = |c: &str| format!("{}_{c}", t.name);
    let out = r.run("up");
    out.success();
    for c in ["db", "app", "front"] {
        assert!(
            out.stderr
                .contains(&format!("[sw] create_service {}: absent", svc(c))),
            "{out}"
        );
    }
    // Dependencies first: db runs (healthy) before app is created, app before front.
    let pos = |needle: &str| {
        out.stderr
            .find(needle)
            .unwrap_or_else(|| panic!("no {needle:?}\n{out}"))
    };
    assert!(pos(&format!("wait_service {}", svc("db"))) < pos(&format!("create_service {}", svc("app"))));
    assert!(pos(&format!("wait_service {}", svc("app"))) < pos(&format!("create_service {}", svc("front"))));
    // The replicas spread over both nodes.
    let app_nodes = nodes_of(&manager.host, &svc("app"));
    assert_eq!(app_nodes.len(), 3, "{app_nodes:?}");
    assert!(
        app_nodes.contains(&"engine2".to_string()) && app_nodes.contains(&"engine3".to_string()),
        "{app_nodes:?}"
    );
    // The front answers on the node its task runs on, and reaches app by its link alias.
    let front_node = nodes_of(&manager.host, &svc("front")).pop().expect("front runs");
    let (ip, host) = if front_node == "engine2" {
        (&manager.ip, &manager.host)
    } else {
        (&worker.ip, &worker.host)
    };
    assert!(http_first_line(ip, port).contains("200"));
    let front = docker(host, &["ps", "-q", "--filter", &format!("name={}", svc("front"))]);
    let ping = Command::new("docker")
        .args([
            "-H",
            host,
            "exec",
            front.trim(),
            "ping",
            "-c",
            "1",
            "-W",
            "3",
            "app",
        ])
        .output()
        .expect("exec ping");
    assert!(
        ping.status.success(),
        "front reaches app by its alias: {}",
        String::from_utf8_lossy(&ping.stderr)
    );
    // Labels and the recorded spec.
    let labels: Value = serde_json::from_str(&docker(
        &manager.host,
        &[
            "service",
            "inspect",
            "--format",
            "{{json .Spec.Labels}}",
            &svc("app"),
        ],
    ))
    .expect("labels");
    assert_eq!(labels["dmap.map"], t.name.as_str());
    assert!(labels["dmap.spec"].is_string());
    // A second update does nothing.
    assert_no_steps(&r.run("up"));
    // exec says where a service's tasks are.
    verb(&r, &t, &image, &["exec"], &["db", "--", "true"])
        .usage_error()
        .stderr_has(&format!("as service `{}`", svc("db")));
    // logs: the output of every task of a service.
    let logs = verb(&r, &t, &image, &["logs"], &["app"]);
    assert_eq!(
        logs.stdout
            .lines()
            .filter(|l| *l == format!("[sw] {} | app 1 up", svc("app")))
            .count(),
        3,
        "one line per task\n{logs}"
    );
    // Status per service: replicas, nodes.
    let doc: Value = verb(&r, &t, &image, &["status", "--json"], &[]).json();
    let app = doc["services"]
        .as_array()
        .and_then(|a| a.iter().find(|s| s["name"] == svc("app").as_str()))
        .cloned()
        .expect("app in status");
    assert_eq!(
        (app["replicas"].as_u64(), app["running"].as_u64()),
        (Some(3), Some(3)),
        "{doc:#}"
    );
    // An environment change rolls app alone.
    let out = r.run_with("up", &["2"]);
    out.success();
    assert!(
        out.stderr
            .contains(&format!("[sw] update_service {}: spec changed", svc("app"))),
        "{out}"
    );
    assert!(
        !out.stderr.contains(&format!("update_service {}:", svc("db"))),
        "{out}"
    );
    let env = docker(
        &manager.host,
        &[
            "service",
            "inspect",
            "--format",
            "{{json .Spec.TaskTemplate.ContainerSpec.Env}}",
            &svc("app"),
        ],
    );
    assert!(env.contains("V=2"), "{env}");
    // Replicas 3 → 5 scale in place.
    let out = r.run_with("up", &["2", "5"]);
    assert!(
        out.stderr
            .contains(&format!("[sw] update_service {}: replicas 3 → 5", svc("app"))),
        "{out}"
    );
    assert_eq!(nodes_of(&manager.host, &svc("app")).len(), 5);
    // stop scales to 0 and startup brings it back; restart redeploys db's task.
    let out = r.run_with("stop", &["2", "5"]);
    assert!(
        out.stderr
            .contains(&format!("[sw] scale_service {}: stop: scaled to 0", svc("front"))),
        "{out}"
    );
    assert!(nodes_of(&manager.host, &svc("front")).is_empty());
    let out = r.run_with("start", &["2", "5"]);
    assert!(
        out.stderr.contains(&format!(
            "[sw] update_service {}: stopped (0 replicas)",
            svc("front")
        )),
        "{out}"
    );
    assert_eq!(nodes_of(&manager.host, &svc("front")).len(), 1);
    let task = |name: &str| {
        docker(
            &manager.host,
            &["service", "ps", name, "--filter", "desired-state=running", "-q"],
        )
    };
    let before = task(&svc("db"));
    let out = r.run_with("restart", &["2", "5"]);
    assert!(
        out.stderr
            .contains(&format!("[sw] update_service {}: restart", svc("db"))),
        "{out}"
    );
    assert_ne!(task(&svc("db")), before, "a new task");
    // Shutdown removes the services and keeps the volume on the node db ran on.
    let db_node = nodes_of(&manager.host, &svc("db")).pop().expect("db runs");
    let db_host = if db_node == "engine2" {
        &manager.host
    } else {
        &worker.host
    };
    r.run_with("down", &["2", "5"]).success();
    assert!(docker(
        &manager.host,
        &["service", "ls", "-q", "--filter", &format!("name={}", t.name)]
    )
    .trim()
    .is_empty());
    let volumes = docker(
        db_host,
        &["volume", "ls", "-q", "--filter", &format!("name={}_data", t.name)],
    );
    assert_eq!(volumes.trim(), format!("{}_data", t.name), "the volume stays");
}

#[test]
fn a_service_that_never_runs_fails_naming_it_and_its_task_error() {
    let (manager, worker, image) = bed();
    let t = DockerTest::new("swarm_never");
    let _cleanup = Cleanup {
        manager: manager.host.clone(),
        nodes: vec![manager.host.clone(), worker.host.clone()],
        prefix: t.name.clone(),
    };
    let body = format!(
        r#"
m.clients = ["sw"];
m.containers.stuck = #{{ image: img, stop_signal: "SIGKILL", deploy: #{{ endpoint_mode: "dnsrr", placement: #{{ constraints: ["node.labels.nowhere==1"] }} }},
    create_options: #{{ command: "sleep 3600" }} }};
let c = mapping_client(m, #{{ sw: docker(#{{ base_url: "{}", swarm: true, wait_timeout: 6 }}) }});
if phase == "up" {{ c.startup(); }} else {{ c.shutdown(); }}
"#,
        manager.host
    );
    let r = Recipe::new(&t, &image, &body);
    let out = r.run("up");
    out.failure();
    let stuck = format!("{}_stuck", t.name);
    assert!(
        out.stderr
            .contains(&format!("service `{stuck}` has 0 of 1 tasks running")),
        "{out}"
    );
    assert!(out.stderr.contains("no suitable node"), "the task's error\n{out}");
    r.run("down").success();
}

#[test]
fn what_a_service_cannot_do_is_a_check_error() {
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("r.rhai"),
        r#"
let m = container_map("swcheck");
m.clients = ["sw", "plain"];
m.volumes.data = "/data";
m.containers.db = #{ image: "db", clients: "sw", attaches: "data", user: "app", exec_commands: "true" };
m.containers.app = #{ image: "app", clients: "sw", uses: "db", network_mode: "db" };
m.containers.web = #{ image: "web", clients: "plain", deploy: #{ replicas: 2 } };
mapping_client(m, #{ sw: docker(#{ base_url: "tcp://10.200.0.2:2375", swarm: true }), plain: docker() });
"#,
    )
    .expect("write");
    let out = Test::in_dir(dir.path()).args(["check", "r.rhai"]).run();
    out.failure();
    for needle in [
        "`exec_commands` can't be carried out by a service",
        "`uses` `db` takes the volumes of a container",
        "`network_mode` shares the network of container `db`",
        "a Swarm does not prepare volumes",
        "`deploy` is for Swarm clients, and client `plain` is not one",
    ] {
        assert!(out.stderr.contains(needle), "{needle}\n{out}");
    }
    assert!(out.stderr.contains("r.rhai:5:"), "positions\n{out}");
    // A declared image runs on a Swarm from the map's registry: without one, said before any
    // Engine is contacted.
    std::fs::write(
        dir.path().join("i.rhai"),
        "let m = container_map(\"swimg\");\nm.images.app = dockerfile(\"scratch\");\nm.containers.app = #{ image: \"app\" };\nmapping_client(m, #{ \"default\": docker(#{ base_url: \"tcp://127.0.0.1:9\", swarm: true }) });\n",
    )
    .expect("write");
    let out = Test::in_dir(dir.path()).args(["plan", "i.rhai"]).run();
    out.failure();
    assert!(
        out.stderr.contains(
            "Swarm client `default` runs it from a registry its nodes pull from: set the map's `repository`"
        ),
        "{out}"
    );
    assert!(out.stderr.contains("i.rhai:2:"), "{out}");
}

/// ARGS: MAP PHASE. `app` runs the declared image `app`, which serves page.txt.
const BUILT: &str = r#"
let m = container_map(ARGS[0]);
m.repository = "REPO";
m.clients = ["sw"];
let df = dockerfile("scratch");
df.writeline("LABEL dmap.test=" + m.name);
df.add_file("/bin/busybox", "/bin/busybox");
df.writeline(`RUN ["/bin/busybox", "--install", "-s", "/bin"]`);
df.add_file("page.txt", "/page.txt");
df.command = ["sleep", "3600"];
m.images[m.name + "-app"] = df;
m.containers.app = #{ image: m.name + "-app", stop_signal: "SIGKILL",
    deploy: #{ replicas: 2, endpoint_mode: "dnsrr" } };
let c = mapping_client(m, #{ sw: docker(#{ base_url: "MANAGER", swarm: true, wait_timeout: 90 }) });
if ARGS[1] == "up" { c.update(); } else { c.shutdown(); }
"#;

/// Removes the images labelled for a test from the Engines that built or pulled them.
struct Images {
    engines: Vec<String>,
    test: String,
}

impl Drop for Images {
    fn drop(&mut self) {
        for e in &self.engines {
            let ids = docker(
                e,
                &[
                    "images",
                    "-q",
                    "--filter",
                    &format!("label=dmap.test={}", self.test),
                ],
            );
            let ids: Vec<&str> = ids.lines().filter(|l| !l.is_empty()).collect();
            if !ids.is_empty() {
                let mut args = vec!["rmi", "-f"];
                args.extend(ids);
                docker(e, &args);
            }
        }
    }
}

#[test]
fn a_declared_image_is_built_on_the_manager_pushed_and_every_node_runs_its_digest() {
    let (manager, worker, _) = bed();
    let registry = crate::support::registry::Registry::start_on("0.0.0.0");
    let repo = format!("{}:{}", crate::support::bed::host_ip(), registry.port);
    let t = DockerTest::new("swarm_built");
    // Dropped after the services are gone (the images are theirs until then).
    let _images = Images {
        engines: vec![manager.host.clone(), worker.host.clone()],
        test: t.name.clone(),
    };
    let _cleanup = Cleanup {
        manager: manager.host.clone(),
        nodes: vec![manager.host.clone(), worker.host.clone()],
        prefix: t.name.clone(),
    };
    let reference = format!("{repo}/{}-app", t.name);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("r.rhai"),
        BUILT.replace("REPO", &repo).replace("MANAGER", &manager.host),
    )
    .unwrap();
    let run = |phase: &str| {
        Test::in_dir(dir.path())
            .engine()
            .args(["run", "r.rhai", &t.name, phase])
            .run()
    };
    let service = format!("{}_app", t.name);
    // The image each task runs, and what it serves, on each node.
    let tasks = || -> Vec<(String, String)> {
        let mut found = Vec::new();
        for node in [&manager.host, &worker.host] {
            let ids = docker(
                node,
                &[
                    "ps",
                    "-q",
                    "--filter",
                    &format!("label=com.docker.swarm.service.name={service}"),
                ],
            );
            for id in ids.lines().filter(|l| !l.is_empty()) {
                let image = docker(node, &["inspect", "--format", "{{.Config.Image}}", id]);
                let page = docker(node, &["exec", id, "cat", "/page.txt"]);
                found.push((image.trim().to_string(), page.trim().to_string()));
            }
        }
        found
    };
    let pinned = || {
        docker(
            &manager.host,
            &[
                "service",
                "inspect",
                "--format",
                "{{.Spec.TaskTemplate.ContainerSpec.Image}}",
                &service,
            ],
        )
        .trim()
        .to_string()
    };

    std::fs::write(dir.path().join("page.txt"), "one\n").unwrap();
    let out = run("up");
    out.success();
    for step in [
        format!("[sw] build {reference}:latest: image `{}-app`: absent", t.name),
        format!("[sw] push {reference}:latest: for the Swarm's nodes"),
        format!("[sw] create_service {service}: absent"),
    ] {
        assert!(out.stderr.contains(&step), "{step}\n{out}");
    }
    // Pinned to the digest the registry holds, on both nodes.
    let first = pinned();
    let digest = first
        .strip_prefix(&format!("{reference}:latest@"))
        .unwrap_or_else(|| panic!("not pinned: {first}\n{out}"))
        .to_string();
    assert!(digest.starts_with("sha256:"), "{first}");
    let manifest = Command::new("curl")
        .args([
            "-sI",
            "-H",
            "Accept: application/vnd.docker.distribution.manifest.v2+json",
        ])
        .arg(format!(
            "http://127.0.0.1:{}/v2/{}-app/manifests/latest",
            registry.port, t.name
        ))
        .output()
        .expect("curl");
    let headers = String::from_utf8_lossy(&manifest.stdout).to_ascii_lowercase();
    assert!(
        headers.contains(&format!("docker-content-digest: {digest}")),
        "{headers}"
    );
    assert_eq!(nodes_of(&manager.host, &service), ["engine2", "engine3"]);
    assert_eq!(
        tasks(),
        [
            (first.clone(), "one".to_string()),
            (first.clone(), "one".to_string())
        ]
    );

    // Unchanged: nothing to do.
    let out = run("up");
    out.success();
    assert_eq!(out.stderr, "  [sw] up to date\n", "{out}");

    // A changed context: built again, pushed, and the service rolled onto the new digest.
    std::fs::write(dir.path().join("page.txt"), "two\n").unwrap();
    let out = run("up");
    out.success();
    assert!(
        out.stderr.contains(&format!(
            "[sw] update_service {service}: image `{}-app` rebuilt",
            t.name
        )),
        "{out}"
    );
    let second = pinned();
    assert_ne!(second, first);
    let deadline = Instant::now() + Duration::from_secs(60);
    while tasks()
        != [
            (second.clone(), "two".to_string()),
            (second.clone(), "two".to_string()),
        ]
    {
        assert!(
            Instant::now() < deadline,
            "the nodes never ran {second}: {:?}",
            tasks()
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    run("down").success();
}

/// A Compose project on a Swarm runs as `docker stack deploy` runs it: a service
/// `PROJECT_SERVICE` per Compose service, its containers as replicas, on the project's overlay
/// network; a second run does nothing; shutdown removes it.
#[test]
fn a_compose_project_runs_on_a_swarm_as_a_stack() {
    let (m, w, image) = bed();
    let t = DockerTest::new("swarm_compose");
    let _cleanup = Cleanup {
        manager: m.host.clone(),
        nodes: vec![m.host.clone(), w.host.clone()],
        prefix: t.name.clone(),
    };
    let compose = "services:\n  db:\n    image: ${IMAGE}\n    command: sleep 3600\n    stop_signal: SIGKILL\n    deploy: {endpoint_mode: dnsrr}\n  web:\n    image: ${IMAGE}\n    command: sleep 3600\n    stop_signal: SIGKILL\n    depends_on: [db]\n    deploy: {endpoint_mode: dnsrr, replicas: 2}\n";
    let recipe = format!(
        "let m = load_compose(\"compose.yaml\");\nlet c = mapping_client(m, docker(#{{ base_url: \"{}\", swarm: true, wait_timeout: 60 }}));\nif ARGS[0] == \"up\" {{ c.update(\"__all__\"); }} else {{ c.shutdown(\"__all__\"); }}\n",
        m.host
    );
    let run =
        |phase: &str| crate::support::compose::run_compose_recipe(&t.name, &image, compose, &recipe, phase);
    run("up").success();
    let listed = docker(
        &m.host,
        &[
            "service",
            "ls",
            "--filter",
            &format!("name={}", t.name),
            "--format",
            "{{.Name}} {{.Replicas}}",
        ],
    );
    let mut services: Vec<&str> = listed.lines().collect();
    services.sort();
    assert_eq!(
        services,
        [format!("{}_db 1/1", t.name), format!("{}_web 2/2", t.name)]
    );
    let out = run("up");
    out.success();
    assert!(
        !out.stderr.contains("create_service") && !out.stderr.contains("update_service"),
        "{out}"
    );
    run("down").success();
    let left = docker(
        &m.host,
        &["service", "ls", "-q", "--filter", &format!("name={}", t.name)],
    );
    assert!(left.trim().is_empty(), "{left}");
}
