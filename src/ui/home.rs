//! Home: the community's purpose and guidelines (editable), the next gathering, your open
//! actions, what is new since you last looked, what changed recently, and who is online.

use std::collections::BTreeSet;

use eframe::egui;

use super::actions::{self, ActionsState};
use super::app::{Navigate, View, ViewCtx};
use super::bridge;
use super::gatherings;
use crate::model::{Community, Timestamp};
use crate::model::{DeviceId, DocKind, DocRef, Item};
use crate::node::SyncStatus;

/// Items listed under "Recently changed".
const RECENT: usize = 8;

/// The purpose and guidelines being edited, while the member edits them.
#[derive(Default)]
pub struct HomeState {
    editing: Option<(String, String)>,
}

impl HomeState {
    pub fn close_dialogs(&mut self) {
        self.editing = None;
    }
}

pub fn home_ui(
    ui: &mut egui::Ui,
    cx: &ViewCtx,
    state: &mut HomeState,
    actions: &mut ActionsState,
    sync: &SyncStatus,
) -> Navigate {
    let community = cx.community;
    egui::ScrollArea::vertical()
        .show(ui, |ui| {
            ui.heading(&community.name);
            super::review::places_ui(ui, cx, |w| *w == crate::node::Reviewed::Community);
            purpose_ui(ui, cx, state);
            ui.add_space(6.0);
            let count = crate::model::plain::count;
            let mut sizes = vec![
                count(community.members.len(), "member", "members"),
                count(community.notes.len(), "note", "notes"),
                count(community.topics.len(), "topic", "topics"),
                count(community.cases.len(), "case", "cases"),
            ];
            if !community.files.is_empty() {
                let bytes = community.files_size();
                sizes.push(format!(
                    "Files: {}",
                    crate::model::attachment::size_in_words(bytes)
                ));
            }
            ui.weak(sizes.join(" · "));
            ui.add_space(12.0);
            let to = gatherings::next_gathering_ui(ui, cx);
            ui.add_space(12.0);
            actions::my_actions_ui(ui, cx, actions);
            ui.add_space(12.0);
            let to = to.or(super::review::needs_a_look_ui(ui, cx));
            ui.add_space(12.0);
            let to = to.or(unread_ui(ui, cx));
            ui.add_space(12.0);
            let to = to.or(recent_ui(ui, community));
            ui.add_space(12.0);
            online_ui(ui, sync, community);
            to
        })
        .inner
}

