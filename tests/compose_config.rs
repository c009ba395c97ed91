//! `dmap show --json` of a Compose file agrees with `docker compose config --format json`
//! (Compose v2.40.3) on each container's image, command, entrypoint, environment, published
//! ports, mount targets and dependencies, for every project in `tests/fixtures/compose/`.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use serde_json::Value;

use crate::support::busybox_image;
use crate::support::compose::{cleared_variables, compose_v2_run};
use crate::support::harness::Test;

/// What both tools say of one service, in one form.
#[derive(Debug, PartialEq)]
struct Service {
    image: String,
    command: Option<Vec<String>>,
    entrypoint: Option<Vec<String>>,
    environment: BTreeMap<String, String>,
    published: BTreeSet<(String, String, String)>,
    targets: BTreeSet<String>,
    depends_on: BTreeSet<String>,
}

/// Words of a command as Compose splits a string (quotes and backslashes, as a shell does).
fn words(v: &Value) -> Option<Vec<String>> {
    match v {
        Value::Null => None,
        Value::Array(a) => Some(
            a.iter()
                .map(|w| w.as_str().unwrap_or_default().to_string())
                .collect(),
        ),
        Value::String(s) => {
            let (mut out, mut cur, mut quote, mut any) = (Vec::new(), String::new(), None, false);
            let mut chars = s.chars();
            while let Some(c) = chars.next() {
                match (quote, c) {
                    (None, ' ' | '\t' | '\n') => {
                        if any {
                            out.push(std::mem::take(&mut cur));
                            any = false;
                        }
                    }
                    (None, '\'' | '"') => {
                        quote = Some(c);
                        any = true;
                    }
                    (Some(q), c) if c == q => quote = None,
                    (Some('\''), c) => cur.push(c),
                    (_, '\\') => {
                        cur.extend(chars.next());
                        any = true;
                    }
                    (_, c) => {
                        cur.push(c);
                        any = true;
                    }
                }
            }
            if any {
                out.push(cur);
            }
            Some(out)
        }
        other => panic!("a command as {other}"),
    }
}

/// `compose config` writes a file Compose reads again, so a literal `$` comes out as `$$`.
fn unescape(v: &Value) -> Value {
    match v {
        Value::String(s) => Value::String(s.replace("$$", "$")),
        Value::Array(a) => Value::Array(a.iter().map(unescape).collect()),
        Value::Object(m) => Value::Object(m.iter().map(|(k, v)| (k.clone(), unescape(v))).collect()),
        other => other.clone(),
    }
}

