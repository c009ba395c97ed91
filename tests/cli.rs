//! Command-line tests: run the `dmap` binary on recipes and docker-map YAML files and check exit
//! codes, stdout (`show`, `show --json`) and diagnostics on stderr, as exact text (contract:
//! docs/cli.md, docs/recipe-api.md and docs/yaml.md).
//!
//! Every test that writes files gets its own temporary directory and runs `dmap` with that
//! directory as its working directory, so paths in diagnostics are short and tests run in
//! parallel safely. No Engine is reachable: `check` and `show` must never need one.

use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::support::harness::{unindent, without_origins, Output, Test};

// ------------------------------------------------------------------------------------------------
// Files
// ------------------------------------------------------------------------------------------------

fn fixture(rel: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(rel)
}

fn read_fixture(rel: &str) -> String {
    std::fs::read_to_string(fixture(rel)).unwrap_or_else(|e| panic!("read fixture {rel}: {e}"))
}

/// `dmap VERB FILE` on `content` written as `name` in a fresh directory (also the cwd).
#[track_caller]
fn run_on(verb: &[&str], name: &str, content: &str) -> Output {
    Test::new().file(name, content).args(verb).arg(name).run()
}

#[track_caller]
fn check(name: &str, content: &str) -> Output {
    run_on(&["check"], name, content)
}

#[track_caller]
fn show_json(name: &str, content: &str) -> Value {
    run_on(&["show", "--json"], name, content).success().json()
}

/// `text` with the one occurrence of `from` replaced by `to`.
#[track_caller]
fn replace_once(text: &str, from: &str, to: &str) -> String {
    assert_eq!(
        text.matches(from).count(),
        1,
        "{from:?} must occur once in\n{text}"
    );
    text.replacen(from, to, 1)
}

/// The documented site map as YAML (tests/fixtures/site/site.yaml).
fn site_yaml() -> String {
    read_fixture("site/site.yaml")
}

/// The documented site map as a recipe in attribute syntax (it ends with the line `m`).
fn site_rhai() -> String {
    read_fixture("site/attribute.rhai")
}

/// The site recipe with `stmt` added just before its final `m`.
#[track_caller]
fn site_rhai_with(stmt: &str) -> String {
    let recipe = site_rhai();
    let body = recipe.strip_suffix("\nm\n").expect("site recipe ends with `m`");
    format!("{body}\n{stmt}\nm\n")
}

/// The containers of the only map of a `show --json` document.
#[track_caller]
fn containers(doc: &Value) -> &Vec<Value> {
    let maps = doc["maps"].as_array().expect("`maps` array");
    assert_eq!(maps.len(), 1, "expected one map in {doc:#}");
    maps[0]["containers"].as_array().expect("`containers` array")
}

/// The container with Engine name `name`.
#[track_caller]
fn container<'a>(doc: &'a Value, name: &str) -> &'a Value {
    doc["maps"]
        .as_array()
        .expect("`maps` array")
        .iter()
        .flat_map(|m| m["containers"].as_array().expect("`containers` array"))
        .find(|c| c["name"] == name)
        .unwrap_or_else(|| panic!("no container {name:?} in {doc:#}"))
}

/// Names of the maps in a `show --json` document.
fn map_names(doc: &Value) -> Vec<String> {
    doc["maps"]
        .as_array()
        .expect("`maps` array")
        .iter()
        .map(|m| m["name"].as_str().expect("map name").to_owned())
        .collect()
}

// ------------------------------------------------------------------------------------------------
// 1. The four spellings of the documented map
// ------------------------------------------------------------------------------------------------

const SPELLINGS: [&str; 4] = [
    "site/attribute.rhai",
    "site/index.rhai",
    "site/literal.rhai",
    "site/site.yaml",
];

#[test]
fn every_spelling_of_the_site_map_passes_check() {
    for spelling in SPELLINGS {
        Test::new()
            .args(["check".as_ref(), fixture(spelling).as_os_str()])
            .run()
            .success()
            .stdout("map `site` is valid: 2 containers (3 instances), 3 attached volumes, 0 networks\n");
    }
}

#[test]
fn every_spelling_of_the_site_map_shows_the_same_model() {
    let docs: Vec<(&str, Value)> = SPELLINGS
        .iter()
        .map(|s| {
            let out = Test::new()
                .args(["show".as_ref(), "--json".as_ref(), fixture(s).as_os_str()])
                .run();
            (*s, out.success().json())
        })
        .collect();
    // The origins are there (and differ), the rest is identical.
    assert!(
        docs.iter()
            .all(|(_, d)| containers(d).iter().all(|c| c.get("origin").is_some())),
        "every container should carry an origin"
    );
    let (first_name, first) = &docs[0];
    let first = without_origins(first);
    for (name, doc) in &docs[1..] {
        assert_eq!(
            without_origins(doc),
            first,
            "`show --json` of {name} differs from {first_name} (origins aside)"
        );
    }
}

