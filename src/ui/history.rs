//! The history of a note or a case: who changed it, what and when, what changed word by word
//! between an earlier version and today's (one column, deleted words struck through, inserted
//! ones underlined; [`crate::model::word_diff`] computes it), and restoring it (a new change on
//! top, so nothing is lost). A case is compared as the Markdown page an export would write for
//! it. Opened from "New since you last looked", it compares the version this device last saw.

use std::sync::mpsc;

use eframe::egui;

use super::bridge::{self, Command};
use crate::model::markdown::export::case_page;
use crate::model::plain;
use crate::model::word_diff::{Change, Span, changed, word_diff};
use crate::model::{DocRef, Timestamp};
use crate::node::HistoryEntry;

/// A version as the panel shows it: a title and a text.
pub struct Shown {
    pub title: String,
    pub text: String,
}

/// An earlier version compared with now, for the version and the snapshot it was made at.
struct Compared {
    key: (String, usize),
    title: Vec<Span>,
    text: Vec<Span>,
}

/// What the node sends back to this panel.
enum Reply {
    Entries(DocRef, Vec<HistoryEntry>),
    Version(DocRef, String, Shown),
}

/// The history panel's state; closed until the member opens it.
pub struct HistoryState {
    pub open: bool,
    /// The document the entries are for, and which of its snapshots they were read at.
    loaded_for: Option<(DocRef, usize)>,
    entries: Option<Vec<HistoryEntry>>,
    /// The earlier version being looked at.
    viewing: Option<(String, Shown)>,
    /// Its comparison with now, kept while neither changes.
    compared: Option<Compared>,
    /// Scroll to the first change when the comparison is next drawn.
    jump: bool,
    /// Show the changes made since this moment once the entries arrive ("what is new").
    since: Option<Timestamp>,
    tx: mpsc::Sender<Reply>,
    rx: mpsc::Receiver<Reply>,
}

impl Default for HistoryState {
    fn default() -> Self {
        let (tx, rx) = mpsc::channel();
        HistoryState {
            open: false,
            loaded_for: None,
            entries: None,
            viewing: None,
            compared: None,
            jump: false,
            since: None,
            tx,
            rx,
        }
    }
}

impl HistoryState {
    pub fn close(&mut self) {
        self.open = false;
        self.viewing = None;
        self.compared = None;
        self.since = None;
    }

    /// Opens the panel on what changed since `since` (the last time this device looked): the
    /// version as it was then, compared with now, scrolled to the first change.
    pub fn show_changes_since(&mut self, since: Timestamp) {
        self.open = true;
        self.viewing = None;
        self.compared = None;
        self.since = Some(since);
    }

    fn receive(&mut self, doc: &DocRef) {
        while let Ok(reply) = self.rx.try_recv() {
            match reply {
                Reply::Entries(of, entries) if &of == doc => self.entries = Some(entries),
                Reply::Version(of, version, old) if &of == doc => {
                    self.viewing = Some((version, old));
                    self.jump = true;
                }
                _ => {}
            }
        }
    }
}

