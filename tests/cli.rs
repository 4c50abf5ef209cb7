//! The command line end to end: what a script or a member at a terminal sees.

use std::io::Write;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::util::{Folder, ids};

#[test]
fn init_then_notes_round_trip_with_non_ascii_text() {
    let f = Folder::with_community();
    let communities = f.json(&["communities"]);
    assert_eq!(communities[0]["name"], "Gardeners");
    assert_eq!(communities[0]["members"], 1);

    let id = f.ok(&["note", "add", "--title", "Soil", "--body", "Grüße 🌱 你好"]);
    f.ok(&["note", "edit", &id, "--append", "\nmore"]);
    let comment = f.ok(&["note", "comment", &id, "Lovely"]);
    let note = f.json(&["note", "show", &id]);
    assert_eq!(note["body"], "Grüße 🌱 你好\nmore");
    assert_eq!(note["comments"][0]["id"], comment.as_str());
    assert_eq!(note["comments"][0]["text"], "Lovely");

    f.ok(&["note", "edit", &id, "--body", "Replaced"]);
    assert_eq!(f.json(&["note", "show", &id])["body"], "Replaced");
    assert_eq!(ids(&f.json(&["note", "list"])), vec![id]);
}

#[test]
fn note_body_from_a_file() {
    let f = Folder::with_community();
    let path = f.path().join("body.md");
    std::fs::write(&path, "# Heading\n\nText").unwrap();
    let id = f.ok(&[
        "note",
        "add",
        "--title",
        "From file",
        "--body-file",
        path.to_str().unwrap(),
    ]);
    assert_eq!(f.json(&["note", "show", &id])["body"], "# Heading\n\nText");
}

#[test]
fn topics_endorse_once_and_nest() {
    let f = Folder::with_community();
    let parent = f.ok(&[
        "topic",
        "add",
        "--title",
        "Composting",
        "--description",
        "Hot and cold",
    ]);
    let child = f.ok(&["topic", "add", "--title", "Worms", "--parent", &parent]);
    assert_eq!(f.ok(&["topic", "endorse", &child]), "endorsed");
    assert_eq!(
        f.ok(&["topic", "endorse", &child]),
        "you already endorse this topic"
    );
    f.ok(&["topic", "status", &parent, "planned"]);

    let topics = f.json(&["topic", "list"]);
    assert_eq!(
        ids(&topics),
        vec![child.clone(), parent.clone()],
        "most endorsed first"
    );
    assert_eq!(topics[0]["parent"], parent.as_str());
    assert_eq!(topics[0]["endorsements"].as_array().unwrap().len(), 1);
    assert_eq!(topics[1]["status"], "planned");

    let note = f.ok(&["note", "add", "--title", "Worm bins"]);
    f.ok(&["topic", "link", &child, &note]);
    let topics = f.json(&["topic", "list"]);
    assert_eq!(topics[0]["notes"][0], note.as_str());
    let err = f.fails(&["topic", "link", &child, "no-such-note"]);
    assert!(err.contains("no note with id no-such-note"), "{err}");

    let err = f.fails(&["topic", "status", &parent, "finished"]);
    assert!(err.contains("not a topic status"), "{err}");
    let err = f.fails(&["topic", "add", "--title", "Orphan", "--parent", "nope"]);
    assert!(err.contains("no topic with id nope"), "{err}");
}

