//! The interpreter: a sandboxed Rhai engine with dmap's recipe API, evaluating recipes into maps.

use std::cell::{Cell, RefCell};
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use rhai::{Array, Dynamic, Engine, Scope, AST};

use super::api::{self, Shared, State};
use super::error::{from_eval, from_parse, Error};
use super::handles::MapHandle;
use super::hints::Hints;
use super::limits::{Limits, OverMemory, TIMED_OUT};
use super::output::Output;
use super::resolver::Resolver;
use super::sources::Sources;
use crate::model::ContainerMap;
use crate::session::{Reporter, Session};

pub(crate) struct Interpreter {
    engine: Engine,
    state: State,
    scope: Scope<'static>,
    /// The script functions defined so far: a later input (the REPL's) can call them.
    functions: AST,
    /// Whether the debugger that keeps the call stack is registered.
    call_stack: bool,
    /// When the text being evaluated started, for the wall-clock limit.
    started: Rc<Cell<Instant>>,
}

/// The outcome of a recipe: the maps it hands on, and the value it ended with.
pub(crate) struct Evaluation {
    pub value: Dynamic,
}

impl Interpreter {
    /// An interpreter whose actions run in `session` and report to `reporter`; the recipe's own output
    /// (`print`, `debug`) goes to `output`.
    pub(crate) fn new(
        limits: &Limits,
        session: Rc<Session>,
        reporter: Rc<dyn Reporter>,
        output: Rc<dyn Output>,
    ) -> Self {
        let mut engine = Engine::new();
        // No limit on the size of strings, arrays or maps: with any of them set, Rhai measures
        // the whole value after every call that changes it (`a.push(x)` in a loop is then
        // quadratic). The memory limit bounds them instead, below.
        engine
            .set_max_operations(limits.max_operations)
            .set_max_call_levels(limits.max_call_levels)
            .set_max_expr_depths(128, 64)
            .set_max_modules(limits.max_modules)
            .set_fail_on_invalid_map_property(true)
            // The interner scans its whole cache for every new string: recipes that build big
            // maps make many strings, each once.
            .set_max_strings_interned(0);
        // The recipe's output goes where the front end wants it (around a live view, to stderr).
        let printer = output.clone();
        engine.on_print(move |text| printer.print(text));
        engine.on_debug(move |text, source, position| output.debug(text, source, position));
        // Ctrl-C (the session's canceller) stops the recipe too, between two operations; so
        // does the memory limit, looked at after every operation (the heap the process holds,
        // counted by the allocator: `crate::heap_bytes`), and the wall-clock limit, looked at
        // every few thousand operations, while the session only records: once actions run, an
        // Engine's pull or build may take its time. Past a ceiling well above the memory limit,
        // allocations fail: one operation can't take the machine before it is looked at.
        crate::set_heap_ceiling(limits.heap_ceiling_bytes());
        let cancel = session.canceller();
        let started = Rc::new(Cell::new(Instant::now()));
        let since = started.clone();
        let progress_session = session.clone();
        let timeout = limits.eval_timeout;
        let (max_memory, max_memory_mib) = (limits.max_memory_bytes(), limits.max_memory_mib);
        engine.on_progress(move |ops| {
            if cancel.is_cancelled() {
                return Some(Dynamic::UNIT);
            }
            if crate::heap_bytes() > max_memory {
                return Some(Dynamic::from(OverMemory(max_memory_mib)));
            }
            let timed_out = ops % 4096 == 0
                && progress_session.mode() == crate::session::Mode::Record
                && since.get().elapsed() > timeout;
            timed_out.then(|| Dynamic::from(TIMED_OUT))
        });
        let sources = Rc::new(Sources::default());
        let mut engine = engine;
        engine.set_module_resolver(Resolver::from_env(sources.clone()));
        let state: State = Rc::new(Shared {
            main: RefCell::new("<recipe>".into()),
            created: RefCell::new(Vec::new()),
            clients: RefCell::new(Vec::new()),
            session,
            reporter,
            sources,
        });
        api::register(&mut engine, &state);
        Interpreter {
            engine,
            state,
            scope: Scope::new(),
            functions: AST::empty(),
            call_stack: false,
            started,
        }
    }

    /// Registers a debugger that never stops: it keeps the call stack, so an instruction a
    /// template writes into a DockerFile knows the recipe line that called the template. Only
    /// once a text can call script functions (it defines one, a closure, or imports a library):
    /// the debugger copies the arguments of every call into its stack, the whole array for each
    /// `a.push(x)`, which made a loop of pushes quadratic.
    fn keep_call_stack_for(&mut self, ast: &AST, text: &str) {
        if self.call_stack {
            return;
        }
        if ast.iter_functions().next().is_none() && !text.contains("import") && !text.contains("eval") {
            return;
        }
        #[allow(deprecated)] // rhai marks the debugging API volatile, not deprecated
        self.engine.register_debugger(
            |_, debugger| debugger,
            |_, _, _, _, _| Ok(rhai::debugger::DebuggerCommand::Continue),
        );
        self.call_stack = true;
    }

