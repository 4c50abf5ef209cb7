//! A full disk and a read-only one: the member still reads what is stored, a change is refused
//! in plain words, and once space is freed (or the disk is writable again) copse saves again.
//! The disk is a small tmpfs the test mounts (root only: CI runs as root).

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::util::{Folder, is_root};

/// A small tmpfs (4 MiB unless said) mounted on a temporary folder, unmounted when dropped.
pub(crate) struct SmallDisk {
    mount: tempfile::TempDir,
}

impl SmallDisk {
    fn mount() -> SmallDisk {
        SmallDisk::mount_sized("4m")
    }

    /// A tmpfs of `size` (as mount says it: `16m`).
    pub(crate) fn mount_sized(size: &str) -> SmallDisk {
        let mount = tempfile::tempdir().unwrap();
        let status = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "copse-test"])
            .arg(mount.path())
            .status()
            .unwrap();
        assert!(status.success(), "mount tmpfs");
        SmallDisk { mount }
    }

    pub(crate) fn path(&self) -> &Path {
        self.mount.path()
    }

    /// Remounts the disk read-only (`rw = false`) or writable again.
    fn remount(&self, rw: bool) {
        let option = if rw { "remount,rw" } else { "remount,ro" };
        let status = Command::new("mount")
            .args(["-o", option])
            .arg(self.mount.path())
            .status()
            .unwrap();
        assert!(status.success(), "mount -o {option}");
    }

    /// Writes a file until the disk refuses more, in ever smaller pieces, so that not even a
    /// page is left. Returns the file.
    pub(crate) fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        for size in [64 * 1024, 4096, 1] {
            let block = vec![7u8; size];
            // Bounded: 4 MiB in 1-byte writes at most.
            for _ in 0..(8 * 1024 * 1024 / size) {
                if file.write_all(&block).is_err() {
                    break;
                }
            }
        }
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount")
            .arg("-l")
            .arg(self.mount.path())
            .status();
    }
}

#[test]
fn a_full_disk_still_lets_the_member_read_and_saves_again_once_space_is_freed() {
    if !is_root() {
        eprintln!("a_full_disk_… needs root to mount a tmpfs; not run");
        return;
    }
    let disk = SmallDisk::mount();
    let f = Folder::inside(disk.path()).with_a_community();
    for title in ["Compost", "Seeds", "Tools"] {
        f.ok(&[
            "note",
            "add",
            "--title",
            title,
            "--body",
            "kept before the disk filled",
        ]);
    }
    let filler = disk.fill();

    // Reading works, and says once, in words, that nothing new can be saved.
    let out = f.run(&["--json", "note", "list"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "note list on a full disk: {stderr}");
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed.as_array().unwrap().len(), 3, "{listed}");
    assert!(stderr.contains("the disk is full"), "{stderr}");
    assert_eq!(
        stderr.matches("disk is full").count(),
        1,
        "said once: {stderr}"
    );
    let id = listed[0]["id"].as_str().unwrap().to_string();
    assert!(
        f.ok(&["note", "show", &id])
            .contains("kept before the disk filled")
    );

    // A change is refused with what to do, and nothing is lost.
    let err = f.fails(&["note", "add", "--title", "Lost?", "--body", "no room"]);
    assert!(
        err.contains("is full") && err.contains("Free some space"),
        "{err}"
    );

    std::fs::remove_file(filler).unwrap();
    f.ok(&["note", "add", "--title", "Room again", "--body", "saved"]);
    assert_eq!(f.note_titles(), ["Compost", "Room again", "Seeds", "Tools"]);
    let out = f.run(&["note", "list"]);
    assert!(
        !String::from_utf8_lossy(&out.stderr).contains("disk is full"),
        "no warning once there is room"
    );
}

#[test]
fn a_read_only_disk_still_lets_the_member_read_and_says_why_a_change_is_refused() {
    if !is_root() {
        eprintln!("a_read_only_disk_… needs root to mount a tmpfs; not run");
        return;
    }
    let disk = SmallDisk::mount();
    let f = Folder::inside(disk.path()).with_a_community();
    f.ok(&[
        "note",
        "add",
        "--title",
        "Compost",
        "--body",
        "kept on a disk made read-only",
    ]);
    disk.remount(false);

    let out = f.run(&["--json", "note", "list"]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "note list on a read-only disk: {stderr}"
    );
    let listed: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(listed[0]["title"], "Compost", "{listed}");
    assert!(stderr.contains("read-only"), "{stderr}");
    let found = f.json(&["search", "compost"]);
    assert_eq!(found["total"], 1, "{found}");

    let err = f.fails(&["note", "add", "--title", "Refused", "--body", "x"]);
    assert!(
        err.contains("read-only") && err.contains("Make it writable"),
        "{err}"
    );

    disk.remount(true);
    f.ok(&[
        "note",
        "add",
        "--title",
        "Writable again",
        "--body",
        "saved",
    ]);
    assert_eq!(f.note_titles(), ["Compost", "Writable again"]);
}
