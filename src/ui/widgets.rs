//! Small widgets the views share: labelled fields (each names its text box for screen readers
//! and tests), a list row with a "new" marker, and a document's comment thread.
//!
//! Only drawing: no view state, no commands. A widget returns what the member did and the view
//! decides what that means. The one thing widgets remember is a field's *refusal*: why the text
//! in it was not stored, kept in egui's memory by the field's label and shown under the field
//! (in a line reserved for it, so nothing below moves) until the text changes. The status bar
//! reads the refusals of the fields on screen: it never says "saved" while one shows.

use std::collections::BTreeMap;

use eframe::egui::{self, Button, Key, TextEdit};

use crate::model::{Comment, CommentId, Community, MemberId, ModelError};

/// The banner over a document a newer copse wrote, which this copse only shows
/// ([`crate::model::format::Format::is_newer`]); the view disables what follows it.
pub fn read_only_banner(ui: &mut egui::Ui) {
    egui::Frame::new()
        .fill(ui.visuals().warn_fg_color.gamma_multiply(0.15))
        .inner_margin(8.0)
        .corner_radius(4.0)
        .show(ui, |ui| {
            ui.label(egui::RichText::new(crate::model::format::READ_ONLY).strong());
        });
}

/// Why a field's text was not stored.
#[derive(Clone, Debug)]
struct Refusal {
    /// The field's label, for the status bar.
    field: String,
    reason: String,
    /// The text that was refused: once the member changes it, the reason no longer applies.
    text: String,
    /// The pass the field was last drawn in: only fields on screen count.
    drawn: u64,
}

/// Every field's refusal, in egui's memory.
#[derive(Clone, Debug, Default)]
struct Refusals(BTreeMap<String, Refusal>);

fn refusals_id() -> egui::Id {
    egui::Id::unique("copse-field-refusals")
}

/// Records that `text` in the field labelled `label` was not stored, and why; the field shows
/// the reason under it until its text changes.
pub fn refuse(ctx: &egui::Context, label: &str, text: &str, reason: impl Into<String>) {
    let drawn = ctx.cumulative_pass_nr();
    ctx.data_mut(|d| {
        let all = d.get_temp_mut_or_default::<Refusals>(refusals_id());
        all.0.insert(
            label.to_string(),
            Refusal {
                field: label.to_string(),
                reason: reason.into(),
                text: text.to_string(),
                drawn,
            },
        );
    });
}

/// Forgets the field's refusal (its text was stored or discarded).
pub fn accept(ctx: &egui::Context, label: &str) {
    ctx.data_mut(|d| {
        d.get_temp_mut_or_default::<Refusals>(refusals_id())
            .0
            .remove(label);
    });
}

/// The reason under a field: the refusal if its text is still the refused one, else an empty
/// line of the same height, so a reason appearing never moves what is below.
pub fn refusal_line_ui(ui: &mut egui::Ui, label: &str, text: &str) {
    let pass = ui.ctx().cumulative_pass_nr();
    let reason = ui.ctx().data_mut(|d| {
        let all = d.get_temp_mut_or_default::<Refusals>(refusals_id());
        match all.0.get_mut(label) {
            Some(r) if r.text == text => {
                r.drawn = pass;
                Some(r.reason.clone())
            }
            Some(_) => {
                all.0.remove(label);
                None
            }
            None => None,
        }
    });
    let height = ui.text_style_height(&egui::TextStyle::Body);
    match reason {
        Some(reason) => {
            // One line, however long the reason: the full text is on hover.
            let text = egui::RichText::new(&reason).color(ui.visuals().error_fg_color);
            ui.add(egui::Label::new(text).truncate())
                .on_hover_text(reason);
        }
        None => {
            ui.allocate_space(egui::vec2(1.0, height));
        }
    }
}

/// The refused fields drawn in the last pass: `(field, reason)`, for the status bar.
pub fn refusals_on_screen(ctx: &egui::Context) -> Vec<(String, String)> {
    let since = ctx.cumulative_pass_nr().saturating_sub(1);
    ctx.data(|d| {
        d.get_temp::<Refusals>(refusals_id())
            .map(|all| {
                all.0
                    .values()
                    .filter(|r| r.drawn >= since)
                    .map(|r| (r.field.clone(), r.reason.clone()))
                    .collect()
            })
            .unwrap_or_default()
    })
}

/// A sentence from a model refusal: "A topic's title is too long (…)".
pub fn reason(e: &ModelError) -> String {
    let text = e.to_string();
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => text,
    }
}

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

