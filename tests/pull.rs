//! Pulls against a real registry: every test starts its own `docker-registry` (Debian's package,
//! Docker Distribution 2.x) on 127.0.0.1 with a free port and a temporary storage directory. The
//! Engine allows plain HTTP for registries on 127.0.0.0/8, so no TLS is involved.
//!
//! The busybox fixture image is pushed there as `127.0.0.1:PORT/<test>/bb:v1` and that tag is
//! removed locally (the fixture's own tag stays), so a recipe naming it has to pull it. The image
//! reference has a `host:port` registry part, which docker-map mis-parsed as `name:tag`.
//!
//! The registry is required: when `docker-registry` is missing, the tests fail (they never skip;
//! .ci/run installs it).

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::harness::{Output, Test};
use crate::support::{busybox_image, docker, is_not_found, runtime, DockerTest};
use bollard::query_parameters::{PushImageOptionsBuilder, RemoveImageOptionsBuilder, TagImageOptionsBuilder};
use futures_util::StreamExt;
use tempfile::TempDir;

const REGISTRY: &str = "docker-registry";

/// Hard limit for one run of the binary (a pull from the local registry takes well under that).
const RUN_TIMEOUT: Duration = Duration::from_secs(120);
/// How long the registry may take to answer `GET /v2/`.
const REGISTRY_READY: Duration = Duration::from_secs(20);

// ---------------------------------------------------------------------------------------------
// A local registry
// ---------------------------------------------------------------------------------------------

/// A `docker-registry serve` process; killed when dropped.
struct Registry {
    child: Child,
    port: u16,
    dir: TempDir,
}

impl Registry {
    /// Starts a registry on a free port of 127.0.0.1 and waits until it answers. The port is found
    /// by binding port 0 and releasing it, so another process may take it in between: the start
    /// is retried a few times on a fresh port when the registry exits early.
    fn start() -> Registry {
        Registry::start_on("127.0.0.1")
    }

    /// A registry listening on every address of this host (`0.0.0.0`): the test bed's Engines
    /// reach it on the LAN address, the main Engine on 127.0.0.1.
    fn start_on(listen: &str) -> Registry {
        let mut failures = Vec::new();
        for _ in 0..5 {
            match Registry::try_start(listen) {
                Ok(registry) => return registry,
                Err(failure) => failures.push(failure),
            }
        }
        panic!(
            "could not start a local {REGISTRY} (5 attempts):\n{}",
            failures.join("\n---\n")
        );
    }

