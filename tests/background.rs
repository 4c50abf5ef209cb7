//! copse without its window, with real processes: started in the background (the login entry's
//! way), or left syncing when the window closes; a second start shows the window of the copse
//! that runs, and `copse quit` stops it once everything is saved.
//!
//! The window test runs under Xvfb and closes the window as a window manager would, with a
//! `WM_DELETE_WINDOW` message (x11rb, the X library winit itself uses).

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::cli_sync::with_loopback;
use crate::util::Folder;
use crate::window::has_xvfb;

const PATIENCE: Duration = Duration::from_secs(40);

/// How the copse on `folder` runs, from `copse background --json` ("background", "window", or
/// null when none runs).
fn running(folder: &Folder) -> serde_json::Value {
    folder.json(&["background"])["running"].clone()
}

/// Waits until the copse on `folder` runs as `state` ("background", "window"), bounded.
fn until_running(folder: &Folder, state: &str, child: &mut Child) {
    let deadline = Instant::now() + PATIENCE;
    for _ in 0..400 {
        if running(folder) == state {
            return;
        }
        if let Some(status) = child.try_wait().unwrap() {
            panic!("copse ended ({status}) before running as {state}");
        }
        assert!(Instant::now() < deadline, "copse never ran as {state}");
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("copse never ran as {state}");
}

/// Waits for `child` to end, bounded, and insists it ended well.
fn ends_well(child: &mut Child) {
    let deadline = Instant::now() + PATIENCE;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "copse exited with {status}");
            return;
        }
        assert!(Instant::now() < deadline, "copse did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn copse_started_in_the_background_is_found_by_a_second_start_and_stopped_by_quit() {
    let ada = Folder::with_community();
    assert_eq!(running(&ada), serde_json::Value::Null);
    let mut background = ada
        .command(&with_loopback(&["--background"]))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    until_running(&ada, "background", &mut background);

    // The login entry starting it again finds it running and leaves it be.
    let again = ada.ok(&with_loopback(&["--background"]));
    assert_eq!(again, "copse is running in the background, syncing");
    // Reading works beside it; writing asks for the running copse to be stopped or used.
    assert_eq!(ada.note_titles(), Vec::<String>::new());

    let quit = ada.json(&["quit"]);
    assert_eq!(quit["was_running"], true, "{quit}");
    ends_well(&mut background);
    assert_eq!(running(&ada), serde_json::Value::Null);
    assert!(
        !ada.path().join("copse.sock").exists(),
        "no socket is left behind"
    );
    let quit = ada.json(&["quit"]);
    assert_eq!(quit["was_running"], false, "{quit}");
}

#[test]
fn settings_for_the_background_are_shown_and_changed_from_the_command_line() {
    let ada = Folder::with_community();
    let config = tempfile::tempdir().unwrap();
    let background = |args: &[&str]| {
        let out = ada
            .command(&[&["--json", "background"], args].concat())
            .env("XDG_CONFIG_HOME", config.path())
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap()
    };
    let before = background(&[]);
    assert_eq!(before["keep_syncing"], false, "{before}");
    assert_eq!(before["start_at_login"], false, "{before}");

    let after = background(&["--keep-syncing", "on", "--start-at-login", "on"]);
    assert_eq!(after["keep_syncing"], true, "{after}");
    assert_eq!(after["start_at_login"], true, "{after}");
    let entries: Vec<_> = std::fs::read_dir(config.path().join("autostart"))
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .collect();
    assert_eq!(entries.len(), 1);
    let folder = std::path::absolute(ada.path()).unwrap();
    assert!(
        entries[0].contains(&format!(
            " --background --data-dir \"{}\"\n",
            folder.display()
        )),
        "{}",
        entries[0]
    );

    let off = background(&["--start-at-login", "off"]);
    assert_eq!(off["start_at_login"], false, "{off}");
    assert_eq!(off["keep_syncing"], true, "the other choice stays: {off}");
    let err = ada.fails(&["background", "--keep-syncing", "maybe"]);
    assert!(err.contains("maybe"), "{err}");
}

/// The window of `copse` on `folder` under its own Xvfb (open to local clients, `-ac`), whose
/// display name is written to `display_file` once the server runs.
fn window_under_xvfb(folder: &Folder, display_file: &Path) -> Child {
    let copse = env!("CARGO_BIN_EXE_copse");
    let script = format!(
        "printf '%s' \"$DISPLAY\" > '{}'; exec '{copse}' \"$@\"",
        display_file.display()
    );
    let mut command = Command::new("xvfb-run");
    command
        .args([
            "-a",
            "-s",
            "-ac -screen 0 1100x720x24",
            "sh",
            "-c",
            &script,
            "copse",
        ])
        .arg("--data-dir")
        .arg(folder.path())
        .args(with_loopback(&[]))
        .env_remove("COPSE_DATA_DIR")
        .env("TZ", "UTC0")
        .env(
            "COPSE_NOW",
            folder
                .now()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        )
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    // Its own process group, so that a failing test takes Xvfb and copse down with it.
    std::os::unix::process::CommandExt::process_group(&mut command, 0);
    command.spawn().unwrap()
}

