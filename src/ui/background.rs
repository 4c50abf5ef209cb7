//! What copse does with no window: syncing with members until asked to show the window or to
//! stop, over the data folder's local socket ([`Instance`]) or by Ctrl+C/SIGTERM.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use tokio::sync::mpsc;

use crate::instance::{Answer, Instance, Request, stop_signal};

/// What ends the time in the background.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Next {
    /// Stop copse.
    Quit,
    /// Start copse again with its window.
    ShowWindow,
}

/// Waits, while the node keeps syncing, until another process asks for the window or for
/// copse to stop (`instance`, if this process could listen), or the system asks it to stop.
/// `quit` is the process's one "asked to quit" flag: a Quit that came while the window was
/// closing is not lost.
pub async fn until_asked(instance: Option<&Instance>, quit: &Arc<AtomicBool>) -> Next {
    let (tx, mut rx) = mpsc::unbounded_channel();
    if let Some(instance) = instance {
        let quit = quit.clone();
        instance.set_handler(move |request| {
            let (next, answer) = match request {
                Request::State => return Answer::Background,
                Request::Show => (Next::ShowWindow, Answer::OpeningWindow),
                Request::Quit => {
                    quit.store(true, Ordering::SeqCst);
                    (Next::Quit, Answer::Stopping)
                }
            };
            match tx.send(next) {
                Ok(()) => answer,
                // Already on its way out.
                Err(_) => Answer::Stopping,
            }
        });
    }
    if quit.load(Ordering::SeqCst) {
        return Next::Quit;
    }
    tokio::select! {
        Some(next) = rx.recv() => next,
        () = stop_signal() => Next::Quit,
    }
}
