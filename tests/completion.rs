//! Shell completion: what `dmap __complete` offers for a recipe and a Compose file (targets,
//! configurations' instances, image names, verbs, flags, files), silently; and the scripts of
//! `dmap completions`, run by real shells where they are installed.

use std::path::Path;
use std::process::Command;

use crate::support::harness::{unindent, Test, DMAP};

/// A recipe that prints (completion shows none of it) and makes two maps, one declaring an image.
const RECIPE: &str = r#"
print("a recipe's output is not a candidate");
let m = container_map("shop");
m.containers.web = #{ image: "nginx", instances: ["a", "b"] };
m.containers.db = #{ image: "postgres" };
m.containers.base = #{ abstract: true };
m.groups.front = ["web"];
m.images.app = dockerfile("scratch");
let ops = container_map("ops");
ops.containers.mon.image = "x";
mapping_client([m, ops]);
"#;

/// A Compose file: one service built (two replicas), one with a profile.
const COMPOSE: &str = "name: shop\nservices:\n  web:\n    build: ./web\n    deploy:\n      replicas: 2\n  db:\n    image: postgres\n  debug:\n    image: busybox\n    profiles: [tools]\n";

fn project() -> Test {
    Test::new()
        .file("dmap.rhai", RECIPE)
        .file("stack/compose.yaml", COMPOSE)
        .file("stack/web/Dockerfile", "FROM scratch\n")
}

#[track_caller]
fn offers(dir: &Test, words: &[&str], want: &str) {
    dir.clone()
        .args(["__complete", "--"])
        .args(words)
        .run()
        .success()
        .stdout(&unindent(want))
        .stderr("");
}

#[test]
fn the_completion_entry_point_offers_what_a_recipe_or_a_compose_file_declares() {
    let dir = project();
    // The targets of the default recipe here: the first map's, each map's prefixed; a first
    // argument may also be the FILE.
    offers(
        &dir,
        &["up", ""],
        "
        __all__
        db
        front
        ops/__all__
        ops/mon
        shop/__all__
        shop/db
        shop/front
        shop/web
        shop/web.a
        shop/web.b
        web
        web.a
        web.b
        :files
        ",
    );
    // After the FILE, or a first target: targets only.
    offers(&dir, &["logs", "-f", "dmap.rhai", "web"], "web\nweb.a\nweb.b\n");
    offers(
        &dir,
        &["down", "web", "shop/w"],
        "shop/web\nshop/web.a\nshop/web.b\n",
    );
    offers(
        &dir,
        &["exec", "-u", "app", "dmap.rhai", "o"],
        "ops/__all__\nops/mon\n",
    );
    // Image names for `build` and `dockerfile`.
    offers(&dir, &["build", "dmap.rhai", ""], "app\n");
    offers(&dir, &["dockerfile", "a"], "app\n:files\n");
    // A Compose file: its services and their replicas, with the command line's profiles; the
    // images its services build.
    offers(
        &dir,
        &["-f", "stack/compose.yaml", "up", ""],
        "__all__\ndb\nweb\nweb.1\nweb.2\n",
    );
    offers(
        &dir,
        &["--profile", "tools", "status", "stack/compose.yaml", "d"],
        "db\ndebug\n",
    );
    offers(&dir, &["build", "stack/compose.yaml", ""], "shop-web\n");
    // Verbs, flags and values, with their help.
    offers(
        &dir,
        &["conv"],
        "convert\tPrint a recipe that makes the same map as a Compose file, one configuration per service\n",
    );
    offers(
        &dir,
        &["up", "--force-r"],
        "--force-recreate\tRecreate the targets even if nothing changed\n",
    );
    offers(
        &dir,
        &["--progress", "p"],
        "plain\tOne line per event, no control codes\n",
    );
    offers(&dir, &["check", ""], ":files\n");
    // A recipe that fails gives no names, and no error either.
    let broken = Test::new().file(
        "dmap.rhai",
        "let m = container_map(\"x\");\nm.containers.web = nope();\n",
    );
    offers(&broken, &["up", "w"], ":files\n");
    offers(&Test::new(), &["up", ""], ":files\n");
}

