//! `kill -9` at random moments while notes are being added: every note whose command reported
//! success survives, and the reopened folder is intact.

use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use rand::Rng;

use crate::util::{Folder, ids};

/// Starts `copse note add`, printing the new note's id as JSON.
fn add_note(f: &Folder, title: &str) -> Child {
    f.command(&[
        "--json",
        "note",
        "add",
        "--title",
        title,
        "--body",
        "body text",
    ])
    .stdout(Stdio::piped())
    .stderr(Stdio::piped())
    .spawn()
    .unwrap()
}

/// Waits for a command that must succeed and returns the id it reported.
fn reported_id(child: Child) -> String {
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "note add failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    v["id"].as_str().unwrap().to_string()
}

#[test]
fn kill_9_while_adding_notes_loses_no_reported_note() {
    let f = Folder::with_community();
    let mut rng = rand::rng();
    let mut reported: Vec<String> = Vec::new();
    let mut kills = 0;
    for round in 0..8 {
        // A few notes that complete, then one killed at a random moment of its life: somewhere
        // within the time a completed command took, so the kill lands mid-command.
        let mut quickest = Duration::from_secs(10);
        for i in 0..rng.random_range(1..4) {
            let started = Instant::now();
            reported.push(reported_id(add_note(&f, &format!("note {round}-{i}"))));
            quickest = quickest.min(started.elapsed());
        }
        let mut victim = add_note(&f, &format!("victim {round}"));
        let window = (quickest.as_micros() as u64 * 9 / 10).max(1);
        let kill_at = Instant::now() + Duration::from_micros(rng.random_range(0..window));
        while Instant::now() < kill_at && victim.try_wait().unwrap().is_none() {
            std::thread::sleep(Duration::from_micros(200));
        }
        if victim.try_wait().unwrap().is_none() {
            victim.kill().unwrap(); // SIGKILL
            victim.wait().unwrap();
            kills += 1;
        } else {
            reported.push(reported_id(victim));
        }

        let listed = ids(&f.json(&["note", "list"]));
        for id in &reported {
            assert!(
                listed.contains(id),
                "round {round}: note {id} reported saved but lost"
            );
        }
    }
    // The folder still takes new work after all the kills.
    reported.push(f.ok(&["note", "add", "--title", "after the crashes"]));
    assert!(ids(&f.json(&["note", "list"])).contains(reported.last().unwrap()));
    assert!(kills >= 1, "at least one process was killed mid-command");
}
