//! Roles, governance and the always-on community device with real `copse` processes over
//! loopback (relays and mDNS off).

use crate::cli_sync::{serve, serve_and_join_bob, stop, with_loopback};
use crate::util::Folder;

/// A loopback UDP port free right now, so that one folder's processes (its `join`, then its
/// `serve`) are reachable at the same address the others remembered.
fn free_port() -> String {
    let socket = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    format!("127.0.0.1:{}", socket.local_addr().unwrap().port())
}

/// `args` on the always-on folder: loopback at its fixed `bind` address.
fn at<'a>(bind: &'a str, args: &[&'a str]) -> Vec<&'a str> {
    let mut all = args.to_vec();
    all.extend_from_slice(&["--relay", "off", "--mdns", "off", "--bind", bind]);
    all
}

fn titles(folder: &Folder) -> Vec<String> {
    folder.note_titles()
}

/// Ann and Bob never run at the same time; the library's always-on device carries Ann's edit
/// to Bob (and admits him) and Bob's back to Ann. It is listed as a community device, never
/// as a person.
#[test]
fn an_always_on_device_carries_edits_between_members_never_online_together() {
    let ann = Folder::with_community();
    let enroll = ann.json(&with_loopback(&[
        "device",
        "add",
        "--always-on",
        "--label",
        "Library server",
    ]));
    let ann_serving = serve(&ann);
    let library = Folder::new();
    let port = free_port();
    let joined = library.json(&at(&port, &["join", enroll["ticket"].as_str().unwrap()]));
    assert_eq!(joined["community_device"], true, "{joined}");
    stop(ann_serving);
    let library_serving = serve_at(&library, &port);

    // Ann edits and stops; her invite names the library, which admits Bob while she is away.
    ann.ok(&["note", "add", "--title", "Ann's plan"]);
    let invite = ann.json(&with_loopback(&["invite", "--uses", "1"]));
    ann.ok(&with_loopback(&["sync", "--timeout", "30"]));

    let bob = Folder::new();
    let joined = bob.json(&with_loopback(&[
        "join",
        invite["ticket"].as_str().unwrap(),
        "--me",
        "Bob",
    ]));
    assert_eq!(
        joined["members"], 2,
        "Ann and Bob, not the library: {joined}"
    );
    assert!(titles(&bob).contains(&"Ann's plan".to_string()));
    bob.ok(&["note", "add", "--title", "Bob's reply"]);
    bob.ok(&with_loopback(&["sync", "--timeout", "30"]));

    // Ann comes back and receives Bob's edit from the library.
    ann.ok(&with_loopback(&["sync", "--timeout", "30"]));
    stop(library_serving);
    assert_eq!(titles(&ann), ["Ann's plan", "Bob's reply"]);

    let roster = ann.json(&["member", "list"]);
    let names: Vec<&str> = roster["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Ada", "Bob"], "{roster}");
    assert_eq!(roster["community_devices"][0]["label"], "Library server");
    let pulse = ann.ok(&["pulse"]);
    assert!(!pulse.contains("Library server"), "{pulse}");
}

/// `copse serve` at a fixed address.
fn serve_at(folder: &Folder, bind: &str) -> std::process::Child {
    use std::io::{BufRead, BufReader};
    let mut child = folder
        .command(&at(bind, &["serve"]))
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    loop {
        match rx.recv_timeout(std::time::Duration::from_secs(30)) {
            Ok(line) if line.starts_with("serving as device") => return child,
            Ok(_) => continue,
            Err(e) => panic!("copse serve did not start: {e}"),
        }
    }
}

