//! BuildKit against the Engine: `RUN --mount` of a cache (kept from one build to the next), of
//! the context (bind) and of a tmpfs, independent stages built at once, `target`, progress per
//! step, build secrets from a file and from the environment (never shown, never in the image);
//! and what no builder dmap runs can build, refused before any Engine is contacted.

use crate::support::recipe::*;
use crate::support::*;

/// A directory context (`build_context`) with the host's static busybox: `final` uses three
/// kinds of mounts and copies from two stages that each take a second, `after` follows it and
/// is not built when `target` is `final`.
const DOCKERFILE: &str = r#"
FROM scratch AS base
COPY busybox /bin/busybox
RUN ["/bin/busybox", "--install", "-s", "/bin"]

FROM base AS left
RUN sleep 1 && echo left CACHE > /left

FROM base AS right
RUN sleep 1 && echo right CACHE > /right

FROM base AS final
COPY data.txt /data.txt
RUN --mount=type=cache,id=CACHE,target=/cache echo run >> /cache/runs && wc -l < /cache/runs > /runs
RUN --mount=type=bind,source=data.txt,target=/mnt/data.txt cp /mnt/data.txt /copied
RUN --mount=type=tmpfs,target=/scratch echo gone > /scratch/t && grep -q ' /scratch tmpfs ' /proc/mounts && touch /tmpfs-was-mounted
COPY --from=left /left /left
COPY --from=right /right /right
CMD ["sleep", "3600"]

FROM base AS after
RUN touch /after
"#;

const RECIPE: &str = r#"
let m = container_map(ARGS[0]);
let image = m.name + "-app";
m.images[image] = build_context(".", #{
    dockerfile_inline: DOCKERFILE,
    target: "final",
    labels: #{ "dmap.test": m.name },
});
m.containers.app = #{ image: image };
mapping_client(m).startup();
"#;

/// Removes BuildKit's cache mounts (the test's cache is its only one with its ID, but the
/// Engine filters them only by kind).
struct CacheMounts;

impl Drop for CacheMounts {
    fn drop(&mut self) {
        let _ = std::process::Command::new("docker")
            .args(["builder", "prune", "-f", "--filter", "type=exec.cachemount"])
            .output();
    }
}

#[test]
fn buildkit_mounts_a_cache_the_context_and_a_tmpfs_builds_stages_at_once_and_stops_at_target() {
    let rt = runtime();
    let t = DockerTest::new("buildkit_mounts");
    let _cache = CacheMounts;
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("/bin/busybox", dir.path().join("busybox")).unwrap();
    std::fs::write(dir.path().join("data.txt"), "first\n").unwrap();
    let dockerfile = DOCKERFILE.replace("CACHE", &t.name);
    let recipe = RECIPE.replace("DOCKERFILE", &format!("{dockerfile:?}"));
    std::fs::write(dir.path().join("r.rhai"), recipe).unwrap();
    let up = || {
        Test::in_dir(dir.path())
            .engine()
            .args(["--progress", "json", "run", "r.rhai", &t.name])
            .run()
    };
    let container = format!("{}.app", t.name);

    let out = up();
    out.success();
    // The two stages ran at once: each had started before either was done.
    let lines: Vec<String> = out
        .stderr
        .lines()
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter(|e| e["event"] == "output")
        .map(|e| e["line"].as_str().unwrap_or_default().to_string())
        .collect();
    // `#N [STAGE i/n] INSTRUCTION`, and where it is among the lines
    let step = |instruction: &str| -> (String, usize) {
        let at = lines
            .iter()
            .position(|l| l.ends_with(instruction))
            .unwrap_or_else(|| panic!("no step `{instruction}`:\n{out}"));
        (lines[at].split(' ').next().unwrap().to_string(), at)
    };
    let (left, left_at) = step(&format!("] RUN sleep 1 && echo left {} > /left", t.name));
    let (right, right_at) = step(&format!("] RUN sleep 1 && echo right {} > /right", t.name));
    let first_done = lines
        .iter()
        .position(|l| l.starts_with(&format!("{left} DONE")) || l.starts_with(&format!("{right} DONE")))
        .unwrap_or_else(|| panic!("the stages never finished:\n{out}"));
    assert!(
        left_at.max(right_at) < first_done,
        "the stages ran one after the other:\n{out}"
    );
    // `target`: the stage after `final` was not built.
    assert!(!lines.iter().any(|l| l.contains("touch /after")), "{out}");

    let sh = |script: &str| {
        rt.block_on(async {
            let (code, output) = t.exec_output(&container, &["sh", "-c", script]).await;
            assert_eq!(code, 0, "`{script}`: {output}");
            output.trim().to_string()
        })
    };
    assert_eq!(
        sh("cat /runs /copied /left /right"),
        format!("1\nfirst\nleft {}\nright {}", t.name, t.name)
    );
    assert_eq!(
        sh("test -e /tmpfs-was-mounted && ! test -e /scratch/t && ! test -e /after && echo ok"),
        "ok"
    );

    // A changed context runs the cache step again, which finds what the first run left.
    std::fs::write(dir.path().join("data.txt"), "second\n").unwrap();
    let out = up();
    out.success();
    assert_eq!(sh("cat /runs /copied"), "2\nsecond", "{out}");
}

