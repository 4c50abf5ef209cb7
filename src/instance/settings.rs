//! [`BackgroundSettings`]: whether closing the window keeps copse syncing, kept in a small JSON
//! file in the data folder (not in the database), so that the window and `copse background`
//! can change it while another copse holds the folder, and the running one reads it when its
//! window closes.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

/// The file in the data folder holding [`BackgroundSettings`].
pub const SETTINGS_FILE: &str = "background.json";

/// This device's choice about running without its window.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct BackgroundSettings {
    /// Closing the window leaves copse running, syncing with members, until Quit.
    pub keep_syncing: bool,
}

impl BackgroundSettings {
    fn path(data_dir: &Path) -> PathBuf {
        data_dir.join(SETTINGS_FILE)
    }

    /// The settings of the folder `data_dir`; the defaults when none were saved, or when the
    /// file cannot be read (a damaged settings file must not keep copse from starting).
    pub fn load(data_dir: &Path) -> BackgroundSettings {
        let Ok(text) = std::fs::read_to_string(Self::path(data_dir)) else {
            return BackgroundSettings::default();
        };
        serde_json::from_str(&text).unwrap_or_else(|e| {
            tracing::warn!(error = %e, "the background settings could not be read; using the defaults");
            BackgroundSettings::default()
        })
    }

    /// Saves the settings, whole or not at all (written beside, then renamed over).
    pub fn save(&self, data_dir: &Path) -> Result<()> {
        let path = Self::path(data_dir);
        let text = serde_json::to_string_pretty(self)?;
        let temporary = path.with_extension("json.new");
        std::fs::write(&temporary, text)
            .and_then(|()| std::fs::rename(&temporary, &path))
            .with_context(|| format!("could not save {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_saved_choice_reads_back_and_garbage_reads_as_the_default() {
        let dir = tempfile::tempdir().unwrap();
        assert!(!BackgroundSettings::load(dir.path()).keep_syncing);
        BackgroundSettings { keep_syncing: true }
            .save(dir.path())
            .unwrap();
        assert!(BackgroundSettings::load(dir.path()).keep_syncing);
        std::fs::write(dir.path().join(SETTINGS_FILE), "{not json").unwrap();
        assert!(!BackgroundSettings::load(dir.path()).keep_syncing);
    }
}
