//! Context tars: what goes in under which name, byte-for-byte reproducibility across checkouts,
//! umasks and mtimes, `.dockerignore` in a walk, and the errors for missing sources.

use std::fs;
use std::os::unix::fs::{symlink, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, SystemTime};

use super::*;
use crate::dockerfile::DockerFile;
use crate::model::Origin;

fn at(line: usize) -> Trace {
    Trace::new(Origin::at("r.rhai", line, 1))
}

/// `(name, mode, kind)` of every entry, with link targets.
fn listing(bytes: &[u8]) -> Vec<String> {
    let mut archive = ::tar::Archive::new(bytes);
    archive
        .entries()
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            let h = e.header();
            let name = e.path().unwrap().to_string_lossy().into_owned();
            let mode = h.mode().unwrap();
            assert_eq!(
                (h.mtime().unwrap(), h.uid().unwrap(), h.gid().unwrap()),
                (0, 0, 0),
                "{name}"
            );
            match h.entry_type() {
                ::tar::EntryType::Symlink => {
                    format!("{name} -> {}", e.link_name().unwrap().unwrap().display())
                }
                ::tar::EntryType::Directory => format!("{name} {mode:o} dir"),
                _ => format!("{name} {mode:o} {}", h.size().unwrap()),
            }
        })
        .collect()
}

fn bytes(context: &Context) -> Vec<u8> {
    context.write(Vec::new()).unwrap()
}

fn write(path: &Path, text: &str, mode: u32) {
    fs::create_dir_all(path.parent().unwrap()).unwrap();
    fs::write(path, text).unwrap();
    fs::set_permissions(path, fs::Permissions::from_mode(mode)).unwrap();
}

/// A checkout of the same tree: `modes` picks the permissions a umask would leave, `age` the
/// mtimes.
fn checkout(root: &Path, modes: (u32, u32, u32), age: u64) {
    let (dir, file, exe) = modes;
    write(&root.join("app/main.py"), "print('hi')\n", file);
    write(
        &root.join("app/bin/run"),
        "#!/bin/sh\nexec python3 main.py\n",
        exe,
    );
    write(&root.join("app/data/big.bin"), &"x".repeat(70_000), file);
    write(&root.join("app/my notes.txt"), "spaces\n", file);
    let long = "d".repeat(60);
    write(
        &root.join(format!("app/{long}/{long}/{long}.txt")),
        "deep\n",
        file,
    );
    symlink("main.py", root.join("app/current.py")).unwrap();
    write(&root.join("vendor.tar"), "not really a tar\n", file);
    for d in ["app", "app/bin", "app/data"] {
        fs::set_permissions(root.join(d), fs::Permissions::from_mode(dir)).unwrap();
    }
    let when = SystemTime::UNIX_EPOCH + Duration::from_secs(age);
    for e in walkdir::WalkDir::new(root).follow_links(false) {
        let e = e.unwrap();
        if !e.file_type().is_symlink() {
            fs::File::open(e.path()).unwrap().set_modified(when).unwrap();
        }
    }
}

fn context_of(root: &Path) -> Context {
    let mut df = DockerFile::new(Some("scratch"), at(1));
    df.add_file("app", Some("/srv/app"), None, false, root.to_path_buf(), at(2))
        .unwrap();
    df.add_archive("vendor.tar", root.to_path_buf(), at(3)).unwrap();
    df.add_file(
        "app/my notes.txt",
        Some("/srv/notes.txt"),
        None,
        true,
        root.to_path_buf(),
        at(4),
    )
    .unwrap();
    let mut ctx = Context::of(&df).unwrap();
    ctx.add("app/main.py", "extra/main.py", root.to_path_buf(), at(5))
        .unwrap();
    ctx
}

