//! The verbs a Compose user reaches for, against the real Engine: `stop`, `start`, `restart`,
//! `kill` with the map's dependency rules, `up --scale` (recipes and Compose files), one-off
//! containers (`dmap job`), and docker-map's `script` action in a recipe.

use std::time::{Duration, Instant};

use crate::support::harness::{Output, Test};
use crate::support::recipe::*;
use crate::support::{busybox_image, runtime, DockerTest};

/// `db` keeps data in a named volume; `app` depends on it and stops gracefully; `worker` has no
/// instances.
/// `-a MAP -a IMAGE`.
const STACK: &str = r#"
let m = container_map(ARGS[0]);
let img = ARGS[1];
m.volumes.data = "/data";
m.containers.db = #{
    image: img, attaches: "data", stop_signal: "SIGKILL",
    create_options: #{ command: ["sh", "-c", "exec sleep 3600"], environment: #{ ROLE: "db" } },
};
// app stops gracefully (a killed dependent's stop is not waited for): it exits on SIGTERM.
m.containers.app = #{
    image: img, depends_on: ["db"], uses: "data", user: 2000,
    create_options: #{ command: ["sh", "-c", "trap 'exit 0' TERM; sleep 3600 & wait"],
                       environment: #{ ROLE: "app" }, working_dir: "/data" },
};
m.containers.worker = #{
    image: img, stop_signal: "SIGKILL", create_options: #{ command: ["sleep", "3600"] },
};
mapping_client(m);
"#;

struct Stack {
    t: DockerTest,
    dir: tempfile::TempDir,
    image: String,
}

impl Stack {
    fn new(test: &str) -> Stack {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("stack.rhai"), STACK).expect("write recipe");
        Stack {
            t: DockerTest::new(test),
            dir,
            image: busybox_image(),
        }
    }

    /// `dmap [--progress plain] VERB... -a MAP -a IMAGE stack.rhai REST...`
    fn test(&self, verb: &[&str], rest: &[&str]) -> Test {
        let mut args: Vec<String> = Vec::new();
        if !verb.contains(&"--progress") {
            args.extend(["--progress".into(), "plain".into()]);
        }
        args.extend(verb.iter().map(|s| s.to_string()));
        args.extend(["-a", &self.t.name, "-a", &self.image, "stack.rhai"].map(String::from));
        args.extend(rest.iter().map(|s| s.to_string()));
        Test::in_dir(self.dir.path()).engine().args(args)
    }

    #[track_caller]
    fn dmap(&self, verb: &[&str], rest: &[&str]) -> Output {
        self.test(verb, rest).run()
    }

    fn name(&self, rest: &str) -> String {
        n(&self.t, rest)
    }

    /// Names of this test's containers that exist, sorted.
    fn containers(&self) -> Vec<String> {
        self.t.container_names()
    }

    fn running(&self, name: &str) -> bool {
        is_running(&runtime().block_on(self.t.inspect(name)))
    }
}

/// The position of the progress line `ACTION SUBJECT` in stderr.
#[track_caller]
fn line_of(out: &Output, action: &str, subject: &str) -> usize {
    let needle = format!("{action} {subject}:");
    out.stderr
        .lines()
        .position(|l| l.trim_start().starts_with(&needle))
        .unwrap_or_else(|| panic!("no `{needle}` line\n{out}"))
}

