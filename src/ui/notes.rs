//! Notes: a searchable list, most recently changed first, and an editor for the selected note's
//! Markdown body with its comments.
//!
//! Typing is sent to the node after a short pause as the whole new text; the node turns it into
//! the smallest splice, so a member typing elsewhere in the same note keeps their words. While
//! local edits are unsent, a remote change does not overwrite the editor.

use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;

use super::app::App;
use super::bridge::Command;
use super::welcome::labelled_field;
use crate::model::{Community, Note, NoteId};

/// How long typing pauses before the text is saved.
const SAVE_AFTER: Duration = Duration::from_millis(400);

#[derive(Default)]
pub struct NotesState {
    pub search: String,
    pub focus_search: bool,
    selected: Option<NoteId>,
    note: Option<Arc<Note>>,
    /// The editor's text; the note's body unless local edits are unsent.
    editor: String,
    /// When the editor last changed without being sent.
    unsent_since: Option<Instant>,
    /// Edits sent but not yet confirmed on disk.
    pub(super) awaiting_save: usize,
    new_title: Option<String>,
    comment: String,
}

impl NotesState {
    pub fn select(&mut self, id: NoteId) {
        if self.selected.as_ref() != Some(&id) {
            self.selected = Some(id);
            self.note = None;
            self.editor.clear();
            self.unsent_since = None;
        }
    }

    pub fn note_changed(&mut self, id: NoteId, note: Arc<Note>) {
        if self.selected.as_ref() != Some(&id) {
            return;
        }
        if self.unsent_since.is_none() {
            self.editor = note.body.as_str().to_string();
        }
        self.note = Some(note);
    }

    pub fn saved(&mut self) {
        self.awaiting_save = self.awaiting_save.saturating_sub(1);
    }

    pub fn has_unsent_edit(&self) -> bool {
        self.unsent_since.is_some() || self.awaiting_save > 0
    }

    /// The edit to send now, if typing has paused long enough.
    pub fn edit_to_send(&mut self, now: Instant) -> Option<(NoteId, String)> {
        let since = self.unsent_since?;
        if now.duration_since(since) < SAVE_AFTER {
            return None;
        }
        self.unsent_since = None;
        self.awaiting_save += 1;
        Some((self.selected.clone()?, self.editor.clone()))
    }

    pub fn start_new_note(&mut self) {
        self.new_title = Some(String::new());
    }

    pub fn close_dialogs(&mut self) {
        self.new_title = None;
    }
}

pub fn notes_ui(ui: &mut egui::Ui, app: &mut App) {
    let Some((_, community)) = app.current.clone() else {
        return;
    };
    let mut commands = Vec::new();
    egui::Panel::left("note-list")
        .resizable(true)
        .show(ui, |ui| {
            list_ui(ui, &mut app.notes, &community, &mut commands);
        });
    egui::CentralPanel::default().show(ui, |ui| {
        editor_ui(ui, &mut app.notes, &community, &mut commands)
    });
    for command in commands {
        app.send(command);
    }
}

fn list_ui(
    ui: &mut egui::Ui,
    state: &mut NotesState,
    community: &Community,
    commands: &mut Vec<Command>,
) {
    if ui.button("New note (Ctrl+N)").clicked() {
        state.start_new_note();
    }
    let mut create = None;
    if let Some(title) = &mut state.new_title {
        let response = labelled_field(ui, "New note title", title);
        response.request_focus();
        let submit = response.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if (ui.button("Create").clicked() || submit) && !title.trim().is_empty() {
            create = Some(title.clone());
        }
    }
    if let Some(title) = create {
        commands.push(Command::AddNote { title });
        state.new_title = None;
    }
    let search = labelled_field(ui, "Search notes", &mut state.search);
    if std::mem::take(&mut state.focus_search) {
        search.request_focus();
    }
    let needle = state.search.to_lowercase();
    let mut notes: Vec<_> = community
        .notes
        .iter()
        .filter(|(_, e)| needle.is_empty() || e.title.to_lowercase().contains(&needle))
        .collect();
    notes.sort_by_key(|(_, e)| std::cmp::Reverse(e.updated_at));
    if community.notes.is_empty() {
        ui.label("No notes yet.");
    } else if notes.is_empty() {
        ui.label("No note title matches.");
    }
    let row = ui.text_style_height(&egui::TextStyle::Button) + 6.0;
    egui::ScrollArea::vertical().show_rows(ui, row, notes.len(), |ui, range| {
        for (id, entry) in &notes[range] {
            let selected = state.selected.as_ref() == Some(*id);
            if ui.selectable_label(selected, &entry.title).clicked() {
                state.select((*id).clone());
                commands.push(Command::OpenNote((*id).clone()));
            }
        }
    });
}

fn editor_ui(
    ui: &mut egui::Ui,
    state: &mut NotesState,
    community: &Community,
    commands: &mut Vec<Command>,
) {
    let (Some(id), Some(note)) = (state.selected.clone(), state.note.clone()) else {
        ui.label(if state.selected.is_some() {
            "Opening…"
        } else {
            "Choose a note, or press Ctrl+N to write one."
        });
        return;
    };
    ui.heading(&note.title);
    ui.label(format!(
        "by {} · {}",
        community.display_name(&note.author),
        note.created_at
    ));
    if super::thanks::thanks_ui(ui, community, &note.thanks, &note.author) {
        let thanked = id.clone();
        commands.push(super::bridge::action("thank", move |node, c| async move {
            node.thank_note(&c, &thanked).await.map(|_| ())
        }));
    }
    let label = ui.label("Note body (Markdown)");
    let editor = egui::TextEdit::multiline(&mut state.editor)
        .desired_width(f32::INFINITY)
        .desired_rows(16);
    if ui.add(editor).labelled_by(label.id).changed() {
        state.unsent_since = Some(Instant::now());
    }
    ui.add_space(8.0);
    ui.strong(format!("Comments ({})", note.comments.len()));
    let mut comments: Vec<_> = note.comments.values().collect();
    comments.sort_by_key(|c| c.at);
    for c in comments {
        ui.label(format!(
            "{} ({}): {}",
            community.display_name(&c.author),
            c.at,
            c.text
        ));
    }
    ui.horizontal(|ui| {
        labelled_field(ui, "Add a comment", &mut state.comment);
        if ui.button("Comment").clicked() && !state.comment.trim().is_empty() {
            commands.push(Command::CommentNote {
                note: id,
                text: std::mem::take(&mut state.comment),
            });
        }
    });
}
