//! The Compose loader without Docker: a project's text, environment and files in, the map (or
//! every problem, at its line) out.

use std::collections::BTreeMap;
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::*;

struct Project {
    text: String,
    env: HashMap<&'static str, &'static str>,
    files: HashMap<PathBuf, &'static str>,
}

impl Project {
    fn new(text: &str) -> Project {
        Project {
            text: text.to_string(),
            env: HashMap::new(),
            files: HashMap::new(),
        }
    }

    fn env(mut self, k: &'static str, v: &'static str) -> Project {
        self.env.insert(k, v);
        self
    }

    fn file(mut self, path: &str, text: &'static str) -> Project {
        self.files.insert(Path::new("/p/shop").join(path), text);
        self
    }

    fn load(&self) -> Result<Loaded, Vec<Problem>> {
        let env = |k: &str| self.env.get(k).map(|v| v.to_string());
        let read = |p: &Path| {
            self.files
                .get(p)
                .map(|t| t.to_string())
                .ok_or_else(|| "no such file".to_string())
        };
        load(&Source {
            label: "compose.yaml",
            text: &self.text,
            dir: Path::new("/p/shop"),
            env: &env,
            read: &read,
            project: None,
            profiles: &[],
            env_files: &[],
        })
    }

    fn map(&self) -> ContainerMap {
        match self.load() {
            Ok(l) => l.map,
            Err(p) => panic!("{p:#?}"),
        }
    }

    fn problems(&self) -> Vec<String> {
        match self.load() {
            Ok(_) => panic!("expected problems"),
            Err(p) => p.iter().map(ToString::to_string).collect(),
        }
    }
}

const SHOP: &str = r#"
version: "3.9"
x-common: &common
  image: ${REGISTRY:-local}/shop:${TAG:?set TAG}
  restart: unless-stopped
services:
  web:
    <<: *common
    command: ["serve", "--port", "80"]
    ports: ["80", "127.0.0.1::9090"]
    environment:
      MODE: prod
      TOKEN:
    env_file: web.env
    depends_on:
      db: {condition: service_healthy}
    volumes: [data:/srv/data:ro, ./static:/srv/static, /cache]
    networks: [front, back]
    deploy: {replicas: 2, resources: {limits: {memory: 64m, cpus: "0.5"}}}
  db:
    <<: *common
    healthcheck: {test: ["CMD", "true"], interval: 1s}
    volumes: [{type: volume, source: data, target: /var/lib/db}]
    networks:
      back: {aliases: [database]}
    secrets: [db_password]
    stop_grace_period: 1m30s
  debug:
    image: busybox
    profiles: [debug]
networks:
  front: {}
  back: {internal: true, labels: [tier=back]}
volumes:
  data: {labels: {keep: "yes"}}
secrets:
  db_password: {file: ./secrets/db.txt}
"#;

#[test]
fn a_project_becomes_a_map_named_as_compose_names_it() {
    let map = Project::new(SHOP)
        .env("TAG", "1.2")
        .env("TOKEN", "from-env")
        .file(".env", "REGISTRY=reg.example\nCOMPOSE_PROJECT_NAME=My.Shop\n")
        .file("web.env", "MODE=dev\nLOG=debug\n")
        .map();
    assert_eq!(map.name, "myshop");
    assert_eq!(map.naming, crate::model::naming::Naming::Compose);
    assert_eq!(
        map.containers.keys().collect::<Vec<_>>(),
        ["db", "web"],
        "debug is in a profile"
    );
    let web = &map.containers["web"];
    assert_eq!(web.image.as_deref(), Some("reg.example/shop:1.2"));
    assert_eq!(web.instances, ["1", "2"]);
    assert_eq!(
        web.create_options["environment"].to_string(),
        r#"#{ LOG: "debug", MODE: "prod", TOKEN: "from-env" }"#
    );
    assert_eq!(web.host_config["nano_cpus"], Value::Int(500_000_000));
    assert_eq!(
        web.host_config["restart_policy"].to_string(),
        r#"#{ MaximumRetryCount: 0, Name: "unless-stopped" }"#
    );
    assert_eq!(web.shares, ["/cache"]);
    assert_eq!(web.uses.len(), 1, "db writes to `data`, so it owns it");
    assert_eq!(web.uses[0].path.as_deref(), Some("/srv/data"));
    assert!(web.uses[0].readonly);
    let db = &map.containers["db"];
    assert_eq!(db.attaches[0].path.as_deref(), Some("/var/lib/db"));
    assert_eq!(db.stop_timeout, Some(90));
    assert_eq!(db.networks[0].aliases, ["db", "database"]);
    let checked = crate::model::check(&map).expect("the map checks");
    let names: Vec<String> = checked
        .graph
        .start_order()
        .into_iter()
        .filter(|i| i.is_container())
        .map(|i| i.reference())
        .collect();
    assert_eq!(names, ["db", "web.1", "web.2"]);
    assert_eq!(map.container_name("web", Some("2")), "myshop-web-2");
    assert_eq!(map.volume_name("db", "data"), "myshop_data");
    assert_eq!(map.network_name("back"), "myshop_back");
}

