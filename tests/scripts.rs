//! Every recipe in scripts/ and every library in stdlib/ is loaded and checked by the real binary.

use std::path::Path;

use crate::support::harness::Test;

/// `dmap ARGS` in the repository, which must succeed; its stdout.
#[track_caller]
fn dmap_ok(args: &[&str]) -> String {
    let out = Test::in_dir(env!("CARGO_MANIFEST_DIR")).args(args).run();
    out.success();
    out.stdout
}

#[test]
fn every_script_checks_and_shows() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("scripts");
    let mut seen = 0;
    for entry in std::fs::read_dir(&dir).expect("scripts/ exists") {
        let path = entry.expect("readable entry").path();
        if path.extension().and_then(|e| e.to_str()) != Some("rhai") {
            continue;
        }
        let rel = format!(
            "scripts/{}",
            path.file_name().and_then(|n| n.to_str()).unwrap_or_default()
        );
        let checked = dmap_ok(&["check", &rel]);
        assert!(checked.contains("is valid"), "{rel}: {checked}");
        let json = dmap_ok(&["show", "--json", &rel]);
        let doc: serde_json::Value = serde_json::from_str(&json).expect("show --json prints JSON");
        assert!(
            !doc["maps"].as_array().is_none_or(Vec::is_empty),
            "{rel} shows no maps"
        );
        seen += 1;
    }
    assert!(seen > 0, "no recipes in scripts/");
}

#[test]
fn demo_takes_its_port_from_args() {
    let json = dmap_ok(&["show", "--json", "scripts/demo.rhai", "9090"]);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let web = doc["maps"][0]["containers"]
        .as_array()
        .and_then(|cs| cs.iter().find(|c| c["name"] == "demo.web"))
        .cloned()
        .expect("demo.web");
    assert_eq!(web["ports"][0]["host_port"], 9090);
    assert_eq!(web["ports"][0]["interface"], "127.0.0.1");
    // dependencies first: the app instances start before web
    let order = |name: &str| {
        doc["maps"][0]["containers"]
            .as_array()
            .and_then(|cs| cs.iter().find(|c| c["name"] == name))
            .and_then(|c| c["start_order"].as_u64())
            .expect("start order")
    };
    assert!(order("demo.cache") < order("demo.app.a"));
    assert!(order("demo.app.b") < order("demo.web"));
}

#[test]
fn stdlib_libraries_load_and_work() {
    let dir = tempfile::tempdir().expect("tempdir");
    let recipe = dir.path().join("lib.rhai");
    std::fs::write(
        &recipe,
        r#"
import "dmap/shell" as sh;
import "dmap/users" as users;
let m = container_map("lib");
m.containers.web.exec_commands = [
    sh::chown("app:app", "/srv/my dir"),
    sh::rm("it's"),
    sh::mkdir_chown("/data", 2000),
    users::add_user_cmd("app", 2000),
];
m
"#,
    )
    .expect("write recipe");
    let json = dmap_ok(&["show", "--json", recipe.to_str().expect("utf-8 path")]);
    let doc: serde_json::Value = serde_json::from_str(&json).expect("JSON");
    let cmds: Vec<String> = doc["maps"][0]["containers"][0]["exec_commands"]
        .as_array()
        .expect("exec commands")
        .iter()
        .map(|c| c["cmd"].as_str().unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        cmds,
        [
            "chown -R app:app '/srv/my dir'",
            "rm -rf 'it'\\''s'",
            "mkdir -p /data && chown 2000:2000 /data && chmod ug=rwX,o=rX /data",
            "addgroup -S -g 2000 app && adduser -S -D -H -u 2000 -G app -s /bin/false app",
        ]
    );
}

