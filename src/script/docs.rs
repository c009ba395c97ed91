//! The doc comments of the stdlib's functions (`///` before each `fn`): what `dmap` shows about
//! a library function. docs/stdlib.md is made from them (a test keeps it so), and error hints
//! name their signatures.

use rhai::Engine;

use super::resolver::stdlib_entries;

/// One function of a stdlib library.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FnDoc {
    /// The import name (`dmap/users`).
    pub library: &'static str,
    pub name: String,
    pub params: Vec<String>,
    /// The doc comment, without its `///`.
    pub doc: String,
}

impl FnDoc {
    /// `users::create_user(df, name, uid)`, for a library imported as its last segment.
    pub fn signature(&self) -> String {
        let alias = self.library.rsplit('/').next().unwrap_or(self.library);
        format!("{alias}::{}({})", self.name, self.params.join(", "))
    }
}

/// Every function of every stdlib library, by library, name and arity; a library that does not parse gives
/// none (the stdlib's own tests make sure each does).
pub fn stdlib_docs() -> Vec<FnDoc> {
    let engine = parser();
    let mut out = Vec::new();
    for (library, text) in stdlib_entries() {
        let Ok(ast) = engine.compile(text) else {
            continue;
        };
        // Closures are anonymous functions; private helpers are not the library's.
        for f in ast
            .iter_functions()
            .filter(|f| !f.name.starts_with("anon$") && f.access != rhai::FnAccess::Private)
        {
            let doc = doc_text(f.comments.iter().map(|c| &**c));
            out.push(FnDoc {
                library,
                name: f.name.to_string(),
                params: f.params.iter().map(|p| p.to_string()).collect(),
                doc,
            });
        }
    }
    out.sort_by(|a, b| (a.library, &a.name, a.params.len()).cmp(&(b.library, &b.name, b.params.len())));
    out
}

/// A function's doc comments as text, without `///` or `/** */`; a comment may hold several
/// lines.
pub fn doc_text<'a>(comments: impl Iterator<Item = &'a str>) -> String {
    comments
        .flat_map(|c| c.lines())
        .map(|l| {
            let l = l.trim();
            l.strip_prefix("///")
                .or_else(|| l.strip_prefix("/**"))
                .unwrap_or(l)
                .trim_end_matches("*/")
                .trim()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// An engine that only parses, with the limits recipes run under.
fn parser() -> Engine {
    let mut engine = Engine::new_raw();
    engine.set_max_expr_depths(128, 64);
    engine
}

/// The reference of the stdlib, as docs/stdlib.md holds it.
#[cfg(test)]
pub fn stdlib_markdown() -> String {
    let mut out = String::from(
        "# The standard library\n\nRecipe libraries shipped inside `dmap`: `import \"dmap/users\" as users;` and call\n`users::create_user(df, \"app\", 2000)`. This page is made from their doc comments.\n",
    );
    let mut library = "";
    for f in stdlib_docs() {
        if f.library != library {
            library = f.library;
            out.push_str(&format!("\n## `{library}`\n\n"));
        }
        out.push_str(&format!("- `{}`: {}\n", f.signature(), f.doc.replace('\n', " ")));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

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
        use std::rc::Rc;
        let session = Rc::new(crate::session::Session::new(crate::session::Mode::Record));
        let reporter = Rc::new(crate::session::Recorder::default());
        let output = Rc::new(crate::script::output::Discard);
        let mut interpreter =
            crate::script::Interpreter::new(&crate::script::Limits::default(), session, reporter, output);
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
        for library in ["dmap/users", "dmap/packages", "dmap/files", "dmap/shell"] {
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
}
