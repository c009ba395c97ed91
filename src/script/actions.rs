//! Actions on a mapping client: they run as the recipe calls them, blocking on the runtime the
//! host owns (Rhai never runs inside a tokio task), and return one `#{ container, action,
//! reason }` per step.

use std::collections::BTreeSet;
use std::io::Write as _;

use rhai::{Array, Dynamic, Engine, EvalAltResult, Map, NativeCallContext};

use super::api::{here, SharedSession};
use super::error::{raise, raise_one};
use super::handles::ClientHandle;
use crate::model::{check_maps, target, ContainerMap, Origin, Problem};
use crate::runtime::apply::{apply, StepOutcome};
use crate::runtime::driver::Driver;
use crate::runtime::observe::observe;
use crate::runtime::plan::{plan, Action, Options, Plan};
use crate::runtime::spec::Desired;

type Fallible<T> = Result<T, Box<EvalAltResult>>;

/// Steps applied at once, at most.
pub const PARALLEL_STEPS: usize = 8;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Plan and apply against the Engine.
    #[default]
    Apply,
    /// Plan against the Engine as it is, print, change nothing (`dmap run --dry-run`).
    DryRun,
    /// Contact no Engine: actions are recorded (`dmap check`, `dmap show`).
    Record,
}

const ACTIONS: [&str; 9] = [
    "create",
    "start",
    "startup",
    "stop",
    "remove",
    "shutdown",
    "restart",
    "update",
    "pull_images",
];

pub fn register(engine: &mut Engine, session: &SharedSession) {
    for name in ACTIONS {
        let s = session.clone();
        engine.register_fn(
            name,
            move |ctx: NativeCallContext, c: &mut ClientHandle, targets: Dynamic| {
                act(&ctx, &s, c, name, None, targets, Map::new(), false)
            },
        );
        let s = session.clone();
        engine.register_fn(
            name,
            move |ctx: NativeCallContext, c: &mut ClientHandle, targets: Dynamic, options: Map| {
                act(&ctx, &s, c, name, None, targets, options, false)
            },
        );
    }
    let s = session.clone();
    engine.register_fn(
        "signal",
        move |ctx: NativeCallContext, c: &mut ClientHandle, targets: Dynamic, signal: &str| {
            act(&ctx, &s, c, "signal", Some(signal), targets, Map::new(), false)
        },
    );
    let s = session.clone();
    engine.register_fn(
        "signal",
        move |ctx: NativeCallContext, c: &mut ClientHandle, targets: Dynamic, signal: &str, options: Map| {
            act(&ctx, &s, c, "signal", Some(signal), targets, options, false)
        },
    );
    let s = session.clone();
    engine.register_fn(
        "plan",
        move |ctx: NativeCallContext, c: &mut ClientHandle, action: &str, targets: Dynamic| {
            act(&ctx, &s, c, action, None, targets, Map::new(), true)
        },
    );
    let s = session.clone();
    engine.register_fn(
        "plan",
        move |ctx: NativeCallContext, c: &mut ClientHandle, action: &str, targets: Dynamic, options: Map| {
            act(&ctx, &s, c, action, None, targets, options, true)
        },
    );
}

fn strings(d: &Dynamic, what: &str, origin: &Origin) -> Fallible<Vec<String>> {
    let fail = || {
        raise_one(Problem::new(
            format!(
                "{what}: expected a string or an array of strings, found {}",
                d.type_name()
            ),
            origin.clone(),
        ))
    };
    if d.is_string() {
        return Ok(vec![d.clone().into_string().map_err(|_| fail())?]);
    }
    let list = d.clone().into_array().map_err(|_| fail())?;
    list.iter()
        .map(|x| x.clone().into_string().map_err(|_| fail()))
        .collect()
}

