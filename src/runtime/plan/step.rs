//! A step of a plan: one Engine operation (or a few, for a recreation), the object it acts on,
//! how it reads, and why it runs.

use std::fmt;

/// One Engine operation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum StepKind {
    PullImage {
        image: String,
    },
    /// Build an image from its context (`Desired::builds`), by reference.
    BuildImage {
        image: String,
    },
    /// Push a declared image to its registry (`dmap push`, `up --push`).
    PushImage {
        image: String,
    },
    /// Stream a declared image from the Engine of client `from`, which builds it in this run or
    /// holds it up to date, into this client's (`image_transfer: "copy"`).
    CopyImage {
        image: String,
        from: String,
    },
    CreateNetwork {
        network: String,
    },
    RemoveNetwork {
        network: String,
    },
    CreateVolume {
        volume: String,
    },
    RemoveVolume {
        volume: String,
    },
    /// chown/chmod an attached volume, with a helper container from `container`'s image.
    PrepareVolume {
        volume: String,
        container: String,
    },
    /// Force-remove what an interrupted run left behind: a volume-preparation helper, or the
    /// new container of a recreation under its temporary name (with its own anonymous volumes;
    /// those it carried over are the old container's and stay).
    RemoveLeftover {
        container: String,
    },
    /// Record that `map` adopted a foreign volume or network (the Engine cannot relabel them).
    RecordAdoption {
        kind: &'static str,
        name: String,
        map: String,
    },
    /// `carry`: anonymous volumes of the container being replaced (target → volume name).
    CreateContainer {
        container: String,
        carry: Vec<(String, String)>,
    },
    /// Recreate a container so that a failure leaves the previous one: the new one is created
    /// under a temporary name beside it; `stops` (the old one when it runs, and the running
    /// containers that depend on it and are replaced after it) stop, each layer at once, a
    /// container in a layer before those it is bound to; the new one is started (and, with
    /// `wait`, healthy); only then is the old one removed and the new one given its name. A
    /// failure before that removes the new one and starts again what was stopped.
    /// `carry`: the old container's anonymous volumes, which the new one mounts.
    ReplaceContainer {
        container: String,
        carry: Vec<(String, String)>,
        start: bool,
        wait: bool,
        stops: Vec<Vec<String>>,
    },
    /// Give the new container of an interrupted recreation, left under its temporary name after
    /// the old one was removed, its name.
    RenameContainer {
        container: String,
        from: String,
    },
    ConnectNetwork {
        container: String,
        network: String,
    },
    DisconnectNetwork {
        container: String,
        network: String,
    },
    StartContainer {
        container: String,
    },
    /// Resume a container someone paused (`docker pause`).
    UnpauseContainer {
        container: String,
    },
    WaitHealthy {
        container: String,
    },
    /// Wait until the container has exited; an exit code other than 0 fails the step.
    WaitCompleted {
        container: String,
    },
    /// Indices into the container's exec commands.
    ExecCommands {
        container: String,
        commands: Vec<usize>,
    },
    UpdateContainer {
        container: String,
    },
    StopContainer {
        container: String,
    },
    RemoveContainer {
        container: String,
    },
    KillContainer {
        container: String,
        signal: String,
    },
    /// An attachable overlay network on a Swarm client.
    CreateSwarmNetwork {
        network: String,
    },
    CreateService {
        service: String,
    },
    /// To its wanted spec; `force` redeploys its tasks even if the spec is the same (restart).
    UpdateService {
        service: String,
        force: bool,
    },
    /// Its spec as it is, with `replicas` (0: stopped).
    ScaleService {
        service: String,
        replicas: u64,
    },
    RemoveService {
        service: String,
    },
    /// Until as many of its tasks run (healthy, when it has a healthcheck) as it has replicas.
    WaitService {
        service: String,
    },
    /// Remove network `id`, one of several the Engine holds named `network`, unused.
    RemoveDuplicateNetwork {
        network: String,
        id: String,
    },
}

