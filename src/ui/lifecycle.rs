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
    if !rename_ui(ui, cx, state, item) {
        ui.horizontal(|ui| {
            if ui.button("Rename").clicked() {
                state.start_rename(item, &title);
            }
            if cx.community.is_archived(item) {
                if ui.button("Unarchive").clicked() {
                    state.unarchive(cx, item);
                }
            } else if ui.button("Archive").clicked() {
                state.archive(cx, item, &title);
            }
            if ui.button("Delete…").clicked() {
                state.ask_delete(item, &title);
            }
        });
    }
    confirm_delete_ui(ui, cx, state);
}

impl LifecycleState {
    /// Shows the rename field for `item`, starting from its title.
    pub fn start_rename(&mut self, item: &Item, title: &str) {
        self.renaming = Some((item.clone(), title.to_string()));
    }

    /// Opens the confirmation dialog for deleting `item`.
    pub fn ask_delete(&mut self, item: &Item, title: &str) {
        self.confirm_delete = Some((item.clone(), title.to_string()));
    }

    /// Archives `item` and offers to undo it.
    pub fn archive(&mut self, cx: &ViewCtx, item: &Item, title: &str) {
        cx.send(archive(item.clone()));
        self.undo = Some(Undo {
            item: item.clone(),
            title: title.to_string(),
            deleted: false,
        });
    }

    /// Takes `item` out of the archive.
    pub fn unarchive(&mut self, cx: &ViewCtx, item: &Item) {
        cx.send(unarchive(item.clone()));
        if self.undo.as_ref().is_some_and(|u| &u.item == item) {
            self.undo = None;
        }
    }
}

/// The rename field, if `item` is being renamed: Enter or *Save title* saves, *Cancel* (or
/// Escape, through the app) cancels. Returns whether it was drawn.
pub fn rename_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut LifecycleState, item: &Item) -> bool {
    let Some((renaming, text)) = &mut state.renaming else {
        return false;
    };
    if renaming != item {
        return false;
    }
    let kind = item.kind();
    let old = cx.community.title_of(item).unwrap_or_default().to_string();
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
        if new.trim() != old {
            let item = item.clone();
            cx.send(bridge::action("rename", move |node, c| async move {
                node.rename_item(&c, &item, new).await
            }));
        }
    } else if cancel {
        state.renaming = None;
    }
    true
}

/// The rename field for whichever item is being renamed, as a bar above a list whose rows
/// have no room for it (topics, gatherings).
pub fn rename_bar_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut LifecycleState) {
    if let Some((item, _)) = state.renaming.clone() {
        rename_ui(ui, cx, state, &item);
    }
}

/// The delete confirmation, while one is asked for.
pub fn confirm_delete_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut LifecycleState) {
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