/// The panel for `doc`, shown as it is `now`; `revision` changes whenever the document does,
/// so the list is re-read.
pub fn history_ui(
    ui: &mut egui::Ui,
    state: &mut HistoryState,
    doc: &DocRef,
    now: &Shown,
    revision: usize,
    commands: &mut Vec<Command>,
) {
    if state.loaded_for.as_ref().map(|(d, _)| d) != Some(doc) {
        // Another document: nothing of the last one's history may show for this one.
        state.entries = None;
        state.viewing = None;
        state.compared = None;
    }
    state.receive(doc);
    if state.loaded_for.as_ref() != Some(&(doc.clone(), revision)) {
        state.loaded_for = Some((doc.clone(), revision));
        commands.push(read_entries(state, doc.clone(), ui.ctx().clone()));
    }
    ui.horizontal(|ui| {
        ui.strong("History");
        if ui.button("Close history").clicked() {
            state.close();
        }
    });
    let Some(entries) = &state.entries else {
        ui.spinner();
        return;
    };
    let list_height = if state.viewing.is_some() {
        160.0
    } else {
        400.0
    };
    let row = ui.text_style_height(&egui::TextStyle::Button) + 6.0;
    let mut picked = None;
    egui::ScrollArea::vertical()
        .id_salt("history-list")
        .max_height(list_height)
        .show_rows(ui, row, entries.len(), |ui, range| {
            // Newest first.
            for entry in entries.iter().rev().skip(range.start).take(range.len()) {
                let r = &entry.revision;
                let changes = if r.changes == 1 {
                    String::new()
                } else {
                    format!(" ({} changes)", r.changes)
                };
                let text = format!(
                    "{} · {} {}{changes}",
                    r.last_at,
                    entry.by,
                    crate::model::history::in_words(&r.what)
                );
                let selected = state.viewing.as_ref().map(|(v, _)| v) == Some(&r.version);
                if ui.selectable_label(selected, text).clicked() {
                    picked = Some(r.version.clone());
                }
            }
        });
    if let Some(since) = state.since.take() {
        // The version this device last saw: the newest one made by then (or else the first).
        let seen = entries
            .iter()
            .rev()
            .find(|e| e.revision.last_at <= since)
            .or(entries.first());
        picked = picked.or(seen.map(|e| e.revision.version.clone()));
    }
    if let Some(version) = picked {
        commands.push(read_version(state, doc.clone(), version, ui.ctx().clone()));
    }
    let Some((version, old)) = &state.viewing else {
        ui.label("Choose a line to see it as it was then.");
        return;
    };
    let when = entries
        .iter()
        .find(|e| &e.revision.version == version)
        .map(|e| format!("{} by {}", e.revision.last_at, e.by))
        .unwrap_or_default();
    ui.separator();
    let key = (version.clone(), revision);
    if state.compared.as_ref().map(|c| &c.key) != Some(&key) {
        state.compared = Some(Compared {
            key,
            title: word_diff(&old.title, &now.title),
            text: word_diff(&old.text, &now.text),
        });
    }
    if let Some(compared) = &state.compared {
        let jump = std::mem::take(&mut state.jump);
        comparison_ui(ui, &when, compared, jump);
    }
    let mut restore = false;
    if ui
        .button("Restore this version")
        .on_hover_text("Makes it read like this again, as a new change; nothing is lost.")
        .clicked()
    {
        restore = true;
    }
    if restore {
        let (doc, version) = (doc.clone(), version.clone());
        commands.push(bridge::action(
            "restore the version",
            move |node, community| async move { node.restore(&community, &doc, &version).await },
        ));
        state.viewing = None;
    }
}

/// The earlier version turned into today's, word by word, in one column: deleted words struck
/// through in red, inserted ones underlined in green. `jump` scrolls to the first change.
fn comparison_ui(ui: &mut egui::Ui, when: &str, compared: &Compared, jump: bool) {
    let count = |change| compared.text.iter().filter(|s| s.change == change).count();
    ui.strong(format!("What changed from {when} to now"));
    if !changed(&compared.title) && !changed(&compared.text) {
        ui.label("No difference: it reads the same now.");
        return;
    }
    ui.weak(format!(
        "{} and {} in the text{}; struck-through words were taken out, underlined ones added.",
        plain::count(count(Change::Inserted), "insertion", "insertions"),
        plain::count(count(Change::Deleted), "deletion", "deletions"),
        if changed(&compared.title) {
            ", and the title changed"
        } else {
            ""
        },
    ));
    // The title only when it changed: an unchanged one would read as a change.
    if changed(&compared.title) {
        let label = ui.label("Title changes");
        let (title, _) = layout(ui, &compared.title);
        show_marked(ui, title, false)
            .response
            .response
            .labelled_by(label.id);
    }
    let label = ui.label("Changes since then");
    egui::ScrollArea::vertical()
        .id_salt("history-comparison")
        .max_height(300.0)
        .auto_shrink([false, true])
        .show(ui, |ui| {
            let (job, first) = layout(ui, &compared.text);
            let shown = show_marked(ui, job, true);
            shown.response.response.labelled_by(label.id);
            if jump && let Some(first) = first {
                let at = shown
                    .galley
                    .pos_from_cursor(egui::text::CCursor::new(first))
                    .translate(shown.galley_pos.to_vec2());
                ui.scroll_to_rect(at, Some(egui::Align::Center));
            }
        });
}

