//! Files on a note or case in the window: a row per file (name, size in plain words, who added
//! it and when; *Open*, *Save as…* and *Remove*, or "Not here yet" while its bytes have not
//! arrived), a path field with *Attach*, and files dropped on the window.
//!
//! Whether a file's bytes are here is the node's to say: the view asks now and then (an action
//! that answers on the view's own channel), and draws from the last answer.

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use eframe::egui;

use super::app::ViewCtx;
use super::bridge::{self, Command};
use super::widgets::labelled_field;
use crate::model::attachment::size_in_words;
use crate::model::{Attachment, DocRef, FileId, plain};
use crate::node::Receiving;

/// The label of the field naming a file to attach.
pub const ATTACH_PATH: &str = "File to attach";
/// The label of the field naming where *Save as…* writes.
pub const SAVE_PATH: &str = "Save to";
/// What a row says while the file's bytes are not on this device.
pub const NOT_HERE: &str = "Not here yet — arrives when a member who has it is online";
/// The button on an image's row that puts it into the note's text, shown in the preview.
pub const INSERT: &str = "Insert into text";
/// How often the view asks which files are here.
const ASK_EVERY: Duration = Duration::from_secs(2);

/// The attachments part of a note's or case's view.
#[derive(Default)]
pub struct AttachmentsState {
    path: String,
    /// Open *Save as…* fields, per file.
    save_to: BTreeMap<FileId, String>,
    /// Hash → whether its bytes are here, as the node last said.
    here: Arc<Mutex<HashMap<String, bool>>>,
    asked: Option<(DocRef, Instant)>,
    /// Whether the page has a text an image can be inserted into (a note's), set by the page.
    pub text_editor: bool,
    /// The link *Insert into text* asked for, for the page to add to its text.
    insert: Option<String>,
}

impl AttachmentsState {
    /// The link to an image that *Insert into text* asked for, once.
    pub fn take_insert(&mut self) -> Option<String> {
        self.insert.take()
    }

    /// Whether the bytes of `file` are here, if the node has said.
    fn is_here(&self, file: &Attachment) -> Option<bool> {
        self.here.lock().ok()?.get(&file.hash).copied()
    }

    /// Asks the node which files of `doc` are here, unless it was asked a moment ago.
    fn ask(&mut self, doc: &DocRef, commands: &mut Vec<Command>) {
        let fresh = self
            .asked
            .as_ref()
            .is_some_and(|(d, at)| d == doc && at.elapsed() < ASK_EVERY);
        if fresh {
            return;
        }
        self.asked = Some((doc.clone(), Instant::now()));
        let (here, doc) = (self.here.clone(), doc.clone());
        commands.push(bridge::action(
            "check the files",
            move |node, c| async move {
                let files = node.files(&c, Some(&doc)).await?;
                if let Ok(mut here) = here.lock() {
                    for f in files {
                        if let Some(h) = f.here {
                            here.insert(f.hash, h);
                        }
                    }
                }
                Ok(())
            },
        ));
    }
}

/// The status bar's line while files arrive: "Receiving slides.pdf — 12 of 40 MB".
pub fn receiving_line(receiving: &BTreeMap<String, Receiving>) -> Option<String> {
    let first = receiving.values().next()?;
    let more = receiving.len() - 1;
    let line = format!(
        "Receiving {} — {} of {}",
        first.name,
        size_in_words(first.received),
        size_in_words(first.size)
    );
    Some(match more {
        0 => line,
        n => format!(
            "{line} (and {})",
            plain::count(n, "other file", "other files")
        ),
    })
}

/// The files of `doc`, and the ways to add one.
pub fn attachments_ui(
    ui: &mut egui::Ui,
    cx: &ViewCtx,
    state: &mut AttachmentsState,
    doc: &DocRef,
    commands: &mut Vec<Command>,
) {
    let files = cx.community.files_on(doc);
    state.ask(doc, commands);
    ui.add_space(6.0);
    ui.strong("Files");
    for (id, file) in &files {
        file_row_ui(ui, cx, state, id, file, commands);
    }
    if files.iter().any(|(_, f)| state.is_here(f) != Some(true)) {
        ui.ctx().request_repaint_after(ASK_EVERY);
    }
    ui.horizontal(|ui| {
        labelled_field(ui, ATTACH_PATH, &mut state.path);
        if ui.button("Attach").clicked() && !state.path.trim().is_empty() {
            let path = PathBuf::from(state.path.trim());
            commands.push(attach(doc, vec![path]));
            state.path.clear();
        }
    });
    let dropped: Vec<PathBuf> = ui.ctx().input(|i| {
        i.raw
            .dropped_files
            .iter()
            .map(|f| f.path().to_path_buf())
            .collect()
    });
    let dropped: Vec<PathBuf> = dropped
        .into_iter()
        .filter(|p| !p.as_os_str().is_empty())
        .collect();
    if !dropped.is_empty() {
        commands.push(attach(doc, dropped));
    }
    if ui.ctx().input(|i| !i.raw.hovered_files.is_empty()) {
        ui.label("Drop to attach to this page");
    }
}

