//! An `ssh://[user@]host[:port]` address (a client's `base_url`, `DOCKER_HOST`), read as the
//! docker CLI reads it (no password, path, query or fragment), and the `ssh` arguments that name
//! its destination. The runtime reaches it through the system's ssh (`runtime::ssh`).

/// Where ssh connects: what an `ssh://` address says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Destination {
    /// `-l USER`; else ssh's configuration decides (`User`, then the local user).
    pub user: Option<String>,
    /// A host name, an alias of the ssh configuration, or an IP address (IPv6 without brackets).
    pub host: String,
    /// `-p PORT`; else ssh's configuration decides (`Port`, then 22).
    pub port: Option<u16>,
}

impl Destination {
    /// Reads an `ssh://` address; the error is the reason it is not one, in words.
    pub(crate) fn parse(address: &str) -> Result<Destination, String> {
        let rest = address
            .strip_prefix("ssh://")
            .ok_or_else(|| "expected ssh://[user@]host[:port]".to_string())?;
        let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
        let (authority, after) = rest.split_at(end);
        match after.chars().next() {
            None => {}
            Some('/') => {
                return Err(format!(
                    "a path after the host (`{after}`): ssh://[user@]host[:port] names a host"
                ))
            }
            Some('?') => return Err(format!("a query after the host (`{after}`)")),
            Some(_) => return Err(format!("a fragment after the host (`{after}`)")),
        }
        let (user, host_port) = match authority.rsplit_once('@') {
            Some((user, _)) if user.contains(':') => {
                return Err(
                    "a password in the address: ssh logs in with keys, an agent or its configuration".into(),
                )
            }
            Some(("", _)) => return Err("an empty user name before `@`".into()),
            Some((user, host_port)) => (Some(user.to_string()), host_port),
            None => (None, authority),
        };
        let (host, port) = if let Some(bracketed) = host_port.strip_prefix('[') {
            let (host, after) = bracketed
                .split_once(']')
                .ok_or_else(|| "an IPv6 address without its closing `]`".to_string())?;
            if !host.contains(':') {
                return Err(format!("`[{host}]` is no IPv6 address"));
            }
            match after {
                "" => (host, None),
                _ => match after.strip_prefix(':') {
                    Some(port) => (host, Some(port)),
                    None => return Err(format!("`{after}` after the IPv6 address")),
                },
            }
        } else {
            match host_port.split_once(':') {
                Some((_, rest)) if rest.contains(':') => {
                    return Err(format!("an IPv6 address goes in brackets: ssh://[{host_port}]"))
                }
                Some((host, port)) => (host, Some(port)),
                None => (host_port, None),
            }
        };
        if host.is_empty() {
            return Err("no host".into());
        }
        if host.starts_with('-') {
            return Err(format!("host `{host}` starts with `-`"));
        }
        if let Some(c) = host.chars().find(|c| c.is_whitespace() || c.is_control()) {
            return Err(format!("host `{host}` holds {c:?}"));
        }
        let port = match port {
            None => None,
            Some(port) => Some(
                port.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0 && port.chars().all(|c| c.is_ascii_digit()))
                    .ok_or_else(|| format!("port `{port}` is not a number from 1 to 65535"))?,
            ),
        };
        Ok(Destination {
            user,
            host: host.to_string(),
            port,
        })
    }

    /// The arguments that name the destination, before `--` and the host.
    pub(crate) fn options(&self) -> Vec<String> {
        let mut args = Vec::new();
        if let Some(user) = &self.user {
            args.extend(["-l".to_string(), user.clone()]);
        }
        if let Some(port) = self.port {
            args.extend(["-p".to_string(), port.to_string()]);
        }
        args
    }

    /// How a person would reach it with ssh, for hints: `ssh -p 2222 root@host`.
    pub(crate) fn command_line(&self) -> String {
        let mut line = "ssh ".to_string();
        if let Some(port) = self.port {
            line.push_str(&format!("-p {port} "));
        }
        if let Some(user) = &self.user {
            line.push_str(user);
            line.push('@');
        }
        line.push_str(&self.host);
        line
    }
}

