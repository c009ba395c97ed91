//! The script host: a sandboxed Rhai engine with dmap's recipe API, evaluating recipes into maps.

use std::cell::RefCell;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;

use rhai::{Array, Dynamic, Engine, Scope, AST};

use super::api::{self, Host, State};
use super::error::{from_eval, from_parse, Error};
use super::handles::MapHandle;
use super::hints::Hints;
use super::resolver::Resolver;
use super::sources::Sources;
use crate::model::ContainerMap;
use crate::session::{Declared, Reporter, Session};

/// Limits that stop runaway recipes quickly with a clear error.
#[derive(Clone, Debug)]
pub struct Limits {
    pub max_operations: u64,
    pub max_call_levels: usize,
    pub max_string_size: usize,
    pub max_collection_size: usize,
    pub max_modules: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_operations: 10_000_000,
            max_call_levels: 64,
            max_string_size: 16 << 20,
            max_collection_size: 1_000_000,
            max_modules: 512,
        }
    }
}

pub struct ScriptHost {
    engine: Engine,
    state: State,
    scope: Scope<'static>,
}

/// An image a map declares (`m.images.NAME`), for `dmap build` and `dmap dockerfile`.
pub struct MapImage {
    pub declared: Declared,
    /// Its full reference (the map's `repository` and `default_tag` applied).
    pub reference: String,
    /// The clients its map was handed to (none: the local Engine).
    pub clients: Vec<(String, crate::model::client::ClientConfig)>,
}

/// The outcome of a recipe: the maps it hands on, and the value it ended with.
pub struct Evaluation {
    pub value: Dynamic,
}

impl ScriptHost {
    /// A host whose actions run in `session` and report to `reporter`.
    pub fn new(limits: &Limits, session: Rc<Session>, reporter: Rc<dyn Reporter>) -> Self {
        let mut engine = Engine::new();
        engine
            .set_max_operations(limits.max_operations)
            .set_max_call_levels(limits.max_call_levels)
            .set_max_expr_depths(128, 64)
            .set_max_string_size(limits.max_string_size)
            .set_max_array_size(limits.max_collection_size)
            .set_max_map_size(limits.max_collection_size)
            .set_max_modules(limits.max_modules)
            .set_fail_on_invalid_map_property(true)
            // The interner scans its whole cache for every new string: recipes that build big
            // maps make many strings, each once.
            .set_max_strings_interned(0);
        // A debugger that never stops: it keeps the call stack, so an instruction a template
        // writes into a DockerFile knows the recipe line that called the template.
        #[allow(deprecated)] // rhai marks the debugging API volatile, not deprecated
        engine.register_debugger(
            |_, debugger| debugger,
            |_, _, _, _, _| Ok(rhai::debugger::DebuggerCommand::Continue),
        );
        // The recipe's output goes where the front end wants it (around a live view).
        let printer = reporter.clone();
        engine.on_print(move |text| printer.print(text));
        // Ctrl-C (the session's canceller) stops the recipe too, between two operations.
        let cancel = session.canceller();
        engine.on_progress(move |_| cancel.is_cancelled().then_some(Dynamic::UNIT));
        let sources = Rc::new(Sources::default());
        let mut engine = engine;
        engine.set_module_resolver(Resolver::from_env(sources.clone()));
        let state: State = Rc::new(Host {
            main: RefCell::new("<recipe>".into()),
            created: RefCell::new(Vec::new()),
            clients: RefCell::new(Vec::new()),
            session,
            reporter,
            sources,
        });
        api::register(&mut engine, &state);
        ScriptHost {
            engine,
            state,
            scope: Scope::new(),
        }
    }

    /// Sends the recipe's `print` output to stderr, keeping stdout for a command's own output
    /// (`show --json` prints one JSON document).
    #[allow(clippy::print_stderr)] // the recipe's own output, where the front end wants it
    pub fn print_to_stderr(&mut self) {
        self.engine.on_print(|text| eprintln!("{text}"));
        self.engine.on_debug(|text, source, pos| match source {
            Some(source) if !pos.is_none() => eprintln!("{source}:{pos:?} {text}"),
            _ => eprintln!("{text}"),
        });
    }

    /// Makes `ARGS` (an array of strings) visible to the main recipe.
    pub fn set_args(&mut self, args: &[String]) {
        let array: Array = args.iter().cloned().map(Dynamic::from).collect();
        self.scope.set_or_push("ARGS", array);
    }