#[test]
fn stop_start_restart_and_kill_follow_the_dependencies_and_keep_the_data() {
    let s = Stack::new("habits_verbs");
    let (db, app) = (s.name("db"), s.name("app"));
    s.dmap(&["up"], &[]).success();
    s.dmap(&["exec"], &["db", "--", "sh", "-c", "echo kept > /data/f"])
        .success();

    // stop: dependents first; the containers stay.
    let out = s.dmap(&["stop"], &["db"]);
    out.success();
    assert!(line_of(&out, "stop", &app) < line_of(&out, "stop", &db), "{out}");
    assert!(!s.running(&db) && !s.running(&app));
    assert!(s.containers().contains(&db), "stop keeps the containers");
    assert!(s.running(&s.name("worker")), "stop of db leaves worker alone");

    // start: dependencies first; nothing is created.
    let out = s.dmap(&["start"], &["app"]);
    out.success();
    assert!(
        line_of(&out, "start", &db) < line_of(&out, "start", &app),
        "{out}"
    );
    assert!(s.running(&db) && s.running(&app));
    let rt = runtime();
    assert_eq!(
        rt.block_on(s.t.exec_output(&db, &["cat", "/data/f"])),
        (0, "kept\n".to_string()),
        "the named volume's data survives stop and start"
    );

    // restart: the target alone.
    let db_started = started_at(&rt.block_on(s.t.inspect(&db)));
    let app_started = started_at(&rt.block_on(s.t.inspect(&app)));
    s.dmap(&["restart"], &["app"]).success();
    assert_eq!(started_at(&rt.block_on(s.t.inspect(&db))), db_started);
    assert!(started_at(&rt.block_on(s.t.inspect(&app))) > app_started);

    // kill: SIGKILL unless -s says otherwise; only running containers get it.
    let out = s.dmap(&["kill", "-s", "SIGTERM"], &["worker"]);
    out.success();
    assert!(out.stderr.contains("send SIGTERM"), "{out}");
    let out = s.dmap(&["kill"], &["app"]);
    out.success();
    assert!(out.stderr.contains("send SIGKILL"), "{out}");
    let info = rt.block_on(s.t.inspect(&app));
    assert!(!is_running(&info));
    assert_eq!(info.state.and_then(|st| st.exit_code), Some(137));
    let out = s.dmap(&["kill"], &["app"]);
    out.success();
    assert!(
        !out.stderr.contains("send SIGKILL"),
        "a stopped container gets no signal\n{out}"
    );

    // JSON events, and the exit codes of the other verbs.
    let out = s.test(&["--progress", "json", "start"], &["app"]).run();
    out.success();
    assert!(
        out.stderr
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .any(|e| e["subject"] == app.as_str() && e["action"] == "start"),
        "{out}"
    );
    let out = s.dmap(&["stop"], &["nosuch"]);
    out.usage_error();
    assert!(out.stderr.contains("`nosuch`"), "{out}");
    s.dmap(&["down", "--volumes"], &[]).success();
    let out = s.dmap(&["start"], &["db"]);
    out.failure();
    assert!(
        out.stderr.contains("does not exist"),
        "start creates nothing\n{out}"
    );
}

#[test]
fn up_scale_numbers_instances_and_a_plain_up_returns_to_the_file() {
    let s = Stack::new("habits_scale");
    let worker = |i: &str| s.name(&format!("worker.{i}"));
    s.dmap(&["up"], &[]).success();
    s.dmap(&["up", "--scale", "worker=3"], &[]).success();
    let all = s.containers();
    for i in ["1", "2", "3"] {
        assert!(all.contains(&worker(i)) && s.running(&worker(i)), "{all:?}");
    }
    assert!(
        !all.contains(&s.name("worker")),
        "the single container is replaced: {all:?}"
    );

    // Down to 2: the highest number goes, without --remove-orphans.
    let out = s.dmap(&["up", "--scale", "worker=2"], &[]);
    out.success();
    assert!(
        out.stderr
            .contains(&format!("remove {}: scaled down", worker("3"))),
        "{out}"
    );
    let all = s.containers();
    assert!(
        all.contains(&worker("2")) && !all.contains(&worker("3")),
        "{all:?}"
    );
    let out = s.dmap(&["plan", "--scale", "worker=2"], &[]);
    assert_eq!(
        (out.code, out.stdout.as_str()),
        (Some(0), "up to date\n"),
        "{out}"
    );

    // 0: none at all.
    let out = s.dmap(&["up", "--scale", "worker=0"], &[]);
    out.success();
    assert!(
        out.stderr
            .contains(&format!("remove {}: scaled down", worker("1"))),
        "{out}"
    );
    assert!(
        !s.containers().iter().any(|n| n.starts_with(&s.name("worker"))),
        "{:?}",
        s.containers()
    );

    // What the file says again.
    s.dmap(&["up"], &[]).success();
    let all = s.containers();
    assert!(all.contains(&s.name("worker")), "{all:?}");
    assert!(!all.iter().any(|n| n.starts_with(&worker(""))), "{all:?}");

    // Only a configuration without named instances scales.
    let out = s.dmap(&["up", "--scale", "nosuch=2"], &[]);
    out.usage_error();
    out.stderr(&format!(
        "error: `--scale`: map `{}` has no container configuration `nosuch`\n",
        s.t.name
    ));
}

