//! How many threads may do heavy work at once: one token per core a run may use.
//!
//! An ingest has two kinds of heavy work, decoding objects and writing files (sort,
//! rollup, Parquet encoding), done by separate threads so that neither waits on the
//! other. Each holds a token of a shared [`Cores`] while it works, so that `--threads N`
//! means N cores' worth of work whichever kind is pending, and one thread means one core.
//! Waiting (on a channel, a lease of memory, the disk) is done without a token.

use std::sync::{Condvar, Mutex};

/// A counting semaphore of cores.
#[derive(Debug)]
pub struct Cores {
    free: Mutex<usize>,
    released: Condvar,
    total: usize,
}

impl Cores {
    /// `n` cores (at least one).
    pub fn new(n: usize) -> Self {
        let total = n.max(1);
        Self {
            free: Mutex::new(total),
            released: Condvar::new(),
            total,
        }
    }

    /// As many cores as the machine has.
    pub fn all() -> Self {
        Self::new(available())
    }

    /// How many tokens there are.
    pub fn total(&self) -> usize {
        self.total
    }

    /// Waits for a free core and holds it until the guard is dropped.
    pub fn acquire(&self) -> CoreGuard<'_> {
        let mut free = self.free.lock().unwrap_or_else(|e| e.into_inner());
        while *free == 0 {
            free = self.released.wait(free).unwrap_or_else(|e| e.into_inner());
        }
        *free -= 1;
        CoreGuard { cores: self }
    }
}

/// A held core, given back when dropped.
#[derive(Debug)]
pub struct CoreGuard<'a> {
    cores: &'a Cores,
}

impl Drop for CoreGuard<'_> {
    fn drop(&mut self) {
        let mut free = self.cores.free.lock().unwrap_or_else(|e| e.into_inner());
        *free += 1;
        self.cores.released.notify_one();
    }
}

/// The machine's cores, as the standard library sees them (2 when it cannot tell).
pub fn available() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn never_more_holders_than_cores() {
        let cores = Cores::new(2);
        let holding = AtomicUsize::new(0);
        let most = AtomicUsize::new(0);
        std::thread::scope(|s| {
            for _ in 0..8 {
                s.spawn(|| {
                    for _ in 0..200 {
                        let _core = cores.acquire();
                        let now = holding.fetch_add(1, Ordering::SeqCst) + 1;
                        most.fetch_max(now, Ordering::SeqCst);
                        std::thread::yield_now();
                        holding.fetch_sub(1, Ordering::SeqCst);
                    }
                });
            }
        });
        assert!(most.load(Ordering::SeqCst) <= 2);
        assert_eq!(holding.load(Ordering::SeqCst), 0);
        assert_eq!(cores.total(), 2);
    }
}
