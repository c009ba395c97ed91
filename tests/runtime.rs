//! Integration tests against the real Docker Engine: the `dmap` binary runs recipes whose
//! actions converge the Engine, and the Engine's state is then checked with bollard (contract:
//! docs/recipe-api.md, "Running against Docker", and docs/engine.md, "What dmap touches").
//!
//! Every test owns a [`DockerTest`] whose name is the map name, so all Engine objects dmap
//! creates (`MAP.CONFIG[.INSTANCE]`, `MAP.ALIAS`, `MAP.NET`) are swept when the test ends, even
//! when it fails. Recipes read the map name, the image and a phase from `ARGS`, and print every
//! returned step as `STEP container | action | reason` on stdout.

use std::collections::HashMap;
use std::net::TcpListener;
use std::time::{Duration, Instant};

use crate::support::recipe::*;
use crate::support::{busybox_image, docker, runtime, DockerTest};
use bollard::models::{ContainerCreateBody, ContainerInspectResponse, HostConfig};
use bollard::query_parameters::{CreateContainerOptionsBuilder, RemoveContainerOptionsBuilder};

// ------------------------------------------------------------------------------------------------
// 1. A multi-layer stack
// ------------------------------------------------------------------------------------------------

/// db ← app (2 instances, db's attached volume, map network) ← web (links the app instances,
/// same network, publishes a port).
const STACK: &str = r#"
let port = parse_int(ARGS[3]);
m.volumes.data = "/data";
m.networks.backend = #{};
m.containers.db = #{
    image: img, attaches: "data", user: "app:app", permissions: "u=rwX,g=rX,o=",
    networks: #{ backend: #{ aliases: ["database"] } }, stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600", environment: #{ DB_NAME: "main" } },
};
m.containers.app = #{
    image: img, instances: ["a", "b"], uses: "data", networks: "backend", stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600", environment: ["APP_MODE=test"] },
};
m.containers.web = #{
    image: img, links: ["app.a", ["app.b", "second"]], networks: "backend",
    exposes: [[80, port, "127.0.0.1"]], stop_signal: "SIGKILL",
    create_options: #{
        command: ["sh", "-c", "mkdir -p /www && echo hello-dmap > /www/index.html && exec httpd -f -p 80 -h /www"],
    },
};
let c = mapping_client(m);
if phase == "startup" { show(c.startup("web")); }
if phase == "update" { show(c.update("__all__")); }
"#;

#[test]
fn startup_of_a_stack_starts_dependencies_first_and_configures_everything() {
    let rt = runtime();
    let t = DockerTest::new("startup_stack");
    let image = busybox_image();
    let recipe = Recipe::new(&t, &image, STACK);
    let port = free_port();
    let out = recipe.run_with("startup", &[&port.to_string()]);
    out.success();
    rt.block_on(async {
        let all = [n(&t, "db"), n(&t, "app.a"), n(&t, "app.b"), n(&t, "web")];
        assert_eq!(
            names(&t).await,
            sorted(&all),
            "exactly the map's containers\n{out}"
        );
        assert_running(&t, &all).await;

        // Dependencies first, by the Engine's start times and by the progress lines.
        let db = t.inspect(&all[0]).await;
        let app_a = t.inspect(&all[1]).await;
        let app_b = t.inspect(&all[2]).await;
        let web = t.inspect(&all[3]).await;
        assert!(
            started_at(&db) < started_at(&app_a),
            "db starts before app.a\n{out}"
        );
        assert!(
            started_at(&db) < started_at(&app_b),
            "db starts before app.b\n{out}"
        );
        assert!(
            started_at(&app_a) < started_at(&web),
            "app.a starts before web\n{out}"
        );
        assert!(
            started_at(&app_b) < started_at(&web),
            "app.b starts before web\n{out}"
        );
        let starts = out.progress("start");
        let pos = |name: &str| starts.iter().position(|s| s == name).expect("a start line");
        assert!(
            pos(&all[0]) < pos(&all[1]) && pos(&all[0]) < pos(&all[2]),
            "{out}"
        );
        assert!(
            pos(&all[1]) < pos(&all[3]) && pos(&all[2]) < pos(&all[3]),
            "{out}"
        );

        // The named volume, mounted by db and both app instances at its path.
        let volume = n(&t, "data");
        assert!(t.volume_exists(&volume).await);
        for info in [&db, &app_a, &app_b] {
            let mounts = info.mounts.clone().unwrap_or_default();
            assert!(
                mounts.iter().any(|m| m.name.as_deref() == Some(volume.as_str())
                    && m.destination.as_deref() == Some("/data")
                    && m.rw == Some(true)),
                "{:?} should mount {volume} at /data: {mounts:?}",
                info.name
            );
        }
        // Prepared by a helper (gone now): owner app:app = 2000:2000, mode u=rwX,g=rX,o= = 750.
        let (code, stat) = t.exec_output(&all[0], &["stat", "-c", "%u:%g %a", "/data"]).await;
        assert_eq!((code, stat.trim()), (0, "2000:2000 750"));
        let (code, who) = t.exec_output(&all[0], &["id", "-u"]).await;
        assert_eq!((code, who.trim()), (0, "2000"), "db runs as its user");
        // The volume is shared: what db writes, app.b reads.
        let (code, _) = t
            .exec_output(&all[0], &["sh", "-c", "echo shared > /data/f"])
            .await;
        assert_eq!(code, 0);
        assert_eq!(
            t.exec_output(&all[2], &["cat", "/data/f"]).await.1.trim(),
            "shared"
        );

        // Environment.
        assert!(env(&db).contains(&"DB_NAME=main".to_string()), "{:?}", env(&db));
        assert!(env(&app_a).contains(&"APP_MODE=test".to_string()));
        assert!(env(&app_b).contains(&"APP_MODE=test".to_string()));

        // The published port, and a real request to busybox httpd.
        let bindings = web
            .host_config
            .as_ref()
            .and_then(|h| h.port_bindings.clone())
            .unwrap_or_default();
        let binding = bindings.get("80/tcp").cloned().flatten().unwrap_or_default();
        assert_eq!(binding.len(), 1, "{bindings:?}");
        assert_eq!(binding[0].host_ip.as_deref(), Some("127.0.0.1"));
        assert_eq!(binding[0].host_port.as_deref(), Some(port.to_string().as_str()));
        let answer = http_get(port);
        assert!(
            answer.contains("200") && answer.contains("hello-dmap"),
            "{answer}"
        );

        // The map network, with db's alias; everyone on it, nobody on the default bridge.
        let network = n(&t, "backend");
        assert!(t.network_exists(&network).await);
        for info in [&db, &app_a, &app_b, &web] {
            let networks = info
                .network_settings
                .as_ref()
                .and_then(|s| s.networks.clone())
                .unwrap_or_default();
            assert!(networks.contains_key(&network), "{:?}: {networks:?}", info.name);
            assert!(!networks.contains_key("bridge"), "{:?}: {networks:?}", info.name);
        }
        let db_endpoint = db
            .network_settings
            .as_ref()
            .and_then(|s| s.networks.clone())
            .unwrap_or_default()[&network]
            .clone();
        assert!(
            db_endpoint
                .aliases
                .unwrap_or_default()
                .contains(&"database".to_string()),
            "db has the alias `database`"
        );
        let (code, ping) = t
            .exec_output(&all[3], &["ping", "-c", "1", "-W", "2", "database"])
            .await;
        assert_eq!(code, 0, "web reaches db by its alias: {ping}");

        // Labels.
        let l = labels(&app_a);
        assert_eq!(l.get("dmap.map"), Some(&t.name));
        assert_eq!(l.get("dmap.config").map(String::as_str), Some("app"));
        assert_eq!(l.get("dmap.instance").map(String::as_str), Some("a"));
        assert_eq!(l.get("dmap.kind").map(String::as_str), Some("container"));
        assert!(
            l.get("dmap.spec").is_some_and(|s| s.contains("APP_MODE")),
            "{l:?}"
        );
        assert_eq!(labels(&db).get("dmap.config").map(String::as_str), Some("db"));
        assert_eq!(labels(&db).get("dmap.instance"), None);
        let docker = docker().await;
        let volume_labels = docker.inspect_volume(&volume).await.expect("volume").labels;
        assert_eq!(volume_labels.get("dmap.map"), Some(&t.name));
        let network_labels = docker
            .inspect_network(&network, None)
            .await
            .expect("network")
            .labels
            .unwrap_or_default();
        assert_eq!(network_labels.get("dmap.map"), Some(&t.name));

        // Hostnames as docker-map: `_` and `.` become `-`.
        let hostname = app_a.config.as_ref().and_then(|c| c.hostname.clone());
        assert_eq!(hostname, Some(format!("{}-app-a", t.name.replace('_', "-"))));
    });
}

