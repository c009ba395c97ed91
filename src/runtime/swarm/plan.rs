//! What an action does to a Swarm client, purely: services created dependencies first (each
//! waited for until its tasks run before its dependents are created), updated in place only
//! when their recorded spec changed (a changed `replicas` scales in place), removed dependents
//! first; overlay networks made before the services on them and removed after the last. A
//! declared image is built on the manager when its context changed, pushed to the map's
//! registry, and the services that run it are pinned to the pushed digest (so every node runs
//! the same image): a rebuilt image rolls them.

use std::collections::{BTreeMap, BTreeSet};

use super::observe::{ObservedService, SwarmSnapshot};
use super::spec::WantedService;
use crate::runtime::plan::build::stale;
use crate::runtime::plan::{Action, BuildPolicy, Options, Plan, PlanError, Step, StepKind};
use crate::runtime::spec::DesiredBuild;

struct Builder<'a> {
    wanted: &'a [WantedService],
    observed: &'a SwarmSnapshot,
    /// The declared images, by reference.
    builds: &'a BTreeMap<String, DesiredBuild>,
    plan: Plan,
    errors: Vec<PlanError>,
    /// Service name → the step after which its tasks run (its wait).
    ready: BTreeMap<String, usize>,
    /// Network name → its create step.
    networks: BTreeMap<String, usize>,
}

impl<'a> Builder<'a> {
    fn step(&mut self, kind: StepKind, reason: impl Into<String>, deps: Vec<usize>) -> usize {
        self.plan.steps.push(Step {
            kind,
            reason: reason.into(),
            deps,
        });
        self.plan.steps.len() - 1
    }

    fn service(&self, name: &str) -> Option<&WantedService> {
        self.wanted.iter().find(|s| s.name == name)
    }

    /// Create, start, startup, update, restart: the networks the services join, then each
    /// service (dependencies first) created or updated, and waited for before its dependents.
    fn bring_up(
        &mut self,
        action: &Action,
        targets: &[String],
        networks: &[(String, String)],
        options: &Options,
    ) {
        let services = involved(self.wanted, targets, true);
        let pushed = if matches!(action, Action::Create | Action::Startup | Action::Update) {
            self.images(&services, options)
        } else {
            BTreeMap::new()
        };
        self.create_networks(&services, networks);
        for s in services {
            let mut deps: Vec<usize> = s
                .depends_on
                .iter()
                .filter_map(|d| self.ready.get(d).copied())
                .collect();
            let image = s.build.as_ref().and_then(|r| pushed.get(r));
            deps.extend(image.map(|(push, _)| *push));
            deps.extend(
                self.networks
                    .iter()
                    .filter(|(n, _)| on_network(s, n))
                    .map(|(_, id)| *id),
            );
            let forced = s.containers.iter().any(|c| options.force_update.contains(c));
            let changed = self.create_or_update(action, s, forced, deps, image.map(|(_, why)| why.as_str()));
            if *action != Action::Create {
                self.wait(s, changed);
            }
        }
    }

    /// The declared images `services` run, built on the manager when their context changed and
    /// pushed to their registry then, or when the registry has never had them from it. Each
    /// pushed image's reference → its push step, and why the services that run it change.
    fn images(
        &mut self,
        services: &[&WantedService],
        options: &Options,
    ) -> BTreeMap<String, (usize, String)> {
        let mut out = BTreeMap::new();
        for reference in services.iter().filter_map(|s| s.build.as_ref()) {
            let Some(build) = self
                .builds
                .get(reference)
                .filter(|_| !out.contains_key(reference))
            else {
                continue;
            };
            let held = self.observed.images.get(reference);
            let reason = match options.build {
                BuildPolicy::Never => None,
                policy => {
                    stale(&build.name, &build.digest, held.map(|h| h.context.as_deref())).or_else(|| {
                        (policy == BuildPolicy::Always).then(|| format!("image `{}`: --build", build.name))
                    })
                }
            };
            let (deps, push_reason, why) = match reason {
                Some(reason) => {
                    let id = self.step(
                        StepKind::BuildImage {
                            image: reference.clone(),
                        },
                        reason,
                        vec![],
                    );
                    (
                        vec![id],
                        "for the Swarm's nodes".to_string(),
                        format!("image `{}` rebuilt", build.name),
                    )
                }
                None if held.is_some_and(|h| h.pushed.is_none()) => (
                    vec![],
                    format!("image `{}`: not in its registry yet", build.name),
                    format!("image `{}` pushed", build.name),
                ),
                None => continue,
            };
            let push = self.step(
                StepKind::PushImage {
                    image: reference.clone(),
                },
                push_reason,
                deps,
            );
            out.insert(reference.clone(), (push, why));
        }
        out
    }

