//! `depends_on` against the real Engine (docs/recipe-api.md, "Container fields"): a container
//! starts only once its dependencies meet their conditions — healthy, run to completion with
//! exit code 0 — a one-shot that completed is left alone by later runs, and one that fails
//! holds its dependents back with its exit code.

use crate::support::recipe::*;
use crate::support::{busybox_image, runtime, DockerTest};

/// db becomes healthy a second after it starts; migrate is a one-shot that writes a marker into
/// the volume it shares with api and exits (with code 3 in phase `fail`); api waits for both.
const GATED: &str = r#"
m.volumes.handoff = "/handoff";
m.containers.db = #{
    image: img, stop_signal: "SIGKILL",
    create_options: #{ command: ["sh", "-c", "sleep 1; touch /tmp/ready; exec sleep 3600"] },
    healthcheck: #{ test: ["CMD", "test", "-f", "/tmp/ready"], interval: "100ms", retries: 100 },
};
let code = if phase == "fail" { 3 } else { 0 };
m.containers.migrate = #{
    image: img, attaches: "handoff",
    create_options: #{ command: ["sh", "-c", `sleep 1; date +%s%N > /handoff/migrated; exit ${code}`] },
};
m.containers.api = #{
    image: img, uses: "handoff", stop_signal: "SIGKILL",
    create_options: #{ command: "sleep 3600" },
    depends_on: #{
        db: #{ condition: "service_healthy" },
        migrate: #{ condition: "service_completed_successfully" },
    },
};
let c = mapping_client(m);
show(c.update("__all__"));
"#;

#[test]
fn a_dependent_starts_after_its_dependencies_are_healthy_and_completed_and_a_completed_one_shot_stays_done() {
    let rt = runtime();
    let t = DockerTest::new("depends_on");
    let recipe = Recipe::new(&t, &busybox_image(), GATED);
    let (db, migrate, api) = (n(&t, "db"), n(&t, "migrate"), n(&t, "api"));
    let out = recipe.run("ok");
    out.success();
    assert_eq!(out.steps_of(&db, "wait_healthy").len(), 1, "{out}");
    assert_eq!(out.steps_of(&migrate, "wait_completed").len(), 1, "{out}");
    let migrated_at = rt.block_on(async {
        let (db_info, migrate_info, api_info) = (
            t.inspect(&db).await,
            t.inspect(&migrate).await,
            t.inspect(&api).await,
        );
        assert!(is_running(&api_info) && is_running(&db_info));
        let state = migrate_info.state.clone().unwrap_or_default();
        assert_eq!(
            (state.running, state.exit_code),
            (Some(false), Some(0)),
            "migrate ran to completion"
        );
        // api started after migrate finished and after db's first passing check (a second in)
        let finished = parse_time(state.finished_at.as_deref().unwrap_or_default());
        assert!(
            started_at(&api_info) >= finished,
            "api started after migrate finished"
        );
        assert!(
            started_at(&api_info) >= started_at(&db_info) + 1_000_000_000,
            "api waited for db's health"
        );
        let (code, marker) = t.exec_output(&api, &["cat", "/handoff/migrated"]).await;
        assert_eq!(code, 0, "api sees what migrate wrote");
        (marker, started_at(&migrate_info))
    });
    // The next run leaves everything as it is: migrate does not run again.
    assert_no_steps(&recipe.run("ok"));
    rt.block_on(async {
        let (code, marker) = t.exec_output(&api, &["cat", "/handoff/migrated"]).await;
        assert_eq!(
            (code, marker),
            (0, migrated_at.0.clone()),
            "the one-shot did not run again"
        );
        assert_eq!(started_at(&t.inspect(&migrate).await), migrated_at.1);
    });
}

#[test]
fn a_one_shot_that_fails_holds_its_dependent_back_with_its_exit_code() {
    let rt = runtime();
    let t = DockerTest::new("depends_on_fail");
    let recipe = Recipe::new(&t, &busybox_image(), GATED);
    let (migrate, api) = (n(&t, "migrate"), n(&t, "api"));
    let out = recipe.run("fail");
    out.failure();
    out.stderr_has(&format!(
        "error: failed to wait for container `{migrate}` to run to completion: container `{migrate}` exited with code 3"
    ));
    rt.block_on(async {
        let info = t.inspect(&api).await;
        assert!(!is_running(&info), "api was not started");
        assert!(started_at(&info) < 0, "api never started");
    });
}

/// `down` stops what depends on a container before it: api's stop (a shell that takes a
/// second to end on SIGTERM) has ended before db's stop begins.
#[test]
fn dependents_stop_before_what_they_depend_on() {
    let rt = runtime();
    let t = DockerTest::new("depends_on_down");
    let recipe = Recipe::new(
        &t,
        &busybox_image(),
        r#"
m.containers.db = #{ image: img, stop_signal: "SIGKILL", create_options: #{ command: "sleep 3600" } };
m.containers.api = #{
    image: img, depends_on: "db",
    create_options: #{ command: ["sh", "-c", "trap 'sleep 1; exit 0' TERM; while true; do sleep 0.1; done"] },
};
let c = mapping_client(m);
if phase == "up" { show(c.update("__all__")); } else { show(c.stop("__all__")); }
"#,
    );
    let (db, api) = (n(&t, "db"), n(&t, "api"));
    recipe.run("up").success();
    recipe.run("stop").success();
    rt.block_on(async {
        let finished = |info: &bollard::models::ContainerInspectResponse| {
            parse_time(
                info.state
                    .as_ref()
                    .and_then(|s| s.finished_at.as_deref())
                    .unwrap_or_default(),
            )
        };
        let (db_info, api_info) = (t.inspect(&db).await, t.inspect(&api).await);
        assert!(!is_running(&db_info) && !is_running(&api_info));
        assert!(finished(&db_info) >= finished(&api_info), "db stopped after api");
    });
}
