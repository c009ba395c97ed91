//! The recipe reference: every function documented, docs/functions.md and docs/stdlib.md made
//! from the doc comments, every stdlib library importable. (Here, not beside `docs.rs`: these
//! need the interpreter, which the docs sit below.)

use super::docs::*;
use super::stdlib::stdlib_entries;
use crate::script::vocabulary::{Function, Vocabulary, TYPES};

/// A script host as `dmap` makes one, with nothing evaluated.
fn interpreter() -> crate::script::Interpreter {
    crate::script::Interpreter::for_tests()
}

/// dmap's own functions (not the stdlib's) in a fresh interpreter.
fn registered(v: &Vocabulary) -> Vec<&Function> {
    v.functions.iter().filter(|f| !f.name.contains("::")).collect()
}

/// The reference of dmap's recipe functions, as docs/functions.md holds it: the forms and the
/// doc comment of each, by the type it acts on.
fn functions_markdown(v: &Vocabulary) -> String {
    let mut out = String::from(
        "# The recipe functions\n\nWhat a recipe can call besides Rhai's own functions, by the type it acts on; `dmap repl`'s\n`:help NAME` shows the same. [recipe-api.md](recipe-api.md) and [images.md](images.md) explain\nmaps, fields, actions and images in full. Types are named as `type_of()` names their values\n(`int` and `float` are Rhai's names for `i64` and `f64`; `any` is a value of any type). This page\nis made from the doc comments in `src/script/docs.rs`.\n",
    );
    let sections = std::iter::once(None).chain(TYPES.iter().map(|t| Some(*t)));
    for receiver in sections {
        let functions: Vec<&Function> = registered(v)
            .into_iter()
            .filter(|f| f.receiver.as_deref() == receiver)
            .collect();
        if functions.is_empty() {
            continue;
        }
        match receiver {
            None => out.push_str("\n## Functions\n\n"),
            Some(ty) => out.push_str(&format!("\n## `{ty}`\n\n")),
        }
        let mut properties: Vec<&str> = v
            .properties
            .iter()
            .filter(|(t, _)| Some(t.as_str()) == receiver)
            .map(|(_, p)| p.as_str())
            .collect();
        properties.sort_unstable();
        if !properties.is_empty() {
            let quoted: Vec<String> = properties.iter().map(|p| format!("`{p}`")).collect();
            out.push_str(&format!("Properties: {}.\n\n", quoted.join(", ")));
        }
        let mut names: Vec<&str> = functions.iter().map(|f| f.name.as_str()).collect();
        names.dedup();
        for name in names {
            let forms: Vec<&Function> = functions.iter().copied().filter(|f| f.name == name).collect();
            let signatures: Vec<String> = forms.iter().map(|f| format!("`{}`", f.signature)).collect();
            out.push_str(&format!("- {}: {}\n", signatures.join(", "), forms[0].doc));
        }
    }
    out
}

#[test]
fn every_recipe_function_and_method_has_a_doc_comment() {
    let v = interpreter().vocabulary();
    let functions = registered(&v);
    assert!(functions.len() > 50, "{} functions", functions.len());
    let undocumented: Vec<&str> = functions
        .iter()
        .filter(|f| f.doc.is_empty())
        .map(|f| f.signature.as_str())
        .collect();
    assert!(
        undocumented.is_empty(),
        "no doc comment in docs.rs: {undocumented:?}"
    );
    // And no doc comment for a function that is not there.
    for (key, _) in RECIPE_DOCS {
        let (receiver, name) = match key.split_once('.') {
            Some((ty, name)) => (Some(ty), name),
            None => (None, *key),
        };
        assert!(
            functions
                .iter()
                .any(|f| f.name == name && (receiver.is_none() || f.receiver.as_deref() == receiver)),
            "`{key}` is documented and not registered"
        );
    }
    let startup = functions.iter().find(|f| f.name == "startup").expect("startup");
    assert_eq!(
        recipe_doc(startup.receiver.as_deref(), "startup").as_ref(),
        Some(&startup.doc)
    );
    assert!(
        startup.doc.starts_with("Creates and starts the targets"),
        "{}",
        startup.doc
    );
    let remove: Vec<&str> = functions
        .iter()
        .filter(|f| f.name == "remove")
        .map(|f| f.doc.as_str())
        .collect();
    assert!(remove.contains(&"Removes the entry of that name; whether there was one."));
    assert!(remove.contains(&"Removes the targets and their dependents; a running one is an error."));
}