#[test]
fn a_context_holds_what_the_dockerfile_added_under_its_add_paths_then_the_dockerfile() {
    let dir = tempfile::tempdir().unwrap();
    checkout(dir.path(), (0o755, 0o644, 0o755), 1_000_000);
    let ctx = context_of(dir.path());
    let long = "d".repeat(60);
    assert_eq!(
        listing(&bytes(&ctx)),
        [
            "srv/app/ 755 dir".to_string(),
            "srv/app/bin/ 755 dir".into(),
            "srv/app/bin/run 755 31".into(),
            "srv/app/current.py -> main.py".into(),
            "srv/app/data/ 755 dir".into(),
            "srv/app/data/big.bin 644 70000".into(),
            format!("srv/app/{long}/ 755 dir"),
            format!("srv/app/{long}/{long}/ 755 dir"),
            format!("srv/app/{long}/{long}/{long}.txt 644 5"),
            "srv/app/main.py 644 12".into(),
            "srv/app/my notes.txt 644 7".into(),
            "srv/notes.txt 644 7".into(),
            "vendor.tar 644 17".into(),
            "extra/main.py 644 12".into(),
            format!("Dockerfile 644 {}", ctx.dockerfile.len()),
        ]
    );
    assert!(
        ctx.dockerfile.contains("ADD /srv/app /srv/app\n"),
        "{}",
        ctx.dockerfile
    );
    assert!(
        ctx.dockerfile.contains("ADD vendor.tar /\n"),
        "{}",
        ctx.dockerfile
    );
    assert!(
        ctx.dockerfile.contains("ADD /srv/notes.txt /srv/notes.txt\n"),
        "{}",
        ctx.dockerfile
    );
}

#[test]
fn the_same_tree_gives_the_same_bytes_on_any_checkout_umask_and_mtime() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    checkout(a.path(), (0o755, 0o644, 0o755), 1_000_000);
    checkout(b.path(), (0o700, 0o600, 0o700), 2_000_000_000);
    let (ca, cb) = (context_of(a.path()), context_of(b.path()));
    assert_eq!(bytes(&ca), bytes(&cb));
    assert_eq!(ca.digest().unwrap(), cb.digest().unwrap());
    let digest = ca.digest().unwrap();
    assert!(digest.starts_with("sha256:") && digest.len() == 71, "{digest}");
    // The digest is that of the uncompressed tar.
    use sha2::Digest as _;
    assert_eq!(digest, format!("sha256:{:x}", Sha256::digest(bytes(&ca))));

    // A changed byte changes it.
    fs::write(a.path().join("app/main.py"), "print('ho')\n").unwrap();
    assert_ne!(ca.digest().unwrap(), cb.digest().unwrap());
}

#[test]
fn saves_are_plain_or_gzipped_by_name_and_reproducible() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    checkout(a.path(), (0o755, 0o644, 0o755), 1_000_000);
    checkout(b.path(), (0o700, 0o600, 0o700), 5);
    let out = tempfile::tempdir().unwrap();
    let save = |ctx: &Context, name: &str| -> Vec<u8> {
        let path = out.path().join(name);
        ctx.save(&path).unwrap();
        fs::read(path).unwrap()
    };
    let (ca, cb) = (context_of(a.path()), context_of(b.path()));
    let plain = save(&ca, "a.tar");
    assert_eq!(plain, bytes(&ca));
    let gz = save(&ca, "a.tar.gz");
    assert_eq!(gz, save(&cb, "b.tar.gz"));
    assert_eq!(gz, save(&cb, "b.tgz"));
    // gzip magic, no name flag, mtime 0
    assert_eq!(&gz[..4], &[0x1f, 0x8b, 8, 0]);
    assert_eq!(&gz[4..8], &[0, 0, 0, 0]);
    let mut unpacked = Vec::new();
    std::io::Read::read_to_end(&mut flate2::read::GzDecoder::new(&gz[..]), &mut unpacked).unwrap();
    assert_eq!(unpacked, plain);
}

#[test]
fn a_missing_source_names_itself_and_where_it_was_added() {
    let dir = tempfile::tempdir().unwrap();
    let mut df = DockerFile::new(Some("scratch"), at(1));
    df.add_file(
        "nope/app.py",
        Some("/srv/app.py"),
        None,
        false,
        dir.path().to_path_buf(),
        at(7),
    )
    .unwrap();
    // Rendering needs no files.
    let ctx = Context::of(&df).unwrap();
    let e = ctx.write(Vec::new()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "`nope/app.py` does not exist (added at r.rhai:7:1)"
    );
    assert_eq!(
        e.trace().map(|t| t.at.to_string()),
        Some("r.rhai:7:1".to_string())
    );
    let e = ctx.save(&dir.path().join("x.tar")).unwrap_err();
    assert!(e.to_string().contains("`nope/app.py` does not exist"), "{e}");
}

