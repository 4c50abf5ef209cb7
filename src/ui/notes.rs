//! Notes: a searchable list, most recently changed first, and an editor for the selected note's
//! Markdown body with its comments.
//!
//! Typing is sent to the node after a short pause as "from this text to that text"; the node
//! rebases it onto the note as it is then ([`text_edit::merge`]), so words a member typed
//! meanwhile are kept. A member's edit that arrives while you type is merged into the editor the
//! same way, and the cursor moves with the text around it.
//!
//! The view keeps only its own state (the selection, the editor, the drafts); opening another
//! view is a [`Navigate`] for the app. A comment the node refuses goes back into its box, as in
//! Cases, with the reason under it.
//!
//! Text the editor holds but the note does not (over the size limit, or a save that failed) is
//! [`NotesState::unsaved`]: the status bar says so, and opening another note first asks whether
//! to keep editing, copy the text and leave, or discard it.

use std::collections::HashSet;
use std::sync::{Arc, mpsc};
use std::time::{Duration, Instant};

use eframe::egui;

use super::app::{Navigate, ViewCtx};
use super::bridge::{self, Command};
use super::history::{HistoryState, Shown, history_ui};
use super::lifecycle::{self, LifecycleState};
use super::widgets::{self, labelled_field, list_row, refusal_line_ui};
use crate::model::text_edit::{self, Splice};
use crate::model::{Community, Item, Note, NoteId, limits, plain};

/// The label of the new note's title field.
pub const NEW_TITLE: &str = "New note title";
/// The label of a note's comment box.
pub const COMMENT: &str = "Add a comment";
/// The label of the editor.
pub const BODY: &str = "Note body (Markdown)";

/// How long typing pauses before the text is saved.
const SAVE_AFTER: Duration = Duration::from_millis(400);

/// An edit to send to the node: the note, the text the editor started from, the new text.
pub type EditToSend = (NoteId, String, String);

#[derive(Default)]
pub struct NotesState {
    pub search: String,
    pub focus_search: bool,
    selected: Option<NoteId>,
    note: Option<Arc<Note>>,
    /// The editor's text: `base` plus what was typed here and not yet sent.
    editor: String,
    /// The note's body the editor's typing started from (once sent: the text that was sent).
    base: String,
    /// When the editor last changed without being sent.
    unsent_since: Option<Instant>,
    /// Edits sent for the selected note but not yet confirmed on disk.
    in_flight: usize,
    /// Typing in a note that was left before it was sent.
    left_behind: Option<EditToSend>,
    /// A change to the editor's text that was not typed here, for moving the cursor with it.
    moved: Vec<CharShift>,
    /// Whether the rendered preview is shown beside the editor.
    pub(super) preview: bool,
    markdown: egui_commonmark::CommonMarkCache,
    history: HistoryState,
    /// Counts the snapshots of the selected note, so the history is re-read when it changes.
    snapshots: usize,
    new_title: Option<String>,
    /// The title field takes the keyboard once, when the form opens (so Tab can leave it).
    focus_new_title: bool,
    /// A note is being created from the title field: it stays until the note opens.
    creating: bool,
    /// Why the node refused to create the note, to show under the title field.
    create_refused: Option<String>,
    /// The editor takes the keyboard once it shows (after creating a note).
    focus_body: bool,
    /// Why the last save of the editor's text failed, until a save succeeds or it is discarded.
    save_error: Option<String>,
    /// Where the member asked to go while the editor held unsaved text; asked about first.
    leaving: Option<Navigate>,
    /// The list's order while the pointer is over it, so rows do not move under it.
    order: Vec<NoteId>,
    comment: String,
    /// Comments the node refused, coming back to their box.
    unsent: Unsent,
    /// Rename, archive, delete and their undo.
    lifecycle: LifecycleState,
    /// The note's files.
    attachments: super::attachments::AttachmentsState,
}

/// The way back for a comment the node refused: the note, the text and why.
struct Unsent {
    tx: mpsc::Sender<(NoteId, String, String)>,
    rx: mpsc::Receiver<(NoteId, String, String)>,
}

