//! Real `copse` processes syncing over loopback (relays and mDNS off): init, invite, serve in
//! the background, join from a second folder, note add + sync; both folders list the same notes.

use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::Duration;

use crate::util::{Folder, ids};

pub(crate) const LOOPBACK: [&str; 6] = ["--relay", "off", "--mdns", "off", "--bind", "127.0.0.1:0"];

pub(crate) fn with_loopback<'a>(args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend_from_slice(&LOOPBACK);
    all
}

/// `copse serve` in the background, once it says it is serving.
pub(crate) fn serve(folder: &Folder) -> Child {
    let mut child = folder
        .command(&with_loopback(&["serve"]))
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(line) if line.starts_with("serving as device") => return child,
            Ok(_) => continue,
            Err(e) => panic!("copse serve did not start: {e}"),
        }
    }
}

/// Ada serves, and Bob joins through a one-use invite of hers: the start of every test where
/// two real processes sync. Returns Bob's folder and Ada's `serve`.
pub(crate) fn serve_and_join_bob(ada: &Folder) -> (Folder, Child) {
    let invite = ada.json(&with_loopback(&["invite", "--uses", "1"]));
    let server = serve(ada);
    let bob = Folder::new();
    bob.ok(&with_loopback(&[
        "join",
        invite["ticket"].as_str().unwrap(),
        "--me",
        "Bob",
    ]));
    (bob, server)
}

/// Stops `copse serve` the way a service manager would, and insists it shut down cleanly.
pub(crate) fn stop(mut child: Child) {
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = std::time::Instant::now() + Duration::from_secs(30);
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            assert!(status.success(), "serve exited with {status}");
            return;
        }
        assert!(std::time::Instant::now() < deadline, "serve did not stop");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn sorted_notes(folder: &Folder) -> Vec<String> {
    let mut list = ids(&folder.json(&["note", "list"]));
    list.sort();
    list
}

#[test]
fn two_folders_sync_through_invite_serve_join_and_sync() {
    let ada = Folder::with_community();
    ada.ok(&[
        "note",
        "add",
        "--title",
        "Welcome",
        "--body",
        "Read this first",
    ]);
    let invite = ada.json(&with_loopback(&[
        "invite",
        "--uses",
        "1",
        "--expires",
        "1h",
    ]));
    let ticket = invite["ticket"].as_str().unwrap().to_string();

    let server = serve(&ada);
    let bob = Folder::new();
    // Line breaks and spaces in a pasted ticket do not matter.
    let wrapped = ticket
        .chars()
        .collect::<Vec<_>>()
        .chunks(40)
        .map(|c| c.iter().collect::<String>())
        .collect::<Vec<_>>()
        .join("\n ");
    let joined = bob.json(&with_loopback(&["join", &wrapped, "--me", "Bob"]));
    assert_eq!(joined["name"], "Gardeners");
    assert_eq!(joined["notes"], 1);
    assert_eq!(joined["members"], 2);

    // A spent invite is refused with a clear error.
    let carol = Folder::new();
    let err = carol.fails(&with_loopback(&["join", &ticket, "--me", "Carol"]));
    assert!(err.contains("refused"), "{err}");

    bob.ok(&["note", "add", "--title", "From Bob", "--body", "hello"]);
    let synced = bob.json(&with_loopback(&["sync", "--timeout", "30"]));
    assert_eq!(synced["peers"].as_array().unwrap().len(), 1);
    stop(server);

    assert_eq!(
        sorted_notes(&ada),
        sorted_notes(&bob),
        "both folders list the same notes"
    );
    assert_eq!(sorted_notes(&ada).len(), 2);

    // And the other way: Ada writes while Bob is away; Bob syncs later.
    ada.ok(&["note", "add", "--title", "From Ada", "--body", "later"]);
    let server = serve(&ada);
    bob.ok(&with_loopback(&["sync", "--timeout", "30"]));
    let peers = bob.json(&with_loopback(&["peers"]));
    assert_eq!(peers.as_array().unwrap().len(), 2, "two member devices");
    stop(server);
    assert_eq!(sorted_notes(&ada), sorted_notes(&bob));
    assert_eq!(sorted_notes(&bob).len(), 3);
}

