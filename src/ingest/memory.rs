//! The memory decoding threads may hold for decompressed text, shared by all of them.
//!
//! A gzip object can decompress to a thousand times its size, so what decoding costs is
//! the decompressed text, not the bytes read. Each decoding thread owns a [`TextBuffer`]
//! whose capacity is leased from one [`DecodeMemory`]: a quarter of the ingest memory
//! budget (`--memory-mib`; the writer's buffers take the rest). No object may decompress to
//! more than the whole of it, so a gzip bomb costs at most that much and is reported as
//! too large; legitimate large objects wait for memory instead.
//!
//! A buffer grows in place while nobody waits and the lease fits. Otherwise its thread
//! gives back all it holds, frees the buffer and queues; threads are served in the order
//! they queued, and every thread that is not waiting gives its memory back after its
//! current object while someone waits. Waiting threads hold nothing, so the first in the
//! queue is always served once the others finish their objects: no deadlock, no
//! starvation. This module knows nothing of JSON or files.

use std::sync::{Condvar, Mutex, MutexGuard};

use super::gunzip::OutputBuffer;

/// Bytes of decompressed text all decoding threads may hold at once; also the most one
/// object may decompress to.
pub struct DecodeMemory {
    limit: usize,
    state: Mutex<State>,
    changed: Condvar,
}

#[derive(Default)]
struct State {
    /// Bytes leased by all buffers.
    held: usize,
    /// Tickets handed to threads that had to wait, and tickets served: waiters are
    /// served in ticket order.
    issued: u64,
    served: u64,
}

impl State {
    fn waiting(&self) -> bool {
        self.issued != self.served
    }
}

impl DecodeMemory {
    /// A pool of `limit` bytes.
    pub fn new(limit: usize) -> Self {
        Self {
            limit: limit.max(1),
            state: Mutex::new(State::default()),
            changed: Condvar::new(),
        }
    }

    /// The pool's size: the most one object may decompress to.
    pub fn limit(&self) -> usize {
        self.limit
    }

    /// Bytes leased right now.
    pub fn held(&self) -> usize {
        self.lock().held
    }

    /// An empty buffer whose growth is leased from this pool.
    pub fn buffer(&self) -> TextBuffer<'_> {
        TextBuffer {
            bytes: Vec::new(),
            held: 0,
            memory: self,
        }
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Grows a lease from `from` to `to` bytes if nobody waits and it fits.
    fn try_grow(&self, from: usize, to: usize) -> bool {
        let mut state = self.lock();
        if state.waiting() || state.held - from + to > self.limit {
            return false;
        }
        state.held += to - from;
        true
    }

    /// Leases `bytes` (at most the limit), waiting in turn until they fit.
    fn acquire(&self, bytes: usize) {
        let mut state = self.lock();
        let ticket = state.issued;
        state.issued += 1;
        while state.served != ticket || state.held + bytes > self.limit {
            state = self.changed.wait(state).unwrap_or_else(|e| e.into_inner());
        }
        state.held += bytes;
        state.served += 1;
        self.changed.notify_all();
    }

    fn release(&self, bytes: usize) {
        if bytes == 0 {
            return;
        }
        let mut state = self.lock();
        state.held -= bytes;
        self.changed.notify_all();
    }

    fn waiting(&self) -> bool {
        self.lock().waiting()
    }
}

/// One decoding thread's buffer for decompressed text; its capacity is leased from a
/// [`DecodeMemory`] and given back when the buffer is dropped.
pub struct TextBuffer<'m> {
    bytes: Vec<u8>,
    /// Bytes leased: the buffer's capacity.
    held: usize,
    memory: &'m DecodeMemory,
}

impl TextBuffer<'_> {
    /// Gives the buffer's memory back if another thread waits for memory; called between
    /// objects, when the text is no longer needed.
    pub fn settle(&mut self) {
        if self.held > 0 && self.memory.waiting() {
            self.bytes = Vec::new();
            self.memory.release(std::mem::take(&mut self.held));
        }
    }

    /// Bytes this buffer holds on lease.
    pub fn held(&self) -> usize {
        self.held
    }
}

impl OutputBuffer for TextBuffer<'_> {
    fn bytes(&mut self) -> &mut Vec<u8> {
        &mut self.bytes
    }

    fn limit(&self) -> usize {
        self.memory.limit
    }

    fn make_room(&mut self, capacity: usize) {
        let capacity = capacity.min(self.memory.limit);
        self.bytes.clear();
        if capacity <= self.held {
            return;
        }
        // The old text is not needed: free it before allocating, so that the two never
        // exist at once (a reallocation would copy it).
        self.bytes = Vec::new();
        if !self.memory.try_grow(self.held, capacity) {
            self.memory.release(std::mem::take(&mut self.held));
            self.memory.acquire(capacity);
        }
        self.held = capacity;
        self.bytes.reserve_exact(capacity);
    }
}

impl Drop for TextBuffer<'_> {
    fn drop(&mut self) {
        self.memory.release(self.held);
    }
}

/// Why an object was not read: it is larger than one object may be.
pub fn too_large(size: u64, limit: usize) -> String {
    format!(
        "{} MiB is more than the {} MiB one file may take (a quarter of --memory-mib)",
        size.div_ceil(1 << 20),
        limit >> 20
    )
}

/// Why an object was not read: it grew past the limit after it was listed.
pub fn grew_too_large(limit: usize) -> String {
    format!(
        "grew past the {} MiB one file may take (a quarter of --memory-mib) while it was read",
        limit >> 20
    )
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[test]
    fn buffers_lease_their_capacity_and_give_it_back() {
        let memory = DecodeMemory::new(1000);
        let mut a = memory.buffer();
        a.make_room(300);
        assert!(a.bytes().capacity() >= 300);
        assert_eq!(memory.held(), 300);
        // Asking for less keeps what is held; asking past the limit gets the limit.
        a.make_room(100);
        assert_eq!(memory.held(), 300);
        a.make_room(5000);
        assert_eq!((a.held(), memory.held()), (1000, 1000));
        // Nobody waits: settling keeps the memory for the next object.
        a.settle();
        assert_eq!(memory.held(), 1000);
        drop(a);
        assert_eq!(memory.held(), 0);
    }

    #[test]
    fn threads_never_hold_more_than_the_limit_together() {
        // Four threads ask for random sizes up to the whole pool, 200 times each; the
        // pool's own count never passes the limit and everyone finishes (no deadlock).
        let memory = DecodeMemory::new(1 << 20);
        let peak = AtomicUsize::new(0);
        std::thread::scope(|scope| {
            for seed in 0..4u64 {
                let (memory, peak) = (&memory, &peak);
                scope.spawn(move || {
                    let mut buffer = memory.buffer();
                    let mut x = seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1;
                    for _ in 0..200 {
                        x ^= x << 13;
                        x ^= x >> 7;
                        x ^= x << 17;
                        buffer.make_room((x % (1 << 20)) as usize + 1);
                        buffer.bytes().push(1);
                        peak.fetch_max(memory.held(), Ordering::Relaxed);
                        assert!(buffer.bytes().capacity() >= buffer.held());
                        buffer.settle();
                    }
                });
            }
        });
        assert!(peak.load(Ordering::Relaxed) <= 1 << 20);
        assert_eq!(memory.held(), 0);
    }
}
