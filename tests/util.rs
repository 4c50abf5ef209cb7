//! Shared helpers: run the real `copse` binary on a temporary data folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use chrono::{DateTime, Utc};
use tempfile::TempDir;

/// A temporary data folder and a way to run `copse` on it.
///
/// Its commands tell the time by one test clock: the system's, or (with [`Folder::at`]) one
/// started at another moment. Each command gets it through `COPSE_NOW`, so the folder's
/// commands share one timeline that keeps ticking.
pub struct Folder {
    pub dir: TempDir,
    /// Milliseconds the folder's clock is ahead of the system's (negative: behind).
    offset_ms: i64,
}

impl Folder {
    pub fn new() -> Folder {
        Folder {
            dir: tempfile::tempdir().expect("temp dir"),
            offset_ms: 0,
        }
    }

    /// A new folder inside `parent` (a test's own file system, for instance).
    pub fn inside(parent: &Path) -> Folder {
        Folder {
            dir: tempfile::tempdir_in(parent).expect("temp dir"),
            offset_ms: 0,
        }
    }

    /// A folder whose clock reads `start` now.
    pub fn at(start: DateTime<Utc>) -> Folder {
        Folder {
            offset_ms: start.timestamp_millis() - Utc::now().timestamp_millis(),
            ..Folder::new()
        }
    }

    /// The time now by this folder's clock.
    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::milliseconds(self.offset_ms)
    }

    /// The day `days` from today (negative: ago) by this folder's clock, at `time`, as a
    /// member types it: `2030-01-08T18:00`.
    pub fn day(&self, days: i64, time: &str) -> String {
        let day = self.now() + chrono::Duration::days(days);
        format!("{}T{time}", day.format("%Y-%m-%d"))
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.path().join("copse.db")
    }

    /// A `copse` command on this folder, logs quiet unless asked for.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_copse"));
        cmd.arg("--data-dir").arg(self.path()).args(args);
        cmd.env_remove("COPSE_DATA_DIR").stdin(Stdio::null());
        // Times shown and dates typed are in the viewer's zone: one zone for every machine.
        cmd.env("TZ", "UTC0");
        cmd.env(
            "COPSE_NOW",
            self.now()
                .to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        );
        cmd
    }

    /// Runs `copse` and returns its output, whatever the exit code.
    pub fn run(&self, args: &[&str]) -> Output {
        self.command(args).output().expect("run copse")
    }

    /// Runs `copse`, insists it succeeded, and returns stdout trimmed.
    pub fn ok(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(
            out.status.success(),
            "copse {args:?} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8(out.stdout)
            .expect("utf-8")
            .trim()
            .to_string()
    }

    /// Runs `copse --json` and parses its output.
    pub fn json(&self, args: &[&str]) -> serde_json::Value {
        let mut all = vec!["--json"];
        all.extend_from_slice(args);
        serde_json::from_str(&self.ok(&all)).expect("valid JSON")
    }

    /// Runs `copse`, insists it failed, and returns stderr.
    pub fn fails(&self, args: &[&str]) -> String {
        let out = self.run(args);
        assert!(!out.status.success(), "copse {args:?} should have failed");
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert!(
            !stderr.contains("panicked"),
            "copse {args:?} panicked: {stderr}"
        );
        stderr
    }

    /// The titles `note list` shows, sorted.
    pub fn note_titles(&self) -> Vec<String> {
        let mut titles: Vec<String> = self
            .json(&["note", "list"])
            .as_array()
            .expect("a list")
            .iter()
            .map(|n| n["title"].as_str().unwrap_or_default().to_string())
            .collect();
        titles.sort();
        titles
    }

    /// A folder with one community, ready for commands.
    pub fn with_community() -> Folder {
        Folder::new().with_a_community()
    }

    /// This folder, with one community (Ada's "Gardeners") created in it.
    pub fn with_a_community(self) -> Folder {
        let folder = self;
        folder.ok(&[
            "init",
            "--name",
            "Gardeners",
            "--purpose",
            "Grow food together",
            "--me",
            "Ada",
        ]);
        folder
    }
}

/// Whether the tests run as root (as CI does): network namespaces and mounts need it.
pub fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| o.stdout == b"0\n")
        .unwrap_or(false)
}

/// Two moments far from any day the tests run on, one before and one after: a test that
/// passes at both does not depend on the calendar.
pub fn far_from_today() -> [DateTime<Utc>; 2] {
    ["2020-01-01T00:00:00Z", "2030-01-01T00:00:00Z"].map(|t| {
        DateTime::parse_from_rfc3339(t)
            .expect("a constant time")
            .to_utc()
    })
}

/// The ids in a JSON list.
pub fn ids(list: &serde_json::Value) -> Vec<String> {
    list.as_array()
        .expect("a JSON list")
        .iter()
        .map(|item| {
            item["id"]
                .as_str()
                .expect("every item has an id")
                .to_string()
        })
        .collect()
}
