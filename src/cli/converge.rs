//! `dmap up`, `dmap down` and `dmap plan`: `update`, `shutdown` and a planned `update` of the
//! targets, group by group (maps handed to one mapping client act together).

use std::cell::Ref;
use std::io::Write as _;

use serde_json::json;

use super::args::{Recipe, UpFlags};
use super::error::Error;
use super::load::groups;
use super::ui::Ui;
use super::{session, session_error};
use crate::model::{ContainerMap, Origin};
use crate::script::select::{self, Group};
use crate::session::{Action, BuildPolicy, Flags, Mode, Options, Report, Request, Session};

/// The session options of `up` (or a `plan` of it); `wait` is `up --wait`.
pub(super) fn up_options(flags: &UpFlags, wait: bool, targets: &[String]) -> Options {
    Options {
        flags: Flags {
            remove_orphans: flags.remove_orphans,
            build: match (flags.build, flags.no_build) {
                (true, _) => BuildPolicy::Always,
                (_, true) => BuildPolicy::Never,
                _ => BuildPolicy::Changed,
            },
            wait,
            adopt: flags.adopt,
            push: flags.push,
            ..Flags::default()
        },
        force_update: if flags.force_recreate {
            targets.to_vec()
        } else {
            Vec::new()
        },
    }
}

/// `--scale CONFIG=N` on the maps (a `MAP/` prefix names one, else the first is meant, as for
/// targets).
fn scale(groups: &[Group], given: &[String]) -> Result<(), Error> {
    let usage = |e: crate::model::scale::ScaleError| Error::Usage {
        message: e.to_string(),
    };
    for g in given {
        let (map, config, n) = crate::model::scale::parse(g).map_err(usage)?;
        let mut maps = groups.iter().flat_map(|g| &g.maps);
        let handle = match map {
            Some(name) => maps.find(|m| m.read().name == name).ok_or_else(|| Error::Usage {
                message: format!("`--scale {g}`: there is no map `{name}`"),
            })?,
            None => maps.next().ok_or_else(|| Error::Usage {
                message: format!("`--scale {g}`: there is no map to scale"),
            })?,
        };
        crate::model::scale::scale(&mut handle.write(), config, n).map_err(usage)?;
    }
    Ok(())
}

