//! Search: one box across notes, topics, cases and members (Ctrl+F). Results arrive from the
//! node's index through a reply channel as the member types; each shows its kind, its title and
//! a snippet with the matched words highlighted, and opens where it lives when clicked.

use std::sync::{Arc, mpsc};
use std::time::Duration;

use eframe::egui::{self, Color32, TextFormat, text::LayoutJob};

use super::app::{Navigate, View, ViewCtx};
use super::bridge::{self, Command};
use super::widgets::labelled_field;
use crate::model::Community;
use crate::model::practice::search::{Hit, SearchResults, Span, Target};
use crate::node::SEARCH_LIMIT;

/// The label of the search box (kittest and screen readers find it by this).
pub const SEARCH_LABEL: &str = "Search everything";

pub struct SearchState {
    pub query: String,
    /// The box takes the keyboard on the next frame (Ctrl+F).
    pub focus: bool,
    /// The query whose answer is shown or awaited, and the community snapshot it was asked
    /// against: a newer snapshot (an edit here or from a peer) asks again.
    asked: String,
    asked_against: Option<Arc<Community>>,
    waiting: bool,
    results: Option<SearchResults>,
    error: Option<String>,
    replies_tx: mpsc::Sender<(String, Result<SearchResults, String>)>,
    replies: mpsc::Receiver<(String, Result<SearchResults, String>)>,
}

impl Default for SearchState {
    fn default() -> Self {
        let (replies_tx, replies) = mpsc::channel();
        SearchState {
            query: String::new(),
            focus: false,
            asked: String::new(),
            asked_against: None,
            waiting: false,
            results: None,
            error: None,
            replies_tx,
            replies,
        }
    }
}

impl SearchState {
    /// Takes in answers; only the answer to the latest query is kept, so a slow early answer
    /// never replaces a later one.
    fn receive(&mut self) {
        while let Ok((query, answer)) = self.replies.try_recv() {
            if query != self.asked {
                continue;
            }
            self.waiting = false;
            match answer {
                Ok(results) => {
                    self.results = Some(results);
                    self.error = None;
                }
                Err(e) => self.error = Some(e),
            }
        }
    }

    /// The search to run for the box's current text, if it differs from the last one asked or
    /// the community changed since.
    fn ask(&mut self, community: &Arc<Community>) -> Option<Command> {
        let query = self.query.trim().to_string();
        let same_snapshot = self
            .asked_against
            .as_ref()
            .is_some_and(|known| Arc::ptr_eq(known, community));
        if query == self.asked && same_snapshot {
            return None;
        }
        self.asked = query.clone();
        self.asked_against = Some(community.clone());
        if query.is_empty() {
            self.results = None;
            self.waiting = false;
            return None;
        }
        self.waiting = true;
        let replies = self.replies_tx.clone();
        Some(bridge::action(
            "search",
            move |node, community| async move {
                let answer = node
                    .search(&community, &query, SEARCH_LIMIT)
                    .await
                    .map_err(|e| e.to_string());
                // Shown beside the box, not in the error bar.
                let _ = replies.send((query, answer));
                Ok(())
            },
        ))
    }
}

pub fn search_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut SearchState) -> Navigate {
    state.receive();
    ui.heading("Search");
    let response = labelled_field(ui, SEARCH_LABEL, &mut state.query);
    if std::mem::take(&mut state.focus) {
        response.request_focus();
    }
    ui.weak(
        "Notes, topics, cases and members. Every word must match; case and accents are ignored.",
    );
    if let Some(command) = state.ask(cx.community) {
        cx.send(command);
    }
    if state.waiting {
        // The answer comes through the reply channel, which does not wake the window.
        ui.ctx().request_repaint_after(Duration::from_millis(30));
    }
    ui.add_space(8.0);
    if let Some(error) = &state.error {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!("Search failed: {error}"),
        );
    }
    let Some(results) = state.results.clone() else {
        if state.waiting {
            ui.spinner();
        }
        return Navigate::Stay;
    };
    if results.hits.is_empty() {
        ui.label(format!("Nothing matches \"{}\".", results.query));
        return Navigate::Stay;
    }
    ui.label(if results.total > results.hits.len() {
        format!(
            "The best {} of {} matches",
            results.hits.len(),
            results.total
        )
    } else if results.total == 1 {
        "1 match".to_string()
    } else {
        format!("{} matches", results.total)
    });
    let mut opened = None;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for hit in &results.hits {
                if hit_ui(ui, hit) {
                    opened = Some(hit.clone());
                }
                ui.add_space(6.0);
            }
        });
    opened.map_or(Navigate::Stay, |hit| open(&hit))
}

