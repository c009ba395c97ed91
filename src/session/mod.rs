//! One session serves every front end (recipe functions, CLI verbs, the REPL): it owns the
//! tokio runtime and the Engine connections, and runs an action as check → desired state →
//! observe → plan → apply, telling a [`Reporter`] what happens. It never prints.
//!
//! Rhai never runs inside the runtime: front ends call [`Session::act`] from plain code, and the
//! session blocks on its runtime for the Engine's part.

pub mod error;
pub mod images;
pub mod options;
pub mod report;
pub mod reporter;
pub mod status;
pub mod streams;

use std::cell::{Cell, OnceCell, RefCell};
use std::collections::BTreeSet;
use std::future::Future;
use std::path::PathBuf;

pub use error::{Error, Skipped, StepFailure};
pub use images::Declared;
pub use options::Options;
pub use report::{Done, Report};
pub use reporter::{Event, Purpose, Recorder, Reporter};
pub use status::Status;

// What front ends name of the runtime, through the session: they never name `runtime::`.
pub use crate::runtime::apply::StepOutcome;
pub use crate::runtime::error::StepError;
pub use crate::runtime::exec::ExecRequest;
pub use crate::runtime::executor::{Canceller, Outcome};
pub use crate::runtime::logs::LogFilter;
pub use crate::runtime::plan::{Action, BuildPolicy, Options as Flags, Plan, Step, StepKind};
pub use crate::runtime::snapshot::timestamp;

use crate::model::client::ClientConfig;
use crate::model::{check_maps, target, ContainerMap};
use crate::runtime::apply::apply;
use crate::runtime::driver::Driver;
use crate::runtime::observe::observe;
use crate::runtime::plan::plan;
use crate::runtime::snapshot::Snapshot;
use crate::runtime::spec::Desired;

/// Steps applied at once, at most.
pub const PARALLEL_STEPS: usize = 8;

/// How actions run.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Mode {
    /// Plan and apply against the Engine.
    #[default]
    Apply,
    /// Plan against the Engine as it is, report, change nothing (`dmap run --dry-run`).
    DryRun,
    /// Contact no Engine: actions are checked and recorded (`dmap check`, `dmap show`).
    Record,
}

/// One action on some maps, through some clients.
pub struct Request<'a> {
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
pub struct BuildRequest<'a> {
    pub client: &'a str,
    pub config: &'a ClientConfig,
    pub builds: &'a [Build],
}

/// One image to build: its context and tags (the first is its reference).
#[derive(Clone, Debug)]
pub struct Build {
    /// As declared (`m.images.NAME`), or the first tag.
    pub name: String,
    pub tags: Vec<String>,
    pub context: std::sync::Arc<crate::context::Context>,
    /// Where it was declared or asked for.
    pub origin: crate::model::Origin,
    /// Why it is built (shown with the step).
    pub reason: String,
}

pub struct Session {
    mode: Cell<Mode>,
    runtime: OnceCell<tokio::runtime::Runtime>,
    /// Connections by client name and settings, reused across actions.
    drivers: RefCell<Vec<Driver>>,
    cancel: Canceller,
}

impl Session {
    pub fn new(mode: Mode) -> Session {
        Session {
            mode: Cell::new(mode),
            runtime: OnceCell::new(),
            drivers: RefCell::new(Vec::new()),
            cancel: Canceller::new(),
        }
    }

    /// A session whose actions `cancel` cancels (one canceller for every session of a process,
    /// so a Ctrl-C handler reaches them all).
    pub fn with_canceller(mode: Mode, cancel: Canceller) -> Session {
        Session {
            cancel,
            ..Session::new(mode)
        }
    }

    /// What cancels the session's actions from another thread (a Ctrl-C handler): the action
    /// running starts no more steps, waits and builds in flight are dropped, the rest finish, and
    /// it fails with [`Error::Cancelled`]; so do the actions after it until the canceller is
    /// reset.
    pub fn canceller(&self) -> Canceller {
        self.cancel.clone()
    }

    pub fn mode(&self) -> Mode {
        self.mode.get()
    }

