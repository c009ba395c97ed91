//! What a recipe has at hand, for the REPL's completion and `:help`: the functions (dmap's, the
//! stdlib's, the recipe's own) with their forms and doc comments, the methods and properties of
//! dmap's types, the variables in scope, the target names of the maps made so far.

use rhai::Dynamic;

use super::interpreter::Interpreter;

/// One form of a function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Function {
    pub name: String,
    /// `startup(MappingClient, targets) -> array`
    pub signature: String,
    /// The type of its first parameter, for a dmap type (`MappingClient`): a method of it.
    pub receiver: Option<String>,
    pub doc: String,
}

#[derive(Clone, Debug, Default)]
pub struct Vocabulary {
    pub functions: Vec<Function>,
    /// (type, property): `(ContainerMap, containers)`.
    pub properties: Vec<(String, String)>,
    /// (name, type) of the variables in scope.
    pub variables: Vec<(String, String)>,
    /// Targets of the maps made so far: `__all__`, configs, `CONFIG.INSTANCE`, groups, and each
    /// as `MAP/...`.
    pub targets: Vec<String>,
    /// Library names `import` finds in the binary (`dmap/users`).
    pub modules: Vec<String>,
}

/// dmap's own types, as recipes see them.
pub const TYPES: [&str; 11] = [
    "ContainerMap",
    "Containers",
    "MapEntries",
    "ContainerConfig",
    "Docker",
    "MappingClient",
    "DockerFile",
    "DockerContext",
    "MapImages",
    "ActionError",
    "Problems",
];

/// What dmap's functions do, for `:help` (the API reference is docs/recipe-api.md).
const DOCS: &[(&str, &str)] = &[
    (
        "container_map",
        "A new, empty container map named NAME (optionally filled from an object map).",
    ),
    ("load_map", "Loads a docker-map YAML map file as a container map."),
    (
        "mapping_client",
        "Hands maps to Engines: the actions (startup, update, shutdown, ...) run through it.",
    ),
    (
        "docker",
        "A connection to an Engine (the local one by default): images, builds.",
    ),
    (
        "dockerfile",
        "A Dockerfile template: FROM an image, then run/add/env/... calls; `m.images.NAME = df` builds it.",
    ),
    (
        "docker_context",
        "A build context: the rendered DockerFile plus the files it adds (`ctx.add`, `ctx.save`).",
    ),
    (
        "add",
        "Adds a file or directory to a build context (its .dockerignore honoured).",
    ),
    (
        "add_file",
        "Adds a file or directory to the image (COPY/ADD); the source is relative to the recipe.",
    ),
    ("add_archive", "Adds a tar archive, unpacked into the image."),
    (
        "digest",
        "The sha256 digest of a build context: what decides a rebuild.",
    ),
    ("save", "Writes a build context as a tar (`.tar.gz` compressed)."),
    (
        "env",
        "The value of an environment variable of dmap's process (a default when unset).",
    ),
    (
        "create",
        "Creates the targets' containers (and their volumes and networks) that are missing.",
    ),
    ("start", "Starts the targets' containers that are not running."),
    (
        "startup",
        "Creates and starts the targets and what they depend on, dependencies first.",
    ),
    ("stop", "Stops the targets and what depends on them."),
    ("remove", "Removes the targets' stopped containers."),
    (
        "shutdown",
        "Stops and removes the targets and what depends on them.",
    ),
    ("restart", "Restarts the targets."),
    (
        "update",
        "Converges the targets: creates what is missing, recreates what changed, starts what is stopped.",
    ),
    ("pull_images", "Pulls the images the targets use."),
    (
        "signal",
        "Sends a signal (\"SIGHUP\") to the targets' containers.",
    ),
    (
        "plan",
        "What an action would do to the targets, and why; changes nothing.",
    ),
    (
        "status",
        "State, health, image, ports, uptime of the targets' containers and what an update would change.",
    ),
    (
        "check",
        "Runs every integrity check of the map; raises its problems.",
    ),
    ("merge", "Merges another map (or an object map) into this one."),
    (
        "build",
        "Builds an image from a DockerFile or a context and tags it.",
    ),
    ("finalize", "Renders the DockerFile; later writes are errors."),
];

impl Interpreter {
    /// What is at hand now.
    pub fn vocabulary(&self) -> Vocabulary {
        let (engine, scope, functions) = self.parts();
        let mut v = Vocabulary::default();
        for raw in engine.gen_fn_signatures(false) {
            let signature = super::hints::readable(&raw);
            let name = signature.split('(').next().unwrap_or("").to_string();
            let first = signature
                .split_once('(')
                .and_then(|(_, rest)| rest.split([',', ')']).next())
                .map(|p| p.rsplit(": ").next().unwrap_or(p).trim().to_string())
                .filter(|t| TYPES.contains(&t.as_str()));
            if let Some(prop) = name.strip_prefix("get$").or_else(|| name.strip_prefix("set$")) {
                if let Some(ty) = first {
                    if !v.properties.contains(&(ty.clone(), prop.to_string())) {
                        v.properties.push((ty, prop.to_string()));
                    }
                }
                continue;
            }
            if name.contains('$') || name.is_empty() {
                continue;
            }
            let doc = DOCS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, d)| (*d).to_string())
                .unwrap_or_default();
            v.functions.push(Function {
                name,
                signature,
                receiver: first,
                doc,
            });
        }
        for f in functions
            .iter_functions()
            .filter(|f| !f.name.starts_with("anon$"))
        {
            v.functions.push(Function {
                name: f.name.to_string(),
                signature: format!("{}({})", f.name, f.params.join(", ")),
                receiver: None,
                doc: super::docs::doc_text(f.comments.iter().map(|c| &**c)),
            });
        }
        for d in super::docs::stdlib_docs() {
            v.functions.push(Function {
                name: format!(
                    "{}::{}",
                    d.library.rsplit('/').next().unwrap_or(d.library),
                    d.name
                ),
                signature: d.signature(),
                receiver: None,
                doc: d.doc.clone(),
            });
        }
        v.functions
            .sort_by(|a, b| a.name.cmp(&b.name).then(a.signature.cmp(&b.signature)));
        v.functions.dedup();
        for (name, _, value) in scope.iter_raw() {
            v.variables.push((name.to_string(), type_of(engine, value)));
        }
        v.targets = targets(&self.created_maps());
        v.modules = super::resolver::stdlib_names().map(str::to_string).collect();
        v
    }

    /// The type of a value as a recipe names it (`ContainerMap`, `string`, `array`).
    pub fn type_of(&self, value: &Dynamic) -> String {
        type_of(self.parts().0, value)
    }
}

fn type_of(engine: &rhai::Engine, value: &Dynamic) -> String {
    let name = engine.map_type_name(value.type_name());
    name.rsplit("::").next().unwrap_or(name).to_string()
}

/// The targets of the maps, plain and `MAP/`-prefixed.
fn targets(maps: &[super::handles::MapHandle]) -> Vec<String> {
    let mut out = vec!["__all__".to_string()];
    for m in maps {
        let map = m.read();
        let mut own = vec!["__all__".to_string()];
        for (name, config) in &map.containers {
            if config.is_abstract {
                continue;
            }
            own.push(name.clone());
            own.extend(config.instances.iter().map(|i| format!("{name}.{i}")));
        }
        own.extend(map.groups.keys().cloned());
        for t in &own {
            out.push(t.clone());
            out.push(format!("{}/{t}", map.name));
        }
    }
    out.sort();
    out.dedup();
    out
}
