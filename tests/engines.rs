//! One map across two Engines: the main one and the test bed's second Engine in its own network
//! namespace (tests/bed/engines.sh; `.ci/run` starts it). Configurations run on their clients,
//! ports are published on each client's interface, hostnames carry the client suffix, both
//! clients converge at once, and an unreachable client fails naming it while the other
//! converges. Objects on the second Engine are removed by a guard when the test ends.

use std::io::{Read as _, Write as _};
use std::net::{SocketAddr, TcpStream};
use std::process::Command;
use std::time::Duration;

use crate::support::bed::{engine2, load_images, Engine, Remote};
use crate::support::recipe::*;
use crate::support::{busybox_image, runtime, DockerTest};

/// The first line of an HTTP GET to `ip:port`, retried while the server comes up.
fn http_status(ip: &str, port: u16) -> String {
    let addr: SocketAddr = format!("{ip}:{port}").parse().expect("address");
    for _ in 0..50 {
        if let Ok(mut s) = TcpStream::connect_timeout(&addr, Duration::from_secs(2)) {
            let _ = s.set_read_timeout(Some(Duration::from_secs(5)));
            let _ = s.write_all(b"GET / HTTP/1.0\r\n\r\n");
            let mut body = String::new();
            let _ = s.read_to_string(&mut body);
            if let Some(line) = body.lines().next() {
                return line.to_string();
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("nothing answers on {addr}");
}

/// `web` on both clients, each publishing port 80 on its client's `lan` interface; `db` on the
/// main Engine only, `job` on the second only. `-a` phase `bad` adds a client nobody listens on.
fn recipe(t: &DockerTest, e2: &Engine, port: u16) -> Recipe {
    let body = format!(
        r#"
m.clients = ["main", "e2"];
m.containers.web = #{{
    image: img, stop_signal: "SIGKILL", exposes: [[80, {port}, "lan"]],
    create_options: #{{ command: ["sh", "-c", "mkdir -p /www && echo hello > /www/index.html && exec httpd -f -p 80 -h /www"] }},
}};
m.containers.db = #{{ image: img, clients: "main", stop_signal: "SIGKILL", create_options: #{{ command: "sleep 3600" }} }};
m.containers.job = #{{ image: img, clients: "e2", stop_signal: "SIGKILL", create_options: #{{ command: "sleep 3600" }} }};
let engines = #{{
    main: docker(#{{ interfaces: #{{ lan: "127.0.0.1" }} }}),
    e2: docker(#{{ base_url: "{host}", interfaces: #{{ lan: "{ip}" }} }}),
}};
if phase == "broken" {{
    // An image neither Engine has and none can pull: its step fails on e2 alone.
    m.containers.broken = #{{ image: "dmap-nowhere.invalid/none:1", clients: "e2" }};
}}
if phase == "bad" {{
    m.clients = ["main", "e2", "gone"];
    engines.gone = docker(#{{ base_url: "tcp://{ip}:9", interfaces: #{{ lan: "{ip}" }}, timeout: 3 }});
}}
let c = mapping_client(m, engines);
if phase == "startup" || phase == "bad" || phase == "broken" {{ show(c.startup()); }}
if phase == "update" {{ show(c.update()); }}
if phase == "shutdown" {{ show(c.shutdown()); }}
"#,
        host = e2.host,
        ip = e2.ip,
    );
    Recipe::new(t, &busybox_image(), &body)
}

#[test]
fn a_map_spreads_over_two_engines_and_converges_both_at_once() {
    let e2 = engine2();
    let image = busybox_image();
    load_images(&e2, &[&image]);
    let rt = runtime();
    let t = DockerTest::new("two_engines");
    let remote = Remote {
        host: e2.host.clone(),
        prefix: t.name.clone(),
    };
    let port = free_port();
    let r = recipe(&t, &e2, port);
    let out = r.run("startup");
    out.success();
    // Each configuration on its clients, named alike on both Engines.
    rt.block_on(async {
        assert!(is_running(&t.inspect(&n(&t, "web")).await));
        assert!(is_running(&t.inspect(&n(&t, "db")).await));
    });
    let mut there = remote.names();
    there.sort();
    assert_eq!(
        there,
        vec![n(&t, "job"), n(&t, "web")],
        "on the second Engine\n{out}"
    );
    // Ports on each client's interface, answering from this host.
    assert!(http_status("127.0.0.1", port).contains("200"));
    assert!(http_status(&e2.ip, port).contains("200"));
    // Hostnames carry the client's name; labels say which client made it.
    let host = t.name.replace('_', "-");
    let web2 = remote.inspect(&n(&t, "web"));
    assert_eq!(web2["Config"]["Hostname"], format!("{host}-web-e2"));
    assert_eq!(web2["Config"]["Labels"]["dmap.client"], "e2");
    let web1 = rt.block_on(t.inspect(&n(&t, "web")));
    assert_eq!(
        web1.config.and_then(|c| c.hostname).as_deref(),
        Some(format!("{host}-web-main").as_str())
    );
    // A second update does nothing, on either Engine.
    assert_no_steps(&r.run("update"));
    // A client nobody answers for fails, named, while the others are converged.
    rt.block_on(stop_now(&n(&t, "db")));
    let out = r.run("bad");
    out.failure();
    assert!(out.stderr.contains("client `gone`"), "{out}");
    assert!(out.stderr.contains(&format!("tcp://{}:9", e2.ip)), "{out}");
    rt.block_on(async {
        assert!(
            is_running(&t.inspect(&n(&t, "db")).await),
            "the main Engine converged"
        )
    });
    // A step that fails on one client holds up nothing on the other.
    rt.block_on(stop_now(&n(&t, "db")));
    let out = r.run("broken");
    out.failure();
    assert!(out.stderr.contains("dmap-nowhere.invalid/none:1"), "{out}");
    assert!(out.stderr.contains("(client `e2`)"), "names the client\n{out}");
    rt.block_on(async { assert!(is_running(&t.inspect(&n(&t, "db")).await), "main converged") });
    r.run("shutdown").success();
    assert!(
        remote.names().is_empty(),
        "shutdown removed them on the second Engine"
    );
}

#[test]
fn a_declared_image_is_built_on_each_client_that_runs_it_at_once() {
    let e2 = engine2();
    let image = busybox_image();
    load_images(&e2, &[&image]);
    let t = DockerTest::new("two_engine_build");
    let tag = format!("{}-app:latest", t.name);
    let remote = Remote {
        host: e2.host.clone(),
        prefix: t.name.clone(),
    };
    let _image_there = RemoteImageTag {
        host: e2.host.clone(),
        tag: tag.clone(),
    };
    let body = format!(
        r#"
let df = dockerfile(img);
df.writeline("LABEL dmap.test=" + m.name);
df.run("echo built > /built");
m.images[m.name + "-app"] = df;
m.clients = ["main", "e2"];
m.containers.app = #{{ image: m.name + "-app", stop_signal: "SIGKILL", create_options: #{{ command: "sleep 3600" }} }};
let c = mapping_client(m, #{{ main: docker(), e2: docker(#{{ base_url: "{host}" }}) }});
if phase == "up" {{ show(c.update()); }} else {{ show(c.shutdown()); }}
"#,
        host = e2.host
    );
    let r = Recipe::new(&t, &image, &body);
    let out = r.run("up");
    out.success();
    for client in ["main", "e2"] {
        assert!(
            out.stderr
                .contains(&format!("[{client}] build {tag}: image `{}-app`: absent", t.name)),
            "built on {client}\n{out}"
        );
    }
    assert_eq!(remote.names(), vec![n(&t, "app")]);
    // Unchanged: built nowhere again.
    let out = r.run("up");
    assert_no_steps(&out);
    assert!(!out.stderr.contains("build "), "{out}");
    r.run("down").success();
}

/// Removes an image tag from an extra Engine on drop.
struct RemoteImageTag {
    host: String,
    tag: String,
}

impl Drop for RemoteImageTag {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["-H", &self.host, "rmi", "-f", &self.tag])
            .output();
    }
}

/// A Compose project loaded by a recipe runs on another Engine as it would on the local one:
/// Compose's names, its network and volume there, and `depends_on` order.
#[test]
fn a_compose_project_runs_on_another_engine_through_a_recipe() {
    let e2 = engine2();
    let image = busybox_image();
    load_images(&e2, &[&image]);
    let t = DockerTest::new("compose_e2");
    let remote = Remote {
        host: e2.host.clone(),
        prefix: t.name.clone(),
    };
    let compose = "services:\n  db:\n    image: ${IMAGE}\n    command: sleep 3600\n    stop_signal: SIGKILL\n    volumes: [data:/data]\n  web:\n    image: ${IMAGE}\n    command: sleep 3600\n    stop_signal: SIGKILL\n    depends_on: [db]\nvolumes:\n  data: {}\n";
    let recipe = format!(
        "let m = load_compose(\"compose.yaml\");\nlet c = mapping_client(m, docker(#{{ base_url: \"{}\" }}));\nif ARGS[0] == \"up\" {{ c.update(\"__all__\"); }} else {{ c.shutdown(\"__all__\", #{{ remove_attached: true }}); }}\n",
        e2.host
    );
    let run =
        |phase: &str| crate::support::compose::run_compose_recipe(&t.name, &image, compose, &recipe, phase);
    run("up").success();
    let mut there = remote.names();
    there.sort();
    assert_eq!(there, [format!("{}-db-1", t.name), format!("{}-web-1", t.name)]);
    let web = remote.inspect(&format!("{}-web-1", t.name));
    assert!(
        web["NetworkSettings"]["Networks"][format!("{}_default", t.name)].is_object(),
        "{web}"
    );
    assert_eq!(
        remote
            .docker(&["volume", "ls", "-q", "--filter", &format!("name={}_data", t.name)])
            .trim(),
        format!("{}_data", t.name)
    );
    run("down").success();
    assert!(
        remote.names().is_empty(),
        "shutdown removed them on the second Engine"
    );
}

/// Removes from an extra Engine every image labelled `dmap.test=<label>` (what a test built or
/// copied there, older versions included), on drop.
struct RemoteImages {
    host: String,
    label: String,
}

impl Drop for RemoteImages {
    fn drop(&mut self) {
        let filter = format!("label=dmap.test={}", self.label);
        let out = Command::new("docker")
            .args([
                "-H",
                &self.host,
                "images",
                "-q",
                "--no-trunc",
                "--filter",
                &filter,
            ])
            .output();
        let listed = out
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        let mut ids: Vec<&str> = listed.lines().filter(|l| !l.is_empty()).collect();
        ids.dedup();
        if !ids.is_empty() {
            let _ = Command::new("docker")
                .args(["-H", &self.host, "rmi", "-f"])
                .args(&ids)
                .output();
        }
    }
}

/// `docker image inspect` of an image on an extra Engine, as JSON (null when it has none of that
/// name).
fn remote_image(host: &str, tag: &str) -> serde_json::Value {
    let out = Command::new("docker")
        .args(["-H", host, "image", "inspect", tag])
        .output()
        .expect("run docker");
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or(serde_json::Value::Null);
    list.get(0).cloned().unwrap_or(serde_json::Value::Null)
}

/// `image_transfer: "copy"` on engine2: the image is built once, on the main Engine, and streamed
/// to engine2 with the same id and its recorded context; nothing happens the second time; a changed
/// context is built once again, copied again, and the containers on both Engines are recreated.
#[test]
fn a_copying_client_gets_the_image_built_on_another_engine_instead_of_building_it() {
    let e2 = engine2();
    let image = busybox_image();
    let rt = runtime();
    let t = DockerTest::new("two_engine_copy");
    let name = format!("{}-app", t.name);
    let tag = format!("{name}:latest");
    let remote = Remote {
        host: e2.host.clone(),
        prefix: t.name.clone(),
    };
    let _images_there = RemoteImages {
        host: e2.host.clone(),
        label: t.name.clone(),
    };
    let body = format!(
        r#"
let version = if ARGS.len() > 3 {{ ARGS[3] }} else {{ "one" }};
let df = dockerfile(img);
df.writeline("LABEL dmap.test=" + m.name);
df.run("echo " + version + " > /built");
if version == "broken" {{ df.run("exit 3"); }}
m.images[m.name + "-app"] = df;
m.clients = ["main", "e2"];
m.containers.app = #{{ image: m.name + "-app", stop_signal: "SIGKILL", create_options: #{{ command: "sleep 3600" }} }};
let c = mapping_client(m, #{{ main: docker(), e2: docker(#{{ base_url: "{host}", image_transfer: "copy" }}) }});
if phase == "up" {{ show(c.update()); }}
if phase == "down" {{ show(c.shutdown()); }}
"#,
        host = e2.host
    );
    let r = Recipe::new(&t, &image, &body);
    let app = n(&t, "app");

    // What `up` would do: the plan names the copy, with its source.
    let plan = Test::in_dir(r.dir.path())
        .engine()
        .args([
            "plan", "--json", "r.rhai", "-a", &t.name, "-a", &image, "-a", "plan",
        ])
        .run();
    plan.status(3);
    let steps = plan.json()["steps"].clone();
    let copy = serde_json::json!({
        "client": "e2", "action": "copy", "subject": tag,
        "reason": format!("image `{name}`: absent; copied from `main`"),
    });
    assert!(steps.as_array().is_some_and(|s| s.contains(&copy)), "{plan}");

    let out = r.run("up");
    out.success();
    assert!(
        out.stderr
            .contains(&format!("[main] build {tag}: image `{name}`: absent")),
        "built on main\n{out}"
    );
    assert!(
        out.stderr.contains(&format!(
            "[e2] copy {tag}: image `{name}`: absent; copied from `main`"
        )),
        "copied to e2\n{out}"
    );
    assert!(!out.stderr.contains("[e2] build "), "not built on e2\n{out}");
    assert!(
        out.stderr.contains(&format!("[e2] {tag}: Copied ")) && out.stderr.contains(" from `main` in "),
        "progress says what the copy carried\n{out}"
    );
    assert_eq!(out.steps_of(&tag, "build").len(), 1, "{out}");
    assert_eq!(out.steps_of(&tag, "copy").len(), 1, "{out}");
    let main_id = rt.block_on(async { image_id(&crate::support::docker().await, &tag).await });
    let there = remote_image(&e2.host, &tag);
    assert_eq!(there["Id"], main_id.as_str(), "the same image on both\n{out}");
    assert!(
        there["Config"]["Labels"]["dmap.context"]
            .as_str()
            .is_some_and(|d| d.starts_with("sha256:")),
        "the recorded context travels with it: {there}"
    );
    rt.block_on(async { assert!(is_running(&t.inspect(&app).await)) });
    assert_eq!(remote.inspect(&app)["State"]["Running"], true, "{out}");

    // Unchanged: nothing on either Engine.
    assert_no_steps(&r.run("up"));

    // A changed context: built once, copied again, recreated on both.
    let out = r.run_with("up", &["two"]);
    out.success();
    assert_eq!(out.steps_of(&tag, "build").len(), 1, "{out}");
    let copies = out.steps_of(&tag, "copy");
    assert_eq!(copies.len(), 1, "{out}");
    assert!(
        copies[0]
            .reason
            .starts_with(&format!("image `{name}`: context changed (")),
        "{out}"
    );
    assert!(copies[0].reason.ends_with("; copied from `main`"), "{out}");
    let mut recreated: Vec<String> = out
        .steps_of(&app, "recreate")
        .into_iter()
        .map(|s| s.reason)
        .collect();
    recreated.sort();
    assert_eq!(
        recreated,
        [
            format!("image `{name}` copied"),
            format!("image `{name}` rebuilt")
        ],
        "{out}"
    );
    let new_id = rt.block_on(async { image_id(&crate::support::docker().await, &tag).await });
    assert_ne!(new_id, main_id);
    assert_eq!(remote_image(&e2.host, &tag)["Id"], new_id.as_str(), "{out}");
    assert_eq!(
        remote.inspect(&app)["Image"],
        new_id.as_str(),
        "e2 runs the new image"
    );
    assert_no_steps(&r.run_with("up", &["two"]));

    // A failed build fails the copy that waits for it; both Engines keep what they ran.
    let out = r.run_with("up", &["broken"]);
    out.failure();
    assert!(
        out.stderr.contains(&format!(
            "error: failed to copy image `{tag}` from client `main`: its build on `main` did not succeed (client `e2`)"
        )),
        "{out}"
    );
    assert_eq!(remote.inspect(&app)["Image"], new_id.as_str(), "{out}");
    assert_eq!(remote.inspect(&app)["State"]["Running"], true, "{out}");
    r.run("down").success();
}
