//! An action, phase by phase: check → desired state → observe → plan → apply. Each phase takes
//! every client before the next begins, and only observe and apply contact the Engines, every
//! client at once. What differs between kinds of client is the kind's, never the session's.

use super::images::Digests;
use super::{done, Error, Event, Outcomes, Prepared, Purpose, Report, Reporter, Request, Session};
use crate::model::client::ClientConfig;
use crate::runtime::client_kind::{self, ClientDesired, ClientKind, ClientSnapshot, ToPlan};
use crate::runtime::driver::Driver;
use crate::runtime::plan::{Action, Options, Plan, PlanError};
use crate::runtime::spec::Desired;

/// One client's part of an action, before its Engine is contacted.
pub(super) struct Part<'r> {
    pub client: &'r str,
    pub config: &'r ClientConfig,
    pub desired: ClientDesired,
    /// The Engine names of the targets on it.
    pub targets: Vec<String>,
}

/// A client reached: its connection, and what it holds.
struct Live<'r> {
    part: Part<'r>,
    driver: Driver,
    observed: ClientSnapshot,
}

/// A client's plan.
struct Planned<'r> {
    client: &'r str,
    driver: Driver,
    desired: ClientDesired,
    plan: Plan,
}

impl Session {
    /// Runs one action: the maps are checked in full before anything touches an Engine; every
    /// client is observed and planned for, and then (unless only planning) each is converged.
    /// Under [`super::Mode::Record`] the action is checked and recorded, and no Engine is
    /// contacted.
    pub(crate) fn act(&self, request: &Request<'_>, reporter: &dyn Reporter) -> Result<Report, Error> {
        let Some((prepared, purpose)) = self.check(request, reporter)? else {
            return Ok(Report::default());
        };
        let mut outcome = Outcomes::default();
        let parts = self.desired(&prepared, request.clients)?;
        let reached = self.reach(parts, &mut outcome)?;
        let live = self.observe(reached, &mut outcome)?;
        if purpose != Purpose::Apply || self.nothing_to_do(&live, request, &prepared.options) {
            return self.converge(live, request, &prepared, purpose, reporter, outcome);
        }
        // What changes the Engine holds the lock of each of its maps there from before it looks
        // until it is done, so that another dmap acting on them waits meanwhile; it looks again
        // once it holds them.
        let reached: Vec<(Part<'_>, Driver)> = live.into_iter().map(|l| (l.part, l.driver)).collect();
        let Some(held) = self.lock(&reached, request.action.name(), reporter)? else {
            return Err(Error::Cancelled {
                done: Report::default(),
                not_run: Vec::new(),
                failures: Vec::new(),
            });
        };
        let result = self
            .observe(reached, &mut outcome)
            .and_then(|live| self.converge(live, request, &prepared, purpose, reporter, outcome));
        self.unlock(held, reporter);
        result
    }

    /// Whether an action would change nothing on any client, as they are now, while no other
    /// dmap acts on its maps there: then it is done without taking a lock (a no-op `up` costs no
    /// lock's round trips). Seen unlocked and up to date, it is as if it had run just before
    /// whatever dmap comes next.
    fn nothing_to_do(&self, live: &[Live<'_>], request: &Request<'_>, options: &Options) -> bool {
        if options.pull_before_update && *request.action == Action::Update {
            return false;
        }
        live.iter().all(|l| !l.observed.locked())
            && plan_all(request.action, live, options)
                .into_iter()
                .all(|p| p.is_ok_and(|p| p.steps.is_empty()))
    }

    /// Plan → apply, the clients observed.
    fn converge(
        &self,
        mut live: Vec<Live<'_>>,
        request: &Request<'_>,
        prepared: &Prepared<'_>,
        purpose: Purpose,
        reporter: &dyn Reporter,
        mut outcome: Outcomes,
    ) -> Result<Report, Error> {
        let mut options = prepared.options.clone();
        if options.pull_before_update && *request.action == Action::Update && purpose == Purpose::Apply {
            self.pull(&mut live, &options, reporter, &mut outcome)?;
            options.pull_before_update = false;
        }
        let planned = self.plan(live, request.action, &options, purpose, reporter, &mut outcome)?;
        self.apply(&planned, purpose, reporter, &mut outcome)?;
        outcome.finish()
    }

    /// The maps checked in full and the action resolved, and what it is for; None under
    /// [`super::Mode::Record`], where the action is recorded and goes no further.
    fn check<'a>(
        &self,
        request: &Request<'a>,
        reporter: &dyn Reporter,
    ) -> Result<Option<(Prepared<'a>, Purpose)>, Error> {
        let prepared = Prepared::new(request, self.builders.get())?;
        let mode = self.mode();
        if mode == super::Mode::Record {
            reporter.event(&Event::Recorded {
                action: request.action.name(),
                targets: request.targets,
            });
            return Ok(None);
        }
        let purpose = match (request.plan_only, mode) {
            (true, _) => Purpose::Plan,
            (false, super::Mode::DryRun) => Purpose::DryRun,
            (false, _) => Purpose::Apply,
        };
        Ok(Some((prepared, purpose)))
    }

    /// Each client's desired state, as its kind runs it, before any Engine is contacted; the
    /// clients no target runs on are left out.
    pub(super) fn desired<'r>(
        &self,
        prepared: &Prepared<'_>,
        clients: &'r [(String, ClientConfig)],
    ) -> Result<Vec<Part<'r>>, Error> {
        let mut digests = Digests::default();
        let mut parts = Vec::new();
        for (client, config) in clients {
            if let Some((desired, targets)) = desired_for(prepared, client, config, &mut digests)? {
                parts.push(Part {
                    client,
                    config,
                    desired,
                    targets,
                });
            }
        }
        Ok(parts)
    }

    /// Every client connected to at once; one that can't be reached is reported at the end,
    /// and the others go on.
    fn reach<'r>(
        &self,
        parts: Vec<Part<'r>>,
        outcome: &mut Outcomes,
    ) -> Result<Vec<(Part<'r>, Driver)>, Error> {
        let connected = self.block_on(futures_util::future::join_all(
            parts.iter().map(|p| self.connect(p.client, p.config)),
        ))?;
        let mut reached = Vec::new();
        for (part, result) in parts.into_iter().zip(connected) {
            match result {
                Ok(driver) => reached.push((part, driver)),
                Err(e) => outcome.unreachable.push(e),
            }
        }
        Ok(reached)
    }

    /// Every client reached observed at once; one that can't be read is reported at the end,
    /// and the others go on (the only client unreachable fails the action).
    fn observe<'r>(
        &self,
        reached: Vec<(Part<'r>, Driver)>,
        outcome: &mut Outcomes,
    ) -> Result<Vec<Live<'r>>, Error> {
        let observed = self.block_on(futures_util::future::join_all(reached.iter().map(
            |(p, driver)| async move { p.desired.observe(driver).await.map_err(observe_failed(p.client)) },
        )))?;
        let mut live = Vec::new();
        for ((part, driver), result) in reached.into_iter().zip(observed) {
            match result {
                Ok(observed) => live.push(Live {
                    part,
                    driver,
                    observed,
                }),
                Err(e) => outcome.unreachable.push(e),
            }
        }
        if live.is_empty() && outcome.unreachable.len() == 1 {
            if let Some(e) = outcome.unreachable.pop() {
                return Err(e);
            }
        }
        Ok(live)
    }

    /// Connects to and observes every client at once; each gets its connection and what it
    /// holds, or the error that kept it from them.
    #[allow(clippy::type_complexity)]
    pub(super) fn observe_all(
        &self,
        parts: &[Part<'_>],
    ) -> Result<Vec<Result<(Driver, ClientSnapshot), Error>>, Error> {
        self.block_on(futures_util::future::join_all(parts.iter().map(|p| async move {
            let driver = self.connect(p.client, p.config).await?;
            let observed = p
                .desired
                .observe(&driver)
                .await
                .map_err(observe_failed(p.client))?;
            Ok((driver, observed))
        })))
    }

    /// An update's pulls (`pull_before_update`), on every client at once, so that the update
    /// sees the images the tags name now; a client that pulled is observed again.
    fn pull(
        &self,
        live: &mut [Live<'_>],
        options: &Options,
        reporter: &dyn Reporter,
        outcome: &mut Outcomes,
    ) -> Result<(), Error> {
        let mut pulls = Vec::new();
        for c in live.iter() {
            let p = &c.part;
            pulls.push(
                p.desired
                    .pulls(&p.targets, &c.observed, options)
                    .map_err(refused(p.client))?,
            );
        }
        let none = Plan::default();
        let work: Vec<(&str, &Driver, &ClientDesired, &Plan)> = live
            .iter()
            .zip(&pulls)
            .map(|(c, p)| {
                (
                    c.part.client,
                    &c.driver,
                    &c.part.desired,
                    p.as_ref().unwrap_or(&none),
                )
            })
            .collect();
        self.run_all(&work, reporter, outcome)?;
        for (c, p) in live.iter_mut().zip(&pulls) {
            if p.is_some() {
                c.observed = self
                    .block_on(c.part.desired.observe(&c.driver))?
                    .map_err(observe_failed(c.part.client))?;
            }
        }
        Ok(())
    }

    /// Every client planned for before anything changes on any of them; the plans and their
    /// notes are reported.
    fn plan<'r>(
        &self,
        live: Vec<Live<'r>>,
        action: &Action,
        options: &Options,
        purpose: Purpose,
        reporter: &dyn Reporter,
        outcome: &mut Outcomes,
    ) -> Result<Vec<Planned<'r>>, Error> {
        let plans = plan_all(action, &live, options);
        let mut planned = Vec::new();
        for (Live { part, driver, .. }, plan) in live.into_iter().zip(plans) {
            let plan = plan.map_err(refused(part.client))?;
            planned.push(Planned {
                client: part.client,
                driver,
                desired: part.desired,
                plan,
            });
        }
        for p in &planned {
            reporter.event(&Event::Planned {
                client: p.client,
                plan: &p.plan,
                purpose,
            });
            for text in &p.plan.notes {
                reporter.event(&Event::Note {
                    client: p.client,
                    text,
                });
                outcome.report.notes.push((p.client.to_string(), text.clone()));
            }
        }
        Ok(planned)
    }

    /// The plans carried out on all clients at once (converging N Engines takes about as long
    /// as the slowest), or (planning only) their steps reported as done-to-be.
    fn apply(
        &self,
        planned: &[Planned<'_>],
        purpose: Purpose,
        reporter: &dyn Reporter,
        outcome: &mut Outcomes,
    ) -> Result<(), Error> {
        if purpose == Purpose::Apply {
            let work: Vec<(&str, &Driver, &ClientDesired, &Plan)> = planned
                .iter()
                .map(|p| (p.client, &p.driver, &p.desired, &p.plan))
                .collect();
            return self.run_all(&work, reporter, outcome);
        }
        for p in planned {
            outcome
                .report
                .steps
                .extend(p.plan.steps.iter().map(|s| done(p.client, s)));
        }
        Ok(())
    }
}

