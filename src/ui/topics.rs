//! Topics: proposed / planned / discussed, endorsements (one per member, showing who), sub-topics, linked notes, proposing a topic in one line.
//!
//! PLACEHOLDER: being written; replaced whole by its view.

use eframe::egui;

use super::app::App;

#[derive(Default)]
pub struct TopicsState {}

impl TopicsState {}

pub fn topics_ui(ui: &mut egui::Ui, app: &mut App) {
    let _ = (&app.topics, app.me(), &app.device_id);
    ui.label("Coming soon.");
}
