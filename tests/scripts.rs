//! Every recipe in scripts/ and every library in stdlib/ is loaded and checked by the real binary.

use std::path::Path;

use crate::support::harness::{unindent, Test};

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
/// around this machine's static busybox (no registry), brings its four containers up and serves
/// the page; again, it changes nothing.
#[test]
fn the_demo_builds_its_image_brings_the_stack_up_and_then_changes_nothing() {
    use crate::support::recipe::{free_port, Leftovers};
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
            .env_remove("DMAP_DEMO_BUSYBOX")
            .env_remove("DMAP_DEMO_BASE")
            .args(["run", "scripts/demo.rhai", &port, &t.name])
            .run()
    };
    let out = run();
    out.success();
    assert_eq!(
        out.stdout, "demo image: FROM scratch around the static /bin/busybox of this machine\n",
        "{out}"
    );
    assert!(
        out.stderr.contains(&format!(
            "  build {}-busybox:latest: image `{}-busybox`: absent",
            t.name, t.name
        )),
        "{out}"
    );
    assert_the_demo_runs(&t, &port);
    let again = run();
    again.success();
    assert_eq!(again.stderr, "  up to date\n", "{again}");
}

/// On a machine without a static busybox, the demo builds FROM the Docker Hub's `busybox`: here
/// `DMAP_DEMO_BUSYBOX` is empty (no static busybox), and `DMAP_DEMO_BASE` names the image in a
/// local registry standing in for the Hub (the busybox fixture, FROM scratch around the static
/// busybox, pushed there and absent from the Engine), so the build has to pull it.
#[test]
fn without_a_static_busybox_the_demo_pulls_a_busybox_base_and_comes_up() {
    use crate::support::recipe::{free_port, Leftovers};
    use crate::support::registry::{image_present, push_fixture, Registry, RemoveTag};
    let registry = Registry::start();
    let t = crate::support::DockerTest::new("demo-pull");
    let repository = format!("{}/{}/busybox", registry.host(), t.name);
    let base = format!("{repository}:1.37.0");
    // Dropped after the containers and the demo's image: the pulled base's tag.
    let _pulled = RemoveTag(base.clone());
    let _built = Leftovers {
        images: vec![format!("{}-busybox:latest", t.name)],
        volumes: Vec::new(),
    };
    let t = t;
    push_fixture(&repository, "1.37.0");
    assert!(!image_present(&base), "{base} is still tagged locally");
    let port = free_port().to_string();
    let out = Test::in_dir(env!("CARGO_MANIFEST_DIR"))
        .engine()
        .env("DMAP_DEMO_BUSYBOX", "")
        .env("DMAP_DEMO_BASE", &base)
        .args(["run", "scripts/demo.rhai", &port, &t.name])
        .timeout(std::time::Duration::from_secs(180))
        .run();
    out.success();
    assert_eq!(
        out.stdout,
        format!("demo image: FROM {base}, pulled when missing (DMAP_DEMO_BUSYBOX is empty)\n"),
        "{out}"
    );
    // BuildKit pulls the base into its own store (the classic builder into the Engine's
    // images): the build names it resolved to the digest the registry serves.
    assert!(
        image_present(&base) || out.stderr.contains(&format!("] FROM {base}@sha256:")),
        "the build did not pull {base}\n{out}"
    );
    assert_the_demo_runs(&t, &port);
}

/// The demo's four containers run, and web serves the page on `port`.
#[track_caller]
fn assert_the_demo_runs(t: &crate::support::DockerTest, port: &str) {
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
    let page = crate::support::recipe::http_get(port.parse().expect("port"));
    assert!(page.contains("Hello from the dmap demo"), "{page}");
}

/// `dmap/busybox` builds FROM scratch around a static busybox (the Docker tests need Debian's
/// busybox-static at /bin/busybox), else from the image given.
#[test]
fn stdlib_busybox_chooses_the_static_busybox_else_the_image() {
    let dir = Test::new().file(
        "b.rhai",
        r#"
import "dmap/busybox" as busybox;
let dynamic = "/bin/sh";    // Debian's dash links the C library
for host in ["/bin/busybox", dynamic, "", "/nonexistent"] {
    print(`${host}: ${busybox::base(host, "busybox:1.37.0")}`);
}
let m = container_map("b");
m.images.s = busybox::dockerfile(busybox::base("/bin/busybox", "busybox:1.37.0"), "/bin/busybox");
m.images.p = busybox::dockerfile(busybox::base("", "busybox:1.37.0"), "");
m
"#,
    );
    dir.clone()
        .args(["check", "b.rhai"])
        .run()
        .success()
        // `check` keeps stdout for its report: the recipe's output is on stderr
        .stderr(&unindent(
            "
            /bin/busybox: scratch
            /bin/sh: busybox:1.37.0
            : busybox:1.37.0
            /nonexistent: busybox:1.37.0
            ",
        ));
    let out = dir.args(["dockerfile", "b.rhai"]).run();
    out.success();
    let instructions: Vec<&str> = out
        .stdout
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .collect();
    assert_eq!(
        instructions,
        [
            "FROM busybox:1.37.0",
            "FROM scratch",
            "ADD /bin/busybox /bin/busybox",
            "RUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]",
        ],
        "{out}"
    );
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
