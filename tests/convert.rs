//! `dmap convert FILE.yaml` (docs/cli.md): a Compose file as a recipe that makes the same model —
//! `dmap show --json` of both alike but for origins — and that `dmap check` passes; readable, one
//! configuration per service and a field per line.

use serde_json::Value;

use crate::support::harness::{unindent, without_origins, Test, TMP};

/// Two services, a named volume: the documented example.
const SIMPLE: &str = r#"
name: shop
services:
  web:
    image: nginx
    ports: ["8080:80"]
    depends_on: [db]
  db:
    image: postgres
    volumes: [data:/var/lib/postgresql/data]
volumes:
  data: {}
"#;

/// Ports, named, bind and anonymous volumes, networks with aliases, depends_on with conditions, a
/// healthcheck, the environment (from the file, `.env` and an `env_file`), labels, restart,
/// replicas, container_name, and names Rhai would not read as properties.
const RICH: &str = r#"
name: rich
services:
  db:
    image: postgres:16
    container_name: rich-database
    environment:
      POSTGRES_PASSWORD: "s3cr\"et $$ \\ ${PASSWORD_SUFFIX}"
      PGDATA: /var/lib/postgresql/data/pg
    volumes:
      - data:/var/lib/postgresql/data
      - ./init:/docker-entrypoint-initdb.d:ro
      - /var/cache
    healthcheck:
      test: ["CMD-SHELL", "pg_isready -U postgres"]
      interval: 5s
      timeout: 3s
      retries: 5
      start_period: 10s
    networks:
      back:
        aliases: [database, pg]
    restart: unless-stopped
    labels:
      com.example.tier: data
      team: core
  web-app:
    image: nginx:1.27
    ports:
      - "8080:80"
      - "127.0.0.1:8443:443/tcp"
      - "9000"
    depends_on:
      db:
        condition: service_healthy
      cache:
        condition: service_started
    networks: [front, back]
    command: ["nginx", "-g", "daemon off;"]
    volumes:
      - data:/srv/data:ro
    environment:
      - MODE=production
    env_file: [web.env]
  cache:
    image: redis:7
    restart: always
    deploy:
      replicas: 2
    stop_grace_period: 20s
    tmpfs: /tmp
    networks: [back]
    cpus: 0.5
    ulimits:
      nofile: {soft: 1024, hard: 2048}
networks:
  front: {}
  back:
    internal: true
  default:
    name: shared-default
volumes:
  data:
    labels:
      purpose: db
"#;

/// Converts `compose.yaml` in `dir` into `converted.rhai` beside it; returns the recipe as
/// printed (the test's directory shown as `[TMP]`).
#[track_caller]
fn convert(dir: &Test) -> String {
    let out = dir.clone().args(["convert", "compose.yaml"]).run();
    out.success();
    let path = dir.path().to_str().expect("a UTF-8 temporary path");
    std::fs::write(dir.path().join("converted.rhai"), out.stdout.replace(TMP, path))
        .expect("write converted.rhai");
    out.stdout.clone()
}

/// `dmap show --json FILE` in `dir`, without origins.
#[track_caller]
fn shown(dir: &Test, file: &str) -> Value {
    without_origins(&dir.clone().args(["show", "--json", file]).run().success().json())
}

#[track_caller]
fn assert_same_model(dir: &Test) {
    convert(dir);
    let compose = shown(dir, "compose.yaml");
    assert_eq!(shown(dir, "converted.rhai"), compose);
    assert!(
        !compose["maps"][0]["containers"]
            .as_array()
            .expect("containers")
            .is_empty(),
        "{compose:#}"
    );
    dir.clone().args(["check", "converted.rhai"]).run().success();
}

#[test]
fn a_converted_recipe_shows_the_same_model_as_its_compose_file() {
    assert_same_model(&Test::new().file("compose.yaml", SIMPLE));
}

#[test]
fn a_rich_compose_file_converts_to_the_same_model() {
    let dir = Test::new()
        .file("compose.yaml", RICH)
        .file(".env", "PASSWORD_SUFFIX=from-dotenv\n")
        .file("web.env", "EXTRA=1\nQUOTED=\"two words\"\n")
        .dir("init");
    assert_same_model(&dir);
    let recipe = convert(&dir);
    for line in [
        "m.naming = \"compose\";",
        "m.networks[\"default\"] = #{ name: \"shared-default\" };",
        "m.networks.back = #{ internal: true };",
        "m.containers[\"web-app\"] = #{",
        "    container_name: \"rich-database\",",
        "    instances: [\"1\", \"2\"],",
        "            POSTGRES_PASSWORD: \"s3cr\\\"et $ \\\\ from-dotenv\",",
        "        labels: #{ \"com.example.tier\": \"data\", team: \"core\" },",
        "        #{ condition: \"service_healthy\", container: \"db\" },",
        "        #{ exposed_port: \"443\", host_port: 8443, interface: \"127.0.0.1\" },",
    ] {
        assert!(recipe.lines().any(|l| l == line), "no line {line:?} in\n{recipe}");
    }
}