#[test]
fn up_scale_on_a_compose_file_numbers_like_compose() {
    let t = DockerTest::new("habits_scale_compose");
    let image = busybox_image();
    let compose = format!(
        "name: {}\nservices:\n  web:\n    image: {image}\n    command: [\"sleep\", \"3600\"]\n    stop_signal: SIGKILL\n    scale: 2\n  off:\n    image: {image}\n    deploy:\n      replicas: 0\n",
        t.name
    );
    let test = || Test::new().engine().file("compose.yaml", &compose);
    let dir = test();
    let run = |args: &[&str]| Test::in_dir(dir.path()).engine().args(args.to_vec()).run();
    run(&["up", "--scale", "web=3"]).success();
    let web = |i: u32| format!("{}-web-{i}", t.name);
    assert_eq!(
        t.container_names(),
        [web(1), web(2), web(3)],
        "replicas: 0 runs nothing"
    );
    run(&["up"]).success();
    assert_eq!(t.container_names(), [web(1), web(2)]);
    run(&["down"]).success();
    assert!(t.container_names().is_empty());
}

/// The job containers of a test's map: (name, running).
fn jobs(t: &DockerTest) -> Vec<String> {
    runtime()
        .block_on(t.containers())
        .iter()
        .filter(|c| {
            c.labels
                .as_ref()
                .and_then(|l| l.get("dmap.kind"))
                .map(String::as_str)
                == Some("job")
        })
        .filter_map(|c| {
            c.names
                .as_ref()?
                .first()
                .map(|n| n.trim_start_matches('/').to_string())
        })
        .collect()
}