#[test]
fn signatures_name_types_as_recipes_know_them() {
    let mut interpreter = interpreter();
    // What `type_of` calls the values a function takes or returns (Rhai's `int` and `float`
    // for `i64` and `f64`), dmap's own types, and `any`.
    let names = interpreter
        .eval_text(
            "t.rhai",
            r#"[1, 1.5, true, "s", 'c', [], #{}, container_map("m")].map(|v| type_of(v))"#,
        )
        .expect("type_of")
        .value
        .into_typed_array::<String>()
        .expect("names");
    assert_eq!(
        names,
        [
            "i64",
            "f64",
            "bool",
            "string",
            "char",
            "array",
            "map",
            "ContainerMap"
        ]
    );
    let mut known: Vec<&str> = vec!["int", "float", "bool", "string", "char", "array", "map", "any"];
    known.extend(TYPES);
    let v = interpreter.vocabulary();
    let mut foreign = Vec::new();
    for f in registered(&v) {
        let (params, ret) = f
            .signature
            .split_once('(')
            .map_or(("", ""), |(_, rest)| rest.split_once(')').unwrap_or((rest, "")));
        let ret = ret.trim().strip_prefix("-> ");
        // dmap's functions name no parameter: each is a type.
        let types = params.split(", ").filter(|p| !p.is_empty()).chain(ret);
        for ty in types {
            if !known.contains(&ty) {
                foreign.push(format!("`{ty}` in `{}`", f.signature));
            }
        }
    }
    assert!(foreign.is_empty(), "not a type recipes know: {foreign:#?}");
}

#[test]
fn docs_functions_md_is_made_from_the_doc_comments() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/functions.md");
    let want = functions_markdown(&interpreter().vocabulary());
    if std::env::var_os("DMAP_BLESS").is_some() {
        std::fs::write(path, &want).expect("write docs/functions.md");
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "docs/functions.md is stale: run `DMAP_BLESS=1 cargo test --lib docs`"
    );
}

#[test]
fn docs_stdlib_md_is_made_from_the_doc_comments() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/stdlib.md");
    let want = stdlib_markdown();
    if std::env::var_os("DMAP_BLESS").is_some() {
        std::fs::write(path, &want).expect("write docs/stdlib.md");
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "docs/stdlib.md is stale: run `DMAP_BLESS=1 cargo test --lib docs`"
    );
}

#[test]
fn every_stdlib_library_imports_in_a_recipe() {
    let mut interpreter = interpreter();
    for (library, _) in stdlib_entries() {
        let alias = library.rsplit('/').next().unwrap_or(library);
        if let Err(e) = interpreter.eval_text("t.rhai", &format!("import \"{library}\" as {alias}; 1")) {
            panic!("{library}: {e}");
        }
    }
}

#[test]
fn every_stdlib_library_parses_and_every_function_has_a_doc_comment() {
    for (library, text) in stdlib_entries() {
        if let Err(e) = parser().compile(text) {
            panic!("{library} does not parse: {e}");
        }
    }
    let docs = stdlib_docs();
    for library in [
        "dmap/users",
        "dmap/packages",
        "dmap/files",
        "dmap/shell",
        "dmap/busybox",
    ] {
        assert!(docs.iter().any(|f| f.library == library), "{library}");
    }
    let undocumented: Vec<String> = docs
        .iter()
        .filter(|f| f.doc.is_empty())
        .map(FnDoc::signature)
        .collect();
    assert!(undocumented.is_empty(), "no doc comment: {undocumented:?}");
    let create = docs
        .iter()
        .find(|f| f.library == "dmap/users" && f.name == "create_user" && f.params.len() == 3)
        .expect("create_user");
    assert_eq!(create.signature(), "users::create_user(df, name, uid)");
    assert!(create.doc.contains("every base"), "{}", create.doc);
}