impl Default for Unsent {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        Unsent { tx, rx }
    }
}

impl NotesState {
    pub fn select(&mut self, id: NoteId) {
        if self.selected.as_ref() == Some(&id) {
            return;
        }
        if let Some(old) = self.selected.take()
            && self.editor != self.base
        {
            self.left_behind = Some((old, self.base.clone(), self.editor.clone()));
        }
        *self = NotesState {
            search: std::mem::take(&mut self.search),
            selected: Some(id),
            left_behind: self.left_behind.take(),
            preview: self.preview,
            lifecycle: std::mem::take(&mut self.lifecycle),
            order: std::mem::take(&mut self.order),
            ..NotesState::default()
        };
    }

    /// Opens the history of the selected note on what changed since `since`.
    pub fn show_changes_since(&mut self, since: crate::model::Timestamp) {
        self.history.show_changes_since(since);
    }

    /// The note shown, if any.
    pub fn selected(&self) -> Option<&NoteId> {
        self.selected.as_ref()
    }

    /// Whether the selected note (if any) has arrived.
    pub fn is_shown(&self) -> bool {
        self.selected.is_none() || self.note.is_some()
    }

    pub fn note_changed(&mut self, id: NoteId, note: Arc<Note>) {
        if self.selected.as_ref() != Some(&id) {
            return;
        }
        // While an edit is on its way, the snapshots may not hold it yet; the node sends the
        // latest one again once it is saved.
        if self.note.is_none() {
            self.editor = note.body.as_str().to_string();
            self.base = self.editor.clone();
            // A note with pictures in it opens showing them.
            self.preview |= self.editor.contains(super::attachment_images::SCHEME);
        } else if self.in_flight == 0 {
            self.rebase_onto(note.body.as_str());
        }
        self.note = Some(note);
        self.snapshots += 1;
    }

    /// A sent edit is on disk (`Ok`, the note as it left it) or failed (`Err`, why).
    pub fn saved(&mut self, id: NoteId, body: Result<String, String>) {
        if self.selected.as_ref() != Some(&id) {
            return;
        }
        self.in_flight = self.in_flight.saturating_sub(1);
        if let Err(e) = &body {
            self.save_error = Some(e.clone());
        }
        if self.in_flight > 0 {
            return;
        }
        match body {
            Ok(body) => {
                self.save_error = None;
                self.rebase_onto(&body);
            }
            // Keep the typing on screen as unsaved: the editor differs from the note.
            Err(_) => {
                if let Some(note) = &self.note {
                    self.base = note.body.as_str().to_string();
                }
            }
        }
    }

    /// Why the editor holds text the note does not, if it does: the one answer the status bar,
    /// the editor and leaving the note all take.
    pub fn unsaved(&self) -> Option<String> {
        if self.editor.len() > limits::MAX_BODY_BYTES {
            return Some(format!(
                "the note is {}, over the {} limit",
                plain::size(self.editor.len()),
                plain::size(limits::MAX_BODY_BYTES)
            ));
        }
        match &self.save_error {
            Some(e) if self.editor != self.base => {
                Some(format!("the note could not be saved: {e}"))
            }
            _ => None,
        }
    }

    /// Whether going to `to` would leave the note whose unsaved text the editor holds; if so
    /// the view asks first, and `to` waits.
    pub fn ask_before(&mut self, to: &Navigate) -> bool {
        let leaves = match to {
            Navigate::OpenNote(id) => self.selected.as_ref() != Some(id),
            _ => false,
        };
        if leaves && self.unsaved().is_some() {
            self.leaving = Some(to.clone());
            return true;
        }
        false
    }

    /// Puts the editor back to the note as stored.
    fn discard(&mut self) {
        self.editor = self.base.clone();
        self.save_error = None;
        self.unsent_since = None;
    }

    /// The note this window just created is open: the keyboard goes to its body.
    pub fn created(&mut self, id: &NoteId) {
        self.creating = false;
        if self.selected.as_ref() == Some(id) {
            self.focus_body = true;
        }
    }