#[test]
fn site_map_resolves_as_documented() {
    let doc = Test::new()
        .args([
            "show".as_ref(),
            "--json".as_ref(),
            fixture("site/site.yaml").as_os_str(),
        ])
        .run()
        .success()
        .json();
    assert_eq!(map_names(&doc), ["site"]);

    let names: Vec<&str> = containers(&doc)
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "site.app_server.instance1",
            "site.app_server.instance2",
            "site.web_server"
        ]
    );

    let app1 = container(&doc, "site.app_server.instance1");
    assert_eq!(app1["image"], "registry.example.com/app:latest");
    let mounts = app1["mounts"].as_array().unwrap();
    assert!(
        mounts.iter().any(|m| m["type"] == "bind"
            && m["source"] == "/var/lib/site/config/app1"
            && m["target"] == "/var/lib/app/config"
            && m["readonly"] == true),
        "read-only bind of config/app1 missing: {mounts:#?}"
    );
    assert!(
        mounts.iter().any(|m| m["type"] == "bind"
            && m["source"] == "/var/lib/site/data/app1"
            && m["target"] == "/var/lib/app/data"
            && m["readonly"] == false),
        "read-write bind of data/app1 missing: {mounts:#?}"
    );
    let app2 = container(&doc, "site.app_server.instance2");
    assert!(app2["mounts"]
        .as_array()
        .unwrap()
        .iter()
        .any(|m| m["source"] == "/var/lib/site/config/app2"));

    let web = container(&doc, "site.web_server");
    assert_eq!(web["image"], "registry.example.com/nginx:latest");
    let web_mounts = web["mounts"].as_array().unwrap();
    assert!(
        web_mounts.iter().any(|m| m["type"] == "volume"
            && m["source"] == "site.app_server_socket"
            && m["target"] == "/var/lib/app/socket"),
        "web_server should mount the app's socket volume: {web_mounts:#?}"
    );
    let host_ports: Vec<&Value> = web["ports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| &p["host_port"])
        .collect();
    assert_eq!(host_ports, [80, 443]);

    // Start order: both app_server instances before web_server, which depends on them.
    let order = |c: &Value| c["start_order"].as_u64().expect("start_order");
    assert!(order(app1) < order(web) && order(app2) < order(web));
    let deps = web["depends_on"].as_array().unwrap();
    assert!(deps.contains(&Value::from("site.app_server.instance1")));
    assert!(deps.contains(&Value::from("site.app_server.instance2")));

    let volumes: Vec<&Value> = doc["maps"][0]["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| &v["name"])
        .collect();
    assert_eq!(
        volumes,
        ["site.app_log", "site.app_server_socket", "site.web_log"]
    );
}

// ------------------------------------------------------------------------------------------------
// 2. Broken variants of the documented map
// ------------------------------------------------------------------------------------------------

/// Checks that `yaml` (as site.yaml) and `recipe` (as site.rhai) both fail with exactly the
/// diagnostics given (indented as [`unindent`] takes them).
#[track_caller]
fn assert_both_fail((yaml, yaml_stderr): (&str, &str), (recipe, recipe_stderr): (&str, &str)) {
    check("site.yaml", yaml).failure().stderr(&unindent(yaml_stderr));
    check("site.rhai", recipe)
        .failure()
        .stderr(&unindent(recipe_stderr));
}

#[test]
fn documented_app_data_colon_form_is_the_plain_alias() {
    // docker-map's docs write `- app_data:` (which docker-map turned into a bind with no path).
    let yaml = replace_once(&site_yaml(), "  - app_data\n", "  - app_data:\n");
    check("site.yaml", &yaml)
        .success()
        .stdout_has("map `site` is valid");
    assert_eq!(
        without_origins(&show_json("site.yaml", &yaml)),
        without_origins(&show_json("site.yaml", &site_yaml())),
    );
}

#[test]
fn attached_volume_without_a_volumes_entry() {
    let yaml = replace_once(&site_yaml(), "  web_log: /var/log/nginx\n", "");
    let recipe = replace_once(&site_rhai(), "m.volumes.web_log = \"/var/log/nginx\";\n", "");
    assert_both_fail(
        (&yaml, "
            error: container `web_server` attaches volume `web_log`, which has no path: add it to the map's `volumes` or give a path
              --> site.yaml: web_server.attaches (line 11)
                |
             11 |   attaches: web_log
                |   ^
        "),
        (&recipe, r#"
            error: container `web_server` attaches volume `web_log`, which has no path: add it to the map's `volumes` or give a path
              --> site.rhai:9:24
               |
             9 | m.containers.web_server.attaches = "web_log";
               |                        ^
        "#),
    );
}

#[test]
fn uses_of_an_unknown_name() {
    let yaml = replace_once(&site_yaml(), "uses: app_server_socket", "uses: app_sock");
    let recipe = replace_once(
        &site_rhai(),
        "uses = \"app_server_socket\"",
        "uses = \"app_sock\"",
    );
    assert_both_fail(
        (
            &yaml,
            "
            error: container `web_server` uses `app_sock`, which is neither an attached volume nor a container
              --> site.yaml: web_server.uses (line 10)
                |
             10 |   uses: app_sock
                |   ^
        ",
        ),
        (
            &recipe,
            r#"
            error: container `web_server` uses `app_sock`, which is neither an attached volume nor a container
              --> site.rhai:8:24
               |
             8 | m.containers.web_server.uses = "app_sock";
               |                        ^
        "#,
        ),
    );
}

#[test]
fn bind_alias_missing_from_host() {
    let yaml = replace_once(
        &site_yaml(),
        "  app_data:\n    instance1: data/app1\n    instance2: data/app2\n",
        "",
    );
    let recipe = replace_once(
        &site_rhai(),
        "m.host.app_data = #{ instance1: \"data/app1\", instance2: \"data/app2\" };\n",
        "",
    );
    assert_both_fail(
        (
            &yaml,
            "
            error: container `app_server` binds `app_data`, which is not in the map's `host`
              --> site.yaml: app_server.binds (line 20)
                |
             20 |   binds:
                |   ^
        ",
        ),
        (
            &recipe,
            r#"
            error: container `app_server` binds `app_data`, which is not in the map's `host`
              --> site.rhai:15:4
                |
             15 | app.binds = [#{ app_config: "ro" }, "app_data"];
                |    ^
        "#,
        ),
    );
}

#[test]
fn host_alias_missing_a_per_instance_path() {
    let yaml = replace_once(&site_yaml(), "    instance2: config/app2\n", "");
    let recipe = replace_once(&site_rhai(), ", instance2: \"config/app2\"", "");
    assert_both_fail(
        (&yaml, "
            error: host alias `app_config` has no path for instance `instance2` of `app_server` (nor a `default`)
              --> site.yaml: host.app_config (line 37)
                |
             37 |   app_config:
                |   ^
        "),
        (&recipe, r#"
            error: host alias `app_config` has no path for instance `instance2` of `app_server` (nor a `default`)
              --> site.rhai:27:7
                |
             27 | m.host.app_config = #{ instance1: "config/app1" };
                |       ^
        "#),
    );
}

#[test]
fn link_to_an_unknown_container() {
    let yaml = replace_once(
        &site_yaml(),
        "  image: nginx\n",
        "  image: nginx\n  links: cache\n",
    );
    let recipe = site_rhai_with("m.containers.web_server.links = \"cache\";");
    assert_both_fail(
        (
            &yaml,
            "
            error: container `web_server` links to `cache`: unknown container `cache`
              --> site.yaml: web_server.links (line 6)
               |
             6 |   links: cache
               |   ^
        ",
        ),
        (
            &recipe,
            r#"
            error: container `web_server` links to `cache`: unknown container `cache`
              --> site.rhai:29:24
                |
             29 | m.containers.web_server.links = "cache";
                |                        ^
        "#,
        ),
    );
}

#[test]
fn link_to_a_config_with_instances_needs_the_instance() {
    let yaml = replace_once(
        &site_yaml(),
        "  image: nginx\n",
        "  image: nginx\n  links: app_server\n",
    );
    let recipe = site_rhai_with("m.containers.web_server.links = \"app_server\";");
    assert_both_fail(
        (&yaml, "
            error: container `web_server` links to `app_server`: container `app_server` has instances; name one of `app_server.instance1`, `app_server.instance2`
              --> site.yaml: web_server.links (line 6)
               |
             6 |   links: app_server
               |   ^
        "),
        (&recipe, r#"
            error: container `web_server` links to `app_server`: container `app_server` has instances; name one of `app_server.instance1`, `app_server.instance2`
              --> site.rhai:29:24
                |
             29 | m.containers.web_server.links = "app_server";
                |                        ^
        "#),
    );
}

#[test]
fn network_not_in_networks() {
    let yaml = replace_once(
        &site_yaml(),
        "  image: nginx\n",
        "  image: nginx\n  networks: backend\n",
    );
    let recipe = site_rhai_with("m.containers.web_server.networks = \"backend\";");
    assert_both_fail(
        (
            &yaml,
            "
            error: container `web_server` joins network `backend`, which is not in the map's `networks`
              --> site.yaml: web_server.networks (line 6)
               |
             6 |   networks: backend
               |   ^
        ",
        ),
        (
            &recipe,
            r#"
            error: container `web_server` joins network `backend`, which is not in the map's `networks`
              --> site.rhai:29:24
                |
             29 | m.containers.web_server.networks = "backend";
                |                        ^
        "#,
        ),
    );
}

#[test]
fn group_naming_an_unknown_container() {
    let yaml = format!("{}groups:\n  front: [web_server, cache]\n", site_yaml());
    let recipe = site_rhai_with("m.groups.front = [\"web_server\", \"cache\"];");
    assert_both_fail(
        (
            &yaml,
            "
            error: group `front` refers to unknown container `cache`
              --> site.yaml: groups.front (line 44)
                |
             44 |   front: [web_server, cache]
                |   ^
        ",
        ),
        (
            &recipe,
            r#"
            error: group `front` refers to unknown container `cache`
              --> site.rhai:29:9
                |
             29 | m.groups.front = ["web_server", "cache"];
                |         ^
        "#,
        ),
    );
}

#[test]
fn two_containers_binding_host_port_80() {
    let yaml = replace_once(
        &site_yaml(),
        "volumes:\n",
        "proxy:\n  image: haproxy\n  exposes: [[8080, 80]]\nvolumes:\n",
    );
    let recipe = site_rhai_with("m.containers.proxy = #{ image: \"haproxy\", exposes: [[8080, 80]] };");
    assert_both_fail(
        (
            &yaml,
            "
            error: containers `site.proxy` and `site.web_server` both bind host port 80
              --> site.yaml: web_server.exposes (line 12)
                |
             12 |   exposes:
                |   ^
        ",
        ),
        (
            &recipe,
            r#"
            error: containers `site.proxy` and `site.web_server` both bind host port 80
              --> site.rhai:10:24
                |
             10 | m.containers.web_server.exposes = #{ "80": 80, "443": 443 };
                |                        ^
        "#,
        ),
    );
}

#[test]
fn instances_of_one_config_binding_the_same_host_port() {
    let yaml = replace_once(
        &site_yaml(),
        "  image: app\n",
        "  image: app\n  exposes: [[8000, 8000]]\n",
    );
    check("site.yaml", &yaml)
        .failure()
        .stderr(&unindent("
            error: containers `site.app_server.instance1` and `site.app_server.instance2` both bind host port 8000
              --> site.yaml: app_server.exposes (line 17)
                |
             17 |   exposes: [[8000, 8000]]
                |   ^
        "));
}

#[test]
fn dependency_cycle() {
    // web_server already depends on app_server (it uses app_server's socket volume).
    let yaml = replace_once(
        &site_yaml(),
        "  image: app\n",
        "  image: app\n  links: web_server\n",
    );
    let recipe = site_rhai_with("app.links = \"web_server\";");
    assert_both_fail(
        (&yaml, "
            error: container `app_server.instance1` has circular dependency `app_server.instance1 -> web_server -> app_server.instance1`
              --> site.yaml: app_server (line 15)
                |
             15 | app_server:
                | ^
        "),
        (&recipe, "
            error: container `app_server.instance1` has circular dependency `app_server.instance1 -> web_server -> app_server.instance1`
              --> site.rhai:12:23
                |
             12 | let app = m.containers.app_server;
                |                       ^
        "),
    );
}

#[test]
fn two_container_cycle_names_the_path() {
    let out = check(
        "cycle.yaml",
        "a:\n  image: nginx\n  links: b\nb:\n  image: nginx\n  links: a\n",
    );
    out.failure().stderr(&unindent(
        "
        error: container `a` has circular dependency `a -> b -> a`
          --> cycle.yaml: a (line 1)
           |
         1 | a:
           | ^
    ",
    ));
}

#[test]
fn extends_of_an_unknown_config() {
    let yaml = replace_once(
        &site_yaml(),
        "  image: nginx\n",
        "  image: nginx\n  extends: base\n",
    );
    let recipe = site_rhai_with("m.containers.web_server.extends = \"base\";");
    assert_both_fail(
        (
            &yaml,
            "
            error: container `web_server` extends unknown container `base`
              --> site.yaml: web_server.extends (line 6)
               |
             6 |   extends: base
               |   ^
        ",
        ),
        (
            &recipe,
            r#"
            error: container `web_server` extends unknown container `base`
              --> site.rhai:29:24
                |
             29 | m.containers.web_server.extends = "base";
                |                        ^
        "#,
        ),
    );
}

#[test]
fn unknown_field_in_yaml_names_key_path_and_line() {
    let yaml = replace_once(&site_yaml(), "  image: nginx\n", "  imgae: nginx\n");
    check("site.yaml", &yaml).failure().stderr(&unindent(
        "
            error: container `web_server`: unknown container field `imgae` (did you mean `image`?)
              --> site.yaml: web_server.imgae (line 5)
               |
             5 |   imgae: nginx
               |   ^
        ",
    ));
}

#[test]
fn unknown_field_in_recipe_names_file_line_column_with_caret() {
    let recipe = replace_once(
        &site_rhai(),
        "m.containers.web_server.image = \"nginx\";",
        "m.containers.web_server.imgae = \"nginx\";",
    );
    check("site.rhai", &recipe).failure().stderr(&unindent(
        r#"
            error: container `web_server`: unknown container field `imgae` (did you mean `image`?)
              --> site.rhai:6:24
               |
             6 | m.containers.web_server.imgae = "nginx";
               |                        ^
        "#,
    ));
}

#[test]
fn unknown_map_property() {
    let yaml = replace_once(&site_yaml(), "repository:", "reposiotry:");
    check("site.yaml", &yaml).failure().stderr(&unindent(
        "
            error: unknown map property `reposiotry` (did you mean `repository`?)
              --> site.yaml: reposiotry (line 2)
               |
             2 | reposiotry: registry.example.com
               | ^
        ",
    ));
    let recipe = replace_once(&site_rhai(), "m.repository =", "m.reposiotry =");
    check("site.rhai", &recipe).failure().stderr(&unindent(
        r#"
            error: unknown map property `reposiotry` (did you mean `repository`?)
              --> site.rhai:3:2
               |
             3 | m.reposiotry = "registry.example.com";
               |  ^
        "#,
    ));
}

/// `app_server` (YAML) and `app` (recipe) with `field` set to `value`: both fail with exactly the
/// diagnostics given.
#[track_caller]
fn wrong_shape(field: &str, value: &str, expected: (&str, &str)) {
    let yaml = replace_once(
        &site_yaml(),
        "  image: app\n",
        &format!("  image: app\n  {field}: {value}\n"),
    );
    let recipe = site_rhai_with(&format!("app.{field} = {value};"));
    assert_both_fail((&yaml, expected.0), (&recipe, expected.1));
}

/// An error about an environment says where, never the value: not in its words, not in a quoted
/// source line (the line may hold other secrets).
#[test]
fn an_environment_error_shows_no_value_and_no_source_line() {
    let yaml = replace_once(
        &site_yaml(),
        "  image: app\n",
        "  image: app\n  create_options: {environment: {DB_PASSWORD: [\"hunter2\"]}}\n",
    );
    let recipe = site_rhai_with("app.create_options = #{ environment: #{ DB_PASSWORD: [\"hunter2\"] } };");
    assert_both_fail(
        (
            &yaml,
            r#"
            error: container `app_server`: `create_options`: create_options `environment`: environment variable `DB_PASSWORD`: expected text, a number or a boolean, found a list
              --> site.yaml: app_server.create_options (line 17)
        "#,
        ),
        (
            &recipe,
            r#"
            error: container `app_server`: `create_options`: create_options `environment`: environment variable `DB_PASSWORD`: expected text, a number or a boolean, found a list
              --> site.rhai:29:4
        "#,
        ),
    );
}

#[test]
fn values_of_the_wrong_shape() {
    wrong_shape(
        "exposes",
        "\"http\"",
        (
            r#"
            error: container `app_server`: `exposes`: invalid port `http`: expected a number from 1 to 65535
              --> site.yaml: app_server.exposes (line 17)
                |
             17 |   exposes: "http"
                |   ^
        "#,
            r#"
            error: container `app_server`: `exposes`: invalid port `http`: expected a number from 1 to 65535
              --> site.rhai:29:4
                |
             29 | app.exposes = "http";
                |    ^
        "#,
        ),
    );
    wrong_shape(
        "stop_timeout",
        "\"soon\"",
        (
            r#"
            error: container `app_server`: `stop_timeout`: invalid duration `soon`: expected a number with a unit (ns, us, ms, s, m, h), e.g. "1m30s"
              --> site.yaml: app_server.stop_timeout (line 17)
                |
             17 |   stop_timeout: "soon"
                |   ^
        "#,
            r#"
            error: container `app_server`: `stop_timeout`: invalid duration `soon`: expected a number with a unit (ns, us, ms, s, m, h), e.g. "1m30s"
              --> site.rhai:29:4
                |
             29 | app.stop_timeout = "soon";
                |    ^
        "#,
        ),
    );
    wrong_shape(
        "depends_on",
        "[\"db\", \"a b\"]",
        (
            r#"
            error: container `app_server`: `depends_on`: invalid dependency reference `a b`
              --> site.yaml: app_server.depends_on (line 17)
                |
             17 |   depends_on: ["db", "a b"]
                |   ^
        "#,
            r#"
            error: container `app_server`: `depends_on`: invalid dependency reference `a b`
              --> site.rhai:29:4
                |
             29 | app.depends_on = ["db", "a b"];
                |    ^
        "#,
        ),
    );
    wrong_shape(
        "healthcheck",
        "[[\"CMD\", \"true\"], \"2 fortnights\"]",
        (
            r#"
            error: container `app_server`: `healthcheck`: healthcheck interval: invalid duration `2 fortnights`: expected a number with a unit (ns, us, ms, s, m, h), e.g. "1m30s"
              --> site.yaml: app_server.healthcheck (line 17)
                |
             17 |   healthcheck: [["CMD", "true"], "2 fortnights"]
                |   ^
        "#,
            r#"
            error: container `app_server`: `healthcheck`: healthcheck interval: invalid duration `2 fortnights`: expected a number with a unit (ns, us, ms, s, m, h), e.g. "1m30s"
              --> site.rhai:29:4
                |
             29 | app.healthcheck = [["CMD", "true"], "2 fortnights"];
                |    ^
        "#,
        ),
    );
    wrong_shape(
        "network_mode",
        "\"a b\"",
        (
            r#"
            error: container `app_server`: `network_mode`: invalid network mode `a b`: expected `bridge`, `host`, `none`, `container:NAME` or a container of the map (`cfg` or `cfg.instance`)
              --> site.yaml: app_server.network_mode (line 17)
                |
             17 |   network_mode: "a b"
                |   ^
        "#,
            r#"
            error: container `app_server`: `network_mode`: invalid network mode `a b`: expected `bridge`, `host`, `none`, `container:NAME` or a container of the map (`cfg` or `cfg.instance`)
              --> site.rhai:29:4
                |
             29 | app.network_mode = "a b";
                |    ^
        "#,
        ),
    );
}

/// A recipe with `stmt` after `let m = container_map("s");` fails with exactly `expected`.
#[track_caller]
fn bad_name(stmt: &str, expected: &str) {
    check(
        "names.rhai",
        &format!("let m = container_map(\"s\");\n{stmt}\nm\n"),
    )
    .failure()
    .stderr(&unindent(expected));
}

#[test]
fn invalid_names() {
    let out = check(
        "names.rhai",
        r#"let m = container_map("s");
m.containers["web server"].image = "nginx";
m
"#,
    );
    out.failure()
        .stderr(&unindent(r#"
            error: invalid container config name `web server`: names start with a letter or digit and contain only letters, digits, `_` and `-`
              --> names.rhai:2:13
               |
             2 | m.containers["web server"].image = "nginx";
               |             ^
        "#));

    check("names.yaml", "web server:\n  image: nginx\n")
        .failure()
        .stderr(&unindent("
            error: invalid container config name `web server`: names start with a letter or digit and contain only letters, digits, `_` and `-`
              --> names.yaml: web server (line 1)
               |
             1 | web server:
               | ^
        "));

    // `.` and `/` have a meaning in targets: not allowed in names either.
    bad_name(
        r#"m.containers["web.x"].image = "nginx";"#,
        r#"
            error: invalid container config name `web.x`: names start with a letter or digit and contain only letters, digits, `_` and `-`
              --> names.rhai:2:13
               |
             2 | m.containers["web.x"].image = "nginx";
               |             ^
        "#,
    );
    bad_name(
        r#"m.containers.web.instances = ["a b"];"#,
        r#"
            error: container `web`: `instances`: invalid instance name `a b`: names start with a letter or digit and contain only letters, digits, `_` and `-`
              --> names.rhai:2:17
               |
             2 | m.containers.web.instances = ["a b"];
               |                 ^
        "#,
    );
    bad_name(
        r#"m.volumes["my vol"] = "/x";"#,
        r#"
            error: invalid volume alias name `my vol`: names start with a letter or digit and contain only letters, digits, `_` and `-`
              --> names.rhai:2:10
               |
             2 | m.volumes["my vol"] = "/x";
               |          ^
        "#,
    );
    bad_name(
        r#"m.networks["net work"] = #{ driver: "bridge" };"#,
        r#"
            error: invalid network name `net work`: names start with a letter or digit and contain only letters, digits, `_` and `-`
              --> names.rhai:2:11
               |
             2 | m.networks["net work"] = #{ driver: "bridge" };
               |           ^
        "#,
    );
    bad_name(
        r#"m.groups["g/1"] = ["web"];"#,
        r#"
            error: invalid group name `g/1`: names start with a letter or digit and contain only letters, digits, `_` and `-`
              --> names.rhai:2:9
               |
             2 | m.groups["g/1"] = ["web"];
               |         ^
        "#,
    );
    check("names.rhai", "let m = container_map(\"bad name\");\nm\n")
        .failure()
        .stderr(&unindent(r#"
            error: invalid map name `bad name`: names start with a letter or digit and contain only letters, digits, `_` and `-`
              --> names.rhai:1:9
               |
             1 | let m = container_map("bad name");
               |         ^
        "#));
}

#[test]
fn several_problems_are_all_reported() {
    let yaml = replace_once(
        &site_yaml(),
        "  image: nginx\n",
        "  image: nginx\n  links: cache\n  networks: backend\n",
    );
    let yaml = replace_once(&yaml, "uses: app_server_socket", "uses: app_sock");
    let out = check("site.yaml", &yaml);
    out.failure().stderr(&unindent(
        "
            error: container `web_server` uses `app_sock`, which is neither an attached volume nor a container
              --> site.yaml: web_server.uses (line 12)
                |
             12 |   uses: app_sock
                |   ^
            error: container `web_server` links to `cache`: unknown container `cache`
              --> site.yaml: web_server.links (line 6)
               |
             6 |   links: cache
               |   ^
            error: container `web_server` joins network `backend`, which is not in the map's `networks`
              --> site.yaml: web_server.networks (line 7)
               |
             7 |   networks: backend
               |   ^
            error: 3 problems found
        ",
    ));

    let recipe = site_rhai_with(
        "m.containers.web_server.links = \"cache\";\nm.containers.web_server.networks = \"backend\";\napp.uses = \"nothing\";",
    );
    let out = check("site.rhai", &recipe);
    out.failure().stderr(&unindent(
        r#"
            error: container `app_server` uses `nothing`, which is neither an attached volume nor a container
              --> site.rhai:31:4
                |
             31 | app.uses = "nothing";
                |    ^
            error: container `web_server` links to `cache`: unknown container `cache`
              --> site.rhai:29:24
                |
             29 | m.containers.web_server.links = "cache";
                |                        ^
            error: container `web_server` joins network `backend`, which is not in the map's `networks`
              --> site.rhai:30:24
                |
             30 | m.containers.web_server.networks = "backend";
                |                        ^
            error: 3 problems found
        "#,
    ));
}

// ------------------------------------------------------------------------------------------------
// 3. YAML specifics
// ------------------------------------------------------------------------------------------------

#[test]
fn yaml_duplicate_key() {
    check("dup.yaml", "web:\n  image: nginx\n  image: httpd\n")
        .failure()
        .stderr(&unindent(
            "
            error: duplicate key `image`
              --> dup.yaml: web.image (line 3)
               |
             3 |   image: httpd
               |   ^
        ",
        ));
    check(
        "dup.yaml",
        "web:\n  image: nginx\napp:\n  image: app\nweb:\n  image: httpd\n",
    )
    .failure()
    .stderr(&unindent(
        "
            error: duplicate key `web`
              --> dup.yaml: web (line 5)
               |
             5 | web:
               | ^
        ",
    ));
    // `80` and "80" are the same port.
    check(
        "dup.yaml",
        "web:\n  image: nginx\n  exposes:\n    80: 8080\n    \"80\": 8081\n",
    )
    .failure()
    .stderr(&unindent(
        r#"
            error: duplicate key `80`
              --> dup.yaml: web.exposes.80 (line 5)
               |
             5 |     "80": 8081
               |     ^
        "#,
    ));
}

#[test]
fn yaml_unknown_tag() {
    check("tag.yaml", "web:\n  image: nginx\nhost_root: !pth /srv\n")
        .failure()
        .stderr(&unindent(
            "
            error: unknown tag `!pth`
              --> tag.yaml: host_root (line 3)
               |
             3 | host_root: !pth /srv
               | ^
        ",
        ));
}

#[test]
fn yaml_env_tag_with_unset_variable() {
    let var = "DMAP_CLI_TEST_UNSET_VAR_7F3A";
    let dir = Test::new().file(
        "env.yaml",
        &format!("web:\n  image: nginx\n  instances:\n  - a\n  - !env {var}\n"),
    );
    dir.clone()
        .args(["check", "env.yaml"])
        .env_remove(var)
        .run()
        .failure()
        .stderr(&unindent(
            "
            error: environment variable `DMAP_CLI_TEST_UNSET_VAR_7F3A` is not set
              --> env.yaml: web.instances[1] (line 5)
               |
             5 |   - !env DMAP_CLI_TEST_UNSET_VAR_7F3A
               |   ^
        ",
        ));
}

#[test]
fn yaml_env_tag_with_set_variable() {
    let var = "DMAP_CLI_TEST_IMAGE_B21C";
    let dir = Test::new().file("env.yaml", &format!("web:\n  image: !env {var}\n"));
    let doc = dir
        .clone()
        .args(["show", "--json", "env.yaml"])
        .env(var, "registry.test/env-image:1.2")
        .run()
        .success()
        .json();
    assert_eq!(container(&doc, "env.web")["image"], "registry.test/env-image:1.2");
}

#[test]
fn yaml_path_tag_expands_variables() {
    let var = "DMAP_CLI_TEST_ROOT_C93E";
    let dir = Test::new().file("path.yaml",
        &format!(
            "host_root: !path ${var}/x\nweb:\n  image: nginx\n  binds: [cfg]\nvolumes:\n  cfg: /etc/cfg\nhost:\n  cfg: config\n"
        ),
    );
    let doc = dir
        .clone()
        .args(["show", "--json", "path.yaml"])
        .env(var, "/opt/site")
        .run()
        .success()
        .json();
    let mounts = &container(&doc, "path.web")["mounts"];
    assert_eq!(mounts[0]["source"], "/opt/site/x/config", "{mounts:#}");
}

#[test]
fn yaml_nested_path_mapping() {
    // docker-map's documented `host: !path {app_config: !path {...}}` crashed docker-map.
    let var = "DMAP_CLI_TEST_ROOT_D04F";
    let dir = Test::new().file(
        "nested.yaml",
        &format!(
            "web:
  image: nginx
  instances: [a, b]
  binds: [cfg, log]
volumes:
  cfg: /etc/cfg
  log: /var/log/web
host: !path
  log: ${var}/log
  cfg: !path
    a: ${var}/a
    b: ${{{var}}}/b
"
        ),
    );
    let doc = dir
        .clone()
        .args(["show", "--json", "nested.yaml"])
        .env(var, "/srv/data")
        .run()
        .success()
        .json();
    let sources = |name: &str| -> Vec<String> {
        container(&doc, name)["mounts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["source"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(sources("nested.web.a"), ["/srv/data/a", "/srv/data/log"]);
    assert_eq!(sources("nested.web.b"), ["/srv/data/b", "/srv/data/log"]);
}

#[test]
fn yaml_syntax_error_gives_line_and_column() {
    check("syntax.yaml", "web:\n  image: nginx\n   bad: [1, 2\n")
        .failure()
        .stderr(&unindent(
            "
            error: mapping values are not allowed in this context
              --> syntax.yaml:3:7
               |
             3 |    bad: [1, 2
               |       ^
        ",
        ));
}

#[test]
fn yaml_root_must_be_a_mapping() {
    check("list.yaml", "- web\n- app\n").failure().stderr(&unindent(
        "
            error: `list.yaml` does not contain a mapping at its top level (found a list)
              --> list.yaml
        ",
    ));
}

#[test]
fn yaml_map_name_from_name_key_or_file_stem() {
    let doc = show_json("named.yaml", "name: other\nweb:\n  image: nginx\n");
    assert_eq!(map_names(&doc), ["other"]);
    let doc = show_json("stem.yaml", "web:\n  image: nginx\n");
    assert_eq!(map_names(&doc), ["stem"]);
}

// ------------------------------------------------------------------------------------------------
// 4. Recipe specifics
// ------------------------------------------------------------------------------------------------

#[test]
fn recipe_syntax_error() {
    check(
        "syn.rhai",
        r#"let m = container_map("s");
m.containers.web.image = "nginx"
m.containers.app.image = "app";
m
"#,
    )
    .failure()
    .stderr(&unindent(
        r#"
            error: expecting ';' to terminate this statement
              --> syn.rhai:3:1
               |
             3 | m.containers.app.image = "app";
               | ^
        "#,
    ));
}

#[test]
fn runtime_error_in_a_function_names_inner_line_and_the_call() {
    let out = check(
        "rt.rhai",
        r#"fn configure(m) {
    m.containers.web.image = "nginx";
    m.containers.web.stop_timeout = "soon";
}
let m = container_map("s");
configure(m);
m
"#,
    );
    out.failure()
        .stderr(&unindent(r#"
            error: container `web`: `stop_timeout`: invalid duration `soon`: expected a number with a unit (ns, us, ms, s, m, h), e.g. "1m30s"
              --> rt.rhai:3:21
               |
             3 |     m.containers.web.stop_timeout = "soon";
               |                     ^
            note: in call to function `configure`
              --> rt.rhai:6:1
               |
             6 | configure(m);
               | ^
        "#));
    let note = out.stderr.find("note:").unwrap();
    let inner = out.stderr.find("rt.rhai:3:21").unwrap();
    assert!(inner < note, "inner location first, then the call note\n{out}");

    check(
        "rt.rhai",
        r#"fn helper(x) {
    x / 0
}
let m = container_map("s");
helper(3);
m
"#,
    )
    .failure()
    .stderr(&unindent(
        "
            error: division by zero: 3 / 0
              --> rt.rhai:2:7
               |
             2 |     x / 0
               |       ^
            note: in call to function `helper`
              --> rt.rhai:5:1
               |
             5 | helper(3);
               | ^
        ",
    ));
}

#[test]
fn thrown_error_is_reported_with_its_position() {
    check(
        "thr.rhai",
        "let m = container_map(\"s\");\nthrow \"custom failure\";\n",
    )
    .failure()
    .stderr(&unindent(
        r#"
            error: recipe raised: custom failure
              --> thr.rhai:2:1
               |
             2 | throw "custom failure";
               | ^
        "#,
    ));
}

#[test]
fn args_are_visible_to_the_recipe() {
    let dir = Test::new().file(
        "args.rhai",
        r#"let m = container_map("s");
if ARGS.len() != 2 { throw `expected 2 ARGS, got ${ARGS}`; }
m.containers[ARGS[0]].image = "nginx";
m.containers[ARGS[0]].exposes = [[80, parse_int(ARGS[1])]];
m
"#,
    );
    let doc = dir
        .clone()
        .args(["show", "--json", "args.rhai", "web", "8080"])
        .run()
        .success()
        .json();
    let web = container(&doc, "s.web");
    assert_eq!(web["ports"][0]["host_port"], 8080, "{web:#}");
    dir.clone()
        .args(["show", "args.rhai", "front", "9090"])
        .run()
        .success()
        .stdout_has("s.front")
        .stdout_has("port 80/tcp <- 9090");
    dir.clone()
        .args(["check", "args.rhai"])
        .run()
        .failure()
        .stderr(&unindent(
            "
            error: recipe raised: expected 2 ARGS, got []
              --> args.rhai:2:22
               |
             2 | if ARGS.len() != 2 { throw `expected 2 ARGS, got ${ARGS}`; }
               |                      ^
        ",
        ));
}

#[test]
fn load_map_is_relative_to_the_recipe() {
    let dir = Test::new().file("recipes/sub/site.yaml", &site_yaml());
    let dir = dir.file("recipes/load.rhai", "let m = load_map(\"sub/site.yaml\");\nm\n");
    let dir = dir.dir("elsewhere");
    let doc = dir
        .clone()
        .args(["show", "--json", "../recipes/load.rhai"])
        .current_dir("elsewhere")
        .run()
        .success()
        .json();
    assert_eq!(map_names(&doc), ["site"]);
    assert_eq!(
        without_origins(&doc),
        without_origins(
            &Test::new()
                .args([
                    "show".as_ref(),
                    "--json".as_ref(),
                    fixture("site/site.yaml").as_os_str()
                ])
                .run()
                .success()
                .json()
        )
    );
}

#[test]
fn errors_in_a_loaded_yaml_name_the_yaml_file() {
    let dir = Test::new().file("sub/bad.yaml", "web:\n  imgae: nginx\n");
    let dir = dir.file("lb.rhai", "let m = load_map(\"sub/bad.yaml\");\nm\n");
    dir.clone()
        .args(["check", "lb.rhai"])
        .run()
        .failure()
        .stderr(&unindent(
            "
            error: container `web`: unknown container field `imgae` (did you mean `image`?)
              --> sub/bad.yaml: web.imgae (line 2)
               |
             2 |   imgae: nginx
               |   ^
        ",
        ));
}

#[test]
fn import_is_relative_to_the_importing_file() {
    let dir = Test::new();
    // main.rhai imports lib/a, which imports "b": lib/b.rhai, not the b.rhai next to main.rhai.
    let dir = dir.file("recipes/b.rhai", "fn img() { \"wrong-b\" }\n");
    let dir = dir.file("recipes/lib/b.rhai", "fn img() { \"from-b\" }\n");
    let dir = dir.file(
        "recipes/lib/a.rhai",
        "import \"b\" as b;\nfn img() { b::img() + \"-via-a\" }\n",
    );
    let dir = dir.file(
        "recipes/main.rhai",
        r#"import "lib/a" as a;
let m = container_map("s");
m.containers.web.image = a::img();
m
"#,
    );
    let dir = dir.dir("elsewhere");
    let doc = dir
        .clone()
        .args(["show", "--json", "../recipes/main.rhai"])
        .current_dir("elsewhere")
        .run()
        .success()
        .json();
    assert_eq!(container(&doc, "s.web")["image"], "from-b-via-a:latest");
}

#[test]
fn import_from_dmap_path() {
    let dir = Test::new().file(
        "main.rhai",
        r#"import "acme/naming" as naming;
let m = container_map("s");
m.containers.web.image = naming::image("web");
m
"#,
    );
    let dmap_path =
        std::env::join_paths([dir.path().join("no-such-folder"), fixture("cli/dmap_path")]).unwrap();
    let doc = dir
        .clone()
        .args(["show", "--json", "main.rhai"])
        .env("DMAP_PATH", &dmap_path)
        .run()
        .success()
        .json();
    assert_eq!(container(&doc, "s.web")["image"], "registry.acme.test/web:stable");
    // Without DMAP_PATH the library is not found.
    dir.clone().args(["check", "main.rhai"])
        .run()
        .failure()
        .stderr(&unindent(r#"
            error: library `acme/naming` not found (next to the importing file, in the stdlib); the stdlib has `dmap/busybox`, `dmap/files`, `dmap/packages`, `dmap/shell`, `dmap/users`
              --> main.rhai:1:8
               |
             1 | import "acme/naming" as naming;
               |        ^
        "#));
}

#[test]
fn import_from_the_stdlib() {
    let doc = show_json(
        "std.rhai",
        r#"import "dmap/shell" as sh;
let m = container_map("s");
m.containers.web.image = "nginx";
m.containers.web.exec_commands = [[sh::chown("app:app", "/srv"), "root"]];
m
"#,
    );
    let exec = &container(&doc, "s.web")["exec_commands"];
    assert_eq!(exec[0]["cmd"], "chown -R app:app /srv", "{exec:#}");
    assert_eq!(exec[0]["user"], "root", "{exec:#}");
}

#[test]
fn unknown_import_names_the_library_and_where_it_looked() {
    let recipe = "import \"nowhere/lib\" as x;\nlet m = container_map(\"s\");\nm\n";
    check("imp.rhai", recipe)
        .failure()
        .stderr(&unindent(r#"
            error: library `nowhere/lib` not found (next to the importing file, in the stdlib); the stdlib has `dmap/busybox`, `dmap/files`, `dmap/packages`, `dmap/shell`, `dmap/users`
              --> imp.rhai:1:8
               |
             1 | import "nowhere/lib" as x;
               |        ^
        "#));
    let dir = Test::new().file("imp.rhai", recipe);
    dir.clone().args(["check", "imp.rhai"])
        .env("DMAP_PATH", fixture("cli/dmap_path"))
        .run()
        .failure()
        .stderr(&unindent(r#"
            error: library `nowhere/lib` not found (next to the importing file, on DMAP_PATH, in the stdlib); the stdlib has `dmap/busybox`, `dmap/files`, `dmap/packages`, `dmap/shell`, `dmap/users`
              --> imp.rhai:1:8
               |
             1 | import "nowhere/lib" as x;
               |        ^
        "#));
}

#[test]
fn shown_maps_are_the_final_value_first() {
    let out = run_on(
        &["show"],
        "final.rhai",
        r#"let a = container_map("alpha");
a.containers.web.image = "nginx";
let b = container_map("beta");
b.containers.web.image = "nginx";
b
"#,
    );
    out.success().stdout_has("map beta").stdout_lacks("map alpha");
}

#[test]
fn shown_maps_are_those_handed_to_mapping_client_without_a_final_map() {
    let out = run_on(
        &["show", "--json"],
        "client.rhai",
        r#"let a = container_map("alpha");
a.containers.web.image = "nginx";
let b = container_map("beta");
b.containers.web.links = "ghost";
let g = container_map("gamma");
g.containers.web.image = "nginx";
let c = mapping_client([a, g]);
"#,
    );
    assert_eq!(map_names(&out.success().json()), ["alpha", "gamma"]);
    // `check` sees the same maps: the invalid `beta` is not among them.
    check(
        "client.rhai",
        r#"let a = container_map("alpha");
a.containers.web.image = "nginx";
let b = container_map("beta");
b.containers.web.links = "ghost";
let c = mapping_client(a);
"#,
    )
    .success()
    .stdout_has("map `alpha` is valid")
    .stdout_lacks("beta");
}

#[test]
fn shown_maps_are_all_created_maps_otherwise() {
    let recipe = r#"let a = container_map("alpha");
a.containers.web.image = "nginx";
let b = container_map("beta");
b.containers.web.image = "nginx";
let unrelated = 42;
"#;
    assert_eq!(map_names(&show_json("all.rhai", recipe)), ["alpha", "beta"]);
    let bad = recipe.replace(
        "b.containers.web.image = \"nginx\"",
        "b.containers.web.links = \"ghost\"",
    );
    check("all.rhai", &bad).failure().stderr(&unindent(
        r#"
            error: container `web` links to `ghost`: unknown container `ghost`
              --> all.rhai:4:17
               |
             4 | b.containers.web.links = "ghost";
               |                 ^
        "#,
    ));
}

#[test]
fn map_check_in_a_recipe_fails_on_an_invalid_map() {
    check(
        "mcheck.rhai",
        r#"let m = container_map("s");
m.containers.web.image = "nginx";
m.containers.web.links = "ghost";
m.check();
throw "m.check() let an invalid map pass";
"#,
    )
    .failure()
    .stderr(&unindent(
        r#"
            error: container `web` links to `ghost`: unknown container `ghost`
              --> mcheck.rhai:3:17
               |
             3 | m.containers.web.links = "ghost";
               |                 ^
        "#,
    ));
    check(
        "mcheck.rhai",
        r#"let m = container_map("s");
m.containers.web.image = "nginx";
m.check();
m
"#,
    )
    .success();
}

#[test]
fn handles_write_through() {
    let doc = show_json(
        "handle.rhai",
        r#"let m = container_map("s");
let w = m.containers.web;
w.image = "x";
let cs = m.containers;
cs.app.image = "y";
let v = m.volumes;
v.logs = "/logs";
w.attaches = "logs";
m
"#,
    );
    let web = container(&doc, "s.web");
    assert_eq!(web["image"], "x:latest");
    assert_eq!(web["mounts"][0]["source"], "s.logs", "{web:#}");
    assert_eq!(container(&doc, "s.app")["image"], "y:latest");
}

#[test]
fn fields_read_back_normalised() {
    let doc = show_json(
        "readback.rhai",
        r#"let m = container_map("s");
m.volumes.a = "/a";
m.containers.web.attaches = "a";
let attaches = m.containers.web.attaches;
if type_of(attaches) != "array" { throw `attaches reads back as ${type_of(attaches)}`; }
m.containers.web.image = `img${m.containers.web.attaches.len()}`;
if m.containers.web.image != "img1" { throw `image reads back as ${m.containers.web.image}`; }
m
"#,
    );
    assert_eq!(container(&doc, "s.web")["image"], "img1:latest");
}

#[test]
fn merge_an_object_map() {
    let doc = show_json(
        "merge.rhai",
        r#"let m = container_map("s");
m.containers.web.image = "nginx";
m.merge(#{ app: #{ image: "app" }, web: #{ attaches: "logs" }, volumes: #{ logs: "/logs" } });
m
"#,
    );
    assert_eq!(container(&doc, "s.app")["image"], "app:latest");
    let web = container(&doc, "s.web");
    assert_eq!(web["image"], "nginx:latest");
    assert_eq!(web["mounts"][0]["source"], "s.logs", "{web:#}");
    assert_eq!(web["mounts"][0]["target"], "/logs", "{web:#}");
}

#[test]
fn merge_another_map() {
    let doc = show_json(
        "merge.rhai",
        r#"let a = container_map("a");
a.containers.web.image = "nginx";
let b = container_map("b");
b.containers.app.image = "app";
a.merge(b);
a
"#,
    );
    assert_eq!(map_names(&doc), ["a"]);
    assert_eq!(container(&doc, "a.app")["image"], "app:latest");
    assert_eq!(container(&doc, "a.web")["image"], "nginx:latest");
}

#[test]
fn show_json_stdout_is_one_document_even_when_the_recipe_prints() {
    let out = run_on(
        &["show", "--json"],
        "print.rhai",
        r#"let m = container_map("s");
m.containers.web.image = "nginx";
print("hello from the recipe");
m
"#,
    );
    assert_eq!(map_names(&out.success().json()), ["s"]);
}

// ------------------------------------------------------------------------------------------------
// 5. Sandbox
// ------------------------------------------------------------------------------------------------

const SANDBOX_DEADLINE: Duration = Duration::from_secs(10);

/// A test with tests/fixtures/cli/endless_loop.rhai in its directory.
fn endless_loop() -> Test {
    Test::new().file("endless_loop.rhai", &read_fixture("cli/endless_loop.rhai"))
}

#[test]
fn endless_loop_is_stopped_with_a_lowered_limit() {
    let out = endless_loop()
        .args(["check", "endless_loop.rhai"])
        .env("DMAP_MAX_OPERATIONS", "2000000")
        .run();
    out.failure().stderr(&unindent(
        "
            error: the recipe ran too long and was stopped (too many operations): is there an endless loop?
              --> endless_loop.rhai:6:7
               |
             6 |     i += 1;
               |       ^
        ",
    ));
    assert!(out.elapsed < SANDBOX_DEADLINE, "took {:?}", out.elapsed);
}

#[test]
fn endless_loop_is_stopped_with_the_default_limit() {
    let out = endless_loop().args(["show", "endless_loop.rhai"]).run();
    out.failure().stderr(&unindent(
        "
            error: the recipe ran too long and was stopped (too many operations): is there an endless loop?
              --> endless_loop.rhai:6:5
               |
             6 |     i += 1;
               |     ^
        ",
    ));
    assert!(out.elapsed < SANDBOX_DEADLINE, "took {:?}", out.elapsed);
}

#[test]
fn runaway_recursion_is_stopped() {
    let out = check("recurse.rhai", "fn f(n) { f(n + 1) }\nf(0);\n");
    out.failure().stderr(&unindent(
        "
            error: the recipe nested function calls too deeply and was stopped: is there runaway recursion?
              --> recurse.rhai:2:1
               |
             2 | f(0);
               | ^
        ",
    ));
    assert!(out.elapsed < SANDBOX_DEADLINE, "took {:?}", out.elapsed);
}

/// A value grown without end is stopped at the memory limit (here lowered to 64 MiB), at the
/// line it reached, with the limit and its variable; no value has a size limit of its own.
#[test]
fn values_grown_forever_are_stopped_at_the_memory_limit() {
    let grow = |text: &str| {
        Test::new()
            .file("grow.rhai", text)
            .args(["check", "grow.rhai"])
            .env("DMAP_MAX_MEMORY", "64")
            .run()
    };
    let cases = [
        ("let s = \"x\";\nloop { s += s; }\n", 10, "loop { s += s; }"),
        ("let a = [1];\nloop { a += a; }\n", 8, "loop { a += a; }"),
    ];
    for (text, column, line) in cases {
        let out = grow(text);
        out.failure().stderr(&format!(
            "error: the recipe took dmap over its memory limit of 64 MiB and was stopped here (`DMAP_MAX_MEMORY` sets the limit in MiB)\n  --> grow.rhai:2:{column}\n   |\n 2 | {line}\n   | {}^\n",
            " ".repeat(column - 1)
        ));
        assert!(out.elapsed < SANDBOX_DEADLINE, "took {:?}", out.elapsed);
    }
    // stopped at the push or at the array it pushes, whichever took the heap over
    let out = grow("let a = [];\nloop { a.push([1, 2, 3, 4, 5, 6, 7, 8]); }\n");
    out.failure().stderr_has(
        "error: the recipe took dmap over its memory limit of 64 MiB and was stopped here (`DMAP_MAX_MEMORY` sets the limit in MiB)\n  --> grow.rhai:2:",
    );
    assert!(out.elapsed < SANDBOX_DEADLINE, "took {:?}", out.elapsed);
}

// ------------------------------------------------------------------------------------------------
// 6. Command-line usage
// ------------------------------------------------------------------------------------------------

#[test]
fn usage_errors_exit_2() {
    Test::new().run().usage_error().stderr_has("Usage");
    Test::new()
        .args(["frob", "x.rhai"])
        .run()
        .usage_error()
        .stderr_has("frob");
    Test::new().args(["check"]).run().usage_error().stderr_has("FILE");
    Test::new()
        .args(["show", "--json"])
        .run()
        .usage_error()
        .stderr_has("FILE");
    Test::new()
        .args(["show", "--bogus", "x.rhai"])
        .run()
        .usage_error()
        .stderr_has("--bogus");
}

#[test]
fn help_exits_0() {
    Test::new()
        .args(["--help"])
        .run()
        .success()
        .stdout_has("check")
        .stdout_has("show")
        .stdout_has("run");
    Test::new()
        .args(["check", "--help"])
        .run()
        .success()
        .stdout_has("FILE");
}

#[test]
fn help_lists_every_verb_the_exit_codes_and_an_example_per_verb() {
    let out = Test::new().args(["--help"]).run();
    out.success()
        .stdout_has("Exit codes:")
        .stdout_has("3  `plan`: something would change");
    let verbs = [
        "up",
        "down",
        "plan",
        "status",
        "logs",
        "exec",
        "build",
        "dockerfile",
        "run",
        "check",
        "show",
        "repl",
        "completions",
    ];
    for verb in verbs {
        assert!(
            out.stdout.contains(&format!("  {verb} ")),
            "`{verb}` in --help\n{}",
            out.stdout
        );
        Test::new()
            .args([verb, "--help"])
            .run()
            .success()
            .stdout_has("Example:")
            .stdout_has(&format!("dmap {verb}"));
    }
    Test::new()
        .args(["ps", "--help"])
        .run()
        .success()
        .stdout_has("dmap status");
}

#[test]
fn completions_are_printed_for_each_shell() {
    // bash, zsh and fish ask dmap (`tests/completion.rs`); the others list verbs and flags.
    for (shell, marker, callback) in [
        ("bash", "complete -F", true),
        ("zsh", "#compdef dmap", true),
        ("fish", "complete -c dmap", true),
        ("elvish", "edit:completion:arg-completer[dmap]", false),
        ("powershell", "Register-ArgumentCompleter", false),
    ] {
        let out = Test::new().args(["completions", shell]).run();
        out.success().stdout_has(marker);
        if callback {
            out.stdout_has("dmap __complete -- ");
        } else {
            out.stdout_has("force-recreate");
        }
    }
    Test::new()
        .args(["completions", "tcsh"])
        .run()
        .usage_error()
        .stderr_has("tcsh");
}

#[test]
fn verbs_check_the_map_in_full_before_any_engine_is_contacted() {
    // DOCKER_HOST points where no Engine listens: each verb reports the map's problems (all of
    // them), not an unreachable Engine.
    let dir = Test::new().file("bad.rhai",
        "let m = container_map(\"bad\");\nm.containers.web = #{ image: \"x\", links: \"nope\" };\nm.containers.app = #{ image: \"x\", uses: \"gone\" };\nmapping_client(m);\n",
    );
    for verb in [
        &["up"][..],
        &["down"],
        &["plan"],
        &["status"],
        &["logs"],
        &["exec", "bad.rhai", "web", "--", "true"],
    ] {
        let mut args: Vec<&str> = verb.to_vec();
        if verb.len() == 1 {
            args.push("bad.rhai");
        }
        dir.clone().args(&args).run().failure().stderr(&unindent(
            r#"
            error: container `app` uses `gone`, which is neither an attached volume nor a container
              --> bad.rhai:3:35
               |
             3 | m.containers.app = #{ image: "x", uses: "gone" };
               |                                   ^
            error: container `web` links to `nope`: unknown container `nope`
              --> bad.rhai:2:35
               |
             2 | m.containers.web = #{ image: "x", links: "nope" };
               |                                   ^
            error: 2 problems found
        "#,
        ));
    }
    // An unknown map prefix is a usage error naming the maps.
    dir.clone()
        .args(["up", "bad.rhai", "other/web"])
        .run()
        .usage_error()
        .stderr("error: target `other/web`: no map `other` (maps: `bad`)\n");
    dir.clone()
        .args(["up", "bad.rhai", "__all__/nope"])
        .run()
        .usage_error()
        .stderr("error: target `__all__/nope`: no map has `nope`\n");
}

#[test]
fn missing_file_is_named() {
    let dir = Test::new();
    for name in ["nope.yaml", "nope.rhai"] {
        for verb in ["check", "show"] {
            dir.clone().args([verb, name]).run().failure().stderr(&format!(
                "error: can't read `{name}`\n  caused by: No such file or directory (os error 2)\n"
            ));
        }
    }
}

#[test]
fn show_text_lists_containers_in_start_order() {
    let out = Test::new()
        .args(["show".as_ref(), fixture("site/literal.rhai").as_os_str()])
        .run();
    out.success().stdout_has("map site");
    let position = |needle: &str| {
        out.stdout
            .find(needle)
            .unwrap_or_else(|| panic!("stdout lacks {needle:?}\n{out}"))
    };
    let app1 = position("1. site.app_server.instance1");
    let app2 = position("2. site.app_server.instance2");
    let web = position("3. site.web_server");
    assert!(app1 < app2 && app2 < web, "{out}");
    out.stdout_has("registry.example.com/nginx:latest")
        .stdout_has("/var/lib/site/config/app1");
}

// ------------------------------------------------------------------------------------------------
// What a new user hit
// ------------------------------------------------------------------------------------------------

/// A recipe that prints its `ARGS` and ends with an empty map.
const PRINT_ARGS: &str = "print(`ARGS ${ARGS}`);\ncontainer_map(\"a\")\n";

#[test]
fn flags_after_recipe_arguments_are_flags_and_dashed_arguments_need_a_double_dash() {
    let dir = Test::new().file("r.rhai", PRINT_ARGS);
    // `--json` after an argument is still `show`'s flag.
    let out = dir.clone().args(["show", "r.rhai", "x", "--json"]).run();
    out.success();
    assert!(out.stderr.contains("ARGS [\"x\"]"), "{out}");
    out.json();
    // `--dry-run` after an argument is still `run`'s flag: nothing is passed to the recipe.
    let out = dir.clone().args(["run", "r.rhai", "x", "--dry-run"]).run();
    out.success().stdout("ARGS [\"x\"]\n");
    // After `--`, anything is an argument.
    let out = dir.clone().args(["run", "r.rhai", "--", "--dry-run", "-v"]).run();
    out.success().stdout("ARGS [\"--dry-run\", \"-v\"]\n");
    // An unknown flag is an error that says how to pass it.
    let out = dir.clone().args(["run", "r.rhai", "--bogus"]).run();
    out.usage_error().stderr(&unindent(
        "
        error: unexpected argument '--bogus' found

          tip: to pass '--bogus' as a value, use '-- --bogus'

        Usage: dmap run <FILE> [ARGS]...

        For more information, try '--help'.
        ",
    ));
}

#[test]
fn yaml_files_are_read_as_yaml_by_extension_and_run_says_what_to_do() {
    let dir = Test::new();
    let yaml = "web:\n  image: nginx\n";
    for name in ["site.yaml", "SITE.YML", "Site.Yaml"] {
        let dir = dir.clone().file(name, yaml);
        dir.clone()
            .args(["check", name])
            .run()
            .success()
            .stdout_has("map `");
        dir.clone().args(["show", "--json", name]).run().success().json();
    }
    dir.clone().args(["run", "site.yaml"]).run().usage_error().stderr(
        "error: `site.yaml` is a docker-map YAML map, not a recipe: `dmap check` and `dmap show` \
             read it, `dmap up` converges it; from a recipe, load it with `load_map(\"site.yaml\")` \
             and hand it to `mapping_client`\n",
    );
}

#[test]
fn an_unknown_extends_does_not_hide_the_other_problems() {
    let out = check(
        "m.yaml",
        "web:\n  extends: bse\n  links: nope\napp:\n  uses: missing\n",
    );
    out.failure().stderr(&unindent(
        "
            error: container `web` extends unknown container `bse`
              --> m.yaml: web.extends (line 2)
               |
             2 |   extends: bse
               |   ^
            error: container `app` uses `missing`, which is neither an attached volume nor a container
              --> m.yaml: app.uses (line 5)
               |
             5 |   uses: missing
               |   ^
            error: container `web` links to `nope`: unknown container `nope`
              --> m.yaml: web.links (line 3)
               |
             3 |   links: nope
               |   ^
            error: 3 problems found
        ",
    ));
}

#[test]
fn an_undefined_interface_alias_is_a_check_error_when_the_client_is_known() {
    let recipe = r#"
let m = container_map("i");
m.containers.web = #{ image: "nginx", exposes: [[80, 8080, "public"]] };
let c = mapping_client(m, docker(#{ interfaces: #{ "private": "10.0.0.5" } }));
"#;
    check("i.rhai", recipe)
        .failure()
        .stderr(&unindent(r#"
            error: container `i.web` binds port 80/tcp to interface `public`, which client `default` does not define (its `interfaces` are `private`)
              --> i.rhai:3:39
               |
             3 | m.containers.web = #{ image: "nginx", exposes: [[80, 8080, "public"]] };
               |                                       ^
        "#));
    // Defined: fine; a literal address needs no alias.
    check("i.rhai", &recipe.replace("\"private\"", "\"public\"")).success();
    check("i.rhai", &recipe.replace("\"public\"]]", "\"127.0.0.1\"]]")).success();
}

#[test]
fn a_map_level_typo_in_yaml_is_reported_at_its_own_line() {
    let out = check(
        "m.yaml",
        "repository: reg\nvolumse:\n  data: /data\nweb:\n  image: nginx\n",
    );
    out.failure().stderr(&unindent(
        "
            error: unknown map property `volumse` (did you mean `volumes`?)
              --> m.yaml: volumse (line 2)
               |
             2 | volumse:
               | ^
        ",
    ));
}

#[test]
fn show_prints_everything_that_reaches_the_engine() {
    let recipe = r#"
let m = container_map("s");
m.containers.web = #{
    image: "nginx", user: 2000, healthcheck: #{ test: ["CMD", "true"] },
    create_options: #{
        command: ["httpd", "-f"], environment: #{ MODE: "prod" }, working_dir: "/srv",
        labels: #{ team: "web" }, mem_limit: "64m", hostname: "front",
    },
    host_config: #{ restart_policy: #{ Name: "always" } },
};
m
"#;
    let out = run_on(&["show"], "s.rhai", recipe);
    out.success()
        .stdout_has("hostname front")
        .stdout_has("user 2000")
        .stdout_has("command httpd -f")
        .stdout_has("env MODE=prod")
        .stdout_has("healthcheck CMD true")
        .stdout_has("restart_policy")
        .stdout_has("mem_limit 64m")
        .stdout_has("working_dir /srv");
    let doc = show_json("s.rhai", recipe);
    let web = container(&doc, "s.web");
    assert_eq!(web["hostname"], "front", "the Engine gets the same hostname");
    assert_eq!(web["options"]["mem_limit"], "64m");
    assert_eq!(web["options"]["working_dir"], "/srv");
    assert_eq!(web["options"]["labels"]["team"], "web");
    assert_eq!(web["options"]["restart_policy"]["Name"], "always");
}

#[test]
fn recipe_errors_say_what_to_do() {
    check(
        "f.rhai",
        "let c = mapping_client(container_map(\"f\"));\nc.startpu(\"web\");\n",
    )
    .failure()
        .stderr(&unindent(r#"
            error: function `startpu` not found for arguments (MappingClient, string) (did you mean `startup`? `startup(MappingClient) -> array`, `startup(MappingClient, any) -> array`, `startup(MappingClient, any, map) -> array`)
              --> f.rhai:2:3
               |
             2 | c.startpu("web");
               |   ^
        "#));
    check(
        "k.rhai",
        "let c = mapping_client(container_map(\"k\"), #{ default: docker() });\n",
    )
    .failure()
        .stderr(&unindent(r#"
            error: `default` is a reserved word in Rhai: as an object-map key, quote it (`#{ "default": ... }`); as a variable, use another name
              --> k.rhai:1:47
               |
             1 | let c = mapping_client(container_map("k"), #{ default: docker() });
               |                                               ^
        "#));
    check(
        "p.rhai",
        "let d = docker(#{ interfaces: #{ private: \"10.0.0.5\" } });\n",
    )
    .failure()
        .stderr(&unindent(r#"
            error: `private` can't be an object-map key as it is (Rhai reserves the word): quote it (`#{ "private": ... }`)
              --> p.rhai:1:34
               |
             1 | let d = docker(#{ interfaces: #{ private: "10.0.0.5" } });
               |                                  ^
        "#));
    let dir = Test::new().file("lib/k.rhai", "const UID = 2000;\nexport const GID = 2000;\n");
    let dir = dir.file(
        "c.rhai",
        "import \"lib/k\" as k;\nlet g = k::GID;\nlet u = k::UID;\n",
    );
    dir.clone().args(["check", "c.rhai"])
        .run()
        .failure()
        .stderr(&unindent("
            error: `k::UID` not found: library `k` has no exported `UID` (a library's constants are visible to importers only when declared with `export const UID = ...;`)
              --> c.rhai:3:9
               |
             3 | let u = k::UID;
               |         ^
        "));
    // In an object-map literal the caret points at the field.
    let out = check("o.rhai", "let m = container_map(\"o\");\nm.containers.app = #{\n    image: \"app\",\n    instanses: [\"a\"],\n};\n");
    out.failure().stderr(&unindent(
        r#"
            error: container `app`: unknown container field `instanses` (did you mean `instances`?)
              --> o.rhai:4:5
               |
             4 |     instanses: ["a"],
               |     ^
        "#,
    ));
    let out = check(
        "l.rhai",
        "let m = container_map(\"l\", #{ web: #{ imgae: \"x\" } });\n",
    );
    out.failure().stderr(&unindent(
        r#"
            error: container `web`: unknown container field `imgae` (did you mean `image`?)
              --> l.rhai:1:39
               |
             1 | let m = container_map("l", #{ web: #{ imgae: "x" } });
               |                                       ^
        "#,
    ));
}

#[test]
fn an_unreachable_engine_is_named_in_plain_words() {
    let dir = Test::new().file("u.rhai",
        "let m = container_map(\"u\");\nm.containers.web = #{ image: \"x\" };\nlet c = mapping_client(m);\nc.startup(\"__all__\");\n",
    );
    // DOCKER_HOST points at a port where nothing listens.
    let out = dir.clone().args(["run", "u.rhai"]).run();
    out.failure().stderr(&unindent(
        r#"
            error: cannot connect to the Docker Engine at tcp://127.0.0.1:9: connection refused
              --> u.rhai:4:3
               |
             4 | c.startup("__all__");
               |   ^
        "#,
    ));
    assert!(
        !out.stderr.contains("hyper") && !out.stderr.contains("client error"),
        "{out}"
    );
}

#[test]
fn recipes_read_the_environment() {
    let dir = Test::new().file("e.rhai",
        "print(`${env(\"DMAP_TEST_SET\")} ${env(\"DMAP_TEST_UNSET\", \"fallback\")}`);\nlet x = env(\"DMAP_TEST_UNSET\");\n",
    );
    dir.clone().args(["run", "e.rhai"])
        .env("DMAP_TEST_SET", "given")
        .env_remove("DMAP_TEST_UNSET")
        .run()
        .failure()
        .stdout_has("given fallback")
        .stderr(&unindent(
            r#"
            error: environment variable `DMAP_TEST_UNSET` is not set (give a fallback: `env("DMAP_TEST_UNSET", "...")`)
              --> e.rhai:2:9
               |
             2 | let x = env("DMAP_TEST_UNSET");
               |         ^
            "#,
        ));
}

#[test]
fn an_engine_older_than_api_1_41_is_refused_naming_its_version() {
    use std::io::Write as _;
    // A stand-in Engine that answers every request as API 1.40 would.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            let body = r#"{"ApiVersion":"1.40","Version":"19.03.15","MinAPIVersion":"1.12"}"#;
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nApi-Version: 1.40\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    let dir = Test::new().file("old.rhai",
        "let m = container_map(\"old\");\nm.containers.web = #{ image: \"x\" };\nmapping_client(m).startup(\"web\");\n",
    );
    dir.clone().args(["run", "old.rhai"])
        .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"))
        .run()
        .failure()
        .stderr(&unindent(&format!(
            r#"
            error: the Docker Engine at tcp://127.0.0.1:{port} speaks API 1.40; dmap needs API 1.41 (Docker 20.10) or newer
              --> old.rhai:3:19
               |
             3 | mapping_client(m).startup("web");
               |                   ^
            "#
        )));
}

#[test]
fn a_configuration_on_a_client_the_mapping_client_lacks_is_a_check_error() {
    let recipe = r#"
let m = container_map("c");
m.containers.web = #{ image: "nginx", clients: ["edge"] };
let c = mapping_client(m, #{ "default": docker() });
"#;
    check("c.rhai", recipe)
        .failure()
        .stderr(&unindent(r#"
            error: container `web` runs on client `edge`, which the mapping client does not have (it has `default`)
              --> c.rhai:3:39
               |
             3 | m.containers.web = #{ image: "nginx", clients: ["edge"] };
               |                                       ^
        "#));
    check(
        "c.rhai",
        &recipe.replace(
            "#{ \"default\": docker() }",
            "#{ \"default\": docker(), edge: docker() }",
        ),
    )
    .success();
}

#[test]
fn volume_and_network_create_options_reach_the_engine_or_are_refused() {
    check(
        "v.rhai",
        "let m = container_map(\"v\");\nm.volumes.data = #{ default_path: \"/d\", create_options: #{ size: 1 } };\n",
    )
    .failure()
        .stderr(&unindent(r#"
            error: volume alias `data`: volume `create_options` key `size` is not supported (dmap sends `labels`)
              --> v.rhai:2:10
               |
             2 | m.volumes.data = #{ default_path: "/d", create_options: #{ size: 1 } };
               |          ^
        "#));
    check(
        "n.rhai",
        "let m = container_map(\"n\");\nm.networks.net = #{ create_options: #{ config_only: true } };\n",
    )
    .failure()
        .stderr(&unindent("
            error: network `net`: network `create_options` key `config_only` is not supported (dmap sends `attachable`, `enable_ipv6`, `labels`, `ipam`)
              --> n.rhai:2:11
               |
             2 | m.networks.net = #{ create_options: #{ config_only: true } };
               |           ^
        "));
    check(
        "ok.rhai",
        "let m = container_map(\"ok\");\nm.volumes.data = #{ default_path: \"/d\", create_options: #{ labels: #{ team: \"db\" } } };\nm.networks.net = #{ create_options: #{ attachable: true } };\nm\n",
    )
    .success();
}

#[test]
fn an_empty_near_miss_of_a_map_property_is_a_typo_not_a_container() {
    check("m.yaml", "volumse: {}\nweb:\n  image: nginx\n")
        .failure()
        .stderr(&unindent("
            error: unknown map property `volumse` (did you mean `volumes`?); a container named so needs a field, e.g. `image`
              --> m.yaml: volumse (line 1)
               |
             1 | volumse: {}
               | ^
        "));
    check(
        "r.rhai",
        "container_map(\"r\", #{ netwroks: #{}, web: #{ image: \"x\" } })\n",
    )
    .failure()
        .stderr(&unindent(r#"
            error: unknown map property `netwroks` (did you mean `networks`?); a container named so needs a field, e.g. `image`
              --> r.rhai:1:23
               |
             1 | container_map("r", #{ netwroks: #{}, web: #{ image: "x" } })
               |                       ^
        "#));
    // short names stay containers
    check("m.yaml", "host1: {}\nnginx: {}\n").success();
}

#[test]
fn a_failed_action_caught_in_the_recipe_is_readable() {
    let recipe = r#"
let m = container_map("t");
m.containers.web = #{ image: "x" };
let c = mapping_client(m);
try { c.startup("web"); } catch (e) { print(`caught: ${e}`); print(`message: ${e.message}`); }
try { c.startup("nope"); } catch (e) { print(`caught: ${e}`); }
"#;
    let dir = Test::new().file("t.rhai", recipe);
    let out = dir.clone().args(["run", "t.rhai"]).run();
    out.success()
        .stdout_has("caught: cannot connect to the Docker Engine at tcp://127.0.0.1:9: connection refused")
        .stdout_has("message: cannot connect to the Docker Engine")
        .stdout_has("caught: unknown target `nope`");
}

/// Values the Engine would refuse are check errors at the line that sets them, all of them at
/// once, before any Engine is contacted.
#[test]
fn values_the_engine_refuses_are_check_errors_at_their_line() {
    check(
        "limits.rhai",
        r#"let m = container_map("lim");
m.containers.small = #{ image: "app", create_options: #{ mem_limit: "4m" } };
m.containers.root = #{ image: "app", host_config: #{ binds: ["/srv:/"] } };
m.containers.retry = #{ image: "app", host_config: #{ restart_policy: "always:3" } };
m
"#,
    )
    .failure()
    .stderr(&unindent(
        r#"
        error: container `retry`: `host_config` `restart_policy`: restart policy `always` takes no retry count (3): only `on-failure` does
          --> limits.rhai:4:39
           |
         4 | m.containers.retry = #{ image: "app", host_config: #{ restart_policy: "always:3" } };
           |                                       ^
        error: container `root`: `host_config` `binds`: mount destination `/` is the container's root, which the Engine can't mount over
          --> limits.rhai:3:38
           |
         3 | m.containers.root = #{ image: "app", host_config: #{ binds: ["/srv:/"] } };
           |                                      ^
        error: container `small`: `create_options` `mem_limit`: 4m is below the Engine's minimum of 6m
          --> limits.rhai:2:39
           |
         2 | m.containers.small = #{ image: "app", create_options: #{ mem_limit: "4m" } };
           |                                       ^
        error: 3 problems found
        "#,
    ));
}

/// Input files that are not UTF-8 are errors at their first bad byte; a byte-order mark is
/// skipped, positions unchanged; what is not a regular file is refused by name instead of being
/// read (a FIFO would block, `/dev/zero` would never end).
#[test]
fn input_files_are_utf8_regular_files() {
    let t = Test::new()
        .file(
            "bom.rhai",
            "\u{feff}let m = container_map(\"m\");\nm.containers.web = #{ image: \"x\" };\nm\n",
        )
        .file("bomerr.rhai", "\u{feff}let m = nope;\n")
        .file("imp.rhai", "import \"fifo\" as f;\n")
        .file("lm.rhai", "load_map(\"bad.yaml\")\n");
    std::fs::write(t.path().join("bad.rhai"), b"let x = 1;\nlet y = \"\xff\";\n").expect("write");
    std::fs::write(t.path().join("bad.yaml"), b"web:\n  image: \"\xc3\xa9\xff\"\n").expect("write");
    let fifo = std::process::Command::new("mkfifo")
        .arg(t.path().join("fifo.rhai"))
        .status()
        .expect("mkfifo runs");
    assert!(fifo.success());
    let check = |file: &str| t.clone().args(["check", file]).run();
    check("bom.rhai").success();
    check("bomerr.rhai")
        .failure()
        .stderr_has("  --> bomerr.rhai:1:9\n");
    check("bad.rhai").failure().stderr(&unindent(
        "
        error: `bad.rhai` is not valid UTF-8 text (the position is that of its first bad byte)
          --> bad.rhai:2:10
        ",
    ));
    check("bad.yaml").failure().stderr(&unindent(
        "
        error: `bad.yaml` is not valid UTF-8 text (the position is that of its first bad byte)
          --> bad.yaml:2:12
        ",
    ));
    check("lm.rhai").failure().stderr(&unindent(
        "
        error: `bad.yaml` is not valid UTF-8 text (the position is that of its first bad byte)
          --> bad.yaml:2:12
        ",
    ));
    check("fifo.rhai").failure().stderr(&unindent(
        "
        error: `fifo.rhai` is not a regular file (a FIFO): only regular files are read
          --> fifo.rhai
        ",
    ));
    check("imp.rhai").failure().stderr(&unindent(
        r#"
        error: `fifo.rhai` is not a regular file (a FIFO): only regular files are read
          --> imp.rhai:1:8
           |
         1 | import "fifo" as f;
           |        ^
        "#,
    ));
    check("/dev/zero").failure().stderr(&unindent(
        "
        error: `/dev/zero` is not a regular file (a character device): only regular files are read
          --> /dev/zero
        ",
    ));
}

/// Files over the input limit (16 MiB) are refused before they are read.
#[test]
fn input_files_over_the_limit_are_refused() {
    let t = Test::new();
    let big = std::fs::File::create(t.path().join("big.yaml")).expect("create");
    big.set_len((16 << 20) + 1).expect("a sparse file");
    t.clone()
        .args(["check", "big.yaml"])
        .run()
        .failure()
        .stderr(&unindent(
            "
        error: `big.yaml` is too large (16777217 bytes; input files are limited to 16 MiB)
          --> big.yaml
        ",
        ));
}

/// A second YAML document and a complex key are errors at their line.
#[test]
fn yaml_maps_hold_one_document_with_scalar_keys() {
    check("multi.yaml", "web:\n  image: x\n---\nweb2:\n  image: y\n")
        .failure()
        .stderr(&unindent(
            "
            error: a map file holds one YAML document: a second one starts here
              --> multi.yaml:3
               |
             3 | ---
               | ^
            ",
        ));
    check("complex.yaml", "web:\n  image: x\n? [a, b]\n: {image: x}\n")
        .failure()
        .stderr(&unindent(
            "
            error: key must be a scalar, found a list (complex keys such as `? [a, b]` are not supported)
              --> complex.yaml:3
               |
             3 | ? [a, b]
               | ^
            ",
        ));
}

/// The recipe limits the environment sets: invalid values are usage errors naming the
/// variable; a recipe that runs past its wall-clock limit is stopped where it was.
#[test]
fn recipe_limits_from_the_environment() {
    let t = Test::new().file("loop.rhai", "let i = 0;\nloop {\n  i += 1;\n}\n");
    let check = |var: &str, value: &str| t.clone().args(["check", "loop.rhai"]).env(var, value).run();
    check("DMAP_MAX_OPERATIONS", "0")
        .usage_error()
        .stderr("error: `DMAP_MAX_OPERATIONS` must be a whole number above 0 (operations), found `0`\n");
    check("DMAP_MAX_OPERATIONS", "many")
        .usage_error()
        .stderr("error: `DMAP_MAX_OPERATIONS` must be a whole number above 0 (operations), found `many`\n");
    check("DMAP_EVAL_TIMEOUT", "1s")
        .usage_error()
        .stderr("error: `DMAP_EVAL_TIMEOUT` must be a whole number above 0 (seconds), found `1s`\n");
    check("DMAP_MAX_MEMORY", "2G")
        .usage_error()
        .stderr("error: `DMAP_MAX_MEMORY` must be a whole number above 0 (MiB), found `2G`\n");
    t.clone()
        .args(["check", "loop.rhai"])
        .env("DMAP_EVAL_TIMEOUT", "1")
        .env("DMAP_MAX_OPERATIONS", "1000000000000")
        .run()
        .failure()
        // where in the loop's line it stopped varies with the timing
        .stderr_has("error: the recipe ran longer than its wall-clock limit and was stopped here (DMAP_EVAL_TIMEOUT sets the limit in seconds)\n  --> loop.rhai:3:");
}

#[test]
fn more_values_the_engine_refuses_are_errors_at_their_line() {
    // (the recipe, its text, the rendered errors)
    let cases: &[(&str, &str, &str)] = &[
        (
            "healthcheck.rhai",
            r#"let m = container_map("chk");
m.containers.web = #{ image: "app", healthcheck: #{ test: "true", interval: 5 } };
m
"#,
            r#"
            error: container `web`: `healthcheck`: `interval` 5 is 5 ns: the Engine takes at least 1 ms (or 0 for its default); write "5s" for seconds
              --> healthcheck.rhai:2:37
               |
             2 | m.containers.web = #{ image: "app", healthcheck: #{ test: "true", interval: 5 } };
               |                                     ^
            "#,
        ),
        (
            "signal.rhai",
            r#"let m = container_map("chk");
m.containers.web = #{ image: "app", stop_signal: "SIGFOO" };
m
"#,
            r#"
            error: container `web`: `stop_signal`: unknown signal `SIGFOO`: expected a Linux signal name such as `SIGINT` or `TERM`, `SIGRTMIN+n`, `SIGRTMAX-n`, or a number from 1 to 64
              --> signal.rhai:2:37
               |
             2 | m.containers.web = #{ image: "app", stop_signal: "SIGFOO" };
               |                                     ^
            "#,
        ),
        (
            "image.rhai",
            r#"let m = container_map("chk");
m.containers.web = #{ image: "app@sha256:xyz" };
m
"#,
            r#"
            error: container `web`: `image`: invalid image `app@sha256:xyz`: the digest `sha256:xyz` is not `sha256:` and 64 lowercase hexadecimal digits (or sha384, sha512)
              --> image.rhai:2:23
               |
             2 | m.containers.web = #{ image: "app@sha256:xyz" };
               |                       ^
            "#,
        ),
        (
            "instances.rhai",
            r#"let m = container_map("chk");
m.containers.web = #{ image: "app", instances: 2 };
m
"#,
            r#"
            error: container `web`: `instances`: 2 is a number, but instances are named (e.g. `["a", "b"]`): for numbered containers, name them `["1", "2"]` (on a Swarm client, `deploy.replicas` runs copies of one service)
              --> instances.rhai:2:37
               |
             2 | m.containers.web = #{ image: "app", instances: 2 };
               |                                     ^
            "#,
        ),
        (
            "environment.rhai",
            r#"let m = container_map("chk");
m.containers.web = #{ image: "app", create_options: #{ environment: ["A"] } };
m
"#,
            r#"
            error: container `web`: `create_options`: create_options `environment`: environment entry `A` has no `=`: write `A=` for an empty value
              --> environment.rhai:2:37
            "#,
        ),
        (
            "shares.rhai",
            r#"let m = container_map("chk");
m.containers.web = #{ image: "app", shares: "/a/.." };
m
"#,
            r#"
            error: container `web`: `shares`: mount destination `/a/..` is the container's root, which the Engine can't mount over
              --> shares.rhai:2:37
               |
             2 | m.containers.web = #{ image: "app", shares: "/a/.." };
               |                                     ^
            "#,
        ),
        (
            "base_url.rhai",
            r#"let m = container_map("chk");
m.containers.web = #{ image: "app" };
let c = mapping_client(m, #{ edge: docker(#{ base_url: "ssh://me@host/run/docker.sock" }) });
c
"#,
            r#"
            error: docker: `base_url`: `ssh://me@host/run/docker.sock` is no ssh address: a path after the host (`/run/docker.sock`): ssh://[user@]host[:port] names a host
              --> base_url.rhai:3:36
               |
             3 | let c = mapping_client(m, #{ edge: docker(#{ base_url: "ssh://me@host/run/docker.sock" }) });
               |                                    ^
            "#,
        ),
        (
            "image_transfer.rhai",
            r#"let m = container_map("chk");
m.containers.web = #{ image: "app" };
let c = mapping_client(m, #{ edge: docker(#{ image_transfer: "rsync" }) });
c
"#,
            r#"
            error: docker: `image_transfer`: unknown transfer `rsync`: expected `build` or `copy`
              --> image_transfer.rhai:3:36
               |
             3 | let c = mapping_client(m, #{ edge: docker(#{ image_transfer: "rsync" }) });
               |                                    ^
            "#,
        ),
        (
            "hostnames.rhai",
            r#"let m = container_map("chk");
m.containers.a_rather_long_configuration_name_for_a_web_server = #{ image: "app", instances: ["first_instance"] };
m.containers.web = #{ image: "app", create_options: #{ hostname: "h234567890123456789012345678901234567890123456789012345678901234" } };
m
"#,
            r#"
            error: container `web`: `create_options` `hostname`: hostname `h234567890123456789012345678901234567890123456789012345678901234` is 64 characters, more than the 63 a hostname label allows
              --> hostnames.rhai:3:37
               |
             3 | m.containers.web = #{ image: "app", create_options: #{ hostname: "h234567890123456789012345678901234567890123456789012345678901234" } };
               |                                     ^
            error: container `chk.a_rather_long_configuration_name_for_a_web_server.first_instance`: the hostname dmap derives from its name, `chk-a-rather-long-configuration-name-for-a-web-server-first-instance`, is 68 characters, more than the 63 a hostname label allows; shorten the names, or set `create_options.hostname` or the map's `set_hostname: false`
              --> hostnames.rhai:2:83
               |
             2 | m.containers.a_rather_long_configuration_name_for_a_web_server = #{ image: "app", instances: ["first_instance"] };
               |                                                                                   ^
            error: 2 problems found
            "#,
        ),
    ];
    for (name, recipe, errors) in cases {
        check(name, recipe).failure().stderr(&unindent(errors));
    }
}

#[test]
fn an_interface_the_client_lacks_is_reported_with_link_errors() {
    check(
        "interfaces.rhai",
        r#"let m = container_map("chk");
m.containers.web = #{ image: "app", links: "nope", exposes: [[80, 8080, "public"]] };
mapping_client(m, #{ "default": docker() })
"#,
    )
    .failure()
    .stderr(&unindent(
        r#"
        error: container `web` links to `nope`: unknown container `nope`
          --> interfaces.rhai:2:37
           |
         2 | m.containers.web = #{ image: "app", links: "nope", exposes: [[80, 8080, "public"]] };
           |                                     ^
        error: container `chk.web` binds port 80/tcp to interface `public`, which client `default` does not define (its `interfaces` are none)
          --> interfaces.rhai:2:52
           |
         2 | m.containers.web = #{ image: "app", links: "nope", exposes: [[80, 8080, "public"]] };
           |                                                    ^
        error: 2 problems found
        "#,
    ));
}

// ------------------------------------------------------------------------------------------------
// load_compose: a Compose file as a map in a recipe
// ------------------------------------------------------------------------------------------------

/// A Compose project with a port, a named volume and the default network.
const SHOP_COMPOSE: &str = "services:\n  web:\n    image: nginx\n    ports: [\"8080:80\"]\n  db:\n    image: postgres\n    volumes: [data:/var/lib/postgresql/data]\nvolumes:\n  data: {}\n";

#[test]
fn load_compose_gives_a_map_the_recipe_adds_to_under_composes_names() {
    let dir = Test::new().file("app/compose.yaml", SHOP_COMPOSE).file(
        "recipes/r.rhai",
        r#"let m = load_compose("../app/compose.yaml", #{ project: "shop" });
m.containers.extra = #{ image: "busybox" };
let more = container_map("more");
more.containers.worker = #{ image: "busybox" };
m.merge(more);
for name in m.containers.keys() {
    if name != "db" && name != "web" {
        m.containers[name].stop_signal = "SIGINT";
    }
}
m
"#,
    );
    let doc = dir
        .clone()
        .args(["show", "--json", "recipes/r.rhai"])
        .run()
        .success()
        .json();
    assert_eq!(map_names(&doc), ["shop"]);
    let names: Vec<&str> = containers(&doc)
        .iter()
        .map(|c| c["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        names,
        ["shop-db-1", "shop-extra-1", "shop-web-1", "shop-worker-1"]
    );
    assert_eq!(container(&doc, "shop-extra-1")["image"], "busybox:latest");
    assert_eq!(container(&doc, "shop-worker-1")["stop_signal"], "SIGINT");
    assert_eq!(container(&doc, "shop-db-1")["mounts"][0]["source"], "shop_data");
    assert_eq!(
        container(&doc, "shop-web-1")["networks"][0]["network"],
        "shop_default"
    );
    // The services are what `dmap show` makes of the Compose file itself (`extra` comes
    // between them in start order).
    let compose = dir
        .clone()
        .env("COMPOSE_PROJECT_NAME", "shop")
        .args(["show", "--json", "app/compose.yaml"])
        .run()
        .success()
        .json();
    let service = |doc: &Value, name: &str| {
        let mut c = without_origins(container(doc, name));
        c.as_object_mut().expect("a container").remove("start_order");
        c
    };
    for name in ["shop-db-1", "shop-web-1"] {
        assert_eq!(service(&doc, name), service(&compose, name));
    }
    dir.args(["check", "recipes/r.rhai"])
        .run()
        .success()
        .stdout("map `shop` is valid: 4 containers (4 instances), 1 attached volumes, 1 networks\n");
}

#[test]
fn load_compose_options_choose_the_project_profiles_and_env_files() {
    let dir = Test::new()
        .file(
            "compose.yaml",
            "name: fromfile\nservices:\n  web:\n    image: nginx:${TAG}\n  tools:\n    image: busybox\n    profiles: [tools]\n  dbg:\n    image: busybox\n    profiles: [debug]\n",
        )
        .file(".env", "TAG=dotenv\n")
        .file("conf/prod.env", "TAG=prod\n")
        .file(
            "r.rhai",
            r#"let a = load_compose("compose.yaml", #{ profiles: ["tools", "debug"], env_file: "conf/prod.env" });
let b = load_compose("compose.yaml", #{ project: "Second", profiles: "tools" });
let c = load_compose("compose.yaml", #{ project: "third" });
[a, b, c]
"#,
        );
    let doc = dir.args(["show", "--json", "r.rhai"]).run().success().json();
    let shown: Vec<(String, String)> = doc["maps"]
        .as_array()
        .expect("maps")
        .iter()
        .flat_map(|m| m["containers"].as_array().expect("containers").iter())
        .map(|c| {
            (
                c["name"].as_str().expect("name").to_string(),
                c["image"].as_str().expect("image").to_string(),
            )
        })
        .collect();
    let want = [
        ("fromfile-dbg-1", "busybox:latest"),
        ("fromfile-tools-1", "busybox:latest"),
        ("fromfile-web-1", "nginx:prod"),
        ("second-tools-1", "busybox:latest"),
        ("second-web-1", "nginx:dotenv"),
        ("third-web-1", "nginx:dotenv"),
    ];
    assert_eq!(shown, want.map(|(n, i)| (n.to_string(), i.to_string())).to_vec());
}

#[test]
fn errors_in_a_compose_file_loaded_by_a_recipe_name_the_compose_file() {
    Test::new()
        .file(
            "sub/compose.yaml",
            "services:\n  web:\n    image: nginx\n    gpus: all\n",
        )
        .file("lc.rhai", "let m = load_compose(\"sub/compose.yaml\");\nm\n")
        .args(["check", "lc.rhai"])
        .run()
        .failure()
        .stderr(&unindent(
            "
            error: service `web`: `gpus`: dmap can't carry out this field of a Compose service
              --> sub/compose.yaml: services.web.gpus (line 4)
               |
             4 |     gpus: all
               |     ^
            ",
        ));
}

#[test]
fn load_compose_refuses_unknown_options_and_says_which_file_it_can_not_read() {
    let dir = Test::new().file("compose.yaml", SHOP_COMPOSE);
    check_in(
        &dir,
        "opt.rhai",
        "let m = load_compose(\"compose.yaml\", #{ project: \"p\", profile: \"x\" });\nm\n",
    )
    .failure()
    .stderr(&unindent(
        r#"
        error: load_compose: unknown option `profile` (did you mean `profiles`?); options: `project`, `profiles`, `env_file`
          --> opt.rhai:1:55
           |
         1 | let m = load_compose("compose.yaml", #{ project: "p", profile: "x" });
           |                                                       ^
        "#,
    ));
    check_in(
        &dir,
        "shape.rhai",
        "let m = load_compose(\"compose.yaml\", #{ profiles: [\"a\", 1] });\nm\n",
    )
    .failure()
    .stderr(&unindent(
        r#"
        error: load_compose: `profiles` expects a string or an array of strings, found a list
          --> shape.rhai:1:41
           |
         1 | let m = load_compose("compose.yaml", #{ profiles: ["a", 1] });
           |                                         ^
        "#,
    ));
    check_in(&dir, "missing.rhai", "let m = load_compose(\"nope.yaml\");\nm\n")
        .failure()
        .stderr(&unindent(
            r#"
            error: can't read Compose file `nope.yaml`: no such file
              --> missing.rhai:1:9
               |
             1 | let m = load_compose("nope.yaml");
               |         ^
            "#,
        ));
    check_in(
        &dir,
        "env.rhai",
        "let m = load_compose(\"compose.yaml\", #{ env_file: \"none.env\" });\nm\n",
    )
    .failure()
    .stderr(&unindent(
        r#"
        error: cannot read the env file: can't read `none.env`: no such file
          --> env.rhai:1:9
           |
         1 | let m = load_compose("compose.yaml", #{ env_file: "none.env" });
           |         ^
        "#,
    ));
}

/// `dmap check FILE` on `content` written as `name` in `dir`.
#[track_caller]
fn check_in(dir: &Test, name: &str, content: &str) -> Output {
    dir.clone().file(name, content).args(["check", name]).run()
}

#[test]
fn compose_warnings_go_where_the_recipe_prints() {
    let dir = Test::new()
        .file("compose.yaml", "services:\n  web:\n    image: nginx${TAG}\n")
        .file(
            "r.rhai",
            "let m = load_compose(\"compose.yaml\", #{ project: \"w\" });\nprint(m.containers.keys());\nm\n",
        );
    let warning = "warning: the `TAG` variable is not set: it defaults to a blank string\n";
    // `show --json` keeps stdout for the document: the recipe's output goes to stderr.
    let out = dir.clone().args(["show", "--json", "r.rhai"]).run();
    out.success().stderr(&format!("{warning}[\"web\"]\n"));
    assert_eq!(map_names(&out.json()), ["w"]);
    // `run` prints the recipe's output on stdout; no Engine is needed to load a map.
    dir.args(["run", "r.rhai"])
        .run()
        .success()
        .stdout(&format!("{warning}[\"web\"]\n"));
}

#[test]
fn every_verb_finds_its_file_when_none_is_named() {
    let recipe = "print(`args: ${ARGS}`);\nlet m = container_map(\"found\");\nm.containers.web = #{ image: \"busybox\" };\nm\n";
    let dir = Test::new()
        .file("dmap.rhai", recipe)
        .file("other.rhai", "print(`other: ${ARGS}`); container_map(\"other\")")
        .file("compose.yaml", "services:\n  web:\n    image: busybox\n");
    let at = |args: &[&str]| Test::in_dir(dir.path()).args(args.to_vec()).run();
    let valid = "map `found` is valid: 1 containers (1 instances), 0 attached volumes, 0 networks\n";
    at(&["check"]).success().stdout(valid).stderr("args: []\n");
    // A first argument that is no file is one of ARGS.
    at(&["check", "prod"]).success().stderr("args: [\"prod\"]\n");
    at(&["run", "prod"]).success().stdout("args: [\"prod\"]\n");
    let out = at(&["show", "--json"]);
    out.success();
    assert!(out.stdout.contains("\"found\""), "{out}");
    // -f names it; every argument is then one of ARGS.
    at(&["-f", "other.rhai", "check", "a", "b"])
        .success()
        .stderr("other: [\"a\", \"b\"]\n");
    // convert looks for Compose's files only.
    let out = at(&["convert"]);
    out.success();
    assert!(out.stdout.contains("m.containers.web"), "{out}");
    // Nothing to be found: what was looked for.
    let empty = Test::new();
    Test::in_dir(empty.path())
        .args(["check"])
        .run()
        .usage_error()
        .stderr("error: no FILE given and none of `dmap.rhai`, `compose.yaml`, `compose.yml`, `docker-compose.yaml`, `docker-compose.yml` here\n");
    Test::in_dir(empty.path())
        .args(["convert"])
        .run()
        .usage_error()
        .stderr("error: no FILE given and none of `compose.yaml`, `compose.yml`, `docker-compose.yaml`, `docker-compose.yml` here\n");
}

#[test]
fn scale_and_job_arguments_are_checked_before_any_engine() {
    let dir = Test::new().file(
        "dmap.rhai",
        "let m = container_map(\"s\");\nm.containers.web = #{ image: \"busybox\" };\nm.containers.app = #{ image: \"busybox\", instances: [\"a\"] };\nm\n",
    );
    let at = |args: &[&str]| {
        Test::in_dir(dir.path())
            .env("DOCKER_HOST", "tcp://127.0.0.1:9")
            .args(args.to_vec())
            .run()
    };
    for (scale, message) in [
        ("web", "`--scale web`: give `CONFIG=N` with N a number (0: no container)"),
        ("web=-1", "`--scale web=-1`: give `CONFIG=N` with N a number (0: no container)"),
        ("app=2", "`--scale`: configuration `app` has named instances (`a`); only a configuration without them is scaled"),
        ("x/web=2", "`--scale x/web=2`: there is no map `x`"),
    ] {
        at(&["up", "--scale", scale])
            .usage_error()
            .stderr(&format!("error: {message}\n"));
    }
    at(&["job"])
        .usage_error()
        .stderr("error: `job` needs the configuration: `dmap job [FILE] CONFIG [-- COMMAND...]`\n");
    at(&["job", "web", "-e", "NOVALUE", "--", "true"])
        .usage_error()
        .stderr("error: `-e NOVALUE`: give `NAME=VALUE`\n");
}