#[cfg(test)]
mod tests {
    use super::Destination;

    fn at(user: Option<&str>, host: &str, port: Option<u16>) -> Result<Destination, String> {
        Ok(Destination {
            user: user.map(str::to_string),
            host: host.to_string(),
            port,
        })
    }

    #[test]
    fn reads_user_host_and_port_as_the_docker_cli_does() {
        let cases: &[(&str, Result<Destination, String>)] = &[
            ("ssh://host", at(None, "host", None)),
            ("ssh://root@10.0.0.2", at(Some("root"), "10.0.0.2", None)),
            ("ssh://me@host:2222", at(Some("me"), "host", Some(2222))),
            (
                "ssh://host.example.com:22",
                at(None, "host.example.com", Some(22)),
            ),
            ("ssh://[::1]", at(None, "::1", None)),
            (
                "ssh://me@[fe80::1%eth0]:2200",
                at(Some("me"), "fe80::1%eth0", Some(2200)),
            ),
            ("ssh://a@b@host", at(Some("a@b"), "host", None)),
            ("ssh://my-alias", at(None, "my-alias", None)),
        ];
        for (address, want) in cases {
            assert_eq!(&Destination::parse(address), want, "{address}");
        }
    }

    #[test]
    fn says_what_is_wrong_with_a_bad_address() {
        let cases: &[(&str, &str)] = &[
            ("ssh://", "no host"),
            ("ssh://root@", "no host"),
            ("ssh://:22", "no host"),
            ("ssh://@host", "an empty user name before `@`"),
            (
                "ssh://me:secret@host",
                "a password in the address: ssh logs in with keys, an agent or its configuration",
            ),
            (
                "ssh://host/var/run/docker.sock",
                "a path after the host (`/var/run/docker.sock`): ssh://[user@]host[:port] names a host",
            ),
            (
                "ssh://host/",
                "a path after the host (`/`): ssh://[user@]host[:port] names a host",
            ),
            ("ssh://host?x=1", "a query after the host (`?x=1`)"),
            ("ssh://host#top", "a fragment after the host (`#top`)"),
            ("ssh://host:", "port `` is not a number from 1 to 65535"),
            ("ssh://host:0", "port `0` is not a number from 1 to 65535"),
            ("ssh://host:65536", "port `65536` is not a number from 1 to 65535"),
            ("ssh://host:+22", "port `+22` is not a number from 1 to 65535"),
            ("ssh://host:ssh", "port `ssh` is not a number from 1 to 65535"),
            ("ssh://::1", "an IPv6 address goes in brackets: ssh://[::1]"),
            ("ssh://[::1", "an IPv6 address without its closing `]`"),
            ("ssh://[::1]x", "`x` after the IPv6 address"),
            ("ssh://[host]", "`[host]` is no IPv6 address"),
            (
                "ssh://-oProxyCommand=x",
                "host `-oProxyCommand=x` starts with `-`",
            ),
            ("ssh://a b", "host `a b` holds ' '"),
            ("tcp://host", "expected ssh://[user@]host[:port]"),
        ];
        for (address, want) in cases {
            assert_eq!(Destination::parse(address), Err(want.to_string()), "{address}");
        }
    }

    #[test]
    fn names_the_destination_to_ssh_and_to_people() {
        let cases: &[(&str, &[&str], &str)] = &[
            ("ssh://host", &[], "ssh host"),
            ("ssh://root@host", &["-l", "root"], "ssh root@host"),
            (
                "ssh://me@[::1]:2222",
                &["-l", "me", "-p", "2222"],
                "ssh -p 2222 me@::1",
            ),
        ];
        for (address, options, line) in cases {
            let d = Destination::parse(address).expect(address);
            assert_eq!(d.options(), *options, "{address}");
            assert_eq!(d.command_line(), *line, "{address}");
        }
    }
}