/// Attaches `paths` in one change: the files dropped together, or the one typed.
fn attach(doc: &DocRef, paths: Vec<PathBuf>) -> Command {
    let doc = doc.clone();
    bridge::action("attach the files", move |node, c| async move {
        node.attach_files(&c, &doc, &paths).await.map(|_| ())
    })
}

fn file_row_ui(
    ui: &mut egui::Ui,
    cx: &ViewCtx,
    state: &mut AttachmentsState,
    id: &FileId,
    file: &Attachment,
    commands: &mut Vec<Command>,
) {
    let here = state.is_here(file);
    ui.horizontal_wrapped(|ui| {
        ui.label(&file.name);
        ui.weak(size_in_words(file.size));
        ui.weak(format!(
            "added by {} · {}",
            cx.community.display_name(&file.added_by),
            file.added_at
        ));
        match here {
            Some(true) => {
                if ui.button("Open").clicked() {
                    commands.push(open(id));
                }
                if ui.button("Save as…").clicked() {
                    state.save_to.entry(id.clone()).or_default();
                }
                if file.is_image() && state.text_editor && ui.button(INSERT).clicked() {
                    state.insert = Some(super::attachment_images::link(id, &file.name));
                }
            }
            Some(false) => {
                ui.label(NOT_HERE);
            }
            None => {
                ui.weak("Checking…");
            }
        }
        if ui.button("Remove").clicked() {
            let id = id.clone();
            commands.push(bridge::action(
                "remove the file",
                move |node, c| async move { node.remove_file(&c, &id).await },
            ));
        }
    });
    let mut close = false;
    if let Some(to) = state.save_to.get_mut(id) {
        ui.horizontal(|ui| {
            // Empty: the proposed place, shown as the hint.
            let proposed = default_save_path(&file.name);
            let label = ui.label(SAVE_PATH);
            ui.add(egui::TextEdit::singleline(to).hint_text(&proposed))
                .labelled_by(label.id);
            if ui.button("Save").clicked() {
                let chosen = match to.trim() {
                    "" => proposed,
                    typed => typed.to_string(),
                };
                let (id, out) = (id.clone(), PathBuf::from(chosen));
                commands.push(bridge::action("save the file", move |node, c| async move {
                    node.save_file(&c, &id, &out).await.map(|_| ())
                }));
                close = true;
            }
            if ui.button("Cancel").clicked() {
                close = true;
            }
        });
    }
    if close {
        state.save_to.remove(id);
    }
}

/// Where *Save as…* proposes to write: the downloads folder, else home, with the file's name.
fn default_save_path(name: &str) -> String {
    let dir = directories::UserDirs::new().map(|d| {
        d.download_dir()
            .map(PathBuf::from)
            .unwrap_or_else(|| d.home_dir().to_path_buf())
    });
    dir.unwrap_or_default().join(name).display().to_string()
}

/// Opens a file with the system's default app: a copy in the temporary folder, handed over.
fn open(id: &FileId) -> Command {
    let id = id.clone();
    bridge::action("open the file", move |node, c| async move {
        let file = node.file(&c, &id).await?;
        let dir = std::env::temp_dir().join("copse-open").join(id.as_str());
        let io = |e: std::io::Error| crate::node::NodeError::Io {
            path: dir.display().to_string(),
            error: e.to_string(),
        };
        tokio::fs::create_dir_all(&dir).await.map_err(io)?;
        let path = dir.join(&file.name);
        node.save_file(&c, &id, &path).await?;
        open_with_system(&path).map_err(io)
    })
}

fn open_with_system(path: &std::path::Path) -> std::io::Result<()> {
    let opener = if cfg!(target_os = "macos") {
        "open"
    } else if cfg!(windows) {
        "explorer"
    } else {
        "xdg-open"
    };
    std::process::Command::new(opener)
        .arg(path)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_status_bar_says_which_file_arrives_and_how_far() {
        let mut receiving = BTreeMap::new();
        assert_eq!(receiving_line(&receiving), None);
        receiving.insert(
            "h1".to_string(),
            Receiving {
                name: "slides.pdf".into(),
                received: 12 * 1024 * 1024,
                size: 40 * 1024 * 1024,
            },
        );
        assert_eq!(
            receiving_line(&receiving).unwrap(),
            "Receiving slides.pdf — 12 MB of 40 MB"
        );
        receiving.insert(
            "h2".to_string(),
            Receiving {
                name: "b.png".into(),
                received: 0,
                size: 10,
            },
        );
        assert!(
            receiving_line(&receiving)
                .unwrap()
                .ends_with("(and 1 other file)")
        );
    }
}
