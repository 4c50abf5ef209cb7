//! `copse backup` and `copse restore`: a backup of the data folder while copse may be running,
//! and restoring one into a new folder. Neither opens a [`crate::node::Node`]: a backup reads the
//! database beside the process that holds the folder, and a restore writes a folder nobody uses.

use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::json;

use super::Cli;
use super::output::Output;
use crate::model::{Timestamp, plain};
use crate::store::{BackupInfo, backup};

/// `copse backup`: where to write, or list the automatic backups.
#[derive(Debug, clap::Args)]
pub struct BackupArgs {
    /// The file to write (it must not exist yet). Keep it somewhere else than this computer:
    /// a USB stick, another machine. It holds this device's key: keep it private.
    #[arg(long, value_name = "FILE", required_unless_present = "list")]
    pub out: Option<PathBuf>,
    /// List the automatic daily backups in the data folder instead.
    #[arg(long, conflicts_with = "out")]
    pub list: bool,
}

/// Backs up the data folder to `--out`, or lists the automatic backups.
pub fn backup(cli: &Cli, args: &BackupArgs, out: &Output) -> Result<()> {
    let dir = cli.data_dir()?;
    match &args.out {
        Some(file) => {
            let made = backup::back_up(&dir, file, cli.clock.now().0)?;
            out.emit(
                || {
                    format!(
                        "backed up {} to {} ({}). It holds this device's key: keep it private, \
                         and restore it on one computer only, with `copse --data-dir NEW_FOLDER \
                         restore {}`",
                        plain::count(made.documents, "document", "documents"),
                        made.path.display(),
                        size(made.bytes),
                        made.path.display(),
                    )
                },
                || info_json(&made),
            );
        }
        None => {
            let list = backup::list_daily(&dir)?;
            out.emit(
                || {
                    if list.is_empty() {
                        return "no automatic backups yet: the app and `copse serve` make one a \
                                day in the data folder's `backups` folder"
                            .to_string();
                    }
                    list.iter()
                        .map(|b| {
                            format!(
                                "{}  {}  {}",
                                made_at(b),
                                b.path.display(),
                                plain::count(b.documents, "document", "documents")
                            )
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                },
                || json!(list.iter().map(info_json).collect::<Vec<_>>()),
            );
        }
    }
    Ok(())
}

/// Restores `file` into the data folder, which must be new or empty.
pub fn restore(cli: &Cli, file: &Path, out: &Output) -> Result<()> {
    let dir = cli.data_dir()?;
    let info = backup::restore(file, &dir)?;
    out.emit(
        || {
            format!(
                "restored {} from the backup of {} into {}, as the same device ({}). Now open \
                 copse or run `copse sync` while a member is online: the others send back \
                 everything changed since the backup. Do not use the old folder or computer \
                 any more.",
                plain::count(info.documents, "document", "documents"),
                made_at(&info),
                dir.display(),
                info.device,
            )
        },
        || {
            let mut value = info_json(&info);
            value["data_dir"] = json!(dir.display().to_string());
            value
        },
    );
    Ok(())
}

fn info_json(info: &BackupInfo) -> serde_json::Value {
    json!({
        "path": info.path.display().to_string(),
        "made_at": Timestamp(info.made_at_ms).to_rfc3339(),
        "device": info.device,
        "documents": info.documents,
        "bytes": info.bytes,
    })
}

fn made_at(info: &BackupInfo) -> String {
    Timestamp(info.made_at_ms).to_string()
}

fn size(bytes: u64) -> String {
    match bytes {
        b if b < 10 * 1024 => format!("{b} bytes"),
        b if b < 10 * 1024 * 1024 => format!("{} KiB", b / 1024),
        b => format!("{} MiB", b / (1024 * 1024)),
    }
}
