//! Compose files run by Docker Compose v2 and by dmap, compared on the Engine: for each project
//! in `tests/fixtures/compose/`, Compose v2 brings it up under one project name and dmap under
//! another, and what the Engine shows of the two (containers with their configuration, volumes,
//! networks, normalised by `support::compose::engine_state`) must be the same. Each `down
//! --volumes` must leave nothing of its project.
//!
//! The fixtures use only the local busybox image, through `image: ${DMAP_TEST_IMAGE}`, and take a
//! free port in `DMAP_TEST_PORT`; both tools get the same environment. Setting
//! `DMAP_COMPOSE_V2_TWICE=1` makes Compose v2 bring up the second project too, which checks the
//! normalisation itself: two Compose v2 projects must compare equal.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::compose::{
    assert_gone, assert_same_state, cleared_variables, compose_v2_down, compose_v2_up, engine_state,
    show_state, ProjectState,
};
use crate::support::harness::{Output, Test};
use crate::support::{busybox_image, runtime, DockerTest};

/// How long one `dmap up` or `dmap down` of a fixture may take.
const DMAP_TIMEOUT: Duration = Duration::from_secs(240);

/// One fixture, and what Compose v2 makes of it (normalised names), so that a fixture that stops
/// doing what it was written for is noticed.
struct Case {
    fixture: &'static str,
    /// Extra environment for both tools (besides `DMAP_TEST_IMAGE` and `DMAP_TEST_PORT`).
    env: &'static [(&'static str, &'static str)],
    containers: &'static [&'static str],
    volumes: &'static [&'static str],
    networks: &'static [&'static str],
}

#[test]
fn compose_v2_basic() {
    compare(&Case {
        fixture: "basic",
        env: &[("DMAP_FIXTURE_TOKEN", "s3cret")],
        containers: &[
            "PROJECT-cron",
            "PROJECT-web-1",
            "PROJECT-worker-1",
            "PROJECT-worker-2",
        ],
        volumes: &[],
        networks: &["PROJECT_default"],
    });
}

#[test]
fn compose_v2_storage() {
    compare(&Case {
        fixture: "storage",
        env: &[],
        containers: &["PROJECT-backup-1", "PROJECT-db-1", "PROJECT-seed-1"],
        volumes: &["PROJECT_archive", "PROJECT_db-data", "PROJECT_db-logs"],
        networks: &["PROJECT_default"],
    });
}

#[test]
fn compose_v2_networks() {
    compare(&Case {
        fixture: "networks",
        env: &[],
        containers: &[
            "PROJECT-api-1",
            "PROJECT-api-2",
            "PROJECT-cache-1",
            "PROJECT-migrate-1",
            "PROJECT-monitor-1",
            "PROJECT-proxy-1",
        ],
        volumes: &[],
        networks: &["PROJECT_back", "PROJECT_default", "PROJECT_front"],
    });
}

#[test]
fn compose_v2_limits() {
    compare(&Case {
        fixture: "limits",
        env: &[],
        containers: &["PROJECT-app-1", "PROJECT-helper-1", "PROJECT-sidecar-1"],
        volumes: &[],
        networks: &["PROJECT_default"],
    });
}

/// A Compose project named after a `DockerTest` is removed with it, down to its anonymous
/// volumes, when the test fails before `down`.
#[test]
fn compose_v2_project_is_swept_by_docker_test() {
    let image = busybox_image();
    let t = DockerTest::new("compose-swept");
    let project = t.name.clone();
    let dir = tempfile::tempdir().expect("create a temporary directory");
    copy_dir(&fixture_dir("storage"), dir.path());
    compose_v2_up(dir.path(), &project, &[("DMAP_TEST_IMAGE", &image)]);
    let rt = runtime();
    let state = rt.block_on(engine_state(&project, &[]));
    assert_eq!(state.containers.len(), 3, "{}", show_state(&state));
    assert_eq!(state.anonymous_volumes.len(), 1, "{}", show_state(&state));
    drop(t);
    rt.block_on(assert_gone(&project, &[], &state, "dropping its DockerTest"));
}

/// The folder of fixture `name`.
fn fixture_dir(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/compose")
        .join(name)
}

