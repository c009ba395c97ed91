//! Compose files under dmap (docs/compose.md): found without FILE, checked in full with every
//! problem at its line, and converged against the Engine with Compose's names — `depends_on`
//! gates, the project's network with each service's name as alias, named volumes whose data
//! survive a recreation, and nothing left after `down --volumes`.

use crate::support::harness::{unindent, Test};
use crate::support::recipe::*;
use crate::support::{busybox_image, runtime, DockerTest};

/// A shop: db (healthy after a moment, writes into `data`), migrate (a one-shot web waits for),
/// web (reads `data`, serves on a port the Engine picks). `${WEB_MODE}` lets a run change web.
const SHOP: &str = r#"
services:
  db:
    image: ${IMAGE}
    command: sh -c "sleep 1; echo kept >> /var/lib/db/x; touch /tmp/ok; exec sleep 3600"
    stop_signal: SIGKILL
    healthcheck: {test: ["CMD", "test", "-f", "/tmp/ok"], interval: 100ms, retries: 100}
    volumes: [data:/var/lib/db]
  migrate:
    image: ${IMAGE}
    command: ["true"]
  web:
    image: ${IMAGE}
    command: ["httpd", "-f", "-p", "80", "-h", "/data"]
    environment: ["MODE=${WEB_MODE:-one}"]
    stop_signal: SIGKILL
    ports: ["127.0.0.1::80"]
    depends_on:
      db: {condition: service_healthy}
      migrate: {condition: service_completed_successfully}
    volumes: ["data:/data:ro"]
volumes:
  data: {}
"#;

fn shop(t: &DockerTest, dir: &std::path::Path) -> Test {
    Test::in_dir(dir)
        .engine()
        .env("IMAGE", busybox_image())
        .env("COMPOSE_PROJECT_NAME", &t.name)
}

#[test]
fn a_compose_project_is_found_converged_and_taken_down_with_composes_names() {
    let rt = runtime();
    let t = DockerTest::new("compose_shop");
    let dir = tempfile::tempdir().expect("tempdir");
    std::fs::write(dir.path().join("compose.yaml"), SHOP).expect("write compose.yaml");
    let p = &t.name;
    let (db, migrate, web) = (
        format!("{p}-db-1"),
        format!("{p}-migrate-1"),
        format!("{p}-web-1"),
    );

    // No FILE: compose.yaml is found; `web` is a target, not a file.
    let out = shop(&t, dir.path()).args(["plan", "web"]).run();
    out.status(3);
    out.stdout_has(&format!("create {web}: absent"));
    shop(&t, dir.path()).args(["up", "web"]).run().success();
    rt.block_on(async {
        assert_running(&t, &[db.clone(), web.clone()]).await;
        let m = t.inspect(&migrate).await;
        assert_eq!(m.state.and_then(|s| s.exit_code), Some(0), "the one-shot ran");
        let info = t.inspect(&web).await;
        let networks = info.network_settings.and_then(|n| n.networks).unwrap_or_default();
        let aliases = networks
            .get(&format!("{p}_default"))
            .and_then(|e| e.aliases.clone())
            .unwrap_or_default();
        assert!(aliases.contains(&"web".to_string()), "{aliases:?}");
        assert!(t.volume_exists(&format!("{p}_data")).await);
        let (code, seen) = t.exec_output(&web, &["cat", "/data/x"]).await;
        assert_eq!((code, seen.trim()), (0, "kept"), "web reads what db wrote");
    });
    // The port the Engine picked is what `ps` shows.
    let ps = shop(&t, dir.path()).args(["ps", "--json"]).run();
    let text = ps.success().stdout.clone();
    let picked = text
        .split('"')
        .find(|s| s.starts_with("127.0.0.1:") && s.ends_with("->80/tcp"))
        .unwrap_or_else(|| panic!("no picked port in {text}"));
    assert!(
        picked["127.0.0.1:".len()..picked.len() - "->80/tcp".len()]
            .parse::<u16>()
            .is_ok(),
        "{picked}"
    );
    // Up to date; then a changed environment recreates web alone, the volume's data kept.
    shop(&t, dir.path()).args(["plan"]).run().status(0);
    let out = shop(&t, dir.path()).env("WEB_MODE", "two").args(["up"]).run();
    out.success();
    out.stderr_has(&format!("recreate {web}: "));
    rt.block_on(async {
        let (code, seen) = t
            .exec_output(&web, &["sh", "-c", "echo $MODE; cat /data/x"])
            .await;
        assert_eq!((code, seen.trim()), (0, "two\nkept"));
    });
    shop(&t, dir.path())
        .env("WEB_MODE", "two")
        .args(["down", "--volumes"])
        .run()
        .success();
    rt.block_on(async {
        assert!(names(&t).await.is_empty());
        assert!(try_inspect(&web).await.is_none() && try_inspect(&db).await.is_none());
        assert!(!t.volume_exists(&format!("{p}_data")).await);
        assert!(!t.network_exists(&format!("{p}_default")).await);
    });
}

