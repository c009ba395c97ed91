//! Pulls against a real registry: every test starts its own `docker-registry`
//! (`support::registry`).
//!
//! The busybox fixture image is pushed there as `127.0.0.1:PORT/<test>/bb:v1` and that tag is
//! removed locally (the fixture's own tag stays), so a recipe naming it has to pull it. The image
//! reference has a `host:port` registry part, which docker-map mis-parsed as `name:tag`.
//!
//! The registry is required: when `docker-registry` is missing, the tests fail (they never skip;
//! .ci/run installs it).

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use crate::support::harness::{Output, Test};
use crate::support::registry::{image_present, push, push_fixture, Registry, RemoveTag};
use crate::support::{busybox_image, docker, runtime, DockerTest};
use tempfile::TempDir;

/// Hard limit for one run of the binary (a pull from the local registry takes well under that).
const RUN_TIMEOUT: Duration = Duration::from_secs(120);

// ---------------------------------------------------------------------------------------------
// Running dmap
// ---------------------------------------------------------------------------------------------

/// The recipe: map ARGS[0] with one config `svc` running image ARGS[1]; ARGS[2] is the action
/// (`startup`, `pull`, `pull_missing` = pull_images with `pull_all_images: false`). Prints one
/// line `step CONTAINER ACTION REASON` per step taken.
const RECIPE: &str = r#"
let m = container_map(ARGS[0]);
m.containers.svc = #{
    image: ARGS[1],
    stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600" },
};
let c = mapping_client(m);
let steps = if ARGS[2] == "startup" {
    c.startup("svc")
} else if ARGS[2] == "pull" {
    c.pull_images("svc")
} else if ARGS[2] == "pull_missing" {
    c.pull_images("svc", #{ pull_all_images: false })
} else if ARGS[2] == "update_pull" {
    c.update("svc", #{ pull_before_update: true })
} else {
    throw `unknown phase ${ARGS[2]}`;
};
for s in steps {
    print(`step ${s.container} ${s.action} ${s.reason}`);
}
"#;

/// A run of [`RECIPE`], read as the `step` lines it prints.
struct Run(Output);

impl std::ops::Deref for Run {
    type Target = Output;

    fn deref(&self) -> &Output {
        &self.0
    }
}

impl Run {
    /// `(container, action, reason)` of each step the recipe printed.
    fn steps(&self) -> Vec<(String, String, String)> {
        self.stdout
            .lines()
            .filter_map(|line| line.strip_prefix("step "))
            .map(|rest| {
                let words: Vec<&str> = rest.splitn(3, ' ').collect();
                assert_eq!(words.len(), 3, "odd step line {rest:?}\n{self}");
                (words[0].to_string(), words[1].to_string(), words[2].to_string())
            })
            .collect()
    }

    fn pulls(&self) -> Vec<(String, String, String)> {
        self.steps()
            .into_iter()
            .filter(|(_, action, _)| action == "pull")
            .collect()
    }

    #[track_caller]
    fn assert_ok(&self, what: &str) {
        assert_eq!(self.code, Some(0), "{what} failed\n{self}");
    }
}

impl std::fmt::Display for Run {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Runs `dmap run recipe.rhai MAP IMAGE PHASE` in `dir`, killing it after `RUN_TIMEOUT`.
fn dmap(dir: &Path, map: &str, image: &str, phase: &str) -> Run {
    Run(Test::in_dir(dir)
        .engine()
        .args(["run", "recipe.rhai", map, image, phase])
        .timeout(RUN_TIMEOUT)
        .run())
}

fn recipe_dir() -> (TempDir, PathBuf) {
    let dir = tempfile::tempdir().expect("temporary directory");
    let path = dir.path().to_path_buf();
    std::fs::write(path.join("recipe.rhai"), RECIPE).expect("write the recipe");
    (dir, path)
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn startup_pulls_an_absent_image_from_a_host_port_registry_once() {
    let registry = Registry::start();
    // A short name: it becomes a repository path component, where `_-` is not allowed.
    let t = DockerTest::new("pull-once");
    let repository = format!("{}/{}/bb", registry.host(), t.name);
    let image = format!("{repository}:v1");
    let _untag = RemoveTag(image.clone());
    push_fixture(&repository, "v1");
    assert!(!image_present(&image), "{image} is still tagged locally");
    let (_dir, dir) = recipe_dir();
    let svc = format!("{}.svc", t.name);

    // Absent: startup pulls it (once), then creates and starts the container.
    let first = dmap(&dir, &t.name, &image, "startup");
    first.assert_ok("the first startup");
    assert_eq!(
        first.pulls(),
        vec![(image.clone(), "pull".to_string(), "absent".to_string())],
        "the first startup must pull {image} once, because it is absent\n{first}"
    );
    let steps = first.steps();
    for action in ["create", "start"] {
        assert!(
            steps
                .iter()
                .any(|(container, a, _)| *container == svc && a == action),
            "the first startup has no `{action}` of {svc}\n{first}"
        );
    }
    assert!(
        image_present(&image),
        "{image} is not present after the startup\n{first}"
    );
    let rt = runtime();
    let inspected = rt.block_on(t.inspect(&svc));
    assert_eq!(
        inspected.state.as_ref().and_then(|state| state.running),
        Some(true),
        "{svc} is not running\n{first}"
    );
    assert_eq!(
        inspected
            .config
            .as_ref()
            .and_then(|config| config.image.as_deref()),
        Some(image.as_str()),
        "{svc} was created from another image\n{first}"
    );

    // Present: another startup does not pull again (docker-map re-pulled on every startup).
    let second = dmap(&dir, &t.name, &image, "startup");
    second.assert_ok("the second startup");
    assert!(
        second.pulls().is_empty(),
        "the second startup pulled although {image} is present\n{second}"
    );

    // pull_images pulls even present images (pull_all_images defaults to true).
    let pulled = dmap(&dir, &t.name, &image, "pull");
    pulled.assert_ok("pull_images");
    assert_eq!(
        pulled.pulls(),
        vec![(image.clone(), "pull".to_string(), "pull_all_images".to_string())],
        "pull_images must pull {image} once\n{pulled}"
    );
    assert_eq!(
        pulled.steps().len(),
        1,
        "pull_images did more than pull\n{pulled}"
    );

    // ... and with `pull_all_images: false` leaves present images alone.
    let missing_only = dmap(&dir, &t.name, &image, "pull_missing");
    missing_only.assert_ok("pull_images with pull_all_images: false");
    assert!(
        missing_only.steps().is_empty(),
        "pull_images with pull_all_images: false acted although {image} is present\n{missing_only}"
    );

    // The container survived all of it.
    let after = rt.block_on(t.inspect(&svc));
    assert_eq!(
        after.id, inspected.id,
        "{svc} was recreated by a later run\n{second}{pulled}{missing_only}"
    );
    assert!(image_present(&busybox_image()), "the fixture image lost its tag");
}

#[test]
fn an_image_missing_from_the_registry_fails_naming_it() {
    let registry = Registry::start();
    let t = DockerTest::new("pull-missing");
    let image = format!("{}/{}/absent:v1", registry.host(), t.name);
    let _untag = RemoveTag(image.clone());
    assert!(!image_present(&image), "{image} exists before the test");
    let (_dir, dir) = recipe_dir();

    for phase in ["startup", "pull"] {
        let run = dmap(&dir, &t.name, &image, phase);
        assert_eq!(run.code, Some(1), "{phase} of a missing image must exit 1\n{run}");
        assert!(
            run.stderr.contains(&image),
            "the error of {phase} does not name the image {image}\n{run}"
        );
        assert!(
            run.steps().is_empty(),
            "{phase} printed steps although it failed\n{run}"
        );
    }
    let rt = runtime();
    let containers = rt.block_on(t.containers());
    assert!(
        containers.is_empty(),
        "a container was created although its image could not be pulled: {:?}",
        containers.iter().map(|c| c.names.clone()).collect::<Vec<_>>()
    );
    assert!(!image_present(&image), "{image} appeared");
}

#[test]
fn update_with_pull_before_update_uses_the_new_image_in_the_same_run() {
    // Dropped last: the newer image, once the containers and tags are gone.
    let mut leftovers = crate::support::recipe::Leftovers::default();
    let registry = Registry::start();
    let t = DockerTest::new("pull-update");
    let repository = format!("{}/{}/bb", registry.host(), t.name);
    let image = format!("{repository}:v1");
    let _untag = RemoveTag(image.clone());
    let newer = format!("dmap-test/newer:{}", t.name.to_lowercase());
    push_fixture(&repository, "v1");
    let (_dir, dir) = recipe_dir();
    let svc = format!("{}.svc", t.name);
    dmap(&dir, &t.name, &image, "startup").assert_ok("the startup");
    let rt = runtime();
    let before = rt.block_on(t.inspect(&svc));

    // The registry gets a newer image under the same tag.
    let fixture = busybox_image();
    let newer_id = rt.block_on(async {
        let docker = docker().await;
        crate::support::recipe::build(&docker, &format!("FROM {fixture}\nLABEL round=2\n"), &newer).await;
        crate::support::recipe::image_id(&docker, &newer).await
    });
    leftovers.images.push(newer_id.clone());
    push(&newer, &repository, "v1");

    let out = dmap(&dir, &t.name, &image, "update_pull");
    out.assert_ok("update with pull_before_update");
    let after = rt.block_on(t.inspect(&svc));
    assert_ne!(after.id, before.id, "recreated in the same run\n{out}");
    assert_eq!(
        after.image.as_deref(),
        Some(newer_id.as_str()),
        "runs the new image\n{out}"
    );
    let again = dmap(&dir, &t.name, &image, "update_pull");
    again.assert_ok("a second update");
    assert_eq!(
        rt.block_on(t.inspect(&svc)).id,
        after.id,
        "nothing changed\n{again}"
    );
    // The fixture kept a reference to the registry's first image; it goes too.
    let fixture_refs = rt.block_on(async {
        let docker = docker().await;
        docker
            .inspect_image(&busybox_image())
            .await
            .map(|i| i.repo_digests.unwrap_or_default())
            .unwrap_or_default()
    });
    for reference in fixture_refs
        .iter()
        .filter(|r| r.starts_with(&format!("{repository}@")))
    {
        leftovers.images.push(reference.clone());
    }
}

#[test]
fn each_client_pulls_what_it_runs_from_a_registry_on_its_lan() {
    use crate::support::bed::engine2;
    let e2 = engine2();
    let registry = Registry::start_on("0.0.0.0");
    let lan = crate::support::bed::host_ip();
    let t = DockerTest::new("lanpull");
    // Pushed through the main Engine (127.0.0.1 is an insecure registry by default), pulled by
    // the second Engine from the LAN address (the bed makes its LAN an insecure range).
    let repository = format!("{}/lanpull{}", registry.host(), std::process::id());
    push_fixture(&repository, "v1");
    let remote_image = format!("{lan}:{}/lanpull{}:v1", registry.port, std::process::id());
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(
        dir.path().join("r.rhai"),
        format!(
            r#"
let m = container_map("{map}");
m.clients = ["main", "e2"];
m.containers.here = #{{ image: "{local}", clients: "main", stop_signal: "SIGKILL", create_options: #{{ command: "sleep 3600" }} }};
m.containers.there = #{{ image: "{remote_image}", clients: "e2", stop_signal: "SIGKILL", create_options: #{{ command: "sleep 3600" }} }};
let c = mapping_client(m, #{{ main: docker(), e2: docker(#{{ base_url: "{host}" }}) }});
if ARGS[0] == "up" {{ c.startup(); }} else {{ c.shutdown(); }}
"#,
            map = t.name,
            local = busybox_image(),
            host = e2.host,
        ),
    )
    .expect("write recipe");
    let cleanup = RemoteImage {
        host: e2.host.clone(),
        image: remote_image.clone(),
        container: format!("{}.there", t.name),
    };
    let run = |phase: &str| {
        Run(Test::in_dir(dir.path())
            .engine()
            .args(["run", "r.rhai", phase])
            .timeout(RUN_TIMEOUT)
            .run())
    };
    let out = run("up");
    out.assert_ok("startup on two clients");
    assert!(
        out.stderr.contains(&format!("[e2] pull {remote_image}: absent")),
        "the second client pulled its image\n{out}"
    );
    assert!(
        !out.stderr.contains("[main] pull "),
        "the main client pulled nothing\n{out}"
    );
    let state = Command::new("docker")
        .args([
            "-H",
            &e2.host,
            "inspect",
            "-f",
            "{{.State.Running}}",
            &format!("{}.there", t.name),
        ])
        .output()
        .expect("docker inspect");
    assert_eq!(String::from_utf8_lossy(&state.stdout).trim(), "true", "{out}");
    run("down").assert_ok("shutdown");
    drop(cleanup);
}

/// Removes an image from an extra Engine (and any container of the test left there) on drop.
struct RemoteImage {
    host: String,
    image: String,
    container: String,
}

impl Drop for RemoteImage {
    fn drop(&mut self) {
        let _ = Command::new("docker")
            .args(["-H", &self.host, "rm", "-f", &self.container])
            .output();
        let _ = Command::new("docker")
            .args(["-H", &self.host, "rmi", "-f", &self.image])
            .output();
    }
}
