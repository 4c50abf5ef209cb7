//! Skills: "Who can help with …?" — a fuzzy search over what members offer, with each helper's
//! matching skills, their other skills and how to reach them (online now, when they joined).
//!
//! The Members view lists everyone and edits your profile; this view answers one question.
//! Draws from the community snapshot; the answer is recomputed only when the question or the
//! snapshot changes.

use std::sync::Arc;

use eframe::egui;

use super::app::{Navigate, View, ViewCtx};
use super::widgets::labelled_field;
use crate::model::Community;
use crate::model::practice::skills::{Helper, who_can_help};
use crate::node::SyncStatus;

/// The search box's label, which is also the question the view answers.
pub const QUESTION: &str = "Who can help with";

#[derive(Default)]
pub struct SkillsState {
    pub question: String,
    /// The answer, with the snapshot and question it was computed for.
    answer: Option<(Arc<Community>, String, Arc<Vec<Helper>>)>,
}

impl SkillsState {
    fn answer(&mut self, community: &Arc<Community>) -> Arc<Vec<Helper>> {
        match &self.answer {
            Some((from, question, helpers))
                if Arc::ptr_eq(from, community) && question == &self.question =>
            {
                helpers.clone()
            }
            _ => {
                let helpers = Arc::new(who_can_help(community, &self.question));
                self.answer = Some((community.clone(), self.question.clone(), helpers.clone()));
                helpers
            }
        }
    }
}

/// A day, as people write it: "5 Mar 2025", in the viewer's zone.
fn day(at: crate::model::Timestamp) -> String {
    use crate::model::local_time;
    local_time::long_day(at, &local_time::viewer_zone())
}

pub fn skills_ui(
    ui: &mut egui::Ui,
    cx: &ViewCtx,
    state: &mut SkillsState,
    sync: &SyncStatus,
) -> Navigate {
    let community = cx.community;
    ui.heading("Skills");
    ui.label("Ask the community: members list what they can help with under Members.");
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        labelled_field(ui, QUESTION, &mut state.question);
        ui.label("?");
    });
    ui.add_space(8.0);
    let helpers = state.answer(community);
    let asked = !state.question.trim().is_empty();
    if helpers.is_empty() {
        if asked {
            ui.label(format!(
                "Nobody lists a skill like \"{}\" yet. Try another word, or ask at the next \
                 gathering.",
                state.question.trim()
            ));
        } else {
            ui.label("Nobody lists a skill yet.");
        }
        if ui.button("Add your skills in Members").clicked() {
            return Navigate::To(View::Members);
        }
        return Navigate::Stay;
    }
    let me = cx.me;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for helper in helpers.iter() {
                let online = community.members.get(&helper.member).is_some_and(|m| {
                    m.devices
                        .keys()
                        .any(|d| sync.connected.contains(d.as_str()))
                });
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.horizontal(|ui| {
                        ui.strong(&helper.name);
                        if Some(&helper.member) == me {
                            ui.label("· this is you");
                        } else if online {
                            ui.colored_label(
                                egui::Color32::from_rgb(0x2e, 0x9e, 0x4f),
                                "online now",
                            );
                        } else {
                            ui.weak("offline");
                        }
                    });
                    if !helper.matching.is_empty() {
                        ui.label(format!("Can help with: {}", helper.matching.join(", ")));
                    }
                    if !helper.other_skills.is_empty() {
                        let label = if helper.matching.is_empty() {
                            "Ask me about"
                        } else {
                            "Also"
                        };
                        ui.label(format!("{label}: {}", helper.other_skills.join(", ")));
                    }
                    ui.weak(format!(
                        "Member since {} · reach them in comments, cases or at a gathering",
                        day(helper.joined_at)
                    ));
                });
                ui.add_space(4.0);
            }
        });
    Navigate::Stay
}
