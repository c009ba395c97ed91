//! Images against the Engine: DockerFiles built FROM scratch with the host's static busybox
//! through dmap's own build path, the stdlib templates verified inside the built image, build
//! failures named by their step and recipe line, maps that rebuild and recreate when their
//! context changes (volume data intact), and builds cancelled with the process.

use std::time::{Duration, Instant};

use crate::support::recipe::*;
use crate::support::*;

/// What every recipe here starts with: `base(name)` is FROM scratch plus busybox and its applet
/// links, labelled for the test (so its cleanup removes every image built, each step's too);
/// `image` is the test's image name.
const BASE: &str = r#"
fn base(name) {
    let df = dockerfile("scratch");
    df.writeline("LABEL dmap.test=" + name);
    df.add_file("/bin/busybox", "/bin/busybox");
    df.writeline(`RUN ["/bin/busybox", "--install", "-s", "/bin"]`);
    df.run("mkdir -p /tmp && chmod 1777 /tmp");
    df
}
let image = m.name + "-app";
"#;

fn recipe(t: &DockerTest, body: &str) -> Recipe {
    Recipe::new(t, "unused", &format!("{BASE}{body}"))
}

fn image_of(t: &DockerTest) -> String {
    format!("{}-app:latest", t.name)
}

async fn sh(t: &DockerTest, container: &str, script: &str) -> String {
    let (code, output) = t.exec_output(container, &["sh", "-c", script]).await;
    assert_eq!(code, 0, "`{script}` in {container}: {output}");
    output.trim().to_string()
}

