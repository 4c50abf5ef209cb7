//! The one copse process of a data folder, as the rest of the desktop sees it.
//!
//! A data folder is used by one process at a time (the folder lock). While the window is open,
//! or while copse keeps syncing in the background after the window closed, that process listens
//! on a local socket in the folder ([`socket`]): starting `copse` again asks it to show its
//! window instead of failing with "folder in use", and `copse quit` asks it to stop.
//!
//! Also here: this device's choices about running in the background ([`BackgroundSettings`],
//! a small file beside the data, so they can be changed while copse runs) and the login entry
//! that starts copse in the background ([`autostart`]).

pub mod autostart;
mod settings;
pub mod socket;

use std::ffi::OsString;

pub use settings::BackgroundSettings;
pub use socket::{Answer, AskError, Instance, Request};

/// The flag that starts copse with no window, syncing in the background (the login entry's).
pub const BACKGROUND_FLAG: &str = "--background";

/// Resolves when this process is asked to stop by the system: Ctrl+C or SIGTERM.
pub async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}

/// This process's arguments with `--background` taken out: how to start it again with its
/// window.
pub fn window_arguments(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    args.into_iter()
        .skip(1)
        .filter(|a| a != BACKGROUND_FLAG)
        .collect()
}

/// Replaces this process with a new copse that opens its window, on the same arguments.
///
/// Called once the data folder is closed (its lock released). A new process, because a window
/// system's event loop can be created only once per process. Returns only on failure.
pub fn reopen_with_window() -> std::io::Error {
    let exe = match std::env::current_exe() {
        Ok(exe) => exe,
        Err(e) => return e,
    };
    let mut command = std::process::Command::new(exe);
    command.args(window_arguments(std::env::args_os()));
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        // The same process id: whatever started copse (the login session) still sees it.
        command.exec()
    }
    #[cfg(not(unix))]
    {
        match command.spawn() {
            Ok(_) => std::process::exit(0),
            Err(e) => e,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_window_is_reopened_on_the_same_arguments_without_background() {
        let args = [
            "copse",
            "--data-dir",
            "/d",
            "--background",
            "--relay",
            "off",
        ]
        .map(OsString::from);
        let again = window_arguments(args);
        assert_eq!(
            again,
            ["--data-dir", "/d", "--relay", "off"].map(OsString::from)
        );
    }
}
