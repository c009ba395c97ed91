//! The doc comments of what a recipe can call: dmap's own functions and methods (below, one `///`
//! comment each) and the stdlib's functions (`///` before each `fn` of a library). The REPL's
//! `:help` shows them, docs/functions.md and docs/stdlib.md are made from them (tests keep both
//! so), and error hints name the stdlib's signatures.

use rhai::Engine;

use super::stdlib::stdlib_entries;

/// `///` comments on names, as `(name, lines)`.
macro_rules! documented {
    ($($(#[doc = $line:literal])+ $name:literal,)*) => {
        &[$(($name, &[$($line),+])),*]
    };
}

/// What dmap's recipe functions do, by name, or by `Type.name` where a method of one type does
/// something else than the methods of that name on others (`MappingClient.remove`).
const RECIPE_DOCS: &[(&str, &[&str])] = documented! {
    /// A new, empty container map named NAME; with an object map, one filled from docker-map's
    /// dict layout (map properties, an optional `containers` wrapper, configurations).
    "container_map",
    /// Reads a docker-map YAML file (relative to the calling file) as a container map, named
    /// NAME, else by the file's `name:` key, else by the file name.
    "load_map",
    /// Joins maps (one, or an array) and the Engines they run on (`docker(...)`, or an object
    /// map of client name to `docker(...)`): the actions run through it.
    "mapping_client",
    /// Describes one Docker Engine (the local one by default; `#{ base_url, interfaces, ... }`
    /// sets it up); nothing connects until an action needs it.
    "docker",
    /// Starts a DockerFile: `FROM BASE` and a blank line; an object map sets its properties at
    /// once. `m.images.NAME = df` declares it, `d.build(df, TAG)` builds it.
    "dockerfile",
    /// The value of an environment variable of dmap's process; unset, an error naming it, or
    /// the fallback given.
    "env",
    /// Runs every integrity check of the map now; all its problems are raised together.
    "ContainerMap.check",
    /// Merges another map, or an object map in the dict layout, into this one, by docker-map's
    /// rules.
    "ContainerMap.merge",
    /// The whole map as an object map in the dict layout (configurations under `containers`).
    "ContainerMap.to_map",
    /// The configuration's fields as an object map.
    "ContainerConfig.to_map",
    /// The entry names.
    "keys",
    /// How many entries there are.
    "len",
    /// Whether an entry of that name exists (reading one that does not would create it).
    "contains",
    /// Removes the entry of that name; whether there was one.
    "remove",
    /// The text `print` and string interpolation show: what it is (a handle shows what it is a
    /// handle of, not its entries).
    "to_string",
    /// What `debug` shows: the same as `to_string`.
    "to_debug",
    /// The error's text, which is also its `message` property.
    "ActionError.to_string",
    /// The text of the problems, which is also the `message` property.
    "Problems.to_string",
    /// Renders the DockerFile as text; unlike `save`, it can still be written to afterwards.
    "DockerFile.to_string",
    /// Builds an image from a DockerFile or a context and tags it (and with the extra tags
    /// given).
    "Docker.build",
    /// Creates the targets and what they need (images, networks, attached volumes,
    /// dependencies); starts nothing. Returns the steps carried out.
    "MappingClient.create",
    /// Starts the targets and their dependencies, dependencies first; a missing container is an
    /// error.
    "MappingClient.start",
    /// Creates and starts the targets and everything they need, dependencies first.
    "MappingClient.startup",
    /// Stops the targets and everything that depends on them, dependents first.
    "MappingClient.stop",
    /// Removes the targets and their dependents; a running one is an error.
    "MappingClient.remove",
    /// Stops and removes the targets and their dependents; named volumes stay unless
    /// `remove_attached`.
    "MappingClient.shutdown",
    /// Stops (when running) and starts the targets only.
    "MappingClient.restart",
    /// Converges the targets: creates what is missing, recreates what changed (saying which
    /// field), starts what is stopped.
    "MappingClient.update",
    /// Pulls the images of the targets and their dependencies (not those the maps build).
    "MappingClient.pull_images",
    /// Sends a signal (`"SIGHUP"`) to the targets that are running.
    "MappingClient.signal",
    /// What an action would do to the targets, and why, as its steps; changes nothing.
    "MappingClient.plan",
    /// State, health, image, ports and uptime of the targets' containers, and what an update
    /// would change.
    "MappingClient.status",
    /// `RUN` with a command line, or with the words of a list.
    "DockerFile.run",
    /// One `RUN` per item.
    "DockerFile.run_all",
    /// One `RUN` of the items joined with `&&`.
    "DockerFile.run_join",
    /// A `#` comment line.
    "DockerFile.comment",
    /// An empty line.
    "DockerFile.blank",
    /// Raw text, as it is.
    "DockerFile.write",
    /// Raw text and a newline.
    "DockerFile.writeline",
    /// Raw lines, each with its newline.
    "DockerFile.writelines",
    /// An instruction with its arguments: `df.prefix("ENV", "A", "1")` writes `ENV A 1`.
    "DockerFile.prefix",
    /// The instruction once per item of arguments.
    "DockerFile.prefix_all",
    /// `ADD` of a file or directory (relative to the recipe) into the image; the target defaults
    /// to its last path component. Returns the path in the context.
    "DockerFile.add_file",
    /// `ADD` of a tar archive, which the build unpacks at `/`.
    "DockerFile.add_archive",
    /// Adds a path to the `VOLUME` instruction written at the end.
    "DockerFile.add_volume",
    /// Renders the DockerFile; writing to it afterwards is an error.
    "DockerFile.finalize",
    /// Writes the rendered DockerFile (relative to the recipe) and finalizes it.
    "DockerFile.save",
    /// The build context of a DockerFile: every file it added, under the paths its `ADD` lines
    /// use, and the Dockerfile.
    "DockerFile.docker_context",
    /// Adds a file or directory (its `.dockerignore` honoured) to the context, under a path of
    /// its own.
    "DockerContext.add",
    /// The sha256 digest of the context's tar: what decides a rebuild.
    "DockerContext.digest",
    /// Writes the context as a tar (gzipped for `.gz` and `.tgz`), relative to the recipe.
    "DockerContext.save",
};

/// The doc comment of one of dmap's recipe functions: the one written for `RECEIVER.name`, else
/// the one for `name`, as one paragraph.
pub fn recipe_doc(receiver: Option<&str>, name: &str) -> Option<String> {
    let typed = receiver.map(|r| format!("{r}.{name}"));
    let lines = RECIPE_DOCS
        .iter()
        .find(|(key, _)| Some(*key) == typed.as_deref())
        .or_else(|| RECIPE_DOCS.iter().find(|(key, _)| *key == name))
        .map(|(_, lines)| *lines)?;
    Some(lines.iter().map(|l| l.trim()).collect::<Vec<_>>().join(" "))
}

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
    use crate::script::vocabulary::{Function, Vocabulary, TYPES};

    /// A script host as `dmap` makes one, with nothing evaluated.
    fn interpreter() -> crate::script::Interpreter {
        use std::rc::Rc;
        let session = Rc::new(crate::session::Session::new(crate::session::Mode::Record));
        let reporter = Rc::new(crate::session::Recorder::default());
        let output = Rc::new(crate::script::output::Discard);
        crate::script::Interpreter::new(&crate::script::Limits::default(), session, reporter, output)
    }

    /// dmap's own functions (not the stdlib's) in a fresh interpreter.
    fn registered(v: &Vocabulary) -> Vec<&Function> {
        v.functions.iter().filter(|f| !f.name.contains("::")).collect()
    }

    /// The reference of dmap's recipe functions, as docs/functions.md holds it: the forms and the
    /// doc comment of each, by the type it acts on.
    fn functions_markdown(v: &Vocabulary) -> String {
        let mut out = String::from(
            "# The recipe functions\n\nWhat a recipe can call besides Rhai's own functions, by the type it acts on; `dmap repl`'s\n`:help NAME` shows the same. [recipe-api.md](recipe-api.md) and [images.md](images.md) explain\nmaps, fields, actions and images in full. This page is made from the doc comments in\n`src/script/docs.rs`.\n",
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