/// Ends the process group of a test's window (xvfb-run, Xvfb, copse) when the test ends, well or
/// not; after a clean quit there is nothing left to end.
struct Group(u32);

impl Drop for Group {
    fn drop(&mut self) {
        let _ = Command::new("kill")
            .args(["-KILL", "--", &format!("-{}", self.0)])
            .stderr(Stdio::null())
            .status();
    }
}

/// Closes every top-level window titled "copse" on the display named in `display_file`, as a
/// window manager does when its close button is pressed.
fn close_window(display_file: &Path) {
    use x11rb::connection::Connection;
    use x11rb::protocol::xproto::{AtomEnum, ClientMessageEvent, ConnectionExt, EventMask};
    use x11rb::wrapper::ConnectionExt as _;

    let display = std::fs::read_to_string(display_file).unwrap();
    let (conn, screen) = x11rb::connect(Some(&display)).unwrap();
    let root = conn.setup().roots[screen].root;
    let atom = |name: &str| {
        conn.intern_atom(false, name.as_bytes())
            .unwrap()
            .reply()
            .unwrap()
            .atom
    };
    let (protocols, delete) = (atom("WM_PROTOCOLS"), atom("WM_DELETE_WINDOW"));
    // The window may still be on its way up: look again, bounded.
    let deadline = Instant::now() + PATIENCE;
    let window = loop {
        let named_copse = conn
            .query_tree(root)
            .unwrap()
            .reply()
            .unwrap()
            .children
            .into_iter()
            .filter(|&window| {
                // A window gone meanwhile has no name.
                conn.get_property(false, window, AtomEnum::WM_NAME, AtomEnum::ANY, 0, 64)
                    .unwrap()
                    .reply()
                    .is_ok_and(|p| p.value == b"copse")
            })
            .collect::<Vec<_>>();
        match named_copse.as_slice() {
            [window] => break *window,
            [] => {}
            more => panic!("one copse window, not {}", more.len()),
        }
        assert!(Instant::now() < deadline, "no copse window appeared");
        std::thread::sleep(Duration::from_millis(100));
    };
    let event = ClientMessageEvent::new(32, window, protocols, [delete, 0, 0, 0, 0]);
    conn.send_event(false, window, EventMask::NO_EVENT, event)
        .unwrap();
    conn.sync().unwrap();
}

#[test]
fn closing_the_window_keeps_copse_syncing_until_a_second_start_shows_it_again_and_quit() {
    if !has_xvfb(
        "closing_the_window_keeps_copse_syncing_until_a_second_start_shows_it_again_and_quit",
    ) {
        return;
    }
    let ada = Folder::with_community();
    ada.ok(&["background", "--keep-syncing", "on"]);
    let invite = ada.json(&with_loopback(&["invite", "--uses", "1"]));
    let display_file = ada.path().join("display.txt");
    let mut copse = window_under_xvfb(&ada, &display_file);
    let _group = Group(copse.id());
    until_running(&ada, "window", &mut copse);

    close_window(&display_file);
    until_running(&ada, "background", &mut copse);

    // With the window closed, Ada's copse still admits Bob and receives his note.
    let bob = Folder::new();
    bob.ok(&with_loopback(&[
        "join",
        invite["ticket"].as_str().unwrap(),
        "--me",
        "Bob",
    ]));
    bob.ok(&[
        "note",
        "add",
        "--title",
        "Written while Ada's window was closed",
    ]);
    bob.ok(&with_loopback(&["sync", "--timeout", "30"]));

    // Starting copse again opens the window of the one that runs (no second copse).
    let shown = ada
        .command(&with_loopback(&[]))
        .env_remove("DISPLAY")
        .output()
        .unwrap();
    assert!(
        shown.status.success(),
        "{}",
        String::from_utf8_lossy(&shown.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&shown.stdout).trim(),
        "copse was running in the background; its window is opening"
    );
    until_running(&ada, "window", &mut copse);

    let quit = ada.json(&["quit"]);
    assert_eq!(quit["was_running"], true, "{quit}");
    ends_well(&mut copse);
    assert_eq!(
        ada.note_titles(),
        ["Written while Ada's window was closed"],
        "what arrived in the background is on disk"
    );
}