#[test]
fn what_dmap_cant_carry_out_is_named_at_its_line() {
    let problems = Project::new(
        "services:\n  app:\n    image: a\n    build: .\n    frobnicate: 1\n    volumes: [nodata:/x]\n  b:\n    image: ${X:?X is needed}\nincluded: []\n",
    )
    .problems();
    assert_eq!(
        problems,
        ["required variable `X` is missing a value: X is needed (compose.yaml: services.b.image (line 8))",]
    );
    let problems =
        Project::new("services:\n  app:\n    image: a\n    gpus: all\n    frobnicate: 1\n    volumes: [nodata:/x]\nincluded: []\n")
            .problems();
    assert_eq!(
        problems,
        [
            "service `app`: `gpus`: dmap can't carry out this field of a Compose service (compose.yaml: services.app.gpus (line 4))",
            "service `app`: unknown field `frobnicate` of a Compose service (compose.yaml: services.app.frobnicate (line 5))",
            "service `app` mounts volume `nodata`, which is not in the top-level `volumes` (compose.yaml: services.app.volumes (line 6))",
            "unknown top-level key `included` in a Compose file (compose.yaml: included (line 7))",
        ]
    );
    let problems = Project::new(
        "services:\n  app:\n    image: a\n    build:\n      context: .\n      secrets: [token]\n  b:\n    image: b\n    build:\n      context: .\n      ssh: [default]\n",
    )
    .problems();
    assert_eq!(
        problems,
        [
            "service `app`: `build`: `secrets`: `token` is not in the top-level `secrets` (compose.yaml: services.app.build (line 4))",
            "service `b`: `build`: `ssh`: dmap can't give BuildKit an ssh agent (bollard's build session forwards none) (compose.yaml: services.b.build (line 9))",
        ]
    );
    let loaded = Project::new(
        "services:\n  app:\n    image: a\n    build:\n      context: .\n      secrets: [token, {source: key, target: api_key}]\nsecrets:\n  token: {file: ./token.txt}\n  key: {environment: API_KEY}\n",
    )
    .load()
    .expect("loads");
    use crate::context::SecretFrom;
    assert_eq!(
        loaded.builds[0].settings.secrets,
        BTreeMap::from([
            ("api_key".to_string(), SecretFrom::Env("API_KEY".into())),
            ("token".to_string(), SecretFrom::File("/p/shop/token.txt".into())),
        ])
    );
}

#[test]
fn the_project_name_comes_from_the_environment_then_the_file_then_the_directory() {
    let text = "name: Named\nservices:\n  a: {image: x}\n";
    assert_eq!(Project::new(text).map().name, "named");
    assert_eq!(
        Project::new(text).env("COMPOSE_PROJECT_NAME", "env_p").map().name,
        "env_p"
    );
    assert_eq!(Project::new("services:\n  a: {image: x}\n").map().name, "shop");
    let profiles = "services:\n  a: {image: x}\n  b: {image: x, profiles: [dev]}\n";
    assert_eq!(Project::new(profiles).map().containers.len(), 1);
    assert_eq!(
        Project::new(profiles)
            .env("COMPOSE_PROFILES", "dev")
            .map()
            .containers
            .len(),
        2
    );
}

#[test]
fn unset_variables_are_warned_about_once() {
    let loaded = Project::new("services:\n  a: {image: \"x${A}\", command: \"$A $B\"}\n")
        .load()
        .expect("loads");
    assert_eq!(
        loaded.warnings,
        [
            "the `A` variable is not set: it defaults to a blank string",
            "the `B` variable is not set: it defaults to a blank string",
        ]
    );
}