/// One result; true when clicked.
fn hit_ui(ui: &mut egui::Ui, hit: &Hit) -> bool {
    let mut clicked = false;
    egui::Frame::group(ui.style()).show(ui, |ui| {
        ui.set_width(ui.available_width());
        ui.horizontal(|ui| {
            ui.weak(hit.target.kind().label());
            let title = highlighted(ui.style(), &hit.title, &hit.title_matches, true);
            let link = ui.add(egui::Label::new(title).sense(egui::Sense::click()));
            clicked = link
                .on_hover_cursor(egui::CursorIcon::PointingHand)
                .clicked();
        });
        if let Some(snippet) = &hit.snippet {
            ui.horizontal_wrapped(|ui| {
                ui.weak(format!("{}:", snippet.field));
                ui.label(highlighted(
                    ui.style(),
                    &snippet.text,
                    &snippet.matches,
                    false,
                ));
            });
        }
    });
    clicked
}

/// `text` with a background colour behind each matched span.
fn highlighted(style: &egui::Style, text: &str, spans: &[Span], strong: bool) -> LayoutJob {
    let font = egui::TextStyle::Body.resolve(style);
    let color = if strong {
        style.visuals.strong_text_color()
    } else {
        style.visuals.text_color()
    };
    let plain = TextFormat::simple(font.clone(), color);
    let marked = TextFormat {
        background: highlight_colour(style.visuals.dark_mode),
        ..TextFormat::simple(font, color)
    };
    let mut job = LayoutJob::default();
    let mut at = 0;
    for span in spans {
        let (Some(before), Some(matched)) =
            (text.get(at..span.start), text.get(span.start..span.end))
        else {
            continue;
        };
        job.append(before, 0.0, plain.clone());
        job.append(matched, 0.0, marked.clone());
        at = span.end;
    }
    job.append(text.get(at..).unwrap_or_default(), 0.0, plain);
    job
}

fn highlight_colour(dark: bool) -> Color32 {
    if dark {
        Color32::from_rgb(110, 90, 20)
    } else {
        Color32::from_rgb(255, 230, 130)
    }
}

/// Where a result lives.
fn open(hit: &Hit) -> Navigate {
    match &hit.target {
        Target::Doc(doc) => Navigate::open(doc),
        Target::Topic(_) => Navigate::To(View::Topics),
        Target::Member(_) => Navigate::FindMember(hit.title.clone()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_matched_words_get_a_background() {
        let style = egui::Style::default();
        let spans = [Span { start: 0, end: 7 }, Span { start: 12, end: 19 }];
        let job = highlighted(&style, "Compost and grüße", &spans, false);
        let marked: Vec<(&str, bool)> = job
            .sections
            .iter()
            .filter(|s| s.byte_range.start.0 < s.byte_range.end.0)
            .map(|s| {
                (
                    &job.text[s.byte_range.start.0..s.byte_range.end.0],
                    s.format.background != Color32::TRANSPARENT,
                )
            })
            .collect();
        assert_eq!(
            marked,
            [("Compost", true), (" and ", false), ("grüße", true)]
        );
        // A span that is not on a character boundary is left unmarked, never a panic.
        let job = highlighted(&style, "grüße", &[Span { start: 3, end: 4 }], false);
        assert_eq!(job.text, "grüße");
    }
}