/// One container `web`, sleeping; the phase picks the action.
const SINGLE: &str = r#"
m.containers.web = #{
    image: img, stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" },
};
let c = mapping_client(m);
if phase == "startup" { show(c.startup("web")); }
if phase == "update" { show(c.update("web")); }
if phase == "shutdown" { show(c.shutdown("web")); }
if phase == "adopt" { show(c.update("web", #{ adopt: true })); }
if phase == "adopt_startup" { show(c.startup("web", #{ adopt: true })); }
"#;

// ------------------------------------------------------------------------------------------------
// 2. Update converges
// ------------------------------------------------------------------------------------------------

#[test]
fn update_after_startup_does_nothing() {
    let rt = runtime();
    let t = DockerTest::new("update_noop");
    let image = busybox_image();
    let recipe = Recipe::new(&t, &image, STACK);
    let port = free_port().to_string();
    recipe.run_with("startup", &[&port]).success();
    rt.block_on(async {
        let all = [n(&t, "db"), n(&t, "app.a"), n(&t, "app.b"), n(&t, "web")];
        let mut ids = Vec::new();
        for name in &all {
            ids.push(id_of(&t, name).await);
        }
        for round in 0..2 {
            let out = recipe.run_with("update", &[&port]);
            out.success();
            assert_no_steps(&out);
            for (name, id) in all.iter().zip(&ids) {
                assert_eq!(&id_of(&t, name).await, id, "round {round}: {name} kept\n{out}");
            }
            assert_running(&t, &all).await;
        }
        assert_eq!(names(&t).await, sorted(&all));
    });
}

// ------------------------------------------------------------------------------------------------
// 3. A changed image recreates the container and what shares it
// ------------------------------------------------------------------------------------------------

/// `base` runs the test image (ARGS[1]); `side` joins its network namespace and `reader` mounts
/// its volumes, both from busybox (ARGS[3]).
const IMAGE_CHANGE: &str = r#"
let busybox = ARGS[3];
m.volumes.data = "/data";
m.containers.base = #{
    image: img, attaches: "data", shares: "/cache", stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600" },
};
m.containers.side = #{
    image: busybox, network_mode: "base", stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600" },
};
m.containers.reader = #{
    image: busybox, uses: "base", stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600" },
};
let c = mapping_client(m);
if phase == "startup" { show(c.startup("__all__")); }
if phase == "update" { show(c.update("__all__")); }
"#;

async fn net_ns(t: &DockerTest, name: &str) -> String {
    let (code, ns) = t.exec_output(name, &["readlink", "/proc/self/ns/net"]).await;
    assert_eq!(code, 0, "readlink in {name}: {ns}");
    ns.trim().to_string()
}

#[test]
fn update_recreates_a_container_whose_image_changed() {
    let rt = runtime();
    let mut leftovers = Leftovers::default();
    let t = DockerTest::new("image_changed");
    let busybox = busybox_image();
    let test_image = format!("{}-img:latest", t.name);
    leftovers.images.push(test_image.clone());
    rt.block_on(async {
        let docker = docker().await;
        tag(&docker, &busybox, &test_image).await;
        let recipe = Recipe::new(&t, &test_image, IMAGE_CHANGE);
        let (base, side, reader) = (n(&t, "base"), n(&t, "side"), n(&t, "reader"));
        let all = [base.clone(), side.clone(), reader.clone()];
        let out = recipe.run_with("startup", &[&busybox]);
        out.success();
        assert_running(&t, &all).await;
        let before = t.inspect(&base).await;
        let anonymous = volume_at(&before, "/cache").expect("an anonymous volume at /cache");
        leftovers.volumes.push(anonymous.clone());
        assert_eq!(
            volume_at(&t.inspect(&reader).await, "/cache"),
            Some(anonymous.clone())
        );
        let (code, _) = t
            .exec_output(
                &base,
                &["sh", "-c", "echo keep > /data/f && echo anon > /cache/g"],
            )
            .await;
        assert_eq!(code, 0);
        let old_ids = [
            before.id.clone().unwrap_or_default(),
            id_of(&t, &side).await,
            id_of(&t, &reader).await,
        ];

        build(&docker, &format!("FROM {busybox}\nLABEL v=2\n"), &test_image).await;
        let new_image = image_id(&docker, &test_image).await;
        assert_ne!(
            Some(new_image.clone()),
            before.image,
            "the rebuild makes a new image"
        );

        let out = recipe.run_with("update", &[&busybox]);
        out.success();
        let created = out.steps_of(&base, "recreate");
        assert_eq!(created.len(), 1, "{out}");
        assert!(created[0].reason.contains("image changed"), "{out}");
        for name in [&side, &reader] {
            assert_eq!(
                out.steps_of(name, "recreate").len(),
                1,
                "{name} is recreated\n{out}"
            );
        }
        assert_running(&t, &all).await;
        assert_eq!(names(&t).await, sorted(&all));
        for (name, old) in all.iter().zip(&old_ids) {
            assert_ne!(&id_of(&t, name).await, old, "{name} is a new container\n{out}");
        }
        let after = t.inspect(&base).await;
        assert_eq!(
            after.image.as_deref(),
            Some(new_image.as_str()),
            "runs the new image"
        );
        assert_eq!(
            t.exec_output(&base, &["cat", "/data/f"]).await.1.trim(),
            "keep",
            "the named volume keeps its data"
        );
        assert_eq!(
            volume_at(&after, "/cache"),
            Some(anonymous.clone()),
            "the anonymous volume is carried over\n{out}"
        );
        assert_eq!(t.exec_output(&base, &["cat", "/cache/g"]).await.1.trim(), "anon");
        assert_eq!(
            volume_at(&t.inspect(&reader).await, "/cache"),
            Some(anonymous.clone())
        );
        assert_eq!(
            t.exec_output(&reader, &["cat", "/data/f"]).await.1.trim(),
            "keep",
            "reader mounts the new container's volumes"
        );
        assert_eq!(
            net_ns(&t, &side).await,
            net_ns(&t, &base).await,
            "side shares the new container's network"
        );

        let out = recipe.run_with("update", &[&busybox]);
        out.success();
        assert_no_steps(&out);
        assert_eq!(id_of(&t, &base).await, after.id.clone().unwrap_or_default());
    });
}

// ------------------------------------------------------------------------------------------------
// 4, 5. Changed options: recreate or update in place
// ------------------------------------------------------------------------------------------------

const ENV_CHANGE: &str = r#"
let env = if phase == "v1" { #{ KEEP: "1", GONE_VAR: "x" } } else { #{ KEEP: "1" } };
m.containers.web = #{
    image: img, stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600", environment: env },
};
let c = mapping_client(m);
if phase == "v1" { show(c.startup("web")); } else { show(c.update("web")); }
"#;

#[test]
fn update_recreates_a_container_whose_environment_variable_was_removed() {
    let rt = runtime();
    let t = DockerTest::new("env_removed");
    let recipe = Recipe::new(&t, &busybox_image(), ENV_CHANGE);
    let web = n(&t, "web");
    recipe.run("v1").success();
    rt.block_on(async {
        let before = t.inspect(&web).await;
        assert!(env(&before).contains(&"GONE_VAR=x".to_string()));
        let out = recipe.run("v2");
        out.success();
        let created = out.steps_of(&web, "recreate");
        assert_eq!(created.len(), 1, "{out}");
        assert!(
            created[0].reason.contains("GONE_VAR"),
            "the reason names it\n{out}"
        );
        let after = t.inspect(&web).await;
        assert_ne!(after.id, before.id, "recreated");
        assert!(is_running(&after));
        assert!(
            !env(&after).iter().any(|e| e.starts_with("GONE_VAR=")),
            "{:?}",
            env(&after)
        );
        assert!(env(&after).contains(&"KEEP=1".to_string()));
    });
}

const LIMITS: &str = r#"
let mem = if phase == "v1" { "64m" } else { "256m" };
m.containers.web = #{
    image: img, stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" },
    host_config: #{ mem_limit: mem },
};
let c = mapping_client(m);
if phase == "v1" { show(c.startup("web")); } else { show(c.update("web")); }
"#;

fn memory(info: &ContainerInspectResponse) -> Option<i64> {
    let host: HostConfig = info.host_config.clone().unwrap_or_default();
    host.memory
}

/// Starts `web` with 64m, updates it to 256m in place (above the 128m swap limit the Engine gave
/// it: the swap limit goes with it); returns the inspect before the update.
async fn update_limits(t: &DockerTest, recipe: &Recipe) -> ContainerInspectResponse {
    let web = n(t, "web");
    recipe.run("v1").success();
    let before = t.inspect(&web).await;
    assert_eq!(memory(&before), Some(64 << 20));
    let out = recipe.run("v2");
    out.success();
    assert_eq!(out.steps_of(&web, "update").len(), 1, "{out}");
    assert!(out.steps_of(&web, "create").is_empty(), "{out}");
    assert!(out.steps_of(&web, "recreate").is_empty(), "{out}");
    assert!(out.steps_of(&web, "start").is_empty(), "{out}");
    before
}

#[test]
fn changed_limits_are_updated_in_place() {
    let rt = runtime();
    let t = DockerTest::new("limits_changed");
    let recipe = Recipe::new(&t, &busybox_image(), LIMITS);
    rt.block_on(async {
        let before = update_limits(&t, &recipe).await;
        let after = t.inspect(&n(&t, "web")).await;
        assert_eq!(after.id, before.id, "same container");
        assert_eq!(memory(&after), Some(256 << 20));
        let swap = after.host_config.as_ref().and_then(|h| h.memory_swap);
        assert_eq!(
            swap,
            Some(512 << 20),
            "the swap limit a fresh container would have"
        );
        assert!(is_running(&after));
        assert_eq!(started_at(&after), started_at(&before), "not restarted");
    });
}

#[test]
fn update_after_an_in_place_update_does_nothing() {
    let rt = runtime();
    let t = DockerTest::new("limits_settle");
    let recipe = Recipe::new(&t, &busybox_image(), LIMITS);
    rt.block_on(async {
        let before = update_limits(&t, &recipe).await;
        let out = recipe.run("v2");
        out.success();
        assert_no_steps(&out);
        let after = t.inspect(&n(&t, "web")).await;
        assert_eq!(after.id, before.id);
        assert_eq!(memory(&after), Some(256 << 20));
    });
}

// ------------------------------------------------------------------------------------------------
// 6. Drift
// ------------------------------------------------------------------------------------------------

#[test]
fn update_recreates_a_container_removed_behind_dmaps_back() {
    let rt = runtime();
    let t = DockerTest::new("removed_behind");
    let recipe = Recipe::new(&t, &busybox_image(), SINGLE);
    let web = n(&t, "web");
    recipe.run("startup").success();
    rt.block_on(async {
        let options = RemoveContainerOptionsBuilder::default().force(true).build();
        docker()
            .await
            .remove_container(&web, Some(options))
            .await
            .expect("remove");
        assert!(try_inspect(&web).await.is_none());
        let out = recipe.run("update");
        out.success();
        assert_eq!(out.steps_of(&web, "create").len(), 1, "{out}");
        assert_running(&t, std::slice::from_ref(&web)).await;
        assert_eq!(labels(&t.inspect(&web).await).get("dmap.map"), Some(&t.name));
    });
}

// ------------------------------------------------------------------------------------------------
// 7. A start that fails in the middle of a stack
// ------------------------------------------------------------------------------------------------

/// db ← app (publishes ARGS[3] on 127.0.0.1, serves HTTP) ← web, on a map network.
const PORT_STACK: &str = r#"
let port = parse_int(ARGS[3]);
m.networks.net = #{};
m.containers.db = #{
    image: img, networks: "net", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" },
};
m.containers.app = #{
    image: img, links: "db", networks: "net", exposes: [[80, port, "127.0.0.1"]], stop_signal: "SIGKILL",
    create_options: #{
        command: ["sh", "-c", "mkdir -p /www && echo hello-dmap > /www/index.html && exec httpd -f -p 80 -h /www"],
    },
};
m.containers.web = #{
    image: img, links: "app", networks: "net", stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600" },
};
let c = mapping_client(m);
show(c.startup("web"));
"#;