#[test]
fn extends_merges_a_service_of_the_same_or_another_file() {
    let map = Project::new(
        "services:\n  base:\n    image: app\n    environment: [A=1]\n    command: [run]\n  web:\n    extends: base\n    environment: {B: '2'}\n  job:\n    extends: {file: common.yaml, service: task}\n    command: [once]\n",
    )
    .file("common.yaml", "services:\n  task:\n    extends: root\n    labels: {kind: task}\n  root:\n    image: tool\n    command: [loop]\n")
    .map();
    let web = &map.containers["web"];
    assert_eq!(web.image.as_deref(), Some("app"));
    assert_eq!(
        web.create_options["environment"].to_string(),
        r#"#{ A: "1", B: "2" }"#
    );
    assert_eq!(web.create_options["command"].to_string(), r#"["run"]"#);
    let job = &map.containers["job"];
    assert_eq!(job.image.as_deref(), Some("tool"));
    assert_eq!(job.create_options["command"].to_string(), r#"["once"]"#);
    assert_eq!(job.create_options["labels"].to_string(), r#"#{ kind: "task" }"#);
    let problems =
        Project::new("services:\n  a: {image: x, extends: b}\n  b: {image: x, extends: a}\n").problems();
    assert_eq!(
        problems,
        ["service `a`: `extends` goes round: a → b → a (compose.yaml: services.a.extends)"]
    );
}

#[test]
fn included_files_join_the_project_each_read_from_its_own_directory() {
    let map = Project::new("include: [db/compose.yaml]\nservices:\n  web: {image: web, depends_on: [db]}\n")
        .file("db/compose.yaml", "services:\n  db:\n    image: \"db:${DB_TAG}\"\n    volumes: [./init:/init, data:/var/lib/db]\nvolumes:\n  data: {}\n")
        .file("db/.env", "DB_TAG=16\n")
        .map();
    assert_eq!(map.name, "shop");
    assert_eq!(map.containers.keys().collect::<Vec<_>>(), ["db", "web"]);
    let db = &map.containers["db"];
    assert_eq!(db.image.as_deref(), Some("db:16"));
    assert_eq!(
        db.binds[0].to_value().to_string(),
        r#"#{ host_path: "/p/shop/db/init", path: "/init", readonly: false }"#
    );
    assert!(map.volumes.contains_key("data"));
    crate::model::check(&map).expect("the project checks");
    let problems = Project::new("include: [other.yaml]\nservices:\n  web: {image: web}\n")
        .file("other.yaml", "services:\n  web: {image: other}\n")
        .problems();
    assert_eq!(
        problems,
        ["service `web` is defined both in the project and in `other.yaml` (compose.yaml: include (line 1))"]
    );
}

#[test]
fn container_paths_are_cleaned_as_compose_cleans_them() {
    let map = Project::new(
        "services:\n  web:\n    image: x\n    volumes: [\"./site/:/var/www/html/\", \"/cache/\"]\n",
    )
    .map();
    let web = &map.containers["web"];
    assert_eq!(
        web.binds[0].to_value().to_string(),
        r#"#{ host_path: "/p/shop/site", path: "/var/www/html", readonly: false }"#
    );
    assert_eq!(web.shares, ["/cache"]);
}

#[test]
fn a_service_extended_from_another_directory_keeps_its_relative_paths() {
    let map = Project::new("services:\n  app:\n    extends: {file: lib/base.yaml, service: base}\n")
        .file(
            "lib/base.yaml",
            "services:\n  base:\n    image: x\n    volumes: [\"./data:/data\"]\n    env_file: base.env\n",
        )
        .file("lib/base.env", "FROM_LIB=1\n")
        .map();
    let app = &map.containers["app"];
    assert_eq!(
        app.binds[0].to_value().to_string(),
        r#"#{ host_path: "/p/shop/lib/data", path: "/data", readonly: false }"#
    );
    assert_eq!(
        app.create_options["environment"].to_string(),
        r#"#{ FROM_LIB: "1" }"#
    );
}

/// Every key of the model's table of Compose's spellings lands where the table says, so the
/// hints that read it (`restart` is `host_config`'s `restart_policy`) say what Compose does.
#[test]
fn every_compose_spelling_lands_where_the_model_table_says() {
    use crate::model::compose_keys::{Place, COMPOSE_KEYS};
    // (key, a value of it in YAML)
    let samples = [
        ("command", "sleep 1"),
        ("entrypoint", "[sh, -c]"),
        ("working_dir", "/srv"),
        ("hostname", "h"),
        ("domainname", "example.com"),
        ("tty", "true"),
        ("stdin_open", "true"),
        ("platform", "linux/amd64"),
        ("runtime", "runc"),
        ("mac_address", "02:42:ac:11:00:02"),
        ("privileged", "true"),
        ("read_only", "true"),
        ("init", "true"),
        ("dns", "[1.1.1.1]"),
        ("dns_search", "[example.com]"),
        ("dns_opt", "[\"ndots:2\"]"),
        ("group_add", "[audio]"),
        ("security_opt", "[no-new-privileges]"),
        ("shm_size", "64m"),
        ("mem_limit", "64m"),
        ("memswap_limit", "128m"),
        ("mem_reservation", "32m"),
        ("mem_swappiness", "10"),
        ("oom_kill_disable", "true"),
        ("oom_score_adj", "100"),
        ("pids_limit", "10"),
        ("cpu_shares", "512"),
        ("cpu_period", "100000"),
        ("cpu_quota", "50000"),
        ("cpu_rt_runtime", "1000"),
        ("cpu_rt_period", "1000000"),
        ("cpuset", "\"0\""),
        ("pid", "host"),
        ("ipc", "host"),
        ("userns_mode", "host"),
        ("uts", "host"),
        ("cgroup_parent", "p"),
        ("devices", "[\"/dev/null:/dev/null\"]"),
        ("device_cgroup_rules", "[\"c 1:3 mr\"]"),
        ("storage_opt", "{size: 1G}"),
        ("restart", "always"),
        ("tmpfs", "[/run]"),
        ("cpus", "0.5"),
        ("extra_hosts", "[\"h:10.0.0.1\"]"),
        ("ulimits", "{nofile: 1024}"),
        ("logging", "{driver: json-file}"),
        ("cap_add", "[NET_ADMIN]"),
        ("cap_drop", "[ALL]"),
        ("sysctls", "{net.core.somaxconn: 1024}"),
        ("labels", "{a: b}"),
        ("environment", "{A: b}"),
        ("env_file", "web.env"),
        ("ports", "[\"8080:80\"]"),
        ("expose", "[\"80\"]"),
        ("volumes", "[\"/data\"]"),
        ("stop_grace_period", "10s"),
        ("scale", "2"),
    ];
    for entry in COMPOSE_KEYS {
        let (_, value) = samples
            .iter()
            .find(|(k, _)| *k == entry.key)
            .unwrap_or_else(|| panic!("no sample value of `{}`", entry.key));
        let text = format!("services:\n  s:\n    image: x\n    {}: {value}\n", entry.key);
        let map = Project::new(&text).file("web.env", "A=b\n").map();
        let config = &map.containers["s"];
        let landed = entry.places.iter().any(|place| match place {
            Place::Field(field) => {
                config.get_field(field).unwrap()
                    != crate::model::ContainerConfig::default().get_field(field).unwrap()
            }
            Place::Option(option) => {
                let options = if place.mapping() == Some("create_options") {
                    &config.create_options
                } else {
                    &config.host_config
                };
                options.contains_key(*option)
            }
        });
        assert!(
            landed,
            "`{}: {value}` is not in {:?}: {config:#?}",
            entry.key, entry.places
        );
    }
}

#[test]
fn docker_map_spellings_in_a_compose_file_are_answered_with_compose_keys() {
    let problems = Project::new(
        "services:\n  app:\n    image: a\n    restart_policy: always\n    exposes: [80]\n    instances: [a, b]\n    host_config: {}\n",
    )
    .problems();
    assert_eq!(
        problems,
        [
            "service `app`: unknown field `restart_policy` of a Compose service (docker-map's spelling: did you mean `restart`?) (compose.yaml: services.app.restart_policy (line 4))",
            "service `app`: unknown field `exposes` of a Compose service (docker-map's spelling: did you mean `ports` or `expose`?) (compose.yaml: services.app.exposes (line 5))",
            "service `app`: unknown field `instances` of a Compose service (docker-map's spelling: did you mean `scale`?) (compose.yaml: services.app.instances (line 6))",
            "service `app`: unknown field `host_config` of a Compose service (compose.yaml: services.app.host_config (line 7))",
        ]
    );
}

#[test]
fn develop_watch_rules_are_read_with_paths_from_the_compose_files_directory() {
    let map = Project::new(
        "services:\n  web:\n    image: w\n    develop:\n      watch:\n        - {action: sync, path: ./src, target: /app, ignore: [node_modules/]}\n        - {action: rebuild, path: package.json}\n",
    )
    .map();
    let rules = &map.containers["web"].develop.as_ref().expect("develop").watch;
    let paths: Vec<(&str, &str, Option<&str>)> = rules
        .iter()
        .map(|r| (r.action.name(), r.path.as_str(), r.target.as_deref()))
        .collect();
    assert_eq!(
        paths,
        [
            ("sync", "/p/shop/src", Some("/app")),
            ("rebuild", "/p/shop/package.json", None),
        ]
    );
    assert_eq!(rules[0].ignore, ["node_modules/"]);
    let problems = Project::new(
        "services:\n  web:\n    image: w\n    develop:\n      watch:\n        - {action: sync, path: ./src}\n",
    )
    .problems();
    assert_eq!(
        problems,
        ["service `web`: `develop`: `watch` rule 1: `sync` needs a `target` in the container (compose.yaml: services.web.develop (line 4))"]
    );
}