/// `bash -c SCRIPT` in `dir`, with this dmap first on PATH.
fn bash(dir: &Path, script: &str) -> String {
    let bin = Path::new(DMAP).parent().expect("the binary's directory");
    let path = format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default());
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", script])
        .current_dir(dir)
        .env("PATH", path)
        .env("DOCKER_HOST", "tcp://127.0.0.1:9")
        .output()
        .expect("run bash");
    assert!(
        out.status.success(),
        "bash failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&out.stderr), "");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// What bash offers for the words typed so far (the last one is at the cursor).
fn bash_offers(dir: &Path, words: &[&str]) -> String {
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let script = format!(
        "source <(dmap completions bash)\nCOMP_WORDS=({})\nCOMP_CWORD={}\n_dmap\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        quoted.join(" "),
        words.len() - 1
    );
    bash(dir, &script)
}

#[test]
fn bash_completes_targets_image_names_and_files_through_dmap() {
    let dir = project();
    let root = dir.path();
    assert_eq!(
        bash_offers(root, &["dmap", "up", "dmap.rhai", "w"]),
        "web\nweb.a\nweb.b\n"
    );
    assert_eq!(
        bash_offers(root, &["dmap", "-f", "stack/compose.yaml", "up", "web", ""]),
        "__all__\ndb\nweb\nweb.1\nweb.2\n"
    );
    assert_eq!(
        bash_offers(root, &["dmap", "build", "stack/compose.yaml", ""]),
        "shop-web\n"
    );
    // FILE or a target: both, the files as bash lists them.
    assert_eq!(
        bash_offers(root, &["dmap", "up", "s"]),
        "shop/__all__\nshop/db\nshop/front\nshop/web\nshop/web.a\nshop/web.b\nstack\n"
    );
    assert_eq!(bash_offers(root, &["dmap", "check", "st"]), "stack\n");
    assert_eq!(bash_offers(root, &["dmap", "comp"]), "completions\n");
}

#[test]
fn the_scripts_of_zsh_and_fish_call_back_into_dmap_and_run_where_the_shell_is_installed() {
    for (shell, marker) in [("zsh", "#compdef dmap"), ("fish", "complete -c dmap")] {
        Test::new()
            .args(["completions", shell])
            .run()
            .success()
            .stdout_has(marker)
            .stdout_has("dmap __complete -- ");
    }
    let installed = |shell: &str| {
        Command::new("sh")
            .args(["-c", &format!("command -v {shell}")])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let dir = project();
    // A shell run in the project, with this dmap first on PATH and its files in the project.
    let run = |shell: &str, args: &[&str]| {
        let bin = Path::new(DMAP).parent().expect("the binary's directory");
        let out = Command::new(shell)
            .args(args)
            .current_dir(dir.path())
            .env(
                "PATH",
                format!("{}:{}", bin.display(), std::env::var("PATH").unwrap_or_default()),
            )
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env("DOCKER_HOST", "tcp://127.0.0.1:9")
            .output()
            .expect("run the shell");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    if installed("zsh") {
        // The function as zsh's completion system calls it, `_describe` and `_files` printing
        // what they are given.
        let script = "autoload -U compinit; compinit -u -D\nsource <(dmap completions zsh)\n_describe() { local -a c; c=(\"${(@P)${@[-1]}}\"); print -rl -- $c }\n_files() { print -r -- FILES }\nwords=(dmap up dmap.rhai w); CURRENT=4; _dmap\nwords=(dmap build \"\"); CURRENT=3; _dmap\nwords=(dmap up --force-r); CURRENT=3; _dmap\n";
        assert_eq!(
            run("zsh", &["-f", "-c", script]),
            "web\nweb.a\nweb.b\napp\nFILES\n--force-recreate:Recreate the targets even if nothing changed\n"
        );
    }
    if installed("fish") {
        let script = "dmap completions fish | source; complete -C 'dmap up dmap.rhai w'; complete -C 'dmap up --force-r'";
        assert_eq!(
            run("fish", &["--no-config", "-c", script]),
            "web\nweb.a\nweb.b\n--force-recreate\tRecreate the targets even if nothing changed\n"
        );
    }
}
