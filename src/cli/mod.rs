//! The command line: parses arguments, runs a command on a thread with room for deep recipes,
//! renders errors once.

pub(crate) mod args;
pub(crate) mod diagnostic;
mod error;
mod progress;
mod show;

use std::ffi::OsString;
use std::io::Write as _;
use std::path::Path;
use std::rc::Rc;

use clap::Parser;

use crate::model::client::ClientConfig;
use crate::model::{check_maps, Checked, ContainerMap, Origin};
use crate::runtime::executor::Canceller;
use crate::script::{Limits, MapImage, ScriptHost};
use crate::session::{Build, BuildRequest, Mode, Recorder, Session};
use args::{Arguments, Command};
use error::Error;

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
    // (the Engine then cancels a build), the recipe stops; a second Ctrl-C exits at once.
    let cancel = canceller().clone();
    let _ = ctrlc::set_handler(move || {
        if cancel.is_cancelled() {
            std::process::exit(130);
        }
        cancel.cancel();
    });
    // Recipes recurse through the Rhai interpreter; give them a stack that fits its limits.
    let worker = std::thread::Builder::new()
        .name("dmap".into())
        .stack_size(256 << 20)
        .spawn(move || execute(arguments.command, arguments.verbose));
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
        Ok(()) => 0,
        Err(e) => {
            let _ = std::io::stderr().write_all(e.render().as_bytes());
            e.code()
        }
    }
}

/// The one canceller of the process's sessions (Ctrl-C).
fn canceller() -> &'static Canceller {
    static CANCEL: std::sync::OnceLock<Canceller> = std::sync::OnceLock::new();
    CANCEL.get_or_init(Canceller::new)
}

/// A session of this process: Ctrl-C cancels its actions.
fn session(mode: Mode) -> Session {
    Session::with_canceller(mode, canceller().clone())
}

fn limits() -> Limits {
    let mut limits = Limits::default();
    if let Some(ops) = std::env::var("DMAP_MAX_OPERATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
    {
        limits.max_operations = ops;
    }
    limits
}

fn execute(command: Command, verbose: bool) -> Result<(), Error> {
    match command {
        Command::Run { dry_run, file, args } => {
            if is_yaml(&file) {
                return Err(Error::Usage {
                    message: format!(
                        "`{}` is a docker-map YAML map, not a recipe: `dmap check` and `dmap show` read it; to act on it, load it from a recipe with `load_map(\"{}\")` and hand it to `mapping_client`",
                        file.display(),
                        file.display()
                    ),
                });
            }
            let mode = if dry_run { Mode::DryRun } else { Mode::Apply };
            let mut host = ScriptHost::new(
                &limits(),
                Rc::new(session(mode)),
                Rc::new(progress::Lines { verbose }),
            );
            host.set_args(&args);
            host.eval_file(&file)?;
            Ok(())
        }
        Command::Check { file, args } => {
            let (maps, clients) = load(&file, &args)?;
            let refs: Vec<&ContainerMap> = maps.iter().collect();
            let checked = checked(&refs, &clients)?;
            let mut out = std::io::stdout().lock();
            if checked.is_empty() {
                writeln!(out, "no maps in `{}`", file.display()).map_err(Error::Output)?;
            }
            for c in &checked {
                let instances = c.graph.containers().len();
                let attached: usize = c.configs.values().map(|cfg| cfg.attaches.len()).sum();
                writeln!(
                    out,
                    "map `{}` is valid: {} containers ({} instances), {} attached volumes, {} networks",
                    c.map.name,
                    c.configs.len(),
                    instances,
                    attached,
                    c.map.networks.len()
                )
                .map_err(Error::Output)?;
            }
            // The process ends now: freeing a large model piece by piece is wasted time.
            std::mem::forget(checked);
            std::mem::forget(maps);
            Ok(())
        }
        Command::Show { json, file, args } => {
            let (maps, clients) = load(&file, &args)?;
            let refs: Vec<&ContainerMap> = maps.iter().collect();
            let checked = checked(&refs, &clients)?;
            let cwd = std::env::current_dir().map_err(|source| Error::Read {
                path: ".".into(),
                source,
            })?;
            let model = crate::model::resolved::resolve(&checked, &cwd);
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            if json {
                serde_json::to_writer_pretty(&mut out, &model).map_err(|e| Error::Output(e.into()))?;
                out.write_all(b"\n").map_err(Error::Output)?;
            } else {
                out.write_all(show::text(&model).as_bytes())
                    .map_err(Error::Output)?;
            }
            out.flush().map_err(Error::Output)?;
            // The process ends now: freeing a large model piece by piece is wasted time.
            std::mem::forget(model);
            std::mem::forget(checked);
            std::mem::forget(maps);
            Ok(())
        }
        Command::Dockerfile { args, file, name } => {
            let images = recipe_images(&file, &args)?;
            let names: Vec<String> = name.into_iter().collect();
            let chosen = select(&images, &names, &file)?;
            let mut out = std::io::stdout().lock();
            let several = chosen.len() > 1;
            for (i, image) in chosen.iter().enumerate() {
                if several {
                    let gap = if i == 0 { "" } else { "\n" };
                    writeln!(
                        out,
                        "{gap}# image `{}` ({}) of map `{}`",
                        image.declared.name, image.reference, image.declared.map
                    )
                    .map_err(Error::Output)?;
                }
                out.write_all(image.declared.context.dockerfile.as_bytes())
                    .map_err(Error::Output)?;
            }
            Ok(())
        }
        Command::Build { args, file, names } => {
            let images = recipe_images(&file, &args)?;
            let chosen = select(&images, &names, &file)?;
            let session = session(Mode::Apply);
            let reporter = progress::Lines { verbose };
            // Client by client, each client's builds in parallel.
            let mut by_client: Vec<(String, ClientConfig, Vec<Build>)> = Vec::new();
            for image in chosen {
                let clients = if image.clients.is_empty() {
                    vec![(
                        crate::model::name::DEFAULT_CLIENT.to_string(),
                        ClientConfig::default(),
                    )]
                } else {
                    image.clients.clone()
                };
                for (client, config) in clients {
                    let build = Build {
                        name: image.declared.name.clone(),
                        tags: vec![image.reference.clone()],
                        context: image.declared.context.clone(),
                        origin: image.declared.origin.clone(),
                        reason: "dmap build".into(),
                    };
                    match by_client
                        .iter_mut()
                        .find(|(n, c, _)| *n == client && *c == config)
                    {
                        Some((_, _, builds)) => builds.push(build),
                        None => by_client.push((client, config, vec![build])),
                    }
                }
            }
            for (client, config, builds) in &by_client {
                let request = BuildRequest {
                    client,
                    config,
                    builds,
                };
                session
                    .build(&request, &reporter)
                    .map_err(|e| session_error(e, Origin::default()))?;
            }
            Ok(())
        }
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

/// The images a recipe's maps declare, the recipe evaluated as `check` does.
fn recipe_images(file: &Path, args: &[String]) -> Result<Vec<MapImage>, Error> {
    if is_yaml(file) {
        return Err(Error::Usage {
            message: format!(
                "`{}` is a docker-map YAML map: images are declared by recipes (`m.images.NAME = df`)",
                file.display()
            ),
        });
    }
    let session = Rc::new(session(Mode::Record));
    let mut host = ScriptHost::new(&limits(), session, Rc::new(Recorder::default()));
    host.print_to_stderr();
    host.set_args(args);
    let evaluation = host.eval_file(file)?;
    Ok(host.images(&evaluation)?)
}

/// The images `names` asks for (declared names or references), all when none; an unknown name
/// is an error listing the declared ones.
fn select<'a>(images: &'a [MapImage], names: &[String], file: &Path) -> Result<Vec<&'a MapImage>, Error> {
    if images.is_empty() {
        return Err(Error::Usage {
            message: format!(
                "`{}` declares no images: a map declares one with `m.images.NAME = dockerfile(...)`",
                file.display()
            ),
        });
    }
    if names.is_empty() {
        return Ok(images.iter().collect());
    }
    let mut out: Vec<&MapImage> = Vec::new();
    for name in names {
        let found: Vec<&MapImage> = images
            .iter()
            .filter(|i| i.declared.name == *name || i.reference == *name)
            .collect();
        if found.is_empty() {
            let declared: Vec<String> = images.iter().map(|i| format!("`{}`", i.declared.name)).collect();
            return Err(Error::Usage {
                message: format!(
                    "no image `{name}` is declared in `{}` (declared: {})",
                    file.display(),
                    declared.join(", ")
                ),
            });
        }
        for f in found {
            if !out.iter().any(|o| std::ptr::eq(*o, f)) {
                out.push(f);
            }
        }
    }
    Ok(out)
}

/// A docker-map YAML map, by its extension (any case).
fn is_yaml(file: &Path) -> bool {
    file.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| e.eq_ignore_ascii_case("yaml") || e.eq_ignore_ascii_case("yml"))
}

