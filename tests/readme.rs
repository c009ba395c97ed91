//! Every ```rhai block of README.md is a recipe that `dmap check` accepts.

use std::process::Command;

const DMAP: &str = env!("CARGO_BIN_EXE_dmap");

#[test]
fn readme_recipes_check() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).expect("README.md");
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in readme.lines() {
        match (&mut current, line.trim_start()) {
            (None, "```rhai") => current = Some(String::new()),
            (Some(block), "```") => {
                blocks.push(std::mem::take(block));
                current = None;
            }
            (Some(block), _) => {
                block.push_str(line);
                block.push('\n');
            }
            (None, _) => {}
        }
    }
    assert!(!blocks.is_empty(), "README.md has no rhai block");
    let dir = tempfile::tempdir().expect("tempdir");
    for (i, block) in blocks.iter().enumerate() {
        let path = dir.path().join(format!("readme{i}.rhai"));
        std::fs::write(&path, block).expect("write block");
        let out = Command::new(DMAP)
            .arg("check")
            .arg(&path)
            .output()
            .expect("dmap runs");
        assert!(
            out.status.success(),
            "README block {i} fails:\n{block}\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
