//! The interpreter: a sandboxed Rhai engine with dmap's recipe API, evaluating recipes into maps.

use std::cell::{Cell, RefCell};
use std::collections::HashSet;
use std::path::Path;
use std::rc::Rc;
use std::sync::Arc;
use std::time::Instant;

use rhai::{ASTNode, Array, Dynamic, Engine, Expr, Scope, Stmt, AST};

use super::api::{self, Shared, State};
use super::error::{from_eval, from_parse, Error};
use super::handles::MapHandle;
use super::hints::Hints;
use super::limits::{Limits, OverMemory, TIMED_OUT};
use super::output::Output;
use super::recipe_env::RecipeEnv;
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
            env: RefCell::new(RecipeEnv::default()),
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
    /// template writes into a DockerFile knows the recipe line that called the template (and a
    /// path a template in the stdlib adds is the recipe's). Only once a text may write from
    /// inside a script function (`may_write_from_a_function`): the debugger copies the
    /// arguments of every call into its stack, the whole array for each `a.push(x)`, which
    /// makes a loop of pushes quadratic. Once registered, it stays (the REPL's later inputs
    /// may call the template).
    fn keep_call_stack_for(&mut self, ast: &AST) {
        if self.call_stack {
            return;
        }
        let writers = Writers::of(&self.engine);
        if !may_write_from_a_function(ast, &writers) {
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
        let path = path.strip_prefix("./").unwrap_or(path);
        let label = path.to_string_lossy().into_owned();
        let text = super::input_file::read(path, &label).map_err(Error::from)?;
        *self.state.env.borrow_mut() = RecipeEnv::beside(path);
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
        self.keep_call_stack_for(&ast);
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

/// What writes an instruction with its trace (`api::trace`): the functions, property setters
/// and indexer setters that take or make a DockerFile, a build context or a Docker handle. Read
/// from the engine's signatures, so a function added to those types is counted without a list
/// to keep.
struct Writers {
    functions: HashSet<String>,
    setters: HashSet<String>,
    indexer: bool,
}

/// The script-facing types whose functions record where they were called from.
const WRITER_TYPES: [&str; 3] = ["DockerFile", "DockerContext", "Docker"];

impl Writers {
    fn of(engine: &Engine) -> Writers {
        let mut writers = Writers {
            functions: HashSet::new(),
            setters: HashSet::new(),
            indexer: false,
        };
        for signature in engine.gen_fn_signatures(false) {
            let signature = super::hints::readable(engine, &signature);
            let Some((name, rest)) = signature.split_once('(') else {
                continue;
            };
            let writes = rest
                .split(|c: char| !(c.is_alphanumeric() || c == '_'))
                .any(|word| WRITER_TYPES.contains(&word));
            if !writes {
                continue;
            }
            if let Some(property) = name.strip_prefix("set$") {
                writers.setters.insert(property.to_string());
            } else if name == "index$set$" {
                writers.indexer = true;
            } else if !name.contains('$') {
                writers.functions.insert(name.to_string());
            }
        }
        writers
    }
}

/// Whether evaluating `ast` may need the call stack: a writer called inside a script function
/// or closure (by name, as a property set, or — any index assignment, keys are values — as an
/// indexer set), or what the text can't be read for: an `import` (libraries' functions are
/// read when they load, after the evaluation started), `eval`, and `Fn` (a pointer to a
/// native writer, called from anywhere). Conservative: a function that calls another that
/// writes writes itself, so only bodies are looked at, never the call graph.
fn may_write_from_a_function(ast: &AST, writers: &Writers) -> bool {
    let mut needed = false;
    ast.walk(&mut |path: &[ASTNode]| {
        needed = match path.last() {
            Some(ASTNode::Stmt(Stmt::Import(..))) => true,
            Some(ASTNode::Stmt(Stmt::FnCall(f, _)) | ASTNode::Expr(Expr::FnCall(f, _))) => {
                f.name == "eval" || f.name == "Fn"
            }
            // `Fn("name")` of a literal is compiled to the pointer; closures point to script
            // functions
            Some(ASTNode::Expr(Expr::DynamicConstant(value, _))) => value
                .clone()
                .try_cast::<rhai::FnPtr>()
                .is_some_and(|f| !ast.iter_functions().any(|s| s.name == f.fn_name())),
            _ => false,
        };
        !needed
    });
    if needed {
        return true;
    }
    let functions = ast.clone_functions_only();
    functions.walk(&mut |path: &[ASTNode]| {
        needed = match path.last() {
            Some(
                ASTNode::Stmt(Stmt::FnCall(f, _))
                | ASTNode::Expr(Expr::FnCall(f, _) | Expr::MethodCall(f, _)),
            ) => writers.functions.contains(f.name.as_str()),
            Some(ASTNode::Stmt(Stmt::Assignment(x))) => sets_a_writer(&x.1.lhs, writers),
            _ => false,
        };
        !needed
    });
    needed
}

/// Whether the target of an assignment may be a writer's property or index.
fn sets_a_writer(target: &Expr, writers: &Writers) -> bool {
    let mut found = false;
    target.walk(&mut Vec::new(), &mut |path: &[ASTNode]| {
        found = match path.last() {
            Some(ASTNode::Expr(Expr::Property(p, _))) => writers.setters.contains(p.2.as_str()),
            Some(ASTNode::Expr(Expr::Index(..))) => writers.indexer,
            _ => false,
        };
        !found
    });
    found
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
    pub(crate) fn for_tests() -> Interpreter {
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

    /// The call stack is kept only for texts that may write an instruction from inside a
    /// script function: pushes into an array in any other recipe don't copy the array for each
    /// push (the debugger that keeps it copies every call's arguments).
    #[test]
    fn the_call_stack_is_kept_only_for_texts_that_may_write_from_a_function() {
        for (text, kept) in [
            ("let a = []; for i in 0..100 { a.push(i); } a.len()", false),
            (
                "fn f(x) { x + 1 } let a = []; for i in 0..100 { a.push(f(i)); } a.len()",
                false,
            ),
            ("fn f(a) { a.push(1); a } f([])", false),
            ("fn f(m) { m.name = 1; m.x = #{}; m.x.y = 2; m } f(#{})", false),
            // a map's property named as a DockerFile's: it may be one
            ("fn f(m) { m.user = 1; m } f(#{})", true),
            ("let f = |x| x + 1; f.call(1)", false),
            // top-level writes have no template calls to keep
            (
                "let df = dockerfile(\"scratch\"); df.run(\"x\"); df.user = \"u\"; 1",
                false,
            ),
            ("fn t(df) { df.run(\"x\"); } 1", true),
            ("fn t(df) { df.add_file(\"x\"); } 1", true),
            ("fn t(df) { df.finalize(); } 1", true),
            ("fn t(d, df) { d.build(df, \"x\"); } 1", true),
            ("fn t() { dockerfile(\"scratch\") } 1", true),
            ("fn t(df) { df.user = \"u\"; } 1", true),
            ("fn t(df) { df.cmd_user = \"u\"; } 1", true),
            ("fn t(df) { df.volumes += [\"/v\"]; } 1", true),
            ("fn t(df, k) { df[k] = \"u\"; } 1", true),
            ("fn t(df) { this.run(\"x\"); } 1", true),
            (
                "let df = dockerfile(\"scratch\"); [1].map(|i| df.run(\"x\")); 1",
                true,
            ),
            ("let w = Fn(\"run\"); 1", true),
            ("let w = \"run\"; let p = Fn(w); 1", true),
            ("fn f(x) { x } let p = Fn(\"f\"); p.call(1)", false),
            ("eval(\"1\")", true),
            ("import \"dmap/users\" as users; 1", true),
        ] {
            let mut interpreter = super::Interpreter::for_tests();
            if let Err(e) = interpreter.eval_text("t.rhai", text) {
                panic!("{text}: {e}");
            }
            assert_eq!(interpreter.call_stack, kept, "{text}");
        }
    }

    /// What writes with a trace is read from the engine: DockerFile, context and Docker
    /// functions, DockerFile properties and its indexer; nothing of arrays, maps or strings.
    #[test]
    fn writers_are_the_functions_of_dockerfiles_contexts_and_docker_handles() {
        let interpreter = super::Interpreter::for_tests();
        let writers = super::Writers::of(&interpreter.engine);
        for name in [
            "dockerfile",
            "run",
            "run_all",
            "writeline",
            "prefix",
            "add_file",
            "add_archive",
            "add_volume",
            "finalize",
            "save",
            "docker_context",
            "add",
            "build",
        ] {
            assert!(
                writers.functions.contains(name),
                "{name}: {:?}",
                writers.functions
            );
        }
        for name in ["push", "len", "map", "container_map", "to_string"] {
            if name == "to_string" {
                continue; // a DockerFile has one: counted, harmlessly
            }
            assert!(!writers.functions.contains(name), "{name}");
        }
        for property in crate::dockerfile::PROPERTIES.iter().chain(&["cmd_user"]) {
            assert!(
                writers.setters.contains(*property),
                "{property}: {:?}",
                writers.setters
            );
        }
        assert!(writers.indexer);
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

    /// With the call stack kept, an instruction a template writes names the call of the
    /// template.
    #[test]
    fn a_template_call_is_in_the_trace_of_what_it_writes() {
        let text = "fn t(df) {\n  df.run(\"x\");\n  df.user = \"u\";\n}\nlet df = dockerfile(\"scratch\");\nt(df);\ndf";
        let mut interpreter = super::Interpreter::for_tests();
        let value = match interpreter.eval_text("t.rhai", text) {
            Ok(e) => e.value,
            Err(e) => panic!("{e}"),
        };
        let Some(df) = value.try_cast::<crate::script::handles::DockerFileHandle>() else {
            panic!("not a DockerFile");
        };
        let rendered = match df.dockerfile.borrow().render() {
            Ok(r) => r,
            Err(e) => panic!("{e}"),
        };
        let traces: Vec<(String, String)> = rendered
            .instructions
            .iter()
            .map(|i| (i.text.clone(), i.trace.to_string()))
            .collect();
        assert_eq!(
            traces,
            [
                ("FROM scratch".to_string(), "t.rhai:5:10".to_string()),
                ("RUN x".into(), "t.rhai:2:6, called from t.rhai:6:1".into()),
                ("USER u".into(), "t.rhai:3:6, called from t.rhai:6:1".into()),
            ]
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