#[test]
fn a_case_walks_through_its_phases_and_refuses_early_advice() {
    let f = Folder::with_community();
    let case = f.ok(&[
        "case",
        "open",
        "--title",
        "Team won't adopt reviews",
        "--situation",
        "We tried twice.",
    ]);
    let err = f.fails(&["case", "suggest", &case, "Try pairing"]);
    assert!(
        err.contains("clarify phase"),
        "a suggestion during Clarify says why: {err}"
    );
    let err = f.fails(&["case", "ask", &case, "Why?"]);
    assert!(err.contains("presenter"), "{err}");

    assert_eq!(f.json(&["case", "advance", &case])["phase"], "suggest");
    // The presenter takes the move back while nobody has written in Suggest.
    assert_eq!(f.json(&["case", "undo-advance", &case])["phase"], "clarify");
    let err = f.fails(&["case", "undo-advance", &case]);
    assert!(err.contains("no move on to undo"), "{err}");
    assert_eq!(f.json(&["case", "advance", &case])["phase"], "suggest");
    f.ok(&["case", "comment", &case, "Listening"]);
    let err = f.fails(&["case", "undo-advance", &case]);
    assert!(err.contains("already written in the new phase"), "{err}");
    assert_eq!(f.json(&["case", "advance", &case])["phase"], "reflect");
    let err = f.fails(&["case", "advance", &case]);
    assert!(err.contains("close the case"), "{err}");
    f.ok(&[
        "case",
        "close",
        &case,
        "--outcome",
        "Pilot with one team",
        "--action",
        "Ask the lead",
    ]);

    let shown = f.json(&["case", "show", &case]);
    assert_eq!(shown["phase"], "closed");
    assert_eq!(shown["outcome"], "Pilot with one team");
    assert_eq!(shown["next_actions"][0]["text"], "Ask the lead");
    assert_eq!(ids(&f.json(&["case", "list"])), vec![case]);
}

#[test]
fn member_profile_and_whoami() {
    let f = Folder::with_community();
    f.ok(&[
        "member",
        "set",
        "--name",
        "Ada L.",
        "--skill",
        "Rust",
        "--skill",
        "Facilitation",
        "--objective",
        "Mentoring",
    ]);
    let me = f.json(&["whoami"]);
    assert_eq!(me["communities"][0]["name"], "Ada L.");
    assert_eq!(
        me["device"].as_str().unwrap().len(),
        64,
        "an iroh endpoint id in hex"
    );
    f.fails(&["member", "set"]);
}

#[test]
fn bad_input_gets_a_clear_error_and_changes_nothing() {
    let f = Folder::with_community();
    let err = f.fails(&["note", "add", "--title", "   "]);
    assert!(err.contains("title must not be empty"), "{err}");
    let err = f.fails(&["note", "show", "no-such-note"]);
    assert!(err.contains("no note with id"), "{err}");
    let err = f.fails(&["note", "comment", "has spaces", "x"]);
    assert!(err.contains("not a valid"), "{err}");

    let big = f.path().join("big.md");
    std::fs::write(&big, "x".repeat(10 * 1024 * 1024)).unwrap();
    let err = f.fails(&[
        "note",
        "add",
        "--title",
        "Huge",
        "--body-file",
        big.to_str().unwrap(),
    ]);
    assert!(err.contains("limited to"), "{err}");
    let mut piped = f
        .command(&["note", "add", "--title", "Huge", "--body-file", "-"])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // The pipe may close early once copse has refused; either way nothing is stored.
    let _ = piped
        .stdin
        .take()
        .unwrap()
        .write_all("y".repeat(2 * 1024 * 1024).as_bytes());
    let out = piped.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success() && err.contains("too long"), "{err}");

    assert!(f.json(&["note", "list"]).as_array().unwrap().is_empty());
    let err = f.fails(&["--community", "unknown", "note", "list"]);
    assert!(err.contains("no community with id unknown"), "{err}");
}

