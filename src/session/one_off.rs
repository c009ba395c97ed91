//! One-off containers of a configuration: `dmap job` and docker-map's `script` action. What it
//! needs is brought up first as `startup` brings it up (its image, networks, volumes, the
//! containers it depends on, waited for as its `depends_on` says), under the maps' lock; then the
//! container runs once, changed as asked, and is removed afterwards unless kept.

use std::collections::BTreeSet;
use std::time::Duration;

use super::images::Digests;
use super::{Error, Mode, Prepared, Reporter, Request, Session};
use crate::model::target;
use crate::runtime::one_off::{run, Finished, How, OneOff};
use crate::runtime::plan::{Action, Existing, RunOnce};
use crate::runtime::spec::ResolvedContainer;

/// What a front end asks of a one-off container.
#[derive(Clone, Debug, Default)]
pub(crate) struct OneOffRequest {
    /// `dmap job`: a container of its own name (`Naming::job_name` with this token) beside the
    /// configuration's; else (`script`) the configuration's container itself, each one the
    /// targets name.
    pub job: Option<String>,
    /// The command (replacing the configuration's).
    pub command: Option<Vec<String>>,
    pub entrypoint: Option<Vec<String>>,
    /// `K=V`, added to (and overriding) the configuration's environment.
    pub env: Vec<String>,
    pub user: Option<String>,
    pub workdir: Option<String>,
    /// Host path → container path, read-write (the script's directory).
    pub binds: Vec<(String, String)>,
    pub how: How,
    /// A container of its name that exists: kept (a job), refused or removed first (a script).
    pub existing: Option<Existing>,
    /// What it depends on is left as it is (`dmap job --no-deps`).
    pub no_deps: bool,
    /// A job keeps the configuration's published ports (`--service-ports`).
    pub service_ports: bool,
    /// A job's own name instead of the one made from its token (`--name`).
    pub name: Option<String>,
}

/// One container's run: on which client, and how it ended.
#[derive(Clone, Debug)]
pub(crate) struct OneOffRun {
    pub client: String,
    pub name: String,
    pub finished: Finished,
}

impl OneOffRequest {
    /// The configuration's container as this run changes it: a job's own name, no published
    /// ports and no aliases on its networks (as `docker compose run` without
    /// `--service-ports`); for both, no restart policy (it runs once), the command, entrypoint,
    /// environment, user, directory and mounts asked for. `--service-ports` keeps the ports,
    /// `--name` gives its name.
    pub(crate) fn container(&self, c: &ResolvedContainer) -> ResolvedContainer {
        let mut c = c.clone();
        if let Some(token) = &self.job {
            c.name = match &self.name {
                Some(name) => name.clone(),
                None => c.naming.job_name(&c.map, &c.config, token),
            };
            if !self.service_ports {
                c.spec.ports.clear();
            }
            for e in &mut c.spec.networks {
                e.aliases.clear();
            }
        }
        c.spec.options.remove("restart_policy");
        let words =
            |w: &Vec<String>| crate::model::Value::List(w.iter().map(crate::model::Value::str).collect());
        if let Some(command) = &self.command {
            c.spec.command = Some(words(command));
        }
        if let Some(entrypoint) = &self.entrypoint {
            c.spec.entrypoint = Some(words(entrypoint));
            // As `docker run --entrypoint`: the image's command is not the new entrypoint's.
            if self.command.is_none() {
                c.spec.command = Some(crate::model::Value::List(Vec::new()));
            }
        }
        for kv in &self.env {
            let (k, v) = kv.split_once('=').unwrap_or((kv, ""));
            c.spec.environment.insert(k.to_string(), v.to_string());
        }
        if let Some(user) = &self.user {
            c.spec.user = Some(user.clone());
        }
        if let Some(dir) = &self.workdir {
            c.spec
                .options
                .insert("working_dir".into(), crate::model::Value::str(dir));
        }
        for (source, target) in &self.binds {
            c.spec.mounts.retain(|m| m.target != *target);
            c.spec.mounts.push(crate::runtime::spec::MountSpec {
                kind: crate::runtime::spec::MountKind::Bind,
                source: source.clone(),
                target: target.clone(),
                readonly: false,
            });
        }
        c
    }
}

