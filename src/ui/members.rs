//! Members: the directory with skills ("ask me about") and learning objectives, search, and your own profile editor.
//!
//! PLACEHOLDER: being written; replaced whole by its view.

use eframe::egui;

use super::app::App;

#[derive(Default)]
pub struct MembersState {}

impl MembersState {}

pub fn members_ui(ui: &mut egui::Ui, app: &mut App) {
    let _ = (&app.members, app.me(), &app.device_id);
    ui.label("Coming soon.");
}