#[test]
fn commands_need_a_community_and_pick_among_several() {
    let f = Folder::new();
    let err = f.fails(&["note", "list"]);
    assert!(err.contains("copse init"), "{err}");
    let a = f.ok(&["init", "--name", "A"]);
    let b = f.ok(&["init", "--name", "B"]);
    let err = f.fails(&["note", "list"]);
    assert!(err.contains("--community"), "{err}");
    f.ok(&["--community", &b, "note", "add", "--title", "in B"]);
    assert!(
        f.json(&["--community", &a, "note", "list"])
            .as_array()
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        f.json(&["note", "list", "--community", &b])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn a_second_process_reads_beside_the_holder_and_is_told_who_holds_it_when_it_writes() {
    let f = Folder::with_community();
    f.ok(&[
        "note",
        "add",
        "--title",
        "Stored",
        "--body",
        "already on disk",
    ]);
    // `--body-file -` waits on stdin while holding the folder open.
    let mut holder = f
        .command(&["note", "add", "--title", "Held", "--body-file", "-"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    let pid = format!("pid {}", holder.id());
    // Wait until the holder has the folder and has named itself in the lock file.
    let lock_file = f.path().join("copse.lock");
    while !std::fs::read_to_string(&lock_file)
        .unwrap_or_default()
        .contains(&pid)
    {
        assert!(
            Instant::now() < deadline,
            "the holder never took the folder"
        );
        std::thread::sleep(Duration::from_millis(10));
    }
    // Reading works beside it: what is stored is listed and shown.
    let listed = f.json(&["note", "list"]);
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed}");
    assert_eq!(listed[0]["title"], "Stored");
    let id = listed[0]["id"].as_str().unwrap().to_string();
    let shown = f.ok(&["note", "show", &id]);
    assert!(shown.contains("already on disk"), "{shown}");
    // A change is refused, naming the holder, and nothing is written.
    let err = f.fails(&["note", "add", "--title", "Beside", "--body", "x"]);
    assert!(
        err.contains("open in another copse process") && err.contains(&pid),
        "names the holder's pid: {err}"
    );
    assert!(err.contains("only read"), "{err}");
    holder
        .stdin
        .take()
        .unwrap()
        .write_all(b"body text")
        .unwrap();
    let out = holder.wait_with_output().unwrap();
    assert!(out.status.success());
    assert_eq!(
        f.note_titles(),
        ["Held", "Stored"],
        "the refused note was never written"
    );
    f.ok(&["note", "add", "--title", "After", "--body", "free again"]);
}

#[test]
fn a_garbage_database_is_reported_and_left_untouched() {
    let f = Folder::new();
    let garbage: Vec<u8> = (0..8192u32).map(|i| (i * 7919 % 251) as u8).collect();
    std::fs::write(f.db(), &garbage).unwrap();
    let err = f.fails(&["communities"]);
    assert!(err.contains("copse.db"), "names the file: {err}");
    assert_eq!(std::fs::read(f.db()).unwrap(), garbage, "never modified");
}

#[test]
fn a_damaged_chunk_is_set_aside_and_the_rest_still_loads() {
    let f = Folder::with_community();
    let damaged = f.ok(&[
        "note",
        "add",
        "--title",
        "Damaged",
        "--body",
        "will be hurt",
    ]);
    let intact = f.ok(&["note", "add", "--title", "Intact", "--body", "still here"]);
    {
        let db = rusqlite::Connection::open(f.db()).unwrap();
        let mut rows = db
            .prepare("SELECT key, data FROM chunks WHERE key LIKE ?1")
            .unwrap()
            .query_map([format!("{damaged}/%")], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, Vec<u8>>(1)?))
            })
            .unwrap()
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        assert!(!rows.is_empty(), "the note has stored chunks");
        for (key, data) in rows.iter_mut() {
            let middle = data.len() / 2;
            data[middle] ^= 0xff;
            db.execute(
                "UPDATE chunks SET data = ?1 WHERE key = ?2",
                rusqlite::params![&*data, &*key],
            )
            .unwrap();
        }
    }
    let out = f.run(&["note", "show", &damaged]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "the damaged note cannot be shown");
    assert!(
        stderr.contains("set aside"),
        "the damage is reported: {stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert_eq!(f.json(&["note", "show", &intact])["body"], "still here");
    assert_eq!(
        ids(&f.json(&["note", "list"])).len(),
        2,
        "the index still lists both"
    );
    let db = rusqlite::Connection::open(f.db()).unwrap();
    let kept: i64 = db
        .query_row("SELECT count(*) FROM quarantine", [], |r| r.get(0))
        .unwrap();
    assert!(kept >= 1, "the damaged bytes are kept, not deleted");
}

#[test]
fn a_note_history_names_who_changed_it_and_a_version_can_be_viewed_and_restored() {
    let f = Folder::with_community();
    let id = f.ok(&["note", "add", "--title", "Soil", "--body", "first draft"]);
    f.ok(&["note", "edit", &id, "--body", "second draft"]);
    let history = f.json(&["note", "history", &id]);
    let log = history.as_array().unwrap();
    assert_eq!(log.len(), 2, "{history}");
    assert_eq!(log[0]["what"], "add note");
    assert_eq!(log[1]["what"], "edit note");
    assert!(log.iter().all(|r| r["by"] == "Ada"), "{history}");
    let first = log[0]["version"].as_str().unwrap();
    assert_eq!(
        f.json(&["note", "show", &id, "--version", first])["body"],
        "first draft"
    );
    assert!(f.ok(&["note", "history", &id]).contains("Ada  add note"));

    f.ok(&["note", "restore", &id, first]);
    assert_eq!(f.json(&["note", "show", &id])["body"], "first draft");
    let log = f.json(&["note", "history", &id]);
    assert_eq!(
        log.as_array().unwrap().last().unwrap()["what"],
        "restore note version",
        "the restore is a new change on top: nothing was lost"
    );
    let err = f.fails(&["note", "show", &id, "--version", "nonsense"]);
    assert!(
        err.contains("not a version in this document's history"),
        "{err}"
    );
}

#[test]
fn a_gathering_date_past_year_9999_is_refused() {
    let f = Folder::with_community();
    for when in ["+99999-01-01", "99999-01-01"] {
        let err = f.fails(&["gathering", "plan", "--when", when]);
        assert!(err.contains("is not a date"), "{when}: {err}");
    }
    assert!(
        f.ok(&["gathering", "list"])
            .starts_with("no gatherings yet")
    );
}

#[test]
fn an_invite_valid_for_more_than_ten_years_is_refused_plainly() {
    let f = Folder::with_community();
    for expires in ["99999999999d", "999999999999999d", "3654d"] {
        let err = f.fails(&[
            "--relay",
            "off",
            "--mdns",
            "off",
            "--bind",
            "127.0.0.1:0",
            "invite",
            "--expires",
            expires,
        ]);
        assert!(err.contains("at most 10 years"), "{expires}: {err}");
        assert!(!err.contains("in the future"), "{expires}: {err}");
    }
}

#[test]
fn a_data_dir_that_is_a_file_is_named_as_a_file() {
    let f = Folder::new();
    let file = f.path().join("notes.txt");
    std::fs::write(&file, "mine").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_copse"))
        .arg("--data-dir")
        .arg(&file)
        .arg("communities")
        .env_remove("COPSE_DATA_DIR")
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "{err}");
    assert!(err.contains("is a file, not a folder"), "{err}");
    assert!(err.contains("--data-dir"), "says what to do: {err}");
    assert!(!err.contains("os error"), "{err}");
    assert_eq!(std::fs::read(&file).unwrap(), b"mine");
}