/// Brings the fixture up with Compose v2 and with dmap, each under a project named after a
/// `DockerTest` of its own, in one copy of the fixture's folder; compares the two states and
/// checks that each `down` leaves nothing.
fn compare(case: &Case) {
    let image = busybox_image();
    let by_compose = DockerTest::new(&format!("compose-{}", case.fixture));
    let by_dmap = DockerTest::new(&format!("dmap-{}", case.fixture));
    let dir = tempfile::tempdir().expect("create a temporary directory");
    copy_dir(&fixture_dir(case.fixture), dir.path());
    let port = free_port().to_string();
    let mut env: Vec<(&str, &str)> = vec![("DMAP_TEST_IMAGE", &image), ("DMAP_TEST_PORT", &port)];
    env.extend(case.env.iter().copied());
    let rt = runtime();

    compose_v2_up(dir.path(), &by_compose.name, &env);
    let expected = rt.block_on(engine_state(&by_compose.name, &[]));
    compose_v2_down(dir.path(), &by_compose.name, &env);
    rt.block_on(assert_gone(
        &by_compose.name,
        &[],
        &expected,
        "docker compose down",
    ));
    check_objects(case, &expected);

    let twice = std::env::var("DMAP_COMPOSE_V2_TWICE").is_ok_and(|v| v == "1");
    let right = if twice { "compose v2 (again)" } else { "dmap" };
    if twice {
        compose_v2_up(dir.path(), &by_dmap.name, &env);
    } else {
        dmap(dir.path(), &by_dmap.name, &env, &["up", "--wait"]).success();
    }
    let actual = rt.block_on(engine_state(&by_dmap.name, &[]));
    assert_same_state(&expected, &actual, "compose v2", right);
    if twice {
        compose_v2_down(dir.path(), &by_dmap.name, &env);
    } else {
        dmap(dir.path(), &by_dmap.name, &env, &["down", "--volumes"]).success();
    }
    rt.block_on(assert_gone(&by_dmap.name, &[], &actual, &format!("{right} down")));
}

/// Fails unless Compose v2 made exactly the objects the case lists.
#[track_caller]
fn check_objects(case: &Case, state: &ProjectState) {
    let names = |map: &std::collections::BTreeMap<String, _>| map.keys().cloned().collect::<Vec<_>>();
    assert_eq!(
        (
            names(&state.containers),
            names(&state.volumes),
            names(&state.networks)
        ),
        (
            case.containers.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            case.volumes.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            case.networks.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        ),
        "Compose v2 made other (containers, volumes, networks) of fixture {} than the test \
         expects; its state:\n{}",
        case.fixture,
        show_state(state)
    );
}

/// `dmap VERB... compose.yaml` in `dir`, as project `project`, with `env` and the environment
/// Compose v2 gets (the inherited one less `COMPOSE_*` and `DMAP_FIXTURE_*`).
#[track_caller]
fn dmap(dir: &Path, project: &str, env: &[(&str, &str)], verb: &[&str]) -> Output {
    let mut test = Test::in_dir(dir).engine().timeout(DMAP_TIMEOUT);
    for key in cleared_variables() {
        test = test.env_remove(key);
    }
    test = test.env("COMPOSE_PROJECT_NAME", project);
    for (key, value) in env {
        test = test.env(key, value);
    }
    test.args(verb).arg("compose.yaml").run()
}

/// Copies the folder `from` into `to`, recursively.
fn copy_dir(from: &Path, to: &Path) {
    for entry in std::fs::read_dir(from).unwrap_or_else(|e| panic!("read {}: {e}", from.display())) {
        let entry = entry.unwrap_or_else(|e| panic!("read {}: {e}", from.display()));
        let target = to.join(entry.file_name());
        if entry.file_type().expect("file type").is_dir() {
            std::fs::create_dir_all(&target).unwrap_or_else(|e| panic!("create {}: {e}", target.display()));
            copy_dir(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target)
                .unwrap_or_else(|e| panic!("copy {} to {}: {e}", entry.path().display(), target.display()));
        }
    }
}

/// A TCP port free on 127.0.0.1 now (the Engine publishes on it a moment later).
fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind a free port");
    listener.local_addr().expect("local address").port()
}
