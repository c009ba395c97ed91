//! `dmap up --watch` against the Engine: a changed context file rebuilds the image and recreates
//! what runs it, an ignored one changes nothing, a burst is one rebuild, a recipe edit is
//! converged and a broken one leaves the stack as it was; Compose's `develop.watch` rules sync
//! files into the running container without recreating it; Ctrl-C ends the watch with exit 0
//! and leaves the stack running.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::recipe::*;
use crate::support::*;

/// A watching dmap whose stderr goes to a file, read as it grows.
struct Watching {
    child: Child,
    log: PathBuf,
}

impl Watching {
    fn start(dir: &Path, args: &[&str]) -> Watching {
        let log = dir.join("watch.log");
        let mut all = vec!["--progress", "plain", "up", "--watch"];
        all.extend(args);
        let mut cmd: Command = Test::in_dir(dir).engine().args(all).command();
        cmd.stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap());
        let w = Watching {
            child: cmd.spawn().unwrap(),
            log,
        };
        w.wait_for("the watch", |t| t.contains("  watching "));
        w
    }

    fn text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }

    /// The lines that say what a burst of changes did.
    fn changes(&self) -> Vec<String> {
        self.text()
            .lines()
            .filter(|l| l.contains(" changed → "))
            .map(str::to_string)
            .collect()
    }

    fn wait_for(&self, what: &str, done: impl Fn(&str) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(60);
        while !done(&self.text()) {
            assert!(Instant::now() < deadline, "no {what}:\n{}", self.text());
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Waits for change line number `n` (from 1) and returns it.
    fn change(&self, n: usize) -> String {
        self.wait_for(&format!("change line {n}"), |_| self.changes().len() >= n);
        self.changes()[n - 1].clone()
    }

    /// Ctrl-C: the exit code.
    fn interrupt(mut self) -> Option<i32> {
        let status = Command::new("kill")
            .args(["-INT", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            assert!(
                Instant::now() < deadline,
                "the watch did not end:\n{}",
                self.text()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Watching {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

const RECIPE: &str = r#"
let m = container_map(ARGS[0]);
let df = dockerfile("scratch");
df.writeline("LABEL dmap.test=" + m.name);
df.add_file("/bin/busybox", "/bin/busybox");
df.writeline(`RUN ["/bin/busybox", "--install", "-s", "/bin"]`);
df.add_file("site", "/site");
df.command = ["sleep", "3600"];
m.images[m.name + "-app"] = df;
m.containers.app = #{ image: m.name + "-app", stop_signal: "SIGKILL" };
mapping_client(m);
"#;

#[test]
fn a_watch_rebuilds_what_a_context_change_touches_and_converges_recipe_edits() {
    let rt = runtime();
    let t = DockerTest::new("watch_recipe");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("site")).unwrap();
    std::fs::write(d.join("site/index.html"), "one\n").unwrap();
    std::fs::write(d.join("site/.dockerignore"), "*.tmp\n").unwrap();
    std::fs::write(d.join("r.rhai"), RECIPE).unwrap();
    let w = Watching::start(d, &["-a", &t.name, "r.rhai"]);
    let app = format!("{}.app", t.name);
    let id = |rt: &tokio::runtime::Runtime| rt.block_on(t.inspect(&app)).id.unwrap();
    let cat = |rt: &tokio::runtime::Runtime, path: &str| rt.block_on(t.exec_output(&app, &["cat", path])).1;
    let first = id(&rt);

    // A file the context holds: rebuilt, recreated.
    std::fs::write(d.join("site/index.html"), "two\n").unwrap();
    let line = w.change(1);
    assert_eq!(
        line.split(" (").next(),
        Some(
            format!(
                "  site/index.html changed → built {}-app:latest, recreated {app}",
                t.name
            )
            .as_str()
        ),
        "{}",
        w.text()
    );
    assert_eq!(cat(&rt, "/site/index.html"), "two\n");
    assert_ne!(id(&rt), first);

    // A file the context ignores: nothing. Then a burst of ten files: one rebuild.
    std::fs::write(d.join("site/scratch.tmp"), "x").unwrap();
    std::thread::sleep(Duration::from_millis(1500));
    assert_eq!(w.changes().len(), 1, "{}", w.text());
    for i in 0..10 {
        std::fs::write(d.join(format!("site/f{i}.txt")), format!("{i}")).unwrap();
    }
    let line = w.change(2);
    assert!(
        line.contains("site/f0.txt, site/f1.txt, site/f2.txt and 7 more changed → built"),
        "{line}"
    );
    std::thread::sleep(Duration::from_millis(1000));
    assert_eq!(w.changes().len(), 2, "one rebuild for the burst:\n{}", w.text());
    assert_eq!(w.text().matches("  build ").count(), 3, "{}", w.text());
    assert_eq!(cat(&rt, "/site/f9.txt"), "9");

    // The recipe edited: converged. Broken: said at its line, the stack left as it was. Fixed.
    let recipe = RECIPE.replace(
        "stop_signal: \"SIGKILL\" }",
        "stop_signal: \"SIGKILL\", create_options: #{ environment: #{ MODE: \"watched\" } } }",
    );
    std::fs::write(d.join("r.rhai"), &recipe).unwrap();
    let line = w.change(3);
    assert!(
        line.starts_with(&format!("  r.rhai changed → recreated {app} (")),
        "{line}"
    );
    assert!(env(&rt.block_on(t.inspect(&app))).contains(&"MODE=watched".to_string()));
    let running = id(&rt);
    std::fs::write(
        d.join("r.rhai"),
        recipe.replace("mapping_client(m);", "mapping_client(m"),
    )
    .unwrap();
    let line = w.change(4);
    assert!(
        line.starts_with("  r.rhai changed → failed; the stack is left as it was ("),
        "{line}"
    );
    assert!(w.text().contains("--> r.rhai:12:"), "{}", w.text());
    assert_eq!(id(&rt), running);
    std::fs::write(d.join("r.rhai"), &recipe).unwrap();
    let line = w.change(5);
    assert!(line.starts_with("  r.rhai changed → nothing to do ("), "{line}");

    // Ctrl-C: the watch ends, exit 0, the stack keeps running.
    assert_eq!(w.interrupt(), Some(0));
    assert!(is_running(&rt.block_on(t.inspect(&app))));
}

const COMPOSE: &str = "name: NAME
services:
  web:
    build: .
    stop_signal: SIGKILL
    labels: [dmap.test=NAME]
    develop:
      watch:
        - action: sync
          path: ./src
          target: /app/src
          ignore: ['*.tmp']
        - action: sync+restart
          path: ./app.conf
          target: /etc/app.conf
        - action: rebuild
          path: ./Dockerfile
";

#[test]
fn compose_develop_watch_syncs_into_the_running_container_and_rebuilds() {
    let rt = runtime();
    let t = DockerTest::new("watch_compose");
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::create_dir(d.join("src")).unwrap();
    std::fs::copy("/bin/busybox", d.join("busybox")).unwrap();
    std::fs::write(d.join("src/a.txt"), "v1\n").unwrap();
    std::fs::write(d.join("app.conf"), "mode=1\n").unwrap();
    std::fs::write(
        d.join("Dockerfile"),
        format!("FROM scratch\nLABEL dmap.test={}\nCOPY busybox /bin/busybox\nRUN [\"/bin/busybox\", \"--install\", \"-s\", \"/bin\"]\nCOPY src /app/src\nCMD [\"sleep\", \"3600\"]\n", t.name),
    )
    .unwrap();
    std::fs::write(d.join("compose.yaml"), COMPOSE.replace("NAME", &t.name)).unwrap();
    let w = Watching::start(d, &[]);
    assert!(
        w.text().contains("watching 5 files of 3 develop.watch rules"),
        "{}",
        w.text()
    );
    let web = format!("{}-web-1", t.name);
    let id = |rt: &tokio::runtime::Runtime| rt.block_on(t.inspect(&web)).id.unwrap();
    let sh = |rt: &tokio::runtime::Runtime, script: &str| {
        rt.block_on(t.exec_output(&web, &["sh", "-c", script])).1
    };
    let first = id(&rt);

    // Synced into the running container: a changed file and a new one, then a removed one.
    std::fs::write(d.join("src/a.txt"), "v2\n").unwrap();
    std::fs::write(d.join("src/b.txt"), "new\n").unwrap();
    let line = w.change(1);
    assert!(
        line.starts_with(&format!(
            "  src/a.txt, src/b.txt changed → synced 2 file(s) into {web} ("
        )),
        "{line}"
    );
    assert_eq!(sh(&rt, "cat /app/src/a.txt /app/src/b.txt"), "v2\nnew\n");
    std::fs::write(d.join("src/c.tmp"), "ignored").unwrap();
    std::fs::remove_file(d.join("src/b.txt")).unwrap();
    let line = w.change(2);
    assert!(
        line.starts_with(&format!("  src/b.txt changed → synced 1 file(s) into {web} (")),
        "{line}"
    );
    assert_eq!(sh(&rt, "ls /app/src"), "a.txt\n");
    assert_eq!(id(&rt), first, "synced without recreating");

    // Synced, then restarted: the same container, started again.
    let started = |rt: &tokio::runtime::Runtime| started_at(&rt.block_on(t.inspect(&web)));
    let before = started(&rt);
    std::fs::write(d.join("app.conf"), "mode=2\n").unwrap();
    let line = w.change(3);
    assert!(
        line.starts_with(&format!(
            "  app.conf changed → synced 1 file(s) into {web}; restarted {web} ("
        )),
        "{line}"
    );
    assert_eq!(sh(&rt, "cat /etc/app.conf"), "mode=2\n");
    assert_eq!(id(&rt), first);
    assert!(started(&rt) > before, "restarted");

    // The Dockerfile changed: rebuilt and recreated.
    let dockerfile = std::fs::read_to_string(d.join("Dockerfile")).unwrap();
    std::fs::write(
        d.join("Dockerfile"),
        dockerfile.replace("CMD", "ENV MODE=rebuilt\nCMD"),
    )
    .unwrap();
    let line = w.change(4);
    assert!(
        line.contains(&format!("changed → built {}-web:latest, recreated {web}", t.name)),
        "{line}"
    );
    assert_ne!(id(&rt), first);
    assert_eq!(w.interrupt(), Some(0));
    assert!(is_running(&rt.block_on(t.inspect(&web))));
    // The project goes with the test.
    Test::in_dir(d).engine().args(["down"]).run().success();
}