    /// The map networks `services` join that are absent; one of another map is an error.
    fn create_networks(&mut self, services: &[&WantedService], networks: &[(String, String)]) {
        for (net, map) in networks {
            if !services.iter().any(|s| on_network(s, net)) {
                continue;
            }
            match self.observed.networks.get(net) {
                None => {
                    let id = self.step(
                        StepKind::CreateSwarmNetwork { network: net.clone() },
                        "absent",
                        vec![],
                    );
                    self.networks.insert(net.clone(), id);
                }
                Some(n) if n.map.as_deref() != Some(map.as_str()) => self.errors.push(PlanError::Foreign {
                    kind: "network",
                    name: net.clone(),
                    map: map.clone(),
                }),
                Some(_) => {}
            }
        }
    }

    /// An absent service is created; one of this map updated when its image was just pushed
    /// (`pushed`, why) or [`update_reason`] gives a reason; one of another map is an error. The
    /// step that changed it, if any.
    fn create_or_update(
        &mut self,
        action: &Action,
        s: &WantedService,
        forced: bool,
        deps: Vec<usize>,
        pushed: Option<&str>,
    ) -> Option<usize> {
        let observed = self.observed;
        match observed.services.get(&s.name) {
            None => Some(self.step(
                StepKind::CreateService {
                    service: s.name.clone(),
                },
                "absent",
                deps,
            )),
            Some(o) if o.map.as_deref() != Some(s.map.as_str()) => {
                self.errors.push(PlanError::Foreign {
                    kind: "service",
                    name: s.name.clone(),
                    map: s.map.clone(),
                });
                None
            }
            Some(o) => pushed
                .filter(|_| *action != Action::Create)
                .map(str::to_string)
                .or_else(|| update_reason(action, forced, o, s))
                .map(|r| {
                    self.step(
                        StepKind::UpdateService {
                            service: s.name.clone(),
                            force: *action == Action::Restart || forced,
                        },
                        r,
                        deps,
                    )
                }),
        }
    }

    /// A service just changed, or running fewer tasks than it wants, is waited for; its
    /// dependents start after the wait.
    fn wait(&mut self, s: &WantedService, changed: Option<usize>) {
        let running = self.observed.services.get(&s.name).map_or(0, |o| o.running);
        let wait_deps: Vec<usize> = changed.into_iter().collect();
        if !wait_deps.is_empty() || (running as u64) < s.replicas {
            let id = self.step(
                StepKind::WaitService {
                    service: s.name.clone(),
                },
                format!("{} of {} tasks running", running, s.replicas),
                wait_deps,
            );
            self.ready.insert(s.name.clone(), id);
        }
    }

    /// Stop, remove, shutdown: the services and what depends on them, dependents first; on
    /// shutdown, the map networks no other service is on.
    fn take_down(&mut self, action: &Action, targets: &[String], networks: &[(String, String)]) {
        let services = with_dependents(self.wanted, involved(self.wanted, targets, false));
        let removed = self.stop_or_remove(action, &services);
        if *action == Action::Shutdown {
            self.remove_networks(&services, networks, &removed);
        }
    }