/// The README's first command: `dmap run scripts/demo.rhai` builds the demo's image FROM scratch
/// (no registry), brings its four containers up and serves the page; again, it changes nothing.
#[test]
fn the_demo_builds_its_image_brings_the_stack_up_and_then_changes_nothing() {
    use crate::support::recipe::{free_port, http_get, Leftovers};
    let t = crate::support::DockerTest::new("demo");
    let _built = Leftovers {
        images: vec![format!("{}-busybox:latest", t.name)],
        volumes: Vec::new(),
    };
    // Dropped first: the containers go before their image.
    let t = t;
    let port = free_port().to_string();
    let run = || {
        Test::in_dir(env!("CARGO_MANIFEST_DIR"))
            .engine()
            .args(["run", "scripts/demo.rhai", &port, &t.name])
            .run()
    };
    let out = run();
    out.success();
    assert!(
        out.stderr.contains(&format!(
            "  build {}-busybox:latest: image `{}-busybox`: absent",
            t.name, t.name
        )),
        "{out}"
    );
    let rt = crate::support::runtime();
    rt.block_on(async {
        let mut running: Vec<String> = t
            .containers()
            .await
            .into_iter()
            .filter(|c| c.state == Some(bollard::models::ContainerSummaryStateEnum::RUNNING))
            .filter_map(|c| c.names.and_then(|n| n.first().cloned()))
            .collect();
        running.sort();
        let want: Vec<String> = ["app.a", "app.b", "cache", "web"]
            .iter()
            .map(|c| format!("/{}.{c}", t.name))
            .collect();
        assert_eq!(running, want);
    });
    assert!(http_get(port.parse().expect("port")).contains("Hello from the dmap demo"));
    let again = run();
    again.success();
    assert_eq!(again.stderr, "  up to date\n", "{again}");
}

/// Each template writes one RUN line, exactly so (the image tests run them in a real build).
#[test]
fn stdlib_templates_render_one_run_line_each() {
    let dir = Test::new().file(
        "t.rhai",
        r#"
import "dmap/packages" as packages;
import "dmap/files" as files;
import "dmap/users" as users;
let df = dockerfile("alpine:3.20");
packages::apk_install(df, ["tini", "curl"]);
packages::apt_install(df, "tini");
files::mkdirs(df, ["/srv/a", "/srv/b c"], "app", "0750");
files::chown(df, [1000, 1000], "/srv");
users::create_group(df, "data", 4000);
users::add_to_group(df, "app", "data");
let m = container_map("t");
m.images.t = df;
m
"#,
    );
    let out = dir.clone().args(["dockerfile", "t.rhai"]).run();
    out.success();
    let runs: Vec<&str> = out.stdout.lines().filter(|l| l.starts_with("RUN ")).collect();
    assert_eq!(
        runs,
        [
            "RUN apk add --no-cache tini curl",
            "RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends tini && apt-get clean && rm -rf /var/lib/apt/lists/*",
            "RUN mkdir -p /srv/a && chown app:app /srv/a && chmod 0750 /srv/a && mkdir -p '/srv/b c' && chown app:app '/srv/b c' && chmod 0750 '/srv/b c'",
            "RUN chown -R 1000:1000 /srv",
            "RUN mkdir -p /etc && { [ -e /etc/group ] || echo 'root:x:0:' > /etc/group; } && { grep -q '^data:' /etc/group || echo 'data:x:4000:' >> /etc/group; } && { [ ! -f /etc/gshadow ] || grep -q '^data:' /etc/gshadow || echo 'data:!::' >> /etc/gshadow; }",
            "RUN grep -q '^data:' /etc/group || { echo 'no group data in /etc/group' >&2; exit 1; } && awk -F: -v OFS=: -v g='data' -v u='app' '$1 == g { n = split($4, m, \",\"); f = 0; for (i = 1; i <= n; i++) if (m[i] == u) f = 1; if (!f) $4 = ($4 == \"\" ? u : $4 \",\" u) } { print }' /etc/group > /etc/group.dmap && cat /etc/group.dmap > /etc/group && rm -f /etc/group.dmap",
        ]
    );
    // Bad input names itself.
    dir.file(
        "bad.rhai",
        "import \"dmap/users\" as users;\nlet df = dockerfile(\"scratch\");\nusers::create_user(df, \"App\", 2000);\n",
    )
    .args(["check", "bad.rhai"])
    .run()
    .failure()
    // The library's own frames are its business: the message and the recipe's call.
    .stderr_has("error: recipe raised: user name `App` is not a valid name ([a-z_][a-z0-9_-]*)\n")
    .stderr_has("note: in call to function `create_user`\n  --> bad.rhai:3:8\n");
}
