//! Review of conflicts: the "N places to review" section in a note's or case's header, each
//! place with what each member wrote and what the document reads now, and the choices that
//! settle it; and Home's "Needs a look". Drawn from the node's list of open conflicts
//! ([`crate::node::Review`]); settling runs on the node and shows when the list moves on.

use eframe::egui;

use super::app::{Navigate, ViewCtx};
use super::bridge;
use crate::model::DocRef;
use crate::model::conflict::{TEXT_FIELDS, field_label};
use crate::node::Review;

/// "1 place to review" / "2 places to review".
pub fn count_label(n: usize) -> String {
    crate::model::plain::count(n, "place to review", "places to review")
}

/// The places to review in `doc`, under a header that counts them (open until the member
/// folds it); nothing when there are none.
pub fn places_ui(ui: &mut egui::Ui, cx: &ViewCtx, doc: &DocRef) {
    let places: Vec<&Review> = cx.reviews.iter().filter(|r| &r.doc == doc).collect();
    if places.is_empty() {
        return;
    }
    let amber = egui::Color32::from_rgb(0xb4, 0x6b, 0x00);
    egui::CollapsingHeader::new(egui::RichText::new(count_label(places.len())).color(amber))
        .id_salt(("review", doc.id_str()))
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

fn place_ui(ui: &mut egui::Ui, cx: &ViewCtx, review: &Review) {
    let c = &review.conflict;
    let is_text = TEXT_FIELDS.contains(&c.field.as_str());
    ui.strong(format!("In {}:", field_label(&c.field)));
    let names = side_names(review);
    for (i, side) in c.sides.iter().enumerate() {
        ui.label(format!(
            "{} wrote \u{201c}{}\u{201d}",
            names[i],
            side.text.trim_end()
        ));
    }
    ui.label(format!(
        "Now it reads \u{201c}{}\u{201d}",
        c.merged.trim_end()
    ));
    if cx.me.is_none() {
        return;
    }
    ui.horizontal_wrapped(|ui| {
        for (i, name) in names.iter().enumerate() {
            if ui.button(format!("Keep {name}\u{2019}s")).clicked() {
                settle(cx, review, if i == 0 { "1" } else { "2" });
            }
        }
        if is_text && ui.button("Keep both").clicked() {
            settle(cx, review, "both");
        }
        if ui.button("Keep as it is").clicked() {
            settle(cx, review, "current");
        }
    });
    if is_text {
        ui.weak("Or edit the text by hand: an edit there settles this place too.");
    }
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

/// Home's "Needs a look": every note and case with places to review.
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
            to = Navigate::open(&review.doc);
        }
    }
    to
}
