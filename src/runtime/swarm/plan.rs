//! What an action does to a Swarm client, purely: services created dependencies first (each
//! waited for until its tasks run before its dependents are created), updated in place only
//! when their recorded spec changed (a changed `replicas` scales in place), removed dependents
//! first; overlay networks made before the services on them and removed after the last.

use std::collections::{BTreeMap, BTreeSet};

use super::observe::SwarmSnapshot;
use super::spec::WantedService;
use crate::runtime::plan::{Action, Options, Plan, PlanError, Step, StepKind};

struct Builder<'a> {
    wanted: &'a [WantedService],
    observed: &'a SwarmSnapshot,
    plan: Plan,
    /// Service name → the step after which its tasks run (its wait).
    ready: BTreeMap<String, usize>,
    /// Network name → its create step.
    networks: BTreeMap<String, usize>,
}

impl Builder<'_> {
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
}

/// The services `targets` (container Engine names) stand for and, for actions that bring
/// things up, what they depend on; in start order.
fn involved<'a>(wanted: &'a [WantedService], targets: &[String], with_deps: bool) -> Vec<&'a WantedService> {
    let mut chosen: BTreeSet<&str> = wanted
        .iter()
        .filter(|s| targets.contains(&s.container))
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

pub fn plan(
    action: &Action,
    targets: &[String],
    wanted: &[WantedService],
    networks: &[(String, String)],
    observed: &SwarmSnapshot,
    options: &Options,
) -> Result<Plan, Vec<PlanError>> {
    let mut b = Builder {
        wanted,
        observed,
        plan: Plan::default(),
        ready: BTreeMap::new(),
        networks: BTreeMap::new(),
    };
    let mut errors = Vec::new();
    match action {
        Action::Create | Action::Start | Action::Startup | Action::Update | Action::Restart => {
            let services = involved(wanted, targets, true);
            let forced = |s: &WantedService| options.force_update.contains(&s.container);
            // Networks first.
            for (net, map) in networks {
                if !services.iter().any(|s| on_network(s, net)) {
                    continue;
                }
                match observed.networks.get(net) {
                    None => {
                        let id = b.step(
                            StepKind::CreateSwarmNetwork { network: net.clone() },
                            "absent",
                            vec![],
                        );
                        b.networks.insert(net.clone(), id);
                    }
                    Some(n) if n.map.as_deref() != Some(map.as_str()) => errors.push(PlanError::Foreign {
                        kind: "network",
                        name: net.clone(),
                        map: map.clone(),
                    }),
                    Some(_) => {}
                }
            }
            for s in services {
                let mut deps: Vec<usize> = s
                    .depends_on
                    .iter()
                    .filter_map(|d| b.ready.get(d).copied())
                    .collect();
                deps.extend(
                    b.networks
                        .iter()
                        .filter(|(n, _)| on_network(s, n))
                        .map(|(_, id)| *id),
                );
                let changed = match b.observed.services.get(&s.name) {
                    None => Some(b.step(
                        StepKind::CreateService {
                            service: s.name.clone(),
                        },
                        "absent",
                        deps,
                    )),
                    Some(o) if o.map.as_deref() != Some(s.map.as_str()) => {
                        errors.push(PlanError::Foreign {
                            kind: "service",
                            name: s.name.clone(),
                            map: s.map.clone(),
                        });
                        None
                    }
                    Some(o) => {
                        let reason = if forced(s) || *action == Action::Restart {
                            Some(if *action == Action::Restart {
                                "restart".to_string()
                            } else {
                                "forced".to_string()
                            })
                        } else if o.digest.as_deref() != Some(s.digest.as_str()) && *action == Action::Update
                        {
                            Some(if o.replicas != s.replicas && o.same_but_replicas(s) {
                                format!("replicas {} → {}", o.replicas, s.replicas)
                            } else {
                                "spec changed".to_string()
                            })
                        } else if o.replicas == 0 && s.replicas > 0 && *action != Action::Create {
                            Some("stopped (0 replicas)".to_string())
                        } else {
                            None
                        };
                        reason.map(|r| {
                            b.step(
                                StepKind::UpdateService {
                                    service: s.name.clone(),
                                    force: *action == Action::Restart || forced(s),
                                },
                                r,
                                deps,
                            )
                        })
                    }
                };
                if *action == Action::Create {
                    continue;
                }
                let running = b.observed.services.get(&s.name).map_or(0, |o| o.running);
                let wait_deps: Vec<usize> = changed.into_iter().collect();
                if !wait_deps.is_empty() || (running as u64) < s.replicas {
                    let id = b.step(
                        StepKind::WaitService {
                            service: s.name.clone(),
                        },
                        format!("{} of {} tasks running", running, s.replicas),
                        wait_deps,
                    );
                    b.ready.insert(s.name.clone(), id);
                }
            }
        }
        Action::Stop | Action::Remove | Action::Shutdown => {
            let mut services = involved(wanted, targets, false);
            // What depends on them goes too, and first.
            loop {
                let names: BTreeSet<&str> = services.iter().map(|s| s.name.as_str()).collect();
                let more: Vec<&WantedService> = wanted
                    .iter()
                    .filter(|w| !names.contains(w.name.as_str()))
                    .filter(|w| w.depends_on.iter().any(|d| names.contains(d.as_str())))
                    .collect();
                if more.is_empty() {
                    break;
                }
                services.extend(more);
            }
            let mut removed: BTreeMap<String, usize> = BTreeMap::new();
            for s in services.iter().rev() {
                let Some(o) = b.observed.services.get(&s.name) else {
                    continue;
                };
                if o.map.as_deref() != Some(s.map.as_str()) {
                    continue;
                }
                let deps: Vec<usize> = wanted
                    .iter()
                    .filter(|w| w.depends_on.contains(&s.name))
                    .filter_map(|w| removed.get(&w.name).copied())
                    .collect();
                let id = if *action == Action::Stop {
                    if o.replicas == 0 {
                        continue;
                    }
                    b.step(
                        StepKind::ScaleService {
                            service: s.name.clone(),
                            replicas: 0,
                        },
                        "stop: scaled to 0",
                        deps,
                    )
                } else {
                    b.step(
                        StepKind::RemoveService {
                            service: s.name.clone(),
                        },
                        action.name(),
                        deps,
                    )
                };
                removed.insert(s.name.clone(), id);
            }
            if *action == Action::Shutdown {
                // A map network goes with the last of the map's services on it.
                let names: BTreeSet<&str> = services.iter().map(|s| s.name.as_str()).collect();
                for (net, map) in networks {
                    let Some(n) = b.observed.networks.get(net) else {
                        continue;
                    };
                    if n.map.as_deref() != Some(map.as_str()) {
                        continue;
                    }
                    let still = b
                        .observed
                        .services
                        .values()
                        .any(|o| !names.contains(o.name.as_str()) && o.networks.contains(net));
                    if still {
                        continue;
                    }
                    let deps: Vec<usize> = removed.values().copied().collect();
                    b.step(StepKind::RemoveNetwork { network: net.clone() }, "shutdown", deps);
                }
            }
        }
        Action::Signal(_) | Action::PullImages => {
            b.plan.notes.push(format!(
                "`{}` does nothing on a Swarm client: its nodes pull and signal their tasks",
                action.name()
            ));
        }
    }
    // Services of the maps whose configurations are gone.
    let maps: BTreeSet<&str> = wanted.iter().map(|s| s.map.as_str()).collect();
    for o in b.observed.services.values() {
        let Some(map) = o.map.as_deref() else { continue };
        if !maps.contains(map) || b.service(&o.name).is_some() {
            continue;
        }
        if options.remove_orphans && matches!(action, Action::Update | Action::Shutdown) {
            b.step(
                StepKind::RemoveService {
                    service: o.name.clone(),
                },
                "orphan",
                vec![],
            );
        } else if matches!(action, Action::Update | Action::Shutdown) {
            b.plan.notes.push(format!(
                "service `{}` is no longer in map `{map}` (an orphan); pass `remove_orphans: true` (`dmap up --remove-orphans`) to remove it",
                o.name
            ));
        }
    }
    if errors.is_empty() {
        Ok(b.plan)
    } else {
        Err(errors)
    }
}

fn on_network(s: &WantedService, net: &str) -> bool {
    s.spec
        .task_template
        .as_ref()
        .and_then(|t| t.networks.as_ref())
        .is_some_and(|n| n.iter().any(|a| a.target.as_deref() == Some(net)))
}
