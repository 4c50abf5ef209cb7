//! Rename, archive and delete for the item a view shows (a note, a case, a topic or a
//! gathering), the *Show archived* toggle of its list, and the notice that offers *Undo* after
//! an archive or a delete.
//!
//! Each view keeps one [`LifecycleState`] and draws [`actions_ui`] beside the item's title,
//! [`undo_ui`] above its list, and filters its list with [`LifecycleState::lists`]. Changes go
//! to the node as [`bridge::action`]s; the rules are the model's
//! ([`crate::model::lifecycle`]). Escape (the app's `close_dialogs`) cancels a rename or the
//! delete dialog.

use eframe::egui;

use super::app::ViewCtx;
use super::bridge::{self, Command};
use crate::model::{Community, Item};

/// What the rename, delete and undo controls of one view remember between frames.
#[derive(Default)]
pub struct LifecycleState {
    /// The item being renamed and the title typed so far.
    renaming: Option<(Item, String)>,
    /// The item whose delete waits for confirmation, with its title.
    confirm_delete: Option<(Item, String)>,
    /// Whether the list shows archived items too.
    pub show_archived: bool,
    /// The last archive or delete, which the notice offers to undo.
    undo: Option<Undo>,
}

/// An archive or a delete that can be undone.
#[derive(Clone, Debug, PartialEq)]
struct Undo {
    item: Item,
    title: String,
    deleted: bool,
}

impl LifecycleState {
    /// Cancels a rename in progress and the delete dialog.
    pub fn close(&mut self) {
        self.renaming = None;
        self.confirm_delete = None;
    }

    /// Whether the view's list shows `item` now.
    pub fn lists(&self, community: &Community, item: &Item) -> bool {
        community.shows(item, self.show_archived)
    }

    /// Whether a rename of `item` is in progress (the view then shows the field instead of
    /// its title).
    pub fn is_renaming(&self, item: &Item) -> bool {
        self.renaming.as_ref().is_some_and(|(i, _)| i == item)
    }
}

/// The *Show archived* checkbox of a list.
pub fn show_archived_ui(ui: &mut egui::Ui, state: &mut LifecycleState) {
    ui.checkbox(&mut state.show_archived, "Show archived");
}

/// A list row's title: archived items say so.
pub fn row_title(community: &Community, item: &Item, title: &str) -> String {
    if community.is_archived(item) {
        format!("{title} (archived)")
    } else {
        title.to_string()
    }
}

/// *Rename*, *Archive* (or *Unarchive*) and *Delete…* for `item`, with the inline rename field
/// (Enter saves, Escape cancels) and the confirmation dialog.
pub fn actions_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut LifecycleState, item: &Item) {
    let Some(title) = cx.community.title_of(item).map(str::to_string) else {
        return;
    };
    let kind = item.kind();
    if let Some((renaming, text)) = &mut state.renaming
        && renaming == item
    {
        let mut save = None;
        let mut cancel = false;
        ui.horizontal(|ui| {
            let label = ui.label(format!("New {kind} title"));
            let field = ui.text_edit_singleline(text).labelled_by(label.id);
            if !field.has_focus() && !field.lost_focus() {
                field.request_focus();
            }
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            if entered || ui.button("Save title").clicked() {
                save = Some(text.clone());
            }
            // Escape reaches the app's `close_dialogs` first, which cancels too.
            if ui.button("Cancel").clicked() {
                cancel = true;
            }
        });
        if let Some(new) = save {
            state.renaming = None;
            if new.trim() != title {
                let item = item.clone();
                cx.send(bridge::action("rename", move |node, c| async move {
                    node.rename_item(&c, &item, new).await
                }));
            }
        } else if cancel {
            state.renaming = None;
        }
    } else {
        ui.horizontal(|ui| {
            if ui.button("Rename").clicked() {
                state.renaming = Some((item.clone(), title.clone()));
            }
            if cx.community.is_archived(item) {
                if ui.button("Unarchive").clicked() {
                    cx.send(unarchive(item.clone()));
                    state.undo = None;
                }
            } else if ui.button("Archive").clicked() {
                cx.send(archive(item.clone()));
                state.undo = Some(Undo {
                    item: item.clone(),
                    title: title.clone(),
                    deleted: false,
                });
            }
            if ui.button("Delete…").clicked() {
                state.confirm_delete = Some((item.clone(), title.clone()));
            }
        });
    }
    confirm_delete_ui(ui, cx, state);
}

fn confirm_delete_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut LifecycleState) {
    let Some((item, title)) = state.confirm_delete.clone() else {
        return;
    };
    let kind = item.kind();
    let mut choice = None;
    egui::Modal::new(egui::Id::unique("confirm-delete")).show(ui.ctx(), |ui| {
        ui.heading(format!("Delete the {kind} '{title}'?"));
        ui.label(
            "It disappears from every member's lists. Search and export no longer show it. \
             You can undo it right after; to keep it out of the way instead, archive it.",
        );
        ui.horizontal(|ui| {
            if ui.button("Delete for everyone").clicked() {
                choice = Some(true);
            }
            if ui.button("Keep it").clicked() {
                choice = Some(false);
            }
        });
    });
    match choice {
        Some(true) => {
            state.confirm_delete = None;
            let target = item.clone();
            cx.send(bridge::action("delete", move |node, c| async move {
                node.delete(&c, &target).await.map(|_| ())
            }));
            state.undo = Some(Undo {
                item,
                title,
                deleted: true,
            });
        }
        Some(false) => state.confirm_delete = None,
        None => {}
    }
}

/// After an archive or a delete: what happened, *Undo* and *Dismiss*.
pub fn undo_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut LifecycleState) {
    let Some(undo) = state.undo.clone() else {
        return;
    };
    let kind = undo.item.kind();
    ui.horizontal(|ui| {
        let done = if undo.deleted { "Deleted" } else { "Archived" };
        ui.label(format!("{done} {kind} '{}'.", undo.title));
        if ui.button("Undo").clicked() {
            let item = undo.item.clone();
            let command = if undo.deleted {
                bridge::action("undo the delete", move |node, c| async move {
                    node.undelete(&c, &item).await.map(|_| ())
                })
            } else {
                unarchive(item)
            };
            cx.send(command);
            state.undo = None;
        }
        if ui.button("Dismiss").clicked() {
            state.undo = None;
        }
    });
}

fn archive(item: Item) -> Command {
    bridge::action("archive", move |node, c| async move {
        node.archive(&c, &item).await.map(|_| ())
    })
}

fn unarchive(item: Item) -> Command {
    bridge::action("unarchive", move |node, c| async move {
        node.unarchive(&c, &item).await.map(|_| ())
    })
}
