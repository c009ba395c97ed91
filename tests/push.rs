//! Declared images pushed to a registry (`dmap push`, `up --push`) and pulled from one that asks
//! for credentials, with the user's `config.json`: against Debian's `docker-registry` on
//! 127.0.0.1, open and with basic authentication.

use std::io::{Read as _, Write as _};
use std::net::TcpStream;
use std::time::Duration;

use base64::Engine as _;

use crate::support::harness::{Output, Test};
use crate::support::registry::Registry;
use crate::support::DockerTest;

/// alice's password is `s3cret` (bcrypt, as `htpasswd -B` writes it).
const USERS: &str = "alice:$2b$12$VV30wx5GSI.o41fs0La/m.s1No.SBU9mDkBUHMud5vvgufx7Bqx9G\n";

/// A map in the registry `ARGS[1]` declaring image `app` (FROM scratch, the host's busybox) and
/// running it; `ARGS[2]`, when given, changes the image.
const RECIPE: &str = r#"
import "dmap/busybox" as busybox;
let m = container_map(ARGS[0]);
m.repository = ARGS[1];
let df = busybox::dockerfile("scratch", "/bin/busybox");
if ARGS.len() > 2 { df.writeline(`LABEL change=${ARGS[2]}`); }
m.images.app = df;
m.containers.app = #{ image: "app", stop_signal: "SIGKILL", create_options: #{ command: ["sleep", "3600"] } };
mapping_client(m);
"#;

/// The tags the registry holds of `repository`, as its API lists them.
fn tags(registry: &Registry, repository: &str, user: Option<&str>) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", registry.port)).expect("connect to the registry");
    stream
        .set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let auth = user
        .map(|u| {
            format!(
                "Authorization: Basic {}\r\n",
                base64::engine::general_purpose::STANDARD.encode(u)
            )
        })
        .unwrap_or_default();
    write!(
        stream,
        "GET /v2/{repository}/tags/list HTTP/1.0\r\nHost: {}\r\n{auth}\r\n",
        registry.host()
    )
    .expect("ask the registry");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read the answer");
    response.split("\r\n\r\n").nth(1).unwrap_or_default().to_string()
}

struct Setup {
    t: DockerTest,
    dir: tempfile::TempDir,
    registry: Registry,
}

impl Setup {
    fn new(test: &str, registry: Registry) -> Setup {
        let dir = tempfile::tempdir().expect("tempdir");
        std::fs::write(dir.path().join("r.rhai"), RECIPE).expect("write the recipe");
        Setup {
            t: DockerTest::new(test),
            dir,
            registry,
        }
    }

    /// `dmap --progress plain VERB... -a MAP -a REGISTRY [-a CHANGE] r.rhai`, with
    /// `DOCKER_CONFIG` the test's own directory (its `config.json`, when one is written).
    fn dmap(&self, verb: &[&str], change: Option<&str>) -> Output {
        let mut args: Vec<String> = vec!["--progress".into(), "plain".into()];
        args.extend(verb.iter().map(|s| s.to_string()));
        args.extend([
            "-a".into(),
            self.t.name.clone(),
            "-a".into(),
            self.registry.host(),
        ]);
        if let Some(c) = change {
            args.extend(["-a".into(), c.to_string()]);
        }
        args.push("r.rhai".into());
        Test::in_dir(self.dir.path())
            .engine()
            .env("DOCKER_CONFIG", self.dir.path().join("docker"))
            .args(args)
            .run()
    }

    fn reference(&self) -> String {
        format!("{}/app:latest", self.registry.host())
    }

    /// Writes `config.json` as `docker login` would for this registry.
    fn login(&self, user_password: &str) {
        let dir = self.dir.path().join("docker");
        std::fs::create_dir_all(&dir).expect("config dir");
        let auth = base64::engine::general_purpose::STANDARD.encode(user_password);
        std::fs::write(
            dir.join("config.json"),
            format!(
                r#"{{"auths": {{"{}": {{"auth": "{auth}"}}}}}}"#,
                self.registry.host()
            ),
        )
        .expect("write config.json");
    }
}