#[test]
fn a_compose_file_is_checked_in_full_with_each_problem_at_its_line() {
    Test::new()
        .file(
            "compose.yaml",
            "services:\n  web:\n    image: nginx\n    gpus: all\n    ports: [\"8080:80:tcp\"]\n    depends_on: [dbb]\n  db:\n    image: postgres\n    volumes: [pgdata:/var/lib/postgresql/data]\n",
        )
        .args(["check", "compose.yaml"])
        .run()
        .failure()
        .stderr(&unindent(
            r#"
            error: service `web`: `gpus`: dmap can't carry out this field of a Compose service
              --> compose.yaml: services.web.gpus (line 4)
               |
             4 |     gpus: all
               |     ^
            error: service `web`: `ports`: invalid port `tcp` in "8080:80:tcp"
              --> compose.yaml: services.web.ports (line 5)
               |
             5 |     ports: ["8080:80:tcp"]
               |     ^
            error: service `db` mounts volume `pgdata`, which is not in the top-level `volumes`
              --> compose.yaml: services.db.volumes (line 9)
               |
             9 |     volumes: [pgdata:/var/lib/postgresql/data]
               |     ^
            error: 3 problems found
        "#,
        ));
}

/// External volumes and networks are used as they are: not created, not labelled, not removed.
#[test]
fn external_volumes_and_networks_are_used_and_left_alone() {
    let rt = runtime();
    let t = DockerTest::new("compose_external");
    let (volume, network) = (format!("{}-extvol", t.name), format!("{}-extnet", t.name));
    rt.block_on(async {
        let docker = crate::support::docker().await;
        docker
            .create_volume(bollard::models::VolumeCreateRequest {
                name: Some(volume.clone()),
                ..Default::default()
            })
            .await
            .expect("create the external volume");
        docker
            .create_network(bollard::models::NetworkCreateRequest {
                name: network.clone(),
                ..Default::default()
            })
            .await
            .expect("create the external network");
    });
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "services:\n  app:\n    image: ${{IMAGE}}\n    command: sleep 3600\n    stop_signal: SIGKILL\n    volumes: [store:/store]\n    networks: [outside]\nvolumes:\n  store: {{external: true, name: {volume}}}\nnetworks:\n  outside: {{name: {network}, external: true}}\n"
    );
    std::fs::write(dir.path().join("compose.yaml"), text).expect("write compose.yaml");
    shop(&t, dir.path()).args(["up"]).run().success();
    let app = format!("{}-app-1", t.name);
    rt.block_on(async {
        let info = t.inspect(&app).await;
        let networks = info.network_settings.and_then(|n| n.networks).unwrap_or_default();
        assert!(networks.contains_key(&network), "{networks:?}");
        assert_eq!(
            volume_at(&t.inspect(&app).await, "/store").as_deref(),
            Some(volume.as_str())
        );
    });
    shop(&t, dir.path()).args(["down", "--volumes"]).run().success();
    rt.block_on(async {
        assert!(try_inspect(&app).await.is_none());
        assert!(t.volume_exists(&volume).await, "the external volume stays");
        assert!(t.network_exists(&network).await, "the external network stays");
    });
}