fn purpose_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut HomeState) {
    let (community, can_edit) = (cx.community, cx.me.is_some());
    match &mut state.editing {
        None => {
            ui.strong("Purpose");
            let purpose = community.purpose.as_str();
            ui.label(if purpose.is_empty() {
                "No purpose written yet: why do we come together?"
            } else {
                purpose
            });
            ui.strong("Guidelines");
            let guidelines = community.guidelines.as_str();
            ui.label(if guidelines.is_empty() {
                "No guidelines yet: how do we work together?"
            } else {
                guidelines
            });
            if can_edit && ui.button("Edit purpose and guidelines").clicked() {
                state.editing = Some((purpose.to_string(), guidelines.to_string()));
            }
        }
        Some((purpose, guidelines)) => {
            let label = ui.strong("Purpose");
            ui.add(
                egui::TextEdit::multiline(purpose)
                    .desired_rows(3)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
            let label = ui.strong("Guidelines");
            ui.add(
                egui::TextEdit::multiline(guidelines)
                    .desired_rows(5)
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
            let (save, cancel) = ui
                .horizontal(|ui| (ui.button("Save").clicked(), ui.button("Cancel").clicked()))
                .inner;
            if save {
                let (purpose, guidelines) = (purpose.clone(), guidelines.clone());
                cx.send(bridge::action(
                    "save the purpose and guidelines",
                    move |node, c| async move {
                        node.set_purpose(&c, purpose).await?;
                        node.set_guidelines(&c, guidelines).await
                    },
                ));
            }
            if save || cancel {
                state.editing = None;
            }
        }
    }
}

fn unread_ui(ui: &mut egui::Ui, cx: &ViewCtx) -> Navigate {
    if cx.me.is_none() {
        return Navigate::Stay;
    }
    let community = cx.community;
    let mut to = Navigate::Stay;
    let items = cx.unread();
    ui.strong(format!("New since you last looked ({})", items.len()));
    if items.is_empty() {
        ui.weak("Nothing new since you last looked.");
    }
    for item in items.iter().take(RECENT) {
        ui.horizontal(|ui| {
            ui.weak(kind_word(&item.item));
            let link = ui
                .link(&item.title)
                .accessible_name(format!("New: {}", item.title));
            ui.weak(format!(
                "changed by {} · {}",
                community.display_name(&item.by),
                item.updated_at
            ));
            if link.clicked() {
                to = open_item(&item.item);
            }
            // A note's or case's history shows what changed since this device last looked.
            if let Some(doc) = item.doc()
                && ui
                    .small_button("What changed")
                    .accessible_name(format!("What changed in {}", item.title))
                    .on_hover_text("Compare with the version you last saw")
                    .clicked()
            {
                to = Navigate::ShowChanges(doc, cx.last_looked(&item.item));
            }
        });
    }
    if items.len() > RECENT {
        ui.weak(format!("and {} more", items.len() - RECENT));
    }
    to
}

/// "Note", "Case", "Topic" or "Gathering".
fn kind_word(item: &Item) -> &'static str {
    match item {
        Item::Note(_) => "Note",
        Item::Case(_) => "Case",
        Item::Topic(_) => "Topic",
        Item::Gathering(_) => "Gathering",
    }
}

/// Where to go to see an item.
fn open_item(item: &Item) -> Navigate {
    match item {
        Item::Note(id) => Navigate::OpenNote(id.clone()),
        Item::Case(id) => Navigate::OpenCase(id.clone()),
        Item::Topic(_) => Navigate::To(View::Topics),
        Item::Gathering(id) => Navigate::OpenGathering(id.clone()),
    }
}

/// Notes, cases and topics, most recently changed first.
fn recent_ui(ui: &mut egui::Ui, community: &Community) -> Navigate {
    enum Item {
        Doc(DocRef),
        Topic,
    }
    let mut recent: Vec<(Timestamp, &str, Item)> = Vec::new();
    // Archived items stay out of the way here too; their own lists can show them.
    let listed = |item: crate::model::Item| community.shows(&item, false);
    for (nid, e) in &community.notes {
        if listed(crate::model::Item::Note(nid.clone())) {
            recent.push((e.updated_at, &e.title, Item::Doc(DocRef::Note(nid.clone()))));
        }
    }
    for (cid, e) in &community.cases {
        if listed(crate::model::Item::Case(cid.clone())) {
            recent.push((e.updated_at, &e.title, Item::Doc(DocRef::Case(cid.clone()))));
        }
    }
    for (tid, t) in &community.topics {
        if !listed(crate::model::Item::Topic(tid.clone())) {
            continue;
        }
        let last = t
            .endorsements
            .values()
            .copied()
            .max()
            .unwrap_or(t.proposed_at);
        recent.push((last.max(t.proposed_at), &t.title, Item::Topic));
    }
    recent.sort_by_key(|(at, _, _)| std::cmp::Reverse(*at));
    let mut to = Navigate::Stay;
    ui.strong("Recently changed");
    if recent.is_empty() {
        ui.weak("Nothing yet. Press Ctrl+N to write the first note.");
    }
    for (at, title, item) in recent.into_iter().take(RECENT) {
        ui.horizontal(|ui| match item {
            Item::Doc(doc) => {
                ui.weak(match doc.kind() {
                    DocKind::Note => "Note",
                    DocKind::Case => "Case",
                });
                if ui.link(title).clicked() {
                    to = Navigate::open(&doc);
                }
                ui.weak(at.to_string());
            }
            Item::Topic => {
                ui.weak("Topic");
                if ui.link(title).clicked() {
                    to = Navigate::To(View::Topics);
                }
                ui.weak(at.to_string());
            }
        });
    }
    to
}

fn online_ui(ui: &mut egui::Ui, sync: &SyncStatus, community: &Community) {
    ui.strong("Online now");
    if !sync.online {
        ui.weak("Offline mode: changes are kept here and shared when you are online.");
        return;
    }
    let names: BTreeSet<String> = sync
        .connected
        .iter()
        .filter_map(|device| community.member_for_device(&DeviceId::from(device.clone())))
        .map(|m| community.display_name(m))
        .collect();
    if names.is_empty() {
        ui.weak("No other member is online right now.");
    } else {
        ui.label(names.into_iter().collect::<Vec<_>>().join(", "));
    }
}
