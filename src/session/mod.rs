//! One session serves every front end (recipe functions, CLI verbs, the REPL): it owns the
//! tokio runtime and the Engine connections, and runs an action as check → desired state →
//! observe → plan → apply, telling a [`Reporter`] what happens. It never prints.
//!
//! Rhai never runs inside the runtime: front ends call [`Session::act`] from plain code, and the
//! session blocks on its runtime for the Engine's part.

mod act;
pub(crate) mod error;
pub(crate) mod images;
mod locks;
pub(crate) mod one_off;
pub(crate) mod options;
pub(crate) mod report;
pub(crate) mod reporter;
pub(crate) mod status;
pub(crate) mod streams;
mod sync;

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::BTreeSet;
use std::future::Future;
use std::path::PathBuf;

pub(crate) use error::{Error, Skipped, StepFailure};
pub(crate) use images::Declared;
pub(crate) use options::Options;
pub(crate) use report::{Done, Report};
pub(crate) use reporter::{Event, Purpose, Recorder, Reporter};
pub(crate) use status::Status;

// What front ends name of the runtime, through the session: they never name `runtime::`.
pub(crate) use crate::runtime::apply::StepOutcome;
pub(crate) use crate::runtime::error::StepError;
pub(crate) use crate::runtime::exec::ExecRequest;
pub(crate) use crate::runtime::executor::{Canceller, Outcome};
pub(crate) use crate::runtime::lock::{Holder as LockHolder, Stale};
pub(crate) use crate::runtime::logs::LogFilter;
pub(crate) use crate::runtime::one_off::How as OneOffHow;
pub(crate) use crate::runtime::plan::{
    Action, BuildPolicy, Existing, Options as Flags, Plan, Step, StepKind,
};
pub(crate) use crate::runtime::snapshot::timestamp;
pub(crate) use crate::runtime::sync::Synced;

use crate::model::client::ClientConfig;
use crate::model::{check_with_clients, target, ContainerMap};
use crate::runtime::client_kind::ClientDesired;
use crate::runtime::driver::Driver;
use crate::runtime::spec::Desired;
use crate::runtime::transfer::Links;

/// Steps applied at once, at most.
pub(crate) const PARALLEL_STEPS: usize = 8;

/// How actions run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) enum Mode {
    /// Plan and apply against the Engine.
    #[default]
    Apply,
    /// Plan against the Engine as it is, report, change nothing (`dmap run --dry-run`).
    DryRun,
    /// Contact no Engine: actions are checked and recorded (`dmap check`, `dmap show`).
    Record,
}

/// One action on some maps, through some clients.
pub(crate) struct Request<'a> {
    pub maps: &'a [&'a ContainerMap],
    /// Client name → settings; `default` is docker-map's `__default__`.
    pub clients: &'a [(String, ClientConfig)],
    pub action: &'a Action,
    /// `CONFIG`, `CONFIG.INSTANCE`, `GROUP`, `__all__`, each optionally `MAP/`-prefixed.
    pub targets: &'a [String],
    pub options: &'a Options,
    /// Plan against the Engine and report the steps, but change nothing (`c.plan`).
    pub plan_only: bool,
    /// The images the maps build (`m.images`).
    pub images: &'a [Declared],
}

/// Images to build on one client (`d.build`, `dmap build`), whatever the Engine holds.
pub(crate) struct BuildRequest<'a> {
    pub client: &'a str,
    pub config: &'a ClientConfig,
    pub builds: &'a [Build],
    /// Build only what the Engine lacks or holds from another context (`dmap push`).
    pub changed_only: bool,
    /// Push each to its registry afterwards (`dmap push`).
    pub push: bool,
}

/// One image to build: its context and tags (the first is its reference).
#[derive(Clone, Debug)]
pub(crate) struct Build {
    /// As declared (`m.images.NAME`), or the first tag.
    pub name: String,
    pub tags: Vec<String>,
    pub context: std::sync::Arc<crate::context::Context>,
    /// Where it was declared or asked for.
    pub origin: crate::model::Origin,
    /// Why it is built (shown with the step).
    pub reason: String,
    /// The builder its map chose (`m.builder`).
    pub builder: Option<crate::model::builder::Builder>,
}

pub(crate) struct Session {
    mode: Cell<Mode>,
    /// The builder the command line and the environment choose (`--builder`, DOCKER_BUILDKIT).
    builders: Cell<crate::model::builder::Choice>,
    runtime: OnceCell<tokio::runtime::Runtime>,
    /// Connections by client name and settings, reused across actions.
    drivers: RefCell<Vec<Driver>>,
    cancel: Canceller,
}

