//! Why the first contact over ssh failed, told from how `ssh HOST docker system dial-stdio` ended:
//! its exit code (255: ssh's own failure; 127: no such command on the remote; others: the remote
//! `docker`'s) and what it wrote on stderr (OpenSSH's and the remote's messages). Pure.

/// Why ssh gave no Engine. Each says what to look at; the address is named by the error around it.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub(crate) enum SshError {
    #[error("there is no `ssh` on PATH (dmap reaches ssh:// addresses through the system's ssh client)")]
    NoSsh,
    #[error("can't run `ssh`: {reason}")]
    Spawn { reason: String },
    #[error("can't set up the local end of the ssh tunnel in `{path}`: {reason}")]
    Local { path: String, reason: String },
    #[error("ssh does not know the host key of `{host}` and dmap runs it without prompts: connect once with `{command}` to check the key and record it")]
    HostKeyUnknown { host: String, command: String },
    #[error("the host key of `{host}` is not the one ssh recorded in known_hosts: the host was reinstalled, or someone is in between; ssh refuses to connect")]
    HostKeyChanged { host: String },
    #[error("`{host}` refused the login: permission denied ({methods}); dmap runs ssh without prompts, so the key must be in the agent or need no passphrase")]
    PermissionDenied { host: String, methods: String },
    #[error("`{host}` refused the connection on port {port} (no ssh server listens there?)")]
    Refused { host: String, port: String },
    #[error("can't reach `{host}`: {reason}")]
    Unreachable { host: String, reason: String },
    #[error("can't resolve the host name `{host}`: {reason}")]
    UnknownHost { host: String, reason: String },
    #[error("there is no `docker` command on `{host}` (dmap runs `docker system dial-stdio` there, as the docker CLI does)")]
    NoDocker { host: String },
    #[error("the `docker` of `{host}` can't reach its Engine: {message}")]
    RemoteEngine { host: String, message: String },
    #[error("`docker system dial-stdio` failed on `{host}` with exit code {code}{}", colon(.message))]
    RemoteCommand {
        host: String,
        code: i32,
        message: String,
    },
    #[error("ssh to `{host}` failed{}", colon(.message))]
    Ssh { host: String, message: String },
    #[error("ssh to `{host}` gave no answer of a Docker Engine (`docker system dial-stdio` ended{})", code_text(*.code))]
    NoEngineAnswer { host: String, code: Option<i32> },
}

fn colon(message: &str) -> String {
    if message.is_empty() {
        String::new()
    } else {
        format!(": {message}")
    }
}

fn code_text(code: Option<i32>) -> String {
    match code {
        Some(code) => format!(" with exit code {code}"),
        None => " on a signal".into(),
    }
}

/// How ssh ended when the first contact gave no Engine's answer: `code` is its exit code (None
/// when a signal ended it), `stderr` what it wrote. `host` and `port` are as the address wrote
/// them; `command` how a person reaches the host with ssh.
pub(crate) fn classify(
    host: &str,
    port: Option<u16>,
    command: &str,
    code: Option<i32>,
    stderr: &str,
) -> SshError {
    let host = host.to_string();
    let lines: Vec<&str> = stderr
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with("Warning: Permanently added"))
        .collect();
    let has = |needle: &str| lines.iter().any(|l| l.contains(needle));
    // the last line that says something (docker ends some errors with where to read help)
    let last = lines
        .iter()
        .rev()
        .find(|l| !l.starts_with("See '"))
        .map(|l| l.to_string())
        .unwrap_or_default();
    match code {
        Some(255) | None => {}
        Some(127) => return SshError::NoDocker { host },
        Some(0) => return SshError::NoEngineAnswer { host, code },
        Some(code) => {
            // the remote `docker`'s words when it can't reach its daemon, across versions
            let engine = [
                "Cannot connect to the Docker daemon",
                "failed to open the raw stream connection",
                "error during connect",
                "permission denied while trying to connect to the Docker daemon",
            ];
            if let Some(line) = lines.iter().rev().find(|l| engine.iter().any(|e| l.contains(e))) {
                return SshError::RemoteEngine {
                    host,
                    message: line.to_string(),
                };
            }
            if has("docker: command not found") || has("docker: not found") {
                return SshError::NoDocker { host };
            }
            return SshError::RemoteCommand {
                host,
                code,
                message: last,
            };
        }
    }
    if has("REMOTE HOST IDENTIFICATION HAS CHANGED")
        || has("has changed and you have requested strict checking")
    {
        return SshError::HostKeyChanged { host };
    }
    if has("Host key verification failed") || has("host key is known for") {
        return SshError::HostKeyUnknown {
            host,
            command: command.to_string(),
        };
    }
    if let Some(methods) = lines.iter().find_map(|l| {
        let (_, rest) = l.split_once("Permission denied (")?;
        rest.strip_suffix(").").or_else(|| rest.strip_suffix(')'))
    }) {
        return SshError::PermissionDenied {
            host,
            methods: methods.to_string(),
        };
    }
    // `ssh: connect to host H port P: Connection refused` (and other reasons)
    if let Some((port_said, reason)) = lines.iter().find_map(|l| {
        let rest = l.split_once("connect to host ")?.1;
        let (_, rest) = rest.split_once(" port ")?;
        rest.split_once(": ")
    }) {
        if reason.eq_ignore_ascii_case("connection refused") {
            return SshError::Refused {
                host,
                port: port_said.to_string(),
            };
        }
        return SshError::Unreachable {
            host,
            reason: lowercase_first(reason),
        };
    }
    if let Some(reason) = lines.iter().find_map(|l| {
        let rest = l.split_once("Could not resolve hostname ")?.1;
        Some(rest.split_once(": ").map_or(rest, |(_, r)| r))
    }) {
        return SshError::UnknownHost {
            host,
            reason: lowercase_first(reason),
        };
    }
    if has("Connection timed out during banner exchange") {
        return SshError::Unreachable {
            host,
            reason: format!(
                "no ssh server answered on port {} in time",
                port.map_or("22".to_string(), |p| p.to_string())
            ),
        };
    }
    SshError::Ssh {
        host,
        message: last.strip_prefix("ssh: ").unwrap_or(&last).to_string(),
    }
}

