//! Dependency-ordered, bounded-parallel execution of a plan.
//!
//! A plan is a DAG of [`Node`]s: each node carries a step and the indices of the nodes that must
//! succeed before it may run. [`run`] drives every step through a caller-supplied async function:
//! nodes start once all their dependencies are [`Outcome::Done`], at most `limit` at a time, ready
//! nodes starting in index order. A failed step stops only what (transitively) depends on it; those
//! nodes are [`Outcome::Skipped`] and never run, while unrelated branches run to completion.
//!
//! The executor does no I/O of its own and spawns nothing: step futures are driven concurrently on
//! the calling task, so steps, their outputs and errors need be neither `Send` nor `'static`, and a
//! step's future may borrow the plan.

mod cancel;

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::future::Future;

use futures_util::future::{AbortHandle, Abortable};
use futures_util::stream::{FuturesUnordered, StreamExt};

pub(crate) use cancel::Canceller;

/// One step of a plan and the nodes it depends on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Node<S> {
    /// What to run.
    pub step: S,
    /// Indices of the nodes that must succeed before this one runs.
    pub deps: Vec<usize>,
}

impl<S> Node<S> {
    /// A node running `step` once every node in `deps` is done.
    pub(crate) fn new(step: S, deps: Vec<usize>) -> Self {
        Node { step, deps }
    }
}

/// What happened to one node.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Outcome<O, E> {
    /// The step ran and succeeded.
    Done(O),
    /// The step ran and failed.
    Failed(E),
    /// The step never ran because a node it (transitively) depends on failed.
    Skipped {
        /// Index of the failed node upstream (the first failure found to block this node).
        because: usize,
    },
    /// The run was cancelled before the step started, or while it was waiting (an abortable
    /// step in flight is dropped; any other step in flight finishes).
    Cancelled,
}

#[cfg(test)]
impl<O, E> Outcome<O, E> {
    /// Whether the step ran and succeeded.
    pub(crate) fn is_done(&self) -> bool {
        matches!(self, Outcome::Done(_))
    }

    /// Whether the step ran and failed.
    pub(crate) fn is_failed(&self) -> bool {
        matches!(self, Outcome::Failed(_))
    }
}

/// Progress notification passed to the callback of [`run_with_events`].
#[derive(Debug)]
pub(crate) enum Event<'o, O, E> {
    /// The node's step is about to start.
    Started,
    /// The node has its final outcome. Every node gets exactly one `Finished`; skipped nodes get it
    /// without a `Started`.
    Finished(&'o Outcome<O, E>),
}

/// Why a plan cannot be executed. Detected before any step runs.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub(crate) enum ExecutorError {
    /// A node names a dependency that is not a node of the plan.
    #[error("step {node} depends on step {dep}, but the plan has only {len} steps")]
    DependencyOutOfRange {
        /// The node with the bad dependency.
        node: usize,
        /// The dependency index it names.
        dep: usize,
        /// Number of nodes in the plan.
        len: usize,
    },
    /// The dependencies form a cycle.
    #[error("dependency cycle: {}", format_cycle(.cycle))]
    Cycle {
        /// The nodes of one cycle, each depending on the next; the last depends on the first.
        cycle: Vec<usize>,
    },
    /// Execution ended with nodes that have no outcome. Cannot happen for a validated plan; reported
    /// rather than panicking.
    #[error("internal executor error: step {node} was never resolved")]
    Unresolved {
        /// The first node without an outcome.
        node: usize,
    },
}

fn format_cycle(cycle: &[usize]) -> String {
    let mut text = String::new();
    for node in cycle.iter().chain(cycle.first()) {
        if !text.is_empty() {
            text.push_str(" -> ");
        }
        text.push_str(&format!("step {node}"));
    }
    text
}