    /// Runs `future` on the session's runtime, made on first use.
    pub fn block_on<F: Future>(&self, future: F) -> Result<F::Output, Error> {
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

    /// Runs one action: the maps are checked in full before anything touches an Engine; every
    /// client is observed and planned for, and then (unless only planning) each is converged.
    /// Under [`Mode::Record`] the action is checked and recorded, and no Engine is contacted.
    pub fn act(&self, request: &Request<'_>, reporter: &dyn Reporter) -> Result<Report, Error> {
        let prepared = Prepared::new(request)?;
        let mode = self.mode();
        if mode == Mode::Record {
            reporter.event(&Event::Recorded {
                action: request.action.name(),
                targets: request.targets,
            });
            return Ok(Report::default());
        }
        let purpose = match (request.plan_only, mode) {
            (true, _) => Purpose::Plan,
            (false, Mode::DryRun) => Purpose::DryRun,
            (false, _) => Purpose::Apply,
        };
        let mut outcome = Outcomes::default();
        let mut digests = images::Digests::default();
        // Each client's desired state, before any Engine is contacted.
        let mut parts: Vec<(&String, &ClientConfig, Desired, Vec<String>)> = Vec::new();
        for (client, config) in request.clients {
            if let Some((desired, targets)) = self.desired_for(&prepared, client, config, &mut digests)? {
                parts.push((client, config, desired, targets));
            }
        }
        // Every client is connected to and observed at once; one that can't be reached is
        // reported at the end, and the others go on.
        let observed = self.observe_all(&parts)?;
        let mut live: Vec<(&String, Driver, Desired, Vec<String>, Observed)> = Vec::new();
        for ((client, _, desired, targets), result) in parts.into_iter().zip(observed) {
            match result {
                Ok((driver, snapshot)) => live.push((client, driver, desired, targets, snapshot)),
                Err(e) => outcome.unreachable.push(e),
            }
        }
        if live.is_empty() && outcome.unreachable.len() == 1 {
            if let Some(e) = outcome.unreachable.pop() {
                return Err(e);
            }
        }
        let refused = |client: &String| {
            let client = client.clone();
            move |errors| Error::Refused { client, errors }
        };
        let mut options = prepared.options.clone();
        if options.pull_before_update && *request.action == Action::Update && purpose == Purpose::Apply {
            // Pulled first, so that the update sees the images the tags name now.
            let mut pulls = Vec::new();
            for (client, _, desired, targets, observed) in &live {
                pulls.push(match observed {
                    Observed::Containers(snapshot) => {
                        plan(&Action::PullImages, targets, desired, snapshot, &options)
                            .map_err(refused(client))?
                    }
                    Observed::Swarm(_) => Plan::default(),
                });
            }
            let work: Vec<(&str, &Driver, &Desired, &Plan)> = live
                .iter()
                .zip(&pulls)
                .map(|((client, driver, desired, _, _), p)| (client.as_str(), driver, desired, p))
                .collect();
            self.run_all(&work, reporter, &mut outcome)?;
            options.pull_before_update = false;
            for (client, driver, desired, _, observed) in &mut live {
                if let Observed::Containers(snapshot) = observed {
                    *snapshot = self.observe(driver, desired, client)?;
                }
            }
        }
        // Every client is planned before anything changes on any of them.
        let mut planned: Vec<(&String, Driver, Desired, Plan)> = Vec::new();
        for (client, driver, desired, targets, observed) in live {
            let the_plan = match &observed {
                Observed::Containers(snapshot) => {
                    plan(request.action, &targets, &desired, snapshot, &options).map_err(refused(client))?
                }
                Observed::Swarm(snapshot) => crate::runtime::swarm::plan::plan(
                    request.action,
                    &targets,
                    &desired.services,
                    &desired.swarm_networks,
                    snapshot,
                    &options,
                )
                .map_err(refused(client))?,
            };
            planned.push((client, driver, desired, the_plan));
        }
        for (client, _, _, the_plan) in &planned {
            reporter.event(&Event::Planned {
                client,
                plan: the_plan,
                purpose,
            });
            for text in &the_plan.notes {
                reporter.event(&Event::Note { client, text });
                outcome.report.notes.push(((*client).clone(), text.clone()));
            }
        }
        if purpose == Purpose::Apply {
            // All clients at once: converging N Engines takes about as long as the slowest.
            let work: Vec<(&str, &Driver, &Desired, &Plan)> = planned
                .iter()
                .map(|(client, driver, desired, p)| (client.as_str(), driver, desired, p))
                .collect();
            self.run_all(&work, reporter, &mut outcome)?;
        } else {
            for (client, _, _, the_plan) in &planned {
                outcome
                    .report
                    .steps
                    .extend(the_plan.steps.iter().map(|s| done(client, s)));
            }
        }
        outcome.finish()
    }

    /// Builds images on one client, whatever the Engine holds (the Engine's cache keeps an
    /// unchanged build quick), in parallel (bounded). Sources are checked and digests computed
    /// before the Engine is contacted. Under [`Mode::Record`] the builds are recorded.
    pub fn build(&self, request: &BuildRequest<'_>, reporter: &dyn Reporter) -> Result<Report, Error> {
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
            let digest = match b.context.digest() {
                Ok(d) => d,
                Err(e) => {
                    problems.push(images::source_problem(&b.name, &b.origin, &e));
                    continue;
                }
            };
            desired.builds.insert(
                reference.clone(),
                crate::runtime::spec::DesiredBuild {
                    name: b.name.clone(),
                    reference: reference.clone(),
                    extra_tags: extra.to_vec(),
                    context: b.context.clone(),
                    digest,
                },
            );
            steps.push(Step {
                kind: crate::runtime::plan::StepKind::BuildImage {
                    image: reference.clone(),
                },
                reason: b.reason.clone(),
                deps: Vec::new(),
            });
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

    /// One client's part of a prepared action: its desired state (with the builds of the
    /// declared images it uses) and the Engine names of the targets on it; None when no target
    /// runs there. No Engine is contacted.
    fn desired_for(
        &self,
        prepared: &Prepared<'_>,
        client: &str,
        config: &ClientConfig,
        digests: &mut images::Digests,
    ) -> Result<Option<(Desired, Vec<String>)>, Error> {
        let mut desired = Desired::build(&prepared.checked, &prepared.cwd, client, config)
            .map_err(|problems| Error::Problems { problems })?;
        digests
            .attach(&mut desired, &prepared.images)
            .map_err(|problems| Error::Problems { problems })?;
        let targets: Vec<String> = desired
            .containers
            .iter()
            .filter(|c| prepared.wanted.contains(&c.name))
            .map(|c| c.name.clone())
            .collect();
        if config.swarm && !desired.builds.is_empty() {
            // The nodes pull what their tasks run: an image built on the manager alone would
            // be missing on the others.
            let problems = desired
                .builds
                .keys()
                .filter_map(|reference| prepared.images.get(reference))
                .map(|r| {
                    crate::model::Problem::new(
                        format!(
                            "image `{}` is declared by map `{}` to be built, and Swarm client `{client}` builds no images (its nodes pull what their tasks run): build and push it to a registry the nodes reach, and name it there",
                            r.declared.name, r.declared.map
                        ),
                        r.declared.origin.clone(),
                    )
                })
                .collect();
            return Err(Error::Problems { problems });
        }
        if config.swarm {
            // A Swarm client runs the containers as services.
            let (services, networks) =
                crate::runtime::swarm::spec::services(&desired).map_err(|e| Error::Usage {
                    message: format!("{e} (client `{client}`)"),
                })?;
            desired.services = services;
            desired.swarm_networks = networks;
        }
        Ok((!targets.is_empty()).then_some((desired, targets)))
    }

    /// As [`Session::desired_for`], with the client's connection.
    fn client(
        &self,
        prepared: &Prepared<'_>,
        client: &str,
        config: &ClientConfig,
        digests: &mut images::Digests,
    ) -> Result<Option<(Driver, Desired, Vec<String>)>, Error> {
        let Some((desired, targets)) = self.desired_for(prepared, client, config, digests)? else {
            return Ok(None);
        };
        let driver = self.driver(client, config)?;
        Ok(Some((driver, desired, targets)))
    }

    /// Connects to and observes every client at once; each gets its connection and what its
    /// Engine holds, or the error that kept it from them.
    #[allow(clippy::type_complexity)]
    fn observe_all(
        &self,
        parts: &[(&String, &ClientConfig, Desired, Vec<String>)],
    ) -> Result<Vec<Result<(Driver, Observed), Error>>, Error> {
        self.block_on(futures_util::future::join_all(parts.iter().map(
            |(client, config, desired, _)| async move {
                let driver = self.connect(client, config).await?;
                let failed = |error| Error::Observe {
                    client: client.to_string(),
                    error: Box::new(error),
                };
                let observed = if config.swarm {
                    Observed::Swarm(
                        crate::runtime::swarm::observe::observe(
                            &driver,
                            &desired.services,
                            &desired.swarm_networks,
                        )
                        .await
                        .map_err(failed)?,
                    )
                } else {
                    Observed::Containers(observe(&driver, desired).await.map_err(failed)?)
                };
                Ok((driver, observed))
            },
        )))
    }

    fn observe(&self, driver: &Driver, desired: &Desired, client: &str) -> Result<Snapshot, Error> {
        self.block_on(observe(driver, desired))?
            .map_err(|error| Error::Observe {
                client: client.to_string(),
                error: Box::new(error),
            })
    }

    /// Applies a plan, or (planning only) reports its steps as done-to-be.
    #[allow(clippy::too_many_arguments)]
    fn carry_out(
        &self,
        driver: &Driver,
        desired: &Desired,
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
        desired: &Desired,
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
        work: &[(&str, &Driver, &Desired, &Plan)],
        reporter: &dyn Reporter,
        outcome: &mut Outcomes,
    ) -> Result<(), Error> {
        let results = self.block_on(futures_util::future::join_all(work.iter().map(
            |&(client, driver, desired, the_plan)| async move {
                let result = apply(
                    driver,
                    desired,
                    the_plan,
                    PARALLEL_STEPS,
                    |_, step, outcome| match outcome {
                        None => reporter.event(&Event::StepStarted { client, step }),
                        Some(outcome) => reporter.event(&Event::StepFinished {
                            client,
                            step,
                            outcome,
                        }),
                    },
                    |step, line| reporter.event(&Event::Output { client, step, line }),
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

/// What a client's Engine holds: containers, or (a Swarm client) services.
enum Observed {
    Containers(Snapshot),
    Swarm(crate::runtime::swarm::observe::SwarmSnapshot),
}

/// An action checked and resolved, before any Engine is contacted: the maps in full, the
/// targets, the options, the declared images.
struct Prepared<'a> {
    checked: Vec<crate::model::Checked<'a>>,
    /// Engine names of the targets and what the action's direction adds later.
    wanted: BTreeSet<String>,
    options: crate::runtime::plan::Options,
    images: std::collections::BTreeMap<String, images::Resolved>,
    cwd: PathBuf,
}

impl<'a> Prepared<'a> {
    fn new(request: &Request<'a>) -> Result<Prepared<'a>, Error> {
        let checked = check_maps(request.maps, None).map_err(|problems| Error::Problems { problems })?;
        let clients = |_: &str| request.clients.to_vec();
        let problems = crate::model::check::clients(&checked, &clients);
        if !problems.is_empty() {
            return Err(Error::Problems { problems });
        }
        let usage = |message: String| Error::Usage { message };
        let ids = target::expand(request.targets, &checked).map_err(usage)?;
        let options = request.options.resolve(&checked).map_err(usage)?;
        let images =
            images::resolve(request.maps, request.images).map_err(|problems| Error::Problems { problems })?;
        let wanted: BTreeSet<String> = ids.iter().map(|id| id.engine_name(&checked)).collect();
        let cwd: PathBuf = std::env::current_dir().map_err(|e| Error::Internal {
            message: format!("can't read the current directory: {e}"),
        })?;
        Ok(Prepared {
            checked,
            wanted,
            options,
            images,
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