#[test]
fn a_member_reads_from_the_folder_serve_holds_and_sees_what_a_member_synced() {
    let ada = Folder::with_community();
    let (bob, server) = serve_and_join_bob(&ada);
    bob.ok(&[
        "note",
        "add",
        "--title",
        "From Bob",
        "--body",
        "seed swap in spring",
    ]);
    bob.ok(&with_loopback(&["sync", "--timeout", "30"]));

    // While serve holds Ada's folder, her scripts still read it, including what just arrived.
    let listed = ada.json(&["note", "list"]);
    let titles: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap())
        .collect();
    assert_eq!(titles, ["From Bob"], "{listed}");
    let found = ada.json(&["search", "spring"]);
    assert_eq!(found["total"], 1, "{found}");
    // Changes wait for the running copse: refused with the next step.
    let err = ada.fails(&["topic", "add", "--title", "Beside serve"]);
    assert!(err.contains("stop `copse serve`"), "{err}");
    stop(server);
    assert!(ada.json(&["topic", "list"]).as_array().unwrap().is_empty());
}

#[test]
fn sync_with_nobody_reachable_fails_clearly() {
    let ada = Folder::with_community();
    let err = ada.fails(&with_loopback(&["sync", "--timeout", "1"]));
    // In words, with the next step, and no "network:" jargon (issue 12 item 5).
    assert!(
        err.contains("no member's device could be reached in time")
            && err.contains("run `copse sync` again while a member is online"),
        "{err}"
    );
    assert!(!err.contains("network:"), "{err}");
    let err = ada.fails(&with_loopback(&["join", "not-a-ticket"]));
    assert!(err.contains("invite"), "{err}");
}

#[test]
fn a_member_killed_mid_sync_rejoins_from_disk_and_converges() {
    let ada = Folder::with_community();
    let (bob, server) = serve_and_join_bob(&ada);

    // Bob serves too, and is killed with SIGKILL while connected.
    for i in 0..5 {
        bob.ok(&["note", "add", "--title", &format!("Bob {i}")]);
    }
    let mut bob_server = serve(&bob);
    std::thread::sleep(Duration::from_millis(300));
    bob_server.kill().unwrap();
    bob_server.wait().unwrap();

    // Restarted from its data folder, Bob syncs and both converge.
    bob.ok(&["note", "add", "--title", "after the kill"]);
    bob.ok(&with_loopback(&["sync", "--timeout", "30"]));
    stop(server);
    assert_eq!(sorted_notes(&ada), sorted_notes(&bob));
    assert_eq!(sorted_notes(&ada).len(), 6);
}

#[test]
fn a_second_device_is_linked_listed_and_removed_from_the_command_line() {
    let ada = Folder::with_community();
    let invite = ada.json(&with_loopback(&["device", "add", "--label", "Desktop"]));
    assert_eq!(invite["expires_in_secs"], 900, "15 minutes by default");
    let server = serve(&ada);
    let desktop = Folder::new();
    let joined = desktop.json(&with_loopback(&[
        "join",
        invite["ticket"].as_str().unwrap(),
    ]));
    assert_eq!(joined["linked_device"], true, "{joined}");
    assert_eq!(joined["member_name"], "Ada");
    assert_eq!(joined["members"], 1, "one person");
    let human = desktop.ok(&["device", "list"]);
    assert!(human.contains("this device"), "{human}");
    desktop.ok(&["note", "add", "--title", "From the desktop"]);
    desktop.ok(&with_loopback(&["sync", "--timeout", "30"]));
    stop(server);

    let devices = ada.json(&["device", "list"]);
    let labels: Vec<&str> = devices
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["label"].as_str().unwrap_or("-"))
        .collect();
    assert_eq!(labels, ["-", "Desktop"], "{devices}");
    let listed = ada.ok(&["note", "list"]);
    assert!(
        listed.contains("From the desktop") && listed.contains("by Ada"),
        "{listed}"
    );
    let desktop_id = devices[1]["device"].as_str().unwrap();
    let mine = devices[0]["device"].as_str().unwrap();
    let err = ada.fails(&["device", "remove", mine]);
    assert!(err.contains("the device you are using"), "{err}");
    ada.ok(&["device", "remove", desktop_id]);
    assert_eq!(ada.json(&["device", "list"]).as_array().unwrap().len(), 1);
    assert_eq!(
        ada.json(&["whoami"])["communities"][0]["name"],
        "Ada",
        "still a member"
    );
}
