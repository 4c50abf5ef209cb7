//! Automatic daily backups of the data folder while the app or `copse serve` runs, and the list
//! of them the window shows. The backups themselves are [`crate::store::backup`]'s.

use std::path::{Path, PathBuf};
use std::time::Duration;

use super::{Node, NodeError};
use crate::store::backup;
pub use crate::store::{BackupInfo, KEEP_DAILY};

/// How often a running app looks whether today's backup is made.
const CHECK_EVERY: Duration = Duration::from_secs(60 * 60);

impl Node {
    /// Makes today's backup in `backups/` of the data folder if there is none yet (keeping the
    /// newest [`crate::store::KEEP_DAILY`]), now and every hour after, until shutdown. A failed
    /// backup is logged and tried again an hour later; the good backups are kept meanwhile.
    pub fn keep_daily_backups(&self) {
        let node = self.clone();
        self.track(tokio::spawn(async move {
            loop {
                match node.daily_backup().await {
                    Ok(Some(made)) => {
                        tracing::info!(path = %made.path.display(), "made today's backup")
                    }
                    Ok(None) => {}
                    Err(e) => tracing::warn!(error = %e, "today's automatic backup failed"),
                }
                tokio::time::sleep(CHECK_EVERY).await;
            }
        }));
    }

    /// Makes today's backup (by this node's clock, UTC) unless it exists; the one made, if any.
    pub async fn daily_backup(&self) -> Result<Option<BackupInfo>, NodeError> {
        let dir = self.data_dir().to_path_buf();
        let now = self.now().0;
        let today = chrono::DateTime::from_timestamp_millis(now)
            .map(|t| t.format("%Y-%m-%d").to_string())
            .unwrap_or_else(|| "unknown-day".to_string());
        blocking(move || backup::daily(&dir, &today, now)).await
    }

    /// Restores `backup` into a new folder beside this data folder (`copse-restored-2026-12-07`,
    /// with `-2`, `-3`… when taken), and returns it: a running copse cannot restore into its
    /// own folder, so the member opens the new one next.
    pub async fn restore_beside(&self, backup: &Path) -> Result<(BackupInfo, PathBuf), NodeError> {
        let (backup, dir) = (backup.to_path_buf(), self.data_dir().to_path_buf());
        blocking(move || {
            let info = backup::read_info(&backup)?;
            let day = chrono::DateTime::from_timestamp_millis(info.made_at_ms)
                .map(|t| t.format("%Y-%m-%d").to_string())
                .unwrap_or_else(|| "backup".to_string());
            let name = dir
                .file_name()
                .map(|n| n.to_string_lossy().to_string())
                .unwrap_or_else(|| "copse".to_string());
            let parent = dir.parent().unwrap_or(&dir);
            let base = format!("{name}-restored-{day}");
            let target = (1..100)
                .map(|n| match n {
                    1 => parent.join(&base),
                    n => parent.join(format!("{base}-{n}")),
                })
                .find(|p| !p.exists())
                .unwrap_or_else(|| parent.join(format!("{base}-{}", info.made_at_ms)));
            let restored = backup::restore(&backup, &target)?;
            Ok((restored, target))
        })
        .await
    }

    /// The automatic backups, newest first.
    pub async fn backups(&self) -> Result<Vec<BackupInfo>, NodeError> {
        let dir = self.data_dir().to_path_buf();
        blocking(move || backup::list_daily(&dir)).await
    }
}

async fn blocking<T: Send + 'static>(
    work: impl FnOnce() -> Result<T, crate::store::BackupError> + Send + 'static,
) -> Result<T, NodeError> {
    tokio::task::spawn_blocking(work)
        .await
        .map_err(|_| NodeError::Stopped)?
        .map_err(NodeError::from)
}
