//! The status bar: saved or not, shared or not, and who is online — always honest.
//!
//! "Saved" is derived each frame from the same state the editor and the forms draw from: the
//! store's failed and pending writes, the note editor's unsaved text ([`super::notes`]), a
//! refused field on screen ([`super::widgets::refusals_on_screen`]) and a profile that failed
//! to save. While any of them holds something not stored, the bar says "Not saved" and why.

use eframe::egui;

use super::app::App;
use crate::model::plain;
use crate::store::StorageStatus;

pub fn status_bar_ui(ui: &mut egui::Ui, app: &App) {
    ui.horizontal(|ui| {
        let unsaved = app
            .notes
            .unsaved()
            .or_else(|| widgets_unsaved(ui.ctx()).or_else(|| app.members.unsaved()));
        let saved = save_state(
            &app.storage,
            app.notes.has_unsent_edit(),
            unsaved.as_deref(),
        );
        if app.storage.failed_writes > 0 || app.storage.read_only.is_some() || unsaved.is_some() {
            ui.colored_label(ui.visuals().error_fg_color, saved);
        } else {
            ui.label(saved);
        }
        ui.separator();
        if !app.sync.online {
            ui.label("Offline mode");
        } else {
            ui.label(online_text(
                app.current.as_ref().map(|(_, c)| &**c),
                &app.sync.connected,
            ));
        }
        if let Some(n) = app.sync.unshared.filter(|n| *n > 0) {
            ui.separator();
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!(
                    "Not yet shared: {}",
                    plain::count(n, "document", "documents")
                ),
            )
            .on_hover_text(
                "These changes are only on this device so far: no other member's device has \
                 confirmed it holds them. They are shared when a member's device is online.",
            );
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
        if let Some((_, community)) = &app.current {
            for notice in crate::net::versions::notices(community, &app.sync.version_gaps) {
                ui.separator();
                ui.colored_label(ui.visuals().warn_fg_color, notice);
            }
        }
        if let Some(receiving) = super::attachments::receiving_line(&app.sync.receiving) {
            ui.separator();
            ui.spinner();
            ui.label(receiving);
        }
        if let Some(trouble) = &app.sync.file_trouble {
            ui.separator();
            ui.colored_label(ui.visuals().warn_fg_color, trouble);
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

/// The first refused field on screen, as "the field: why".
fn widgets_unsaved(ctx: &egui::Context) -> Option<String> {
    let (field, reason) = super::widgets::refusals_on_screen(ctx).into_iter().next()?;
    Some(format!("“{field}”: {reason}"))
}

/// The one-line save state: nothing can be saved at all (a full disk), then a failed write (the
/// disk is the member's to fix), then text
/// on screen that is not stored (`unsaved`, why), then writes under way.
pub fn save_state(status: &StorageStatus, unsent: bool, unsaved: Option<&str>) -> String {
    if let Some(why) = &status.read_only {
        format!("Cannot save: {why}")
    } else if status.failed_writes > 0 {
        format!(
            "Failed to save ({} failed: {})",
            plain::count(status.failed_writes as usize, "write", "writes"),
            status.last_error.as_deref().unwrap_or("unknown error")
        )
    } else if let Some(why) = unsaved {
        format!("Not saved: {why}")
    } else if unsent || status.pending_writes > 0 {
        "Saving…".to_string()
    } else {
        "All changes saved".to_string()
    }
}

/// Who is online, counting people (a member with two devices online is one) and the community's
/// always-on devices apart, never as people.
fn online_text(
    community: Option<&crate::model::Community>,
    connected: &std::collections::BTreeSet<String>,
) -> String {
    let Some(community) = community else {
        return match connected.len() {
            0 => "No members online".into(),
            n => format!(
                "{} online",
                plain::count(n, "member device", "member devices")
            ),
        };
    };
    let (people, always_on) = community.online_counts(connected);
    let people = match people {
        0 => "No members online".to_string(),
        n => format!("{} online", plain::count(n, "member", "members")),
    };
    match always_on {
        0 => people,
        _ => format!("{people} · community device online"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_full_disk_is_said_before_anything_else_and_never_as_saved() {
        let full = StorageStatus {
            read_only: Some("the disk is full: new changes cannot be saved".to_string()),
            ..StorageStatus::default()
        };
        assert_eq!(
            save_state(&full, false, None),
            "Cannot save: the disk is full: new changes cannot be saved"
        );
        assert!(save_state(&full, true, Some("the title is too long")).starts_with("Cannot save"));
        assert_eq!(
            save_state(&StorageStatus::default(), false, None),
            "All changes saved"
        );
    }
}
