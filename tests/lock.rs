//! Two dmap processes, one map (recipe-api.md §7, docs/engine.md "Two dmap processes"): the
//! second waits for the first, saying so, and then converges; nothing is duplicated; a lock left
//! by a killed holder is taken over; nothing of the lock remains afterwards. Networks an older dmap
//! made twice are named, and the unused duplicate removed. Every check looks at the Engine; no
//! check is on a duration: where one process must be inside its action while the other starts,
//! the test holds it there (a health check that waits for a file, a stop that waits for a kill,
//! a lock the test holds) until the other says it waits.

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read};
use std::process::{Child, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use bollard::models::{ContainerCreateBody, NetworkCreateRequest, VolumeCreateRequest};
use bollard::query_parameters::{
    CreateContainerOptionsBuilder, KillContainerOptions, ListNetworksOptionsBuilder,
    ListVolumesOptionsBuilder,
};

use crate::support::harness::{Test, RUN_TIMEOUT};
use crate::support::recipe::n;
use crate::support::{busybox_image, docker, runtime, DockerTest};

/// `gate` turns healthy once `/tmp/open` exists (so `up --wait` holds the lock until the test
/// opens it); `slow` ignores SIGTERM for ten minutes (so `down` holds the lock until the test
/// kills it); both on the map's network, as `web`.
fn map_yaml(image: &str) -> String {
    format!(
        r#"networks:
  net: {{}}
gate:
  image: {image}
  networks: [net]
  stop_signal: SIGKILL
  healthcheck: {{test: ["CMD", "test", "-f", "/tmp/open"], interval: 200ms, retries: 1000}}
  create_options: {{command: "sleep 3600"}}
slow:
  image: {image}
  networks: [net]
  stop_timeout: 600
  create_options: {{command: "sleep 3600"}}
web:
  image: {image}
  networks: [net]
  stop_signal: SIGKILL
  create_options: {{command: "sleep 3600"}}
"#
    )
}

/// The map's YAML file (named after the map) in a directory of its own. (The test's sweep
/// removes what a failed run leaves of the lock: its volumes are labelled for the map.)
struct Map {
    test: Test,
    name: String,
}

impl Map {
    fn new(t: &DockerTest) -> Map {
        let file = format!("{}.yaml", t.name);
        Map {
            test: Test::new().file(&file, &map_yaml(&busybox_image())).engine(),
            name: t.name.clone(),
        }
    }

    /// `dmap VERB FILE ARGS...`
    fn dmap(&self, verb: &str, args: &[&str]) -> Test {
        self.test
            .clone()
            .arg(verb)
            .arg(format!("{}.yaml", self.name))
            .args(args)
    }
}

/// A dmap process whose stderr is read as it comes, so a test can wait for a line.
struct Watched {
    child: Child,
    stderr: Arc<Mutex<String>>,
    reader: Option<std::thread::JoinHandle<()>>,
    stdout: Option<std::thread::JoinHandle<String>>,
    started: Instant,
}

impl Watched {
    fn start(test: Test) -> Watched {
        let mut child = test
            .command()
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start dmap");
        let stderr = Arc::new(Mutex::new(String::new()));
        let pipe = child.stderr.take().expect("stderr");
        let sink = stderr.clone();
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut s = sink.lock().unwrap();
                s.push_str(&line);
                s.push('\n');
            }
        });
        let mut out = child.stdout.take().expect("stdout");
        let stdout = std::thread::spawn(move || {
            let mut s = String::new();
            let _ = out.read_to_string(&mut s);
            s
        });
        Watched {
            child,
            stderr,
            reader: Some(reader),
            stdout: Some(stdout),
            started: Instant::now(),
        }
    }

    fn pid(&self) -> u32 {
        self.child.id()
    }

    fn stderr(&self) -> String {
        self.stderr.lock().unwrap().clone()
    }

    /// Waits until stderr shows `needle` (failing if dmap ends first, or after [`RUN_TIMEOUT`]).
    #[track_caller]
    fn wait_for(&mut self, needle: &str) {
        loop {
            if self.stderr().contains(needle) {
                return;
            }
            if let Some(status) = self.child.try_wait().expect("wait") {
                std::thread::sleep(Duration::from_millis(100));
                panic!(
                    "dmap ended ({status}) before saying {needle:?}:\n{}",
                    self.stderr()
                );
            }
            assert!(
                self.started.elapsed() < RUN_TIMEOUT,
                "dmap did not say {needle:?}:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for the end: the exit status and stderr.
    #[track_caller]
    fn finish(mut self) -> (ExitStatus, String) {
        let status = loop {
            if let Some(status) = self.child.try_wait().expect("wait") {
                break status;
            }
            if self.started.elapsed() > RUN_TIMEOUT {
                let _ = self.child.kill();
                panic!("dmap still running after {RUN_TIMEOUT:?}:\n{}", self.stderr());
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        if let Some(r) = self.reader.take() {
            let _ = r.join();
        }
        if let Some(o) = self.stdout.take() {
            let _ = o.join();
        }
        let stderr = self.stderr();
        assert!(!stderr.contains("panicked"), "dmap panicked:\n{stderr}");
        (status, stderr)
    }
}

impl Drop for Watched {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The names of the volumes of the lock of `map` on the Engine.
async fn lock_volumes(map: &str) -> Vec<String> {
    let filters = HashMap::from([(
        "label".to_string(),
        vec!["dmap.kind=lock".to_string(), format!("dmap.map={map}")],
    )]);
    let mut names: Vec<String> = docker()
        .await
        .list_volumes(Some(
            ListVolumesOptionsBuilder::default().filters(&filters).build(),
        ))
        .await
        .expect("list volumes")
        .volumes
        .unwrap_or_default()
        .into_iter()
        .map(|v| v.name)
        .collect();
    names.sort();
    names
}

/// Waits until process `pid` holds the lock of `map` (failing after [`RUN_TIMEOUT`]).
async fn wait_until_locked_by(map: &str, pid: u32) {
    let started = Instant::now();
    let filters = HashMap::from([(
        "label".to_string(),
        vec![
            "dmap.kind=lock".to_string(),
            format!("dmap.map={map}"),
            format!("dmap.lock.pid={pid}"),
        ],
    )]);
    let options = ListVolumesOptionsBuilder::default().filters(&filters).build();
    let docker = docker().await;
    loop {
        let listed = docker
            .list_volumes(Some(options.clone()))
            .await
            .expect("list volumes");
        if !listed.volumes.unwrap_or_default().is_empty() {
            return;
        }
        assert!(
            started.elapsed() < RUN_TIMEOUT,
            "dmap (pid {pid}) never took the lock of `{map}`"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// The ids of the networks named exactly `name`, oldest first.
async fn networks_named(name: &str) -> Vec<String> {
    let filters = HashMap::from([("name".to_string(), vec![name.to_string()])]);
    let mut found: Vec<(i128, String)> = docker()
        .await
        .list_networks(Some(
            ListNetworksOptionsBuilder::default().filters(&filters).build(),
        ))
        .await
        .expect("list networks")
        .into_iter()
        .filter(|n| n.name.as_deref() == Some(name))
        .map(|n| {
            let created = n.created.map_or(0, |t| t.unix_timestamp_nanos());
            (created, n.id.unwrap_or_default())
        })
        .collect();
    found.sort();
    found.into_iter().map(|(_, id)| id).collect()
}

/// The names of the test's containers, sorted (each name once per container).
async fn containers(t: &DockerTest) -> Vec<String> {
    let mut names: Vec<String> = t
        .containers()
        .await
        .into_iter()
        .flat_map(|c| c.names.unwrap_or_default())
        .map(|n| n.trim_start_matches('/').to_string())
        .filter(|n| !n.contains('/'))
        .collect();
    names.sort();
    names
}

/// Exactly one of each container and of the network, and nothing of the lock.
async fn assert_converged_once(t: &DockerTest, what: &str) {
    assert_eq!(
        containers(t).await,
        [n(t, "gate"), n(t, "slow"), n(t, "web")],
        "one of each container ({what})"
    );
    assert_eq!(
        networks_named(&n(t, "net")).await.len(),
        1,
        "one network ({what})"
    );
    assert_eq!(
        lock_volumes(&t.name).await,
        Vec::<String>::new(),
        "no lock left ({what})"
    );
}

/// What this machine says a holder on it is: its host name and boot id.
fn this_machine() -> (String, String) {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default().trim().to_string();
    (
        read("/proc/sys/kernel/hostname"),
        read("/proc/sys/kernel/random/boot_id"),
    )
}

/// A lock volume of `map` as a holder with these labels would have made it.
async fn make_lock_volume(name: &str, map: &str, holder: &[(&str, String)]) {
    let mut labels = HashMap::from([
        ("dmap.map".to_string(), map.to_string()),
        ("dmap.kind".to_string(), "lock".to_string()),
        ("dmap.client".to_string(), "default".to_string()),
    ]);
    for (k, v) in holder {
        labels.insert(format!("dmap.lock.{k}"), v.clone());
    }
    docker()
        .await
        .create_volume(VolumeCreateRequest {
            name: Some(name.to_string()),
            labels: Some(labels),
            ..Default::default()
        })
        .await
        .expect("create the lock volume");
}

async fn exec(t: &DockerTest, container: &str, cmd: &[&str]) {
    let (code, out) = t.exec_output(container, cmd).await;
    assert_eq!(code, 0, "{cmd:?} in {container}: {out}");
}

#[test]
fn a_second_up_waits_for_the_first_saying_so_and_then_converges() {
    let rt = runtime();
    let t = DockerTest::new("lock_second_waits");
    let map = Map::new(&t);
    // The first holds the lock while it waits for `gate` to be healthy.
    let mut first = Watched::start(map.dmap("up", &["--wait"]));
    first.wait_for(&format!("waiting for `{}` to be healthy", n(&t, "gate")));
    let mut second = Watched::start(map.dmap("up", &[]));
    second.wait_for(&format!(
        "waiting for another dmap acting on map `{}` (`update`, pid {} on",
        t.name,
        first.pid()
    ));
    rt.block_on(exec(&t, &n(&t, "gate"), &["touch", "/tmp/open"]));
    let (status, stderr) = first.finish();
    assert!(status.success(), "the first up succeeds:\n{stderr}");
    let (status, stderr) = second.finish();
    assert!(status.success(), "the second up succeeds:\n{stderr}");
    assert!(
        stderr.contains("  up to date"),
        "the second finds it done:\n{stderr}"
    );
    rt.block_on(assert_converged_once(&t, "after both"));
}

#[test]
fn two_ups_started_together_converge_once() {
    let rt = runtime();
    let t = DockerTest::new("lock_together");
    let map = Map::new(&t);
    let one = Watched::start(map.dmap("up", &[]));
    let two = Watched::start(map.dmap("up", &[]));
    let (one, one_err) = one.finish();
    let (two, two_err) = two.finish();
    assert!(
        one.success() && two.success(),
        "both succeed:\n{one_err}\n---\n{two_err}"
    );
    rt.block_on(assert_converged_once(&t, "after both"));
    // Each container was created once: one of them made it, the other found it made.
    let creates = |s: &str| s.lines().filter(|l| l.starts_with("  create ")).count();
    assert_eq!(
        creates(&one_err) + creates(&two_err),
        3,
        "{one_err}\n---\n{two_err}"
    );
}

#[test]
fn an_up_during_a_down_waits_and_ends_up() {
    let rt = runtime();
    let t = DockerTest::new("lock_up_during_down");
    let map = Map::new(&t);
    let out = map.dmap("up", &[]).run();
    out.success();
    // The down holds the lock while `slow` ignores its SIGTERM.
    let down = Watched::start(map.dmap("down", &[]));
    let slow = n(&t, "slow");
    rt.block_on(wait_until_locked_by(&t.name, down.pid()));
    let mut up = Watched::start(map.dmap("up", &[]));
    up.wait_for(&format!(
        "waiting for another dmap acting on map `{}` (`shutdown`, pid {} on",
        t.name,
        down.pid()
    ));
    rt.block_on(async {
        docker()
            .await
            .kill_container(&slow, None::<KillContainerOptions>)
            .await
            .expect("kill slow");
    });
    let (status, stderr) = down.finish();
    assert!(status.success(), "the down succeeds:\n{stderr}");
    let (status, stderr) = up.finish();
    assert!(status.success(), "the up succeeds:\n{stderr}");
    assert!(
        stderr.contains(&format!("  create {slow}: absent")),
        "the up makes what the down removed:\n{stderr}"
    );
    rt.block_on(assert_converged_once(&t, "after the down and the up"));
    map.dmap("up", &[]).run().success().stderr_has("  up to date");
}

#[test]
fn a_lock_left_by_a_killed_dmap_of_this_machine_is_taken_over_at_once_and_removed() {
    let rt = runtime();
    let t = DockerTest::new("lock_killed_holder");
    let map = Map::new(&t);
    let (host, boot) = this_machine();
    let mut ended = std::process::Command::new("true").spawn().expect("run true");
    let pid = ended.id();
    ended.wait().expect("wait");
    let holder = [
        ("holder", "0123456789abcdef".to_string()),
        ("pid", pid.to_string()),
        ("host", host.clone()),
        ("boot", boot),
        ("action", "update".to_string()),
        ("lease", "3600".to_string()),
    ];
    rt.block_on(async {
        make_lock_volume(&format!("dmap-lock-{}", t.name), &t.name, &holder).await;
        // A heartbeat it made.
        make_lock_volume(&format!("dmap-lock-{}.0123.3", t.name), &t.name, &holder).await;
    });
    let out = map.dmap("up", &[]).run();
    out.success().stderr_has(&format!(
        "note: the lock of map `{}` was left by a dmap that is gone (`update`, pid {pid} on {host}, since ",
        t.name
    ));
    out.stderr_has("its process is gone; taken over");
    assert!(!out.stderr.contains("waiting for another dmap"), "{out}");
    rt.block_on(assert_converged_once(&t, "after the up"));
}

#[test]
fn a_lock_whose_holder_is_silent_beyond_its_lease_is_taken_over_and_removed() {
    let rt = runtime();
    let t = DockerTest::new("lock_silent_holder");
    let map = Map::new(&t);
    // A holder on another machine (its process can't be looked at) with a lease of a second.
    let holder = [
        ("holder", "fedcba9876543210".to_string()),
        ("pid", "1".to_string()),
        ("host", "another-machine".to_string()),
        ("boot", "another-boot".to_string()),
        ("action", "shutdown".to_string()),
        ("lease", "1".to_string()),
    ];
    rt.block_on(make_lock_volume(
        &format!("dmap-lock-{}", t.name),
        &t.name,
        &holder,
    ));
    let out = map.dmap("up", &[]).run();
    out.success().stderr_has(&format!(
        "note: the lock of map `{}` was left by a dmap that is gone (`shutdown`, pid 1 on another-machine, since ",
        t.name
    ));
    out.stderr_has("no sign of life for ");
    rt.block_on(assert_converged_once(&t, "after the up"));
}

#[test]
fn ctrl_c_while_waiting_cancels_and_leaves_the_holders_lock_alone() {
    let rt = runtime();
    let t = DockerTest::new("lock_cancelled_wait");
    let map = Map::new(&t);
    // The test holds the lock, as a live dmap of this machine would.
    let (host, boot) = this_machine();
    let lock = format!("dmap-lock-{}", t.name);
    let holder = [
        ("holder", "00000000cafe0000".to_string()),
        ("pid", std::process::id().to_string()),
        ("host", host),
        ("boot", boot),
        ("action", "update".to_string()),
        ("lease", "3600".to_string()),
    ];
    rt.block_on(make_lock_volume(&lock, &t.name, &holder));
    let mut up = Watched::start(map.dmap("up", &[]));
    up.wait_for("waiting for another dmap acting on map");
    let killed = std::process::Command::new("kill")
        .args(["-INT", &up.pid().to_string()])
        .status()
        .expect("kill -INT");
    assert!(killed.success());
    let (status, stderr) = up.finish();
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("error: cancelled"), "{stderr}");
    rt.block_on(async {
        assert!(containers(&t).await.is_empty(), "nothing was done");
        assert_eq!(lock_volumes(&t.name).await, [lock], "the holder's lock stays");
    });
}

/// A network named `name`, labelled for the map, as an older dmap racing another made a second
/// one (an Engine before API 1.44 makes it when the create does not ask it to check); None when
/// this Engine refuses a duplicate name itself.
async fn make_network(t: &DockerTest, name: &str) -> Option<String> {
    let request = NetworkCreateRequest {
        name: name.to_string(),
        labels: Some(HashMap::from([
            ("dmap.map".to_string(), t.name.clone()),
            ("dmap.kind".to_string(), "network".to_string()),
            ("dmap.client".to_string(), "default".to_string()),
        ])),
        ..Default::default()
    };
    match docker().await.create_network(request).await {
        Ok(made) => Some(made.id),
        Err(bollard::errors::Error::DockerResponseServerError { status_code: 409, .. }) => None,
        Err(e) => panic!("create network {name}: {e}"),
    }
}

/// Two networks named `name`; false when this Engine refuses the second.
async fn make_duplicate_networks(t: &DockerTest, name: &str) -> bool {
    make_network(t, name).await.expect("the first network");
    make_network(t, name).await.is_some()
}

/// Starts container `name` on the default bridge (a container of the test, not of the map).
async fn run_container(t: &DockerTest, name: &str, network: &str) {
    let docker = docker().await;
    let body = ContainerCreateBody {
        image: Some(busybox_image()),
        cmd: Some(vec!["sleep".into(), "3600".into()]),
        labels: Some(t.labels()),
        host_config: Some(bollard::models::HostConfig {
            network_mode: Some(network.to_string()),
            ..Default::default()
        }),
        ..Default::default()
    };
    let options = CreateContainerOptionsBuilder::default().name(name).build();
    docker
        .create_container(Some(options), body)
        .await
        .expect("create");
    docker.start_container(name, None).await.expect("start");
}

#[test]
fn an_unused_duplicate_network_is_named_and_removed_then_up_converges() {
    let rt = runtime();
    let t = DockerTest::new("lock_duplicate_network");
    let map = Map::new(&t);
    let net = n(&t, "net");
    if !rt.block_on(make_duplicate_networks(&t, &net)) {
        // This Engine refuses duplicate names: nothing to resolve.
        map.dmap("up", &[]).run().success();
        return;
    }
    let ids = rt.block_on(networks_named(&net));
    assert_eq!(ids.len(), 2);
    let short = |id: &str| id[..12].to_string();
    let out = map.dmap("up", &[]).run();
    out.success()
        .stderr_has(&format!(
            "note: network `{net}` exists 2 times on the Engine (an older dmap could make it twice): keeping {} (the oldest), removing the unused {}",
            short(&ids[0]),
            short(&ids[1])
        ))
        .stderr_has(&format!(
            "  remove_network {net}: duplicate {}, unused (keeping {})",
            short(&ids[1]),
            short(&ids[0])
        ));
    rt.block_on(async {
        assert_eq!(networks_named(&net).await, [ids[0].clone()], "the oldest is kept");
        assert_converged_once(&t, "after the up").await;
        let web = t.inspect(&n(&t, "web")).await;
        let on = web
            .network_settings
            .and_then(|s| s.networks)
            .and_then(|mut n| n.remove(&net))
            .and_then(|e| e.network_id);
        assert_eq!(on.as_deref(), Some(ids[0].as_str()), "web is on the network kept");
    });
    map.dmap("up", &[]).run().success().stderr_has("  up to date");
}

#[test]
fn duplicate_networks_both_in_use_are_refused_naming_them() {
    let rt = runtime();
    let t = DockerTest::new("lock_duplicates_in_use");
    let map = Map::new(&t);
    let net = n(&t, "net");
    // A container on each: one started on the first before the second was made (once there
    // are two, the Engine can't start a container on the name), one connected to the second.
    let made = rt.block_on(async {
        let first = make_network(&t, &net).await.expect("the first network");
        run_container(&t, &n(&t, "user0"), &first).await;
        let second = make_network(&t, &net).await?;
        run_container(&t, &n(&t, "user1"), "bridge").await;
        let connect = bollard::models::NetworkConnectRequest {
            container: n(&t, "user1"),
            endpoint_config: None,
        };
        docker()
            .await
            .connect_network(&second, connect)
            .await
            .expect("connect");
        Some([first, second])
    });
    let Some(ids) = made else {
        // This Engine refuses duplicate names: nothing to resolve.
        return;
    };
    let out = map.dmap("up", &[]).run();
    out.failure()
        .stderr_has(&format!(
            "network `{net}` is ambiguous: the Engine holds 2 networks of that name ("
        ))
        .stderr_has("several are in use: ")
        .stderr_has(&ids[0][..12])
        .stderr_has(&ids[1][..12])
        .stderr_has(&format!("`{}`", n(&t, "user0")));
    rt.block_on(async {
        assert_eq!(networks_named(&net).await.len(), 2, "both stay");
        assert_eq!(lock_volumes(&t.name).await, Vec::<String>::new(), "no lock left");
    });
}

/// The locks of `map` created on the Engine between `since` and `until` (seconds since the epoch),
/// from its events.
async fn lock_creations(map: &str, since: i64, until: i64) -> usize {
    use futures_util::StreamExt;
    let filters = HashMap::from([
        ("type".to_string(), vec!["volume".to_string()]),
        ("event".to_string(), vec!["create".to_string()]),
    ]);
    let options = bollard::query_parameters::EventsOptions {
        since: Some(since.to_string()),
        until: Some(until.to_string()),
        filters: Some(filters),
    };
    let events: Vec<_> = docker().await.events(Some(options)).collect().await;
    let prefix = format!("dmap-lock-{map}");
    events
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| {
            e.actor
                .as_ref()
                .and_then(|a| a.id.as_deref())
                .is_some_and(|id| id.starts_with(&prefix))
        })
        .count()
}

fn epoch_seconds() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// An `up` that finds nothing to do, with no other dmap acting on the map, takes no lock (no
/// round trips for it); one that changes something does.
#[test]
fn a_no_op_up_takes_no_lock_and_a_changing_one_does() {
    let rt = runtime();
    let t = DockerTest::new("lock_no_op");
    let map = Map::new(&t);
    let since = epoch_seconds() - 1;
    let (status, stderr) = Watched::start(map.dmap("up", &[])).finish();
    assert!(status.success(), "{stderr}");
    let middle = epoch_seconds() + 1;
    rt.block_on(async {
        assert!(
            lock_creations(&t.name, since, middle).await >= 1,
            "the first up locks"
        );
    });
    // Events are dated in seconds: the no-op starts in a second of its own.
    std::thread::sleep(Duration::from_millis(2100));
    let since = epoch_seconds();
    let (status, stderr) = Watched::start(map.dmap("up", &[])).finish();
    assert!(status.success() && stderr.contains("up to date"), "{stderr}");
    let until = epoch_seconds() + 1;
    rt.block_on(async {
        assert_eq!(
            lock_creations(&t.name, since, until).await,
            0,
            "the no-op takes no lock"
        );
        assert!(lock_volumes(&t.name).await.is_empty());
    });
}