impl Session {
    /// Runs one-off containers of the request's targets (a job: of the first container the
    /// targets name; a script: of each), what they need brought up first. Planning only (or
    /// under `--dry-run`) reports what would be brought up and runs nothing.
    pub(crate) fn one_off(
        &self,
        request: &Request<'_>,
        one_off: &OneOffRequest,
        reporter: &dyn Reporter,
        output: &mut dyn FnMut(bool, &[u8]),
    ) -> Result<Vec<OneOffRun>, Error> {
        let prepared = Prepared::new(request, self.builders.get())?;
        let usage = |e: &dyn std::fmt::Display| Error::Usage {
            message: e.to_string(),
        };
        let mut ids = target::expand_targets(request.targets, &prepared.checked).map_err(|e| usage(&e))?;
        if one_off.job.is_some() {
            ids.truncate(1);
        }
        let chosen: Vec<String> = ids
            .iter()
            .map(|id| format!("{}/{id}", prepared.checked[id.map].map.name))
            .collect();
        let names: BTreeSet<String> = ids.iter().map(|id| id.engine_name(&prepared.checked)).collect();
        // A client kind that can't run it (a Swarm) says so before anything is brought up.
        let mut digests = Digests::default();
        let mut runs = Vec::new();
        for (client, config) in request.clients {
            let Some((desired, targets)) = super::act::desired_for(&prepared, client, config, &mut digests)?
            else {
                continue;
            };
            for name in targets.iter().filter(|t| names.contains(*t)) {
                if let Some(message) = desired.kind().exec_refusal(client, name) {
                    return Err(Error::Usage { message });
                }
                if let Some(c) = desired.desired().container(name) {
                    runs.push((client.as_str(), config, one_off.container(c)));
                }
            }
        }
        // A job runs once, on the first client that runs its configuration.
        if one_off.job.is_some() {
            runs.truncate(1);
        }
        let mut options = request.options.clone();
        options.flags.run_once = Some(RunOnce {
            containers: names,
            existing: one_off.existing.unwrap_or(Existing::Keep),
            dependencies: !one_off.no_deps,
        });
        let startup = Request {
            targets: &chosen,
            action: &Action::Startup,
            options: &options,
            ..*request
        };
        self.act(&startup, reporter)?;
        let mut out = Vec::new();
        for (client, config, container) in runs {
            if self.mode() != Mode::Apply || request.plan_only {
                // Nothing ran: what a recipe reads of the result reads as a success.
                out.push(OneOffRun {
                    client: client.to_string(),
                    name: container.name,
                    finished: Finished {
                        exit_code: Some(0),
                        ..Finished::default()
                    },
                });
                continue;
            }
            let driver = self.driver(client, config)?;
            // A script waits as long as the client says (docker-map's `wait_timeout`, else its
            // `timeout`); a job as long as it runs.
            let timeout = one_off.how.timeout.or_else(|| {
                let seconds = config.wait_timeout.or(config.timeout)?;
                (one_off.job.is_none() && seconds > 0.0).then(|| Duration::from_secs_f64(seconds))
            });
            let name = container.name.clone();
            let spec = OneOff {
                container,
                job: one_off.job.is_some(),
                how: How {
                    timeout,
                    ..one_off.how.clone()
                },
            };
            let finished = self
                .block_on(run(&driver, &spec, output, &self.cancel))?
                .map_err(|error| Error::Stream { error })?;
            out.push(OneOffRun {
                client: client.to_string(),
                name,
                finished,
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::client::ClientConfig;
    use crate::model::Value;
    use crate::runtime::spec::Desired;

    fn web() -> ResolvedContainer {
        let yaml = "web:\n  image: web\n  networks: {front: {aliases: [www]}}\n  exposes: [[80, 8080]]\n  host_config: {restart_policy: always}\n  create_options: {command: [httpd], environment: {A: '1'}}\nnetworks:\n  front: {}\n";
        let map = crate::yaml::load_map("m.yaml", yaml, None, &|_| None).expect("map loads");
        let checked = crate::model::check(&map).expect("map checks");
        let desired = Desired::build(
            &[checked],
            std::path::Path::new("/"),
            "default",
            &ClientConfig::default(),
        )
        .expect("desired");
        desired.containers[0].clone()
    }

    #[test]
    fn a_job_is_the_configuration_changed_as_asked() {
        let c = web();
        assert!(!c.spec.ports.is_empty() && c.spec.options.contains_key("restart_policy"));
        let job = OneOffRequest {
            job: Some("abc".into()),
            entrypoint: Some(vec!["sh".into()]),
            env: vec!["B=2".into(), "A=3".into()],
            user: Some("app".into()),
            workdir: Some("/srv".into()),
            ..OneOffRequest::default()
        }
        .container(&c);
        assert_eq!(job.name, "m.web-run-abc");
        assert!(job.spec.ports.is_empty(), "no published ports");
        assert!(
            job.spec.networks.iter().all(|e| e.aliases.is_empty()),
            "no service aliases"
        );
        assert!(!job.spec.options.contains_key("restart_policy"), "runs once");
        assert_eq!(job.spec.entrypoint, Some(Value::List(vec![Value::str("sh")])));
        assert_eq!(
            job.spec.command,
            Some(Value::List(Vec::new())),
            "the image's command is not the entrypoint's"
        );
        assert_eq!(job.spec.environment.get("A").map(String::as_str), Some("3"));
        assert_eq!(job.spec.environment.get("B").map(String::as_str), Some("2"));
        assert_eq!(job.spec.user.as_deref(), Some("app"));
        assert_eq!(job.spec.options.get("working_dir"), Some(&Value::str("/srv")));

        let with_ports = OneOffRequest {
            job: Some("abc".into()),
            service_ports: true,
            name: Some("mine".into()),
            ..OneOffRequest::default()
        }
        .container(&c);
        assert_eq!(with_ports.name, "mine");
        assert_eq!(with_ports.spec.ports, c.spec.ports);
        assert_eq!(with_ports.spec.command, c.spec.command);

        // A script keeps the name and the aliases; its directory replaces a mount at its target.
        let script = OneOffRequest {
            binds: vec![("/host/dir".into(), "/tmp/script_run".into())],
            ..OneOffRequest::default()
        }
        .container(&c);
        assert_eq!(script.name, c.name);
        assert_eq!(script.spec.networks, c.spec.networks);
        assert!(script
            .spec
            .mounts
            .iter()
            .any(|m| m.source == "/host/dir" && m.target == "/tmp/script_run" && !m.readonly));
    }
}