#[test]
fn convert_prints_one_configuration_per_service_a_field_per_line() {
    let dir = Test::new().file("compose.yaml", SIMPLE);
    dir.args(["convert", "compose.yaml"])
        .run()
        .success()
        .stderr("")
        .stdout(&unindent(
            r#"
            // Made by `dmap convert compose.yaml`: the map of the Compose file, as a recipe.
            let m = container_map("shop");
            m.naming = "compose";

            m.volumes.data = #{};

            m.networks["default"] = #{};

            m.containers.db = #{
                image: "postgres",
                attaches: [#{ name: "data", path: "/var/lib/postgresql/data" }],
                networks: [#{ aliases: ["db"], network_name: "default" }],
            };

            m.containers.web = #{
                image: "nginx",
                depends_on: [#{ condition: "service_started", container: "db" }],
                exposes: [#{ exposed_port: "80", host_port: 8080 }],
                networks: [#{ aliases: ["web"], network_name: "default" }],
            };

            m
            "#,
        ));
}

#[test]
fn convert_follows_the_environment_and_warns_on_stderr() {
    let dir = Test::new().file(
        "compose.yaml",
        "services:\n  web:\n    image: nginx${TAG}\n  debug:\n    image: busybox\n    profiles: [debug]\n",
    );
    let out = dir
        .clone()
        .env("COMPOSE_PROJECT_NAME", "Other_Name")
        .args(["convert", "compose.yaml"])
        .run();
    out.success()
        .stderr("warning: the `TAG` variable is not set: it defaults to a blank string\n")
        .stdout_has("let m = container_map(\"other_name\");")
        .stdout_has("    image: \"nginx\",")
        .stdout_lacks("debug");
    dir.env("COMPOSE_PROFILES", "debug")
        .env("TAG", ":1.27")
        .args(["convert", "compose.yaml"])
        .run()
        .success()
        .stderr("")
        .stdout_has("m.containers[\"debug\"] = #{")
        .stdout_has("    image: \"nginx:1.27\",");
}

#[test]
fn convert_takes_only_compose_files() {
    let dir = Test::new()
        .file("site.yaml", "web:\n  image: nginx\n")
        .file("r.rhai", "container_map(\"x\")\n");
    dir.clone()
        .args(["convert", "site.yaml"])
        .run()
        .usage_error()
        .stdout("")
        .stderr("error: `site.yaml` is a docker-map YAML map, not a Compose file (no top-level `services`): a recipe reads it with `load_map(\"site.yaml\")`\n");
    dir.clone()
        .args(["convert", "r.rhai"])
        .run()
        .usage_error()
        .stderr(
            "error: `r.rhai` is no Compose file: `dmap convert` takes a `.yaml` or `.yml` Compose file\n",
        );
    dir.clone()
        .args(["convert", "missing.yaml"])
        .run()
        .failure()
        .stdout("");
}

#[test]
fn a_problem_of_the_compose_file_is_reported_at_its_line_and_nothing_printed() {
    Test::new()
        .file(
            "compose.yaml",
            "services:\n  web:\n    image: nginx\n    gpus: all\n",
        )
        .args(["convert", "compose.yaml"])
        .run()
        .failure()
        .stdout("")
        .stderr(&unindent(
            "
            error: service `web`: `gpus`: dmap can't carry out this field of a Compose service
              --> compose.yaml: services.web.gpus (line 4)
               |
             4 |     gpus: all
               |     ^
            ",
        ));
}

#[test]
fn convert_has_help_with_an_example() {
    Test::new()
        .args(["--help"])
        .run()
        .success()
        .stdout_has("  convert ");
    Test::new()
        .args(["convert", "--help"])
        .run()
        .success()
        .stdout_has("Example:")
        .stdout_has("dmap convert compose.yaml");
}

/// A service's `build` becomes a `build_context` the recipe declares: the same model, and the
/// same Dockerfiles and build settings.
#[test]
fn a_build_converts_to_a_declared_build_context() {
    let dir = Test::new()
        .file("compose.yaml", "services:\n  app:\n    build:\n      context: ./app\n      dockerfile: prod.Dockerfile\n      args: {MODE: prod}\n      target: run\n    command: [serve]\n  tool:\n    build: ./tool\n")
        .file("app/prod.Dockerfile", "FROM scratch AS run\nARG MODE\n")
        .file("tool/Dockerfile", "FROM scratch\n");
    let recipe = convert(&dir);
    assert!(recipe.contains("build_context(\"[TMP]/app\", #{ args: #{ MODE: \"prod\" }, dockerfile: \"[TMP]/app/prod.Dockerfile\", target: \"run\" })"), "{recipe}");
    assert_same_model(&dir);
    let from_compose = dir.clone().args(["dockerfile", "compose.yaml"]).run();
    let from_recipe = dir.clone().args(["dockerfile", "converted.rhai"]).run();
    assert_eq!(from_recipe.success().stdout, from_compose.success().stdout);
}