impl Drop for Setup {
    /// Every image of the registry's `app` repository, the versions a rebuild untagged too.
    fn drop(&mut self) {
        let repository = format!("{}/app", self.registry.host());
        let listed = std::process::Command::new("docker")
            .args(["images", "--format", "{{.ID}} {{.Repository}}"])
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).into_owned())
            .unwrap_or_default();
        for line in listed.lines() {
            if let Some((id, repo)) = line.split_once(' ') {
                if repo == repository {
                    let _ = std::process::Command::new("docker")
                        .args(["rmi", "-f", id])
                        .output();
                }
            }
        }
    }
}

#[test]
fn push_builds_what_is_not_up_to_date_and_pushes_and_up_push_pushes_after_building() {
    let s = Setup::new("push_open", Registry::start());
    let reference = s.reference();
    let out = s.dmap(&["push"], None);
    out.success();
    assert!(
        out.stderr
            .contains(&format!("build {reference}: image `app`: absent")),
        "{out}"
    );
    assert!(
        out.stderr.contains(&format!("push {reference}: dmap push")),
        "{out}"
    );
    assert!(tags(&s.registry, "app", None).contains("\"latest\""), "pushed");

    // Up to date: pushed again, not built.
    let out = s.dmap(&["push"], None);
    out.success();
    assert!(!out.stderr.contains("build "), "{out}");
    assert!(out.stderr.contains(&format!("push {reference}")), "{out}");

    // up --push: a changed image is built, its container recreated, the image pushed.
    let out = s.dmap(&["up", "--push"], Some("1"));
    out.success();
    assert!(
        out.stderr
            .contains(&format!("build {reference}: image `app`: context changed")),
        "{out}"
    );
    assert!(out.stderr.contains(&format!("push {reference}: --push")), "{out}");
    s.dmap(&["down"], None).success();
}

#[test]
fn a_registry_that_asks_for_credentials_gets_those_of_config_json_for_push_and_pull() {
    let s = Setup::new("push_auth", Registry::start_with_users(USERS));
    let reference = s.reference();
    // No credentials: the registry's refusal, in the push step's error.
    let out = s.dmap(&["push"], None);
    out.failure();
    assert!(
        out.stderr.contains(&format!(
            "pushing `{reference}` failed: no basic auth credentials (there are no credentials for `{}` in the docker config: `docker login {}`)",
            s.registry.host(),
            s.registry.host()
        )),
        "{out}"
    );
    assert!(
        tags(&s.registry, "app", Some("alice:s3cret")).contains("NAME_UNKNOWN"),
        "nothing pushed"
    );

    s.login("alice:s3cret");
    s.dmap(&["push"], None).success();
    assert!(tags(&s.registry, "app", Some("alice:s3cret")).contains("\"latest\""));

    // A private image pulled with the same credentials: gone locally, `up` of a map that only
    // names it pulls it.
    let out = std::process::Command::new("docker")
        .args(["rmi", "-f", &reference])
        .output()
        .expect("docker rmi");
    assert!(out.status.success());
    let recipe = format!(
        "let m = container_map(ARGS[0]);\nm.containers.app = #{{ image: \"{reference}\", stop_signal: \"SIGKILL\", create_options: #{{ command: [\"sleep\", \"3600\"] }} }};\nmapping_client(m);\n"
    );
    std::fs::write(s.dir.path().join("pull.rhai"), recipe).expect("write");
    let up = |verb: &str| {
        Test::in_dir(s.dir.path())
            .engine()
            .env("DOCKER_CONFIG", s.dir.path().join("docker"))
            .args(["--progress", "plain", verb, "-a", &s.t.name, "pull.rhai"])
            .run()
    };
    let out = up("up");
    out.success();
    assert!(out.stderr.contains(&format!("pull {reference}: absent")), "{out}");
    up("down").success();
}