/// A project Compose v2 started is taken over with `--adopt`: refused without it, then its
/// containers are recreated as dmap's and its volume's data is kept.
#[test]
fn a_project_compose_started_is_taken_over_with_adopt_and_its_data_kept() {
    let rt = runtime();
    let t = DockerTest::new("compose_adopt");
    let dir = tempfile::tempdir().expect("tempdir");
    let text = "services:\n  db:\n    image: ${IMAGE}\n    command: sleep 3600\n    stop_signal: SIGKILL\n    volumes: [data:/data]\nvolumes:\n  data: {}\n";
    std::fs::write(dir.path().join("compose.yaml"), text).expect("write compose.yaml");
    let image = busybox_image();
    crate::support::compose::compose_v2_up(dir.path(), &t.name, &[("IMAGE", &image)]);
    let db = format!("{}-db-1", t.name);
    rt.block_on(async {
        let (code, _) = t
            .exec_output(&db, &["sh", "-c", "echo precious > /data/keep"])
            .await;
        assert_eq!(code, 0);
    });
    let out = shop(&t, dir.path()).args(["up"]).run();
    out.failure();
    out.stderr_has(&format!(
        "error: container `{db}` exists but was not created by dmap for map `{}`",
        t.name
    ));
    let out = shop(&t, dir.path()).args(["up", "--adopt"]).run();
    out.success();
    out.stderr_has(&format!("recreate {db}: adopted"));
    rt.block_on(async {
        let labels = labels(&t.inspect(&db).await);
        assert_eq!(labels.get("dmap.map"), Some(&t.name));
        let (code, kept) = t.exec_output(&db, &["cat", "/data/keep"]).await;
        assert_eq!((code, kept.trim()), (0, "precious"));
    });
    shop(&t, dir.path()).args(["plan"]).run().status(0);
    shop(&t, dir.path()).args(["down", "--volumes"]).run().success();
}

/// Compose's command-line flags, before the verb: `-p`, `--profile`, `--env-file`.
#[test]
fn project_name_profiles_and_env_files_come_from_the_command_line_too() {
    let names = |out: &crate::support::harness::Output| -> Vec<String> {
        let doc = out.json();
        doc["maps"][0]["containers"]
            .as_array()
            .expect("containers")
            .iter()
            .map(|c| {
                format!(
                    "{} {}",
                    c["name"].as_str().unwrap_or(""),
                    c["image"].as_str().unwrap_or("")
                )
            })
            .collect()
    };
    let t = Test::new()
        .file(
            "app/compose.yaml",
            "services:\n  web: {image: \"web:${TAG:-dev}\"}\n  debug: {image: tools, profiles: [debug]}\n",
        )
        .file("app/.env", "TAG=from-dotenv\n")
        .file("prod.env", "TAG=prod\n");
    let out = t.clone().args(["show", "--json", "app/compose.yaml"]).run();
    assert_eq!(names(out.success()), ["app-web-1 web:from-dotenv"]);
    let out = t
        .clone()
        .args([
            "-p",
            "Shop",
            "--profile",
            "debug",
            "--env-file",
            "prod.env",
            "show",
            "--json",
            "app/compose.yaml",
        ])
        .run();
    assert_eq!(
        names(out.success()),
        ["shop-debug-1 tools:latest", "shop-web-1 web:prod"]
    );
}

