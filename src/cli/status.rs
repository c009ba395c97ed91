//! `dmap status` (alias `ps`): a table of the targets' containers, or `--json`.

use std::io::Write as _;

use super::args::Recipe;
use super::converge::{client_prefix, each_group};
use super::error::Error;
use super::load::groups;
use super::session;
use crate::script::select::Group;
use crate::session::{Action, Mode, Options, Session, Status};

pub(super) fn status(recipe: &Recipe, targets: &[String], json: bool) -> Result<(), Error> {
    let groups = groups(recipe)?;
    let session = session(Mode::Apply);
    let all = collect(&session, &groups, targets)?;
    let mut out = std::io::stdout().lock();
    if json {
        serde_json::to_writer_pretty(&mut out, &all).map_err(|e| Error::Output(e.into()))?;
        writeln!(out).map_err(Error::Output)?;
    } else {
        out.write_all(text(&all).as_bytes()).map_err(Error::Output)?;
    }
    // A status that could not be read is not a clean one: its table is incomplete.
    if all.unreachable.is_empty() {
        Ok(())
    } else {
        Err(Error::Unreachable {
            clients: all.unreachable.iter().map(|u| u.client.clone()).collect(),
        })
    }
}

/// The status of the groups' targets, together.
pub(super) fn collect(session: &Session, groups: &[Group], targets: &[String]) -> Result<Status, Error> {
    let parts = each_group(
        groups,
        targets,
        &Action::Update,
        |_| Options::default(),
        true,
        |r| session.status(r),
    )?;
    let mut all = Status::default();
    for part in parts {
        all.containers.extend(part.containers);
        all.orphans.extend(part.orphans);
        all.leftovers.extend(part.leftovers);
        all.foreign.extend(part.foreign);
        all.builds.extend(part.builds);
        all.unreachable.extend(part.unreachable);
        all.services.extend(part.services);
    }
    Ok(all)
}

/// The table: NAME STATE HEALTH IMAGE PORTS UPTIME UPDATE, then orphans, foreign objects and
/// pending builds.
pub(crate) fn text(status: &Status) -> String {
    let mut rows: Vec<[String; 7]> = vec![[
        "NAME".into(),
        "STATE".into(),
        "HEALTH".into(),
        "IMAGE".into(),
        "PORTS".into(),
        "UPTIME".into(),
        "UPDATE".into(),
    ]];
    for c in &status.containers {
        let state = match (c.state, c.exit_code) {
            ("exited", Some(code)) => format!("exited ({code})"),
            (s, _) => s.to_string(),
        };
        let image = match c.image_current {
            Some(false) => format!("{} (outdated)", c.image),
            _ => c.image.clone(),
        };
        rows.push([
            format!("{}{}", client_prefix(&c.client), c.name),
            state,
            c.health.clone().unwrap_or_else(|| "-".into()),
            image,
            if c.ports.is_empty() {
                "-".into()
            } else {
                c.ports.join(", ")
            },
            c.uptime_seconds.map_or_else(|| "-".into(), uptime),
            if c.update.is_empty() {
                "up to date".into()
            } else {
                c.update.join("; ")
            },
        ]);
    }
    // A map only on Swarm clients has no container table.
    let mut out = if status.containers.is_empty() && !status.services.is_empty() {
        String::new()
    } else {
        table(&rows)
    };
    if !status.services.is_empty() {
        if !status.containers.is_empty() {
            out.push('\n');
        }
        out.push_str(&services_table(&status.services));
    }
    for o in &status.orphans {
        out.push_str(&format!(
            "{}orphan: {} ({}): its configuration left map `{}`; `dmap up --remove-orphans` removes it\n",
            client_prefix(&o.client),
            o.name,
            o.state,
            o.map
        ));
    }
    for l in &status.leftovers {
        let (what, fate) = if l.what == "helper" {
            ("a volume-preparation helper", "removes it")
        } else {
            (
                "the new container of a recreation",
                "removes it (or, if the old container is gone, gives it its name)",
            )
        };
        out.push_str(&format!(
            "{}leftover: {} ({}): {what} left by an interrupted run; the next `dmap up` or `dmap down` {fate}\n",
            client_prefix(&l.orphan.client),
            l.orphan.name,
            l.orphan.state,
        ));
    }
    for f in &status.foreign {
        out.push_str(&format!(
            "{}foreign: {} `{}` is needed by map `{}` but was not made by dmap; `dmap up --adopt` (`adopt: true`) takes it over\n",
            client_prefix(&f.client),
            f.kind,
            f.name,
            f.map
        ));
    }
    for u in &status.unreachable {
        out.push_str(&format!("unreachable: client `{}`: {}\n", u.client, u.error));
    }
    for b in &status.builds {
        out.push_str(&format!(
            "{}{} {}: {}\n",
            client_prefix(&b.client),
            b.action,
            b.image,
            b.reason
        ));
    }
    out
}

