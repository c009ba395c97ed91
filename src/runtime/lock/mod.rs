//! The lock of a map on an Engine: two dmap processes (on one machine, or on several sharing the
//! Engine) never act on one map there at once; the second waits for the first.
//!
//! The lock lives on the Engine, as volumes, since creating a volume is atomic: the Engine
//! creates a volume under a lock of its name, and a create of a name that exists returns the
//! volume there, labels and all. So `create dmap-lock-MAP, labelled with my token` takes the lock
//! if the volume it returns carries my token, and tells who holds it otherwise.
//!
//! A holder that crashed must not keep the lock: each holder records its lease on its volumes
//! (how long it may show no sign of life, [`lease::LEASE`]) and shows signs of life as it works,
//! a new heartbeat volume every [`lease::BEAT`] (the older one removed once the new one is there);
//! the Engine dates each volume. A holder is stale when it has shown none within its lease, by
//! the Engine's clock, or at once when it ran on this machine and its process is gone.
//!
//! A stale lock is never removed by a waiter (two waiters could both remove it, one the other's
//! new lock): it is passed over. The waiter creates the volume after it, named after the stale
//! holder's token ([`lease::successor`]); whoever creates that one holds the lock, provided the
//! first volume is still the one it passed over (else the lock was released meanwhile, and it
//! withdraws). A chain of such volumes follows only crashes; the holder removes the whole chain
//! when it releases, the first volume first, then its heartbeats, and the volumes stale holders
//! left that it found. Nothing of the lock remains once no dmap process runs.

mod identity;
pub(crate) mod lease;

pub(crate) use identity::Me;

use std::collections::{BTreeMap, HashMap};
use std::time::Duration;

use bollard::models::VolumeCreateRequest;
use bollard::query_parameters::{ListVolumesOptions, RemoveVolumeOptions};
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

use super::driver::Driver;
use super::error::{status, Error};
use super::executor::Canceller;
use super::labels;
use super::snapshot::timestamp;
use super::translate::object_labels;
pub(crate) use lease::{Holder, Stale};
use lease::{LockVolume, Nanos};

/// What happens while a lock is taken, as it happens.
#[derive(Debug)]
pub(crate) enum Heard<'a> {
    /// Another dmap holds the lock: this one waits (told once per holder).
    Held(&'a Holder),
    /// A stale holder's lock is passed over (told once per holder).
    Stale(&'a Holder, &'a Stale),
}

/// The lock of a map on an Engine, held; [`Lock::release`] removes it.
pub(crate) struct Lock {
    driver: Driver,
    map: String,
    /// The volumes followed to take it: `dmap-lock-MAP` first, this holder's own last.
    chain: Vec<String>,
    /// Volumes of stale holders found on the way, removed on release.
    leftovers: Vec<String>,
    heartbeat: Option<(oneshot::Sender<()>, JoinHandle<Vec<String>>)>,
}

