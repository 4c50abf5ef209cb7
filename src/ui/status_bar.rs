//! The status bar: saved or not, and who is online — always honest.

use eframe::egui;

use super::app::App;
use crate::model::plain;
use crate::store::StorageStatus;

pub fn status_bar_ui(ui: &mut egui::Ui, app: &App) {
    ui.horizontal(|ui| {
        let saved = save_state(&app.storage, app.notes.has_unsent_edit());
        if app.storage.failed_writes > 0 {
            ui.colored_label(ui.visuals().error_fg_color, saved);
        } else {
            ui.label(saved);
        }
        ui.separator();
        if !app.sync.online {
            ui.label("Offline mode");
        } else if app.sync.connected.is_empty() {
            ui.label("No members online");
        } else {
            let devices = plain::count(app.sync.connected.len(), "member device", "member devices");
            ui.label(format!("{devices} online"));
        }
        if app.sync.reopened > 0 {
            ui.separator();
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "{} reopened after a crash: they sync again after a restart",
                    plain::count(app.sync.reopened, "document", "documents")
                ),
            );
        }
        if app.sync.syncing {
            ui.separator();
            ui.spinner();
            ui.label("Syncing…");
        } else if let Some(at) = app.sync.last_synced {
            ui.separator();
            ui.label(format!("Last synced {at}"));
        }
    });
}

/// The one-line save state.
pub fn save_state(status: &StorageStatus, unsent: bool) -> String {
    if status.failed_writes > 0 {
        format!(
            "Failed to save ({} failed: {})",
            plain::count(status.failed_writes as usize, "write", "writes"),
            status.last_error.as_deref().unwrap_or("unknown error")
        )
    } else if unsent || status.pending_writes > 0 {
        "Saving…".to_string()
    } else {
        "All changes saved".to_string()
    }
}
