//! Peer-assist cases: the case in its current phase with guidance for that phase, questions with the presenter's answers, suggestions (the box only exists in Suggest), the presenter's controls to advance and close with outcome and next actions.
//!
//! PLACEHOLDER: being written; replaced whole by its view.

use eframe::egui;

use super::app::App;

#[derive(Default)]
pub struct CasesState {}

impl CasesState {
    pub fn case_changed(
        &mut self,
        _id: crate::model::CaseId,
        _case: std::sync::Arc<crate::model::Case>,
    ) {
    }
}

pub fn cases_ui(ui: &mut egui::Ui, app: &mut App) {
    let _ = (&app.cases, app.me(), &app.device_id);
    ui.label("Coming soon.");
}
