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
pub(super) const RECIPE_DOCS: &[(&str, &[&str])] = documented! {
    /// A new, empty container map named NAME; with an object map, one filled from docker-map's
    /// dict layout (map properties, an optional `containers` wrapper, configurations).
    "container_map",
    /// Reads a docker-map YAML file (relative to the calling file) as a container map, named
    /// NAME, else by the file's `name:` key, else by the file name.
    "load_map",
    /// Reads a Compose file (relative to the calling file) as a container map that follows
    /// Compose's naming (`PROJECT-SERVICE-N`, configurations added to it included); options:
    /// `project`, `profiles` (a string or an array), `env_file` (instead of the `.env` beside it).
    "load_compose",
    /// Joins maps (one, or an array) and the Engines they run on (`docker(...)`, or an object
    /// map of client name to `docker(...)`): the actions run through it.
    "mapping_client",
    /// Describes one Docker Engine (the local one by default; `#{ base_url, interfaces, ... }`
    /// sets it up); nothing connects until an action needs it.
    "docker",
    /// Starts a DockerFile: `FROM BASE` and a blank line; an object map sets its properties at
    /// once. `m.images.NAME = df` declares it, `d.build(df, TAG)` builds it.
    "dockerfile",
    /// A build context made of a directory (relative to the calling file) and its Dockerfile, as
    /// `docker build DIR` sends it (`.dockerignore` applied); options: `dockerfile` (a path in
    /// DIR), `dockerfile_inline`, `args`, `target`, `labels`. `m.images.NAME = ctx` declares it.
    "build_context",
    /// The value of an environment variable: dmap's process's, else the `.env` file's beside
    /// the main recipe (read as Compose reads it); unset, an error naming it, or the fallback
    /// given.
    "env",
    /// Whether PATH (relative to the calling file) is a statically linked executable of this
    /// machine (an ELF executable that names no program interpreter): one an image `FROM
    /// scratch` can run, as Debian's busybox-static; false for anything else or nothing there.
    "is_static_executable",
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
    /// docker-map's `script`: runs the target's container once, created from its configuration
    /// (its dependencies started first) with `entrypoint` and `command_format` (`{script_path}`
    /// is where the script is inside, under `container_script_dir`, default `/tmp/script_run`;
    /// default command `["-c", "{script_path}"]`), the directory of `script_path` (relative to
    /// the calling file) mounted there; waits `wait_timeout` seconds (else the client's
    /// `wait_timeout`, else its `timeout`) and returns `#{ id, client, exit_code, log }`, or
    /// `#{ id, client, error }` when it ran out of time (an array of them for several
    /// containers). A container of that name must not exist unless `remove_existing_before: true`;
    /// it is removed afterwards unless `remove_created_after: false`.
    "MappingClient.script",
    /// What an action would do to the targets, and why, as its steps; changes nothing.
    "MappingClient.plan",
    /// State, health, image, ports and uptime of the targets' containers, and what an update
    /// would change, as `dmap status --json` has them: `#{ containers, orphans, leftovers,
    /// foreign, builds, unreachable, services }`. Changes nothing.
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
pub(crate) fn recipe_doc(receiver: Option<&str>, name: &str) -> Option<String> {
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
pub(crate) struct FnDoc {
    /// The import name (`dmap/users`).
    pub library: &'static str,
    pub name: String,
    pub params: Vec<String>,
    /// The doc comment, without its `///`.
    pub doc: String,
}

impl FnDoc {
    /// `users::create_user(df, name, uid)`, for a library imported as its last segment.
    pub(crate) fn signature(&self) -> String {
        let alias = self.library.rsplit('/').next().unwrap_or(self.library);
        format!("{alias}::{}({})", self.name, self.params.join(", "))
    }
}

/// Every function of every stdlib library, by library, name and arity; a library that does not parse gives
/// none (the stdlib's own tests make sure each does).
pub(crate) fn stdlib_docs() -> Vec<FnDoc> {
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
pub(crate) fn doc_text<'a>(comments: impl Iterator<Item = &'a str>) -> String {
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
pub(super) fn parser() -> Engine {
    let mut engine = Engine::new_raw();
    engine.set_max_expr_depths(128, 64);
    engine
}

/// The reference of the stdlib, as docs/stdlib.md holds it.
#[cfg(test)]
pub(crate) fn stdlib_markdown() -> String {
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
