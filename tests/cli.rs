//! Command-line tests: run the `dmap` binary on recipes and docker-map YAML files and check exit
//! codes, stdout (`show`, `show --json`) and diagnostics on stderr (contract:
//! docs/cli.md, docs/recipe-api.md and docs/yaml.md).
//!
//! Every test that writes files gets its own temporary directory and runs `dmap` with that
//! directory as its working directory, so paths in diagnostics are short and tests run in
//! parallel safely.

use std::ffi::OsStr;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;
use tempfile::TempDir;

const DMAP: &str = env!("CARGO_BIN_EXE_dmap");

/// Hard limit for one run of the binary: a run that takes longer is killed and the test fails.
const RUN_TIMEOUT: Duration = Duration::from_secs(60);

// ------------------------------------------------------------------------------------------------
// Running the binary
// ------------------------------------------------------------------------------------------------

/// A `dmap` invocation being built.
struct Dmap {
    cmd: Command,
}

/// Starts building `dmap ARGS...`. The environment is cleaned of variables that change dmap's
/// behaviour, and `DOCKER_HOST` points at a port where no Engine listens: `check` and `show`
/// must never need one.
fn dmap<I, S>(args: I) -> Dmap
where
    I: IntoIterator<Item = S>,
    S: AsRef<OsStr>,
{
    let mut cmd = Command::new(DMAP);
    cmd.args(args)
        .env_remove("DMAP_PATH")
        .env_remove("DMAP_MAX_OPERATIONS")
        .env_remove("RUST_BACKTRACE")
        .env_remove("RUST_LIB_BACKTRACE")
        .env("DOCKER_HOST", "tcp://127.0.0.1:9")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    Dmap { cmd }
}

impl Dmap {
    fn cwd(mut self, dir: impl AsRef<Path>) -> Self {
        self.cmd.current_dir(dir);
        self
    }

    fn env(mut self, key: &str, value: impl AsRef<OsStr>) -> Self {
        self.cmd.env(key, value);
        self
    }

    fn env_remove(mut self, key: &str) -> Self {
        self.cmd.env_remove(key);
        self
    }

    /// Runs to completion (killing it after `RUN_TIMEOUT`). Whatever the outcome, stderr must
    /// never show a Rust panic or backtrace.
    #[track_caller]
    fn run(mut self) -> Out {
        let started = Instant::now();
        let mut child = self.cmd.spawn().expect("spawn dmap");
        let stdout = reader(child.stdout.take().expect("stdout pipe"));
        let stderr = reader(child.stderr.take().expect("stderr pipe"));
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait for dmap") {
                break status;
            }
            if started.elapsed() > RUN_TIMEOUT {
                child.kill().ok();
                child.wait().ok();
                panic!(
                    "dmap {:?} still running after {RUN_TIMEOUT:?}; killed",
                    self.cmd.get_args().collect::<Vec<_>>()
                );
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        let out = Out {
            args: format!("{:?}", self.cmd.get_args().collect::<Vec<_>>()),
            code: status.code(),
            stdout: stdout.join().expect("stdout reader"),
            stderr: stderr.join().expect("stderr reader"),
            elapsed: started.elapsed(),
        };
        for panic_text in ["panicked", "RUST_BACKTRACE", "stack backtrace"] {
            assert!(
                !out.stderr.contains(panic_text),
                "dmap {} shows a panic ({panic_text:?}) on stderr\n{out}",
                out.args
            );
        }
        out
    }
}

fn reader(mut pipe: impl Read + Send + 'static) -> std::thread::JoinHandle<String> {
    std::thread::spawn(move || {
        let mut bytes = Vec::new();
        pipe.read_to_end(&mut bytes).expect("read pipe");
        String::from_utf8_lossy(&bytes).into_owned()
    })
}

/// The outcome of one run.
struct Out {
    args: String,
    code: Option<i32>,
    stdout: String,
    stderr: String,
    elapsed: Duration,
}

impl std::fmt::Display for Out {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "--- exit code: {:?} ({:?})\n--- stdout:\n{}\n--- stderr:\n{}",
            self.code, self.elapsed, self.stdout, self.stderr
        )
    }
}

impl Out {
    #[track_caller]
    fn code(&self, expected: i32) -> &Self {
        assert_eq!(
            self.code,
            Some(expected),
            "dmap {}: unexpected exit code\n{self}",
            self.args
        );
        self
    }

    /// Exit 0.
    #[track_caller]
    fn success(&self) -> &Self {
        self.code(0)
    }

    /// Exit 1 (an error in a recipe, map or action) with at least one `error:` line.
    #[track_caller]
    fn failure(&self) -> &Self {
        self.code(1);
        assert!(
            self.stderr.lines().any(|l| l.starts_with("error: ")),
            "dmap {}: no `error:` line on stderr\n{self}",
            self.args
        );
        self
    }

    /// Exit 2 (bad command-line usage).
    #[track_caller]
    fn usage_error(&self) -> &Self {
        self.code(2)
    }

    #[track_caller]
    fn stderr_has(&self, needle: &str) -> &Self {
        assert!(
            self.stderr.contains(needle),
            "dmap {}: stderr lacks {needle:?}\n{self}",
            self.args
        );
        self
    }

