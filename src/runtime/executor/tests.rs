//! The executor against fake steps that record what ran, when, and how many at once.

use super::*;
use std::cell::RefCell;
use std::rc::Rc;

/// A fake step: yields `ticks` times while "running", then succeeds or fails.
#[derive(Debug, Clone)]
struct Fake {
    ticks: usize,
    fail: bool,
}

fn ok(ticks: usize) -> Fake {
    Fake { ticks, fail: false }
}

fn bad(ticks: usize) -> Fake {
    Fake { ticks, fail: true }
}

/// How a fake step fails.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
enum FakeError {
    #[error("step {step} failed")]
    Failed { step: usize },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rec {
    Start(usize),
    Finish(usize),
}

#[derive(Default)]
struct Log {
    records: Vec<Rec>,
    in_flight: usize,
    max_in_flight: usize,
    calls: usize,
}

impl Log {
    fn starts(&self) -> Vec<usize> {
        self.records
            .iter()
            .filter_map(|r| if let Rec::Start(i) = r { Some(*i) } else { None })
            .collect()
    }

    fn pos(&self, rec: Rec) -> usize {
        self.records.iter().position(|&r| r == rec).unwrap()
    }
}

/// Time is simulated with `yield_now`, so tests are deterministic and take no real time (paused
/// tokio time would need tokio's `test-util` feature, which dmap does not enable).
async fn fake(log: Rc<RefCell<Log>>, index: usize, step: Fake) -> Result<usize, FakeError> {
    {
        let mut log = log.borrow_mut();
        log.calls += 1;
        log.records.push(Rec::Start(index));
        log.in_flight += 1;
        log.max_in_flight = log.max_in_flight.max(log.in_flight);
    }
    for _ in 0..step.ticks {
        tokio::task::yield_now().await;
    }
    {
        let mut log = log.borrow_mut();
        log.records.push(Rec::Finish(index));
        log.in_flight -= 1;
    }
    if step.fail {
        Err(FakeError::Failed { step: index })
    } else {
        Ok(index * 10)
    }
}

async fn exec(
    nodes: &[Node<Fake>],
    limit: usize,
) -> (
    Result<Vec<Outcome<usize, FakeError>>, ExecutorError>,
    Rc<RefCell<Log>>,
) {
    let log = Rc::new(RefCell::new(Log::default()));
    let result = run(nodes, limit, |i, s: &Fake| fake(log.clone(), i, s.clone())).await;
    (result, log)
}

fn node(step: Fake, deps: &[usize]) -> Node<Fake> {
    Node::new(step, deps.to_vec())
}

#[tokio::test]
async fn independent_steps_run_in_parallel_up_to_the_limit() {
    let nodes: Vec<_> = (0..20).map(|i| node(ok(3 + i % 4), &[])).collect();
    for (limit, expected) in [(8, 8), (3, 3), (1, 1), (0, 1), (50, 20)] {
        let (result, log) = exec(&nodes, limit).await;
        let outcomes = result.unwrap();
        assert_eq!(
            outcomes,
            (0..20).map(|i| Outcome::Done(i * 10)).collect::<Vec<_>>()
        );
        let log = log.borrow();
        assert_eq!(log.max_in_flight, expected, "limit {limit}");
        assert_eq!(log.calls, 20);
        assert_eq!(log.in_flight, 0);
        assert_eq!(
            log.starts(),
            (0..20).collect::<Vec<_>>(),
            "ready nodes start in index order"
        );
    }
}

#[tokio::test]
async fn chain_runs_strictly_in_order() {
    // Declared out of index order: 3 <- 0 <- 4 <- 1 <- 2.
    let nodes = vec![
        node(ok(2), &[3]),
        node(ok(1), &[4]),
        node(ok(5), &[1]),
        node(ok(4), &[]),
        node(ok(1), &[0]),
    ];
    let (result, log) = exec(&nodes, 8).await;
    assert!(result.unwrap().iter().all(Outcome::is_done));
    let log = log.borrow();
    let expected: Vec<Rec> = [3, 0, 4, 1, 2]
        .iter()
        .flat_map(|&i| [Rec::Start(i), Rec::Finish(i)])
        .collect();
    assert_eq!(log.records, expected);
    assert_eq!(log.max_in_flight, 1);
}

#[tokio::test]
async fn diamond_runs_middle_concurrently_and_join_last() {
    // a=0 -> b=1, a -> c=2, b,c -> d=3
    let nodes = vec![
        node(ok(2), &[]),
        node(ok(3), &[0]),
        node(ok(5), &[0]),
        node(ok(1), &[1, 2]),
    ];
    let (result, log) = exec(&nodes, 8).await;
    assert_eq!(
        result.unwrap(),
        vec![
            Outcome::Done(0),
            Outcome::Done(10),
            Outcome::Done(20),
            Outcome::Done(30)
        ]
    );
    let log = log.borrow();
    assert_eq!(log.max_in_flight, 2);
    let (sb, sc) = (log.pos(Rec::Start(1)), log.pos(Rec::Start(2)));
    let (fb, fc) = (log.pos(Rec::Finish(1)), log.pos(Rec::Finish(2)));
    assert!(log.pos(Rec::Finish(0)) < sb.min(sc));
    assert!(sb < fc && sc < fb, "b and c overlap: {:?}", log.records);
    assert!(fb.max(fc) < log.pos(Rec::Start(3)));
    assert_eq!(log.records.last(), Some(&Rec::Finish(3)));
}

#[tokio::test]
async fn failure_skips_exactly_its_transitive_dependents() {
    let nodes = vec![
        node(ok(1), &[]),     // 0 root
        node(bad(2), &[0]),   // 1 fails
        node(ok(1), &[1]),    // 2 skipped (direct)
        node(ok(1), &[2]),    // 3 skipped (transitive via skipped)
        node(ok(6), &[0]),    // 4 unrelated branch, slow
        node(ok(3), &[4]),    // 5 unrelated branch continues after the failure
        node(ok(1), &[4, 3]), // 6 mixed: one dep fine, one skipped
        node(ok(1), &[]),     // 7 independent
        node(bad(9), &[]),    // 8 fails later
        node(ok(1), &[8, 1]), // 9 blocked by 1 first (1 fails earlier than 8)
        node(ok(1), &[9]),    // 10 skipped, names the first failure found
        node(ok(2), &[5, 7]), // 11 runs to completion
    ];
    let (result, log) = exec(&nodes, 8).await;
    let outcomes = result.unwrap();
    let skipped = |because| Outcome::Skipped { because };
    assert_eq!(
        outcomes,
        vec![
            Outcome::Done(0),
            Outcome::Failed(FakeError::Failed { step: 1 }),
            skipped(1),
            skipped(1),
            Outcome::Done(40),
            Outcome::Done(50),
            skipped(1),
            Outcome::Done(70),
            Outcome::Failed(FakeError::Failed { step: 8 }),
            skipped(1),
            skipped(1),
            Outcome::Done(110),
        ]
    );
    let log = log.borrow();
    let mut started = log.starts();
    started.sort_unstable();
    assert_eq!(started, vec![0, 1, 4, 5, 7, 8, 11], "skipped nodes never run");
    assert!(
        log.pos(Rec::Finish(1)) < log.pos(Rec::Start(5)),
        "unrelated branch continues after failure"
    );
}

#[tokio::test]
async fn a_failed_leaf_skips_nothing() {
    let nodes = vec![node(ok(1), &[]), node(bad(1), &[0]), node(ok(1), &[0])];
    let (result, _) = exec(&nodes, 8).await;
    let outcomes = result.unwrap();
    assert!(outcomes[0].is_done() && outcomes[1].is_failed() && outcomes[2].is_done());
}

#[tokio::test]
async fn layers_respect_order_and_width() {
    // stack20-like: 4 layers x 5 nodes, each depending on all of the previous layer.
    let mut nodes = Vec::new();
    for layer in 0..4 {
        for k in 0..5 {
            let deps: Vec<usize> = if layer == 0 {
                vec![]
            } else {
                ((layer - 1) * 5..layer * 5).collect()
            };
            nodes.push(Node::new(ok(1 + (k * 3 + layer) % 5), deps));
        }
    }
    // limit 8: a whole layer runs at once; limit 3: the width is capped. Layers hold either way.
    for (limit, width) in [(8, 5), (3, 3)] {
        let (result, log) = exec(&nodes, limit).await;
        assert!(result.unwrap().iter().all(Outcome::is_done));
        let log = log.borrow();
        assert_eq!(log.max_in_flight, width, "limit {limit}");
        for layer in 1..4 {
            let last_finish_before = ((layer - 1) * 5..layer * 5)
                .map(|i| log.pos(Rec::Finish(i)))
                .max();
            let first_start = (layer * 5..layer * 5 + 5).map(|i| log.pos(Rec::Start(i))).min();
            assert!(
                last_finish_before.unwrap() < first_start.unwrap(),
                "limit {limit}: layer {layer} started early: {:?}",
                log.records
            );
        }
    }
}

#[tokio::test]
async fn cycles_are_rejected_before_anything_runs() {
    // 0 is fine, 1 -> 2 -> 3 -> 1 is a cycle, 4 sits behind it.
    let nodes = vec![
        node(ok(1), &[]),
        node(ok(1), &[0, 3]),
        node(ok(1), &[1]),
        node(ok(1), &[2]),
        node(ok(1), &[3]),
    ];
    let (result, log) = exec(&nodes, 8).await;
    let err = result.unwrap_err();
    let ExecutorError::Cycle { cycle } = &err else {
        panic!("expected a cycle, got {err:?}")
    };
    let mut members = cycle.clone();
    members.sort_unstable();
    assert_eq!(members, vec![1, 2, 3]);
    // Each node of the reported cycle depends on the next, the last on the first.
    for (k, &n) in cycle.iter().enumerate() {
        assert!(nodes[n].deps.contains(&cycle[(k + 1) % cycle.len()]));
    }
    assert!(err.to_string().starts_with("dependency cycle: step "), "{err}");
    assert_eq!(log.borrow().calls, 0);

    let selfish = vec![node(ok(1), &[]), node(ok(1), &[1])];
    let (result, log) = exec(&selfish, 8).await;
    assert_eq!(result.unwrap_err(), ExecutorError::Cycle { cycle: vec![1] });
    assert_eq!(log.borrow().calls, 0);
}

#[tokio::test]
async fn bad_index_is_rejected_before_anything_runs() {
    let nodes = vec![node(ok(1), &[]), node(ok(1), &[0]), node(ok(1), &[7])];
    let (result, log) = exec(&nodes, 8).await;
    let err = result.unwrap_err();
    assert_eq!(
        err,
        ExecutorError::DependencyOutOfRange {
            node: 2,
            dep: 7,
            len: 3
        }
    );
    assert_eq!(
        err.to_string(),
        "step 2 depends on step 7, but the plan has only 3 steps"
    );
    assert_eq!(log.borrow().calls, 0);
}

#[tokio::test]
async fn empty_plan_gives_empty_result() {
    let (result, log) = exec(&[], 8).await;
    assert!(result.unwrap().is_empty());
    assert_eq!(log.borrow().calls, 0);
}

#[tokio::test]
async fn duplicate_deps_are_harmless() {
    let nodes = vec![node(ok(1), &[]), node(ok(1), &[0, 0, 0])];
    let (result, _) = exec(&nodes, 8).await;
    assert_eq!(result.unwrap(), vec![Outcome::Done(0), Outcome::Done(10)]);
}

#[tokio::test]
async fn step_futures_may_borrow_the_plan() {
    let nodes: Vec<Node<String>> = vec![
        Node::new("net".to_string(), vec![]),
        Node::new("app".to_string(), vec![0]),
    ];
    let outcomes = run(&nodes, 8, |_, name: &String| async move {
        tokio::task::yield_now().await;
        Ok::<&str, ()>(name.as_str())
    })
    .await
    .unwrap();
    assert_eq!(outcomes, vec![Outcome::Done("net"), Outcome::Done("app")]);
}

#[derive(Debug, PartialEq, Eq)]
enum Ev {
    Started(usize),
    Done(usize),
    Failed(usize),
    Skipped(usize, usize),
}

#[tokio::test]
async fn events_report_starts_and_every_outcome() {
    let nodes = vec![
        node(ok(1), &[]),
        node(bad(1), &[0]),
        node(ok(1), &[1]),
        node(ok(3), &[0]),
    ];
    let log = Rc::new(RefCell::new(Log::default()));
    let mut events = Vec::new();
    let outcomes = run_with_events(
        &nodes,
        8,
        |i, s: &Fake| fake(log.clone(), i, s.clone()),
        |i, event: Event<'_, usize, FakeError>| {
            events.push(match event {
                Event::Started => Ev::Started(i),
                Event::Finished(Outcome::Done(_)) => Ev::Done(i),
                Event::Finished(Outcome::Failed(_)) => Ev::Failed(i),
                Event::Finished(Outcome::Skipped { because }) => Ev::Skipped(i, *because),
                Event::Finished(Outcome::Cancelled) => unreachable!("nothing cancels this run"),
            })
        },
    )
    .await
    .unwrap();
    assert_eq!(outcomes.len(), 4);
    assert_eq!(
        events,
        vec![
            Ev::Started(0),
            Ev::Done(0),
            Ev::Started(1),
            Ev::Started(3),
            Ev::Failed(1),
            Ev::Skipped(2, 1),
            Ev::Done(3),
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn works_on_a_multi_thread_runtime() {
    let nodes: Vec<Node<u64>> = (0..10)
        .map(|i| Node::new(i % 3, if i < 5 { vec![] } else { vec![i as usize - 5] }))
        .collect();
    let outcomes = run(&nodes, 4, |i, ticks: &u64| async move {
        for _ in 0..*ticks {
            tokio::task::yield_now().await;
        }
        Ok::<usize, ()>(i)
    })
    .await
    .unwrap();
    assert_eq!(outcomes, (0..10).map(Outcome::Done).collect::<Vec<_>>());
}

/// Cancelling: nothing starts any more, a waiting step in flight is dropped, a changing one
/// finishes, and everything without an outcome is cancelled.
#[tokio::test]
async fn cancel_drops_waits_finishes_changes_and_starts_nothing() {
    use std::time::Duration;
    // (name, abortable, millis)
    let nodes = vec![
        Node::new(("wait", true, 10_000u64), vec![]),
        Node::new(("create", false, 200), vec![]),
        Node::new(("start", false, 10), vec![1]),
    ];
    let cancel = Canceller::new();
    let trigger = cancel.clone();
    tokio::spawn(async move {
        tokio::time::sleep(Duration::from_millis(50)).await;
        trigger.cancel();
    });
    let started = std::time::Instant::now();
    let outcomes = run_cancellable(
        &nodes,
        8,
        |_, step: &(&str, bool, u64)| {
            let millis = step.2;
            async move {
                tokio::time::sleep(Duration::from_millis(millis)).await;
                Ok::<(), ()>(())
            }
        },
        |_, _| {},
        &cancel,
        |step| step.1,
    )
    .await
    .unwrap();
    assert_eq!(
        outcomes,
        vec![Outcome::Cancelled, Outcome::Done(()), Outcome::Cancelled]
    );
    assert!(started.elapsed() < Duration::from_secs(2), "the wait was dropped");

    // A run begun after cancelling starts nothing; after a reset it runs.
    let outcomes = run_cancellable(
        &nodes[1..2],
        8,
        |_, _| async { Ok::<(), ()>(()) },
        |_, _| {},
        &cancel,
        |_| false,
    )
    .await
    .unwrap();
    assert_eq!(outcomes, vec![Outcome::Cancelled]);
    cancel.reset();
    let outcomes = run_cancellable(
        &nodes[1..2],
        8,
        |_, _| async { Ok::<(), ()>(()) },
        |_, _| {},
        &cancel,
        |_| false,
    )
    .await
    .unwrap();
    assert_eq!(outcomes, vec![Outcome::Done(())]);
}