    /// The node refused to create the note: the title stays, with the reason under it.
    pub fn create_failed(&mut self, error: String) {
        if self.creating {
            self.creating = false;
            self.create_refused = Some(error);
        }
    }

    /// Makes the editor show `body` with the unsent typing on top.
    fn rebase_onto(&mut self, body: &str) {
        let merged = text_edit::merge(&self.base, &self.editor, body);
        if let Some(change) = text_edit::diff(&self.editor, &merged) {
            self.moved.push(CharShift::of(&self.editor, &change));
            self.editor = merged;
        }
        self.base = body.to_string();
    }

    pub fn has_unsent_edit(&self) -> bool {
        self.unsent_since.is_some() || self.in_flight > 0 || self.left_behind.is_some()
    }

    /// The edit to send now, if typing has paused long enough.
    pub fn edit_to_send(&mut self, now: Instant) -> Option<EditToSend> {
        if let Some(edit) = self.left_behind.take() {
            return Some(edit);
        }
        let since = self.unsent_since?;
        if now.duration_since(since) < SAVE_AFTER {
            return None;
        }
        self.unsent_since = None;
        // The node would refuse it; the status bar and the editor say why, the text stays.
        if self.editor.len() > limits::MAX_BODY_BYTES {
            return None;
        }
        let id = self.selected.clone()?;
        if self.editor == self.base {
            return None;
        }
        self.in_flight += 1;
        let from = std::mem::replace(&mut self.base, self.editor.clone());
        Some((id, from, self.editor.clone()))
    }

    /// Puts refused comments back in their box, unless the member moved to another note or
    /// has typed something new there.
    fn receive(&mut self, ctx: &egui::Context) {
        while let Ok((note, text, reason)) = self.unsent.rx.try_recv() {
            if self.selected.as_ref() == Some(&note) && self.comment.is_empty() {
                widgets::refuse(ctx, COMMENT, &text, reason);
                self.comment = text;
            }
        }
    }

    /// Sends the comment in the box; if the node refuses it, the text comes back.
    fn comment_command(&mut self, note: NoteId) -> Command {
        let text = std::mem::take(&mut self.comment);
        let unsent = self.unsent.tx.clone();
        bridge::action("add the comment", move |node, community| async move {
            let result = node.comment_note(&community, &note, text.clone()).await;
            if let Err(e) = &result {
                // The window has closed if this fails; nothing is left to put back.
                let _ = unsent.send((note, text, e.to_string()));
            }
            result.map(|_| ())
        })
    }

    pub fn start_new_note(&mut self) {
        if self.new_title.is_none() {
            self.new_title = Some(String::new());
        }
        self.focus_new_title = true;
    }

    pub fn close_dialogs(&mut self) {
        self.new_title = None;
        self.creating = false;
        self.leaving = None;
        self.history.close();
        self.lifecycle.close();
    }
}

/// A change to the editor's text counted in characters, as egui's cursor is.
#[derive(Clone, Copy, Debug, PartialEq)]
struct CharShift {
    start: usize,
    deleted: usize,
    inserted: usize,
}

impl CharShift {
    fn of(old_text: &str, change: &Splice) -> CharShift {
        CharShift {
            start: old_text[..change.start].chars().count(),
            deleted: old_text[change.start..change.start + change.deleted]
                .chars()
                .count(),
            inserted: change.inserted.chars().count(),
        }
    }

    /// Where a cursor at `at` belongs after the change: text typed before it pushes it along.
    fn map(&self, at: usize) -> usize {
        if at <= self.start {
            at
        } else if at >= self.start + self.deleted {
            at - self.deleted + self.inserted
        } else {
            self.start + self.inserted
        }
    }

    /// Moves the editor's cursor (and selection) with the changes, in order.
    fn apply(shifts: &[CharShift], ctx: &egui::Context, id: egui::Id) {
        let Some(mut state) = egui::TextEdit::load_state(ctx, id) else {
            return;
        };
        let Some(mut range) = state.cursor.char_range() else {
            return;
        };
        for shift in shifts {
            range.primary.index.0 = shift.map(range.primary.index.0);
            range.secondary.index.0 = shift.map(range.secondary.index.0);
        }
        state.cursor.set_char_range(Some(range));
        state.store(ctx, id);
    }
}