fn lowercase_first(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_lowercase().chain(chars).collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::classify;

    #[test]
    fn tells_ssh_failures_apart_in_plain_words() {
        let changed = "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n\
            @    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\n\
            @@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\n\
            IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\n\
            Offending ED25519 key in /root/.ssh/known_hosts:1\n\
            Host key for h has changed and you have requested strict checking.\n\
            Host key verification failed.\n";
        let cases: &[(Option<i32>, &str, &str)] = &[
            (
                Some(255),
                "No ED25519 host key is known for h and you have requested strict checking.\nHost key verification failed.\n",
                "ssh does not know the host key of `h` and dmap runs it without prompts: connect once with `ssh -p 2222 root@h` to check the key and record it",
            ),
            (Some(255), "Host key verification failed.\n", "ssh does not know the host key of `h` and dmap runs it without prompts: connect once with `ssh -p 2222 root@h` to check the key and record it"),
            (
                Some(255),
                changed,
                "the host key of `h` is not the one ssh recorded in known_hosts: the host was reinstalled, or someone is in between; ssh refuses to connect",
            ),
            (
                Some(255),
                "root@h: Permission denied (publickey,password).\n",
                "`h` refused the login: permission denied (publickey,password); dmap runs ssh without prompts, so the key must be in the agent or need no passphrase",
            ),
            (
                Some(255),
                "ssh: connect to host h port 2222: Connection refused\n",
                "`h` refused the connection on port 2222 (no ssh server listens there?)",
            ),
            (Some(255), "ssh: connect to host h port 22: No route to host\n", "can't reach `h`: no route to host"),
            (Some(255), "ssh: connect to host h port 22: Connection timed out\n", "can't reach `h`: connection timed out"),
            (
                Some(255),
                "ssh: Could not resolve hostname h: Name or service not known\n",
                "can't resolve the host name `h`: name or service not known",
            ),
            (
                Some(255),
                "Connection timed out during banner exchange\nConnection to UNKNOWN port 65535 timed out\n",
                "can't reach `h`: no ssh server answered on port 2222 in time",
            ),
            (Some(255), "kex_exchange_identification: Connection closed by remote host\n", "ssh to `h` failed: kex_exchange_identification: Connection closed by remote host"),
            (Some(255), "", "ssh to `h` failed"),
            (None, "", "ssh to `h` failed"),
            // the remote side: the shell, then docker
            (Some(127), "bash: line 1: docker: command not found\n", "there is no `docker` command on `h` (dmap runs `docker system dial-stdio` there, as the docker CLI does)"),
            (Some(127), "sh: 1: docker: not found\n", "there is no `docker` command on `h` (dmap runs `docker system dial-stdio` there, as the docker CLI does)"),
            (
                Some(1),
                "noise from a login script\nfailed to open the raw stream connection: dial unix /var/run/docker.sock: connect: no such file or directory\n",
                "the `docker` of `h` can't reach its Engine: failed to open the raw stream connection: dial unix /var/run/docker.sock: connect: no such file or directory",
            ),
            (
                Some(1),
                "Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?\n",
                "the `docker` of `h` can't reach its Engine: Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",
            ),
            (
                Some(1),
                "docker: 'system dial-stdio' is not a docker command.\nSee 'docker --help'\n",
                "`docker system dial-stdio` failed on `h` with exit code 1: docker: 'system dial-stdio' is not a docker command.",
            ),
            (Some(2), "", "`docker system dial-stdio` failed on `h` with exit code 2"),
            (Some(0), "", "ssh to `h` gave no answer of a Docker Engine (`docker system dial-stdio` ended with exit code 0)"),
        ];
        for (code, stderr, want) in cases {
            let got = classify("h", Some(2222), "ssh -p 2222 root@h", *code, stderr).to_string();
            assert_eq!(&got, want, "{code:?} {stderr:?}");
        }
    }
}