#[test]
fn a_start_failure_stops_the_stack_there_and_a_rerun_converges() {
    let rt = runtime();
    let t = DockerTest::new("start_failure");
    let recipe = Recipe::new(&t, &busybox_image(), PORT_STACK);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = listener.local_addr().expect("address").port().to_string();
    let (db, app, web) = (n(&t, "db"), n(&t, "app"), n(&t, "web"));
    let out = recipe.run_with("startup", &[&port]);
    out.failure().stderr_has(&format!("`{app}`"));
    assert!(
        out.stderr.contains(&format!(
            "error: failed to start container `{app}`: host port 127.0.0.1:{port} is already allocated"
        )),
        "the Engine's refusal is shown in plain words\n{out}"
    );
    // One failure, one error, the recipe line once, the skipped steps in one line.
    let errors = out.stderr.lines().filter(|l| l.starts_with("error:")).count();
    assert_eq!(errors, 1, "{out}");
    assert_eq!(out.stderr.matches("  --> r.rhai:").count(), 1, "{out}");
    assert!(
        out.stderr
            .contains(&format!("note: 1 step skipped: `{web}` depends on `{app}`")),
        "{out}"
    );
    rt.block_on(async {
        assert_running(&t, std::slice::from_ref(&db)).await;
        assert!(!is_running(&t.inspect(&app).await), "{out}");
        if let Some(info) = try_inspect(&web).await {
            assert!(!is_running(&info), "web must not start\n{out}");
        }
        drop(listener);
        let out = recipe.run_with("startup", &[&port]);
        out.success();
        assert_running(&t, &[db.clone(), app.clone(), web.clone()]).await;
        let answer = http_get(port.parse().expect("port"));
        assert!(answer.contains("hello-dmap"), "{answer}");
    });
}

