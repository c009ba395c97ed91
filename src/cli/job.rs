//! `dmap job`: a one-off container of a configuration, attached to the terminal, removed
//! afterwards unless `--keep`; dmap exits with its exit code.

use std::io::IsTerminal as _;

use super::args::{Recipe, RunAs};
use super::converge::each_group;
use super::error::Error;
use super::load::groups;
use super::session;
use super::streams::{check_env, pass_through, terminal_size, RawMode};
use super::ui::Ui;
use crate::session::one_off::OneOffRequest;
use crate::session::{Action, Mode, OneOffHow, Options, StepError};

/// `dmap job`'s flags.
pub(super) struct JobFlags {
    pub command: Vec<String>,
    pub run_as: RunAs,
    pub entrypoint: Option<String>,
    pub interactive: bool,
    pub no_tty: bool,
    pub keep: bool,
    pub no_deps: bool,
    pub service_ports: bool,
    pub name: Option<String>,
}

/// Runs the job; returns its exit code (130 when Ctrl-C ended it).
pub(super) fn job(recipe: &Recipe, config: &str, flags: JobFlags, ui: &Ui) -> Result<i32, Error> {
    check_env(&flags.run_as.env)?;
    let entrypoint = flags
        .entrypoint
        .as_deref()
        .map(|e| {
            crate::model::shell_words::split_words(e).map_err(|why| Error::Usage {
                message: format!("`--entrypoint {e}`: {why}"),
            })
        })
        .transpose()?;
    let groups = groups(recipe)?;
    let tty = !flags.no_tty && std::io::stdin().is_terminal() && std::io::stdout().is_terminal();
    let request = OneOffRequest {
        job: Some(token()),
        command: (!flags.command.is_empty()).then_some(flags.command),
        entrypoint,
        env: flags.run_as.env,
        user: flags.run_as.user,
        workdir: flags.run_as.workdir,
        how: OneOffHow {
            attach: true,
            tty,
            stdin: tty || flags.interactive,
            size: if tty { terminal_size() } else { None },
            timeout: None,
            remove: !flags.keep,
        },
        no_deps: flags.no_deps,
        service_ports: flags.service_ports,
        name: flags.name,
        ..OneOffRequest::default()
    };
    let session = session(Mode::Apply);
    let reporter = ui.reporter();
    let mut raw = None;
    let given = [config.to_string()];
    let runs = each_group(
        &groups,
        &given,
        &Action::Startup,
        |_| Options::default(),
        false,
        |r| {
            session.one_off(r, &request, reporter.as_ref(), &mut |is_err, bytes| {
                // The terminal goes raw once the container's output begins, after the progress
                // of what it needed.
                if tty && raw.is_none() {
                    raw = RawMode::enter();
                }
                pass_through(is_err, bytes);
            })
        },
    );
    drop(raw);
    // The copy of stdin may still be blocked in a read the runtime can't interrupt: the process
    // ends now, without waiting for it.
    session.abandon();
    match runs {
        Ok(runs) => {
            let code = runs
                .iter()
                .flatten()
                .next()
                .and_then(|r| r.finished.exit_code)
                .unwrap_or(0);
            Ok(i32::try_from(code).unwrap_or(1))
        }
        Err(e) if is_interrupted(&e) => Ok(130),
        Err(e) => Err(e),
    }
}

fn is_interrupted(e: &Error) -> bool {
    let Error::Script(crate::script::Error::Action { failure, .. }) = e else {
        return false;
    };
    matches!(
        &*failure.error,
        crate::session::Error::Stream {
            error: StepError::Interrupted { .. }
        }
    )
}

/// A token that makes the job's name its own: 12 hex digits, as Compose's `run` names have.
fn token() -> String {
    use std::hash::{BuildHasher as _, Hasher as _};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos()),
    );
    h.write_u32(std::process::id());
    format!("{:012x}", h.finish() & 0xffff_ffff_ffff)
}
