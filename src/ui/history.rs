//! The history of a note or a case: who changed it, what and when, an earlier version side by
//! side with today's, and restoring it (a new change on top, so nothing is lost). A case is
//! compared as the Markdown page an export would write for it.

use std::sync::mpsc;

use eframe::egui;

use super::bridge::{self, Command};
use crate::model::DocRef;
use crate::model::markdown::export::case_page;
use crate::node::HistoryEntry;

/// A version as the panel shows it: a title and a text.
pub struct Shown {
    pub title: String,
    pub text: String,
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
            tx,
            rx,
        }
    }
}

impl HistoryState {
    pub fn close(&mut self) {
        self.open = false;
        self.viewing = None;
    }

    fn receive(&mut self, doc: &DocRef) {
        while let Ok(reply) = self.rx.try_recv() {
            match reply {
                Reply::Entries(of, entries) if &of == doc => self.entries = Some(entries),
                Reply::Version(of, version, old) if &of == doc => {
                    self.viewing = Some((version, old));
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
                let text = format!("{} · {} · {}{changes}", r.last_at, entry.by, r.what);
                let selected = state.viewing.as_ref().map(|(v, _)| v) == Some(&r.version);
                if ui.selectable_label(selected, text).clicked() {
                    picked = Some(r.version.clone());
                }
            }
        });
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
    let mut restore = false;
    ui.columns(2, |columns| {
        columns[0].strong(format!("Then: {when}"));
        columns[0].label(&old.title);
        read_only(&mut columns[0], "Earlier version", &old.text);
        columns[1].strong("Now");
        columns[1].label(&now.title);
        read_only(&mut columns[1], "Current version", &now.text);
    });
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

/// A text shown like the editor, but not editable.
fn read_only(ui: &mut egui::Ui, label: &str, text: &str) {
    let label = ui.label(label);
    egui::ScrollArea::vertical()
        .id_salt(label.id)
        .max_height(260.0)
        .show(ui, |ui| {
            let mut text = text;
            ui.add(
                egui::TextEdit::multiline(&mut text)
                    .desired_width(f32::INFINITY)
                    .code_editor(),
            )
            .labelled_by(label.id);
        });
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