    /// Each service of this map that is there scaled to 0 (stop) or removed, after its
    /// dependents. Service name → its step.
    fn stop_or_remove(&mut self, action: &Action, services: &[&WantedService]) -> BTreeMap<String, usize> {
        let mut removed: BTreeMap<String, usize> = BTreeMap::new();
        let observed = self.observed;
        for s in services.iter().rev() {
            let Some(o) = observed.services.get(&s.name) else {
                continue;
            };
            if o.map.as_deref() != Some(s.map.as_str()) {
                continue;
            }
            let deps: Vec<usize> = self
                .wanted
                .iter()
                .filter(|w| w.depends_on.contains(&s.name))
                .filter_map(|w| removed.get(&w.name).copied())
                .collect();
            let id = if *action == Action::Stop {
                if o.replicas == 0 {
                    continue;
                }
                self.step(
                    StepKind::ScaleService {
                        service: s.name.clone(),
                        replicas: 0,
                    },
                    "stop: scaled to 0",
                    deps,
                )
            } else {
                self.step(
                    StepKind::RemoveService {
                        service: s.name.clone(),
                    },
                    action.name(),
                    deps,
                )
            };
            removed.insert(s.name.clone(), id);
        }
        removed
    }

    /// A map network goes with the last of the map's services on it.
    fn remove_networks(
        &mut self,
        services: &[&WantedService],
        networks: &[(String, String)],
        removed: &BTreeMap<String, usize>,
    ) {
        let names: BTreeSet<&str> = services.iter().map(|s| s.name.as_str()).collect();
        let observed = self.observed;
        for (net, map) in networks {
            let Some(n) = observed.networks.get(net) else {
                continue;
            };
            if n.map.as_deref() != Some(map.as_str()) {
                continue;
            }
            let still = observed
                .services
                .values()
                .any(|o| !names.contains(o.name.as_str()) && o.networks.contains(net));
            if still {
                continue;
            }
            let deps: Vec<usize> = removed.values().copied().collect();
            self.step(StepKind::RemoveNetwork { network: net.clone() }, "shutdown", deps);
        }
    }

    /// Services of the maps whose configurations are gone: removed on update and shutdown when
    /// asked (`remove_orphans`), else named in a note.
    fn orphans(&mut self, action: &Action, options: &Options) {
        let maps: BTreeSet<&str> = self.wanted.iter().map(|s| s.map.as_str()).collect();
        let observed = self.observed;
        for o in observed.services.values() {
            let Some(map) = o.map.as_deref() else { continue };
            if !maps.contains(map) || self.service(&o.name).is_some() {
                continue;
            }
            if options.remove_orphans && matches!(action, Action::Update | Action::Shutdown) {
                self.step(
                    StepKind::RemoveService {
                        service: o.name.clone(),
                    },
                    "orphan",
                    vec![],
                );
            } else if matches!(action, Action::Update | Action::Shutdown) {
                self.plan.notes.push(format!(
                    "service `{}` is no longer in map `{map}` (an orphan); pass `remove_orphans: true` (`dmap up --remove-orphans`) to remove it",
                    o.name
                ));
            }
        }
    }
}

/// Why an existing service of this map is updated, if it is: restarted or forced whatever its
/// spec; on update, a changed recorded spec (only its `replicas` changed: scaled in place);
/// except on create, a stopped service (0 replicas) that wants tasks.
fn update_reason(action: &Action, forced: bool, o: &ObservedService, s: &WantedService) -> Option<String> {
    if forced || *action == Action::Restart {
        Some(if *action == Action::Restart {
            "restart".to_string()
        } else {
            "forced".to_string()
        })
    } else if o.digest.as_deref() != Some(s.digest.as_str()) && *action == Action::Update {
        Some(if o.replicas != s.replicas && o.same_but_replicas(s) {
            format!("replicas {} → {}", o.replicas, s.replicas)
        } else {
            "spec changed".to_string()
        })
    } else if o.replicas == 0 && s.replicas > 0 && *action != Action::Create {
        Some("stopped (0 replicas)".to_string())
    } else {
        None
    }
}

