//! Status (`c.status()`, `dmap status`): per container instance of the targets, how it is on
//! the Engine and what an update would do to it and why; the orphans and the foreign objects
//! with needed names. Observes and plans, changes nothing.

use serde::Serialize;

use super::act::Part;
use super::{Error, Prepared, Request, Session};
use crate::runtime::client_kind::{self, ClientSnapshot, ToPlan};
use crate::runtime::plan::{Action, Options, Plan, PlanError};
use crate::runtime::snapshot::{ObservedContainer, RunState, Snapshot};
use crate::runtime::spec::{Desired, ResolvedContainer};

/// What `status` found, client by client.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub(crate) struct Status {
    pub containers: Vec<ContainerStatus>,
    /// Containers dmap made for the maps whose configurations are gone.
    pub orphans: Vec<Orphan>,
    /// What an interrupted run left: volume-preparation helpers, new containers of recreations
    /// (the next `up` or `down` removes them, or gives a new container its name).
    pub leftovers: Vec<Leftover>,
    /// Objects with names the maps need that dmap did not make for them.
    pub foreign: Vec<Foreign>,
    /// Images an update would build (or copy from another client), and why.
    pub builds: Vec<Pending>,
    /// Clients that could not be reached: the others are shown.
    pub unreachable: Vec<Unreachable>,
    /// The services of Swarm clients.
    pub services: Vec<ServiceStatus>,
}

