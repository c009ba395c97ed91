//! The ssh masters a tunnel's connections are sessions of. An ssh server takes only so many
//! sessions over one connection (OpenSSH's `MaxSessions`, 10 by default) and only so many
//! connections in their handshake at once (`MaxStartups`, 10 by default, then it drops some),
//! while dmap may hold dozens of connections at once (an observe inspects 32 objects at a time,
//! `logs -f` follows each container): one master per [`SESSIONS`] connections, each opened once,
//! [`OPENING`] at most at a time. Slot 0's master is the first contact's.

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use tokio::sync::{OnceCell, Semaphore};

/// Sessions one master carries at once: OpenSSH's default `MaxSessions`. A server that allows
/// fewer refuses the rest, and ssh then connects on its own for them.
pub(super) const SESSIONS: usize = 10;

/// Masters opened at once (each a handshake the server counts under `MaxStartups`).
const OPENING: usize = 2;

/// The masters of one tunnel, by slot.
#[derive(Debug)]
pub(super) struct Masters {
    dir: PathBuf,
    slots: Mutex<Vec<Slot>>,
    opening: Semaphore,
}

#[derive(Debug)]
struct Slot {
    /// Connections of this slot open now.
    sessions: usize,
    /// Set once its master has been opened (or tried to be).
    opened: Arc<OnceCell<()>>,
}

/// A connection's place in a slot, given back when dropped.
pub(super) struct Place {
    masters: Arc<Masters>,
    slot: usize,
}

impl Place {
    pub(super) fn slot(&self) -> usize {
        self.slot
    }
}

impl Drop for Place {
    fn drop(&mut self) {
        if let Ok(mut slots) = self.masters.slots.lock() {
            if let Some(slot) = slots.get_mut(self.slot) {
                slot.sessions = slot.sessions.saturating_sub(1);
            }
        }
    }
}

impl Masters {
    /// Masters whose sockets are in `dir`; slot 0's is opened by the first contact.
    pub(super) fn new(dir: &Path) -> Masters {
        Masters {
            dir: dir.to_path_buf(),
            slots: Mutex::new(Vec::new()),
            opening: Semaphore::new(OPENING),
        }
    }

    /// The `ControlPath` of slot `slot`.
    pub(super) fn control_path(&self, slot: usize) -> PathBuf {
        self.dir.join(format!("cm{slot}"))
    }

    /// The slots used whose master's socket exists.
    pub(super) fn running(&self) -> Vec<usize> {
        let used = self.slots.lock().map_or(1, |slots| slots.len().max(1));
        (0..used)
            .filter(|slot| self.control_path(*slot).exists())
            .collect()
    }

    /// A place for one more connection, in the first slot with room, and that slot's master:
    /// opened by `open` the first time the slot is used (after the first contact, for slot 0).
    pub(super) async fn place<F, Fut>(self: &Arc<Self>, open: F) -> Place
    where
        F: FnOnce(usize) -> Fut,
        Fut: std::future::Future<Output = ()>,
    {
        let (slot, opened) = {
            let Ok(mut slots) = self.slots.lock() else {
                return Place {
                    masters: self.clone(),
                    slot: 0,
                };
            };
            if slots.is_empty() {
                // the first contact opened slot 0's master
                slots.push(Slot {
                    sessions: 0,
                    opened: Arc::new(OnceCell::new_with(Some(()))),
                });
            }
            let slot = match slots.iter().position(|s| s.sessions < SESSIONS) {
                Some(slot) => slot,
                None => {
                    slots.push(Slot {
                        sessions: 0,
                        opened: Arc::new(OnceCell::new()),
                    });
                    slots.len() - 1
                }
            };
            slots[slot].sessions += 1;
            (slot, slots[slot].opened.clone())
        };
        let place = Place {
            masters: self.clone(),
            slot,
        };
        opened
            .get_or_init(|| async {
                let _turn = self.opening.acquire().await;
                open(slot).await;
            })
            .await;
        place
    }
}

#[cfg(test)]
mod tests {
    use super::{Masters, SESSIONS};
    use std::sync::Arc;

    #[tokio::test]
    async fn a_slot_takes_sessions_up_to_the_limit_then_the_next_opens_once() {
        let masters = Arc::new(Masters::new(std::path::Path::new("/nowhere")));
        let opened = Arc::new(std::sync::Mutex::new(Vec::new()));
        let open = |slot: usize| {
            let opened = opened.clone();
            async move { opened.lock().expect("lock").push(slot) }
        };
        let mut places = Vec::new();
        for _ in 0..SESSIONS * 2 + 1 {
            places.push(masters.place(open).await);
        }
        let slots: Vec<usize> = places.iter().map(|p| p.slot()).collect();
        let want: Vec<usize> = (0..SESSIONS * 2 + 1).map(|i| i / SESSIONS).collect();
        assert_eq!(slots, want);
        // slot 0's master is the first contact's: slots 1 and 2 were opened, once each
        assert_eq!(*opened.lock().expect("lock"), vec![1, 2]);
        // a place given back is taken again before a later slot
        places.swap_remove(3);
        assert_eq!(masters.place(open).await.slot(), 0);
        assert_eq!(masters.control_path(2), std::path::Path::new("/nowhere/cm2"));
    }
}