/// Runs `f` on the request of each group: its maps, clients, images and the targets that are
/// its. A target naming a map that is not selected is an error.
pub(super) fn each_group<T>(
    groups: &[Group],
    given: &[String],
    action: &Action,
    options: impl Fn(&[String]) -> Options,
    plan_only: bool,
    mut f: impl FnMut(&Request<'_>) -> Result<T, crate::session::Error>,
) -> Result<Vec<T>, Error> {
    select::check_prefixes(groups, given).map_err(|e| Error::Usage {
        message: e.to_string(),
    })?;
    let mut out = Vec::new();
    for (i, group) in groups.iter().enumerate() {
        let targets = select::targets_for(group, i == 0, given);
        if targets.is_empty() {
            continue;
        }
        let borrowed: Vec<Ref<'_, ContainerMap>> = group.maps.iter().map(|m| m.read()).collect();
        let maps: Vec<&ContainerMap> = borrowed.iter().map(|m| &**m).collect();
        let images = select::declared(&group.maps)?;
        let options = options(&targets);
        let request = Request {
            maps: &maps,
            clients: &group.clients,
            action,
            targets: &targets,
            options: &options,
            plan_only,
            images: &images,
        };
        out.push(f(&request).map_err(|e| session_error(e, Origin::default()))?);
    }
    Ok(out)
}

/// The maps `up` acts on: the file's groups, `--scale` applied.
pub(super) fn scaled_groups(recipe: &Recipe, given: &[String]) -> Result<Vec<Group>, Error> {
    let groups = groups(recipe)?;
    scale(&groups, given)?;
    Ok(groups)
}

pub(super) fn up(
    recipe: &Recipe,
    targets: &[String],
    flags: UpFlags,
    wait: bool,
    ui: &Ui,
) -> Result<(), Error> {
    let groups = scaled_groups(recipe, &flags.scale)?;
    let session = session(Mode::Apply);
    let reporter = ui.reporter();
    each_group(
        &groups,
        targets,
        &Action::Update,
        |t| up_options(&flags, wait, t),
        false,
        |r| session.act(r, reporter.as_ref()),
    )?;
    Ok(())
}

pub(super) fn down(
    recipe: &Recipe,
    targets: &[String],
    volumes: bool,
    remove_orphans: bool,
    ui: &Ui,
) -> Result<(), Error> {
    let flags = Flags {
        remove_attached: volumes,
        remove_orphans,
        ..Flags::default()
    };
    act(recipe, targets, &Action::Shutdown, flags, ui)
}

/// `action` of the targets with these flags, group by group (`down`, `start`, `stop`,
/// `restart`, `kill`).
pub(super) fn act(
    recipe: &Recipe,
    targets: &[String],
    action: &Action,
    flags: Flags,
    ui: &Ui,
) -> Result<(), Error> {
    let groups = groups(recipe)?;
    let session = session(Mode::Apply);
    let reporter = ui.reporter();
    let options = |_: &[String]| Options {
        flags: flags.clone(),
        force_update: Vec::new(),
    };
    each_group(&groups, targets, action, options, false, |r| {
        session.act(r, reporter.as_ref())
    })?;
    Ok(())
}

/// Prints what `up` would do; the exit code is 0 when nothing would change, 3 when something
/// would.
pub(super) fn plan(recipe: &Recipe, targets: &[String], flags: UpFlags, json: bool) -> Result<i32, Error> {
    let groups = groups(recipe)?;
    scale(&groups, &flags.scale)?;
    let session = session(Mode::Apply);
    let reports = planned(&session, &groups, targets, flags)?;
    let mut out = std::io::stdout().lock();
    out.write_all(render_plan(&reports, json)?.as_bytes())
        .map_err(Error::Output)?;
    Ok(if reports.iter().all(|r| r.steps.is_empty()) {
        0
    } else {
        3
    })
}

/// What `up` would do to the groups' targets.
pub(super) fn planned(
    session: &Session,
    groups: &[Group],
    targets: &[String],
    flags: UpFlags,
) -> Result<Vec<Report>, Error> {
    let quiet = super::progress::Quiet;
    each_group(
        groups,
        targets,
        &Action::Update,
        |t| up_options(&flags, false, t),
        true,
        |r| session.act(r, &quiet),
    )
}

/// A plan as text (a line per step with its reason, notes first; `up to date` when empty) or
/// as the JSON document of `plan --json`.
pub(super) fn render_plan(reports: &[Report], json: bool) -> Result<String, Error> {
    let steps: Vec<&crate::session::Done> = reports.iter().flat_map(|r| &r.steps).collect();
    let notes: Vec<&(String, String)> = reports.iter().flat_map(|r| &r.notes).collect();
    if json {
        let doc = json!({
            "changes": !steps.is_empty(),
            "steps": steps.iter().map(|s| {
                let mut v = json!({ "client": s.client, "action": s.action, "subject": s.subject, "reason": s.reason });
                if let (Some(n), Some(m)) = (&s.network, v.as_object_mut()) {
                    m.insert("network".into(), json!(n));
                }
                v
            }).collect::<Vec<_>>(),
            "notes": notes.iter().map(|(client, text)| json!({ "client": client, "text": text })).collect::<Vec<_>>(),
        });
        let mut text = serde_json::to_string_pretty(&doc).map_err(|e| Error::Output(e.into()))?;
        text.push('\n');
        return Ok(text);
    }
    let mut out = String::new();
    for (client, text) in &notes {
        out.push_str(&format!("{}note: {text}\n", client_prefix(client)));
    }
    for s in &steps {
        let network = s.network.as_ref().map(|n| format!(" {n}")).unwrap_or_default();
        out.push_str(&format!(
            "{}{} {}{network}: {}\n",
            client_prefix(&s.client),
            s.action,
            s.subject,
            s.reason
        ));
    }
    if steps.is_empty() {
        out.push_str("up to date\n");
    }
    Ok(out)
}

pub(super) fn client_prefix(client: &str) -> String {
    if client == crate::model::name::DEFAULT_CLIENT {
        String::new()
    } else {
        format!("[{client}] ")
    }
}