    fn try_start(listen: &str) -> Result<Registry, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .map(|address| address.port())
            .map_err(|error| format!("cannot find a free port on 127.0.0.1: {error}"))?;
        let dir =
            tempfile::tempdir().map_err(|error| format!("cannot make a temporary directory: {error}"))?;
        let storage = dir.path().join("storage");
        std::fs::create_dir(&storage)
            .map_err(|error| format!("cannot create {}: {error}", storage.display()))?;
        let config = dir.path().join("config.yml");
        std::fs::write(
            &config,
            format!(
                "version: 0.1\nlog:\n  level: warn\n  accesslog:\n    disabled: true\nstorage:\n  \
                 filesystem:\n    rootdirectory: {}\n  delete:\n    enabled: true\nhttp:\n  addr: \
                 {listen}:{port}\n  secret: dmap-pull-test\n",
                storage.display()
            ),
        )
        .map_err(|error| format!("cannot write {}: {error}", config.display()))?;
        let log_path = dir.path().join("registry.log");
        let log = std::fs::File::create(&log_path)
            .map_err(|error| format!("cannot create {}: {error}", log_path.display()))?;
        let log_err = log
            .try_clone()
            .map_err(|error| format!("cannot duplicate the log file handle: {error}"))?;
        let child = Command::new(REGISTRY)
            .arg("serve")
            .arg(&config)
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .unwrap_or_else(|error| {
                panic!(
                    "the pull tests need Debian's `{REGISTRY}` on PATH (apt-get install docker-registry; \
                     .ci/run installs it) and it could not be run: {error}"
                )
            });
        let mut registry = Registry { child, port, dir };
        let deadline = Instant::now() + REGISTRY_READY;
        loop {
            if let Ok(Some(status)) = registry.child.try_wait() {
                return Err(format!(
                    "{REGISTRY} on port {port} exited early ({status}):\n{}",
                    registry.log()
                ));
            }
            if registry.answers() {
                return Ok(registry);
            }
            if Instant::now() > deadline {
                // Dropping `registry` kills the process.
                return Err(format!(
                    "{REGISTRY} on port {port} did not answer GET /v2/ within {REGISTRY_READY:?}:\n{}",
                    registry.log()
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Whether `GET /v2/` answers 200.
    fn answers(&self) -> bool {
        let Ok(mut stream) = TcpStream::connect(("127.0.0.1", self.port)) else {
            return false;
        };
        let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
        let request = format!(
            "GET /v2/ HTTP/1.0\r\nHost: 127.0.0.1:{}\r\nConnection: close\r\n\r\n",
            self.port
        );
        if stream.write_all(request.as_bytes()).is_err() {
            return false;
        }
        let mut response = String::new();
        let _ = stream.read_to_string(&mut response);
        response.starts_with("HTTP/1.1 200") || response.starts_with("HTTP/1.0 200")
    }

    /// `127.0.0.1:PORT`
    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The registry's output so far (for failure messages).
    fn log(&self) -> String {
        std::fs::read_to_string(self.dir.path().join("registry.log")).unwrap_or_default()
    }
}

impl Drop for Registry {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------------
// Images
// ---------------------------------------------------------------------------------------------

/// Runs `future` on a runtime of its own in a thread of its own, so it can be called from `Drop`
/// and from plain test code alike.
fn detached<T: Send + 'static, F: std::future::Future<Output = T>>(
    make: impl FnOnce() -> F + Send + 'static,
) -> T {
    std::thread::spawn(move || {
        tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .expect("cannot build a tokio runtime")
            .block_on(make())
    })
    .join()
    .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
}

/// Removes the image tag when dropped (only that tag: the image itself stays as long as other
/// tags, such as the fixture's, point at it). Never panics.
struct RemoveTag(String);

impl Drop for RemoveTag {
    fn drop(&mut self) {
        let tag = self.0.clone();
        let result = std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .map_err(|error| error.to_string())?
                .block_on(async {
                    let docker = match bollard::Docker::connect_with_defaults() {
                        Ok(docker) => docker.negotiate_version().await,
                        Err(error) => Err(error),
                    }
                    .map_err(|error| error.to_string())?;
                    match docker
                        .remove_image(&tag, Some(RemoveImageOptionsBuilder::default().build()), None)
                        .await
                    {
                        Ok(_) => Ok(()),
                        Err(error) if is_not_found(&error) => Ok(()),
                        Err(error) => Err(error.to_string()),
                    }
                })
        })
        .join();
        match result {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("cannot remove the image tag {}: {error}", self.0),
            Err(_) => eprintln!("removing the image tag {} panicked", self.0),
        }
    }
}

/// Whether the Engine has the image (by tag).
fn image_present(image: &str) -> bool {
    let image = image.to_string();
    detached(move || async move {
        match docker().await.inspect_image(&image).await {
            Ok(_) => true,
            Err(error) if is_not_found(&error) => false,
            Err(error) => panic!("cannot inspect image {image}: {error}"),
        }
    })
}

/// Tags the busybox fixture as `REPOSITORY:TAG`, pushes it and removes the tag again, so only the
/// registry has it. The fixture image itself is left alone.
fn push_fixture(repository: &str, tag: &str) {
    push(&busybox_image(), repository, tag);
}

/// Tags image `fixture` as `REPOSITORY:TAG`, pushes it and removes that tag again.
fn push(fixture: &str, repository: &str, tag: &str) {
    let fixture = fixture.to_string();
    let (repository, tag) = (repository.to_string(), tag.to_string());
    detached(move || async move {
        let docker = docker().await;
        let reference = format!("{repository}:{tag}");
        docker
            .tag_image(
                &fixture,
                Some(
                    TagImageOptionsBuilder::default()
                        .repo(&repository)
                        .tag(&tag)
                        .build(),
                ),
            )
            .await
            .unwrap_or_else(|error| panic!("cannot tag {fixture} as {reference}: {error}"));
        let mut stream = docker.push_image(
            &repository,
            Some(PushImageOptionsBuilder::default().tag(&tag).build()),
            None,
        );
        let mut log = Vec::new();
        while let Some(item) = stream.next().await {
            let info = item.unwrap_or_else(|error| panic!("pushing {reference} failed: {error}"));
            if let Some(detail) = info.error_detail {
                panic!(
                    "pushing {reference} failed: {}\n{}",
                    detail.message.unwrap_or_default(),
                    log.join("\n")
                );
            }
            log.extend(info.status);
        }
        assert!(
            log.iter().any(|line| line.contains("digest:")),
            "pushing {reference} reported no digest:\n{}",
            log.join("\n")
        );
        let removed = docker
            .remove_image(
                &reference,
                Some(RemoveImageOptionsBuilder::default().build()),
                None,
            )
            .await
            .unwrap_or_else(|error| panic!("cannot remove the tag {reference}: {error}"));
        assert!(
            removed.iter().all(|item| item.deleted.is_none()),
            "removing the tag {reference} deleted image layers: {removed:?}"
        );
    });
    assert!(image_present(&busybox_image()), "the fixture image lost its tag");
}

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
    let lan = std::env::var("DMAP_BED_HOST_IP").unwrap_or_else(|_| "10.200.0.1".into());
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