/// The clients each map was handed to, by map name.
type Clients = Vec<(String, Vec<(String, ClientConfig)>)>;

/// Every integrity check, including the interfaces of the clients the recipe names.
fn checked<'a>(maps: &[&'a ContainerMap], clients: &Clients) -> Result<Vec<Checked<'a>>, Error> {
    let checked = check_maps(maps, None).map_err(|problems| Error::Problems { problems })?;
    let clients_of = |name: &str| {
        clients
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c.clone())
            .unwrap_or_default()
    };
    let problems = crate::model::check::clients(&checked, &clients_of);
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(Error::Problems { problems })
    }
}

/// The maps of a recipe or a YAML map file, and the clients the recipe handed them to.
fn load(file: &Path, args: &[String]) -> Result<(Vec<ContainerMap>, Clients), Error> {
    if is_yaml(file) {
        let label = file
            .strip_prefix("./")
            .unwrap_or(file)
            .to_string_lossy()
            .into_owned();
        let text = std::fs::read_to_string(file).map_err(|source| Error::Read {
            path: label.clone(),
            source,
        })?;
        let map = crate::yaml::load_map(&label, &text, None, &|v| std::env::var(v).ok())
            .map_err(|problems| Error::Problems { problems })?;
        return Ok((vec![map], Vec::new()));
    }
    let session = Rc::new(session(Mode::Record));
    let mut host = ScriptHost::new(&limits(), session, Rc::new(Recorder::default()));
    host.print_to_stderr();
    host.set_args(args);
    let evaluation = host.eval_file(file)?;
    let (maps, clients): (Vec<ContainerMap>, Vec<_>) = host
        .take_selected(&evaluation)
        .into_iter()
        .map(|(map, clients)| {
            let name = map.name.clone();
            (map, (name, clients))
        })
        .unzip();
    Ok((maps, clients))
}
