//! Invite: create a ticket, shown as copyable text and as a QR code, with its expiry and uses.
//!
//! PLACEHOLDER: being written; replaced whole by its view.

use eframe::egui;

use super::app::App;

#[derive(Default)]
pub struct InviteState {}

impl InviteState {}

pub fn invite_ui(ui: &mut egui::Ui, app: &mut App) {
    let _ = (&app.invite, app.me(), &app.device_id);
    ui.label("Coming soon.");
}
