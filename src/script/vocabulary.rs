//! What a recipe has at hand, for the REPL's completion and `:help`: the functions (dmap's, the
//! stdlib's, the recipe's own) with their forms and doc comments (from `docs.rs`, as docs/ has
//! them), the methods and properties of dmap's types, the variables in scope, the target names of
//! the maps made so far; and what an expression before a `.` is (`m.containers.web`: a
//! `ContainerConfig`), from the values in scope.

use rhai::Dynamic;

use super::handles::MapHandle;
use super::interpreter::Interpreter;

/// One form of a function.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Function {
    pub name: String,
    /// `startup(MappingClient, targets) -> array`
    pub signature: String,
    /// The type of its first parameter, for a dmap type (`MappingClient`): a method of it.
    pub receiver: Option<String>,
    pub doc: String,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Vocabulary {
    pub functions: Vec<Function>,
    /// (type, property): `(ContainerMap, containers)`; the properties a getter reads and those an
    /// indexer reads (a map's properties, a configuration's fields).
    pub properties: Vec<(String, String)>,
    /// (name, type) of the variables in scope.
    pub variables: Vec<(String, String)>,
    /// Targets of the maps made so far: `__all__`, configs, `CONFIG.INSTANCE`, groups, and each
    /// as `MAP/...` when there are several maps.
    pub targets: Vec<String>,
    /// Library names `import` finds in the binary (`dmap/users`).
    pub modules: Vec<String>,
}

/// dmap's own types, as recipes see them.
pub(crate) const TYPES: [&str; 11] = [
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

impl Interpreter {
    /// What is at hand now.
    pub(crate) fn vocabulary(&self) -> Vocabulary {
        let (engine, scope, functions) = self.parts();
        let mut v = Vocabulary::default();
        for raw in engine.gen_fn_signatures(false) {
            let signature = super::hints::readable(engine, &raw);
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
            let doc = super::docs::recipe_doc(first.as_deref(), &name).unwrap_or_default();
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
        for ty in TYPES {
            for prop in super::members::indexed_properties(ty) {
                if !v.properties.iter().any(|(t, p)| t == ty && p == prop) {
                    v.properties.push((ty.to_string(), prop.to_string()));
                }
            }
        }
        v.functions
            .sort_by(|a, b| a.name.cmp(&b.name).then(a.signature.cmp(&b.signature)));
        v.functions.dedup();
        for (name, _, value) in scope.iter_raw() {
            v.variables.push((name.to_string(), type_of(engine, value)));
        }
        let maps = self.created_maps();
        let maps: Vec<_> = maps.iter().map(MapHandle::read).collect();
        v.targets = crate::model::target::offered(&maps.iter().map(|m| &**m).collect::<Vec<_>>(), false);
        v.modules = super::stdlib::stdlib_names().map(str::to_string).collect();
        v
    }

    /// The type of a value as a recipe names it (`ContainerMap`, `string`, `array`).
    pub(crate) fn type_of(&self, value: &Dynamic) -> String {
        type_of(self.parts().0, value)
    }

    /// What a variable, or a chain of properties on one (`["m", "containers", "web"]`), is: its
    /// type and the names of its entries. None when that is not known without running anything.
    pub(crate) fn receiver(&self, chain: &[String]) -> Option<Receiver> {
        let (engine, scope, _) = self.parts();
        let (first, rest) = chain.split_first()?;
        let mut value = scope.get(first)?.flatten_clone();
        for name in rest {
            value = super::members::member(&value, name)?.flatten();
        }
        Some(Receiver {
            ty: type_of(engine, &value),
            entries: super::members::entries(&value),
        })
    }
}

/// What the expression before a `.` is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Receiver {
    /// As `type_of` names it.
    pub ty: String,
    /// The names it reads entries by (`m.containers`: the configurations).
    pub entries: Vec<String>,
}

fn type_of(engine: &rhai::Engine, value: &Dynamic) -> String {
    let name = engine.map_type_name(value.type_name());
    name.rsplit("::").next().unwrap_or(name).to_string()
}
