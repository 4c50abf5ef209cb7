//! The Backups section (under Export and import): the automatic daily backups this folder
//! keeps, a button to make today's now, and how to restore one. Listing and backing up run on
//! the node side; the section shows what came back.

use std::sync::{Arc, Mutex};

use eframe::egui;

use super::app::ViewCtx;
use super::bridge::{self, Command};
use crate::model::Timestamp;
use crate::node::{BackupInfo, KEEP_DAILY};

/// What the node last said: the backups and the data folder, or why they could not be listed.
type Listing = Arc<Mutex<Option<Result<(Vec<BackupInfo>, String), String>>>>;

#[derive(Default)]
pub struct BackupsState {
    listing: Listing,
    /// A listing (or a backup and a listing) was asked for and has not come back yet.
    asked: bool,
    shown: Option<Result<(Vec<BackupInfo>, String), String>>,
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

    fn poll(&mut self) {
        let came = self.listing.lock().ok().and_then(|mut slot| slot.take());
        if let Some(came) = came {
            self.shown = Some(came);
            self.asked = false;
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
    egui::CollapsingHeader::new("Restore…").show(ui, |ui| {
        ui.label(format!(
            "To go back to a backup (after damage, or on a new computer): close copse, then in a \
             terminal run\n\n    copse --data-dir NEW_FOLDER restore BACKUP_FILE\n\nand open \
             copse on NEW_FOLDER (`copse --data-dir NEW_FOLDER`). The restored folder is this \
             same device: the other members send it everything changed since the backup. \
             Keep {folder} aside until that is done, and then use only the restored folder."
        ));
    });
    for command in commands {
        cx.send(command);
    }
}