/// A reader and a plain member from the command line: each refused in a sentence naming the
/// rule; the steward removes the reader with a reason, which is on record.
#[test]
fn roles_and_the_record_from_the_command_line() {
    let ada = Folder::with_community();
    let reader_invite = ada.json(&with_loopback(&["invite", "--role", "reader"]));
    assert_eq!(reader_invite["role"], "reader");
    let member_invite = ada.json(&with_loopback(&["invite"]));
    let serving = serve(&ada);
    let rita = Folder::new();
    rita.ok(&with_loopback(&[
        "join",
        reader_invite["ticket"].as_str().unwrap(),
        "--me",
        "Rita",
    ]));
    let bob = Folder::new();
    bob.ok(&with_loopback(&[
        "join",
        member_invite["ticket"].as_str().unwrap(),
        "--me",
        "Bob",
    ]));
    stop(serving);

    let err = rita.fails(&["note", "add", "--title", "Mine"]);
    assert!(
        err.contains("readers see everything but change nothing"),
        "{err}"
    );
    let list = ada.json(&["member", "list"]);
    let rows = list["members"].as_array().unwrap();
    let role = |name: &str| {
        rows.iter()
            .find(|m| m["name"] == name)
            .map(|m| m["role"].as_str().unwrap().to_string())
    };
    assert_eq!(role("Ada").as_deref(), Some("steward"));
    assert_eq!(role("Bob").as_deref(), Some("member"));
    assert_eq!(role("Rita").as_deref(), Some("reader"));
    let rita_id = rows.iter().find(|m| m["name"] == "Rita").unwrap()["member"]
        .as_str()
        .unwrap()
        .to_string();

    let err = bob.fails(&["member", "remove", &rita_id]);
    assert!(
        err.contains("only a steward can remove a member; ask Ada"),
        "{err}"
    );
    let err = bob.fails(&["member", "role", &rita_id, "member"]);
    assert!(
        err.contains("only a steward can change a member's role"),
        "{err}"
    );
    let err = bob.fails(&with_loopback(&["invite", "--role", "steward"]));
    assert!(
        err.contains("only a steward can make an invite for a steward"),
        "{err}"
    );
    let err = ada.fails(&with_loopback(&["member", "leave", "--keep-local-copy"]));
    assert!(err.contains("the last steward cannot leave"), "{err}");

    ada.ok(&[
        "member",
        "remove",
        &rita_id,
        "--reason",
        "sponsorship ended",
    ]);
    let human = ada.ok(&["member", "list"]);
    assert!(
        human.contains("Rita removed by Ada on ") && human.contains("(sponsorship ended)"),
        "{human}"
    );
    let out = tempfile::tempdir().unwrap();
    let folder = out.path().join("export");
    ada.ok(&["export", "--out", folder.to_str().unwrap()]);
    let members = std::fs::read_to_string(folder.join("members.md")).unwrap();
    assert!(
        members.contains("**Bob**, member") && members.contains("Rita removed by Ada on "),
        "{members}"
    );

    // Bob leaves; a script must say what happens to his copy.
    let serving = serve(&ada);
    let err = bob.fails(&with_loopback(&["member", "leave"]));
    assert!(
        err.contains("--keep-local-copy or --delete-local-copy"),
        "{err}"
    );
    let said = bob.run(&with_loopback(&["member", "leave", "--delete-local-copy"]));
    let stderr = String::from_utf8_lossy(&said.stderr).to_string();
    assert!(said.status.success(), "{stderr}");
    assert!(!bob.db().exists(), "Bob's copy is deleted: {stderr}");
    stop(serving);
    let human = ada.ok(&["member", "list"]);
    assert!(human.contains("Bob left on "), "{human}");
    assert!(!human.contains("Bob  member"), "{human}");
}

/// Invites from the command line: listed with their state, withdrawn with a reason on the
/// record, and kept to stewards by a steward's setting that a member cannot change.
#[test]
fn invites_are_listed_withdrawn_and_kept_to_stewards_from_the_command_line() {
    let ada = Folder::with_community();
    let (bob, serving) = serve_and_join_bob(&ada);
    stop(serving);
    let err = bob.fails(&["invite", "members-may-invite", "off"]);
    assert!(
        err.contains("only a steward can change who may invite; ask Ada"),
        "{err}"
    );

    let made = ada.json(&with_loopback(&["invite", "--role", "reader"]));
    let id = made["invite"].as_str().unwrap();
    let list = ada.json(&["invite", "list"]);
    assert_eq!(list["members_may_invite"], true, "{list}");
    let row = |list: &serde_json::Value| {
        list["invites"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["id"] == id)
            .cloned()
            .unwrap()
    };
    assert_eq!(row(&list)["state"], "open");
    assert_eq!(row(&list)["role"], "reader");
    ada.ok(&[
        "invite",
        "revoke",
        id,
        "--reason",
        "sent to the wrong address",
    ]);
    assert_eq!(row(&ada.json(&["invite", "list"]))["state"], "withdrawn");
    let record = ada.ok(&["member", "list"]);
    assert!(
        record.contains("An invite revoked by Ada")
            && record.contains("(sent to the wrong address)"),
        "{record}"
    );

    let setting = ada.json(&["invite", "members-may-invite", "off"]);
    assert_eq!(setting["members_may_invite"], false, "{setting}");
    let serving = serve(&ada);
    bob.ok(&with_loopback(&["sync", "--timeout", "30"]));
    stop(serving);
    let err = bob.fails(&with_loopback(&["invite"]));
    assert!(
        err.contains("only a steward can make an invite in this community; ask Ada"),
        "{err}"
    );
    assert!(
        bob.ok(&["invite", "list"])
            .starts_with("Only stewards may make invites.")
    );
}