    #[track_caller]
    fn stderr_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stderr.contains(needle),
            "dmap {}: stderr should not contain {needle:?}\n{self}",
            self.args
        );
        self
    }

    #[track_caller]
    fn stdout_has(&self, needle: &str) -> &Self {
        assert!(
            self.stdout.contains(needle),
            "dmap {}: stdout lacks {needle:?}\n{self}",
            self.args
        );
        self
    }

    #[track_caller]
    fn stdout_lacks(&self, needle: &str) -> &Self {
        assert!(
            !self.stdout.contains(needle),
            "dmap {}: stdout should not contain {needle:?}\n{self}",
            self.args
        );
        self
    }

    /// A diagnostic's origin line: `  --> LOCATION`, e.g. `site.yaml: web.imgae (line 4)` or
    /// `deploy.rhai:12:5`.
    #[track_caller]
    fn at(&self, location: &str) -> &Self {
        let arrow = format!("--> {location}");
        assert!(
            self.stderr.lines().any(|l| l.trim_start() == arrow),
            "dmap {}: stderr lacks the origin line {arrow:?}\n{self}",
            self.args
        );
        self
    }

    /// The snippet under an origin: the source line `LINE | CODE...` followed by a caret line
    /// whose `^` sits under column `col`.
    #[track_caller]
    fn caret(&self, line: usize, col: usize, code: &str) -> &Self {
        let lines: Vec<&str> = self.stderr.lines().collect();
        let source_prefix = format!("{line} | ");
        let found = lines.windows(2).any(|pair| {
            let source = pair[0].trim_start();
            let Some(text) = source.strip_prefix(&source_prefix) else {
                return false;
            };
            let Some(bar) = pair[1].find('|') else {
                return false;
            };
            let gutter = pair[0].find(" | ").map(|i| i + 1);
            text.starts_with(code) && gutter == Some(bar) && pair[1][bar + 1..].find('^') == Some(col)
        });
        assert!(
            found,
            "dmap {}: stderr lacks the snippet `{line} | {code}...` with a caret at column {col}\n{self}",
            self.args
        );
        self
    }

    /// Number of `error:` lines on stderr.
    fn error_lines(&self) -> Vec<&str> {
        self.stderr.lines().filter(|l| l.starts_with("error: ")).collect()
    }

    #[track_caller]
    fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("dmap {}: stdout is not JSON: {e}\n{self}", self.args))
    }
}

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

fn tempdir() -> TempDir {
    tempfile::tempdir().expect("create temp dir")
}

/// Writes `content` to `dir/rel`, creating parent folders.
fn write(dir: &Path, rel: &str, content: &str) -> PathBuf {
    let path = dir.join(rel);
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(&path, content).unwrap();
    path
}

/// `dmap VERB FILE` on `content` written as `name` in a fresh directory (also the cwd).
#[track_caller]
fn run_on(verb: &[&str], name: &str, content: &str) -> Out {
    let dir = tempdir();
    write(dir.path(), name, content);
    let mut args: Vec<&str> = verb.to_vec();
    args.push(name);
    dmap(args).cwd(dir.path()).run()
}

