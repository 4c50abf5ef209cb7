//! `kill -9` at random moments while notes are being added: every note whose command reported
//! success survives, and the reopened folder is intact.

use std::process::Stdio;
use std::time::{Duration, Instant};

use rand::Rng;

use crate::util::{Folder, ids};

#[test]
fn kill_9_while_adding_notes_loses_no_reported_note() {
    let f = Folder::with_community();
    let mut rng = rand::rng();
    let mut reported: Vec<String> = Vec::new();
    let mut kills = 0;
    for round in 0..6 {
        let kill_at = Instant::now() + Duration::from_millis(rng.random_range(60..500));
        // Bounded: at most 200 commands per round.
        for i in 0..200 {
            let title = format!("note {round}-{i}");
            let mut child = f
                .command(&[
                    "--json",
                    "note",
                    "add",
                    "--title",
                    &title,
                    "--body",
                    "body text",
                ])
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap();
            let finished = loop {
                if let Some(status) = child.try_wait().unwrap() {
                    break Some(status);
                }
                if Instant::now() >= kill_at {
                    child.kill().unwrap(); // SIGKILL
                    child.wait().unwrap();
                    kills += 1;
                    break None;
                }
                std::thread::sleep(Duration::from_millis(1));
            };
            let Some(status) = finished else { break };
            let out = child.wait_with_output().unwrap();
            assert!(
                status.success(),
                "note add failed: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
            reported.push(v["id"].as_str().unwrap().to_string());
        }
        let listed = ids(&f.json(&["note", "list"]));
        for id in &reported {
            assert!(
                listed.contains(id),
                "round {round}: note {id} reported saved but lost"
            );
        }
        // The community document still reads, and a new note can be added after the crash.
        f.ok(&["note", "add", "--title", "after the crash"]);
        reported.push(ids(&f.json(&["note", "list"]))[0].clone());
    }
    assert!(kills >= 6, "every round ended with a kill");
    assert!(
        reported.len() > 12,
        "notes were added between kills ({})",
        reported.len()
    );
}