impl Session {
    pub(crate) fn new(mode: Mode) -> Session {
        Session {
            mode: Cell::new(mode),
            builders: Cell::new(crate::model::builder::Choice::default()),
            runtime: OnceCell::new(),
            drivers: RefCell::new(Vec::new()),
            cancel: Canceller::new(),
        }
    }

    /// A session whose actions `cancel` cancels (one canceller for every session of a process,
    /// so a Ctrl-C handler reaches them all).
    pub(crate) fn with_canceller(mode: Mode, cancel: Canceller) -> Session {
        Session {
            cancel,
            ..Session::new(mode)
        }
    }

    /// What cancels the session's actions from another thread (a Ctrl-C handler): the action
    /// running starts no more steps, waits and builds in flight are dropped, the rest finish, and
    /// it fails with [`Error::Cancelled`]; so do the actions after it until the canceller is
    /// reset.
    pub(crate) fn canceller(&self) -> Canceller {
        self.cancel.clone()
    }

    /// Ends the session without shutting its runtime down, for a front end whose task may be
    /// blocked in a read the runtime can't interrupt (the copy of stdin): the connections are
    /// closed (an ssh tunnel ends its processes and removes its socket), the runtime is left to
    /// the process's exit.
    pub(crate) fn abandon(self) {
        self.drivers.borrow_mut().clear();
        std::mem::forget(self);
    }

    pub(crate) fn mode(&self) -> Mode {
        self.mode.get()
    }

    /// The builder the command line and the environment choose, for what this session builds.
    pub(crate) fn set_builders(&self, choice: crate::model::builder::Choice) {
        self.builders.set(choice);
    }