pub fn notes_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut NotesState) -> Navigate {
    state.receive(ui.ctx());
    let left = leave_dialog_ui(ui, state);
    let community = cx.community;
    let mut commands = Vec::new();
    let to = egui::Panel::left("note-list")
        .resizable(true)
        .show(ui, |ui| {
            let new = cx.unread_ids(crate::model::DocKind::Note);
            lifecycle::undo_ui(ui, cx, &mut state.lifecycle);
            list_ui(ui, state, community, &new, &mut commands)
        })
        .inner;
    egui::CentralPanel::default().show(ui, |ui| editor_ui(ui, cx, state, &mut commands));
    for command in commands {
        cx.send(command);
    }
    left.or(to)
}

/// The question asked before leaving a note whose text is not saved. Three honest choices:
/// stay; take the text along on the clipboard (every byte of it, for the member to put where
/// it fits); or let it go. No truncated copy is saved behind the member's back.
fn leave_dialog_ui(ui: &mut egui::Ui, state: &mut NotesState) -> Navigate {
    if state.leaving.is_none() {
        return Navigate::Stay;
    }
    let Some(why) = state.unsaved() else {
        // Saved meanwhile: nothing to ask.
        return state.leaving.take().unwrap_or_default();
    };
    let mut choice = None;
    egui::Modal::new(egui::Id::unique("leave-unsaved-note")).show(ui.ctx(), |ui| {
        ui.set_max_width(420.0);
        ui.heading("This note has text that is not saved");
        ui.label(format!("Not saved: {why}."));
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button(KEEP_EDITING).clicked() {
                choice = Some(Leave::Stay);
            }
            if ui.button(COPY_AND_LEAVE).clicked() {
                choice = Some(Leave::Copy);
            }
            if ui.button(DISCARD_AND_LEAVE).clicked() {
                choice = Some(Leave::Discard);
            }
        });
    });
    match choice {
        None => Navigate::Stay,
        Some(Leave::Stay) => {
            state.leaving = None;
            Navigate::Stay
        }
        Some(Leave::Copy) => {
            ui.ctx().copy_text(state.editor.clone());
            state.discard();
            state.leaving.take().unwrap_or_default()
        }
        Some(Leave::Discard) => {
            state.discard();
            state.leaving.take().unwrap_or_default()
        }
    }
}

/// The buttons of the question asked before leaving unsaved text.
pub const KEEP_EDITING: &str = "Keep editing";
pub const COPY_AND_LEAVE: &str = "Copy the text and leave";
pub const DISCARD_AND_LEAVE: &str = "Discard the unsaved text";

enum Leave {
    Stay,
    Copy,
    Discard,
}

