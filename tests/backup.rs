//! Backups and restore with the real binary: a backup made beside `copse serve`, more edits,
//! `kill -9`, a damaged database, a restore into a new folder and a sync from a member: nothing
//! that was on any member's machine is lost, and the restored device syncs as before. Also
//! `copse doctor` on a healthy and on a damaged folder.

use std::collections::BTreeSet;

use crate::cli_sync::{serve, serve_and_join_bob, stop, with_loopback};
use crate::util::Folder;

fn titles(folder: &Folder) -> BTreeSet<String> {
    folder
        .json(&["note", "list"])
        .as_array()
        .unwrap()
        .iter()
        .map(|n| n["title"].as_str().unwrap().to_string())
        .collect()
}

fn device(folder: &Folder) -> String {
    folder.json(&["whoami"])["device"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Overwrites every page of the database but the first with a pattern, and drops its log.
fn damage(folder: &Folder) {
    let db = folder.db();
    let mut bytes = std::fs::read(&db).unwrap();
    for (i, b) in bytes.iter_mut().enumerate().skip(4096) {
        *b = (i % 251) as u8;
    }
    std::fs::write(&db, &bytes).unwrap();
    for log in ["copse.db-wal", "copse.db-shm"] {
        let _ = std::fs::remove_file(folder.path().join(log));
    }
}

#[test]
fn restore_after_a_crash_and_damage_loses_nothing_any_member_had() {
    let ada = Folder::with_community();
    ada.ok(&["note", "add", "--title", "Before the backup"]);
    let ada_device = device(&ada);
    let (bob, server) = serve_and_join_bob(&ada);

    // A backup from a second process while `copse serve` holds the folder.
    let saved = tempfile::tempdir().unwrap();
    let file = saved.path().join("ada.copse-backup");
    let made = ada.json(&["backup", "--out", file.to_str().unwrap()]);
    assert_eq!(made["device"], ada_device.as_str());
    assert_eq!(made["documents"], 2, "the community and its note: {made}");
    stop(server);
    // `serve` made today's automatic backup too.
    let automatic = ada.json(&["backup", "--list"]);
    assert_eq!(automatic.as_array().unwrap().len(), 1, "{automatic}");

    // Editing goes on after the backup, on both machines; then Ada's copse is killed.
    ada.ok(&["note", "add", "--title", "Ada after the backup"]);
    let mut server = serve(&ada);
    bob.ok(&["note", "add", "--title", "Bob after the backup"]);
    bob.ok(&with_loopback(&["sync", "--timeout", "30"]));
    server.kill().unwrap(); // SIGKILL
    server.wait().unwrap();
    damage(&ada);
    let err = ada.fails(&["doctor", "--relay", "off"]);
    assert!(err.contains("database"), "{err}");

    // The damaged folder is not a place to restore into; a new one is.
    let err = ada.fails(&["restore", file.to_str().unwrap()]);
    assert!(err.contains("not empty"), "{err}");
    let restored = Folder::new();
    let info = restored.json(&["restore", file.to_str().unwrap()]);
    assert_eq!(info["device"], ada_device.as_str());
    assert_eq!(device(&restored), ada_device, "the same device again");
    assert_eq!(
        titles(&restored),
        BTreeSet::from(["Before the backup".to_string()])
    );
    restored.ok(&["doctor", "--relay", "off"]);

    // One sync with Bob brings back everything either machine had.
    restored.ok(&["note", "add", "--title", "Ada after the restore"]);
    let server = serve(&restored);
    bob.ok(&with_loopback(&["sync", "--timeout", "30"]));
    stop(server);
    let expected: BTreeSet<String> = [
        "Before the backup",
        "Ada after the backup",
        "Bob after the backup",
        "Ada after the restore",
    ]
    .map(String::from)
    .into();
    assert_eq!(titles(&restored), expected);
    assert_eq!(titles(&bob), expected);
}

#[test]
fn doctor_says_healthy_or_names_each_problem_and_what_to_do() {
    let ada = Folder::with_community();
    #[cfg(unix)]
    {
        // A folder others can read is worth a warning, not a failure.
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(ada.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
        let report = ada.json(&["doctor", "--relay", "off"]);
        assert_eq!(report["checks"][0]["verdict"], "warning", "{report}");
        assert!(
            report["checks"][0]["todo"]
                .as_str()
                .unwrap()
                .starts_with("chmod 700")
        );
        std::fs::set_permissions(ada.path(), std::fs::Permissions::from_mode(0o700)).unwrap();
    }
    let healthy = ada.json(&["doctor", "--relay", "off"]);
    assert_eq!(healthy["healthy"], true, "{healthy}");
    let checks = healthy["checks"].as_array().unwrap();
    let verdict = |report: &serde_json::Value, check: &str| {
        report["checks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["check"] == check)
            .map(|c| c["verdict"].as_str().unwrap().to_string())
            .unwrap_or_else(|| panic!("no {check} check in {report}"))
    };
    for check in [
        "data folder",
        "database",
        "quarantine",
        "device key",
        "listening port",
        "relay",
    ] {
        assert_eq!(verdict(&healthy, check), "ok", "{check}: {checks:?}");
    }
    assert_eq!(verdict(&healthy, "backups"), "warning", "none made yet");

    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let key = ada.path().join("device.key");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o644)).unwrap();
        let err = ada.fails(&["doctor", "--relay", "off"]);
        assert!(err.contains("device key"), "{err}");
        let out = ada.run(&["doctor", "--relay", "off"]);
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("chmod 600"), "{text}");
        std::fs::set_permissions(&key, std::fs::Permissions::from_mode(0o600)).unwrap();
    }

    damage(&ada);
    let out = ada.run(&["--json", "doctor", "--relay", "off"]);
    assert!(!out.status.success());
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["healthy"], false);
    assert_eq!(verdict(&report, "database"), "problem", "{report}");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("database"), "{err}");

    let nowhere = Folder::new();
    let missing = nowhere.path().join("never-used");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_copse"))
        .args([
            "--data-dir",
            missing.to_str().unwrap(),
            "doctor",
            "--relay",
            "off",
        ])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(!missing.exists(), "the doctor creates nothing");
    // A folder copse never used: said plainly, and left as it was.
    std::fs::create_dir(&missing).unwrap();
    std::fs::write(missing.join("notes.txt"), "mine").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_copse"))
        .args([
            "--data-dir",
            missing.to_str().unwrap(),
            "--json",
            "doctor",
            "--relay",
            "off",
        ])
        .output()
        .unwrap();
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(verdict(&report, "database"), "ok", "{report}");
    assert!(
        report["checks"][1]["says"]
            .as_str()
            .unwrap()
            .contains("no community here yet"),
        "{report}"
    );
    let names: Vec<_> = std::fs::read_dir(&missing)
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(names, ["notes.txt"], "the doctor left a file behind");
}
