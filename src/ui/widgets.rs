//! Small widgets the views share: labelled fields (each names its text box for screen readers
//! and tests), a list row with a "new" marker, and a document's comment thread.
//!
//! Only drawing: no view state, no commands. A widget returns what the member did and the view
//! decides what that means.

use std::collections::BTreeMap;

use eframe::egui::{self, Button, Key, TextEdit};

use crate::model::{Comment, CommentId, Community};

/// A text field with a visible label that also names it for screen readers and tests.
pub fn labelled_field(ui: &mut egui::Ui, label: &str, text: &mut String) -> egui::Response {
    let label = ui.label(label);
    ui.text_edit_singleline(text).labelled_by(label.id)
}

/// A labelled one-line field as wide as the space it is in.
pub fn labelled_singleline(ui: &mut egui::Ui, label: &str, text: &mut String) -> egui::Response {
    let label = ui.label(label);
    ui.add(TextEdit::singleline(text).desired_width(f32::INFINITY))
        .labelled_by(label.id)
}

/// A labelled text box of `rows` lines as wide as the space it is in, with a hint while empty.
pub fn labelled_multiline(
    ui: &mut egui::Ui,
    label: &str,
    text: &mut String,
    rows: usize,
    hint: &str,
) {
    let label = ui.label(label);
    ui.add(
        TextEdit::multiline(text)
            .desired_rows(rows)
            .desired_width(f32::INFINITY)
            .hint_text(hint),
    )
    .labelled_by(label.id);
}

/// A labelled one-line field and a button on one row; true when the button is clicked (or
/// Enter pressed in the field) with some text in it.
pub fn field_with_button(ui: &mut egui::Ui, label: &str, text: &mut String, button: &str) -> bool {
    ui.horizontal(|ui| {
        let label = ui.label(label);
        let width = (ui.available_width() - 170.0).max(120.0);
        let field = ui
            .add(TextEdit::singleline(text).desired_width(width))
            .labelled_by(label.id);
        let entered = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
        let ready = !text.trim().is_empty();
        let clicked = ui.add_enabled(ready, Button::new(button)).clicked();
        ready && (clicked || entered)
    })
    .inner
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

/// A note's or case's comments under a "Comments (n)" heading, oldest first as a conversation
/// reads; comments made at the same moment keep their ids' order, so every device shows one
/// order.
pub fn comments_ui(
    ui: &mut egui::Ui,
    community: &Community,
    comments: &BTreeMap<CommentId, Comment>,
) {
    let mut comments: Vec<(&CommentId, &Comment)> = comments.iter().collect();
    comments.sort_by_key(|(id, c)| (c.at, *id));
    ui.strong(format!("Comments ({})", comments.len()));
    for (_, c) in comments {
        ui.label(format!(
            "{} ({}): {}",
            community.display_name(&c.author),
            c.at,
            c.text
        ));
    }
}