/// Every client's plan, in order: each through its kind, the clients that copy images taking
/// them from the others (`runtime::client_kind::plan_all`).
fn plan_all(action: &Action, live: &[Live<'_>], options: &Options) -> Vec<Result<Plan, Vec<PlanError>>> {
    let clients: Vec<ToPlan<'_>> = live
        .iter()
        .map(|l| {
            let p = &l.part;
            (p.client, p.config, &p.desired, p.targets.as_slice(), &l.observed)
        })
        .collect();
    client_kind::plan_all(action, &clients, options)
}

/// One client's part of a prepared action: its desired state as its kind runs it (with the
/// builds of the declared images it uses) and the Engine names of the targets on it; None when
/// no target runs there. No Engine is contacted.
pub(super) fn desired_for(
    prepared: &Prepared<'_>,
    client: &str,
    config: &ClientConfig,
    digests: &mut Digests,
) -> Result<Option<(ClientDesired, Vec<String>)>, Error> {
    let kind = ClientKind::of(config);
    let mut desired = Desired::build(&prepared.checked, &prepared.cwd, client, config)
        .map_err(|problems| Error::Problems { problems })?;
    digests
        .attach(&mut desired, &prepared.images, &prepared.builders)
        .map_err(|problems| Error::Problems { problems })?;
    let targets: Vec<String> = desired
        .containers
        .iter()
        .filter(|c| prepared.wanted.contains(&c.name))
        .map(|c| c.name.clone())
        .collect();
    let problems: Vec<crate::model::Problem> = desired
        .builds
        .keys()
        .filter_map(|reference| prepared.images.get(reference))
        .filter_map(|r| {
            let repository = prepared
                .checked
                .iter()
                .find(|c| c.map.name == r.declared.map)
                .and_then(|c| c.map.repository.as_deref());
            kind.build_refusal(client, &r.declared.name, &r.declared.map, repository)
                .map(|message| crate::model::Problem::new(message, r.declared.origin.clone()))
        })
        .collect();
    if !problems.is_empty() {
        return Err(Error::Problems { problems });
    }
    let desired = kind.desired(desired).map_err(|e| Error::Usage {
        message: format!("{e} (client `{client}`)"),
    })?;
    Ok((!targets.is_empty()).then_some((desired, targets)))
}

fn refused(client: &str) -> impl FnOnce(Vec<PlanError>) -> Error {
    let client = client.to_string();
    move |errors| Error::Refused { client, errors }
}

fn observe_failed(client: &str) -> impl FnOnce(crate::runtime::Error) -> Error {
    let client = client.to_string();
    move |error| Error::Observe {
        client,
        error: Box::new(error),
    }
}