    /// Makes `ARGS` (an array of strings) visible to the main recipe.
    pub(crate) fn set_args(&mut self, args: &[String]) {
        let array: Array = args.iter().cloned().map(Dynamic::from).collect();
        self.scope.set_or_push("ARGS", array);
    }

    /// Evaluates a recipe file. `label` is how positions name it.
    pub(crate) fn eval_file(&mut self, path: &Path) -> Result<Evaluation, Error> {
        let label = path
            .strip_prefix("./")
            .unwrap_or(path)
            .to_string_lossy()
            .into_owned();
        let text = super::input_file::read(path, &label).map_err(Error::from)?;
        self.eval_text(&label, &text)
    }

    /// Evaluates recipe text in the interpreter's scope: its variables, functions and imports stay for
    /// the next text (the REPL's inputs).
    pub(crate) fn eval_text(&mut self, label: &str, text: &str) -> Result<Evaluation, Error> {
        let source: Arc<str> = label.into();
        *self.state.main.borrow_mut() = source.clone();
        self.state.sources.add(label, text);
        let ast: AST = self
            .engine
            .compile_with_scope(&self.scope, text)
            .map_err(|e| from_parse(&e, &source, Some(text)))?;
        self.keep_call_stack_for(&ast, text);
        // Earlier functions stay callable; one defined again replaces the old one.
        let mut run = self.functions.merge(&ast);
        run.set_source(label);
        self.started.set(Instant::now());
        let value = self
            .engine
            .eval_ast_with_scope::<Dynamic>(&mut self.scope, &run)
            .map_err(|e| from_eval(&e, &source, Some(&Hints::new(&self.engine, Some(&run)))))?;
        self.functions = run.clone_functions_only();
        self.keep_imports(label, text);
        Ok(Evaluation { value })
    }

    /// Rhai forgets a text's `import`s when it ends: the modules it imported at the top level
    /// are registered under their aliases, so later texts (REPL inputs) can call into them.
    fn keep_imports(&mut self, label: &str, text: &str) {
        use rhai::ModuleResolver as _;
        for (path, alias) in top_level_imports(text) {
            let resolver = Resolver::from_env(self.state.sources.clone());
            if let Ok(module) = resolver.resolve(&self.engine, Some(label), &path, rhai::Position::NONE) {
                self.engine.register_static_module(alias.as_str(), module);
            }
        }
    }

    /// The engine, the scope and the script functions, for what the REPL completes and shows.
    pub(crate) fn parts(&self) -> (&Engine, &Scope<'static>, &AST) {
        (&self.engine, &self.scope, &self.functions)
    }

    /// Every map made so far (`container_map`, `load_map`), in order.
    pub(crate) fn created_maps(&self) -> Vec<MapHandle> {
        self.state.created.borrow().clone()
    }

    /// The session the recipe's actions run in.
    pub(crate) fn session(&self) -> Rc<Session> {
        self.state.session.clone()
    }

    /// The mapping clients the recipe made, in the order it made them.
    pub(crate) fn mapping_clients(&self) -> Vec<super::handles::ClientHandle> {
        self.state.clients.borrow().clone()
    }

    /// The clients the recipe handed map `name` to (through any `mapping_client`).
    pub(crate) fn clients_of(&self, name: &str) -> Vec<(String, crate::model::client::ClientConfig)> {
        let mut out: Vec<(String, crate::model::client::ClientConfig)> = Vec::new();
        for c in self.state.clients.borrow().iter() {
            if !c.client.maps.iter().any(|m| m.name() == name) {
                continue;
            }
            for (client, config) in &c.client.clients {
                if !out.iter().any(|(n, _)| n == client) {
                    out.push((client.clone(), (**config).clone()));
                }
            }
        }
        out
    }