#[test]
fn two_sources_for_one_context_path_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let mut df = DockerFile::new(Some("scratch"), at(1));
    df.add_file("a", Some("/x"), None, false, dir.path().to_path_buf(), at(2))
        .unwrap();
    let mut ctx = Context::of(&df).unwrap();
    let e = ctx.add("b", "/x", dir.path().to_path_buf(), at(3)).unwrap_err();
    assert_eq!(
        e.to_string(),
        "two sources go to `x` in the context (added at r.rhai:2:1 and r.rhai:3:1)"
    );
}

fn tree(root: &Path, files: &[&str], ignore: &str) -> PathBuf {
    let src = root.join("src");
    for f in files {
        write(&src.join(f), "x", 0o644);
    }
    fs::create_dir_all(&src).unwrap();
    fs::write(src.join(".dockerignore"), ignore).unwrap();
    src
}

fn sent(files: &[&str], ignore: &str) -> Vec<String> {
    let dir = tempfile::tempdir().unwrap();
    let src = tree(dir.path(), files, ignore);
    let df = DockerFile::new(Some("scratch"), at(1));
    let mut ctx = Context::of(&df).unwrap();
    // The whole tree at the root of the context, as `docker build src` sends it.
    ctx.add(src.to_str().unwrap(), ".", PathBuf::new(), at(2))
        .unwrap();
    listing(&bytes(&ctx))
        .into_iter()
        .map(|l| {
            l.split(' ')
                .next()
                .unwrap_or_default()
                .trim_end_matches('/')
                .to_string()
        })
        .filter(|n| n != "Dockerfile" && n != ".dockerignore")
        .collect()
}

#[test]
fn dockerignore_is_applied_as_the_docker_cli_walks() {
    let files = [
        "build/keep",
        "build/out.o",
        "src/a.rs",
        "src/a.log",
        "logs/x.log",
        "README.md",
    ];
    let everything = "README.md build build/keep build/out.o logs logs/x.log src src/a.log src/a.rs";
    // (.dockerignore, what is sent)
    let cases: &[(&str, &str)] = &[
        ("", everything),
        // `*` does not cross `/`
        ("*.log\n", everything),
        (
            "**/*.log\n",
            "README.md build build/keep build/out.o logs src src/a.rs",
        ),
        (
            "build\n!build/keep\n",
            "README.md build/keep logs logs/x.log src src/a.log src/a.rs",
        ),
        // The walk skips `build` whole: the exception's text does not start with `build/`.
        (
            "build\n!**/keep\n",
            "README.md logs logs/x.log src src/a.log src/a.rs",
        ),
        // `#` only at column 0; a leading `/` is dropped.
        (
            "# src\n/logs\n",
            "README.md build build/keep build/out.o src src/a.log src/a.rs",
        ),
        ("*\n!src\n", "src src/a.log src/a.rs"),
        (
            "src/*.rs\n",
            "README.md build build/keep build/out.o logs logs/x.log src src/a.log",
        ),
    ];
    for (ignore, want) in cases {
        let want: Vec<&str> = want.split(' ').collect();
        assert_eq!(sent(&files, ignore), want, "{ignore:?}");
    }
}

#[test]
fn the_dockerignore_is_always_sent_and_a_bad_pattern_names_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let src = tree(dir.path(), &["a"], ".dockerignore\n*\n");
    let mut df = DockerFile::new(Some("scratch"), at(1));
    df.add_file(
        src.to_str().unwrap(),
        Some("/app"),
        None,
        false,
        PathBuf::new(),
        at(2),
    )
    .unwrap();
    let ctx = Context::of(&df).unwrap();
    assert_eq!(
        listing(&bytes(&ctx))[..2],
        ["app/ 755 dir".to_string(), "app/.dockerignore 644 16".into()]
    );

    fs::write(src.join(".dockerignore"), "ok\n[z-\n").unwrap();
    let e = ctx.digest().unwrap_err();
    let text = e.to_string();
    assert!(
        text.contains(".dockerignore`: invalid .dockerignore pattern `[z-`"),
        "{text}"
    );
    assert!(text.contains("line 2"), "{text}");
}