fn list_ui(
    ui: &mut egui::Ui,
    state: &mut NotesState,
    community: &Community,
    new: &HashSet<String>,
    commands: &mut Vec<Command>,
) -> Navigate {
    if ui.button("New note (Ctrl+N)").clicked() {
        state.start_new_note();
    }
    if let Some(title) = &mut state.new_title {
        let response = labelled_field(ui, NEW_TITLE, title);
        if std::mem::take(&mut state.focus_new_title) {
            response.request_focus();
        }
        if let Some(reason) = state.create_refused.take() {
            widgets::refuse(ui.ctx(), NEW_TITLE, title, reason);
        }
        refusal_line_ui(ui, NEW_TITLE, title);
        let entered = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        let mut create = false;
        let mut cancel = false;
        ui.horizontal(|ui| {
            create = ui
                .add_enabled(!state.creating, egui::Button::new("Create"))
                .clicked();
            cancel = ui.button("Cancel").clicked();
            if state.creating {
                ui.spinner();
            }
        });
        if cancel {
            state.new_title = None;
        } else if (create || entered) && !state.creating {
            match limits::title("a note's title", title) {
                Ok(_) => {
                    widgets::accept(ui.ctx(), NEW_TITLE);
                    commands.push(Command::AddNote {
                        title: title.clone(),
                    });
                    state.creating = true;
                }
                Err(e) => {
                    widgets::refuse(ui.ctx(), NEW_TITLE, title, widgets::reason(&e));
                    response.request_focus();
                }
            }
        }
    }
    let search = labelled_field(ui, "Search notes", &mut state.search);
    lifecycle::show_archived_ui(ui, &mut state.lifecycle);
    if std::mem::take(&mut state.focus_search) {
        search.request_focus();
    }
    let needle = state.search.to_lowercase();
    let mut notes: Vec<_> = community
        .notes
        .iter()
        .filter(|(id, _)| {
            let item = Item::Note((*id).clone());
            state.lifecycle.lists(community, &item)
        })
        .filter(|(_, e)| needle.is_empty() || e.title.to_lowercase().contains(&needle))
        .collect();
    notes.sort_by_key(|(_, e)| std::cmp::Reverse(e.updated_at));
    // While the pointer is over the list, a note changed elsewhere keeps its place; the list
    // re-sorts once the pointer leaves, so a click never lands on a row that just moved.
    let pointer_over = ui.rect_contains_pointer(ui.max_rect());
    if pointer_over && !state.order.is_empty() {
        widgets::keep_order(&mut notes, &state.order, |(id, _)| *id);
    }
    state.order = notes.iter().map(|(id, _)| (*id).clone()).collect();
    if community.notes.is_empty() {
        ui.label("No notes yet.");
    } else if notes.is_empty() {
        ui.label("No note title matches.");
    }
    let row = ui.text_style_height(&egui::TextStyle::Button) + 6.0;
    let mut to = Navigate::Stay;
    egui::ScrollArea::vertical().show_rows(ui, row, notes.len(), |ui, range| {
        for (id, entry) in &notes[range] {
            let selected = state.selected.as_ref() == Some(*id);
            let is_new = new.contains(id.as_str());
            let title = lifecycle::row_title(community, &Item::Note((*id).clone()), &entry.title);
            if list_row(ui, selected, &title, is_new) {
                to = Navigate::OpenNote((*id).clone());
            }
        }
    });
    to
}