    /// Evaluates a recipe file. `label` is how positions name it.
    pub fn eval_file(&mut self, path: &Path) -> Result<Evaluation, Error> {
        let label = path
            .strip_prefix("./")
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(path).map_err(|source| Error::Read {
            path: label.clone(),
            source,
        })?;
        self.eval_text(&label, &text)
    }

    /// Evaluates recipe text in the host's scope (the REPL keeps its variables).
    pub fn eval_text(&mut self, label: &str, text: &str) -> Result<Evaluation, Error> {
        let source: Arc<str> = label.into();
        *self.state.main.borrow_mut() = source.clone();
        self.state.sources.add(label, text);
        let mut ast: AST = self
            .engine
            .compile_with_scope(&self.scope, text)
            .map_err(|e| from_parse(&e, &source, Some(text)))?;
        ast.set_source(label);
        let value = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut self.scope, &ast)
            .map_err(|e| from_eval(&e, &source, Some(&Hints::new(&self.engine, Some(&ast)))))?;
        Ok(Evaluation { value })
    }

    /// The mapping clients the recipe made, in the order it made them.
    pub fn mapping_clients(&self) -> Vec<super::handles::ClientHandle> {
        self.state.clients.borrow().clone()
    }

    /// The clients the recipe handed map `name` to (through any `mapping_client`).
    pub fn clients_of(&self, name: &str) -> Vec<(String, crate::model::client::ClientConfig)> {
        let mut out: Vec<(String, crate::model::client::ClientConfig)> = Vec::new();
        for c in self.state.clients.borrow().iter() {
            if !c.0.maps.iter().any(|m| m.name() == name) {
                continue;
            }
            for (client, config) in &c.0.clients {
                if !out.iter().any(|(n, _)| n == client) {
                    out.push((client.clone(), (**config).clone()));
                }
            }
        }
        out
    }

    /// The images the selected maps declare, with their references and the clients each map was
    /// handed to: what `dmap build` and `dmap dockerfile` work on.
    pub fn images(&self, evaluation: &Evaluation) -> Result<Vec<MapImage>, Error> {
        let mut out = Vec::new();
        let mut problems = Vec::new();
        for m in self.selected_maps(evaluation) {
            let clients = self.clients_of(&m.name());
            let declared = match super::select::declared(std::slice::from_ref(&m)) {
                Ok(d) => d,
                Err(Error::Recipe { problems: p, .. }) => {
                    problems.extend(p);
                    continue;
                }
                Err(e) => return Err(e),
            };
            let map = m.0.borrow();
            out.extend(declared.into_iter().map(|declared| MapImage {
                reference: crate::session::images::reference(&map, &declared.name),
                declared,
                clients: clients.clone(),
            }));
        }
        if problems.is_empty() {
            Ok(out)
        } else {
            Err(Error::Recipe {
                problems,
                trace: Vec::new(),
            })
        }
    }

    /// The maps `check` and `show` look at: those the recipe ended with as its value, else those
    /// it handed to `mapping_client`, else every map it created.
    pub fn selected_maps(&self, evaluation: &Evaluation) -> Vec<MapHandle> {
        let from_value: Vec<MapHandle> = if let Some(m) = evaluation.value.clone().try_cast::<MapHandle>() {
            vec![m]
        } else if let Some(list) = evaluation.value.clone().try_cast::<Array>() {
            let maps: Vec<MapHandle> = list
                .iter()
                .filter_map(|d| d.clone().try_cast::<MapHandle>())
                .collect();
            if maps.len() == list.len() {
                maps
            } else {
                Vec::new()
            }
        } else {
            Vec::new()
        };
        let handed = self.state.handed();
        let chosen = if !from_value.is_empty() {
            from_value
        } else if !handed.is_empty() {
            handed
        } else {
            self.state.created.borrow().clone()
        };
        let mut unique: Vec<MapHandle> = Vec::new();
        for m in chosen {
            if !unique.iter().any(|u| u.same(&m)) {
                unique.push(m);
            }
        }
        unique
    }

    /// The selected maps, moved out of the recipe's handles (the recipe is done with them), and
    /// the clients each was handed to: what `check` and `show` work on, without copying big maps.
    pub fn take_selected(
        &self,
        evaluation: &Evaluation,
    ) -> Vec<(ContainerMap, Vec<(String, crate::model::client::ClientConfig)>)> {
        self.selected_maps(evaluation)
            .into_iter()
            .map(|m| {
                let clients = self.clients_of(&m.name());
                (std::mem::take(&mut *m.0.borrow_mut()), clients)
            })
            .collect()
    }
}
