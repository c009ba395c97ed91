//! Every recipe in scripts/ and every library in stdlib/ is loaded and checked by the real binary.

use std::path::Path;
use std::process::Command;

const DMAP: &str = env!("CARGO_BIN_EXE_dmap");

#[track_caller]
fn dmap_ok(args: &[&str]) -> String {
    let out = Command::new(DMAP)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .output()
        .expect("dmap runs");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "dmap {args:?} failed:\n{stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");
    String::from_utf8_lossy(&out.stdout).into_owned()
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