#[cfg(test)]
/// Runs every node once its deps are `Done`, at most `limit` at a time (`limit` 0 means 1), and
/// returns one outcome per node, in node order.
///
/// Nodes whose (transitive) deps failed or were skipped are `Skipped`, never run. A dependency index
/// out of range or a cycle is an [`ExecutorError`] before anything runs. Duplicate entries in a
/// node's `deps` are harmless.
pub(crate) async fn run<'a, S, O, E, F, Fut>(
    nodes: &'a [Node<S>],
    limit: usize,
    run_step: F,
) -> Result<Vec<Outcome<O, E>>, ExecutorError>
where
    F: Fn(usize, &'a S) -> Fut,
    Fut: Future<Output = Result<O, E>>,
{
    run_with_events(nodes, limit, run_step, |_, _| {}).await
}

/// [`run`], calling `on_event(index, event)` when a node's step starts and when a node gets its
/// outcome (including skipped nodes, which never start). Events arrive on the calling task, in the
/// order they happen.
#[cfg(test)]
pub(crate) async fn run_with_events<'a, S, O, E, F, Fut, P>(
    nodes: &'a [Node<S>],
    limit: usize,
    run_step: F,
    on_event: P,
) -> Result<Vec<Outcome<O, E>>, ExecutorError>
where
    F: Fn(usize, &'a S) -> Fut,
    Fut: Future<Output = Result<O, E>>,
    P: FnMut(usize, Event<'_, O, E>),
{
    run_cancellable(nodes, limit, run_step, on_event, &Canceller::new(), |_| false).await
}

/// [`run_with_events`] that stops when `cancel` fires: no step starts any more, steps in flight
/// for which `abortable` holds are dropped, the others finish; every node without an outcome
/// then is [`Outcome::Cancelled`].
pub(crate) async fn run_cancellable<'a, S, O, E, F, Fut, P, A>(
    nodes: &'a [Node<S>],
    limit: usize,
    run_step: F,
    mut on_event: P,
    cancel: &Canceller,
    abortable: A,
) -> Result<Vec<Outcome<O, E>>, ExecutorError>
where
    F: Fn(usize, &'a S) -> Fut,
    Fut: Future<Output = Result<O, E>>,
    P: FnMut(usize, Event<'_, O, E>),
    A: Fn(&S) -> bool,
{
    let graph = Graph::new(nodes)?;
    let limit = limit.max(1);

    let mut outcomes: Vec<Option<Outcome<O, E>>> =
        std::iter::repeat_with(|| None).take(nodes.len()).collect();
    // Number of distinct deps of each node not yet done.
    let mut waiting = graph.dep_counts.clone();
    // Min-heap so ready nodes start in index order.
    let mut ready: BinaryHeap<Reverse<usize>> = (0..nodes.len())
        .filter(|&i| waiting[i] == 0)
        .map(Reverse)
        .collect();
    let mut in_flight = FuturesUnordered::new();
    // Handles of the abortable steps in flight.
    let mut aborts: Vec<(usize, AbortHandle)> = Vec::new();
    let mut cancelled = cancel.is_cancelled();

    loop {
        while !cancelled && in_flight.len() < limit {
            let Some(Reverse(index)) = ready.pop() else { break };
            let Some(node) = nodes.get(index) else { continue };
            on_event(index, Event::Started);
            let (handle, registration) = AbortHandle::new_pair();
            if abortable(&node.step) {
                aborts.push((index, handle));
            }
            let step = Abortable::new(run_step(index, &node.step), registration);
            in_flight.push(async move { (index, step.await) });
        }
        if in_flight.is_empty() {
            break;
        }

        let next = if cancelled {
            in_flight.next().await
        } else {
            tokio::select! {
                next = in_flight.next() => next,
                () = cancel.cancelled() => {
                    cancelled = true;
                    for (_, handle) in aborts.drain(..) {
                        handle.abort();
                    }
                    continue;
                }
            }
        };
        let Some((index, result)) = next else {
            break;
        };
        aborts.retain(|(i, _)| *i != index);
        let Ok(result) = result else {
            if let Some(slot) = outcomes.get_mut(index) {
                on_event(index, Event::Finished(slot.insert(Outcome::Cancelled)));
            }
            continue;
        };
        let succeeded = result.is_ok();
        let outcome = match result {
            Ok(output) => Outcome::Done(output),
            Err(error) => Outcome::Failed(error),
        };
        if let Some(slot) = outcomes.get_mut(index) {
            on_event(index, Event::Finished(slot.insert(outcome)));
        }

        if succeeded {
            for &dependent in graph.dependents(index) {
                if let Some(count) = waiting.get_mut(dependent) {
                    *count = count.saturating_sub(1);
                    let undecided = outcomes.get(dependent).is_some_and(Option::is_none);
                    if *count == 0 && undecided {
                        ready.push(Reverse(dependent));
                    }
                }
            }
        } else {
            skip_dependents(&graph, index, &mut outcomes, &mut on_event);
        }
    }

    if cancelled {
        for (index, slot) in outcomes.iter_mut().enumerate() {
            if slot.is_none() {
                on_event(index, Event::Finished(slot.insert(Outcome::Cancelled)));
            }
        }
    }
    outcomes
        .into_iter()
        .enumerate()
        .map(|(node, outcome)| outcome.ok_or(ExecutorError::Unresolved { node }))
        .collect()
}

/// Marks every undecided transitive dependent of the failed node `failed` as skipped because of it.
fn skip_dependents<O, E, P>(
    graph: &Graph,
    failed: usize,
    outcomes: &mut [Option<Outcome<O, E>>],
    on_event: &mut P,
) where
    P: FnMut(usize, Event<'_, O, E>),
{
    let mut stack: Vec<usize> = graph.dependents(failed).iter().rev().copied().collect();
    while let Some(node) = stack.pop() {
        let Some(slot) = outcomes.get_mut(node) else {
            continue;
        };
        if slot.is_some() {
            // Already skipped through another path (or by an earlier failure): its dependents are too.
            continue;
        }
        on_event(
            node,
            Event::Finished(slot.insert(Outcome::Skipped { because: failed })),
        );
        stack.extend(graph.dependents(node).iter().rev().copied());
    }
}

/// Validated dependency structure of a plan.
struct Graph {
    /// Distinct dependencies per node.
    dep_counts: Vec<usize>,
    /// For each node, the distinct nodes depending on it, ascending.
    dependents: Vec<Vec<usize>>,
}

impl Graph {
    fn new<S>(nodes: &[Node<S>]) -> Result<Self, ExecutorError> {
        let len = nodes.len();
        let mut deps: Vec<Vec<usize>> = Vec::with_capacity(len);
        for (node, n) in nodes.iter().enumerate() {
            let mut distinct = n.deps.clone();
            distinct.sort_unstable();
            distinct.dedup();
            if let Some(&dep) = distinct.iter().find(|&&dep| dep >= len) {
                return Err(ExecutorError::DependencyOutOfRange { node, dep, len });
            }
            deps.push(distinct);
        }

        let mut dependents: Vec<Vec<usize>> = vec![Vec::new(); len];
        for (node, node_deps) in deps.iter().enumerate() {
            for &dep in node_deps {
                if let Some(list) = dependents.get_mut(dep) {
                    list.push(node);
                }
            }
        }
        let dep_counts: Vec<usize> = deps.iter().map(Vec::len).collect();

        // Kahn's algorithm: whatever cannot be ordered lies on or behind a cycle.
        let mut remaining = dep_counts.clone();
        let mut queue: Vec<usize> = (0..len).filter(|&i| remaining[i] == 0).collect();
        let mut ordered = 0;
        while let Some(node) = queue.pop() {
            ordered += 1;
            for &dependent in &dependents[node] {
                remaining[dependent] -= 1;
                if remaining[dependent] == 0 {
                    queue.push(dependent);
                }
            }
        }
        if ordered < len {
            return Err(ExecutorError::Cycle {
                cycle: find_cycle(&deps, &remaining),
            });
        }

        Ok(Graph {
            dep_counts,
            dependents,
        })
    }

    fn dependents(&self, node: usize) -> &[usize] {
        self.dependents.get(node).map_or(&[], Vec::as_slice)
    }
}

/// Extracts one cycle from the nodes Kahn's algorithm could not order (`remaining > 0`). Each such
/// node has an unordered dependency, so following those from any of them must revisit a node.
fn find_cycle(deps: &[Vec<usize>], remaining: &[usize]) -> Vec<usize> {
    let unordered = |node: usize| remaining.get(node).is_some_and(|&count| count > 0);
    let Some(start) = (0..remaining.len()).find(|&node| unordered(node)) else {
        return Vec::new();
    };
    let mut path = vec![start];
    let mut position = vec![None; remaining.len()];
    position[start] = Some(0);
    let mut current = start;
    loop {
        let next = deps
            .get(current)
            .and_then(|list| list.iter().copied().find(|&dep| unordered(dep)));
        let Some(next) = next else { return path };
        if let Some(Some(first)) = position.get(next) {
            return path.split_off(*first);
        }
        position[next] = Some(path.len());
        path.push(next);
        current = next;
    }
}

#[cfg(test)]
mod tests;