/// The services of Swarm clients: SERVICE REPLICAS NODES LAST ERROR UPDATE.
fn services_table(services: &[crate::session::status::ServiceStatus]) -> String {
    let mut rows: Vec<[String; 5]> = vec![[
        "SERVICE".into(),
        "REPLICAS".into(),
        "NODES".into(),
        "LAST ERROR".into(),
        "UPDATE".into(),
    ]];
    for s in services {
        rows.push([
            format!("{}{}", client_prefix(&s.client), s.name),
            if s.state == "absent" {
                "absent".into()
            } else {
                format!("{}/{}", s.running, s.replicas)
            },
            if s.nodes.is_empty() {
                "-".into()
            } else {
                s.nodes.join(", ")
            },
            s.last_error.clone().unwrap_or_else(|| "-".into()),
            if s.update.is_empty() {
                "up to date".into()
            } else {
                s.update.join("; ")
            },
        ]);
    }
    table(&rows)
}

/// Rows in columns two spaces apart, the last column as it is.
fn table<const N: usize>(rows: &[[String; N]]) -> String {
    let mut widths = [0usize; N];
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let mut out = String::new();
    for row in rows {
        let mut line = String::new();
        for (i, cell) in row.iter().enumerate() {
            if i + 1 == row.len() {
                line.push_str(cell);
            } else {
                line.push_str(&format!("{cell:<width$}  ", width = widths[i]));
            }
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }
    out
}

/// `3d 4h`, `2h 5m`, `4m 10s`, `12s`.
pub(crate) fn uptime(seconds: u64) -> String {
    let (d, h, m, s) = (
        seconds / 86_400,
        seconds / 3600 % 24,
        seconds / 60 % 60,
        seconds % 60,
    );
    match (d, h, m) {
        (0, 0, 0) => format!("{s}s"),
        (0, 0, _) => format!("{m}m {s}s"),
        (0, _, _) => format!("{h}h {m}m"),
        _ => format!("{d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::session::status::ContainerStatus;

    #[test]
    fn uptimes() {
        for (secs, want) in [
            (0, "0s"),
            (59, "59s"),
            (61, "1m 1s"),
            (3600, "1h 0m"),
            (90_061, "1d 1h"),
        ] {
            assert_eq!(uptime(secs), want, "{secs}");
        }
    }

    #[test]
    fn table_aligns_and_says_why() {
        let row = |name: &str, state: &'static str, update: Vec<String>| ContainerStatus {
            client: "default".into(),
            name: name.into(),
            map: "m".into(),
            config: "c".into(),
            instance: None,
            state,
            exit_code: (state == "exited").then_some(3),
            health: None,
            image: "app:latest".into(),
            image_id: None,
            image_current: Some(state == "running"),
            ports: vec![],
            started_at: None,
            uptime_seconds: (state == "running").then_some(65),
            update,
        };
        let status = Status {
            containers: vec![
                row("m.web", "running", vec![]),
                row("m.worker.a", "exited", vec!["start: stopped".into()]),
            ],
            ..Status::default()
        };
        let t = text(&status);
        let lines: Vec<&str> = t.lines().collect();
        assert_eq!(
            lines[0],
            "NAME        STATE       HEALTH  IMAGE                  PORTS  UPTIME  UPDATE"
        );
        assert_eq!(
            lines[1],
            "m.web       running     -       app:latest             -      1m 5s   up to date"
        );
        assert_eq!(
            lines[2],
            "m.worker.a  exited (3)  -       app:latest (outdated)  -      -       start: stopped"
        );
    }
}