    /// Runs `future` on the session's runtime, made on first use.
    pub(crate) fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
        if self.runtime.get().is_none() {
            let runtime = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .map_err(|e| Error::Internal {
                    message: format!("can't start the async runtime: {e}"),
                })?;
            let _ = self.runtime.set(runtime);
        }
        match self.runtime.get() {
            Some(rt) => Ok(rt.block_on(future)),
            None => Err(Error::Internal {
                message: "the async runtime is gone".into(),
            }),
        }
    }

    /// The connection to a client, made on first use.
    fn driver(&self, name: &str, config: &ClientConfig) -> Result<Driver, Error> {
        self.block_on(self.connect(name, config))?
    }

    /// The connection to a client, made on first use; connections are made concurrently (no
    /// borrow of the cache is held across an await).
    async fn connect(&self, name: &str, config: &ClientConfig) -> Result<Driver, Error> {
        let cached = self
            .drivers
            .borrow()
            .iter()
            .find(|d| d.client == name && d.config == *config)
            .cloned();
        if let Some(d) = cached {
            return Ok(d);
        }
        let driver = Driver::connect(name, config)
            .await
            .map_err(|error| Error::Connect {
                client: name.to_string(),
                error: Box::new(error),
            })?;
        self.drivers.borrow_mut().push(driver.clone());
        Ok(driver)
    }

    /// Builds images on one client, whatever the Engine holds (the Engine's cache keeps an
    /// unchanged build quick), in parallel (bounded). Sources are checked and digests computed
    /// before the Engine is contacted. Under [`Mode::Record`] the builds are recorded.
    pub(crate) fn build(&self, request: &BuildRequest<'_>, reporter: &dyn Reporter) -> Result<Report, Error> {
        let mut desired = Desired::default();
        desired.client = request.client.to_string();
        let mut steps = Vec::new();
        let mut problems = Vec::new();
        for b in request.builds {
            let Some((reference, extra)) = b.tags.split_first() else {
                continue;
            };
            if self.mode() == Mode::Record {
                reporter.event(&Event::Recorded {
                    action: "build",
                    targets: &b.tags,
                });
                if let Err(e) = b.context.check() {
                    problems.push(images::source_problem(&b.name, &b.origin, &e));
                }
                continue;
            }
            let chosen = self.builders.get().pick(b.builder);
            let unbuildable = images::builder_problems(&b.name, &b.context, &b.origin, chosen.clone());
            if !unbuildable.is_empty() {
                problems.extend(unbuildable);
                continue;
            }
            let digest = match b.context.digest() {
                Ok(d) => d,
                Err(e) => {
                    problems.push(images::source_problem(&b.name, &b.origin, &e));
                    continue;
                }
            };
            let reason = if request.changed_only {
                let driver = self.driver(request.client, request.config)?;
                let held = self
                    .block_on(crate::runtime::observe::image_context(&driver, reference))?
                    .map_err(|error| Error::Observe {
                        client: request.client.to_string(),
                        error: Box::new(error),
                    })?;
                crate::runtime::plan::build::stale(&b.name, &digest, held.as_ref().map(Option::as_deref))
            } else {
                Some(b.reason.clone())
            };
            let built = reason.is_some();
            desired.builds.insert(
                reference.clone(),
                crate::runtime::spec::DesiredBuild {
                    name: b.name.clone(),
                    reference: reference.clone(),
                    extra_tags: extra.to_vec(),
                    context: b.context.clone(),
                    digest,
                    builder: chosen.map(|(b, _)| b),
                },
            );
            if let Some(reason) = reason {
                steps.push(Step {
                    kind: crate::runtime::plan::StepKind::BuildImage {
                        image: reference.clone(),
                    },
                    reason,
                    deps: Vec::new(),
                });
            }
            if request.push {
                steps.push(Step {
                    kind: crate::runtime::plan::StepKind::PushImage {
                        image: reference.clone(),
                    },
                    reason: "dmap push".into(),
                    deps: if built { vec![steps.len() - 1] } else { Vec::new() },
                });
            }
        }
        if !problems.is_empty() {
            return Err(Error::Problems { problems });
        }
        if self.mode() == Mode::Record || steps.is_empty() {
            return Ok(Report::default());
        }
        let the_plan = Plan {
            steps,
            notes: Vec::new(),
        };
        let client = request.client;
        let purpose = if self.mode() == Mode::DryRun {
            Purpose::DryRun
        } else {
            Purpose::Apply
        };
        reporter.event(&Event::Planned {
            client,
            plan: &the_plan,
            purpose,
        });
        let mut outcome = Outcomes::default();
        let driver = self.driver(client, request.config)?;
        // Images are built by the client's Engine itself, whatever its kind.
        let desired = ClientDesired::Engine(desired);
        self.carry_out(
            &driver,
            &desired,
            &the_plan,
            client,
            purpose,
            reporter,
            &mut outcome,
        )?;
        outcome.finish()
    }

    /// A client's part of a prepared action (as [`act::desired_for`]), with its connection.
    fn client(
        &self,
        prepared: &Prepared<'_>,
        client: &str,
        config: &ClientConfig,
        digests: &mut images::Digests,
    ) -> Result<Option<(Driver, ClientDesired, Vec<String>)>, Error> {
        let Some((desired, targets)) = act::desired_for(prepared, client, config, digests)? else {
            return Ok(None);
        };
        let driver = self.driver(client, config)?;
        Ok(Some((driver, desired, targets)))
    }

    /// Applies a plan, or (planning only) reports its steps as done-to-be.
    #[allow(clippy::too_many_arguments)]
    fn carry_out(
        &self,
        driver: &Driver,
        desired: &ClientDesired,
        the_plan: &Plan,
        client: &str,
        purpose: Purpose,
        reporter: &dyn Reporter,
        outcome: &mut Outcomes,
    ) -> Result<(), Error> {
        if purpose == Purpose::Apply {
            self.run(driver, desired, the_plan, client, reporter, outcome)
        } else {
            outcome
                .report
                .steps
                .extend(the_plan.steps.iter().map(|s| done(client, s)));
            Ok(())
        }
    }

    /// Applies one client's plan, gathering what was done, what failed and what was skipped.
    fn run(
        &self,
        driver: &Driver,
        desired: &ClientDesired,
        the_plan: &Plan,
        client: &str,
        reporter: &dyn Reporter,
        outcome: &mut Outcomes,
    ) -> Result<(), Error> {
        self.run_all(&[(client, driver, desired, the_plan)], reporter, outcome)
    }

    /// Applies the plans of several clients at once, each in its dependency order; a failure
    /// on one client holds up only what depends on it there.
    fn run_all(
        &self,
        work: &[(&str, &Driver, &ClientDesired, &Plan)],
        reporter: &dyn Reporter,
        outcome: &mut Outcomes,
    ) -> Result<(), Error> {
        // Each client's links to the others (images copied between them), dropped when its
        // apply ends, which releases whatever still waits for it.
        let links = Links::between(
            &work
                .iter()
                .map(|&(client, driver, _, the_plan)| (client, driver, the_plan))
                .collect::<Vec<_>>(),
        );
        let results = self.block_on(futures_util::future::join_all(work.iter().zip(links).map(
            |(&(client, driver, desired, the_plan), links)| async move {
                let result = desired
                    .apply(
                        driver,
                        the_plan,
                        &links,
                        PARALLEL_STEPS,
                        |_, step, outcome| match outcome {
                            None => reporter.event(&Event::StepStarted { client, step }),
                            Some(outcome) => reporter.event(&Event::StepFinished {
                                client,
                                step,
                                outcome,
                            }),
                        },
                        |step, line| {
                            reporter.event(&Event::Output {
                                client,
                                step,
                                line: line.text,
                                heading: line.heading,
                            })
                        },
                        &self.cancel,
                    )
                    .await;
                reporter.event(&Event::Settled { client });
                result
            },
        )))?;
        for (&(client, _, _, the_plan), result) in work.iter().zip(results) {
            let outcomes = result.map_err(|e| Error::Internal {
                message: e.to_string(),
            })?;
            outcome.merge(client, the_plan, outcomes);
        }
        Ok(())
    }
}