impl StepKind {
    /// The object the step acts on.
    pub(crate) fn subject(&self) -> &str {
        match self {
            StepKind::PullImage { image }
            | StepKind::BuildImage { image }
            | StepKind::PushImage { image }
            | StepKind::CopyImage { image, .. } => image,
            StepKind::CreateNetwork { network } | StepKind::RemoveNetwork { network } => network,
            StepKind::CreateVolume { volume }
            | StepKind::RemoveVolume { volume }
            | StepKind::PrepareVolume { volume, .. } => volume,
            StepKind::RecordAdoption { name, .. } => name,
            StepKind::RemoveLeftover { container } => container,
            StepKind::CreateContainer { container, .. }
            | StepKind::ReplaceContainer { container, .. }
            | StepKind::RenameContainer { container, .. }
            | StepKind::ConnectNetwork { container, .. }
            | StepKind::DisconnectNetwork { container, .. }
            | StepKind::StartContainer { container }
            | StepKind::UnpauseContainer { container }
            | StepKind::WaitHealthy { container }
            | StepKind::WaitCompleted { container }
            | StepKind::ExecCommands { container, .. }
            | StepKind::UpdateContainer { container }
            | StepKind::StopContainer { container }
            | StepKind::RemoveContainer { container }
            | StepKind::KillContainer { container, .. } => container,
            StepKind::CreateSwarmNetwork { network } => network,
            StepKind::CreateService { service }
            | StepKind::UpdateService { service, .. }
            | StepKind::ScaleService { service, .. }
            | StepKind::RemoveService { service }
            | StepKind::WaitService { service } => service,
            StepKind::RemoveDuplicateNetwork { network, .. } => network,
        }
    }

    /// The network a connect or disconnect step is about.
    pub(crate) fn network(&self) -> Option<&str> {
        match self {
            StepKind::ConnectNetwork { network, .. } | StepKind::DisconnectNetwork { network, .. } => {
                Some(network)
            }
            _ => None,
        }
    }

    /// What the step does, as in "failed to start container `web`".
    pub(crate) fn describe(&self) -> String {
        match self {
            StepKind::PullImage { image } => format!("pull image `{image}`"),
            StepKind::PushImage { image } => format!("push image `{image}`"),
            StepKind::BuildImage { image } => format!("build image `{image}`"),
            StepKind::CopyImage { image, from } => format!("copy image `{image}` from client `{from}`"),
            StepKind::CreateNetwork { network } => format!("create network `{network}`"),
            StepKind::RemoveNetwork { network } => format!("remove network `{network}`"),
            StepKind::CreateVolume { volume } => format!("create volume `{volume}`"),
            StepKind::RemoveVolume { volume } => format!("remove volume `{volume}`"),
            StepKind::PrepareVolume { volume, container } => {
                format!("prepare volume `{volume}` for container `{container}`")
            }
            StepKind::RemoveLeftover { container } => format!("remove leftover container `{container}`"),
            StepKind::RecordAdoption { kind, name, map } => {
                format!("record that map `{map}` adopted {kind} `{name}`")
            }
            StepKind::CreateContainer { container, .. } => format!("create container `{container}`"),
            StepKind::ReplaceContainer { container, .. } => format!("recreate container `{container}`"),
            StepKind::RenameContainer { container, from } => {
                format!("rename container `{from}` to `{container}`")
            }
            StepKind::ConnectNetwork { container, network } => {
                format!("connect container `{container}` to network `{network}`")
            }
            StepKind::DisconnectNetwork { container, network } => {
                format!("disconnect container `{container}` from network `{network}`")
            }
            StepKind::StartContainer { container } => format!("start container `{container}`"),
            StepKind::UnpauseContainer { container } => format!("unpause container `{container}`"),
            StepKind::WaitHealthy { container } => format!("wait for container `{container}` to be healthy"),
            StepKind::WaitCompleted { container } => {
                format!("wait for container `{container}` to run to completion")
            }
            StepKind::ExecCommands { container, .. } => {
                format!("run the exec commands of container `{container}`")
            }
            StepKind::UpdateContainer { container } => format!("update container `{container}` in place"),
            StepKind::StopContainer { container } => format!("stop container `{container}`"),
            StepKind::RemoveContainer { container } => format!("remove container `{container}`"),
            StepKind::KillContainer { container, signal } => {
                format!("send {signal} to container `{container}`")
            }
            StepKind::CreateSwarmNetwork { network } => format!("create overlay network `{network}`"),
            StepKind::CreateService { service } => format!("create service `{service}`"),
            StepKind::UpdateService { service, .. } => format!("update service `{service}`"),
            StepKind::ScaleService { service, replicas } => {
                format!("scale service `{service}` to {replicas}")
            }
            StepKind::RemoveService { service } => format!("remove service `{service}`"),
            StepKind::WaitService { service } => format!("wait for the tasks of service `{service}` to run"),
            StepKind::RemoveDuplicateNetwork { network, id } => {
                format!("remove network {}, a duplicate of `{network}`", short_id(id))
            }
        }
    }

