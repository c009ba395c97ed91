//! The command line: parses arguments, runs a command on a thread with room for deep recipes,
//! renders errors once. One file per verb family; each calls the session and renders what it
//! reports.

pub(crate) mod args;
mod completion;
mod compose;
mod converge;
mod convert;
pub(crate) mod diagnostic;
mod error;
mod images;
mod inspect;
mod job;
mod load;
mod output;
mod progress;
mod repl;
mod show;
mod status;
mod streams;
mod ui;
mod watch;

use std::ffi::OsString;
use std::io::Write as _;
use std::rc::Rc;

use clap::Parser;

use crate::model::Origin;
use crate::script::{Interpreter, Limits};
use crate::session::{Action, Canceller, Flags, Mode, Session};
use args::{Arguments, Command};
use error::Error;
use ui::Ui;

/// Runs dmap with these arguments; returns the exit status.
pub fn main(argv: impl IntoIterator<Item = OsString>) -> i32 {
    let arguments = match Arguments::try_parse_from(argv) {
        Ok(a) => a,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() { 2 } else { 0 };
        }
    };
    #[allow(clippy::print_stderr)] // the terminal is the CLI's
    std::panic::set_hook(Box::new(|info| {
        eprintln!("error: internal error, this may indicate a bug in dmap: {info}");
    }));
    // Ctrl-C cancels: the action running starts no more steps and drops its waits and builds
    // (the Engine then cancels a build), the recipe stops; a second Ctrl-C exits at once. The
    // REPL resets the canceller before each input: a Ctrl-C there returns to the prompt (at the
    // prompt itself the terminal is raw and Ctrl-C clears the line).
    let cancel = canceller().clone();
    let _ = ctrlc::set_handler(move || {
        if cancel.is_cancelled() {
            std::process::exit(130);
        }
        cancel.cancel();
    });
    let json = arguments.progress == args::Progress::Json && !arguments.quiet;
    // Recipes recurse through the Rhai interpreter; give them a stack that fits its limits.
    let worker = std::thread::Builder::new()
        .name("dmap".into())
        .stack_size(256 << 20)
        .spawn(move || execute(arguments));
    let result = match worker {
        Ok(handle) => handle.join().unwrap_or_else(|_| {
            Err(Error::Internal {
                message: "the command panicked".into(),
            })
        }),
        Err(e) => Err(Error::Internal {
            message: format!("can't start a thread: {e}"),
        }),
    };
    match result {
        Ok(code) => code,
        Err(e) => {
            let text = e.render();
            let out = if json {
                progress::error_line(&text) + "\n"
            } else {
                text
            };
            let _ = std::io::stderr().write_all(out.as_bytes());
            e.code()
        }
    }
}

/// The one canceller of the process's sessions (Ctrl-C).
fn canceller() -> &'static Canceller {
    static CANCEL: std::sync::OnceLock<Canceller> = std::sync::OnceLock::new();
    CANCEL.get_or_init(Canceller::new)
}

/// The builder the command line (`--builder`) and the environment (`DOCKER_BUILDKIT`) choose,
/// set once when the command line is read.
static BUILDERS: std::sync::OnceLock<crate::model::builder::Choice> = std::sync::OnceLock::new();

fn builders() -> crate::model::builder::Choice {
    BUILDERS.get().copied().unwrap_or_default()
}

/// A session of this process: Ctrl-C cancels its actions; it builds with the builder chosen.
fn session(mode: Mode) -> Session {
    let session = Session::with_canceller(mode, canceller().clone());
    session.set_builders(builders());
    session
}

/// The recipe limits the environment sets (`DMAP_MAX_OPERATIONS`, `DMAP_EVAL_TIMEOUT`,
/// `DMAP_MAX_MEMORY`).
fn limits() -> Result<Limits, Error> {
    Limits::from_env(&|v| std::env::var(v).ok()).map_err(|e| Error::Usage {
        message: e.to_string(),
    })
}

