//! Cancelling a run from another thread (a Ctrl-C handler): once cancelled, a run starts no more
//! steps, and steps that only wait are dropped.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use tokio::sync::Notify;

/// Shared by the session and whoever may cancel its actions; cheap to clone, `Send + Sync`.
#[derive(Clone, Debug, Default)]
pub(crate) struct Canceller(Arc<State>);

#[derive(Debug, Default)]
struct State {
    cancelled: AtomicBool,
    notify: Notify,
}

impl Canceller {
    pub(crate) fn new() -> Canceller {
        Canceller::default()
    }

    /// Cancels what runs now and what starts until [`Canceller::reset`].
    pub(crate) fn cancel(&self) {
        self.0.cancelled.store(true, Ordering::SeqCst);
        self.0.notify.notify_waiters();
    }

    /// Lets actions run again (the REPL, before each line it evaluates).
    #[cfg_attr(not(test), allow(dead_code))]
    pub(crate) fn reset(&self) {
        self.0.cancelled.store(false, Ordering::SeqCst);
    }

    pub(crate) fn is_cancelled(&self) -> bool {
        self.0.cancelled.load(Ordering::SeqCst)
    }

    /// Resolves once cancelled (at once when it already is).
    pub(crate) async fn cancelled(&self) {
        loop {
            let notified = self.0.notify.notified();
            if self.is_cancelled() {
                return;
            }
            notified.await;
        }
    }
}
