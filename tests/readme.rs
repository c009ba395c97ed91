//! Every ```rhai block of README.md and of docs/*.md is a recipe that `dmap check` accepts; a
//! block that starts with `// fragment` is part of a larger recipe and is left out.

use std::path::Path;

use crate::support::harness::Test;

fn rhai_blocks(text: &str) -> Vec<String> {
    let mut blocks = Vec::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
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
    blocks
}

#[track_caller]
fn all_check(file: &Path) -> usize {
    let text = std::fs::read_to_string(file).unwrap_or_else(|e| panic!("read {}: {e}", file.display()));
    let blocks: Vec<String> = rhai_blocks(&text)
        .into_iter()
        .filter(|b| !b.trim_start().starts_with("// fragment"))
        .collect();
    let dir = Test::new();
    for (i, block) in blocks.iter().enumerate() {
        let name = format!("block{i}.rhai");
        let out = dir.clone().file(&name, block).args(["check", &name]).run();
        assert_eq!(
            out.code,
            Some(0),
            "{} block {i} fails:\n{block}\n{out}",
            file.display()
        );
    }
    blocks.len()
}

#[test]
fn readme_recipes_check() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    assert!(
        all_check(&root.join("README.md")) > 0,
        "README.md has no rhai block"
    );
}

#[test]
fn docs_recipes_check() {
    let docs = Path::new(env!("CARGO_MANIFEST_DIR")).join("docs");
    let mut pages = 0;
    for entry in std::fs::read_dir(&docs).expect("docs/") {
        let path = entry.expect("entry").path();
        if path.extension().and_then(|e| e.to_str()) == Some("md") {
            all_check(&path);
            pages += 1;
        }
    }
    assert!(pages >= 4, "docs/ has the recipe API, CLI, YAML and Engine pages");
}