/// A configuration (instance) on a Swarm client, as a service.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct ServiceStatus {
    pub client: String,
    /// `MAP_CONFIG[_INSTANCE]`
    pub name: String,
    /// The container's name in the map (`MAP.CONFIG[.INSTANCE]`).
    pub container: String,
    pub map: String,
    /// `absent` or `present`.
    pub state: &'static str,
    /// Replicas wanted, and tasks running (healthy, with a healthcheck).
    pub replicas: u64,
    pub running: usize,
    /// Hostnames of the nodes its running tasks are on.
    pub nodes: Vec<String>,
    /// The newest task error (`no suitable node ...`).
    pub last_error: Option<String>,
    /// What an update would do to it.
    pub update: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Unreachable {
    pub client: String,
    pub error: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct ContainerStatus {
    pub client: String,
    /// The Engine name (`MAP.CONFIG[.INSTANCE]`).
    pub name: String,
    pub map: String,
    pub config: String,
    pub instance: Option<String>,
    /// `absent`, `created`, `running`, `restarting`, `exited`.
    pub state: &'static str,
    pub exit_code: Option<i64>,
    /// `starting`, `healthy`, `unhealthy`, for containers with a healthcheck.
    pub health: Option<String>,
    /// The image the map names.
    pub image: String,
    /// The image the container runs.
    pub image_id: Option<String>,
    /// Whether it runs the image the name stands for now (None: absent, or the image is gone).
    pub image_current: Option<bool>,
    /// `HOST_IP:HOST_PORT->PORT/PROTO`, as the Engine publishes them.
    pub ports: Vec<String>,
    /// When it last started (`2026-12-01T20:51:51Z`), if it runs.
    pub started_at: Option<String>,
    pub uptime_seconds: Option<u64>,
    /// What an update would do to it (`recreate: env `X` changed`, `start: stopped ...`); empty
    /// when it is up to date.
    pub update: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Orphan {
    pub client: String,
    pub name: String,
    pub map: String,
    pub state: &'static str,
}

/// A container an interrupted run left.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Leftover {
    /// `helper` (volume preparation) or `replacement` (the new container of a recreation, under
    /// its temporary name).
    pub what: &'static str,
    #[serde(flatten)]
    pub orphan: Orphan,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Foreign {
    pub client: String,
    pub kind: &'static str,
    pub name: String,
    pub map: String,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
pub(crate) struct Pending {
    pub client: String,
    /// `build`, or `copy` (from another client's Engine: `image_transfer: "copy"`).
    pub action: &'static str,
    pub image: String,
    pub reason: String,
}

impl Session {
    /// The status of the request's targets (its action and options are ignored but for the
    /// options an update would run with). Under [`super::Mode::Record`] nothing is observed and
    /// the status is empty. Every client is observed at once, as an action observes them.
    pub(crate) fn status(&self, request: &Request<'_>) -> Result<Status, Error> {
        let prepared = Prepared::new(request, self.builders.get())?;
        let mut status = Status::default();
        if self.mode() == super::Mode::Record {
            return Ok(status);
        }
        let parts = self.desired(&prepared, request.clients)?;
        let observed = self.observe_all(&parts)?;
        let mut reached: Vec<(&Part<'_>, ClientSnapshot)> = Vec::new();
        for (part, result) in parts.iter().zip(observed) {
            match result {
                Ok((_, observed)) => reached.push((part, observed)),
                Err(e @ (Error::Connect { .. } | Error::Observe { .. })) => {
                    status.unreachable.push(Unreachable {
                        client: part.client.to_string(),
                        error: e.to_string(),
                    })
                }
                Err(e) => return Err(e),
            }
        }
        // What an update would do, every client planned together (images copied between them).
        let clients: Vec<ToPlan<'_>> = reached
            .iter()
            .map(|(p, o)| (p.client, p.config, &p.desired, p.targets.as_slice(), o))
            .collect();
        let update = |options: &Options| client_kind::plan_all(&Action::Update, &clients, options);
        let updates = update(&prepared.options);
        // Where an update is refused for foreign objects: what it would do with `adopt`.
        let adopting = updates.iter().any(Result::is_err).then(|| {
            let mut adopt = prepared.options.clone();
            adopt.adopt = true;
            update(&adopt)
        });
        for (i, ((part, observed), planned)) in reached.iter().zip(&updates).enumerate() {
            // Each kind of client shows what it runs: containers, or services.
            let adopted = adopting
                .as_ref()
                .and_then(|a| a.get(i))
                .and_then(|p| p.as_ref().ok());
            containers(&mut status, part, observed, planned, adopted);
            status.services.extend(services(part, observed, planned));
        }
        Ok(status)
    }
}

/// The containers of a client that runs them itself, as an update would find them: `planned`
/// is its update's plan, `adopted` the plan with `adopt` (where it was refused).
fn containers(
    status: &mut Status,
    part: &Part<'_>,
    observed: &ClientSnapshot,
    planned: &Result<Plan, Vec<PlanError>>,
    adopted: Option<&Plan>,
) {
    let ClientSnapshot::Engine(snapshot) = observed else {
        return;
    };
    let (client, targets) = (part.client, &part.targets);
    let none = Plan::default();
    let update = match planned {
        Ok(p) => p,
        Err(errors) => {
            for e in errors {
                if let PlanError::Foreign { kind, name, map } = e {
                    status.foreign.push(Foreign {
                        client: client.to_string(),
                        kind,
                        name: name.clone(),
                        map: map.clone(),
                    });
                }
            }
            // What an update with `adopt` would do: the foreign ones are recreated.
            adopted.unwrap_or(&none)
        }
    };
    collect(status, client, part.desired.desired(), targets, snapshot, update);
}

/// A container's steps, as a person says them: a recreation once, as `recreate: REASON` (one
/// step, or — when it is torn down first — its stop, remove, create and start), other steps as
/// `ACTION: REASON`.
fn summary<'a>(steps: impl Iterator<Item = (&'a str, &'a str)>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut recreated = false;
    for (action, reason) in steps {
        let said = if action == "recreate" {
            recreated = true;
            format!("recreate: {reason}")
        } else if reason.starts_with("recreate") {
            recreated = true;
            reason.to_string()
        } else if recreated && action == "start" {
            continue;
        } else {
            format!("{action}: {reason}")
        };
        if !out.contains(&said) {
            out.push(said);
        }
    }
    out
}

/// The services of a client that runs the containers as services, as an update would find
/// them.
fn services(
    part: &Part<'_>,
    observed: &ClientSnapshot,
    planned: &Result<Plan, Vec<PlanError>>,
) -> Vec<ServiceStatus> {
    let ClientSnapshot::Swarm(snapshot) = observed else {
        return Vec::new();
    };
    let (client, targets) = (part.client, &part.targets);
    let none = Plan::default();
    let update = planned.as_ref().unwrap_or(&none);
    part.desired
        .services()
        .iter()
        .filter(|w| w.containers.iter().any(|c| targets.contains(c)))
        .map(|w| {
            let o = snapshot.services.get(&w.name);
            ServiceStatus {
                client: client.to_string(),
                name: w.name.clone(),
                container: w.container.clone(),
                map: w.map.clone(),
                state: if o.is_some() { "present" } else { "absent" },
                replicas: w.replicas,
                running: o.map_or(0, |o| o.running),
                nodes: o.map(|o| o.nodes.clone()).unwrap_or_default(),
                last_error: o.and_then(|o| o.last_error.clone()),
                update: update
                    .steps
                    .iter()
                    .filter(|s| s.kind.subject() == w.name && s.kind.name() != "wait_service")
                    .map(|s| format!("{}: {}", s.kind.name(), s.reason))
                    .collect(),
            }
        })
        .collect()
}

fn collect(
    status: &mut Status,
    client: &str,
    desired: &Desired,
    targets: &[String],
    snapshot: &Snapshot,
    update: &Plan,
) {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as i128);
    for c in desired.containers.iter().filter(|c| targets.contains(&c.name)) {
        let o = snapshot.containers.get(&c.name);
        let changes = summary(
            update
                .steps
                .iter()
                .filter(|s| s.kind.subject() == c.name && s.kind.name() != "wait_healthy")
                .map(|s| (s.kind.name(), s.reason.as_str())),
        );
        status
            .containers
            .push(container(client, c, o, snapshot, changes, now));
    }
    for s in update
        .steps
        .iter()
        .filter(|s| matches!(s.kind.name(), "build" | "copy"))
    {
        status.builds.push(Pending {
            client: client.to_string(),
            action: s.kind.name(),
            image: s.kind.subject().to_string(),
            reason: s.reason.clone(),
        });
    }
    for (name, o) in &snapshot.containers {
        let Some(map) = o.map() else { continue };
        if o.is_job() || desired.container(name).is_some() || !desired.maps.iter().any(|m| m == map) {
            continue;
        }
        let orphan = Orphan {
            client: client.to_string(),
            name: name.clone(),
            map: map.to_string(),
            state: state_name(&o.state),
        };
        let what = if o.is_helper() {
            "helper"
        } else if crate::runtime::plan::is_replacement(desired, name) {
            "replacement"
        } else {
            status.orphans.push(orphan);
            continue;
        };
        status.leftovers.push(Leftover { what, orphan });
    }
}

fn state_name(state: &RunState) -> &'static str {
    match state {
        RunState::Created => "created",
        RunState::Running => "running",
        RunState::Paused => "paused",
        RunState::Restarting => "restarting",
        RunState::Exited { .. } => "exited",
    }
}

fn container(
    client: &str,
    c: &ResolvedContainer,
    o: Option<&ObservedContainer>,
    snapshot: &Snapshot,
    update: Vec<String>,
    now: i128,
) -> ContainerStatus {
    let current = snapshot.images.get(&c.spec.image);
    let started = o.filter(|o| o.is_running()).and_then(|o| o.started_at);
    ContainerStatus {
        client: client.to_string(),
        name: c.name.clone(),
        map: c.map.clone(),
        config: c.config.clone(),
        instance: c.instance.clone(),
        state: o.map_or("absent", |o| state_name(&o.state)),
        exit_code: o.and_then(|o| match o.state {
            RunState::Exited { code } => Some(code),
            _ => None,
        }),
        health: o.and_then(|o| o.health.clone()),
        image: c.spec.image.clone(),
        image_id: o.map(|o| o.image_id.clone()).filter(|i| !i.is_empty()),
        image_current: o.and_then(|o| current.map(|id| *id == o.image_id)),
        ports: o.map(ports).unwrap_or_default(),
        started_at: started.map(rfc3339),
        uptime_seconds: started.map(|s| ((now - s).max(0) / 1_000_000_000) as u64),
        update,
    }
}

/// The ports published as `IP:PORT->PORT/PROTO`, sorted: those the Engine published while it
/// runs (a port the Engine picked shows its number), else `HostConfig.PortBindings`.
fn ports(o: &ObservedContainer) -> Vec<String> {
    let mut out = Vec::new();
    let running = o
        .published
        .as_object()
        .filter(|p| p.values().any(|b| b.is_array()));
    let bindings = running.or_else(|| o.host_config.get("PortBindings").and_then(|b| b.as_object()));
    if let Some(bindings) = bindings {
        for (port, list) in bindings {
            for b in list.as_array().into_iter().flatten() {
                let ip = b
                    .get("HostIp")
                    .and_then(|v| v.as_str())
                    .filter(|s| !s.is_empty())
                    .unwrap_or("0.0.0.0");
                let host = b.get("HostPort").and_then(|v| v.as_str()).unwrap_or("");
                out.push(if host.is_empty() {
                    format!("{ip}->{port}")
                } else {
                    format!("{ip}:{host}->{port}")
                });
            }
        }
    }
    out.sort();
    out
}

/// Nanoseconds since the epoch as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn rfc3339(nanos: i128) -> String {
    let secs = (nanos / 1_000_000_000) as i64;
    let days = secs.div_euclid(86_400);
    let rem = secs.rem_euclid(86_400);
    // Civil from days (Howard Hinnant's algorithm).
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::{rfc3339, summary};
    use crate::runtime::snapshot::timestamp;

    #[test]
    fn a_recreation_is_said_once() {
        let steps = [
            ("stop", "recreate: env `V` changed"),
            ("remove", "recreate: env `V` changed"),
            ("create", "recreate: env `V` changed"),
            ("start", "created"),
        ];
        assert_eq!(summary(steps.into_iter()), vec!["recreate: env `V` changed"]);
        let steps = [("recreate", "env `V` changed"), ("exec", "after start")];
        assert_eq!(
            summary(steps.into_iter()),
            vec!["recreate: env `V` changed", "exec: after start"]
        );
        let steps = [("create", "absent"), ("start", "created")];
        assert_eq!(
            summary(steps.into_iter()),
            vec!["create: absent", "start: created"]
        );
        let steps = [("start", "stopped")];
        assert_eq!(summary(steps.into_iter()), vec!["start: stopped"]);
    }

    #[test]
    fn times_round_trip() {
        for t in [
            "1970-01-01T00:00:00Z",
            "2000-03-01T00:00:00Z",
            "2026-12-01T20:51:51Z",
            "2024-02-29T23:59:59Z",
        ] {
            assert_eq!(rfc3339(timestamp(t).expect(t)), t);
        }
    }
}
