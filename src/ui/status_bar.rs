//! The status bar: saved or not, and who is online — always honest.

use eframe::egui;

use super::app::App;
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
            ui.label(format!(
                "{} member device(s) online",
                app.sync.connected.len()
            ));
        }
        if app.sync.reopened > 0 {
            ui.separator();
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "{} document(s) reopened after a crash: they sync again after a restart",
                    app.sync.reopened
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
            "Failed to save ({} write(s) failed: {})",
            status.failed_writes,
            status.last_error.as_deref().unwrap_or("unknown error")
        )
    } else if unsent || status.pending_writes > 0 {
        "Saving…".to_string()
    } else {
        "All changes saved".to_string()
    }
}
