//! Review of conflicts: the "N places to review" section (in a note's or case's header, above
//! the topics, on Home for the community's own name, purpose and guidelines), each place shown
//! side by side — what each member wrote and what the merge made — with the choices that settle
//! it, *Edit* among them; and Home's "Needs a look". Drawn from the node's list of open
//! conflicts ([`crate::node::Review`]); settling runs on the node and shows when the list moves
//! on.

use eframe::egui;

use super::app::{Navigate, ViewCtx};
use super::bridge;
use super::view::View;
use crate::model::conflict::{TEXT_FIELDS, field_label};
use crate::node::{Review, Reviewed};

/// "1 place to review" / "2 places to review".
pub fn count_label(n: usize) -> String {
    crate::model::plain::count(n, "place to review", "places to review")
}

/// The places to review in what `here` accepts, under a header that counts them (open until
/// the member folds it); nothing when there are none.
pub fn places_ui(ui: &mut egui::Ui, cx: &ViewCtx, here: impl Fn(&Reviewed) -> bool) {
    let places: Vec<&Review> = cx.reviews.iter().filter(|r| here(&r.what)).collect();
    let Some(first) = places.first() else {
        return;
    };
    let amber = egui::Color32::from_rgb(0xb4, 0x6b, 0x00);
    egui::CollapsingHeader::new(egui::RichText::new(count_label(places.len())).color(amber))
        .id_salt(("review", first.what.kind()))
        // Open from the start: a merge nobody wrote must not pass unnoticed.
        .default_open(true)
        .show(ui, |ui| {
            ui.weak("Two members changed the same place while apart, and copse merged them. Choose what it should say.");
            for place in places {
                ui.separator();
                place_ui(ui, cx, place);
            }
        });
}

/// One place: a column per version (each member's, then the merge's) with its *Keep* button,
/// then *Keep both* and *Edit*; or, while editing, the text being written with *Save* and
/// *Cancel*.
fn place_ui(ui: &mut egui::Ui, cx: &ViewCtx, review: &Review) {
    let c = &review.conflict;
    let is_text = TEXT_FIELDS.contains(&c.field.as_str())
        || crate::model::conflict::COMMUNITY_TEXT_FIELDS.contains(&c.field.as_str());
    let one_of_a_few = c.field == "phase" || c.field.ends_with("/status");
    let heading = match review.what {
        Reviewed::Topic(_) => format!(
            "In {} of \u{201c}{}\u{201d}:",
            field_label(&c.field),
            review.title
        ),
        _ => format!("In {}:", field_label(&c.field)),
    };
    ui.strong(heading);
    let names = side_names(review);
    let can_settle = cx.me.is_some();
    let editing: Option<(String, String)> = ui.data(|d| d.get_temp(draft_id()));
    let mut draft = editing.and_then(|(id, text)| (id == review.id).then_some(text));
    let mut choice = None;
    ui.columns(3, |columns| {
        for (i, column) in columns.iter_mut().enumerate() {
            let (title, text) = match i {
                0 | 1 => (format!("{}\u{2019}s version", names[i]), &c.sides[i].text),
                _ => ("What the merge made".to_string(), &c.merged),
            };
            column.label(egui::RichText::new(title).strong());
            egui::Frame::group(column.style()).show(column, |ui| {
                ui.set_width(ui.available_width());
                ui.label(text.trim_end());
            });
            if !can_settle || draft.is_some() {
                continue;
            }
            let keep = match i {
                0 | 1 => format!("Keep {}\u{2019}s", names[i]),
                _ => "Keep as it is".to_string(),
            };
            if column.button(keep).clicked() {
                choice = Some(match i {
                    0 => "1",
                    1 => "2",
                    _ => "current",
                });
            }
        }
    });
    if !can_settle {
        return;
    }
    match &mut draft {
        None => {
            ui.horizontal_wrapped(|ui| {
                if is_text && ui.button("Keep both").clicked() {
                    choice = Some("both");
                }
                if one_of_a_few {
                    ui.weak("This holds one of a few set values: keep one of them.");
                } else if ui.button("Edit").clicked() {
                    let draft = (review.id.clone(), c.merged.trim_end().to_string());
                    ui.data_mut(|d| d.insert_temp(draft_id(), draft));
                }
            });
        }
        Some(text) => {
            let label = ui.label("What it should say");
            let edit = if is_text {
                egui::TextEdit::multiline(text).desired_rows(3)
            } else {
                egui::TextEdit::singleline(text)
            };
            let field = ui
                .add(edit.desired_width(f32::INFINITY))
                .labelled_by(label.id);
            // Enter saves a one-line value, Ctrl+Enter a text; Esc (through the app's
            // `close_dialogs`, see [`close_edit`]) cancels.
            let enter =
                field.lost_focus() && !is_text && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let ctrl_enter = field.has_focus()
                && ui.input(|i| i.modifiers.command && i.key_pressed(egui::Key::Enter));
            let (save, cancel) = ui
                .horizontal(|ui| (ui.button("Save").clicked(), ui.button("Cancel").clicked()))
                .inner;
            if (save || enter || ctrl_enter) && !text.trim().is_empty() {
                settle_with(cx, review, text.clone());
                close_edit(ui.ctx());
            } else if cancel {
                close_edit(ui.ctx());
            } else {
                let draft = (review.id.clone(), text.clone());
                ui.data_mut(|d| d.insert_temp(draft_id(), draft));
            }
        }
    }
    if let Some(choice) = choice {
        settle(cx, review, choice);
    }
}

/// Where the place being edited (its review id and the text so far) is kept: one at a time.
fn draft_id() -> egui::Id {
    egui::Id::unique("review-edit")
}

/// Esc: stops editing a place to review, changing nothing.
pub fn close_edit(ctx: &egui::Context) {
    ctx.data_mut(|d| d.remove::<(String, String)>(draft_id()));
}

/// The two sides' names, told apart when both are the same ("another device").
fn side_names(review: &Review) -> [String; 2] {
    let [a, b] = &review.names;
    if a == b {
        [format!("{a} (first)"), format!("{b} (second)")]
    } else {
        [a.clone(), b.clone()]
    }
}

fn settle(cx: &ViewCtx, review: &Review, choice: &'static str) {
    let id = review.id.clone();
    cx.send(bridge::action(
        "settle the conflict",
        move |node, c| async move { node.settle_review(&c, &id, choice).await.map(|_| ()) },
    ));
}

fn settle_with(cx: &ViewCtx, review: &Review, text: String) {
    let id = review.id.clone();
    cx.send(bridge::action(
        "settle the conflict",
        move |node, c| async move { node.settle_review_with(&c, &id, &text).await.map(|_| ()) },
    ));
}

/// Home's "Needs a look": every note, case, topic and community field with places to review.
pub fn needs_a_look_ui(ui: &mut egui::Ui, cx: &ViewCtx) -> Navigate {
    if cx.reviews.is_empty() {
        return Navigate::Stay;
    }
    let mut to = Navigate::Stay;
    ui.strong(format!("Needs a look ({})", cx.reviews.len()));
    for review in cx.reviews {
        let [a, b] = &review.names;
        let text = format!(
            "{}: {a} and {b} changed {} while apart",
            review.title,
            field_label(&review.conflict.field)
        );
        if ui.link(text).clicked() {
            to = match (&review.what, review.what.doc()) {
                (_, Some(doc)) => Navigate::open(&doc),
                (Reviewed::Topic(_), None) => Navigate::To(View::Topics),
                _ => Navigate::To(View::Home),
            };
        }
    }
    to
}