/// Decides the FILE of a verb that takes one (`load::resolve_file`): a first argument that is
/// not one is a target (or image name).
fn resolve_files(command: &mut Command, flag: Option<&std::path::Path>) -> Result<(), Error> {
    match command {
        Command::Up { recipe, targets, .. }
        | Command::Down { recipe, targets, .. }
        | Command::Plan { recipe, targets, .. }
        | Command::Status { recipe, targets, .. }
        | Command::Logs { recipe, targets, .. }
        | Command::Start { recipe, targets }
        | Command::Stop { recipe, targets }
        | Command::Restart { recipe, targets }
        | Command::Kill { recipe, targets, .. } => load::resolve_file(recipe, flag, targets),
        Command::Build { recipe, names } | Command::Push { recipe, names } => {
            load::resolve_file(recipe, flag, names)
        }
        Command::Dockerfile { recipe, name }
        | Command::Exec {
            recipe, target: name, ..
        }
        | Command::Job {
            recipe, config: name, ..
        } => {
            let mut rest: Vec<String> = name.take().into_iter().collect();
            load::resolve_file(recipe, flag, &mut rest)?;
            let mut rest = rest.into_iter();
            *name = rest.next();
            match rest.next() {
                Some(extra) => Err(Error::Usage {
                    message: format!("unexpected argument `{extra}`"),
                }),
                None => Ok(()),
            }
        }
        Command::Run { file, args, .. } => {
            *file = Some(load::decide_file(
                file.take(),
                flag,
                args,
                &load::DEFAULT_FILES[..1],
            )?);
            Ok(())
        }
        Command::Check { file, args } | Command::Show { file, args, .. } => {
            *file = Some(load::decide_file(file.take(), flag, args, &load::DEFAULT_FILES)?);
            Ok(())
        }
        Command::Convert { file } => {
            let mut rest = Vec::new();
            *file = Some(load::decide_file(
                file.take(),
                flag,
                &mut rest,
                &load::DEFAULT_FILES[1..],
            )?);
            match rest.first() {
                Some(extra) => Err(Error::Usage {
                    message: format!("`{extra}` is not a Compose file"),
                }),
                None => Ok(()),
            }
        }
        _ => Ok(()),
    }
}