const TEMPLATES: &str = r#"
import "dmap/users" as users;
import "dmap/files" as files;
import "dmap/packages" as packages;
let df = base(m.name);
users::create_user(df, "app", 2000);
users::create_user(df, "app", 2000);
users::create_group(df, "data", 4000);
users::create_user(df, "bob", 2001, #{ gid: 3000, group: "staff", home: "/nonexistent", groups: ["data"] });
users::add_to_group(df, "app", "data");
files::mkdir(df, "/srv/data", "app", "0750");
files::add_owned(df, "site", "/srv/site", "bob:staff");
df.add_file("fake-apt-get", "/usr/bin/apt-get");
df.run("mkdir -p /var/lib/apt/lists && touch /var/lib/apt/lists/stale");
packages::install(df, ["curl", "tini"]);
df.command = ["sleep", "3600"];
m.images[image] = df;
m.containers.box = #{ image: image };
m.containers.as_app = #{ image: image, user: "app" };
show(mapping_client(m).startup());
"#;

#[test]
fn stdlib_templates_make_users_groups_and_directories_in_a_scratch_busybox_image() {
    let rt = runtime();
    let t = DockerTest::new("images_templates");
    let r = recipe(&t, TEMPLATES);
    std::fs::create_dir(r.dir.path().join("site")).unwrap();
    std::fs::write(r.dir.path().join("site/index.html"), "hi\n").unwrap();
    let fake = r.dir.path().join("fake-apt-get");
    std::fs::write(&fake, "#!/bin/sh\necho \"apt-get $*\" >> /apt.log\n").unwrap();
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(&fake, std::fs::Permissions::from_mode(0o755)).unwrap();

    let out = r.run("startup");
    out.success();
    assert_eq!(
        out.steps_of(&image_of(&t), "build")[0].reason,
        format!("image `{}-app`: absent", t.name),
        "{out}"
    );
    rt.block_on(async {
        let boxed = n(&t, "box");
        // No /etc/passwd existed: the templates wrote it with sh alone, root first.
        assert_eq!(
            sh(&t, &boxed, "id root").await,
            "uid=0(root) gid=0(root) groups=0(root)"
        );
        assert_eq!(
            sh(&t, &boxed, "id app").await,
            "uid=2000(app) gid=2000(app) groups=2000(app),4000(data)"
        );
        assert_eq!(
            sh(&t, &boxed, "id bob").await,
            "uid=2001(bob) gid=3000(staff) groups=3000(staff),4000(data)"
        );
        assert_eq!(
            sh(&t, &boxed, "grep -c '^app:' /etc/passwd").await,
            "1",
            "create_user twice adds one user"
        );
        assert_eq!(
            sh(&t, &boxed, "stat -c '%U:%G %a' /home/app /srv/data").await,
            "app:app 755\napp:app 750"
        );
        assert_eq!(
            sh(&t, &boxed, "stat -c '%U:%G' /srv/site/index.html").await,
            "bob:staff"
        );
        assert_eq!(sh(&t, &boxed, "test -e /nonexistent || echo none").await, "none");
        // A container running as the user the image made.
        assert_eq!(sh(&t, &n(&t, "as_app"), "id -u; id -gn").await, "2000\napp");
        // packages: one RUN, lists cleaned in it.
        assert_eq!(
            sh(&t, &boxed, "cat /apt.log; ls -A /var/lib/apt/lists | wc -l").await,
            "apt-get update\napt-get install -y --no-install-recommends curl tini\napt-get clean\n0"
        );
    });
    let history = std::process::Command::new("docker")
        .args([
            "history",
            "--no-trunc",
            "--format",
            "{{.CreatedBy}}",
            &image_of(&t),
        ])
        .output()
        .unwrap();
    let history = String::from_utf8_lossy(&history.stdout);
    let install: Vec<&str> = history.lines().filter(|l| l.contains("apt-get update")).collect();
    assert_eq!(install.len(), 1, "{history}");
    assert!(install[0].contains("rm -rf /var/lib/apt/lists/*"), "{history}");
}

const CHANGING: &str = r#"
let df = base(m.name);
df.add_file("site", "/srv/site");
df.command = ["sh", "-c", "cat /srv/site/index.html; exec sleep 3600"];
m.images[image] = df;
m.volumes.data = "/data";
m.containers.web = #{ image: image, attaches: "data" };
m.containers.other = #{ image: image, links: "web" };
let c = mapping_client(m);
if phase == "plan" {
    show(c.plan("update", "__all__"));
} else {
    show(c.update("__all__"));
}
"#;

#[test]
fn a_changed_context_rebuilds_and_recreates_with_volume_data_intact_and_an_unchanged_one_costs_nothing() {
    let rt = runtime();
    let t = DockerTest::new("images_context_change");
    let r = recipe(&t, CHANGING);
    let site = r.dir.path().join("site");
    std::fs::create_dir(&site).unwrap();
    std::fs::write(site.join("index.html"), "one\n").unwrap();
    let out = r.run("update");
    out.success();
    assert_eq!(out.steps_of(&image_of(&t), "build").len(), 1, "{out}");
    let web = n(&t, "web");
    rt.block_on(async {
        sh(&t, &web, "echo kept > /data/file").await;
        assert_eq!(sh(&t, &web, "cat /srv/site/index.html").await, "one");
    });
    let web_id = rt.block_on(t.inspect(&web)).id;

    // Unchanged: no build (no upload), nothing recreated.
    let out = r.run("update");
    out.success();
    assert_no_steps(&out);
    assert!(!out.stderr.contains("building"), "{out}");

    // A changed file: `plan` says why, `update` rebuilds and recreates both containers.
    std::fs::write(site.join("index.html"), "two\n").unwrap();
    let out = r.run("plan");
    out.success();
    let planned = out.steps_of(&image_of(&t), "build");
    assert_eq!(planned.len(), 1, "{out}");
    assert!(
        planned[0]
            .reason
            .starts_with(&format!("image `{}-app`: context changed (sha256:", t.name)),
        "{out}"
    );
    assert!(planned[0].reason.contains("… → sha256:"), "{out}");
    let dry = r.dry_run("update");
    dry.success();
    assert!(
        dry.stderr.contains(&format!("would build {}", image_of(&t))),
        "{dry}"
    );

    let out = r.run("update");
    out.success();
    assert_eq!(
        out.steps_of(&web, "recreate")[0].reason,
        format!("image `{}-app` rebuilt", t.name),
        "{out}"
    );
    assert_eq!(out.steps_of(&n(&t, "other"), "recreate").len(), 1, "{out}");
    rt.block_on(async {
        assert_ne!(t.inspect(&web).await.id, web_id);
        assert_eq!(sh(&t, &web, "cat /srv/site/index.html").await, "two");
        assert_eq!(
            sh(&t, &web, "cat /data/file").await,
            "kept",
            "named volume data survives the rebuild"
        );
    });
    assert_no_steps(&r.run("update"));
}

const FAILING: &str = r#"
fn broken(df) {
    df.run("echo making; echo it breaks >&2; exit 3");
}
let df = base(m.name);
broken(df);
df.run("echo never");
docker().build(df, image);
"#;

#[test]
fn a_failed_build_names_its_step_exit_code_output_and_recipe_lines_and_leaves_no_containers() {
    let rt = runtime();
    let t = DockerTest::new("images_build_failure");
    let r = recipe(&t, FAILING);
    // BuildKit counts the Dockerfile's instructions; the classic builder adds a step for the
    // labels it is given.
    for (builder, step) in [("buildkit", "6/7"), ("classic", "6/8")] {
        let mut args = vec!["--builder".to_string(), builder.to_string()];
        args.extend(r.args(false, "build", &[]));
        let out = Test::in_dir(r.dir.path()).engine().args(args).run();
        out.failure();
        let text = &out.stderr;
        assert!(
            text.contains(&format!(
                "error: failed to build image `{}`: step {step} `RUN echo making; echo it breaks >&2; exit 3` (written at r.rhai:",
                image_of(&t)
            )),
            "{out}"
        );
        assert!(
            // stdout and stderr of the step, in whichever order the Engine sent them
            text.contains("failed with exit code 3\n    | making\n    | it breaks\n")
                || text.contains("failed with exit code 3\n    | it breaks\n    | making\n"),
            "{out}"
        );
        // the call, the line that wrote the step, the template call
        let line_of = |needle: &str| {
            let body = std::fs::read_to_string(r.dir.path().join("r.rhai")).unwrap();
            body.lines()
                .position(|l| l.contains(needle))
                .map(|i| i + 1)
                .unwrap()
        };
        assert!(
            text.contains(&format!("--> r.rhai:{}:", line_of("docker().build"))),
            "{out}"
        );
        assert!(
            text.contains(&format!(
                "note: step {step} of `{}` was written here\n  --> r.rhai:{}:",
                image_of(&t),
                line_of("exit 3")
            )),
            "{out}"
        );
        assert!(
            text.contains(&format!(
                "note: in the template called here\n  --> r.rhai:{}:",
                line_of("broken(df);")
            )),
            "{out}"
        );
        // forcerm (BuildKit runs its steps outside containers): the failed step's container is
        // gone, and no image was tagged
        rt.block_on(async {
            assert!(t.containers().await.is_empty());
        });
        let tagged = std::process::Command::new("docker")
            .args(["image", "inspect", &image_of(&t)])
            .output()
            .unwrap();
        assert!(!tagged.status.success());
    }
}

/// Whether a process of this machine has `marker` in its command line (a BuildKit step runs
/// outside any container the Engine lists).
fn process_with(marker: &str) -> bool {
    std::fs::read_dir("/proc").unwrap().flatten().any(|p| {
        std::fs::read(p.path().join("cmdline")).is_ok_and(|c| String::from_utf8_lossy(&c).contains(marker))
    })
}

#[test]
fn killing_dmap_mid_build_cancels_the_build_on_the_engine() {
    let rt = runtime();
    let t = DockerTest::new("images_cancel");
    let marker = format!("{}-sleeping", t.name);
    let r = recipe(
        &t,
        r#"
let df = base(m.name);
df.run("sleep 60; echo " + m.name + "-sleeping");
docker().build(df, image);
"#,
    );
    for builder in ["buildkit", "classic"] {
        // The step runs: in a container of its own under the classic builder, as a process of
        // BuildKit's under BuildKit...
        let running = || async {
            if builder == "classic" {
                !t.containers().await.is_empty()
            } else {
                process_with(&marker)
            }
        };
        let mut args = vec!["--builder".to_string(), builder.to_string()];
        args.extend(r.args(false, "build", &[]));
        let mut child = Test::in_dir(r.dir.path()).engine().args(args).spawn();
        let started = child.started();
        rt.block_on(async {
            while !running().await {
                assert!(
                    started.elapsed() < Duration::from_secs(30),
                    "the {builder} build never reached its RUN"
                );
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        });
        child.kill();
        child.finish();
        // ...and is gone soon after the connection drops, long before `sleep 60` would end.
        let killed = Instant::now();
        rt.block_on(async {
            while running().await {
                assert!(
                    killed.elapsed() < Duration::from_secs(30),
                    "the {builder} build went on after dmap died"
                );
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        });
        let tagged = std::process::Command::new("docker")
            .args(["image", "inspect", &image_of(&t)])
            .output()
            .unwrap();
        assert!(!tagged.status.success());
    }
}

const VERBS: &str = r#"
let df = base(m.name);
df.add_file("site", "/srv/site");
df.command = ["sleep", "3600"];
m.images[image] = df;
let extra = dockerfile("scratch");
extra.writeline("LABEL dmap.test=" + m.name);
extra.add_file("site/index.html", "/index.html");
m.images[image + "-extra"] = extra;
let ctx = docker_context(extra);
ctx.add("site", "more");
ctx.save("out/ctx.tar.gz");
m.containers.web = #{ image: image };
mapping_client(m);
"#;

#[test]
fn dmap_dockerfile_prints_and_dmap_build_builds_the_declared_images() {
    let t = DockerTest::new("images_verbs");
    let extra = format!("{}-app-extra:latest", t.name);
    let r = recipe(&t, VERBS);
    std::fs::create_dir(r.dir.path().join("site")).unwrap();
    std::fs::write(r.dir.path().join("site/index.html"), "hi\n").unwrap();
    let dmap = |args: &[&str]| {
        let mut all: Vec<String> = args.iter().map(|s| s.to_string()).collect();
        all.extend(["-a", &t.name, "-a", "unused", "-a", "verbs"].map(String::from));
        Test::in_dir(r.dir.path()).engine().args(all).run()
    };

    // One image: its Dockerfile as is.
    let out = dmap(&["dockerfile", "r.rhai", &format!("{}-app-extra", t.name)]);
    out.success();
    assert_eq!(
        out.stdout,
        format!(
            "FROM scratch\n\nLABEL dmap.test={}\nADD /index.html /index.html\n",
            t.name
        ),
        "{out}"
    );
    // All of them, each under a header; nothing was written by the recipe's `ctx.save`.
    let out = dmap(&["dockerfile", "r.rhai"]);
    out.success();
    assert!(
        out.stdout.starts_with(&format!(
            "# image `{}-app` ({}) of map `{}`\nFROM scratch\n",
            t.name,
            image_of(&t),
            t.name
        )),
        "{out}"
    );
    assert!(
        out.stdout.contains(&format!(
            "\n# image `{}-app-extra` ({extra}) of map `{}`\n",
            t.name, t.name
        )),
        "{out}"
    );
    assert!(
        !r.dir.path().join("out").exists(),
        "dockerfile evaluates as check does: no saves"
    );
    let out = dmap(&["dockerfile", "r.rhai", "nope"]);
    assert_eq!(out.code, Some(2), "{out}");
    assert!(
        out.stderr.contains(&format!(
            "no image `nope` is declared in `r.rhai` (declared: `{}-app`, `{}-app-extra`)",
            t.name, t.name
        )),
        "{out}"
    );

    // Build one by name, then all; the Engine has them, labelled with their digests.
    let out = dmap(&["build", "r.rhai", &format!("{}-app", t.name)]);
    out.success();
    assert!(
        out.stderr
            .contains(&format!("  build {}: dmap build", image_of(&t))),
        "{out}"
    );
    assert!(!out.stderr.contains(&extra), "{out}");
    // Each builder's own progress, per step: BuildKit's (the default) numbers its steps.
    let out = dmap(&["build", "-v", "r.rhai"]);
    out.success();
    assert!(
        out.stderr
            .lines()
            .any(|l| l.starts_with(&format!("  {extra} | #"))
                && l.ends_with(" [1/1] ADD /index.html /index.html")),
        "{out}"
    );
    let out = dmap(&["--builder", "classic", "build", "-v", "r.rhai"]);
    out.success();
    assert!(
        out.stderr
            .contains(&format!("  {extra} | Step 3/4 : ADD /index.html /index.html")),
        "{out}"
    );
    for image in [image_of(&t), extra.clone()] {
        let label = std::process::Command::new("docker")
            .args([
                "image",
                "inspect",
                "--format",
                "{{index .Config.Labels \"dmap.context\"}}",
                &image,
            ])
            .output()
            .unwrap();
        assert!(
            String::from_utf8_lossy(&label.stdout).starts_with("sha256:"),
            "{image}"
        );
    }

    // The saved context under `dmap run`: gzipped, the Dockerfile last.
    let out = r.run("verbs");
    out.success();
    let listing = std::process::Command::new("tar")
        .args(["tzf", "out/ctx.tar.gz"])
        .current_dir(r.dir.path())
        .output()
        .unwrap();
    assert_eq!(
        String::from_utf8_lossy(&listing.stdout),
        "index.html\nmore/\nmore/index.html\nDockerfile\n"
    );
}

/// `.dockerignore` cases, each a tree (directories end with `/`) and the file.
const IGNORE_CASES: &[(&[&str], &str)] = &[
    (
        &[
            ".git/",
            ".git/config",
            ".include",
            "dir2/",
            "dir2/sub/",
            "dir2/sub/testfile",
            "dir3/",
            "dir3/drop/",
            "dir3/drop/testfile",
            "dir3/drop/this",
            "dir3/keep/",
            "dir3/keep/testfile",
            "dir3/unrelated/",
            "dir3/unrelated/file",
            "test/",
            "test/.root",
        ],
        ".*\n!.include\n!test/.root\ndir3/**\n!dir3\n*/*/testfile\n!dir3/*/testfile\ndir3/drop/*\n",
    ),
    (
        &["build/", "build/keep", "build/out.o", "src/", "src/a.rs"],
        "build\n!**/keep\n",
    ),
    (
        &["build/", "build/keep", "build/out.o", "src/", "src/a.rs"],
        "build\n!build/keep\n",
    ),
    (&["a/", "a/b/", "a/b/c", "a/d"], "a\n!a/b\na\n"),
    (
        &[
            "a.log",
            "keep.log",
            "logs/",
            "logs/x.log",
            "logs/keep.log",
            "src/",
            "src/b.log",
            "src/main.rs",
        ],
        "**/*.log\n!keep.log\n",
    ),
    (
        &["logs/", "logs/x.log", "logs/keep.log", "other"],
        "logs\n!logs/keep.log\n",
    ),
    (
        &["README.md", "src/", "src/a.rs", "docs/", "docs/x.md"],
        "*\n!src\n",
    ),
    (
        &["# notes", "notes", "x1", "x2", "x10", "y", "sub/", "sub/x1"],
        "# notes\n #notes\nx?\n[y]\n/sub/*\n",
    ),
    (&["dir/", "dir/file", "dirx", "abs"], "dir/\n/abs\n"),
];

/// The names in a tree listing with their parent directories (a tar need not list a directory
/// whose entries it holds; an extracted tree has it), without what each side adds (the
/// Dockerfile, `.dockerignore`).
fn sent_names(lines: impl Iterator<Item = String>) -> Vec<String> {
    let mut names = std::collections::BTreeSet::new();
    for line in lines {
        let name = line.trim_end_matches('/');
        if name.is_empty()
            || name == "Dockerfile"
            || name == ".dockerignore"
            || name.starts_with(".dockerfile.")
        {
            continue;
        }
        for (i, _) in name.match_indices('/') {
            names.insert(name[..i].to_string());
        }
        names.insert(name.to_string());
    }
    names.into_iter().collect()
}

/// `docker build` (the docker CLI sends the context) is the oracle for what dmap puts in a context.
#[test]
fn dockerignore_is_what_docker_build_sends() {
    let t = DockerTest::new("images_dockerignore");
    let image = busybox_image();
    let root = tempfile::tempdir().unwrap();
    let mut handles = Vec::new();
    for (i, (tree, ignore)) in IGNORE_CASES.iter().enumerate() {
        let dir = root.path().join(format!("case{i}"));
        let ctx = dir.join("ctx");
        std::fs::create_dir_all(&ctx).unwrap();
        for entry in *tree {
            match entry.strip_suffix('/') {
                Some(d) => std::fs::create_dir_all(ctx.join(d)).unwrap(),
                None => std::fs::write(ctx.join(entry), "x").unwrap(),
            }
        }
        std::fs::write(ctx.join(".dockerignore"), ignore).unwrap();
        std::fs::write(
            dir.join("Dockerfile"),
            format!("FROM {image}\nLABEL {}={}\nCOPY . /ctx\nRUN cd /ctx && find . -mindepth 1 | sed 's#^\\./#SENT #'\n", TEST_LABEL, t.name),
        )
        .unwrap();
        std::fs::write(
            dir.join("ctx.rhai"),
            "let ctx = docker_context(dockerfile(\"scratch\"));\nctx.add(\"ctx\", \".\");\nctx.save(\"dmap.tar\");\n",
        )
        .unwrap();
        let dir = dir.clone();
        handles.push(std::thread::spawn(move || {
            let docker = std::process::Command::new("docker")
                .args(["build", "--no-cache", "-f", "Dockerfile", "ctx"])
                .env("DOCKER_BUILDKIT", "0")
                .current_dir(&dir)
                .output()
                .unwrap();
            let log = String::from_utf8_lossy(&docker.stdout).into_owned();
            assert!(
                docker.status.success(),
                "{log}{}",
                String::from_utf8_lossy(&docker.stderr)
            );
            let by_docker = sent_names(
                log.lines()
                    .filter_map(|l| l.strip_prefix("SENT "))
                    .map(str::to_string),
            );
            Test::in_dir(&dir)
                .engine()
                .args(["run", "ctx.rhai"])
                .run()
                .success();
            let bytes = std::fs::read(dir.join("dmap.tar")).unwrap();
            let mut archive = tar::Archive::new(&bytes[..]);
            let by_dmap = sent_names(
                archive
                    .entries()
                    .unwrap()
                    .map(|e| e.unwrap().path().unwrap().to_string_lossy().into_owned()),
            );
            (by_docker, by_dmap)
        }));
    }
    for ((tree, ignore), handle) in IGNORE_CASES.iter().zip(handles) {
        let (by_docker, by_dmap) = handle.join().unwrap();
        assert_eq!(by_dmap, by_docker, "tree {tree:?} with .dockerignore {ignore:?}");
    }
    drop(t);
}

/// A TCP port that forwards to the local Engine's socket, counting the bytes sent to the Engine.
fn tcp_proxy() -> (u16, std::sync::Arc<std::sync::atomic::AtomicU64>) {
    use std::io::{Read, Write};
    use std::sync::atomic::{AtomicU64, Ordering};
    let socket = std::env::var("DOCKER_HOST")
        .ok()
        .and_then(|h| h.strip_prefix("unix://").map(str::to_string))
        .unwrap_or_else(|| "/var/run/docker.sock".to_string());
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let sent = std::sync::Arc::new(AtomicU64::new(0));
    let counter = sent.clone();
    std::thread::spawn(move || {
        for client in listener.incoming() {
            let Ok(mut client) = client else { return };
            let Ok(mut engine) = std::os::unix::net::UnixStream::connect(&socket) else {
                return;
            };
            let (mut client_back, mut engine_back) =
                (client.try_clone().unwrap(), engine.try_clone().unwrap());
            let counter = counter.clone();
            std::thread::spawn(move || {
                let mut buf = vec![0u8; 64 * 1024];
                while let Ok(n) = client.read(&mut buf) {
                    if n == 0 || engine.write_all(&buf[..n]).is_err() {
                        break;
                    }
                    counter.fetch_add(n as u64, Ordering::Relaxed);
                }
                let _ = engine.shutdown(std::net::Shutdown::Write);
            });
            std::thread::spawn(move || {
                let _ = std::io::copy(&mut engine_back, &mut client_back);
                let _ = client_back.shutdown(std::net::Shutdown::Write);
            });
        }
    });
    (port, sent)
}

/// A context (`docker_context` plus `ctx.add`) built over TCP, with an extra tag.
#[test]
fn over_tcp_the_context_travels_gzipped() {
    let t = DockerTest::new("images_tcp_gzip");
    let (port, sent) = tcp_proxy();
    let r = recipe(
        &t,
        &format!(
            r#"
let df = base(m.name);
df.writeline("COPY big.txt /big.txt");
let ctx = docker_context(df);
ctx.add("big.txt", "big.txt");
docker(#{{ base_url: "tcp://127.0.0.1:{port}" }}).build(ctx, image, [image + ":v2"]);
"#
        ),
    );
    // 8 MB of text that compresses well.
    let line = "the quick brown fox jumps over the lazy dog 0123456789\n";
    std::fs::write(
        r.dir.path().join("big.txt"),
        line.repeat(8 * 1024 * 1024 / line.len()),
    )
    .unwrap();
    let out = r.run("build");
    out.success();
    let upload = sent.load(std::sync::atomic::Ordering::Relaxed);
    // busybox (2 MB, compresses to about half) and the text, gzipped.
    assert!(
        upload < 3 * 1024 * 1024,
        "{upload} bytes went to the Engine\n{out}"
    );
    let size = std::process::Command::new("docker")
        .args(["run", "--rm", &image_of(&t), "sh", "-c", "wc -c < /big.txt"])
        .output()
        .unwrap();
    let size: usize = String::from_utf8_lossy(&size.stdout).trim().parse().unwrap_or(0);
    assert_eq!(size, line.len() * (8 * 1024 * 1024 / line.len()));
    // The extra tag names the same image.
    let ids: Vec<String> = [image_of(&t), format!("{}-app:v2", t.name)]
        .iter()
        .map(|tag| {
            let out = std::process::Command::new("docker")
                .args(["image", "inspect", "--format", "{{.Id}}", tag])
                .output()
                .unwrap();
            String::from_utf8_lossy(&out.stdout).trim().to_string()
        })
        .collect();
    assert!(!ids[0].is_empty() && ids[0] == ids[1], "{ids:?}");
    drop(t);
}

#[test]
fn check_finds_missing_sources_and_clashing_declarations_without_an_engine() {
    let dir = tempfile::tempdir().unwrap();
    let check = |body: &str| {
        std::fs::write(dir.path().join("r.rhai"), body).unwrap();
        Test::in_dir(dir.path()).args(["check", "r.rhai"]).run()
    };
    let out = check(
        "let df = dockerfile(\"scratch\");\ndf.add_file(\"app\", \"/srv/app\");\nlet m = container_map(\"m\");\nm.images.app = df;\nm.containers.app.image = \"app\";\nmapping_client(m).startup();\n",
    );
    out.failure();
    out.stderr_has("error: image `app`: `app` does not exist (added at r.rhai:2:4)\n  --> r.rhai:2:4");
    // With no action in the recipe too: check looks at the images its maps declare.
    let out = check(
        "let df = dockerfile(\"scratch\");\ndf.add_file(\"app\", \"/srv/app\");\nlet m = container_map(\"m\");\nm.images.app = df;\nm.containers.app.image = \"app\";\nmapping_client(m);\n",
    );
    out.failure();
    out.stderr_has("error: image `app`: `app` does not exist (added at r.rhai:2:4)");

    let out = check(
        "let a = container_map(\"a\");\na.images.web = dockerfile(\"scratch\");\nlet b = container_map(\"b\");\nb.images.web = dockerfile(\"busybox\");\nmapping_client([a, b]).startup();\n",
    );
    out.failure();
    out.stderr_has(
        "image `web:latest` is declared twice with different contexts (as `web` in map `a` at r.rhai:2:",
    );
    out.stderr_has("  --> r.rhai:4:");

    // A directory context next to a recipe named by a relative path of another directory.
    std::fs::create_dir_all(dir.path().join("sub/ctx")).unwrap();
    std::fs::write(dir.path().join("sub/ctx/Dockerfile"), "FROM scratch\n").unwrap();
    std::fs::write(
        dir.path().join("sub/r.rhai"),
        "let m = container_map(\"m\");\nm.images.app = build_context(\"ctx\");\nmapping_client(m);\n",
    )
    .unwrap();
    let out = Test::in_dir(dir.path()).args(["check", "sub/r.rhai"]).run();
    out.success();
}