#[test]
fn what_no_builder_can_build_is_a_check_error_at_its_recipe_line() {
    let dir = tempfile::tempdir().unwrap();
    let check = |flags: &[&str], body: &str| {
        std::fs::write(dir.path().join("r.rhai"), body).unwrap();
        let mut args: Vec<&str> = flags.to_vec();
        args.extend(["check", "r.rhai"]);
        Test::in_dir(dir.path()).args(args).run()
    };
    let secret = "let df = dockerfile(\"scratch\");\ndf.writeline(\"RUN --mount=type=secret,id=token cat /run/secrets/token\");\nlet m = container_map(\"m\");\nm.images.app = df;\nm.containers.app.image = \"app\";\nmapping_client(m);\n";
    let out = check(&[], secret);
    out.failure();
    assert_eq!(
        out.stderr,
        "error: image `app`: `RUN --mount=type=secret` (Dockerfile line 3): the build is given no secret `token` (the `secrets` of `build_context`, or of a Compose `build`)\n  --> r.rhai:2:4\n   |\n 2 | df.writeline(\"RUN --mount=type=secret,id=token cat /run/secrets/token\");\n   |    ^\n",
        "{out}"
    );

    let cache = "let df = dockerfile(\"scratch\");\ndf.writeline(\"RUN --mount=type=cache,target=/c make\");\nlet m = container_map(\"m\");\nm.images.app = df;\nm.containers.app.image = \"app\";\nmapping_client(m);\n";
    check(&[], cache).success();
    let out = check(&["--builder", "classic"], cache);
    out.failure();
    assert_eq!(
        out.stderr,
        "error: image `app`: `RUN --mount=type=cache` (Dockerfile line 3): it needs BuildKit, and the classic builder is chosen by `--builder classic`\n  --> r.rhai:2:4\n   |\n 2 | df.writeline(\"RUN --mount=type=cache,target=/c make\");\n   |    ^\n",
        "{out}"
    );
    let out = check(
        &[],
        &cache.replace(
            "let m = container_map(\"m\");",
            "let m = container_map(\"m\");\nm.builder = \"classic\";",
        ),
    );
    out.failure();
    assert!(
        out.stderr.starts_with("error: image `app`: `RUN --mount=type=cache` (Dockerfile line 3): it needs BuildKit, and the classic builder is chosen by the map's `builder: \"classic\"`\n"),
        "{out}"
    );
    let out = check(
        &["--builder", "buildkit"],
        &cache.replace(
            "let m = container_map(\"m\");",
            "let m = container_map(\"m\");\nm.builder = \"classic\";",
        ),
    );
    out.success();
    let out = check(
        &[],
        &cache.replace(
            "let m = container_map(\"m\");",
            "let m = container_map(\"m\");\nm.builder = \"buildx\";",
        ),
    );
    out.failure();
    assert!(
        out.stderr
            .contains("unknown builder `buildx`: expected `buildkit` or `classic`"),
        "{out}"
    );
}

/// `RUN --mount=type=secret` of a secret from a file and one from the environment: the step
/// reads them, the image keeps only what the step made of them (their lengths).
const SECRETS: &str = r#"
let m = container_map(ARGS[0]);
let image = m.name + "-app";
m.images[image] = build_context(".", #{
    dockerfile_inline: "FROM scratch\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nRUN --mount=type=secret,id=token --mount=type=secret,id=key,target=/run/k wc -c < /run/secrets/token > /token-len && wc -c < /run/k > /key-len\nCMD [\"sleep\", \"3600\"]\n",
    labels: #{ "dmap.test": m.name },
    secrets: #{ token: #{ file: "token.txt" }, key: #{ environment: "DMAP_TEST_KEY" } },
});
m.containers.app = #{ image: image, stop_signal: "SIGKILL" };
mapping_client(m).startup();
"#;

#[test]
fn build_secrets_from_a_file_and_the_environment_reach_the_step_and_nothing_else() {
    let rt = runtime();
    let t = DockerTest::new("buildkit_secrets");
    let dir = tempfile::tempdir().unwrap();
    std::fs::copy("/bin/busybox", dir.path().join("busybox")).unwrap();
    std::fs::write(dir.path().join("token.txt"), "tok-1234567").unwrap();
    std::fs::write(dir.path().join("r.rhai"), SECRETS).unwrap();
    let up = || {
        Test::in_dir(dir.path())
            .engine()
            .env("DMAP_TEST_KEY", "key-value-xyz")
            .args(["run", "r.rhai", &t.name])
            .run()
    };
    let out = up();
    out.success();
    assert!(
        out.stderr
            .contains("building with the build secrets `key`, `token` through BuildKit's session API"),
        "{out}"
    );
    for secret in ["tok-1234567", "key-value-xyz"] {
        assert!(
            !out.stderr.contains(secret) && !out.stdout.contains(secret),
            "{secret} shown:\n{out}"
        );
    }
    let container = format!("{}.app", t.name);
    let (code, lengths) = rt.block_on(t.exec_output(&container, &["cat", "/token-len", "/key-len"]));
    assert_eq!((code, lengths.as_str()), (0, "11\n13\n"), "{out}");
    let image = format!("{}-app:latest", t.name);
    let inspect = std::process::Command::new("docker")
        .args(["image", "inspect", &image])
        .output()
        .unwrap();
    let inspect = String::from_utf8_lossy(&inspect.stdout);
    assert!(inspect.contains("\"dmap.context\": \"sha256:"), "{inspect}");
    for secret in ["tok-1234567", "key-value-xyz"] {
        assert!(!inspect.contains(secret), "{secret} in the image's metadata");
    }
    // The digest was recorded: an unchanged run builds nothing.
    let out = up();
    out.success();
    assert!(!out.stderr.contains("build "), "{out}");
}