// ------------------------------------------------------------------------------------------------
// 8. dmap killed mid-startup
// ------------------------------------------------------------------------------------------------

/// 8 containers: db (attaches `data`, prepared for app:app), six app instances, web.
const BIG_STACK: &str = r#"
m.volumes.data = "/data";
m.networks.net = #{};
m.containers.db = #{
    image: img, attaches: "data", user: "app:app", permissions: "u=rwX,g=rX,o=", networks: "net",
    stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" },
};
m.containers.app = #{
    image: img, instances: ["a", "b", "c", "d", "e", "f"], uses: "data", networks: "net",
    stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" },
};
m.containers.web = #{
    image: img, links: ["app.a", "app.f"], networks: "net", stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600" },
};
let c = mapping_client(m);
show(c.startup("__all__"));
"#;

fn big_stack_names(t: &DockerTest) -> Vec<String> {
    let mut all = vec![n(t, "db"), n(t, "web")];
    all.extend(["a", "b", "c", "d", "e", "f"].map(|i| n(t, &format!("app.{i}"))));
    sorted(&all)
}

/// The test's containers (running or not) and how many networks carry its names.
async fn engine_state(t: &DockerTest) -> (Vec<(String, bool)>, usize) {
    let mut containers = Vec::new();
    for name in names(t).await {
        let running = try_inspect(&name).await.is_some_and(|i| is_running(&i));
        containers.push((name, running));
    }
    let filters = HashMap::from([("name".to_string(), vec![t.name.clone()])]);
    let options = bollard::query_parameters::ListNetworksOptionsBuilder::default()
        .filters(&filters)
        .build();
    let networks = docker()
        .await
        .list_networks(Some(options))
        .await
        .expect("list networks")
        .len();
    (containers, networks)
}