fn editor_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut NotesState, commands: &mut Vec<Command>) {
    let community = cx.community;
    let (Some(id), Some(note)) = (state.selected.clone(), state.note.clone()) else {
        ui.label(if state.selected.is_some() {
            "Opening…"
        } else {
            "Choose a note, or press Ctrl+N to write one."
        });
        return;
    };
    let item = Item::Note(id.clone());
    if community.is_deleted(&item) {
        ui.label("This note was deleted. Undo brings it back.");
        return;
    }
    if !state.lifecycle.is_renaming(&item) {
        ui.heading(&note.title);
    }
    if note.format.is_newer() {
        widgets::read_only_banner(ui);
        // Everything below only shows the note: this copse never changes it.
        ui.disable();
    }
    if community.is_archived(&item) {
        ui.label("Archived: hidden from the list unless Show archived is on.");
    }
    lifecycle::actions_ui(ui, cx, &mut state.lifecycle, &item);
    super::review::places_ui(ui, cx, |w| *w == crate::node::Reviewed::Note(id.clone()));
    ui.label(format!(
        "by {} · {}",
        community.display_name(&note.author),
        note.created_at
    ));
    if super::thanks::thanks_ui(ui, community, &note.thanks, &note.author) {
        let thanked = id.clone();
        commands.push(bridge::action("thank", move |node, c| async move {
            node.thank_note(&c, &thanked).await.map(|_| ())
        }));
    }
    ui.horizontal(|ui| {
        ui.checkbox(&mut state.preview, "Show preview");
        if ui.button("History").clicked() {
            state.history.open = !state.history.open;
        }
    });
    if state.history.open {
        let now = Shown {
            title: note.title.clone(),
            text: note.body.as_str().to_string(),
        };
        let doc = crate::model::DocRef::Note(id.clone());
        history_ui(
            ui,
            &mut state.history,
            &doc,
            &now,
            state.snapshots,
            commands,
        );
        return;
    }
    let editor_id = ui.make_persistent_id(("note-body", &id));
    CharShift::apply(&std::mem::take(&mut state.moved), ui.ctx(), editor_id);
    if std::mem::take(&mut state.focus_body) {
        ui.memory_mut(|m| m.request_focus(editor_id));
    }
    let height = (ui.available_height() * 0.6).max(160.0);
    let unsaved = state.unsaved();
    let edit_ui = |ui: &mut egui::Ui, state: &mut NotesState| {
        // The reason sits on the label's line, so it appears without moving the editor.
        let label = ui
            .horizontal(|ui| {
                let label = ui.label(BODY);
                if let Some(why) = &unsaved {
                    ui.colored_label(ui.visuals().error_fg_color, format!("Not saved: {why}"));
                }
                label
            })
            .inner;
        egui::ScrollArea::vertical()
            .id_salt("note-body-scroll")
            .max_height(height)
            .show(ui, |ui| {
                let editor = egui::TextEdit::multiline(&mut state.editor)
                    .id(editor_id)
                    .desired_width(f32::INFINITY)
                    .desired_rows(16)
                    .code_editor();
                if ui.add(editor).labelled_by(label.id).changed() {
                    state.unsent_since = Some(Instant::now());
                }
            });
    };
    if state.preview {
        let images = super::attachment_images::images(ui.ctx());
        let shown =
            super::attachment_images::prepare(&state.editor, cx.community, &images, commands);
        if super::attachment_images::any_waiting(&state.editor, &images) {
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(500));
        }
        ui.columns(2, |columns| {
            edit_ui(&mut columns[0], state);
            columns[1].label("Preview");
            egui::ScrollArea::vertical()
                .id_salt("note-preview-scroll")
                .max_height(height)
                .show(&mut columns[1], |ui| {
                    // `attachment:` addresses as written (not read as file paths).
                    egui_commonmark::CommonMarkViewer::new()
                        .explicit_image_uri_scheme(true)
                        .show(ui, &mut state.markdown, &shown);
                });
        });
    } else {
        edit_ui(ui, state);
    }
    let doc = crate::model::DocRef::Note(id.clone());
    state.attachments.text_editor = true;
    super::attachments::attachments_ui(ui, cx, &mut state.attachments, &doc, commands);
    if let Some(link) = state.attachments.take_insert() {
        if !state.editor.is_empty() && !state.editor.ends_with('\n') {
            state.editor.push('\n');
        }
        state.editor.push_str(&format!("\n{link}\n"));
        state.unsent_since = Some(Instant::now());
        state.preview = true;
    }
    ui.add_space(8.0);
    if let Some(comment) = widgets::comments_ui(ui, community, &note.comments, cx.me) {
        commands.push(bridge::action(
            "delete the comment",
            move |node, c| async move { node.delete_comment(&c, &doc, &comment).await },
        ));
    }
    if widgets::field_with_button(ui, COMMENT, &mut state.comment, "Comment", |t| {
        limits::required_text("a comment", t, limits::MAX_SHORT_TEXT_BYTES)
    }) {
        commands.push(state.comment_command(id));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{MemberId, Timestamp};

    fn note(body: &str) -> Arc<Note> {
        let ada = MemberId::from("ada".to_string());
        Arc::new(Note::new("Plan", body, &ada, Timestamp(1)).unwrap())
    }

    fn open(body: &str) -> (NotesState, NoteId) {
        let id = NoteId::from("n1".to_string());
        let mut state = NotesState::default();
        state.select(id.clone());
        state.note_changed(id.clone(), note(body));
        (state, id)
    }

    fn type_text(state: &mut NotesState, text: &str, at: Instant) {
        state.editor = text.to_string();
        state.unsent_since = Some(at);
    }

    #[test]
    fn a_remote_edit_while_typing_keeps_both_and_moves_the_cursor_along() {
        let (mut state, id) = open("hello world");
        let t0 = Instant::now();
        type_text(&mut state, "hello world, typed here", t0);
        // A member adds a word at the start before this typing is sent.
        state.note_changed(id.clone(), note("oh hello world"));
        assert_eq!(state.editor, "oh hello world, typed here");
        // A cursor at the end of "world" (char 11) moves 3 to the right with the text.
        assert_eq!(state.moved.len(), 1);
        assert_eq!(state.moved[0].map(11), 14);
        assert_eq!(state.moved[0].map(0), 0);

        let (note_id, from, to) = state.edit_to_send(t0 + SAVE_AFTER).unwrap();
        assert_eq!(note_id, id);
        assert_eq!(from, "oh hello world");
        assert_eq!(to, "oh hello world, typed here");
    }

    #[test]
    fn snapshots_during_a_save_wait_for_it_and_the_typing_after_it_survives() {
        let (mut state, id) = open("a");
        let t0 = Instant::now();
        type_text(&mut state, "ab", t0);
        let (_, from, to) = state.edit_to_send(t0 + SAVE_AFTER).unwrap();
        assert_eq!((from.as_str(), to.as_str()), ("a", "ab"));
        assert!(state.has_unsent_edit(), "in flight until saved");
        // More typing while the save is on its way; a remote change lands on the node.
        type_text(&mut state, "abc", t0 + SAVE_AFTER);
        state.note_changed(id.clone(), note("Xa"));
        assert_eq!(state.editor, "abc", "held back until the save is confirmed");
        // The node merged the sent edit with the remote one.
        state.saved(id.clone(), Ok("Xab".into()));
        assert_eq!(state.editor, "Xabc");
        let (_, from, to) = state.edit_to_send(t0 + SAVE_AFTER * 3).unwrap();
        assert_eq!((from.as_str(), to.as_str()), ("Xab", "Xabc"));
        state.saved(id.clone(), Ok("Xabc".into()));
        assert!(!state.has_unsent_edit());
        state.note_changed(id, note("Xabc!"));
        assert_eq!(state.editor, "Xabc!");
    }

    #[test]
    fn leaving_a_note_before_the_pause_still_sends_its_typing() {
        let (mut state, id) = open("draft");
        type_text(&mut state, "draft, finished", Instant::now());
        state.select(NoteId::from("n2".to_string()));
        let (left, from, to) = state.edit_to_send(Instant::now()).unwrap();
        assert_eq!(left, id);
        assert_eq!((from.as_str(), to.as_str()), ("draft", "draft, finished"));
        assert_eq!(state.editor, "", "the new note's editor starts empty");
    }

    #[test]
    fn a_refused_comment_goes_back_to_its_box_unless_the_member_moved_on() {
        let (mut state, id) = open("a");
        state
            .unsent
            .tx
            .send((id.clone(), "kept".into(), "why".into()))
            .unwrap();
        state.receive(&egui::Context::default());
        assert_eq!(state.comment, "kept");

        state.comment = "newer".into();
        state
            .unsent
            .tx
            .send((id, "older".into(), "why".into()))
            .unwrap();
        state.receive(&egui::Context::default());
        assert_eq!(state.comment, "newer", "new typing is not overwritten");

        let other = NoteId::from("n2".to_string());
        state.select(other);
        state
            .unsent
            .tx
            .send((NoteId::from("n1".to_string()), "x".into(), "why".into()))
            .unwrap();
        state.receive(&egui::Context::default());
        assert_eq!(state.comment, "", "another note's comment stays out");
    }

    #[test]
    fn a_failed_save_keeps_the_typing_on_screen() {
        let (mut state, id) = open("a");
        let t0 = Instant::now();
        type_text(&mut state, "a typed", t0);
        state.edit_to_send(t0 + SAVE_AFTER).unwrap();
        state.saved(id.clone(), Err("the disk is full".into()));
        assert_eq!(state.editor, "a typed");
        state.note_changed(id, note("Oh a"));
        assert_eq!(state.editor, "Oh a typed");
    }
}
