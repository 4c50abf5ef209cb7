//! Shared helpers: run the real `copse` binary on a temporary data folder.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use tempfile::TempDir;

/// A temporary data folder and a way to run `copse` on it.
pub struct Folder {
    pub dir: TempDir,
}

impl Folder {
    pub fn new() -> Folder {
        Folder {
            dir: tempfile::tempdir().expect("temp dir"),
        }
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

    /// A folder with one community, ready for commands.
    pub fn with_community() -> Folder {
        let folder = Folder::new();
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
