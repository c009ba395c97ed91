//! The gallery in scripts/, run against the real Engines as a user runs it: the stack, the Compose
//! file a recipe extends, the migration job, the map over two Engines (the test bed's engine2)
//! and the Swarm deployment (the bed's two-node Swarm). Each runs under its own map name and is
//! taken down again, also when the test fails.

use std::path::{Path, PathBuf};

use crate::support::bed::{engine2, engine3, load_images};
use crate::support::harness::{Output, Test};
use crate::support::recipe::{free_port, http_get};
use crate::support::{busybox_image, runtime, DockerTest};

fn scripts() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts")
}

/// `dmap VERB... ARGS...` in scripts/ against the Engine, with `env` set.
fn dmap(verb: &[&str], args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut t = Test::in_dir(scripts())
        .engine()
        .args(verb.to_vec())
        .args(args.to_vec());
    for (k, v) in env {
        t = t.env(k, v);
    }
    t.run()
}

/// Runs `dmap down --volumes ARGS` when dropped: what a script brought up on other Engines goes
/// too (the `DockerTest` sweeps only the local one).
struct Down {
    args: Vec<String>,
    env: Vec<(String, String)>,
    /// Images to remove afterwards, as (Docker host, tag): what a script built under a name that
    /// is not the test's (the `DockerTest` sweeps those), or on another Engine.
    images: Vec<(String, String)>,
}

impl Down {
    fn new(args: &[&str], env: &[(&str, &str)]) -> Down {
        Down {
            args: args.iter().map(|s| s.to_string()).collect(),
            env: env.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect(),
            images: Vec::new(),
        }
    }

    fn and_image(mut self, host: &str, tag: &str) -> Down {
        self.images.push((host.to_string(), tag.to_string()));
        self
    }
}

impl Drop for Down {
    fn drop(&mut self) {
        let mut args = vec!["down".to_string(), "--volumes".to_string()];
        args.extend(self.args.clone());
        let mut t = Test::in_dir(scripts()).engine().args(args);
        for (k, v) in &self.env {
            t = t.env(k, v);
        }
        let out = t.spawn().finish();
        for (host, tag) in &self.images {
            let _ = std::process::Command::new("docker")
                .args(["-H", host, "rmi", "-f", tag])
                .output();
        }
        if out.code != Some(0) && !std::thread::panicking() {
            panic!("down failed\n{out}");
        }
    }
}

#[test]
fn the_stack_serves_through_three_templated_images_and_converges_once() {
    let t = DockerTest::new("gallery_stack");
    let port = free_port().to_string();
    let args = ["stack.rhai", "-a", &port, "-a", &t.name];
    let _down = Down::new(&args, &[]);
    dmap(&["up", "--wait"], &args, &[]).success();
    assert!(http_get(port.parse().unwrap()).contains("<a href=\"http://app:8000/\">app</a>"));
    let rt = runtime();
    assert_eq!(
        rt.block_on(t.exec_output(&format!("{}.web", t.name), &["wget", "-qO-", "http://app:8000/"])),
        (0, "rows: 3\n".to_string()),
        "app serves what it read from db"
    );
    let out = dmap(&["plan"], &args, &[]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (Some(0), "up to date\n"),
        "{out}"
    );
}

#[test]
fn a_compose_file_extended_by_a_recipe_keeps_composes_names() {
    let t = DockerTest::new("gallery_compose");
    let port = free_port().to_string();
    let env = [("WEB_PORT", port.as_str())];
    let args = ["compose-extended/extend.rhai", "-a", &t.name];
    let local = std::env::var("DOCKER_HOST").unwrap_or_else(|_| "unix:///var/run/docker.sock".into());
    let _down = Down::new(&args, &env).and_image(&local, "gallery-busybox:latest");
    dmap(&["up", "--wait"], &args, &env).success();
    let p = &t.name;
    assert_eq!(
        t.container_names(),
        [
            format!("{p}-reader-alice-1"),
            format!("{p}-reader-bob-1"),
            format!("{p}-web-1"),
            format!("{p}-writer-1"),
        ]
    );
    let page = http_get(port.parse().unwrap());
    assert!(page.contains("UTC"), "the writer's date is served\n{page}");
}

#[test]
fn the_migration_runs_once_before_the_app_and_again_as_a_job() {
    let t = DockerTest::new("gallery_migrate");
    let args = ["migrate.rhai", "-a", &t.name];
    let _down = Down::new(&args, &[]);
    // `dmap run`: up (db, the one-shot migration, app) and the script action.
    let out = Test::in_dir(scripts())
        .engine()
        .args(["run", "migrate.rhai", &t.name])
        .run();
    out.success();
    assert_eq!(
        out.stdout, "schema status (exit code 0): 2 applied: 001-users.sql 002-names.sql\n",
        "{out}"
    );
    // A one-off job of the same configuration: its output, its exit code, gone afterwards.
    let job = [
        &args[..],
        &["migrate", "--", "sh", "-c", "sh /migrations/apply.sh; exit 4"],
    ]
    .concat();
    let out = dmap(&["job"], &job, &[]);
    assert_eq!(out.code, Some(4), "{out}");
    assert_eq!(out.stdout, "", "nothing left to apply\n{out}");
    assert!(
        !t.container_names().iter().any(|n| n.contains("-run-")),
        "{:?}",
        t.container_names()
    );
    let out = dmap(&["plan"], &args, &[]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (Some(0), "up to date\n"),
        "the one-shot is not run again\n{out}"
    );
}

#[test]
fn a_map_over_two_engines_runs_each_configuration_where_it_says() {
    let t = DockerTest::new("gallery_two");
    let edge = engine2();
    let env = [("DMAP_EDGE_ENGINE", edge.host.as_str())];
    let args = ["two-engines.rhai", "-a", &t.name];
    let _down = Down::new(&args, &env).and_image(&edge.host, &format!("{}-busybox:latest", t.name));
    dmap(&["up"], &args, &env).success();
    assert_eq!(
        t.container_names(),
        [format!("{}.front", t.name), format!("{}.store", t.name)]
    );
    let out = dmap(&["status", "--json"], &args, &env);
    out.success();
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let on_edge: Vec<&str> = doc["containers"]
        .as_array()
        .expect("containers")
        .iter()
        .filter(|c| c["client"] == "edge" && c["state"] == "running")
        .filter_map(|c| c["name"].as_str())
        .collect();
    assert_eq!(on_edge, [format!("{}.front", t.name)], "{doc:#}");
}

#[test]
fn the_swarm_deployment_runs_services_with_their_replicas() {
    let t = DockerTest::new("gallery_swarm");
    let (manager, worker) = (engine2(), engine3());
    let image = busybox_image();
    load_images(&manager, &[&image]);
    load_images(&worker, &[&image]);
    let env = [
        ("DMAP_SWARM_MANAGER", manager.host.as_str()),
        ("DMAP_SWARM_IMAGE", image.as_str()),
    ];
    let args = ["swarm.rhai", "-a", &t.name];
    let _down = Down::new(&args, &env);
    dmap(&["up"], &args, &env).success();
    let out = dmap(&["status", "--json"], &args, &env);
    out.success();
    let doc: serde_json::Value = serde_json::from_str(&out.stdout).expect("JSON");
    let services = doc["services"].as_array().cloned().unwrap_or_default();
    let api = services
        .iter()
        .find(|s| s["name"] == format!("{}_api", t.name).as_str())
        .unwrap_or_else(|| panic!("no api service\n{doc:#}"));
    assert_eq!(api["running"], 2, "{doc:#}");
}