    /// The action's name, as recipes see it.
    pub(crate) fn name(&self) -> &'static str {
        match self {
            StepKind::PullImage { .. } => "pull",
            StepKind::PushImage { .. } => "push",
            StepKind::BuildImage { .. } => "build",
            StepKind::CopyImage { .. } => "copy",
            StepKind::CreateNetwork { .. } => "create_network",
            StepKind::RemoveNetwork { .. } => "remove_network",
            StepKind::CreateVolume { .. } => "create_volume",
            StepKind::RemoveVolume { .. } => "remove_volume",
            StepKind::PrepareVolume { .. } => "prepare_volume",
            StepKind::RemoveLeftover { .. } => "remove_leftover",
            StepKind::RecordAdoption { .. } => "adopt",
            StepKind::CreateContainer { .. } => "create",
            StepKind::ReplaceContainer { .. } => "recreate",
            StepKind::RenameContainer { .. } => "rename",
            StepKind::ConnectNetwork { .. } => "connect",
            StepKind::DisconnectNetwork { .. } => "disconnect",
            StepKind::StartContainer { .. } => "start",
            StepKind::UnpauseContainer { .. } => "unpause",
            StepKind::WaitHealthy { .. } => "wait_healthy",
            StepKind::WaitCompleted { .. } => "wait_completed",
            StepKind::ExecCommands { .. } => "exec",
            StepKind::UpdateContainer { .. } => "update",
            StepKind::StopContainer { .. } => "stop",
            StepKind::RemoveContainer { .. } => "remove",
            StepKind::KillContainer { .. } => "signal",
            StepKind::CreateSwarmNetwork { .. } => "create_network",
            StepKind::CreateService { .. } => "create_service",
            StepKind::UpdateService { .. } => "update_service",
            StepKind::ScaleService { .. } => "scale_service",
            StepKind::RemoveService { .. } => "remove_service",
            StepKind::WaitService { .. } => "wait_service",
            StepKind::RemoveDuplicateNetwork { .. } => "remove_network",
        }
    }
}

/// An Engine id as the docker CLI shows it: its first 12 digits.
pub(crate) fn short_id(id: &str) -> &str {
    id.get(..12).unwrap_or(id)
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Step {
    pub kind: StepKind,
    pub reason: String,
    /// Steps that must succeed first.
    pub deps: Vec<usize>,
}

impl fmt::Display for Step {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.kind {
            StepKind::ConnectNetwork { network, .. } | StepKind::DisconnectNetwork { network, .. } => {
                write!(
                    f,
                    "{} {} {network}: {}",
                    self.kind.name(),
                    self.kind.subject(),
                    self.reason
                )
            }
            _ => write!(f, "{} {}: {}", self.kind.name(), self.kind.subject(), self.reason),
        }
    }
}