#[test]
fn an_emptied_database_next_to_a_device_key_is_refused_and_left_as_it_is() {
    let f = Folder::with_community();
    f.ok(&["note", "add", "--title", "Kept"]);
    std::fs::write(f.db(), b"").unwrap();
    let err = f.fails(&["note", "list"]);
    assert!(err.contains("copse.db"), "names the file: {err}");
    assert!(err.contains("is empty"), "{err}");
    assert!(err.contains("Nothing was changed"), "{err}");
    assert!(err.contains("backup"), "{err}");
    assert!(!err.contains("there is no community yet"), "{err}");
    assert_eq!(std::fs::read(f.db()).unwrap(), b"", "never rewritten");

    std::fs::remove_file(f.db()).unwrap();
    let err = f.fails(&["communities"]);
    assert!(err.contains("is missing"), "{err}");
    assert!(!f.db().exists(), "no fresh database was made");
}

#[test]
fn sync_without_a_community_says_there_is_nothing_to_sync() {
    let f = Folder::new();
    let err = f.fails(&[
        "--relay",
        "off",
        "--mdns",
        "off",
        "--bind",
        "127.0.0.1:0",
        "sync",
        "--timeout",
        "1",
    ]);
    assert!(err.contains("no community to sync yet"), "{err}");
    assert!(
        err.contains("copse init") && err.contains("copse join"),
        "{err}"
    );
    assert!(!err.contains("could be reached"), "{err}");
}

#[test]
fn routine_commands_print_nothing_on_stderr() {
    let f = Folder::with_community();
    for i in 0..40 {
        let out = f
            .command(&["note", "add", "--title", &format!("Note {i}")])
            .env_remove("COPSE_LOG")
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "note {i}: {err}");
        assert!(err.is_empty(), "note {i} printed on stderr: {err}");
    }
}