/// A marked-up text, read-only but selectable, laid out as `job` says.
fn show_marked(
    ui: &mut egui::Ui,
    job: egui::text::LayoutJob,
    multiline: bool,
) -> egui::text_edit::TextEditOutput {
    let mut text = job.text.as_str();
    let mut layouter = |ui: &egui::Ui, _: &dyn egui::TextBuffer, width: f32| {
        let mut job = job.clone();
        job.wrap.max_width = width;
        ui.painter().layout_job(job)
    };
    let edit = if multiline {
        egui::TextEdit::multiline(&mut text)
    } else {
        egui::TextEdit::singleline(&mut text)
    };
    edit.desired_width(f32::INFINITY)
        .layouter(&mut layouter)
        .show(ui)
}

/// The spans as one text, coloured by change, and the character where the first change starts.
fn layout(ui: &egui::Ui, spans: &[Span]) -> (egui::text::LayoutJob, Option<usize>) {
    let font = egui::TextStyle::Monospace.resolve(ui.style());
    let plain = ui.visuals().text_color();
    let (added, removed) = if ui.visuals().dark_mode {
        (
            egui::Color32::from_rgb(120, 220, 120),
            egui::Color32::from_rgb(240, 120, 110),
        )
    } else {
        (
            egui::Color32::from_rgb(0, 110, 0),
            egui::Color32::from_rgb(180, 30, 20),
        )
    };
    let mut job = egui::text::LayoutJob::default();
    let mut first = None;
    for (n, span) in spans.iter().enumerate() {
        let mut format = egui::TextFormat::simple(font.clone(), plain);
        match span.change {
            Change::Kept => {}
            Change::Inserted => {
                format.color = added;
                format.background = added.gamma_multiply(0.15);
                format.underline = egui::Stroke::new(1.0, added);
            }
            Change::Deleted => {
                format.color = removed;
                format.background = removed.gamma_multiply(0.15);
                format.strikethrough = egui::Stroke::new(1.0, removed);
            }
        }
        if span.change != Change::Kept && first.is_none() {
            first = Some(job.text.chars().count());
        }
        job.append(&span.text, 0.0, format);
        let replaced = span.change == Change::Deleted
            && !span.text.ends_with(char::is_whitespace)
            && spans
                .get(n + 1)
                .is_some_and(|next| next.change == Change::Inserted);
        if replaced {
            // A word replaced by another reads as two words, not one run-together.
            job.append(" ", 0.0, egui::TextFormat::simple(font.clone(), plain));
        }
    }
    (job, first)
}

fn read_entries(state: &HistoryState, doc: DocRef, ctx: egui::Context) -> Command {
    let tx = state.tx.clone();
    bridge::action("read the history", move |node, community| async move {
        let entries = node.history(&community, &doc).await?;
        if tx.send(Reply::Entries(doc, entries)).is_ok() {
            ctx.request_repaint();
        }
        Ok(())
    })
}

fn read_version(state: &HistoryState, doc: DocRef, version: String, ctx: egui::Context) -> Command {
    let tx = state.tx.clone();
    bridge::action(
        "read the earlier version",
        move |node, community| async move {
            let shown = match &doc {
                DocRef::Note(id) => {
                    let old = node.note_at(&community, id, &version).await?;
                    Shown {
                        title: old.title,
                        text: old.body.as_str().to_string(),
                    }
                }
                DocRef::Case(id) => {
                    let old = node.case_at(&community, id, &version).await?;
                    let c = node.community(&community).await?;
                    Shown {
                        text: case_page(id.as_str(), &old, &c),
                        title: old.title,
                    }
                }
            };
            if tx.send(Reply::Version(doc, version, shown)).is_ok() {
                ctx.request_repaint();
            }
            Ok(())
        },
    )
}
