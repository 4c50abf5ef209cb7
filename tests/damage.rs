//! Damage named and healed: the real `copse` binary on data folders whose `copse.db` was
//! damaged by hand.

use crate::cli_sync::{serve, serve_and_join_bob, stop, with_loopback};
use crate::util::Folder;

/// Flips a byte in the middle of every stored chunk of `doc`.
fn damage(f: &Folder, doc: &str) {
    let db = rusqlite::Connection::open(f.db()).unwrap();
    let rows = db
        .prepare("SELECT key, data FROM chunks WHERE key LIKE ?1")
        .unwrap()
        .query_map([format!("{doc}/%")], |r| {
            Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
        })
        .unwrap()
        .collect::<Result<Vec<_>, _>>()
        .unwrap();
    assert!(!rows.is_empty(), "{doc} has stored chunks");
    for (key, mut data) in rows {
        let middle = data.len() / 2;
        data[middle] ^= 0xff;
        db.execute(
            "UPDATE chunks SET data = ?1 WHERE key = ?2",
            rusqlite::params![data, key],
        )
        .unwrap();
    }
}

fn community_id(f: &Folder) -> String {
    f.json(&["communities"])[0]["id"]
        .as_str()
        .unwrap()
        .to_string()
}

#[test]
fn a_damaged_note_is_marked_in_listings_and_named_in_the_warning() {
    let f = Folder::with_community();
    let hurt = f.ok(&["note", "add", "--title", "Compost", "--body", "hurt"]);
    let fine = f.ok(&["note", "add", "--title", "Seeds", "--body", "fine"]);
    damage(&f, &hurt);

    // The listing is the first command after the damage: it finds it, without a `show` first.
    let out = f.run(&["--json", "note", "list"]);
    assert!(out.status.success());
    let list: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let marked: Vec<(&str, bool)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|n| (n["id"].as_str().unwrap(), n["damaged"].as_bool().unwrap()))
        .collect();
    assert!(marked.contains(&(hurt.as_str(), true)), "{list}");
    assert!(marked.contains(&(fine.as_str(), false)), "{list}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains(&format!("note \"Compost\" ({hurt}) is damaged")),
        "the warning names the note: {stderr}"
    );
    assert!(!stderr.contains("Seeds"), "{stderr}");

    let human = f.ok(&["note", "list"]);
    let line = human.lines().find(|l| l.contains("Compost")).unwrap();
    assert!(line.contains("[damaged"), "{human}");

    let err = f.fails(&["note", "show", &hurt]);
    assert!(err.contains("is damaged"), "{err}");
    assert!(!err.contains("no note with id"), "{err}");
    assert_eq!(f.json(&["note", "show", &fine])["body"], "fine");
}

/// Changes one character of the document id in every stored key of `doc`: the chunks are
/// intact, but no longer filed under the note.
fn damage_keys(f: &Folder, doc: &str) {
    let db = rusqlite::Connection::open(f.db()).unwrap();
    let flipped = if doc.starts_with('2') { "3" } else { "2" };
    let changed = db
        .execute(
            "UPDATE chunks SET key = ?1 || substr(key, 2) WHERE key LIKE ?2",
            rusqlite::params![flipped, format!("{doc}/%")],
        )
        .unwrap();
    assert!(changed > 0, "{doc} has stored chunks");
}

#[test]
fn a_note_whose_stored_keys_were_damaged_is_named_as_not_on_this_device() {
    let f = Folder::with_community();
    let hurt = f.ok(&["note", "add", "--title", "Compost", "--body", "hurt"]);
    f.ok(&["note", "add", "--title", "Seeds", "--body", "fine"]);
    damage_keys(&f, &hurt);

    let out = f.run(&["note", "list"]);
    assert!(out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("1 note listed here is not on this device")
            && stderr.contains("copse sync"),
        "the listing warns: {stderr}"
    );
    let err = f.fails(&["note", "show", &hurt]);
    assert!(
        err.contains("is listed in the community but is not on this device"),
        "{err}"
    );
    assert!(!err.contains("no note with id"), "{err}");
}

#[test]
fn a_damaged_community_document_is_named_as_damage_not_as_missing() {
    let f = Folder::with_community();
    f.ok(&["note", "add", "--title", "Compost"]);
    let id = community_id(&f);
    damage(&f, &id);
    let err = f.fails(&["note", "list"]);
    assert!(
        err.contains(&format!("the community {id} is damaged")),
        "{err}"
    );
    assert!(!err.contains("no community with id"), "{err}");
    assert!(err.contains("backup"), "says what to do: {err}");
}

#[test]
fn a_damaged_note_is_fetched_again_from_a_member_at_the_next_sync() {
    let ada = Folder::with_community();
    let (bob, server) = serve_and_join_bob(&ada);
    stop(server);
    let note = ada.ok(&["note", "add", "--title", "Compost", "--body", "kept by Bob"]);
    let server = serve(&ada);
    bob.ok(&with_loopback(&["sync", "--timeout", "30"]));
    stop(server);
    assert_eq!(bob.json(&["note", "show", &note])["body"], "kept by Bob");

    // Ada's copy is damaged; Bob has it.
    damage(&ada, &note);
    let err = ada.fails(&["note", "show", &note]);
    assert!(err.contains("is damaged"), "{err}");

    let server = serve(&bob);
    let out = ada.run(&with_loopback(&["sync", "--timeout", "30"]));
    stop(server);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let shown = ada.run(&["--json", "note", "show", &note]);
    assert!(shown.status.success(), "fetched again");
    let body: serde_json::Value = serde_json::from_slice(&shown.stdout).unwrap();
    assert_eq!(body["body"], "kept by Bob");
    let stderr = String::from_utf8_lossy(&shown.stderr);
    assert!(!stderr.contains("damaged"), "the warning cleared: {stderr}");
    let list = ada.json(&["note", "list"]);
    assert!(
        list.as_array()
            .unwrap()
            .iter()
            .all(|n| n["damaged"] == false),
        "{list}"
    );
}