/// The services `targets` (container Engine names) stand for and, for actions that bring
/// things up, what they depend on; in start order.
fn involved<'a>(wanted: &'a [WantedService], targets: &[String], with_deps: bool) -> Vec<&'a WantedService> {
    let mut chosen: BTreeSet<&str> = wanted
        .iter()
        .filter(|s| s.containers.iter().any(|c| targets.contains(c)))
        .map(|s| s.name.as_str())
        .collect();
    if with_deps {
        loop {
            let more: Vec<&str> = wanted
                .iter()
                .filter(|s| chosen.contains(s.name.as_str()))
                .flat_map(|s| s.depends_on.iter().map(String::as_str))
                .filter(|d| !chosen.contains(d))
                .collect();
            if more.is_empty() {
                break;
            }
            chosen.extend(more);
        }
    }
    wanted
        .iter()
        .filter(|s| chosen.contains(s.name.as_str()))
        .collect()
}

/// `services` and, after them, what depends on them (what goes down takes its dependents).
fn with_dependents<'a>(
    wanted: &'a [WantedService],
    mut services: Vec<&'a WantedService>,
) -> Vec<&'a WantedService> {
    loop {
        let names: BTreeSet<&str> = services.iter().map(|s| s.name.as_str()).collect();
        let more: Vec<&WantedService> = wanted
            .iter()
            .filter(|w| !names.contains(w.name.as_str()))
            .filter(|w| w.depends_on.iter().any(|d| names.contains(d.as_str())))
            .collect();
        if more.is_empty() {
            return services;
        }
        services.extend(more);
    }
}

/// The services as they run the images the manager holds pushed: pinned to the digest the
/// registry has.
fn as_pushed(
    wanted: &[WantedService],
    images: &BTreeMap<String, crate::runtime::observe::HeldImage>,
) -> Vec<WantedService> {
    wanted
        .iter()
        .map(|w| {
            match w
                .build
                .as_ref()
                .and_then(|r| images.get(r))
                .and_then(|h| h.pushed.as_deref())
            {
                Some(digest) => w.pinned(digest),
                None => w.clone(),
            }
        })
        .collect()
}

pub(crate) fn plan(
    action: &Action,
    targets: &[String],
    wanted: &[WantedService],
    networks: &[(String, String)],
    observed: &SwarmSnapshot,
    options: &Options,
    builds: &BTreeMap<String, DesiredBuild>,
) -> Result<Plan, Vec<PlanError>> {
    let wanted = &as_pushed(wanted, &observed.images);
    let mut b = Builder {
        wanted,
        observed,
        builds,
        plan: Plan::default(),
        errors: Vec::new(),
        ready: BTreeMap::new(),
        networks: BTreeMap::new(),
    };
    match action {
        Action::Create | Action::Start | Action::Startup | Action::Update | Action::Restart => {
            b.bring_up(action, targets, networks, options)
        }
        Action::Stop | Action::Remove | Action::Shutdown => b.take_down(action, targets, networks),
        Action::Signal(_) | Action::PullImages => {
            b.plan.notes.push(format!(
                "`{}` does nothing on a Swarm client: its nodes pull and signal their tasks",
                action.name()
            ));
        }
    }
    b.orphans(action, options);
    if b.errors.is_empty() {
        Ok(b.plan)
    } else {
        Err(b.errors)
    }
}

fn on_network(s: &WantedService, net: &str) -> bool {
    s.spec
        .task_template
        .as_ref()
        .and_then(|t| t.networks.as_ref())
        .is_some_and(|n| n.iter().any(|a| a.target.as_deref() == Some(net)))
}
