//! `import "NAME" as x;`: relative to the importing file, then each folder on `DMAP_PATH`, then
//! the stdlib shipped inside the binary.

use std::cell::RefCell;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::rc::Rc;
use std::sync::Arc;

use rhai::module_resolvers::ModuleResolver;
use rhai::{Engine, EvalAltResult, Module, Position, Scope, Shared};

use super::error::{origin_at, raise_one};
use super::hints::Hints;
use super::input_file::{self, InputError};
use super::sources::Sources;
// The diagnostics read a library's lines through here too.
use super::stdlib::stdlib_names;
pub(crate) use super::stdlib::stdlib_text;
use crate::model::Problem;

pub(crate) struct Resolver {
    search_path: Vec<PathBuf>,
    sources: Rc<Sources>,
    cache: RefCell<HashMap<String, Shared<Module>>>,
    loading: RefCell<Vec<String>>,
}

impl Resolver {
    pub(crate) fn new(search_path: Vec<PathBuf>, sources: Rc<Sources>) -> Self {
        Resolver {
            search_path,
            sources,
            cache: RefCell::new(HashMap::new()),
            loading: RefCell::new(Vec::new()),
        }
    }

    /// `DMAP_PATH` split like `PATH`.
    pub(crate) fn from_env(sources: Rc<Sources>) -> Self {
        let path = std::env::var_os("DMAP_PATH")
            .map(|p| {
                std::env::split_paths(&p)
                    .filter(|p| !p.as_os_str().is_empty())
                    .collect()
            })
            .unwrap_or_default();
        Resolver::new(path, sources)
    }

    /// Finds the text of a library: (label used as its source, text).
    fn find(&self, importer: Option<&str>, name: &str) -> Result<Option<(String, String)>, InputError> {
        let file = if name.ends_with(".rhai") {
            name.to_string()
        } else {
            format!("{name}.rhai")
        };
        let importer_dir = importer
            .filter(|s| !s.starts_with('<') && !s.starts_with("stdlib:"))
            .and_then(|s| Path::new(s).parent().map(Path::to_path_buf));
        let mut candidates: Vec<PathBuf> = Vec::new();
        if Path::new(&file).is_absolute() {
            candidates.push(PathBuf::from(&file));
        } else {
            candidates.push(importer_dir.unwrap_or_default().join(&file));
            candidates.extend(self.search_path.iter().map(|d| d.join(&file)));
        }
        for path in candidates {
            // Whatever is there is read, or refused by name (a FIFO, a directory): not passed over.
            if std::fs::metadata(&path).is_ok() {
                let label = path
                    .strip_prefix("./")
                    .unwrap_or(&path)
                    .to_string_lossy()
                    .into_owned();
                let text = input_file::read(&path, &label)?;
                return Ok(Some((label, text)));
            }
        }
        let bare = name.strip_suffix(".rhai").unwrap_or(name);
        Ok(stdlib_text(bare).map(|text| (format!("stdlib:{bare}"), text.to_string())))
    }
}

impl ModuleResolver for Resolver {
    fn resolve(
        &self,
        engine: &Engine,
        source: Option<&str>,
        path: &str,
        pos: Position,
    ) -> Result<Shared<Module>, Box<EvalAltResult>> {
        let importer: Arc<str> = source.unwrap_or("<recipe>").into();
        let here = origin_at(&importer, pos);
        let (label, text) = match self.find(source, path) {
            Ok(Some(found)) => found,
            Ok(None) => {
                let mut places = vec!["next to the importing file".to_string()];
                if !self.search_path.is_empty() {
                    places.push("on DMAP_PATH".into());
                }
                places.push("in the stdlib".into());
                return Err(raise_one(Problem::new(
                    format!(
                        "library `{path}` not found ({}); the stdlib has {}",
                        places.join(", "),
                        stdlib_names()
                            .map(|n| format!("`{n}`"))
                            .collect::<Vec<_>>()
                            .join(", ")
                    ),
                    here,
                )));
            }
            // A bad byte is placed in the library; a file that can't be read, at the import.
            Err(e @ InputError::NotUtf8 { .. }) => return Err(raise_one(e.into())),
            Err(e) => return Err(raise_one(Problem::new(e.to_string(), here))),
        };
        if let Some(m) = self.cache.borrow().get(&label) {
            return Ok(m.clone());
        }
        if self.loading.borrow().contains(&label) {
            let mut chain = self.loading.borrow().clone();
            chain.push(label.clone());
            return Err(raise_one(Problem::new(
                format!("import cycle: {}", chain.join(" -> ")),
                here,
            )));
        }
        let label_arc: Arc<str> = label.as_str().into();
        self.sources.add(&label, &text);
        let mut ast = engine.compile(&text).map_err(|e| {
            match super::error::from_parse(&e, &label_arc, Some(&text)) {
                super::error::Error::Recipe { problems, .. } => super::error::raise(problems),
                other => raise_one(Problem::new(other.to_string(), here.clone())),
            }
        })?;
        ast.set_source(label.as_str());
        self.loading.borrow_mut().push(label.clone());
        let result = Module::eval_ast_as_new(Scope::new(), &ast, engine);
        self.loading.borrow_mut().pop();
        let module: Shared<Module> = result
            .map_err(|e| {
                match super::error::from_eval(&e, &label_arc, Some(&Hints::new(engine, Some(&ast)))) {
                    super::error::Error::Recipe { problems, .. } => super::error::raise(problems),
                    other => raise_one(Problem::new(other.to_string(), here.clone())),
                }
            })?
            .into();
        self.cache.borrow_mut().insert(label, module.clone());
        Ok(module)
    }
}