/// A network's `ipam` (a subnet, a gateway) and a service's fixed address on it.
#[test]
fn a_network_with_ipam_gives_a_service_its_fixed_address() {
    let rt = runtime();
    let t = DockerTest::new("compose_ipam");
    let net = 100 + std::process::id() % 150;
    let dir = tempfile::tempdir().expect("tempdir");
    let text = format!(
        "services:\n  dns:\n    image: ${{IMAGE}}\n    command: sleep 3600\n    stop_signal: SIGKILL\n    networks:\n      lan: {{ipv4_address: 10.231.{net}.53}}\nnetworks:\n  lan:\n    ipam:\n      config:\n        - subnet: 10.231.{net}.0/24\n          gateway: 10.231.{net}.1\n"
    );
    std::fs::write(dir.path().join("compose.yaml"), text).expect("write compose.yaml");
    shop(&t, dir.path()).args(["up"]).run().success();
    rt.block_on(async {
        let info = t.inspect(&format!("{}-dns-1", t.name)).await;
        let networks = info.network_settings.and_then(|n| n.networks).unwrap_or_default();
        let lan = networks
            .get(&format!("{}_lan", t.name))
            .expect("on the project's lan");
        assert_eq!(
            lan.ip_address.as_deref(),
            Some(format!("10.231.{net}.53").as_str())
        );
        assert_eq!(lan.gateway.as_deref(), Some(format!("10.231.{net}.1").as_str()));
    });
    shop(&t, dir.path()).args(["plan"]).run().status(0);
    shop(&t, dir.path()).args(["down"]).run().success();
}

/// A service's `build`: the context directory (its `.dockerignore` applied), build arguments
/// and labels; a changed argument rebuilds and recreates; `dmap build` builds it anyway.
#[test]
fn a_service_is_built_from_its_context_with_its_arguments_and_rebuilt_when_they_change() {
    let rt = runtime();
    let t = DockerTest::new("compose_build");
    let dir = tempfile::tempdir().expect("tempdir");
    let app = dir.path().join("app");
    std::fs::create_dir_all(&app).expect("app dir");
    std::fs::write(
        app.join("Dockerfile"),
        "ARG BASE\nFROM ${BASE}\nARG GREETING=hi\nCOPY . /ctx\nRUN echo \"$GREETING\" > /greeting\nCMD [\"sleep\", \"3600\"]\n",
    )
    .expect("Dockerfile");
    std::fs::write(app.join("kept.txt"), "kept").expect("kept.txt");
    std::fs::write(app.join("secret.txt"), "secret").expect("secret.txt");
    std::fs::write(app.join(".dockerignore"), "secret.txt\n").expect(".dockerignore");
    let text = format!(
        "services:\n  app:\n    build:\n      context: ./app\n      args: {{BASE: \"${{IMAGE}}\", GREETING: \"${{GREETING:-hello}}\"}}\n      labels: [\"dmap.test={}\"]\n    stop_signal: SIGKILL\n",
        t.name
    );
    std::fs::write(dir.path().join("compose.yaml"), text).expect("write compose.yaml");
    let image = format!("{}-app", t.name);
    let container = format!("{}-app-1", t.name);
    shop(&t, dir.path()).args(["up"]).run().success();
    rt.block_on(async {
        let (code, out) = t
            .exec_output(&container, &["sh", "-c", "cat /greeting; ls /ctx"])
            .await;
        assert_eq!(code, 0);
        assert_eq!(
            out.split_whitespace().collect::<Vec<_>>(),
            ["hello", "Dockerfile", "kept.txt"]
        );
    });
    shop(&t, dir.path()).args(["plan"]).run().status(0);
    let out = shop(&t, dir.path()).env("GREETING", "bonjour").args(["up"]).run();
    out.success();
    out.stderr_has(&format!("build {image}:latest: "));
    out.stderr_has(&format!("recreate {container}: "));
    rt.block_on(async {
        let (_, out) = t.exec_output(&container, &["cat", "/greeting"]).await;
        assert_eq!(out.trim(), "bonjour");
    });
    let out = shop(&t, dir.path())
        .env("GREETING", "bonjour")
        .args(["build"])
        .run();
    out.success();
    out.stderr_has(&format!("build {image}:latest: dmap build"));
    // The image carries the test's label: the test's cleanup removes it.
    shop(&t, dir.path())
        .env("GREETING", "bonjour")
        .args(["down"])
        .run()
        .success();
}
