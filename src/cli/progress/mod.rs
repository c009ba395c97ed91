//! The CLI's reporters: how a session's events reach the terminal. `Lines` writes plain lines
//! (CI, pipes), `Live` redraws a view in place on a terminal, `Json` writes one JSON object per
//! event, `Quiet` writes nothing. All of them write to stderr; the recipe's own output goes to
//! stdout.

mod json;
mod lines;
mod live;

pub(super) use json::{error_line, Json};
pub(super) use lines::Lines;
pub(super) use live::Live;

use crate::session::{Event, LockHolder, Reporter, Stale};

/// No progress at all (`-q`); errors are still printed by the CLI.
pub(super) struct Quiet;

impl Reporter for Quiet {
    fn event(&self, _: &Event<'_>) {}
}

/// `[CLIENT] ` for a client other than the default one.
fn on(client: &str) -> String {
    if client == crate::model::name::DEFAULT_CLIENT {
        String::new()
    } else {
        format!("[{client}] ")
    }
}

/// ``waiting for another dmap acting on map `shop` (`update`, pid 4242 on build-1, since
/// 2026-12-07 21:35:29 UTC)``
fn lock_waiting(map: &str, holder: &LockHolder) -> String {
    format!(
        "waiting for another dmap acting on map `{map}` ({})",
        holder_text(holder)
    )
}

/// ``the lock of map `shop` was left by a dmap that is gone (`update`, pid 4242 on build-1, since
/// ...): its process is gone; taken over``
fn lock_taken_over(map: &str, holder: &LockHolder, why: &Stale) -> String {
    format!(
        "the lock of map `{map}` was left by a dmap that is gone ({}): {why}; taken over",
        holder_text(holder)
    )
}

fn holder_text(holder: &LockHolder) -> String {
    let mut parts = Vec::new();
    if !holder.action.is_empty() {
        parts.push(format!("`{}`", holder.action));
    }
    match (holder.pid, holder.host.as_str()) {
        (Some(pid), "") => parts.push(format!("pid {pid}")),
        (Some(pid), host) => parts.push(format!("pid {pid} on {host}")),
        (None, "") => {}
        (None, host) => parts.push(format!("on {host}")),
    }
    if let Some((date, time)) = holder.since.split_once('T') {
        let time = time.trim_end_matches('Z');
        let time = time.split('.').next().unwrap_or(time);
        parts.push(format!("since {date} {time} UTC"));
    }
    parts.join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_holder_reads_as_what_it_does_where_and_since_when() {
        let holder = LockHolder {
            token: "t".into(),
            pid: Some(4242),
            host: "build-1".into(),
            boot: None,
            action: "update".into(),
            lease: std::time::Duration::from_secs(30),
            since: "2026-12-07T21:35:29Z".into(),
        };
        assert_eq!(
            lock_waiting("shop", &holder),
            "waiting for another dmap acting on map `shop` (`update`, pid 4242 on build-1, since 2026-12-07 21:35:29 UTC)"
        );
        assert_eq!(
            lock_taken_over("shop", &holder, &Stale::Silent { seconds: 95 }),
            "the lock of map `shop` was left by a dmap that is gone (`update`, pid 4242 on build-1, since 2026-12-07 21:35:29 UTC): no sign of life for 95 s; taken over"
        );
        let bare = LockHolder {
            pid: None,
            host: String::new(),
            action: String::new(),
            since: String::new(),
            ..holder
        };
        assert_eq!(
            lock_waiting("m", &bare),
            "waiting for another dmap acting on map `m` ()"
        );
    }
}
