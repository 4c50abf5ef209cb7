//! Home: the community's purpose and guidelines (editable), the next gathering, your open
//! actions, what is new since you last looked, what changed recently, and who is online.

use std::collections::BTreeSet;

use eframe::egui;

use super::app::{App, View};
use super::bridge::{self, Command};
use super::{actions, gatherings};
use crate::model::unread;
use crate::model::{CaseId, Community, CommunityId, DeviceId, DocKind, NoteId, Timestamp};

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

pub fn home_ui(ui: &mut egui::Ui, app: &mut App) {
    let Some((id, community)) = app.current.clone() else {
        return;
    };
    egui::ScrollArea::vertical().show(ui, |ui| {
        ui.heading(&community.name);
        purpose_ui(ui, app, &community);
        ui.add_space(6.0);
        ui.weak(format!(
            "{} members · {} notes · {} topics · {} cases",
            community.members.len(),
            community.notes.len(),
            community.topics.len(),
            community.cases.len()
        ));
        ui.add_space(12.0);
        gatherings::next_gathering_ui(ui, app);
        ui.add_space(12.0);
        actions::my_actions_ui(ui, app);
        ui.add_space(12.0);
        unread_ui(ui, app, &id, &community);
        ui.add_space(12.0);
        recent_ui(ui, app, &id, &community);
        ui.add_space(12.0);
        online_ui(ui, app, &community);
    });
}

fn purpose_ui(ui: &mut egui::Ui, app: &mut App, community: &Community) {
    let can_edit = app.me().is_some();
    match &mut app.home.editing {
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
                app.home.editing = Some((purpose.to_string(), guidelines.to_string()));
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
                app.send(bridge::action(
                    "save the purpose and guidelines",
                    move |node, c| async move {
                        node.set_purpose(&c, purpose).await?;
                        node.set_guidelines(&c, guidelines).await
                    },
                ));
            }
            if save || cancel {
                app.home.editing = None;
            }
        }
    }
}

/// A list row: the item's title, selectable, with a "new" marker when it is new to this
/// device. Returns whether the title was clicked.
pub fn list_row(ui: &mut egui::Ui, selected: bool, title: &str, is_new: bool) -> bool {
    ui.horizontal(|ui| {
        let text = if is_new {
            egui::RichText::new(title).strong()
        } else {
            egui::RichText::new(title)
        };
        let clicked = ui.selectable_label(selected, text).clicked();
        if is_new {
            let marker = egui::RichText::new("new")
                .small()
                .color(ui.visuals().hyperlink_color);
            ui.label(marker).accessible_name(format!("{title} is new"));
        }
        clicked
    })
    .inner
}

/// Opens a note or case in its view.
fn open(app: &mut App, community: &CommunityId, kind: DocKind, id: &str) {
    match kind {
        DocKind::Note => {
            let id = NoteId::from(id.to_string());
            app.view = View::Notes;
            app.notes.select(id.clone());
            app.send(Command::OpenNote(id));
        }
        DocKind::Case => {
            let id = CaseId::from(id.to_string());
            app.view = View::Cases;
            app.cases.open(community, id.clone());
            app.send(Command::OpenCase(id));
        }
    }
}

fn unread_ui(ui: &mut egui::Ui, app: &mut App, id: &CommunityId, community: &Community) {
    let Some(me) = app.me() else {
        return;
    };
    let items = unread::unread(community, &me, &app.read_marks);
    ui.strong(format!("New since you last looked ({})", items.len()));
    if items.is_empty() {
        ui.weak("Nothing new since you last looked.");
    }
    for item in items.iter().take(RECENT) {
        let kind = match item.doc.kind() {
            DocKind::Note => "Note",
            DocKind::Case => "Case",
        };
        ui.horizontal(|ui| {
            ui.weak(kind);
            let link = ui
                .link(&item.title)
                .accessible_name(format!("New: {}", item.title));
            ui.weak(format!(
                "changed by {} · {}",
                community.display_name(&item.by),
                item.updated_at
            ));
            if link.clicked() {
                open(app, id, item.doc.kind(), item.doc.id_str());
            }
        });
    }
    if items.len() > RECENT {
        ui.weak(format!("and {} more", items.len() - RECENT));
    }
}

/// Notes, cases and topics, most recently changed first.
fn recent_ui(ui: &mut egui::Ui, app: &mut App, id: &CommunityId, community: &Community) {
    enum Item<'a> {
        Doc(DocKind, &'a str),
        Topic,
    }
    let mut recent: Vec<(Timestamp, &str, Item)> = Vec::new();
    for (nid, e) in &community.notes {
        recent.push((
            e.updated_at,
            &e.title,
            Item::Doc(DocKind::Note, nid.as_str()),
        ));
    }
    for (cid, e) in &community.cases {
        recent.push((
            e.updated_at,
            &e.title,
            Item::Doc(DocKind::Case, cid.as_str()),
        ));
    }
    for t in community.topics.values() {
        let last = t
            .endorsements
            .values()
            .copied()
            .max()
            .unwrap_or(t.proposed_at);
        recent.push((last.max(t.proposed_at), &t.title, Item::Topic));
    }
    recent.sort_by_key(|(at, _, _)| std::cmp::Reverse(*at));
    ui.strong("Recently changed");
    if recent.is_empty() {
        ui.weak("Nothing yet. Press Ctrl+N to write the first note.");
    }
    for (at, title, item) in recent.into_iter().take(RECENT) {
        ui.horizontal(|ui| match item {
            Item::Doc(kind, doc) => {
                ui.weak(if kind == DocKind::Note {
                    "Note"
                } else {
                    "Case"
                });
                if ui.link(title).clicked() {
                    open(app, id, kind, doc);
                }
                ui.weak(at.to_string());
            }
            Item::Topic => {
                ui.weak("Topic");
                if ui.link(title).clicked() {
                    app.view = View::Topics;
                }
                ui.weak(at.to_string());
            }
        });
    }
}

fn online_ui(ui: &mut egui::Ui, app: &App, community: &Community) {
    ui.strong("Online now");
    if !app.sync.online {
        ui.weak("Offline mode: changes are kept here and shared when you are online.");
        return;
    }
    let names: BTreeSet<String> = app
        .sync
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