fn options(map: &Map, origin: &Origin, checked: &[crate::model::Checked]) -> Fallible<Options> {
    let mut o = Options::default();
    let fail = |m: String| raise_one(Problem::new(m, origin.clone()));
    for (key, value) in map {
        let flag = || {
            value.as_bool().map_err(|_| {
                fail(format!(
                    "option `{key}`: expected true or false, found {}",
                    value.type_name()
                ))
            })
        };
        match key.as_str() {
            "remove_persistent" => o.remove_persistent = flag()?,
            "remove_attached" => o.remove_attached = flag()?,
            "update_persistent" => o.update_persistent = flag()?,
            "adopt" => o.adopt = flag()?,
            "remove_orphans" => o.remove_orphans = flag()?,
            "recreate_volumes" => o.recreate_volumes = flag()?,
            "pull_all_images" => o.pull_all_images = flag()?,
            "pull_before_update" => o.pull_before_update = flag()?,
            "restart_exec_commands" => o.restart_exec_commands = flag()?,
            "force_update" => {
                let targets = strings(value, "option `force_update`", origin)?;
                let ids = target::expand(&targets, checked).map_err(fail)?;
                o.force_update = ids.iter().map(|id| engine_name(checked, id)).collect();
            }
            other => {
                let known = [
                    "remove_persistent",
                    "remove_attached",
                    "update_persistent",
                    "adopt",
                    "remove_orphans",
                    "recreate_volumes",
                    "pull_all_images",
                    "pull_before_update",
                    "restart_exec_commands",
                    "force_update",
                ];
                let hint = crate::model::suggest::closest(other, known)
                    .map(|s| format!(" (did you mean `{s}`?)"))
                    .unwrap_or_default();
                return Err(fail(format!("unknown option `{other}`{hint}")));
            }
        }
    }
    Ok(o)
}

fn engine_name(checked: &[crate::model::Checked], id: &target::TargetId) -> String {
    crate::model::name::container(&checked[id.map].map.name, &id.config, id.instance.as_deref())
}

fn row(container: &str, action: &str, reason: &str) -> Dynamic {
    let mut m = Map::new();
    m.insert("container".into(), Dynamic::from(container.to_string()));
    m.insert("action".into(), Dynamic::from(action.to_string()));
    m.insert("reason".into(), Dynamic::from(reason.to_string()));
    Dynamic::from_map(m)
}