/// An action checked and resolved, before any Engine is contacted: the maps in full, the
/// targets, the options, the declared images.
struct Prepared<'a> {
    checked: Vec<crate::model::Checked<'a>>,
    /// Engine names of the targets and what the action's direction adds later.
    wanted: BTreeSet<String>,
    options: crate::runtime::plan::Options,
    images: std::collections::BTreeMap<String, images::Resolved>,
    builders: crate::model::builder::Choice,
    cwd: PathBuf,
}

impl<'a> Prepared<'a> {
    fn new(request: &Request<'a>, builders: crate::model::builder::Choice) -> Result<Prepared<'a>, Error> {
        let clients = |_: &str| request.clients.to_vec();
        let checked =
            check_with_clients(request.maps, &clients).map_err(|problems| Error::Problems { problems })?;
        let usage = |e: &dyn std::fmt::Display| Error::Usage {
            message: e.to_string(),
        };
        let ids = target::expand_targets(request.targets, &checked).map_err(|e| usage(&e))?;
        let options = request.options.resolve(&checked).map_err(|e| usage(&e))?;
        let images = images::resolve(request.maps, request.images, &builders)
            .map_err(|problems| Error::Problems { problems })?;
        let wanted: BTreeSet<String> = ids.iter().map(|id| id.engine_name(&checked)).collect();
        let cwd: PathBuf = std::env::current_dir().map_err(|e| Error::Internal {
            message: format!("can't read the current directory: {e}"),
        })?;
        Ok(Prepared {
            checked,
            wanted,
            options,
            images,
            builders,
            cwd,
        })
    }
}

/// What an action's steps came to, over its clients.
#[derive(Default)]
struct Outcomes {
    report: Report,
    failures: Vec<StepFailure>,
    skipped: Vec<Skipped>,
    cancelled: Vec<Skipped>,
    /// Clients that could not be connected to or observed (the others went on).
    unreachable: Vec<Error>,
}

impl Outcomes {
    /// One client's step outcomes, in plan order.
    fn merge(&mut self, client: &str, the_plan: &Plan, outcomes: Vec<crate::runtime::apply::StepOutcome>) {
        for (step, result) in the_plan.steps.iter().zip(outcomes) {
            match result {
                Outcome::Done(()) => self.report.steps.push(done(client, step)),
                Outcome::Failed(error) => self.failures.push(StepFailure {
                    client: client.to_string(),
                    step: step.clone(),
                    error,
                }),
                Outcome::Cancelled => self.cancelled.push(Skipped {
                    client: client.to_string(),
                    step: step.clone(),
                    because: String::new(),
                }),
                Outcome::Skipped { because } => self.skipped.push(Skipped {
                    client: client.to_string(),
                    step: step.clone(),
                    because: the_plan
                        .steps
                        .get(because)
                        .map(|s| s.kind.subject().to_string())
                        .unwrap_or_default(),
                }),
            }
        }
    }

    fn finish(self) -> Result<Report, Error> {
        if !self.cancelled.is_empty() {
            Err(Error::Cancelled {
                done: self.report,
                not_run: self.cancelled,
                failures: self.failures,
            })
        } else if self.failures.is_empty() && self.unreachable.is_empty() {
            Ok(self.report)
        } else {
            Err(Error::Failed {
                failures: self.failures,
                skipped: self.skipped,
                unreachable: self.unreachable,
            })
        }
    }
}

fn done(client: &str, step: &Step) -> Done {
    Done {
        client: client.to_string(),
        subject: step.kind.subject().to_string(),
        action: step.kind.name(),
        reason: step.reason.clone(),
        network: step.kind.network().map(str::to_string),
    }
}
