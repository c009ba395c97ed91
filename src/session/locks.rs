//! The locks of an action that changes the Engine (`runtime::lock`): one per map and client,
//! taken before the client is observed and released once its plan is carried out, whatever came
//! of it. Read-only work (plans, dry runs, status, logs) takes none.

use super::act::Part;
use super::{Error, Event, Reporter, Session};
use crate::runtime::driver::Driver;
use crate::runtime::lock::{self, Heard, Lock};

/// The locks an action holds: (client, map, lock).
pub(super) struct Held(Vec<(String, String, Lock)>);

impl Session {
    /// Takes the lock of every map of the action on every client reached, one after the other in
    /// one order (by map, then client), so that two processes never each hold what the other
    /// waits for; waits are reported. None when cancelled while waiting (the locks taken are
    /// released).
    pub(super) fn lock(
        &self,
        parts: &[(Part<'_>, Driver)],
        action: &str,
        reporter: &dyn Reporter,
    ) -> Result<Option<Held>, Error> {
        let mut keys: Vec<(&str, &str, &Driver)> = Vec::new();
        for (part, driver) in parts {
            let desired = part.desired.desired();
            for map in &desired.maps {
                if desired.containers.iter().any(|c| c.map == *map) {
                    keys.push((map, part.client, driver));
                }
            }
        }
        keys.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
        keys.dedup_by(|a, b| (a.0, a.1) == (b.0, b.1));
        let mut held = Held(Vec::new());
        // One holder for the whole action: two of its clients may be one Engine.
        let me = lock::Me::new();
        for (map, client, driver) in keys {
            let taken =
                self.block_on(lock::acquire(
                    driver,
                    map,
                    action,
                    &me,
                    &self.cancel,
                    |heard| match heard {
                        Heard::Held(holder) => reporter.event(&Event::LockWaiting { client, map, holder }),
                        Heard::Stale(holder, why) => reporter.event(&Event::LockTakenOver {
                            client,
                            map,
                            holder,
                            why,
                        }),
                    },
                ));
            match taken {
                Ok(Ok(Some(lock))) => held.0.push((client.to_string(), map.to_string(), lock)),
                Ok(Ok(None)) => {
                    self.unlock(held, reporter);
                    return Ok(None);
                }
                Ok(Err(error)) => {
                    self.unlock(held, reporter);
                    return Err(Error::Observe {
                        client: client.to_string(),
                        error: Box::new(error),
                    });
                }
                Err(e) => {
                    self.unlock(held, reporter);
                    return Err(e);
                }
            }
        }
        Ok(Some(held))
    }

    /// Releases the locks, all at once. A lock that can't be removed now (the Engine went away)
    /// is noted: its lease ends, and the next run removes it.
    pub(super) fn unlock(&self, held: Held, reporter: &dyn Reporter) {
        let released = self.block_on(futures_util::future::join_all(held.0.into_iter().map(
            |(client, map, lock)| async move {
                let result = lock.release().await;
                (client, map, result)
            },
        )));
        let Ok(released) = released else {
            return;
        };
        for (client, _, result) in released {
            if let Err(e) = result {
                let text = format!("{e}; its lease ends, and the next run removes it");
                reporter.event(&Event::Note {
                    client: &client,
                    text: &text,
                });
            }
        }
    }
}