/// A labelled one-line field and a button on one row, with the line for its refusal under it.
/// Returns true when the button is clicked (or Enter pressed in the field) and `check` accepts
/// the text; when `check` refuses it, the text stays and the reason shows under the field.
/// Either way the keyboard stays in the field, ready for the next entry.
pub fn field_with_button(
    ui: &mut egui::Ui,
    label: &str,
    text: &mut String,
    button: &str,
    check: impl Fn(&str) -> Result<String, ModelError>,
) -> bool {
    let submitted = ui
        .horizontal(|ui| {
            let name = ui.label(label);
            let width = (ui.available_width() - 170.0).max(120.0);
            let field = ui
                // Its id is its label, not its place: a row added above it (the entry just
                // submitted) must not take the keyboard away from it.
                .add(
                    TextEdit::singleline(text)
                        .id_salt(label)
                        .desired_width(width),
                )
                .labelled_by(name.id);
            let entered = field.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
            let clicked = ui.add(Button::new(button)).clicked();
            if !(clicked || entered) {
                return false;
            }
            field.request_focus();
            match check(text) {
                Ok(_) => {
                    accept(ui.ctx(), label);
                    true
                }
                Err(e) => {
                    refuse(ui.ctx(), label, text, reason(&e));
                    false
                }
            }
        })
        .inner;
    refusal_line_ui(ui, label, text);
    submitted
}

/// A visible focus ring: the widget that has the keyboard (drawn in egui's "active" look, as a
/// pressed one) gets a 2-point outline in the selection colour, so Tab shows where it went.
pub fn focus_ring(ctx: &egui::Context) {
    ctx.all_styles_mut(|style| {
        let ring = egui::Stroke::new(2.0, style.visuals.selection.bg_fill);
        style.visuals.widgets.active.bg_stroke = ring;
    });
}

/// Orders `items` as `previous` had them (by `key`); items new since then keep their own order
/// after those. For a list that must not move under the pointer.
pub fn keep_order<T, K: Eq + std::hash::Hash>(
    items: &mut [T],
    previous: &[K],
    key: impl Fn(&T) -> &K,
) {
    let place: std::collections::HashMap<&K, usize> =
        previous.iter().enumerate().map(|(i, k)| (k, i)).collect();
    items.sort_by_key(|t| place.get(key(t)).copied().unwrap_or(usize::MAX));
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

/// Esc: forgets a comment's deletion being asked about.
pub fn close_asks(ctx: &egui::Context) {
    ctx.data_mut(|d| d.remove::<CommentId>(egui::Id::unique(CONFIRM_DELETE_COMMENT)));
}

const CONFIRM_DELETE_COMMENT: &str = "confirm-delete-comment";

/// A note's or case's comments under a "Comments (n)" heading, oldest first as a conversation
/// reads; comments made at the same moment keep their ids' order, so every device shows one
/// order. `me`'s own comments have a Delete button that asks once, in place; returns the comment
/// whose deletion was confirmed.
pub fn comments_ui(
    ui: &mut egui::Ui,
    community: &Community,
    comments: &BTreeMap<CommentId, Comment>,
    me: Option<&MemberId>,
) -> Option<CommentId> {
    let mut comments: Vec<(&CommentId, &Comment)> = comments.iter().collect();
    comments.sort_by_key(|(id, c)| (c.at, *id));
    ui.strong(format!("Comments ({})", comments.len()));
    let asking_id = egui::Id::unique(CONFIRM_DELETE_COMMENT);
    let asking: Option<CommentId> = ui.data(|d| d.get_temp(asking_id));
    let mut deleted = None;
    for (n, (id, c)) in comments.into_iter().enumerate() {
        ui.horizontal_wrapped(|ui| {
            ui.label(format!(
                "{} ({}): {}",
                community.display_name(&c.author),
                c.at,
                c.text
            ));
            if me != Some(&c.author) {
                return;
            }
            if asking.as_ref() == Some(id) {
                ui.label("Delete it for every member?");
                if ui
                    .small_button("Yes, delete it")
                    .accessible_name(format!("Yes, delete comment {}", n + 1))
                    .clicked()
                {
                    deleted = Some(id.clone());
                    ui.data_mut(|d| d.remove::<CommentId>(asking_id));
                }
                if ui.small_button("Keep it").clicked() {
                    ui.data_mut(|d| d.remove::<CommentId>(asking_id));
                }
            } else if ui
                .small_button("Delete")
                .accessible_name(format!("Delete comment {}", n + 1))
                .on_hover_text("Delete your comment")
                .clicked()
            {
                ui.data_mut(|d| d.insert_temp(asking_id, id.clone()));
            }
        });
    }
    deleted
}
