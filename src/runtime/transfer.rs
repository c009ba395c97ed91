//! Copies between the clients of one action (`image_transfer: "copy"`): a `copy` step takes its
//! image from another client's Engine, and when that client builds the image in this run, only
//! once its build there has succeeded. The clients' plans run at once; [`Links`] join them: each
//! client's apply gets the connections of the clients it copies from, a signal per build of theirs
//! it waits for, and the signals of its own builds that others wait for.
//!
//! A signal that is never given (the build failed, was skipped or cancelled, or its client's apply
//! ended without running it) releases the copies waiting for it, which then fail: nothing waits
//! for ever. The planner sees to it that waits form no cycle (`plan::transfer`).

use std::collections::HashMap;

use tokio::sync::watch;

use super::driver::Driver;
use super::error::StepError;
use super::plan::{Plan, StepKind};

/// A build others copy from, as they see it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Build {
    Running,
    Built,
    Failed,
}

/// Where one copy takes its image from.
struct Source {
    driver: Driver,
    /// The source's build of the image in this run, when it builds it.
    build: Option<watch::Receiver<Build>>,
}

/// One client's links to the other clients of an action.
#[derive(Default)]
pub(crate) struct Links {
    /// (client copied from, image) → where the copy takes it from.
    sources: HashMap<(String, String), Source>,
    /// Image → the signal of this client's build of it, for the copies that wait for it.
    signals: HashMap<String, watch::Sender<Build>>,
}

impl Links {
    /// The links of each client of an action, given as (name, connection, plan), in order: for
    /// every `copy` step, the connection of the client it copies from and the signal of that
    /// client's build of the image, when its plan builds it.
    pub(crate) fn between(clients: &[(&str, &Driver, &Plan)]) -> Vec<Links> {
        let mut links: Vec<Links> = clients.iter().map(|_| Links::default()).collect();
        for (i, (_, _, plan)) in clients.iter().enumerate() {
            for step in &plan.steps {
                let StepKind::CopyImage { image, from } = &step.kind else {
                    continue;
                };
                let Some(s) = clients.iter().position(|(name, _, _)| name == from) else {
                    continue;
                };
                let (_, driver, source_plan) = clients[s];
                let builds = source_plan
                    .steps
                    .iter()
                    .any(|st| matches!(&st.kind, StepKind::BuildImage { image: b } if b == image));
                let build = builds.then(|| {
                    links[s]
                        .signals
                        .entry(image.clone())
                        .or_insert_with(|| watch::channel(Build::Running).0)
                        .subscribe()
                });
                links[i].sources.insert(
                    (from.clone(), image.clone()),
                    Source {
                        driver: driver.clone(),
                        build,
                    },
                );
            }
        }
        links
    }

    /// A step of this client has its outcome (`built`: it succeeded): a build others copy from
    /// tells them how it went.
    pub(crate) fn finished(&self, kind: &StepKind, built: bool) {
        if let StepKind::BuildImage { image } = kind {
            if let Some(signal) = self.signals.get(image) {
                signal.send_replace(if built { Build::Built } else { Build::Failed });
            }
        }
    }

    /// The Engine of client `from`, to copy `image` from, once its build there (if it builds
    /// it in this run) has succeeded.
    pub(crate) async fn source(&self, from: &str, image: &str) -> Result<&Driver, StepError> {
        let failed = |message: &str| StepError::Copy {
            image: image.to_string(),
            from: from.to_string(),
            message: message.to_string(),
        };
        let source = self
            .sources
            .get(&(from.to_string(), image.to_string()))
            .ok_or_else(|| StepError::Internal {
                message: format!("client `{from}`, to copy image `{image}` from, is not one of the action"),
            })?;
        if let Some(build) = &source.build {
            let mut build = build.clone();
            let built = build
                .wait_for(|b| *b != Build::Running)
                .await
                .is_ok_and(|b| *b == Build::Built);
            if !built {
                return Err(failed(&format!("its build on `{from}` did not succeed")));
            }
        }
        Ok(&source.driver)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::runtime::plan::Step;

    fn plan(kinds: Vec<StepKind>) -> Plan {
        Plan {
            steps: kinds
                .into_iter()
                .map(|kind| Step {
                    kind,
                    reason: String::new(),
                    deps: Vec::new(),
                })
                .collect(),
            notes: Vec::new(),
        }
    }

    fn build(image: &str) -> StepKind {
        StepKind::BuildImage { image: image.into() }
    }

    fn copy(image: &str, from: &str) -> StepKind {
        StepKind::CopyImage {
            image: image.into(),
            from: from.into(),
        }
    }

    fn driver(client: &str) -> Driver {
        Driver::unconnected(client)
    }

    #[tokio::test]
    async fn a_copy_waits_for_its_sources_build_and_fails_when_it_fails() {
        let (a, b) = (driver("a"), driver("b"));
        let plans = [
            plan(vec![build("x"), build("y")]),
            plan(vec![copy("x", "a"), copy("y", "a")]),
        ];
        let links = Links::between(&[("a", &a, &plans[0]), ("b", &b, &plans[1])]);
        let [source, target]: [Links; 2] = links.try_into().unwrap_or_else(|_| panic!("two links"));
        let waiting = target.source("a", "x");
        tokio::pin!(waiting);
        assert!(
            futures_util::poll!(waiting.as_mut()).is_pending(),
            "the copy waits for the build"
        );
        source.finished(&build("x"), true);
        let driver = waiting.await.expect("built");
        assert_eq!(driver.client, "a");
        source.finished(&build("y"), false);
        assert_eq!(
            target
                .source("a", "y")
                .await
                .map(|_| ())
                .map_err(|e| e.to_string()),
            Err("its build on `a` did not succeed".into())
        );
    }

    #[tokio::test]
    async fn a_build_never_run_releases_its_copies_and_a_held_image_is_ready_at_once() {
        let (a, b) = (driver("a"), driver("b"));
        let plans = [plan(vec![build("x")]), plan(vec![copy("x", "a"), copy("z", "a")])];
        let mut links = Links::between(&[("a", &a, &plans[0]), ("b", &b, &plans[1])]);
        let target = links.pop().expect("b");
        // a holds z (no build of it): ready at once
        assert!(target.source("a", "z").await.is_ok());
        // a's apply ended without a word about x
        drop(links);
        assert!(target.source("a", "x").await.is_err());
        assert!(matches!(
            target.source("c", "x").await,
            Err(StepError::Internal { .. })
        ));
    }
}
