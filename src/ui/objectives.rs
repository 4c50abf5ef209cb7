//! Objectives: the learning objectives members share, grouped by meaning and ranked by how many
//! members hold them, each with a "Make topic" button that proposes it as a topic crediting its
//! holders.
//!
//! Draws from the community snapshot; the grouping is recomputed only when the snapshot
//! changes. Making a topic is a node action; the topic shows through the next snapshot.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use eframe::egui;

use super::app::{Navigate, View, ViewCtx};
use super::bridge;
use crate::model::practice::objectives::ObjectiveGroup;
use crate::model::{Community, MemberId};

#[derive(Default)]
pub struct ObjectivesState {
    /// The grouping of the snapshot it was computed from.
    groups: Option<(Arc<Community>, Arc<Vec<ObjectiveGroup>>)>,
    /// Groups (by label) whose topic was asked for and has not arrived yet, with a slot the
    /// action fills with whether it succeeded (a failure shows as the window's error).
    asked: BTreeMap<String, Arc<Mutex<Option<bool>>>>,
}

impl ObjectivesState {
    /// The snapshot's groups, computed once per snapshot.
    fn groups(&mut self, community: &Arc<Community>) -> Arc<Vec<ObjectiveGroup>> {
        match &self.groups {
            Some((from, groups)) if Arc::ptr_eq(from, community) => groups.clone(),
            _ => {
                let groups = Arc::new(community.shared_objectives());
                self.groups = Some((community.clone(), groups.clone()));
                groups
            }
        }
    }
}

/// Whether a topic made from this group's objectives is already in the community.
fn has_topic(community: &Community, group: &ObjectiveGroup) -> bool {
    community
        .topics
        .values()
        .any(|t| !t.from_objectives.is_empty() && t.title.eq_ignore_ascii_case(&group.label))
}

/// The holders' names, alphabetically.
fn names(community: &Community, holders: impl Iterator<Item = MemberId>) -> String {
    let mut names: Vec<String> = holders.map(|m| community.display_name(&m)).collect();
    names.sort_by_key(|n| n.to_lowercase());
    names.join(", ")
}

pub fn objectives_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut ObjectivesState) -> Navigate {
    let community = cx.community;
    let groups = state.groups(community);
    // A refused request gives the button back.
    state
        .asked
        .retain(|_, done| done.lock().map_or(true, |d| *d != Some(false)));
    if !state.asked.is_empty() {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(100));
    }
    ui.heading("Shared learning objectives");
    ui.label(
        "What members want to learn, in their own words, grouped when they mean the same thing. \
         The most widely shared come first. Add yours under Members.",
    );
    ui.add_space(8.0);
    if groups.is_empty() {
        ui.label("No learning objectives yet.");
        if ui.button("Add yours in Members").clicked() {
            return Navigate::To(View::Members);
        }
        return Navigate::Stay;
    }
    let on_roster = cx.me.is_some();
    let mut make: Option<String> = None;
    let mut go_to_topics = false;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for group in groups.iter() {
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    ui.horizontal(|ui| {
                        ui.strong(&group.label);
                        let n = group.holder_count();
                        ui.label(format!("· {n} member{}", if n == 1 { "" } else { "s" }));
                    });
                    ui.label(format!(
                        "Held by: {}",
                        names(community, group.holders.keys().cloned())
                    ));
                    if group.wordings.len() > 1 {
                        ui.weak(format!(
                            "Also written as: {}",
                            group.wordings[1..].join(" · ")
                        ));
                    }
                    ui.horizontal(|ui| {
                        if has_topic(community, group) {
                            state.asked.remove(&group.label);
                            ui.weak("Already a topic.");
                            if ui.link("See it in Topics").clicked() {
                                go_to_topics = true;
                            }
                        } else if state.asked.contains_key(&group.label) {
                            ui.spinner();
                            ui.label("Proposing the topic…");
                        } else if ui
                            .add_enabled(on_roster, egui::Button::new("Make topic"))
                            .on_hover_text("Propose it as a topic, crediting everyone who holds it")
                            .clicked()
                        {
                            make = Some(group.label.clone());
                        }
                    });
                });
                ui.add_space(4.0);
            }
        });
    let to = if go_to_topics {
        Navigate::To(View::Topics)
    } else {
        Navigate::Stay
    };
    if let Some(label) = make {
        let done = Arc::new(Mutex::new(None));
        state.asked.insert(label.clone(), done.clone());
        cx.send(bridge::action(
            "make the topic",
            move |node, community| async move {
                let made = node.topic_from_objectives(&community, &label).await;
                if let Ok(mut slot) = done.lock() {
                    *slot = Some(made.is_ok());
                }
                made.map(|_| ())
            },
        ));
    }
    to
}