fn compose_services(config: &Value) -> BTreeMap<String, Service> {
    let config = &unescape(config);
    let empty = serde_json::Map::new();
    let services = config["services"].as_object().unwrap_or(&empty);
    services
        .iter()
        .map(|(name, s)| {
            let image = s["image"].as_str().map_or_else(
                || format!("{}-{name}:latest", config["name"].as_str().unwrap_or_default()),
                |i| {
                    if i.rsplit('/').next().is_some_and(|last| last.contains(':')) {
                        i.to_string()
                    } else {
                        format!("{i}:latest")
                    }
                },
            );
            let environment = s["environment"]
                .as_object()
                .unwrap_or(&empty)
                .iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect();
            let published = s["ports"]
                .as_array()
                .into_iter()
                .flatten()
                .map(|p| {
                    (
                        format!("{}/{}", p["target"], p["protocol"].as_str().unwrap_or("tcp")),
                        p["published"].as_str().unwrap_or_default().to_string(),
                        p["host_ip"].as_str().unwrap_or_default().to_string(),
                    )
                })
                .collect();
            let mut targets: BTreeSet<String> = s["volumes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|v| v["type"] != "tmpfs")
                .map(|v| v["target"].as_str().unwrap_or_default().to_string())
                .collect();
            for (kind, base) in [("secrets", "/run/secrets/"), ("configs", "/")] {
                for x in s[kind].as_array().into_iter().flatten() {
                    let target = x["target"].as_str().map_or_else(
                        || format!("{base}{}", x["source"].as_str().unwrap_or_default()),
                        str::to_string,
                    );
                    targets.insert(target);
                }
            }
            let depends_on = s["depends_on"]
                .as_object()
                .unwrap_or(&empty)
                .keys()
                .cloned()
                .collect();
            (
                name.clone(),
                Service {
                    image,
                    command: words(&s["command"]),
                    entrypoint: words(&s["entrypoint"]),
                    environment,
                    published,
                    targets,
                    depends_on,
                },
            )
        })
        .collect()
}

fn dmap_services(show: &Value) -> BTreeMap<String, Service> {
    let containers = show["maps"][0]["containers"].as_array().expect("containers");
    // Engine name → service, for dependencies.
    let service_of: BTreeMap<&str, &str> = containers
        .iter()
        .map(|c| {
            (
                c["name"].as_str().unwrap_or_default(),
                c["config"].as_str().unwrap_or_default(),
            )
        })
        .collect();
    let mut out = BTreeMap::new();
    for c in containers {
        let name = c["config"].as_str().unwrap_or_default().to_string();
        if out.contains_key(&name) {
            continue;
        }
        let empty = serde_json::Map::new();
        let published = c["ports"]
            .as_array()
            .into_iter()
            .flatten()
            .filter(|p| !p["host_port"].is_null())
            .map(|p| {
                let host = match p["host_port"].as_u64() {
                    Some(0) | None => String::new(),
                    Some(h) => h.to_string(),
                };
                (
                    p["container_port"].as_str().unwrap_or_default().to_string(),
                    host,
                    p["host_ip"].as_str().unwrap_or_default().to_string(),
                )
            })
            .collect();
        let depends_on = c["depends_on"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|d| {
                service_of
                    .get(d.as_str().unwrap_or_default())
                    .map(|s| s.to_string())
            })
            .collect();
        out.insert(
            name,
            Service {
                image: c["image"].as_str().unwrap_or_default().to_string(),
                command: words(&c["command"]),
                entrypoint: words(&c["entrypoint"]),
                environment: c["environment"]
                    .as_object()
                    .unwrap_or(&empty)
                    .iter()
                    .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                    .collect(),
                published,
                targets: c["mounts"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|m| m["target"].as_str().unwrap_or_default().to_string())
                    .collect(),
                depends_on,
            },
        );
    }
    out
}

fn agree(fixture: &str, env: &[(&str, &str)]) {
    let image = busybox_image();
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/compose")
        .join(fixture);
    let project = format!("cfg-{fixture}");
    let mut all: Vec<(&str, &str)> = vec![("DMAP_TEST_IMAGE", &image), ("DMAP_TEST_PORT", "18080")];
    all.extend(env.iter().copied());
    let config = compose_v2_run(&dir, &project, &all, &["config", "--format", "json"]);
    let config: Value = serde_json::from_str(&config.stdout).expect("compose config is JSON");
    let mut test = Test::in_dir(&dir);
    for key in cleared_variables() {
        test = test.env_remove(key);
    }
    test = test.env("COMPOSE_PROJECT_NAME", &project);
    for (k, v) in &all {
        test = test.env(k, v);
    }
    let show = test.args(["show", "--json", "compose.yaml"]).run();
    let show = show.success().json();
    let (expected, actual) = (compose_services(&config), dmap_services(&show));
    assert_eq!(
        expected.keys().collect::<Vec<_>>(),
        actual.keys().collect::<Vec<_>>(),
        "services"
    );
    for (name, want) in &expected {
        assert_eq!(&actual[name], want, "service `{name}` of fixture `{fixture}`");
    }
}

#[test]
fn show_agrees_with_compose_config_on_every_fixture() {
    agree("basic", &[("DMAP_FIXTURE_TOKEN", "s3cret")]);
    agree("storage", &[]);
    agree("networks", &[]);
    agree("limits", &[]);
}