#[track_caller]
fn check(name: &str, content: &str) -> Out {
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

/// The 1-based line number where the one occurrence of `needle` (which may span lines) starts.
#[track_caller]
fn line_of(text: &str, needle: &str) -> usize {
    assert_eq!(
        text.matches(needle).count(),
        1,
        "{needle:?} must occur once in\n{text}"
    );
    let start = text.find(needle).unwrap();
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    assert!(
        text[line_start..start].trim().is_empty(),
        "{needle:?} must start its line in\n{text}"
    );
    text[..start].matches('\n').count() + 1
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

/// Removes every `"origin"` key, at any depth.
fn without_origins(value: &Value) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .filter(|(k, _)| k.as_str() != "origin")
                .map(|(k, v)| (k.clone(), without_origins(v)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(items.iter().map(without_origins).collect()),
        other => other.clone(),
    }
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
        dmap(["check".as_ref(), fixture(spelling).as_os_str()])
            .run()
            .success()
            .stdout_has("map `site` is valid");
    }
}

#[test]
fn every_spelling_of_the_site_map_shows_the_same_model() {
    let docs: Vec<(&str, Value)> = SPELLINGS
        .iter()
        .map(|s| {
            let out = dmap(["show".as_ref(), "--json".as_ref(), fixture(s).as_os_str()]).run();
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
    let doc = dmap([
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

/// Checks that `yaml` (as site.yaml) and `recipe` (as site.rhai) both fail with `message`,
/// pointing at the YAML key path `yaml_key` on the line containing `yaml_needle`, and at the
/// recipe line containing `rhai_needle`, column `rhai_col`.
#[track_caller]
fn assert_both_fail(
    message: &str,
    (yaml, yaml_key, yaml_needle): (&str, &str, &str),
    (recipe, rhai_needle, rhai_col): (&str, &str, usize),
) {
    let out = check("site.yaml", yaml);
    out.failure().stderr_has(message).at(&format!(
        "site.yaml: {yaml_key} (line {})",
        line_of(yaml, yaml_needle)
    ));
    let line = line_of(recipe, rhai_needle);
    check("site.rhai", recipe)
        .failure()
        .stderr_has(message)
        .at(&format!("site.rhai:{line}:{rhai_col}"))
        .caret(line, rhai_col, rhai_needle);
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
        "container `web_server` attaches volume `web_log`, which has no path",
        (&yaml, "web_server.attaches", "attaches: web_log"),
        (&recipe, "m.containers.web_server.attaches", 24),
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
        "container `web_server` uses `app_sock`, which is neither an attached volume nor a container",
        (&yaml, "web_server.uses", "uses: app_sock"),
        (&recipe, "m.containers.web_server.uses", 24),
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
        "container `app_server` binds `app_data`, which is not in the map's `host`",
        (&yaml, "app_server.binds", "  binds:\n  - app_config"),
        (&recipe, "app.binds", 4),
    );
}

#[test]
fn host_alias_missing_a_per_instance_path() {
    let yaml = replace_once(&site_yaml(), "    instance2: config/app2\n", "");
    let recipe = replace_once(&site_rhai(), ", instance2: \"config/app2\"", "");
    let message = "host alias `app_config` has no path for instance `instance2` of `app_server`";
    check("site.yaml", &yaml)
        .failure()
        .stderr_has(message)
        .at(&format!(
            "site.yaml: host.app_config (line {})",
            line_of(&yaml, "  app_config:\n    instance1")
        ));
    let line = line_of(&recipe, "m.host.app_config");
    check("site.rhai", &recipe)
        .failure()
        .stderr_has(message)
        .at(&format!("site.rhai:{line}:7"))
        .caret(line, 7, "m.host.app_config");
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
        "container `web_server` links to `cache`: unknown container `cache`",
        (&yaml, "web_server.links", "links: cache"),
        (&recipe, "m.containers.web_server.links", 24),
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
        "container `web_server` links to `app_server`: container `app_server` has instances; \
         name one of `app_server.instance1`, `app_server.instance2`",
        (&yaml, "web_server.links", "links: app_server"),
        (&recipe, "m.containers.web_server.links", 24),
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
        "container `web_server` joins network `backend`, which is not in the map's `networks`",
        (&yaml, "web_server.networks", "networks: backend"),
        (&recipe, "m.containers.web_server.networks", 24),
    );
}

#[test]
fn group_naming_an_unknown_container() {
    let yaml = format!("{}groups:\n  front: [web_server, cache]\n", site_yaml());
    let recipe = site_rhai_with("m.groups.front = [\"web_server\", \"cache\"];");
    assert_both_fail(
        "group `front` refers to unknown container `cache`",
        (&yaml, "groups.front", "front: [web_server, cache]"),
        (&recipe, "m.groups.front", 9),
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
    let message = "containers `site.proxy` and `site.web_server` both bind host port 80";
    check("site.yaml", &yaml).failure().stderr_has(message);
    check("site.rhai", &recipe).failure().stderr_has(message);
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
        .stderr_has(
            "containers `site.app_server.instance1` and `site.app_server.instance2` both bind host port 8000",
        )
        .at(&format!(
            "site.yaml: app_server.exposes (line {})",
            line_of(&yaml, "exposes: [[8000")
        ));
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
    for (name, text) in [("site.yaml", yaml.as_str()), ("site.rhai", recipe.as_str())] {
        let out = check(name, text);
        out.failure();
        let cycle = cycle_in(&out);
        assert!(
            cycle.contains(&"web_server") && cycle.iter().any(|c| c.starts_with("app_server")),
            "cycle {cycle:?} should run through web_server and app_server\n{out}"
        );
    }
}

/// The first cycle reported, as its list of nodes: `a -> b -> a` gives `[a, b, a]`.
#[track_caller]
fn cycle_in(out: &Out) -> Vec<&str> {
    let marker = "circular dependency `";
    let start = out
        .stderr
        .find(marker)
        .unwrap_or_else(|| panic!("no circular dependency reported\n{out}"))
        + marker.len();
    let end = start + out.stderr[start..].find('`').expect("closing backtick");
    let cycle: Vec<&str> = out.stderr[start..end].split(" -> ").collect();
    assert!(
        cycle.len() >= 3 && cycle.first() == cycle.last(),
        "not a cycle: {cycle:?}\n{out}"
    );
    cycle
}

#[test]
fn two_container_cycle_names_the_path() {
    let out = check(
        "cycle.yaml",
        "a:\n  image: nginx\n  links: b\nb:\n  image: nginx\n  links: a\n",
    );
    out.failure();
    let cycle = cycle_in(&out);
    assert!(
        cycle == ["a", "b", "a"] || cycle == ["b", "a", "b"],
        "{cycle:?}\n{out}"
    );
    out.stderr_has("container `a` has circular dependency");
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
        "container `web_server` extends unknown container `base`",
        (&yaml, "web_server.extends", "extends: base"),
        (&recipe, "m.containers.web_server.extends", 24),
    );
}

#[test]
fn unknown_field_in_yaml_names_key_path_and_line() {
    let yaml = replace_once(&site_yaml(), "  image: nginx\n", "  imgae: nginx\n");
    let line = line_of(&yaml, "imgae");
    assert_eq!(line, 5);
    check("site.yaml", &yaml)
        .failure()
        .stderr_has("error: container `web_server`: unknown container field `imgae` (did you mean `image`?)")
        .at("site.yaml: web_server.imgae (line 5)")
        .caret(5, 3, "  imgae: nginx");
}

#[test]
fn unknown_field_in_recipe_names_file_line_column_with_caret() {
    let recipe = replace_once(
        &site_rhai(),
        "m.containers.web_server.image = \"nginx\";",
        "m.containers.web_server.imgae = \"nginx\";",
    );
    check("site.rhai", &recipe)
        .failure()
        .stderr_has("error: container `web_server`: unknown container field `imgae` (did you mean `image`?)")
        .at("site.rhai:6:24")
        .caret(6, 24, "m.containers.web_server.imgae = \"nginx\";");
}

#[test]
fn unknown_map_property() {
    let yaml = replace_once(&site_yaml(), "repository:", "reposiotry:");
    check("site.yaml", &yaml)
        .failure()
        .stderr_has("unknown map property `reposiotry` (did you mean `repository`?)")
        .at("site.yaml: reposiotry (line 2)");
    let recipe = replace_once(&site_rhai(), "m.repository =", "m.reposiotry =");
    check("site.rhai", &recipe)
        .failure()
        .stderr_has("unknown map property `reposiotry` (did you mean `repository`?)")
        .at("site.rhai:3:2");
}

#[test]
fn values_of_the_wrong_shape() {
    let cases = [
        ("exposes", "\"http\"", "invalid port `http`"),
        ("stop_timeout", "\"soon\"", "invalid duration `soon`"),
        (
            "healthcheck",
            "[[\"CMD\", \"true\"], \"2 fortnights\"]",
            "invalid duration `2 fortnights`",
        ),
        ("network_mode", "\"a b\"", "invalid network mode `a b`"),
    ];
    for (field, value, problem) in cases {
        let message = format!("container `app_server`: `{field}`:");
        let yaml = replace_once(
            &site_yaml(),
            "  image: app\n",
            &format!("  image: app\n  {field}: {value}\n"),
        );
        let recipe = site_rhai_with(&format!("app.{field} = {value};"));
        let out = check("site.yaml", &yaml);
        out.failure().stderr_has(&message).stderr_has(problem);
        out.at(&format!(
            "site.yaml: app_server.{field} (line {})",
            line_of(&yaml, &format!("{field}: {value}"))
        ));
        let line = line_of(&recipe, &format!("app.{field} ="));
        check("site.rhai", &recipe)
            .failure()
            .stderr_has(&message)
            .stderr_has(problem)
            .at(&format!("site.rhai:{line}:4"));
    }
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
        .stderr_has("invalid container config name `web server`")
        .at("names.rhai:2:13");

    check("names.yaml", "web server:\n  image: nginx\n")
        .failure()
        .stderr_has("invalid container config name `web server`")
        .at("names.yaml: web server (line 1)");

    // `.` and `/` have a meaning in targets: not allowed in names either.
    let cases = [
        (
            r#"m.containers["web.x"].image = "nginx";"#,
            "container config name `web.x`",
        ),
        (r#"m.containers.web.instances = ["a b"];"#, "instance name `a b`"),
        (r#"m.volumes["my vol"] = "/x";"#, "volume alias name `my vol`"),
        (
            r#"m.networks["net work"] = #{ driver: "bridge" };"#,
            "network name `net work`",
        ),
        (r#"m.groups["g/1"] = ["web"];"#, "group name `g/1`"),
    ];
    for (stmt, name) in cases {
        check(
            "names.rhai",
            &format!("let m = container_map(\"s\");\n{stmt}\nm\n"),
        )
        .failure()
        .stderr_has(&format!("invalid {name}"));
    }
    check("names.rhai", "let m = container_map(\"bad name\");\nm\n")
        .failure()
        .stderr_has("invalid map name `bad name`")
        .at("names.rhai:1:9");
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
    out.failure()
        .stderr_has("links to `cache`")
        .stderr_has("joins network `backend`")
        .stderr_has("uses `app_sock`")
        .at(&format!(
            "site.yaml: web_server.links (line {})",
            line_of(&yaml, "links: cache")
        ))
        .at(&format!(
            "site.yaml: web_server.networks (line {})",
            line_of(&yaml, "networks: backend")
        ))
        .at(&format!(
            "site.yaml: web_server.uses (line {})",
            line_of(&yaml, "uses: app_sock")
        ));
    let errors = out.error_lines();
    assert_eq!(
        errors
            .iter()
            .filter(|l| l.contains("container `web_server`"))
            .count(),
        3,
        "{out}"
    );
    assert!(
        errors.len() <= 4,
        "at most a summary line besides the three problems\n{out}"
    );

    let recipe = site_rhai_with(
        "m.containers.web_server.links = \"cache\";\nm.containers.web_server.networks = \"backend\";\napp.uses = \"nothing\";",
    );
    let out = check("site.rhai", &recipe);
    out.failure()
        .stderr_has("container `web_server` links to `cache`")
        .stderr_has("container `web_server` joins network `backend`")
        .stderr_has("container `app_server` uses `nothing`");
    assert_eq!(
        out.error_lines()
            .iter()
            .filter(|l| l.starts_with("error: container"))
            .count(),
        3,
        "{out}"
    );
}

// ------------------------------------------------------------------------------------------------
// 3. YAML specifics
// ------------------------------------------------------------------------------------------------

#[test]
fn yaml_duplicate_key() {
    check("dup.yaml", "web:\n  image: nginx\n  image: httpd\n")
        .failure()
        .stderr_has("duplicate key `image`")
        .at("dup.yaml: web.image (line 3)");
    check(
        "dup.yaml",
        "web:\n  image: nginx\napp:\n  image: app\nweb:\n  image: httpd\n",
    )
    .failure()
    .stderr_has("duplicate key `web`")
    .at("dup.yaml: web (line 5)");
    // `80` and "80" are the same port.
    check(
        "dup.yaml",
        "web:\n  image: nginx\n  exposes:\n    80: 8080\n    \"80\": 8081\n",
    )
    .failure()
    .stderr_has("duplicate key `80`")
    .at("dup.yaml: web.exposes.80 (line 5)");
}

#[test]
fn yaml_unknown_tag() {
    check("tag.yaml", "web:\n  image: nginx\nhost_root: !pth /srv\n")
        .failure()
        .stderr_has("unknown tag `!pth`")
        .at("tag.yaml: host_root (line 3)");
}

#[test]
fn yaml_env_tag_with_unset_variable() {
    let var = "DMAP_CLI_TEST_UNSET_VAR_7F3A";
    let dir = tempdir();
    write(
        dir.path(),
        "env.yaml",
        &format!("web:\n  image: nginx\n  instances:\n  - a\n  - !env {var}\n"),
    );
    dmap(["check", "env.yaml"])
        .cwd(dir.path())
        .env_remove(var)
        .run()
        .failure()
        .stderr_has(&format!("environment variable `{var}` is not set"))
        .at("env.yaml: web.instances[1] (line 5)");
}

#[test]
fn yaml_env_tag_with_set_variable() {
    let var = "DMAP_CLI_TEST_IMAGE_B21C";
    let dir = tempdir();
    write(dir.path(), "env.yaml", &format!("web:\n  image: !env {var}\n"));
    let doc = dmap(["show", "--json", "env.yaml"])
        .cwd(dir.path())
        .env(var, "registry.test/env-image:1.2")
        .run()
        .success()
        .json();
    assert_eq!(container(&doc, "env.web")["image"], "registry.test/env-image:1.2");
}

#[test]
fn yaml_path_tag_expands_variables() {
    let var = "DMAP_CLI_TEST_ROOT_C93E";
    let dir = tempdir();
    write(
        dir.path(),
        "path.yaml",
        &format!(
            "host_root: !path ${var}/x\nweb:\n  image: nginx\n  binds: [cfg]\nvolumes:\n  cfg: /etc/cfg\nhost:\n  cfg: config\n"
        ),
    );
    let doc = dmap(["show", "--json", "path.yaml"])
        .cwd(dir.path())
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
    let dir = tempdir();
    write(
        dir.path(),
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
    let doc = dmap(["show", "--json", "nested.yaml"])
        .cwd(dir.path())
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
        .at("syntax.yaml:3:7")
        .caret(3, 7, "   bad: [1, 2");
}

#[test]
fn yaml_root_must_be_a_mapping() {
    check("list.yaml", "- web\n- app\n")
        .failure()
        .stderr_has("`list.yaml` does not contain a mapping at its top level (found a list)");
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
    .stderr_has("expecting ';'")
    .at("syn.rhai:3:1")
    .caret(3, 1, "m.containers.app.image");
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
        .stderr_has("error: container `web`: `stop_timeout`: invalid duration `soon`")
        .at("rt.rhai:3:21")
        .caret(3, 21, "    m.containers.web.stop_timeout")
        .stderr_has("note: in call to function `configure`")
        .at("rt.rhai:6:1");
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
    .stderr_has("division by zero")
    .at("rt.rhai:2:7")
    .stderr_has("note: in call to function `helper`")
    .at("rt.rhai:5:1");
}

#[test]
fn thrown_error_is_reported_with_its_position() {
    check(
        "thr.rhai",
        "let m = container_map(\"s\");\nthrow \"custom failure\";\n",
    )
    .failure()
    .stderr_has("custom failure")
    .at("thr.rhai:2:1");
}

#[test]
fn args_are_visible_to_the_recipe() {
    let dir = tempdir();
    write(
        dir.path(),
        "args.rhai",
        r#"let m = container_map("s");
if ARGS.len() != 2 { throw `expected 2 ARGS, got ${ARGS}`; }
m.containers[ARGS[0]].image = "nginx";
m.containers[ARGS[0]].exposes = [[80, parse_int(ARGS[1])]];
m
"#,
    );
    let doc = dmap(["show", "--json", "args.rhai", "web", "8080"])
        .cwd(dir.path())
        .run()
        .success()
        .json();
    let web = container(&doc, "s.web");
    assert_eq!(web["ports"][0]["host_port"], 8080, "{web:#}");
    dmap(["show", "args.rhai", "front", "9090"])
        .cwd(dir.path())
        .run()
        .success()
        .stdout_has("s.front")
        .stdout_has("port 80/tcp <- 9090");
    dmap(["check", "args.rhai"])
        .cwd(dir.path())
        .run()
        .failure()
        .stderr_has("expected 2 ARGS, got []");
}

#[test]
fn load_map_is_relative_to_the_recipe() {
    let dir = tempdir();
    write(dir.path(), "recipes/sub/site.yaml", &site_yaml());
    write(
        dir.path(),
        "recipes/load.rhai",
        "let m = load_map(\"sub/site.yaml\");\nm\n",
    );
    std::fs::create_dir(dir.path().join("elsewhere")).unwrap();
    let doc = dmap(["show", "--json", "../recipes/load.rhai"])
        .cwd(dir.path().join("elsewhere"))
        .run()
        .success()
        .json();
    assert_eq!(map_names(&doc), ["site"]);
    assert_eq!(
        without_origins(&doc),
        without_origins(
            &dmap([
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
    let dir = tempdir();
    write(dir.path(), "sub/bad.yaml", "web:\n  imgae: nginx\n");
    write(dir.path(), "lb.rhai", "let m = load_map(\"sub/bad.yaml\");\nm\n");
    dmap(["check", "lb.rhai"])
        .cwd(dir.path())
        .run()
        .failure()
        .stderr_has("unknown container field `imgae` (did you mean `image`?)")
        .at("sub/bad.yaml: web.imgae (line 2)");
}

#[test]
fn import_is_relative_to_the_importing_file() {
    let dir = tempdir();
    // main.rhai imports lib/a, which imports "b": lib/b.rhai, not the b.rhai next to main.rhai.
    write(dir.path(), "recipes/b.rhai", "fn img() { \"wrong-b\" }\n");
    write(dir.path(), "recipes/lib/b.rhai", "fn img() { \"from-b\" }\n");
    write(
        dir.path(),
        "recipes/lib/a.rhai",
        "import \"b\" as b;\nfn img() { b::img() + \"-via-a\" }\n",
    );
    write(
        dir.path(),
        "recipes/main.rhai",
        r#"import "lib/a" as a;
let m = container_map("s");
m.containers.web.image = a::img();
m
"#,
    );
    std::fs::create_dir(dir.path().join("elsewhere")).unwrap();
    let doc = dmap(["show", "--json", "../recipes/main.rhai"])
        .cwd(dir.path().join("elsewhere"))
        .run()
        .success()
        .json();
    assert_eq!(container(&doc, "s.web")["image"], "from-b-via-a:latest");
}

#[test]
fn import_from_dmap_path() {
    let dir = tempdir();
    write(
        dir.path(),
        "main.rhai",
        r#"import "acme/naming" as naming;
let m = container_map("s");
m.containers.web.image = naming::image("web");
m
"#,
    );
    let dmap_path =
        std::env::join_paths([dir.path().join("no-such-folder"), fixture("cli/dmap_path")]).unwrap();
    let doc = dmap(["show", "--json", "main.rhai"])
        .cwd(dir.path())
        .env("DMAP_PATH", &dmap_path)
        .run()
        .success()
        .json();
    assert_eq!(container(&doc, "s.web")["image"], "registry.acme.test/web:stable");
    // Without DMAP_PATH the library is not found.
    dmap(["check", "main.rhai"])
        .cwd(dir.path())
        .run()
        .failure()
        .stderr_has("library `acme/naming` not found");
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
        .stderr_has("library `nowhere/lib` not found")
        .stderr_has("next to the importing file")
        .stderr_has("stdlib")
        .at("imp.rhai:1:8");
    let dir = tempdir();
    write(dir.path(), "imp.rhai", recipe);
    dmap(["check", "imp.rhai"])
        .cwd(dir.path())
        .env("DMAP_PATH", fixture("cli/dmap_path"))
        .run()
        .failure()
        .stderr_has("library `nowhere/lib` not found")
        .stderr_has("next to the importing file")
        .stderr_has("DMAP_PATH")
        .stderr_has("stdlib");
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
    check("all.rhai", &bad)
        .failure()
        .stderr_has("links to `ghost`")
        .at("all.rhai:4:17");
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
    .stderr_has("container `web` links to `ghost`: unknown container `ghost`")
    .stderr_lacks("let an invalid map pass");
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

#[test]
fn endless_loop_is_stopped_with_a_lowered_limit() {
    let out = dmap(["check".as_ref(), fixture("cli/endless_loop.rhai").as_os_str()])
        .env("DMAP_MAX_OPERATIONS", "2000000")
        .run();
    out.failure().stderr_has("too many operations");
    assert!(out.elapsed < SANDBOX_DEADLINE, "took {:?}", out.elapsed);
}

#[test]
fn endless_loop_is_stopped_with_the_default_limit() {
    let out = dmap(["show".as_ref(), fixture("cli/endless_loop.rhai").as_os_str()]).run();
    out.failure()
        .stderr_has("too many operations")
        .stderr_has("endless_loop.rhai:");
    assert!(out.elapsed < SANDBOX_DEADLINE, "took {:?}", out.elapsed);
}

#[test]
fn runaway_recursion_is_stopped() {
    let out = check("recurse.rhai", "fn f(n) { f(n + 1) }\nf(0);\n");
    out.failure().stderr_has("too deeply").at("recurse.rhai:2:1");
    assert!(out.elapsed < SANDBOX_DEADLINE, "took {:?}", out.elapsed);
}

#[test]
fn string_doubled_forever_is_stopped() {
    let out = check("double.rhai", "let s = \"x\";\nloop { s += s; }\n");
    out.failure().stderr_has("too large");
    assert!(out.elapsed < SANDBOX_DEADLINE, "took {:?}", out.elapsed);
    let out = check("double.rhai", "let a = [1];\nloop { a += a; }\n");
    out.failure().stderr_has("too large");
    assert!(out.elapsed < SANDBOX_DEADLINE, "took {:?}", out.elapsed);
}

// ------------------------------------------------------------------------------------------------
// 6. Command-line usage
// ------------------------------------------------------------------------------------------------

#[test]
fn usage_errors_exit_2() {
    dmap::<_, &str>([]).run().usage_error().stderr_has("Usage");
    dmap(["frob", "x.rhai"]).run().usage_error().stderr_has("frob");
    dmap(["check"]).run().usage_error().stderr_has("FILE");
    dmap(["show", "--json"]).run().usage_error().stderr_has("FILE");
    dmap(["show", "--bogus", "x.rhai"])
        .run()
        .usage_error()
        .stderr_has("--bogus");
}

#[test]
fn help_exits_0() {
    dmap(["--help"])
        .run()
        .success()
        .stdout_has("check")
        .stdout_has("show")
        .stdout_has("run");
    dmap(["check", "--help"]).run().success().stdout_has("FILE");
}

#[test]
fn help_lists_every_verb_the_exit_codes_and_an_example_per_verb() {
    let out = dmap(["--help"]).run();
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
        dmap([verb, "--help"])
            .run()
            .success()
            .stdout_has("Example:")
            .stdout_has(&format!("dmap {verb}"));
    }
    dmap(["ps", "--help"]).run().success().stdout_has("dmap status");
}

#[test]
fn completions_are_printed_for_each_shell() {
    for (shell, marker) in [
        ("bash", "complete -F"),
        ("zsh", "#compdef dmap"),
        ("fish", "complete -c dmap"),
    ] {
        let out = dmap(["completions", shell]).run();
        out.success().stdout_has(marker).stdout_has("force-recreate");
    }
    dmap(["completions", "tcsh"])
        .run()
        .usage_error()
        .stderr_has("tcsh");
}

#[test]
fn verbs_check_the_map_in_full_before_any_engine_is_contacted() {
    // DOCKER_HOST points where no Engine listens: each verb reports the map's problems (all of
    // them), not an unreachable Engine.
    let dir = tempdir();
    write(
        dir.path(),
        "bad.rhai",
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
        dmap(&args)
            .cwd(dir.path())
            .run()
            .failure()
            .stderr_has("`nope`")
            .stderr_has("`gone`")
            .stderr_has("bad.rhai:2:");
    }
    // An unknown map prefix is a usage error naming the maps.
    dmap(["up", "bad.rhai", "other/web"])
        .cwd(dir.path())
        .run()
        .usage_error()
        .stderr_has("no map `other`");
    dmap(["up", "bad.rhai", "__all__/nope"])
        .cwd(dir.path())
        .run()
        .usage_error()
        .stderr_has("target `__all__/nope`: no map has `nope`");
}

#[test]
fn missing_file_is_named() {
    let dir = tempdir();
    for name in ["nope.yaml", "nope.rhai"] {
        for verb in ["check", "show"] {
            dmap([verb, name])
                .cwd(dir.path())
                .run()
                .failure()
                .stderr_has(&format!("`{name}`"));
        }
    }
}

#[test]
fn show_text_lists_containers_in_start_order() {
    let out = dmap(["show".as_ref(), fixture("site/literal.rhai").as_os_str()]).run();
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
    let dir = tempdir();
    write(dir.path(), "r.rhai", PRINT_ARGS);
    // `--json` after an argument is still `show`'s flag.
    let out = dmap(["show", "r.rhai", "x", "--json"]).cwd(dir.path()).run();
    out.success();
    assert!(out.stderr.contains("ARGS [\"x\"]"), "{out}");
    out.json();
    // `--dry-run` after an argument is still `run`'s flag: nothing is passed to the recipe.
    let out = dmap(["run", "r.rhai", "x", "--dry-run"]).cwd(dir.path()).run();
    out.success().stdout_has("ARGS [\"x\"]");
    // After `--`, anything is an argument.
    let out = dmap(["run", "r.rhai", "--", "--dry-run", "-v"])
        .cwd(dir.path())
        .run();
    out.success().stdout_has("ARGS [\"--dry-run\", \"-v\"]");
    // An unknown flag is an error that says how to pass it.
    let out = dmap(["run", "r.rhai", "--bogus"]).cwd(dir.path()).run();
    out.code(2).stderr_has("--bogus").stderr_has("--");
}

#[test]
fn yaml_files_are_read_as_yaml_by_extension_and_run_says_what_to_do() {
    let dir = tempdir();
    let yaml = "web:\n  image: nginx\n";
    for name in ["site.yaml", "SITE.YML", "Site.Yaml"] {
        write(dir.path(), name, yaml);
        dmap(["check", name])
            .cwd(dir.path())
            .run()
            .success()
            .stdout_has("map `");
        dmap(["show", "--json", name])
            .cwd(dir.path())
            .run()
            .success()
            .json();
    }
    dmap(["run", "site.yaml"])
        .cwd(dir.path())
        .run()
        .code(2)
        .stderr_has("`site.yaml` is a docker-map YAML map, not a recipe")
        .stderr_has("load_map(\"site.yaml\")");
}

#[test]
fn an_unknown_extends_does_not_hide_the_other_problems() {
    let out = check(
        "m.yaml",
        "web:\n  extends: bse\n  links: nope\napp:\n  uses: missing\n",
    );
    out.failure()
        .stderr_has("container `web` extends unknown container `bse`")
        .stderr_has("`nope`")
        .stderr_has("`missing`");
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
        .stderr_has(
            "container `i.web` binds port 80/tcp to interface `public`, which client `default` does not define (its `interfaces` are `private`)",
        )
        .stderr_has("i.rhai:3:");
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
    out.failure()
        .stderr_has("unknown map property `volumse` (did you mean `volumes`?)")
        .stderr_has("m.yaml: volumse (line 2)");
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
    .stderr_has("function `startpu` not found for arguments (MappingClient, string) (did you mean `startup`?")
    .stderr_has("`startup(MappingClient, any) -> array`")
    .stderr_has("f.rhai:2:3");
    check(
        "k.rhai",
        "let c = mapping_client(container_map(\"k\"), #{ default: docker() });\n",
    )
    .failure()
    .stderr_has(
        "`default` is a reserved word in Rhai: as an object-map key, quote it (`#{ \"default\": ... }`)",
    );
    check(
        "p.rhai",
        "let d = docker(#{ interfaces: #{ private: \"10.0.0.5\" } });\n",
    )
    .failure()
    .stderr_has("quote it (`#{ \"private\": ... }`)");
    let dir = tempdir();
    write(
        dir.path(),
        "lib/k.rhai",
        "const UID = 2000;\nexport const GID = 2000;\n",
    );
    write(
        dir.path(),
        "c.rhai",
        "import \"lib/k\" as k;\nlet g = k::GID;\nlet u = k::UID;\n",
    );
    dmap(["check", "c.rhai"])
        .cwd(dir.path())
        .run()
        .failure()
        .stderr_has("`k::UID` not found: library `k` has no exported `UID`")
        .stderr_has("`export const UID = ...;`")
        .stderr_has("c.rhai:3:");
    // In an object-map literal the caret points at the field.
    let out = check("o.rhai", "let m = container_map(\"o\");\nm.containers.app = #{\n    image: \"app\",\n    instanses: [\"a\"],\n};\n");
    out.failure()
        .stderr_has("unknown container field `instanses`")
        .stderr_has("o.rhai:4:5");
    let out = check(
        "l.rhai",
        "let m = container_map(\"l\", #{ web: #{ imgae: \"x\" } });\n",
    );
    out.failure()
        .stderr_has("unknown container field `imgae`")
        .stderr_has("l.rhai:1:39");
}

#[test]
fn an_unreachable_engine_is_named_in_plain_words() {
    let dir = tempdir();
    write(
        dir.path(),
        "u.rhai",
        "let m = container_map(\"u\");\nm.containers.web = #{ image: \"x\" };\nlet c = mapping_client(m);\nc.startup(\"__all__\");\n",
    );
    // DOCKER_HOST points at a port where nothing listens.
    let out = dmap(["run", "u.rhai"]).cwd(dir.path()).run();
    out.failure()
        .stderr_has("error: cannot connect to the Docker Engine at tcp://127.0.0.1:9: connection refused")
        .stderr_has("u.rhai:4:3");
    assert!(
        !out.stderr.contains("hyper") && !out.stderr.contains("client error"),
        "{out}"
    );
}

#[test]
fn recipes_read_the_environment() {
    let dir = tempdir();
    write(
        dir.path(),
        "e.rhai",
        "print(`${env(\"DMAP_TEST_SET\")} ${env(\"DMAP_TEST_UNSET\", \"fallback\")}`);\nlet x = env(\"DMAP_TEST_UNSET\");\n",
    );
    dmap(["run", "e.rhai"])
        .cwd(dir.path())
        .env("DMAP_TEST_SET", "given")
        .env_remove("DMAP_TEST_UNSET")
        .run()
        .failure()
        .stdout_has("given fallback")
        .stderr_has("environment variable `DMAP_TEST_UNSET` is not set")
        .stderr_has("e.rhai:2:9");
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
    let dir = tempdir();
    write(
        dir.path(),
        "old.rhai",
        "let m = container_map(\"old\");\nm.containers.web = #{ image: \"x\" };\nmapping_client(m).startup(\"web\");\n",
    );
    dmap(["run", "old.rhai"])
        .cwd(dir.path())
        .env("DOCKER_HOST", format!("tcp://127.0.0.1:{port}"))
        .run()
        .failure()
        .stderr_has(&format!(
            "error: the Docker Engine at tcp://127.0.0.1:{port} speaks API 1.40; dmap needs API 1.41 (Docker 20.10) or newer"
        ));
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
        .stderr_has("container `web` runs on client `edge`, which the mapping client does not have (it has `default`)")
        .stderr_has("c.rhai:3:");
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
    .stderr_has("volume `create_options` key `size` is not supported (dmap sends `labels`)")
    .stderr_has("v.rhai:2:");
    check(
        "n.rhai",
        "let m = container_map(\"n\");\nm.networks.net = #{ create_options: #{ ipam: #{} } };\n",
    )
    .failure()
    .stderr_has("network `create_options` key `ipam` is not supported (dmap sends `attachable`, `enable_ipv6`, `labels`)");
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
        .stderr_has("unknown map property `volumse` (did you mean `volumes`?)")
        .stderr_has("m.yaml: volumse (line 1)");
    check(
        "r.rhai",
        "container_map(\"r\", #{ netwroks: #{}, web: #{ image: \"x\" } })\n",
    )
    .failure()
    .stderr_has("unknown map property `netwroks` (did you mean `networks`?)");
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
    let dir = tempdir();
    write(dir.path(), "t.rhai", recipe);
    let out = dmap(["run", "t.rhai"]).cwd(dir.path()).run();
    out.success()
        .stdout_has("caught: cannot connect to the Docker Engine at tcp://127.0.0.1:9: connection refused")
        .stdout_has("message: cannot connect to the Docker Engine")
        .stdout_has("caught: unknown target `nope`");
}
