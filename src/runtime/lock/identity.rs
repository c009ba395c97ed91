//! This dmap process as a lock holder: a token unique per acquisition, its process id, host name
//! and boot id (which machine it is), and whether another process of this machine is gone.
//! Reads `/proc` (Linux); elsewhere no holder is known to be gone, and leases decide.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use super::lease::{short_hash, Holder};

/// Who takes a lock: one action of this process.
#[derive(Clone, Debug)]
pub(crate) struct Me {
    pub token: String,
    pub pid: u32,
    /// Empty when unknown.
    pub host: String,
    pub boot: Option<String>,
}

impl Me {
    /// This process, with a token of its own (one per action).
    pub(crate) fn new() -> Me {
        static TAKEN: AtomicU64 = AtomicU64::new(0);
        let pid = std::process::id();
        let host = read_line("/proc/sys/kernel/hostname")
            .or_else(|| std::env::var("HOSTNAME").ok().filter(|h| !h.is_empty()))
            .unwrap_or_default();
        let boot = read_line("/proc/sys/kernel/random/boot_id");
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default();
        let n = TAKEN.fetch_add(1, Ordering::Relaxed);
        let token = short_hash(&format!(
            "{host}\n{}\n{pid}\n{now}\n{n}",
            boot.as_deref().unwrap_or_default()
        ));
        Me {
            token,
            pid,
            host,
            boot,
        }
    }

    /// Whether `holder` runs on this machine and its process is gone (a zombie is gone too).
    pub(crate) fn sees_gone(&self, holder: &Holder) -> bool {
        let here = !self.host.is_empty()
            && holder.host == self.host
            && self.boot.is_some()
            && holder.boot == self.boot;
        match holder.pid {
            Some(pid) if here && pid != self.pid => is_gone(pid),
            _ => false,
        }
    }
}

fn read_line(path: &str) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Whether process `pid` of this machine has ended (or is a zombie); false when `/proc` can't
/// tell.
fn is_gone(pid: u32) -> bool {
    if !Path::new("/proc/self").exists() {
        return false;
    }
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        // `PID (COMM) STATE ...`: COMM may hold spaces and parentheses, STATE follows the last `)`.
        Ok(stat) => stat
            .rsplit_once(')')
            .and_then(|(_, rest)| rest.split_whitespace().next())
            .is_some_and(|state| state == "Z" || state == "X"),
        Err(e) => e.kind() == std::io::ErrorKind::NotFound,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_acquisition_has_a_token_of_its_own() {
        let (a, b) = (Me::new(), Me::new());
        assert_ne!(a.token, b.token);
        assert_eq!(a.token.len(), 16);
        assert_eq!(a.pid, std::process::id());
    }

    #[test]
    fn a_holder_of_this_machine_whose_process_ended_is_gone() {
        let me = Me::new();
        if me.boot.is_none() || me.host.is_empty() {
            return; // no /proc: leases decide
        }
        let mut child = std::process::Command::new("true").spawn().expect("run true");
        let ended = child.id();
        child.wait().expect("wait");
        let holder = |pid: u32, host: &str| Holder {
            token: "t".into(),
            pid: Some(pid),
            host: host.into(),
            boot: me.boot.clone(),
            action: "update".into(),
            lease: super::super::lease::LEASE,
            since: String::new(),
        };
        assert!(me.sees_gone(&holder(ended, &me.host)));
        // This very process, another machine, a live process: not gone.
        assert!(!me.sees_gone(&holder(me.pid, &me.host)));
        assert!(!me.sees_gone(&holder(ended, "elsewhere")));
        assert!(!me.sees_gone(&holder(1, &me.host)));
        let other_boot = Holder {
            boot: Some("another-boot".into()),
            ..holder(ended, &me.host)
        };
        assert!(!me.sees_gone(&other_boot));
    }
}
