//! The Backups section (under Export and import): the automatic daily backups this folder
//! keeps, a button to make today's now, and Restore…: a listed backup or a backup file is
//! restored into a new folder beside this one (a running copse cannot restore into its own),
//! and the section says how to open it. Listing, backing up and restoring run on the node
//! side; the section shows what came back.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use eframe::egui;

use super::app::ViewCtx;
use super::bridge::{self, Command};
use crate::model::{Timestamp, plain};
use crate::node::{BackupInfo, KEEP_DAILY};

/// What the node last said: the backups and the data folder, or why they could not be listed.
type Listing = Arc<Mutex<Option<Result<(Vec<BackupInfo>, String), String>>>>;

/// What a restore came to: the backup and the folder it went into, or why it failed.
type Restored = Option<Result<(BackupInfo, PathBuf), String>>;

/// The label of the field for a backup file from elsewhere.
pub const BACKUP_FILE: &str = "Backup file";

#[derive(Default)]
pub struct BackupsState {
    listing: Listing,
    /// A listing (or a backup and a listing) was asked for and has not come back yet.
    asked: bool,
    shown: Option<Result<(Vec<BackupInfo>, String), String>>,
    restoring: Arc<Mutex<Restored>>,
    /// A restore was asked for and has not come back yet.
    restore_asked: bool,
    restored: Restored,
    /// A backup file typed in (one copied from elsewhere).
    file: String,
}

impl BackupsState {
    /// Asks the node for the list, after backing up today's first when `back_up_now`.
    fn ask(&mut self, back_up_now: bool) -> Command {
        self.asked = true;
        let slot = self.listing.clone();
        bridge::action("back up", move |node, _| async move {
            let made = match back_up_now {
                true => node.daily_backup().await.map(|_| ()),
                false => Ok(()),
            };
            let listed = match made {
                Ok(()) => node
                    .backups()
                    .await
                    .map(|list| (list, node.data_dir().display().to_string()))
                    .map_err(|e| e.to_string()),
                Err(e) => Err(e.to_string()),
            };
            if let Ok(mut slot) = slot.lock() {
                *slot = Some(listed);
            }
            Ok(())
        })
    }

    /// Asks the node to restore `backup` into a new folder beside the data folder.
    fn restore(&mut self, backup: PathBuf) -> Command {
        self.restore_asked = true;
        self.restored = None;
        let slot = self.restoring.clone();
        bridge::action("restore the backup", move |node, _| async move {
            let restored = node
                .restore_beside(&backup)
                .await
                .map_err(|e| e.to_string());
            if let Ok(mut slot) = slot.lock() {
                *slot = Some(restored);
            }
            Ok(())
        })
    }

    fn poll(&mut self) {
        let came = self.listing.lock().ok().and_then(|mut slot| slot.take());
        if let Some(came) = came {
            self.shown = Some(came);
            self.asked = false;
        }
        let came = self.restoring.lock().ok().and_then(|mut slot| slot.take());
        if let Some(came) = came {
            self.restored = Some(came);
            self.restore_asked = false;
        }
    }
}

pub fn backups_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut BackupsState) {
    state.poll();
    let mut commands = Vec::new();
    if state.shown.is_none() && !state.asked {
        commands.push(state.ask(false));
    }
    ui.add_space(16.0);
    ui.heading("Backups");
    ui.label(format!(
        "copse backs up this data folder once a day while it runs, keeping the last {KEEP_DAILY}. \
         They live on this computer: now and then copy one somewhere else (a USB stick, another \
         computer), or make one there with `copse backup --out FILE`. A backup holds this \
         device's key: keep it private."
    ));
    match &state.shown {
        None => {
            ui.spinner();
        }
        Some(Err(error)) => {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        Some(Ok((list, _))) if list.is_empty() => {
            ui.label("No backup yet.");
        }
        Some(Ok((list, _))) => {
            for backup in list {
                ui.label(format!(
                    "{} · {} documents · {}",
                    Timestamp(backup.made_at_ms),
                    backup.documents,
                    backup.path.display()
                ));
            }
        }
    }
    if ui
        .add_enabled(!state.asked, egui::Button::new("Back up now"))
        .on_hover_text("Makes today's backup, if there is none yet")
        .clicked()
    {
        commands.push(state.ask(true));
    }
    let folder = match &state.shown {
        Some(Ok((_, folder))) => folder.clone(),
        _ => "this data folder".to_string(),
    };
    let listed: Vec<BackupInfo> = match &state.shown {
        Some(Ok((list, _))) => list.clone(),
        _ => Vec::new(),
    };
    egui::CollapsingHeader::new("Restore…").show(ui, |ui| {
        ui.label(
            "A running copse cannot restore into its own folder, so copse restores the backup \
             into a new folder beside this one. You then close copse and open it on that folder.",
        );
        for backup in &listed {
            let label = format!("Restore the backup of {}", Timestamp(backup.made_at_ms));
            if ui
                .add_enabled(!state.restore_asked, egui::Button::new(label))
                .clicked()
            {
                commands.push(state.restore(backup.path.clone()));
            }
        }
        ui.horizontal(|ui| {
            super::widgets::labelled_singleline(ui, BACKUP_FILE, &mut state.file);
            let file = state.file.trim().to_string();
            if ui
                .add_enabled(
                    !state.restore_asked && !file.is_empty(),
                    egui::Button::new("Restore this file"),
                )
                .clicked()
            {
                commands.push(state.restore(PathBuf::from(file)));
            }
        });
        if state.restore_asked {
            ui.spinner();
        }
        match &state.restored {
            None => {}
            Some(Err(error)) => {
                ui.colored_label(ui.visuals().error_fg_color, error);
            }
            Some(Ok((info, into))) => {
                ui.label(format!(
                    "Restored {} from the backup of {} into {}. To use it, close copse and \
                     start it on that folder (in a terminal: copse --data-dir \"{}\"). It is \
                     this same device: the other members send it everything changed since the \
                     backup. From then on use only the restored folder; keep {folder} aside \
                     until it has synced.",
                    plain::count(info.documents, "document", "documents"),
                    Timestamp(info.made_at_ms),
                    into.display(),
                    into.display(),
                ));
            }
        }
        ui.label(format!(
            "Or, with copse closed, in a terminal: copse --data-dir NEW_FOLDER restore \
             BACKUP_FILE, then open copse on NEW_FOLDER. Keep {folder} aside until the restored \
             folder has synced, and then use only the restored folder."
        ));
    });
    for command in commands {
        cx.send(command);
    }
}