/// Runs one verb; returns the exit status of a success (`plan` and `exec` have their own).
fn execute(arguments: Arguments) -> Result<i32, Error> {
    let ui = Ui {
        verbose: arguments.verbose,
        quiet: arguments.quiet,
        progress: arguments.progress,
        no_color: arguments.no_color,
    };
    let done = |r: Result<(), Error>| r.map(|()| 0);
    let _ = BUILDERS.set(crate::model::builder::Choice {
        flag: arguments.builder.map(args::BuilderArg::builder),
        env: std::env::var("DOCKER_BUILDKIT")
            .ok()
            .and_then(|v| crate::model::builder::Builder::from_docker_buildkit(&v)),
    });
    compose::set_flags(crate::script::compose_file::Options {
        project: arguments.project_name.clone(),
        profiles: arguments.profiles.clone(),
        env_files: arguments.env_files.clone(),
    });
    let mut command = arguments.command;
    resolve_files(&mut command, arguments.file.as_deref())?;
    match command {
        Command::Up {
            recipe,
            targets,
            flags,
            wait,
            watch: true,
        } => done(watch::up_watch(&recipe, &targets, flags, wait, &ui)),
        Command::Up {
            recipe,
            targets,
            flags,
            wait,
            watch: false,
        } => done(converge::up(&recipe, &targets, flags, wait, &ui)),
        Command::Down {
            recipe,
            targets,
            volumes,
            remove_orphans,
        } => done(converge::down(&recipe, &targets, volumes, remove_orphans, &ui)),
        Command::Start { recipe, targets } => done(converge::act(
            &recipe,
            &targets,
            &Action::Start,
            Flags::default(),
            &ui,
        )),
        Command::Stop { recipe, targets } => done(converge::act(
            &recipe,
            &targets,
            &Action::Stop,
            Flags::default(),
            &ui,
        )),
        Command::Restart { recipe, targets } => done(converge::act(
            &recipe,
            &targets,
            &Action::Restart,
            Flags::default(),
            &ui,
        )),
        Command::Kill {
            recipe,
            targets,
            signal,
        } => done(converge::act(
            &recipe,
            &targets,
            &Action::Signal(signal),
            Flags::default(),
            &ui,
        )),
        Command::Plan {
            recipe,
            targets,
            json,
            flags,
        } => converge::plan(&recipe, &targets, flags, json),
        Command::Status {
            recipe,
            targets,
            json,
        } => done(status::status(&recipe, &targets, json)),
        Command::Logs {
            recipe,
            targets,
            follow,
            tail,
            since,
        } => done(streams::logs(
            &recipe,
            &targets,
            follow,
            tail,
            since.as_deref(),
            &ui,
        )),
        Command::Exec {
            recipe,
            target,
            command,
            run_as,
            no_tty,
        } => streams::exec(
            &recipe,
            target.as_deref().ok_or_else(|| Error::Usage {
                message: "`exec` needs the container: `dmap exec [FILE] TARGET -- COMMAND...`".into(),
            })?,
            streams::ExecFlags {
                command,
                run_as,
                no_tty,
            },
        ),
        Command::Job {
            recipe,
            config,
            command,
            run_as,
            entrypoint,
            interactive,
            no_tty,
            keep,
            rm: _,
            no_deps,
            service_ports,
            name,
        } => job::job(
            &recipe,
            config.as_deref().ok_or_else(|| Error::Usage {
                message: "`job` needs the configuration: `dmap job [FILE] CONFIG [-- COMMAND...]`".into(),
            })?,
            job::JobFlags {
                command,
                run_as,
                entrypoint,
                interactive,
                no_tty,
                keep,
                no_deps,
                service_ports,
                name,
            },
            &ui,
        ),
        Command::Build { recipe, names } => done(images::build(&recipe, &names, &ui)),
        Command::Push { recipe, names } => done(images::push(&recipe, &names, &ui)),
        Command::Dockerfile { recipe, name } => done(images::dockerfile(&recipe, name)),
        Command::Run { dry_run, file, args } => {
            let file = file.unwrap_or_default();
            if load::is_yaml(&file) {
                return Err(Error::Usage {
                    message: format!(
                        "`{}` is a docker-map YAML map, not a recipe: `dmap check` and `dmap show` read it, `dmap up` converges it; from a recipe, load it with `load_map(\"{}\")` and hand it to `mapping_client`",
                        file.display(),
                        file.display()
                    ),
                });
            }
            let mode = if dry_run { Mode::DryRun } else { Mode::Apply };
            let (reporter, output) = ui.reporter_and_output();
            let mut interpreter = Interpreter::new(&limits()?, Rc::new(session(mode)), reporter, output);
            interpreter.set_args(&args);
            interpreter.eval_file(&file)?;
            Ok(0)
        }
        Command::Check { file, args } => done(inspect::check(&file.unwrap_or_default(), &args)),
        Command::Show { json, file, args } => done(inspect::show(json, &file.unwrap_or_default(), &args)),
        Command::Convert { file } => done(convert::convert(&file.unwrap_or_default())),
        Command::Repl { recipe } => done(repl::run(recipe.file.as_deref(), &recipe.args, &ui)),
        Command::Completions { shell } => done(completion::script(shell)),
        Command::Complete { words } => done(completion::complete(&words)),
    }
}

/// A session's error, for the one renderer.
fn session_error(error: crate::session::Error, origin: Origin) -> Error {
    match error {
        crate::session::Error::Problems { problems } => Error::Problems { problems },
        crate::session::Error::Usage { message } => Error::Usage { message },
        other => Error::Script(crate::script::Error::Action {
            failure: crate::script::error::ActionFailure {
                error: std::sync::Arc::new(other),
                origin,
            },
            trace: Vec::new(),
        }),
    }
}

#[cfg(test)]
mod tests {
    /// The front ends (the CLI and the script interpreter) name what they need of the runtime through
    /// the session's re-exports, so the runtime's layout stays its own.
    #[test]
    fn front_ends_name_the_runtime_through_the_session() {
        let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
        let mut offenders = Vec::new();
        for dir in ["cli", "script"] {
            for entry in walkdir::WalkDir::new(src.join(dir)) {
                let entry = entry.expect("walk src");
                if entry.path().extension().is_none_or(|e| e != "rs") {
                    continue;
                }
                let text = std::fs::read_to_string(entry.path()).expect("read a source file");
                // Split, so this line is not one of them.
                let needle = ["crate::", "runtime"].concat();
                for (i, line) in text.lines().enumerate() {
                    if line.contains(&needle) {
                        offenders.push(format!("{}:{}: {line}", entry.path().display(), i + 1));
                    }
                }
            }
        }
        assert!(
            offenders.is_empty(),
            "use the session's re-exports:\n{}",
            offenders.join("\n")
        );
    }
}
