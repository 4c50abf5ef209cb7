//! [`Progress`]: how far a long operation (an export, an import) has come, shared with whoever
//! shows it. The operation counts up; a window reads the counts each frame without waiting.

use std::sync::atomic::{AtomicUsize, Ordering};

/// Items done out of a total, readable from any thread.
#[derive(Debug, Default)]
pub struct Progress {
    done: AtomicUsize,
    total: AtomicUsize,
}

impl Progress {
    /// Starts counting towards `total`.
    pub fn start(&self, total: usize) {
        self.done.store(0, Ordering::Relaxed);
        self.total.store(total, Ordering::Relaxed);
    }

    /// One more item done.
    pub fn advance(&self) {
        self.done.fetch_add(1, Ordering::Relaxed);
    }

    /// (done, total) as of now.
    pub fn get(&self) -> (usize, usize) {
        (
            self.done.load(Ordering::Relaxed),
            self.total.load(Ordering::Relaxed),
        )
    }
}