/// Starts dmap on [`BIG_STACK`], kills it (SIGKILL) once `when` says so, and returns whether
/// that left a partial state.
fn kill_during_startup(
    rt: &tokio::runtime::Runtime,
    t: &DockerTest,
    recipe: &Recipe,
    when: impl AsyncFn(&DockerTest) -> bool,
) -> bool {
    let mut child = recipe.test(false, "startup", &[]).spawn();
    let started = child.started();
    rt.block_on(async {
        while !when(t).await {
            if child.has_exited() || started.elapsed() > RUN_TIMEOUT {
                break;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    });
    child.kill();
    let out = child.finish();
    rt.block_on(async {
        // Requests the Engine had already taken finish without dmap: wait until nothing changes.
        let mut last = engine_state(t).await;
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            tokio::time::sleep(Duration::from_secs(1)).await;
            let now = engine_state(t).await;
            if now == last {
                break;
            }
            last = now;
        }
        let now = names(t).await;
        let mut all_running = true;
        for name in &now {
            all_running &= try_inspect(name).await.is_some_and(|i| is_running(&i));
        }
        let partial = now != big_stack_names(t) || !all_running;
        eprintln!(
            "killed after {:?}: {} containers, partial {partial}\n{out}",
            out.elapsed,
            now.len()
        );
        partial
    })
}

/// The rerun converges: exactly the 8 containers, running, the volume prepared, no helper left.
fn rerun_converges(rt: &tokio::runtime::Runtime, t: &DockerTest, recipe: &Recipe) {
    let out = recipe.run("startup");
    out.success();
    rt.block_on(async {
        let all = big_stack_names(t);
        assert_eq!(names(t).await, all, "exactly the map's containers\n{out}");
        assert_running(t, &all).await;
        let (code, stat) = t
            .exec_output(&n(t, "db"), &["stat", "-c", "%u:%g %a", "/data"])
            .await;
        assert_eq!((code, stat.trim()), (0, "2000:2000 750"), "{out}");
    });
}

#[test]
fn killed_dmap_during_startup_then_rerun_converges() {
    let image = busybox_image();
    let rounds: [(&str, u8); 3] = [("after_300ms", 0), ("first_exists", 1), ("five_exist", 5)];
    let partial: Vec<bool> = std::thread::scope(|scope| {
        let handles: Vec<_> = rounds
            .iter()
            .map(|&(label, count)| {
                let image = image.clone();
                scope.spawn(move || {
                    let rt = runtime();
                    let t = DockerTest::new(&format!("kill_{label}"));
                    let recipe = Recipe::new(&t, &image, BIG_STACK);
                    let start = Instant::now();
                    let partial = kill_during_startup(&rt, &t, &recipe, async |t: &DockerTest| {
                        if count == 0 {
                            start.elapsed() >= Duration::from_millis(300)
                        } else {
                            names(t).await.len() >= usize::from(count)
                        }
                    });
                    rerun_converges(&rt, &t, &recipe);
                    partial
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().unwrap_or_else(|p| std::panic::resume_unwind(p)))
            .collect()
    });
    assert!(
        partial.iter().any(|p| *p),
        "at least one kill should leave a partial state: {partial:?}"
    );
}

#[test]
fn killed_dmap_during_volume_preparation_then_rerun_prepares_it() {
    let rt = runtime();
    let t = DockerTest::new("kill_prepare");
    let recipe = Recipe::new(&t, &busybox_image(), BIG_STACK);
    let helper = format!("{}.prepare.{}", n(&t, "db"), n(&t, "data"));
    let saw_helper = std::sync::atomic::AtomicBool::new(false);
    kill_during_startup(&rt, &t, &recipe, async |_: &DockerTest| {
        let exists = try_inspect(&helper).await.is_some();
        saw_helper.fetch_or(exists, std::sync::atomic::Ordering::Relaxed);
        exists
    });
    assert!(
        saw_helper.load(std::sync::atomic::Ordering::Relaxed),
        "dmap was killed while {helper} existed"
    );
    rerun_converges(&rt, &t, &recipe);
    rt.block_on(async {
        assert!(try_inspect(&helper).await.is_none(), "no helper left");
    });
}

// ------------------------------------------------------------------------------------------------
// 9. Foreign containers
// ------------------------------------------------------------------------------------------------

/// Creates `name` with bollard, labelled only `dmap.test`, running `sleep 3600`.
async fn foreign(t: &DockerTest, name: &str, image: &str, start: bool) -> String {
    let docker = docker().await;
    let body = ContainerCreateBody {
        image: Some(image.to_string()),
        cmd: Some(vec!["sleep".into(), "3600".into()]),
        labels: Some(t.labels()),
        stop_signal: Some("SIGKILL".into()),
        ..Default::default()
    };
    let options = CreateContainerOptionsBuilder::default().name(name).build();
    let id = docker
        .create_container(Some(options), body)
        .await
        .unwrap_or_else(|error| panic!("cannot create {name}: {error}"))
        .id;
    if start {
        docker
            .start_container(name, None)
            .await
            .unwrap_or_else(|error| panic!("cannot start {name}: {error}"));
    }
    id
}

#[test]
fn a_foreign_container_is_left_alone_unless_adopted() {
    let rt = runtime();
    let t = DockerTest::new("foreign");
    let image = busybox_image();
    let recipe = Recipe::new(&t, &image, SINGLE);
    let web = n(&t, "web");
    rt.block_on(async {
        let id = foreign(&t, &web, &image, true).await;
        let before = t.inspect(&web).await;
        for phase in ["startup", "update", "shutdown"] {
            let out = recipe.run(phase);
            out.failure().stderr_has(&web).stderr_has("adopt");
            let now = t.inspect(&web).await;
            assert_eq!(now.id.as_deref(), Some(id.as_str()), "{phase}: untouched\n{out}");
            assert!(is_running(&now), "{phase}: still running\n{out}");
            assert_eq!(
                started_at(&now),
                started_at(&before),
                "{phase}: not restarted\n{out}"
            );
            assert_eq!(labels(&now), labels(&before), "{phase}: labels untouched\n{out}");
        }
        let out = recipe.run("adopt");
        out.success();
        assert_eq!(out.steps_of(&web, "recreate").len(), 1, "{out}");
        let adopted = t.inspect(&web).await;
        assert_ne!(adopted.id.as_deref(), Some(id.as_str()), "recreated\n{out}");
        assert!(is_running(&adopted));
        assert_eq!(labels(&adopted).get("dmap.map"), Some(&t.name));
        assert_eq!(
            labels(&adopted).get("dmap.config").map(String::as_str),
            Some("web")
        );
        let out = recipe.run("update");
        out.success();
        assert_no_steps(&out);
        assert_eq!(t.inspect(&web).await.id, adopted.id);
    });
}

#[test]
fn startup_with_adopt_takes_the_container_over() {
    let rt = runtime();
    let t = DockerTest::new("adopt_startup");
    let image = busybox_image();
    let recipe = Recipe::new(&t, &image, SINGLE);
    let web = n(&t, "web");
    rt.block_on(async {
        let id = foreign(&t, &web, &image, false).await;
        let out = recipe.run("adopt_startup");
        out.success();
        assert_eq!(out.steps_of(&web, "recreate").len(), 1, "{out}");
        let adopted = t.inspect(&web).await;
        assert_ne!(adopted.id.as_deref(), Some(id.as_str()), "recreated\n{out}");
        assert!(is_running(&adopted), "{out}");
        assert_eq!(labels(&adopted).get("dmap.map"), Some(&t.name));
        let out = recipe.run("update");
        out.success();
        assert_no_steps(&out);
        assert_eq!(t.inspect(&web).await.id, adopted.id);
    });
}

// ------------------------------------------------------------------------------------------------
// 10. An unreachable Engine
// ------------------------------------------------------------------------------------------------

#[test]
fn an_unreachable_engine_fails_fast_naming_the_address_and_the_line() {
    let t = DockerTest::new("unreachable");
    let recipe = Recipe::new(&t, &busybox_image(), SINGLE);
    let text = std::fs::read_to_string(recipe.dir.path().join("r.rhai")).expect("recipe");
    let line = text
        .lines()
        .position(|l| l.contains("c.startup(\"web\")"))
        .expect("the startup line")
        + 1;
    let out = recipe
        .test(false, "startup", &[])
        .env("DOCKER_HOST", "tcp://127.0.0.1:1")
        .env_remove("DOCKER_TLS_VERIFY")
        .env_remove("DOCKER_CERT_PATH")
        .run();
    out.failure()
        .stderr_has("tcp://127.0.0.1:1")
        .stderr_has(&format!("r.rhai:{line}"));
    assert!(out.elapsed < Duration::from_secs(10), "fails fast\n{out}");
}

// ------------------------------------------------------------------------------------------------
// 11. Plans and dry runs change nothing; links on a map network
// ------------------------------------------------------------------------------------------------

const PLANNED: &str = r#"
m.volumes.data = "/data";
m.networks.backend = #{};
m.containers.db = #{
    image: img, attaches: "data", user: "app:app", networks: "backend", stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600" },
};
m.containers.web = #{
    image: img, links: "db", networks: "backend", stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600" },
};
let c = mapping_client(m);
if phase == "startup" { show(c.startup("web")); }
if phase == "plan" {
    print("PLAN startup"); show(c.plan("startup", "web"));
    print("PLAN update"); show(c.plan("update", "web"));
    print("PLAN shutdown"); show(c.plan("shutdown", "db"));
}
"#;

#[test]
fn plans_change_nothing() {
    let rt = runtime();
    let t = DockerTest::new("plan");
    let recipe = Recipe::new(&t, &busybox_image(), PLANNED);
    let (db, web) = (n(&t, "db"), n(&t, "web"));
    rt.block_on(async {
        let out = recipe.run("plan");
        out.success();
        assert_eq!(
            out.steps_of(&db, "create").len(),
            2,
            "startup and update create db\n{out}"
        );
        assert_eq!(out.steps_of(&web, "start").len(), 2, "{out}");
        assert!(names(&t).await.is_empty(), "{out}");
        assert!(!t.volume_exists(&n(&t, "data")).await, "{out}");
        assert!(!t.network_exists(&n(&t, "backend")).await, "{out}");

        recipe.run("startup").success();
        let all = [db.clone(), web.clone()];
        let before = [t.inspect(&db).await, t.inspect(&web).await];
        let out = recipe.run("plan");
        out.success();
        assert_eq!(out.steps_of(&db, "remove").len(), 1, "shutdown removes db\n{out}");
        // Both stop with SIGKILL: each is killed and removed in one step, with the network after.
        assert_eq!(out.steps_of(&web, "remove").len(), 1, "{out}");
        assert_eq!(out.steps().len(), 3, "{out}");
        assert_eq!(names(&t).await, sorted(&all));
        assert_running(&t, &all).await;
        for (name, old) in all.iter().zip(&before) {
            let now = t.inspect(name).await;
            assert_eq!(now.id, old.id, "{name}\n{out}");
            assert_eq!(started_at(&now), started_at(old), "{name}\n{out}");
        }
        assert!(t.volume_exists(&n(&t, "data")).await);
        assert!(t.network_exists(&n(&t, "backend")).await);
    });
}

#[test]
fn dry_run_changes_nothing() {
    let rt = runtime();
    let t = DockerTest::new("dry_run");
    let recipe = Recipe::new(&t, &busybox_image(), PLANNED);
    let out = recipe.dry_run("startup");
    out.success()
        .stderr_has(&format!("would create {}", n(&t, "web")))
        .stderr_has(&format!("would start {}", n(&t, "db")));
    rt.block_on(async {
        assert!(names(&t).await.is_empty(), "{out}");
        assert!(!t.volume_exists(&n(&t, "data")).await, "{out}");
        assert!(!t.network_exists(&n(&t, "backend")).await, "{out}");
    });
}

#[test]
fn links_resolve_on_a_map_network() {
    let rt = runtime();
    let t = DockerTest::new("links_network");
    let recipe = Recipe::new(&t, &busybox_image(), STACK);
    recipe.run_with("startup", &[&free_port().to_string()]).success();
    rt.block_on(async {
        let web = n(&t, "web");
        for alias in ["app-a", "second"] {
            let (code, ping) = t.exec_output(&web, &["ping", "-c", "1", "-W", "2", alias]).await;
            assert_eq!(code, 0, "web resolves {alias}: {ping}");
        }
    });
}

// ------------------------------------------------------------------------------------------------
// 12. Shutdown
// ------------------------------------------------------------------------------------------------

const SHUTDOWN: &str = r#"
m.volumes.data = "/data";
m.networks.backend = #{};
m.containers.db = #{
    image: img, attaches: "data", networks: "backend", stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600" },
};
let c = mapping_client(m);
if phase == "startup" { show(c.startup("db")); }
if phase == "shutdown" { show(c.shutdown("db")); }
if phase == "remove_attached" { show(c.shutdown("db", #{ remove_attached: true })); }
"#;

#[test]
fn shutdown_removes_containers_and_networks_and_keeps_volumes_unless_asked() {
    let rt = runtime();
    let t = DockerTest::new("shutdown");
    let recipe = Recipe::new(&t, &busybox_image(), SHUTDOWN);
    let (db, volume, network) = (n(&t, "db"), n(&t, "data"), n(&t, "backend"));
    rt.block_on(async {
        recipe.run("startup").success();
        let (code, _) = t.exec_output(&db, &["sh", "-c", "echo kept > /data/f"]).await;
        assert_eq!(code, 0);
        let out = recipe.run("shutdown");
        out.success();
        assert!(names(&t).await.is_empty(), "{out}");
        assert!(!t.network_exists(&network).await, "the map network goes\n{out}");
        assert!(t.volume_exists(&volume).await, "the volume stays\n{out}");

        recipe.run("startup").success();
        assert_eq!(t.exec_output(&db, &["cat", "/data/f"]).await.1.trim(), "kept");

        let out = recipe.run("remove_attached");
        out.success();
        assert_eq!(out.steps_of(&volume, "remove_volume").len(), 1, "{out}");
        assert!(names(&t).await.is_empty(), "{out}");
        assert!(!t.volume_exists(&volume).await, "{out}");
        assert!(!t.network_exists(&network).await, "{out}");
    });
}

// ------------------------------------------------------------------------------------------------
// 13. exec_commands
// ------------------------------------------------------------------------------------------------

const EXECS: &str = r#"
m.volumes.data = "/data";
m.containers.web = #{
    image: img, attaches: "data", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" },
    exec_commands: [
        #{ cmd: ["sh", "-c", "echo x >> /data/initial"], policy: "initial" },
        #{ cmd: ["sh", "-c", "echo x >> /data/restart"], policy: "restart" },
    ],
};
let c = mapping_client(m);
if phase == "startup" { show(c.startup("web")); }
if phase == "update" { show(c.update("web")); }
if phase == "restart" { show(c.restart("web")); }
if phase == "stop" { show(c.stop("web")); }
"#;

#[test]
fn exec_commands_run_by_policy() {
    let rt = runtime();
    let t = DockerTest::new("exec_commands");
    let recipe = Recipe::new(&t, &busybox_image(), EXECS);
    let web = n(&t, "web");
    let count = [
        "sh",
        "-c",
        "echo $(wc -l < /data/initial)/$(wc -l < /data/restart)",
    ];
    rt.block_on(async {
        recipe.run("startup").success();
        assert_eq!(wait_output(&t, &web, &count, "1/1").await, "1/1");
        let out = recipe.run("update");
        out.success();
        assert_no_steps(&out);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(wait_output(&t, &web, &count, "1/1").await, "1/1", "{out}");
        let out = recipe.run("restart");
        out.success();
        assert_eq!(wait_output(&t, &web, &count, "1/2").await, "1/2", "{out}");
        recipe.run("stop").success();
        let out = recipe.run("startup");
        out.success();
        assert_eq!(wait_output(&t, &web, &count, "1/3").await, "1/3", "{out}");
    });
}

// ------------------------------------------------------------------------------------------------
// 14. Healthchecks
// ------------------------------------------------------------------------------------------------

/// `web` links `dep`, which has a healthcheck; the client waits `wait_timeout` (ARGS[3]).
const HEALTH: &str = r#"
m.containers.dep = #{
    image: img, stop_signal: "SIGKILL",
    create_options: #{ command: ["sh", "-c", "sleep 2; touch /tmp/ready; exec sleep 3600"] },
    healthcheck: if phase == "never" {
        #{ test: ["CMD", "false"], interval: "500ms", retries: 100 }
    } else {
        #{ test: ["CMD", "test", "-f", "/tmp/ready"], interval: "500ms", retries: 20 }
    },
};
m.containers.web = #{ image: img, links: "dep", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m, docker(#{ wait_timeout: parse_int(ARGS[3]) }));
show(c.startup("web"));
"#;

#[test]
fn a_dependent_starts_once_its_dependency_is_healthy() {
    let rt = runtime();
    let t = DockerTest::new("healthy");
    let recipe = Recipe::new(&t, &busybox_image(), HEALTH);
    let out = recipe.run_with("ready", &["30"]);
    out.success();
    rt.block_on(async {
        let dep = t.inspect(&n(&t, "dep")).await;
        let web = t.inspect(&n(&t, "web")).await;
        assert!(is_running(&web));
        assert!(
            started_at(&web) >= started_at(&dep) + 1_500_000_000,
            "web starts after dep's 2 s of preparation\n{out}"
        );
        let log = dep
            .state
            .as_ref()
            .and_then(|s| s.health.as_ref())
            .and_then(|h| h.log.clone())
            .unwrap_or_default();
        let first_pass = log
            .iter()
            .find(|r| r.exit_code == Some(0))
            .and_then(|r| r.start)
            .unwrap_or_else(|| panic!("a passing probe: {log:?}\n{out}"));
        assert!(
            started_at(&web) >= first_pass.unix_timestamp_nanos(),
            "web starts after the first passing probe ({first_pass})\n{out}"
        );
        assert_eq!(out.steps_of(&n(&t, "dep"), "wait_healthy").len(), 1, "{out}");
    });
}

#[test]
fn a_never_healthy_dependency_fails_after_wait_timeout() {
    let rt = runtime();
    let t = DockerTest::new("never_healthy");
    let recipe = Recipe::new(&t, &busybox_image(), HEALTH);
    let out = recipe.run_with("never", &["3"]);
    let dep = n(&t, "dep");
    out.failure().stderr_has(&format!(
        "error: failed to wait for container `{dep}` to be healthy: container `{dep}` did not become healthy within"
    ));
    assert!(
        out.elapsed >= Duration::from_secs(3) && out.elapsed <= Duration::from_secs(8),
        "fails after the 3 s wait_timeout\n{out}"
    );
    rt.block_on(async {
        if let Some(web) = try_inspect(&n(&t, "web")).await {
            assert!(!is_running(&web), "web must not start\n{out}");
        }
    });
}

// ------------------------------------------------------------------------------------------------
// 15. Orphans
// ------------------------------------------------------------------------------------------------

/// `extra` is in the map only in the `startup` phase.
const ORPHANS: &str = r#"
m.containers.web = #{ image: img, stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
if phase == "startup" {
    m.containers.extra = #{ image: img, stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
}
let c = mapping_client(m);
if phase == "startup" { show(c.startup("__all__")); }
if phase == "update" { show(c.update("__all__")); }
if phase == "plan" { show(c.plan("update", "__all__")); }
if phase == "remove" { show(c.update("__all__", #{ remove_orphans: true })); }
"#;

#[test]
fn orphans_are_reported_and_removed_only_when_asked() {
    let rt = runtime();
    let t = DockerTest::new("orphans");
    let recipe = Recipe::new(&t, &busybox_image(), ORPHANS);
    let (web, extra) = (n(&t, "web"), n(&t, "extra"));
    rt.block_on(async {
        recipe.run("startup").success();
        let id = id_of(&t, &extra).await;
        for phase in ["update", "plan"] {
            let out = recipe.run(phase);
            out.success().stderr_has(&extra).stderr_has("remove_orphans");
            assert_no_steps(&out);
            assert_eq!(id_of(&t, &extra).await, id, "{phase}\n{out}");
            assert_running(&t, &[web.clone(), extra.clone()]).await;
        }
        let out = recipe.run("remove");
        out.success();
        assert_eq!(out.steps_of(&extra, "remove").len(), 1, "{out}");
        assert_eq!(names(&t).await, vec![web.clone()], "{out}");
        assert_running(&t, std::slice::from_ref(&web)).await;
    });
}

// ------------------------------------------------------------------------------------------------
// Legacy links on the default bridge
// ------------------------------------------------------------------------------------------------

/// `api` links `db` on the default bridge: the Engine then also lists `db` as `/<map>.api/db`,
/// which sorts before `/<map>.db`.
const LEGACY_LINK: &str = r#"
m.containers.db = #{ image: img, stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
m.containers.api = #{ image: img, links: "db", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
let c = mapping_client(m);
if phase == "startup" { show(c.startup("api")); }
if phase == "update" { show(c.update("api")); }
"#;

#[test]
fn a_container_targeted_by_a_legacy_link_is_seen_on_the_next_run() {
    let rt = runtime();
    let t = DockerTest::new("legacy_link");
    let recipe = Recipe::new(&t, &busybox_image(), LEGACY_LINK);
    recipe.run("startup").success();
    let out = recipe.run("update");
    out.success();
    assert_no_steps(&out);
    assert!(!out.stderr.contains("orphan"), "{out}");
    rt.block_on(async {
        assert_running(&t, &[n(&t, "api"), n(&t, "db")]).await;
    });
}

// ------------------------------------------------------------------------------------------------
// Several clients
// ------------------------------------------------------------------------------------------------

/// Two clients (both the local Engine here): each config runs on its own client, with the
/// client's hostname suffix and label; neither client sees the other's container as an orphan.
const TWO_CLIENTS: &str = r#"
m.clients = ["default", "second"];
m.containers.a = #{ image: img, clients: "default", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
m.containers.b = #{ image: img, clients: "second", stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
// `default` is a reserved word in Rhai, so it is quoted as a key.
let c = mapping_client(m, #{ "default": docker(), second: docker(#{ timeout: 30 }) });
if phase == "startup" { show(c.startup("__all__")); }
if phase == "update" { show(c.update("__all__")); }
if phase == "shutdown" { show(c.shutdown("__all__")); }
"#;

#[test]
fn each_config_runs_on_its_clients() {
    let rt = runtime();
    let t = DockerTest::new("two_clients");
    let image = busybox_image();
    let recipe = Recipe::new(&t, &image, TWO_CLIENTS);
    recipe.run("startup").success();
    rt.block_on(async {
        let (a, b) = (t.inspect(&n(&t, "a")).await, t.inspect(&n(&t, "b")).await);
        let hostname = |i: &ContainerInspectResponse| i.config.as_ref().and_then(|c| c.hostname.clone());
        // `_` and `.` become `-` in hostnames
        let host = t.name.replace('_', "-");
        assert_eq!(hostname(&a).as_deref(), Some(format!("{host}-a").as_str()));
        assert_eq!(hostname(&b).as_deref(), Some(format!("{host}-b-second").as_str()));
        assert_eq!(labels(&a).get("dmap.client").map(String::as_str), Some("default"));
        assert_eq!(labels(&b).get("dmap.client").map(String::as_str), Some("second"));
        assert_running(&t, &[n(&t, "a"), n(&t, "b")]).await;
    });
    let out = recipe.run("update");
    out.success();
    assert_no_steps(&out);
    assert!(!out.stderr.contains("orphan"), "{out}");
    recipe.run("shutdown").success();
    rt.block_on(async {
        assert_eq!(names(&t).await, Vec::<String>::new());
    });
}

/// A create the Engine refuses (an unknown runtime) is one error; the container's own start,
/// skipped after it, is said as such — not as the container depending on itself.
#[test]
fn a_failed_create_notes_its_own_skipped_start_in_words() {
    let t = DockerTest::new("failed_create");
    let recipe = Recipe::new(
        &t,
        &busybox_image(),
        r#"
m.containers.odd = #{ image: img, create_options: #{ runtime: "no-such-runtime", command: "sleep 3600" } };
let c = mapping_client(m);
show(c.startup("odd"));
"#,
    );
    let odd = n(&t, "odd");
    let out = recipe.run("startup");
    out.failure();
    assert_eq!(
        out.stderr.lines().filter(|l| l.starts_with("error:")).count(),
        1,
        "{out}"
    );
    assert!(
        out.stderr
            .contains(&format!("note: `{odd}`: `start` skipped after its failed step\n")),
        "{out}"
    );
    assert!(!out.stderr.contains("depends on"), "{out}");
}