    /// The maps `check` and `show` look at: those the recipe ended with as its value, else those
    /// it handed to `mapping_client`, else every map it created.
    pub(crate) fn selected_maps(&self, evaluation: &Evaluation) -> Vec<MapHandle> {
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
    pub(crate) fn take_selected(
        &self,
        evaluation: &Evaluation,
    ) -> Vec<(ContainerMap, Vec<(String, crate::model::client::ClientConfig)>)> {
        self.selected_maps(evaluation)
            .into_iter()
            .map(|m| {
                let clients = self.clients_of(&m.name());
                (std::mem::take(&mut *m.write()), clients)
            })
            .collect()
    }
}

/// `import "PATH" as ALIAS;` statements at the top level of a text (outside blocks, strings
/// and comments), as (PATH, ALIAS). Rhai does not expose its statements without `internals`.
fn top_level_imports(text: &str) -> Vec<(String, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut depth = 0usize;
    let mut i = 0;
    let word_at = |i: usize, word: &str| {
        let w: Vec<char> = word.chars().collect();
        chars.get(i..i + w.len()) == Some(&w[..])
            && (i == 0 || !is_ident(chars[i - 1]))
            && chars.get(i + w.len()).is_none_or(|c| !is_ident(*c))
    };
    while i < chars.len() {
        let c = chars[i];
        match c {
            '/' if chars.get(i + 1) == Some(&'/') => {
                while i < chars.len() && chars[i] != '\n' {
                    i += 1;
                }
            }
            '/' if chars.get(i + 1) == Some(&'*') => {
                i += 2;
                while i + 1 < chars.len() && !(chars[i] == '*' && chars[i + 1] == '/') {
                    i += 1;
                }
                i += 1;
            }
            '"' | '`' | '\'' => {
                i += 1;
                while i < chars.len() && chars[i] != c {
                    if chars[i] == '\\' {
                        i += 1;
                    }
                    i += 1;
                }
            }
            '{' => depth += 1,
            '}' => depth = depth.saturating_sub(1),
            'i' if depth == 0 && word_at(i, "import") => {
                if let Some((path, alias, end)) = import_at(&chars, i + "import".len()) {
                    out.push((path, alias));
                    i = end;
                    continue;
                }
            }
            _ => {}
        }
        i += 1;
    }
    out
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// After `import`: `"PATH" as ALIAS`, and where it ends.
fn import_at(chars: &[char], mut i: usize) -> Option<(String, String, usize)> {
    let skip_space = |i: &mut usize| {
        while chars.get(*i).is_some_and(|c| c.is_whitespace()) {
            *i += 1;
        }
    };
    skip_space(&mut i);
    if chars.get(i) != Some(&'"') {
        return None;
    }
    i += 1;
    let start = i;
    while chars.get(i).is_some_and(|c| *c != '"') {
        i += 1;
    }
    let path: String = chars.get(start..i)?.iter().collect();
    i += 1;
    skip_space(&mut i);
    if chars.get(i..i + 2) != Some(&['a', 's']) {
        return None;
    }
    i += 2;
    skip_space(&mut i);
    let start = i;
    while chars.get(i).is_some_and(|c| is_ident(*c)) {
        i += 1;
    }
    let alias: String = chars.get(start..i)?.iter().collect();
    (!alias.is_empty()).then_some((path, alias, i))
}

#[cfg(test)]
impl Interpreter {
    /// An interpreter that records actions and discards output, for unit tests.
    pub(super) fn for_tests() -> Interpreter {
        use std::rc::Rc;
        let session = Rc::new(crate::session::Session::new(crate::session::Mode::Record));
        let reporter = Rc::new(crate::session::Recorder::default());
        let output = Rc::new(crate::script::output::Discard);
        Interpreter::new(&crate::script::Limits::default(), session, reporter, output)
    }
}

#[cfg(test)]
mod tests {
    use super::top_level_imports;

    /// The call stack is kept only once script functions can be called: pushes into an array
    /// in a recipe without functions don't copy the array for each push.
    #[test]
    fn the_call_stack_is_kept_only_for_texts_that_can_call_script_functions() {
        for (text, kept) in [
            ("let a = []; for i in 0..100 { a.push(i); } a.len()", false),
            ("fn f(a) { a.push(1); a } f([])", true),
            ("let f = |x| x + 1; f.call(1)", true),
            ("import \"dmap/users\" as users; 1", true),
        ] {
            let mut interpreter = super::Interpreter::for_tests();
            if let Err(e) = interpreter.eval_text("t.rhai", text) {
                panic!("{text}: {e}");
            }
            assert_eq!(interpreter.call_stack, kept, "{text}");
        }
    }

    /// Rhai measures nothing after a call: with a limit on strings, arrays or maps it would
    /// measure the whole value after every `a.push(x)`.
    #[test]
    fn no_value_is_measured_after_a_call() {
        let interpreter = super::Interpreter::for_tests();
        let engine = &interpreter.engine;
        assert_eq!(
            (
                engine.max_string_size(),
                engine.max_array_size(),
                engine.max_map_size()
            ),
            (0, 0, 0)
        );
    }

    #[test]
    fn imports_at_the_top_level_are_found() {
        let text = r#"
            import "dmap/users" as users;
            // import "not/this" as no;
            let s = "import \"nor/this\" as no";
            fn f() { import "inner" as inner; }
            import  "lib/x"  as  x_2 ;
            /* import "c" as c; */
        "#;
        assert_eq!(
            top_level_imports(text),
            vec![
                ("dmap/users".into(), "users".into()),
                ("lib/x".into(), "x_2".into())
            ]
        );
    }
}