/// Takes the lock of `map` on the client's Engine for `action`, as `me`, waiting while another
/// dmap holds it (with a bounded backoff); `heard` hears whom it waits for and what stale lock it
/// passes over. None when cancelled while waiting. One action takes all its locks as one `me`:
/// two of its clients on one Engine take the same lock, and it is theirs.
pub(crate) async fn acquire(
    driver: &Driver,
    map: &str,
    action: &str,
    me: &Me,
    cancel: &Canceller,
    mut heard: impl FnMut(Heard<'_>),
) -> Result<Option<Lock>, Error> {
    let mut taker = Taker {
        driver,
        map,
        me,
        labels: lock_labels(me, map, &driver.client, action),
        clock: None,
        told: Vec::new(),
    };
    let mut poll = Duration::ZERO;
    loop {
        if cancel.is_cancelled() {
            return Ok(None);
        }
        match taker.attempt(&mut heard).await? {
            Attempt::Held { chain, found } => {
                // Held now: what stale holders left is removed if it can be told, else later.
                let leftovers = taker.leftovers(&found, &chain).await.unwrap_or_default();
                let heartbeat = heartbeat(driver.clone(), map.to_string(), me.token.clone(), taker.labels);
                return Ok(Some(Lock {
                    driver: driver.clone(),
                    map: map.to_string(),
                    chain,
                    leftovers,
                    heartbeat: Some(heartbeat),
                }));
            }
            Attempt::Again => continue,
            Attempt::Busy(holder) => {
                if taker.first_time("held", &holder.token) {
                    heard(Heard::Held(&holder));
                }
                poll = lease::next_poll(poll);
                tokio::select! {
                    () = tokio::time::sleep(poll) => {}
                    () = cancel.cancelled() => return Ok(None),
                }
            }
        }
    }
}

impl Lock {
    /// Removes every volume of the lock: the chain followed, first volume first (from then on
    /// another dmap may take it), then the heartbeats, and the leftovers of stale holders.
    pub(crate) async fn release(mut self) -> Result<(), Error> {
        let beats = match self.heartbeat.take() {
            Some((stop, beating)) => {
                let _ = stop.send(());
                beating.await.unwrap_or_default()
            }
            None => Vec::new(),
        };
        let (driver, map) = (&self.driver, self.map.as_str());
        let own = async {
            for name in self.chain.iter().chain(&beats) {
                remove(driver, map, name).await?;
            }
            Ok::<(), Error>(())
        };
        let others = futures_util::future::join_all(self.leftovers.iter().map(|n| remove(driver, map, n)));
        let (own, others) = futures_util::join!(own, others);
        own?;
        others.into_iter().collect()
    }
}

/// One look at the lock.
enum Attempt {
    /// Taken: the volumes followed, and every volume of the lock found.
    Held {
        chain: Vec<String>,
        found: Vec<LockVolume>,
    },
    /// Held by a live holder.
    Busy(Holder),
    /// Released while being taken over: look again at once.
    Again,
}

/// The state of one acquisition.
struct Taker<'a> {
    driver: &'a Driver,
    map: &'a str,
    me: &'a Me,
    labels: HashMap<String, String>,
    /// The Engine's clock, as an offset from this machine's (nanoseconds), read once when needed.
    clock: Option<Nanos>,
    /// The holders already told of, and as what (held, stale).
    told: Vec<(&'static str, String)>,
}

impl Taker<'_> {
    /// Creates `dmap-lock-MAP` (and lists the lock's volumes meanwhile); passes over stale holders
    /// to the volume after theirs, until one is created with this token (taken) or held by a live
    /// holder (busy).
    async fn attempt(&mut self, heard: &mut impl FnMut(Heard<'_>)) -> Result<Attempt, Error> {
        let base = lease::base(self.map);
        let (created, found) = futures_util::join!(self.create(&base), list(self.driver, self.map));
        let mut volume = created?;
        // The list only dates holders and finds leftovers: without it, a holder is dated by the
        // volume it holds.
        let mut found = found.unwrap_or_default();
        let mut passed: Vec<LockVolume> = Vec::new();
        loop {
            if volume.holder.token == self.me.token {
                if let Some(first) = passed.first() {
                    // Taken over only if the first volume is still the stale one: else its holder
                    // released the lock meanwhile, and this volume leads nowhere.
                    let now_first = self.inspect(&base).await?;
                    if now_first.map(|v| v.holder.token) != Some(first.holder.token.clone()) {
                        remove(self.driver, self.map, &volume.name).await?;
                        return Ok(Attempt::Again);
                    }
                }
                let mut chain: Vec<String> = passed.into_iter().map(|v| v.name).collect();
                chain.push(volume.name);
                return Ok(Attempt::Held { chain, found });
            }
            if !found.iter().any(|f| f.name == volume.name) {
                found.push(volume.clone());
            }
            let holder = volume.holder.clone();
            let Some(why) = self.stale(&holder, &found).await? else {
                return Ok(Attempt::Busy(holder));
            };
            if self.first_time("stale", &holder.token) {
                heard(Heard::Stale(&holder, &why));
            }
            let next = lease::successor(self.map, &holder.token);
            passed.push(volume);
            volume = self.create(&next).await?;
        }
    }

    /// Why `holder` is stale, if it is, given the lock's volumes found.
    async fn stale(&mut self, holder: &Holder, found: &[LockVolume]) -> Result<Option<Stale>, Error> {
        if self.me.sees_gone(holder) {
            return Ok(Some(Stale::Gone));
        }
        let now = self.now().await?;
        let last = lease::last_sign(found, &holder.token).unwrap_or(now);
        Ok(lease::staleness(holder, last, now, false))
    }

    /// The volumes found that stale holders left, apart from the chain taken.
    async fn leftovers(&mut self, found: &[LockVolume], chain: &[String]) -> Result<Vec<String>, Error> {
        let candidates = lease::leftovers(found, self.map, chain, &self.me.token, |_| true);
        if candidates.is_empty() {
            return Ok(candidates);
        }
        let mut stale = Vec::new();
        for v in found.iter().filter(|v| candidates.contains(&v.name)) {
            if self.stale(&v.holder, found).await?.is_some() {
                stale.push(v.name.clone());
            }
        }
        Ok(stale)
    }

    /// Whether holder `token` is told of as `what` for the first time (and remembers it).
    fn first_time(&mut self, what: &'static str, token: &str) -> bool {
        if self.told.iter().any(|(w, t)| *w == what && t == token) {
            return false;
        }
        self.told.push((what, token.to_string()));
        true
    }

    /// The Engine's time now: its clock read once (`SystemTime` of its info), then this
    /// machine's clock moved by the difference.
    async fn now(&mut self) -> Result<Nanos, Error> {
        if let Some(offset) = self.clock {
            return Ok(local_now() + offset);
        }
        let before = local_now();
        let info = self
            .driver
            .docker
            .info()
            .await
            .map_err(|error| failed(self.map, "take", error))?;
        let after = local_now();
        let local = before + (after - before) / 2;
        let offset = info
            .system_time
            .as_deref()
            .and_then(timestamp)
            .map_or(0, |engine| engine - local);
        self.clock = Some(offset);
        Ok(after + offset)
    }

    /// Creates lock volume `name` for this holder, or finds who holds it.
    async fn create(&self, name: &str) -> Result<LockVolume, Error> {
        let request = VolumeCreateRequest {
            name: Some(name.to_string()),
            labels: Some(self.labels.clone()),
            ..Default::default()
        };
        let v = self
            .driver
            .docker
            .create_volume(request)
            .await
            .map_err(|error| failed(self.map, "take", error))?;
        lock_volume(self.map, v).ok_or_else(|| Error::LockName {
            name: name.to_string(),
            map: self.map.to_string(),
        })
    }

    /// The lock volume `name`, if there.
    async fn inspect(&self, name: &str) -> Result<Option<LockVolume>, Error> {
        match self.driver.docker.inspect_volume(name).await {
            Ok(v) => Ok(lock_volume(self.map, v)),
            Err(e) if status(&e) == Some(404) => Ok(None),
            Err(error) => Err(failed(self.map, "take", error)),
        }
    }
}

/// Every volume of the lock of `map` on the Engine.
async fn list(driver: &Driver, map: &str) -> Result<Vec<LockVolume>, Error> {
    let filters = HashMap::from([(
        "label".to_string(),
        vec![
            format!("{}={}", labels::KIND, labels::KIND_LOCK),
            format!("{}={map}", labels::MAP),
        ],
    )]);
    let listed = driver
        .docker
        .list_volumes(Some(ListVolumesOptions {
            filters: Some(filters),
        }))
        .await
        .map_err(|error| failed(map, "take", error))?;
    Ok(listed
        .volumes
        .unwrap_or_default()
        .into_iter()
        .filter_map(|v| lock_volume(map, v))
        .collect())
}

/// Removes lock volume `name` (already gone: removed).
async fn remove(driver: &Driver, map: &str, name: &str) -> Result<(), Error> {
    match driver
        .docker
        .remove_volume(name, None::<RemoveVolumeOptions>)
        .await
    {
        Ok(()) => Ok(()),
        Err(e) if status(&e) == Some(404) => Ok(()),
        Err(error) => Err(failed(map, "release", error)),
    }
}

/// A holder's heartbeat: every [`lease::BEAT`], a new heartbeat volume, then the older ones
/// removed, until told to stop; it ends with the names of the heartbeats it may have left.
fn heartbeat(
    driver: Driver,
    map: String,
    token: String,
    labels: HashMap<String, String>,
) -> (oneshot::Sender<()>, JoinHandle<Vec<String>>) {
    let (stop, mut stopped) = oneshot::channel::<()>();
    let beating = tokio::spawn(async move {
        let mut beats: Vec<String> = Vec::new();
        for n in 1.. {
            tokio::select! {
                // Told to stop, or the lock dropped without a release (then its holder is gone
                // soon, and its lease ends).
                _ = &mut stopped => break,
                () = tokio::time::sleep(lease::BEAT) => {}
            }
            let name = lease::beat(&map, &token, n);
            let request = VolumeCreateRequest {
                name: Some(name.clone()),
                labels: Some(labels.clone()),
                ..Default::default()
            };
            let made = driver.docker.create_volume(request).await.is_ok();
            // A create that failed may still have landed: it is removed with the others.
            beats.push(name);
            if made {
                let newest = beats.len() - 1;
                let mut kept = Vec::new();
                for (i, old) in beats.drain(..).enumerate() {
                    if i != newest && remove(&driver, &map, &old).await.is_ok() {
                        continue;
                    }
                    kept.push(old);
                }
                beats = kept;
            }
        }
        beats
    });
    (stop, beating)
}

/// The labels of this holder's lock volumes: dmap's (kind `lock`) and the holder's.
fn lock_labels(me: &Me, map: &str, client: &str, action: &str) -> HashMap<String, String> {
    let mut l = object_labels(map, labels::KIND_LOCK, client);
    l.insert(labels::LOCK_HOLDER.into(), me.token.clone());
    l.insert(labels::LOCK_PID.into(), me.pid.to_string());
    l.insert(labels::LOCK_HOST.into(), me.host.clone());
    if let Some(boot) = &me.boot {
        l.insert(labels::LOCK_BOOT.into(), boot.clone());
    }
    l.insert(labels::LOCK_ACTION.into(), action.to_string());
    l.insert(labels::LOCK_LEASE.into(), lease::LEASE.as_secs().to_string());
    l
}

/// A volume as a volume of the lock of `map`; None when it is not one.
fn lock_volume(map: &str, v: bollard::models::Volume) -> Option<LockVolume> {
    let labels: BTreeMap<String, String> = v.labels.into_iter().collect();
    let created = v
        .created_at
        .and_then(|t| t.format(&time::format_description::well_known::Rfc3339).ok())
        .unwrap_or_default();
    Holder::of(&labels, map, &created).map(|holder| LockVolume { name: v.name, holder })
}

fn failed(map: &str, what: &'static str, error: bollard::errors::Error) -> Error {
    Error::Lock {
        map: map.to_string(),
        what,
        error,
    }
}

/// This machine's time, in nanoseconds since the epoch.
fn local_now() -> Nanos {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_nanos() as Nanos)
}