#[test]
fn a_job_runs_once_with_the_configuration_and_exits_with_its_code() {
    let s = Stack::new("habits_job");
    let (db, app) = (s.name("db"), s.name("app"));
    // Its dependencies first; the configuration's environment, mounts, user and directory.
    let out = s.dmap(
        &["job"],
        &[
            "app",
            "--",
            "sh",
            "-c",
            "echo $ROLE; id -u; pwd; echo oops >&2; exit 5",
        ],
    );
    assert_eq!(out.code, Some(5), "{out}");
    assert_eq!(out.stdout, "app\n2000\n/data\n");
    assert!(out.stderr.contains("oops"), "{out}");
    assert!(s.running(&db), "db was started for it");
    assert!(
        !s.containers().contains(&app),
        "the job is not the configuration's container"
    );
    assert!(jobs(&s.t).is_empty(), "removed afterwards: {:?}", jobs(&s.t));
    s.dmap(
        &["job", "-u", "0"],
        &["app", "--", "sh", "-c", "echo ran > /data/job"],
    )
    .success();
    let rt = runtime();
    assert_eq!(
        rt.block_on(s.t.exec_output(&db, &["cat", "/data/job"])),
        (0, "ran\n".to_string()),
        "the job mounts the configuration's volumes"
    );

    // -e, -u, -w, --entrypoint; -i copies stdin.
    let out = s
        .test(
            &[
                "job",
                "-e",
                "X=1",
                "-u",
                "0",
                "-w",
                "/tmp",
                "--entrypoint",
                "sh -c",
            ],
            &["app", "--", "echo $X $ROLE; id -u; pwd"],
        )
        .run();
    out.success();
    assert_eq!(out.stdout, "1 app\n0\n/tmp\n");
    let out = s
        .test(&["job", "-i"], &["app", "--", "cat"])
        .stdin("piped in\n")
        .run();
    out.success();
    assert_eq!(out.stdout, "piped in\n");

    // --rm as Compose's habit (what dmap does anyway); --no-deps starts nothing else.
    s.dmap(&["stop"], &["db"]).success();
    let out = s.dmap(&["job", "--rm", "--no-deps"], &["app", "--", "true"]);
    out.success();
    assert!(!out.stderr.contains(&format!("start {db}")), "{out}");
    assert!(!s.running(&db), "--no-deps leaves db stopped");
    assert!(jobs(&s.t).is_empty(), "{:?}", jobs(&s.t));

    // --keep: left, named and labelled as a job, never an orphan of `up` or `status`.
    let out = s.dmap(&["job", "--keep"], &["worker", "--", "true"]);
    out.success();
    let kept = jobs(&s.t);
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert!(
        kept[0].starts_with(&format!("{}.worker-run-", s.t.name)),
        "{kept:?}"
    );
    let named = format!("{}-once", s.t.name);
    s.dmap(&["job", "--keep", "--name", &named], &["worker", "--", "true"])
        .success();
    assert!(jobs(&s.t).contains(&named), "--name names it: {:?}", jobs(&s.t));
    let out = s.dmap(&["up"], &[]);
    out.success();
    assert!(
        !out.stderr.contains("orphan") && !out.stderr.contains("-run-"),
        "{out}"
    );
    let out = s.dmap(&["status"], &[]);
    assert!(
        !out.stdout.contains("-run-") && !out.stderr.contains("orphan"),
        "{out}"
    );
    s.dmap(&["down", "--remove-orphans"], &[]).success();
    assert!(
        jobs(&s.t).is_empty(),
        "down --remove-orphans takes kept jobs: {:?}",
        jobs(&s.t)
    );

    // Ctrl-C ends it, and it is gone before dmap exits.
    let mut running = s.test(&["job"], &["worker", "--", "sleep", "300"]).spawn();
    let deadline = Instant::now() + Duration::from_secs(60);
    while jobs(&s.t).is_empty() {
        assert!(
            Instant::now() < deadline && !running.has_exited(),
            "the job never started"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(300));
    running.signal("INT");
    let out = running.finish();
    assert_eq!(out.code, Some(130), "{out}");
    assert!(jobs(&s.t).is_empty(), "interrupted and removed: {:?}", jobs(&s.t));
}

#[test]
fn the_script_action_runs_a_script_in_the_configurations_container() {
    let t = DockerTest::new("habits_script");
    let image = busybox_image();
    let recipe = Recipe::new(
        &t,
        &image,
        r#"
        m.volumes.data = "/data";
        m.containers.db = #{ image: img, attaches: "data", stop_signal: "SIGKILL",
            create_options: #{ command: ["sleep", "3600"] } };
        m.containers.app = #{ image: img, depends_on: ["db"], uses: "data", stop_signal: "SIGKILL",
            create_options: #{ command: ["sleep", "3600"], environment: #{ ROLE: "app" } } };
        let c = mapping_client(m);
        let r = c.script("app", #{ script_path: "scripts/migrate.sh", entrypoint: "/bin/sh" });
        print(`exit=${r.exit_code} client=${r.client} id=${r.id.len()}`);
        // stdout and stderr are two pipes: the Engine's log keeps each in order, not both.
        let lines = r.log.split("\n");
        lines.sort();
        print(lines);
        try {
            c.startup("app");
            c.script("app", #{ script_path: "scripts", command_format: ["-c", "ls {script_path}"], entrypoint: "sh" });
        } catch (e) { print(`refused: ${e}`); }
        let r = c.script("app", #{ entrypoint: "sh", command_format: "-c 'cat /data/migrated'",
            remove_existing_before: true, remove_created_after: false });
        print(`exit=${r.exit_code} log=${r.log}`);
        let r = c.script("app", #{ command_format: ["sleep", "30"], wait_timeout: 1, remove_existing_before: true });
        print(r.error);
        "#,
    );
    std::fs::create_dir_all(recipe.dir.path().join("scripts")).unwrap();
    std::fs::write(
        recipe.dir.path().join("scripts/migrate.sh"),
        "echo \"migrating as $ROLE in $(pwd)\"; ls /tmp/script_run; echo yes > /data/migrated; echo warn >&2; exit 3\n",
    )
    .unwrap();
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::set_permissions(
        recipe.dir.path().join("scripts/migrate.sh"),
        std::fs::Permissions::from_mode(0o755),
    )
    .unwrap();
    let out = recipe.run("");
    out.success();
    let app = n(&t, "app");
    assert_eq!(
        out.stdout,
        format!(
            "exit=3 client=default id=64\n[\"\", \"migrate.sh\", \"migrating as app in /\", \"warn\"]\nrefused: container `{app}` existed before the script ran; pass `remove_existing_before: true` to remove it first\nexit=0 log=yes\n\ntimed out while waiting for container `{app}` to finish\n"
        ),
        "{out}"
    );
    // The timed-out one was stopped and removed; what is left is db.
    assert_eq!(t.container_names(), [n(&t, "db")], "{out}");
}
