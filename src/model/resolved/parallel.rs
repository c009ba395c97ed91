//! Resolving big maps on every core.

/// Runs `work` on chunks of `items` (each with the index of its first item) on the machine's
/// cores, and joins the results in order; small lists, or no threads to be had, run here.
pub(super) fn in_parallel<T: Sync, R: Send>(
    items: &[T],
    work: impl Fn(usize, &[T]) -> Vec<R> + Sync,
) -> Vec<R> {
    const ENOUGH: usize = 4000;
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if items.len() < ENOUGH || threads < 2 {
        return work(0, items);
    }
    let size = items.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let work = &work;
        let handles: Vec<_> = items
            .chunks(size)
            .enumerate()
            .map(|(n, chunk)| {
                let offset = n * size;
                let spawned = std::thread::Builder::new().spawn_scoped(scope, move || work(offset, chunk));
                (offset, chunk, spawned)
            })
            .collect();
        let mut out = Vec::with_capacity(items.len());
        for (offset, chunk, spawned) in handles {
            match spawned.map(|h| h.join()) {
                Ok(Ok(part)) => out.extend(part),
                // No thread (or it failed): do that chunk here.
                _ => out.extend(work(offset, chunk)),
            }
        }
        out
    })
}

#[cfg(test)]
mod tests {
    use super::in_parallel;

    #[test]
    fn parallel_chunks_join_in_order_with_their_offsets() {
        let items: Vec<usize> = (0..10_007).collect();
        let out = in_parallel(&items, |offset, chunk| {
            chunk
                .iter()
                .enumerate()
                .map(|(i, x)| (offset + i, *x * 2))
                .collect()
        });
        assert_eq!(out.len(), items.len());
        assert!(out.iter().enumerate().all(|(i, (at, x))| *at == i && *x == i * 2));
        assert_eq!(
            in_parallel(&items[..3], |o, c| c.iter().map(|x| x + o).collect()),
            vec![0, 1, 2]
        );
    }
}