#[allow(clippy::too_many_arguments)]
fn act(
    ctx: &NativeCallContext,
    session: &SharedSession,
    client: &ClientHandle,
    action_name: &str,
    signal: Option<&str>,
    targets: Dynamic,
    option_map: Map,
    plan_only: bool,
) -> Fallible<Array> {
    let origin = here(ctx, session);
    let fail = |m: String| raise_one(Problem::new(m, origin.clone()));
    let action = match (action_name, signal) {
        ("signal", Some(sig)) => Action::Signal(sig.to_string()),
        ("signal", None) => {
            return Err(fail(
                "signals are sent with `c.signal(target, \"SIGHUP\")`; `c.plan` takes the other actions"
                    .into(),
            ))
        }
        (name, _) => Action::parse(name).ok_or_else(|| {
            fail(format!(
                "unknown action `{name}` (actions: {})",
                ACTIONS.join(", ")
            ))
        })?,
    };
    let targets = strings(&targets, "targets", &origin)?;
    let maps: Vec<ContainerMap> = client.0.maps.iter().map(|m| m.snapshot()).collect();
    let refs: Vec<&ContainerMap> = maps.iter().collect();
    // A map is checked in full before any action on it touches the Engine.
    let checked = check_maps(&refs, None).map_err(raise)?;
    let ids = target::expand(&targets, &checked).map_err(fail)?;
    let options = options(&option_map, &origin, &checked)?;
    let wanted: BTreeSet<String> = ids.iter().map(|id| engine_name(&checked, id)).collect();
    let mode = session.borrow().mode;
    if mode == Mode::Record {
        session
            .borrow_mut()
            .recorded
            .push(format!("{action_name} {}", targets.join(", ")));
        return Ok(Array::new());
    }
    let cwd = std::env::current_dir().map_err(|e| fail(format!("can't read the current directory: {e}")))?;
    let mut rows = Array::new();
    let mut failures: Vec<Problem> = Vec::new();
    for (client_name, config) in &client.0.clients {
        let desired = Desired::build(&checked, &cwd, client_name, config).map_err(raise)?;
        let targets: Vec<String> = desired
            .containers
            .iter()
            .filter(|c| wanted.contains(&c.name))
            .map(|c| c.name.clone())
            .collect();
        if targets.is_empty() {
            continue;
        }
        let driver = driver(session, client_name, config, &origin)?;
        let snapshot = block_on(session, observe(&driver, &desired), &origin)?
            .map_err(|e| fail(super::error::chain_text(&e)))?;
        let the_plan: Plan = plan(&action, &targets, &desired, &snapshot, &options).map_err(|errors| {
            raise(
                errors
                    .into_iter()
                    .map(|e| Problem::new(e.to_string(), origin.clone()))
                    .collect(),
            )
        })?;
        for note in &the_plan.notes {
            eprintln!("note: {note}");
        }
        if plan_only || mode == Mode::DryRun {
            for step in &the_plan.steps {
                if mode == Mode::DryRun && !plan_only {
                    eprintln!("would {step}");
                }
                rows.push(row(step.kind.subject(), step.kind.name(), &step.reason));
            }
            continue;
        }
        let progress = |_: usize, step: &crate::runtime::plan::Step, outcome: Option<&StepOutcome>| {
            let line = match outcome {
                None => return,
                Some(StepOutcome::Done) => format!("  {step}"),
                Some(StepOutcome::Failed(e)) => format!("  FAILED {step}: {e}"),
                Some(StepOutcome::Skipped { .. }) => format!("  skipped {step}"),
            };
            let _ = writeln!(std::io::stderr(), "{line}");
        };
        let outcomes = block_on(
            session,
            apply(&driver, &desired, &the_plan, PARALLEL_STEPS, progress),
            &origin,
        )?
        .map_err(|e| fail(format!("internal error, this may indicate a bug in dmap: {e}")))?;
        for (step, outcome) in the_plan.steps.iter().zip(&outcomes) {
            match outcome {
                StepOutcome::Done => rows.push(row(step.kind.subject(), step.kind.name(), &step.reason)),
                StepOutcome::Failed(e) => failures.push(Problem::new(
                    format!("{} `{}` failed: {e}", step.kind.name(), step.kind.subject()),
                    origin.clone(),
                )),
                StepOutcome::Skipped { because } => failures.push(Problem::new(
                    format!(
                        "{} `{}` was skipped: `{}` failed first",
                        step.kind.name(),
                        step.kind.subject(),
                        the_plan.steps.get(*because).map_or("", |s| s.kind.subject())
                    ),
                    origin.clone(),
                )),
            }
        }
    }
    if failures.is_empty() {
        Ok(rows)
    } else {
        Err(raise(failures))
    }
}

/// Blocks on the session's runtime (made on first use).
fn block_on<F: std::future::Future>(
    session: &SharedSession,
    future: F,
    origin: &Origin,
) -> Fallible<F::Output> {
    let mut s = session.borrow_mut();
    if s.runtime.is_none() {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| {
                raise_one(Problem::new(
                    format!("can't start the async runtime: {e}"),
                    origin.clone(),
                ))
            })?;
        s.runtime = Some(rt);
    }
    let handle = match &s.runtime {
        Some(rt) => rt.handle().clone(),
        None => {
            return Err(raise_one(Problem::new(
                "the async runtime is gone",
                origin.clone(),
            )))
        }
    };
    drop(s);
    Ok(handle.block_on(future))
}

fn driver(
    session: &SharedSession,
    name: &str,
    config: &crate::model::client::ClientConfig,
    origin: &Origin,
) -> Fallible<Driver> {
    if let Some(d) = session
        .borrow()
        .drivers
        .iter()
        .find(|d| d.client == name && d.config == *config)
    {
        return Ok(d.clone());
    }
    let driver = block_on(session, Driver::connect(name, config), origin)?
        .map_err(|e| raise_one(Problem::new(super::error::chain_text(&e), origin.clone())))?;
    session.borrow_mut().drivers.push(driver.clone());
    Ok(driver)
}
