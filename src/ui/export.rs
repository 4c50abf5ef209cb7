//! Export and import: write the whole community to a folder as Markdown plus community.json,
//! or bring a folder of Markdown files in as notes. Both run on the node side; the view shows a
//! spinner with the count so far (read from a shared [`Progress`]) and then the outcome.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use eframe::egui;

use super::app::ViewCtx;
use super::bridge::{self, Command};
use super::widgets::labelled_field;
use crate::model::markdown::export::slug;
use crate::node::{ExportReport, ImportReport, Progress};

/// The outcome of a run, as a sentence; an error as `Err`.
type Outcome = Arc<Mutex<Option<Result<String, String>>>>;

/// One export or import under way.
struct Running {
    verb: &'static str,
    progress: Arc<Progress>,
    outcome: Outcome,
}

#[derive(Default)]
pub struct ExportState {
    pub export_folder: String,
    pub force: bool,
    pub import_folder: String,
    running: Option<Running>,
    backups: super::backups::BackupsState,
    /// The last outcome: what was done, or why not.
    message: Option<Result<String, String>>,
}

impl ExportState {
    fn poll(&mut self) {
        let Some(running) = &self.running else { return };
        let done = running.outcome.lock().ok().and_then(|mut slot| slot.take());
        if let Some(done) = done {
            self.message = Some(done);
            self.running = None;
        }
    }

    /// Starts an export or import whose node work is `run`; `describe` turns its report into
    /// the sentence shown.
    fn start<R, F, Fut>(
        &mut self,
        verb: &'static str,
        run: F,
        describe: fn(&R) -> String,
    ) -> Command
    where
        R: Send + 'static,
        F: FnOnce(crate::node::Node, crate::model::CommunityId, Arc<Progress>) -> Fut
            + Send
            + 'static,
        Fut: std::future::Future<Output = Result<R, crate::node::NodeError>> + Send + 'static,
    {
        let progress = Arc::new(Progress::default());
        let outcome = Outcome::default();
        let (p, slot) = (progress.clone(), outcome.clone());
        self.running = Some(Running {
            verb,
            progress,
            outcome,
        });
        self.message = None;
        bridge::action(verb, move |node, community| async move {
            let result = run(node, community, p)
                .await
                .map(|report| describe(&report))
                .map_err(|e| e.to_string());
            if let Ok(mut slot) = slot.lock() {
                *slot = Some(result);
            }
            // Answered beside the buttons, not in the error bar.
            Ok(())
        })
    }
}

pub fn export_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut ExportState) {
    let community = cx.community;
    state.poll();
    if state.export_folder.is_empty() {
        state.export_folder = default_folder(&community.name).display().to_string();
    }
    let idle = state.running.is_none();
    let mut commands = Vec::new();

    ui.heading("Export and import");
    ui.label(
        "The community's knowledge is yours to keep. Export writes everything as plain \
         Markdown (a page per note, case and gathering; topics and members as lists; a README \
         linking them) plus community.json with all comments and dates.",
    );
    ui.add_space(8.0);
    ui.strong("Export to a folder");
    labelled_field(ui, "Export folder", &mut state.export_folder);
    ui.checkbox(
        &mut state.force,
        "Write into a folder that already holds other files",
    );
    if ui
        .add_enabled(
            idle && !state.export_folder.trim().is_empty(),
            egui::Button::new("Export community"),
        )
        .clicked()
    {
        let folder = PathBuf::from(state.export_folder.trim());
        let force = state.force;
        commands.push(state.start(
            "export",
            move |node, id, progress| async move {
                node.export_markdown(&id, &folder, force, &progress).await
            },
            describe_export,
        ));
    }

    ui.add_space(12.0);
    ui.strong("Import from a folder");
    ui.label("Every Markdown (.md) file in a folder and its sub-folders becomes a note.");
    labelled_field(ui, "Import folder", &mut state.import_folder);
    if ui
        .add_enabled(
            idle && !state.import_folder.trim().is_empty(),
            egui::Button::new("Import notes"),
        )
        .clicked()
    {
        let folder = PathBuf::from(state.import_folder.trim());
        commands.push(
            state.start(
                "import",
                move |node, id, progress| async move {
                    node.import_markdown(&id, &folder, &progress).await
                },
                describe_import,
            ),
        );
    }

    ui.add_space(8.0);
    if let Some(running) = &state.running {
        let (done, total) = running.progress.get();
        let past = if running.verb == "export" {
            "Exported"
        } else {
            "Imported"
        };
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label(format!(
                "{past} {} of {}",
                thousands(done),
                thousands(total)
            ));
        });
        // The count moves on the node side, which does not wake the window.
        ui.ctx().request_repaint_after(Duration::from_millis(100));
    }
    match &state.message {
        Some(Ok(message)) => {
            ui.label(message);
        }
        Some(Err(error)) => {
            ui.colored_label(ui.visuals().error_fg_color, error);
        }
        None => {}
    }
    for command in commands {
        cx.send(command);
    }
    super::backups::backups_ui(ui, cx, &mut state.backups);
}

fn describe_export(report: &ExportReport) -> String {
    let mut text = format!(
        "Exported {} notes, {} cases, {} gatherings, {} topics and {} members to {}.",
        thousands(report.notes),
        thousands(report.cases),
        thousands(report.gatherings),
        thousands(report.topics),
        thousands(report.members),
        report.folder.display()
    );
    if report.missing > 0 {
        text.push_str(&format!(
            " {} notes or cases are not on this device yet.",
            report.missing
        ));
    }
    text
}

fn describe_import(report: &ImportReport) -> String {
    let mut text = format!("Imported {} notes.", thousands(report.imported.len()));
    if report.copse_export {
        text.push_str(" (A copse export: its notes only.)");
    }
    if !report.skipped.is_empty() {
        let first = &report.skipped[0];
        text.push_str(&format!(
            " Skipped {}: {} ({}{}).",
            report.skipped.len(),
            first.file.display(),
            first.reason,
            if report.skipped.len() > 1 {
                ", …"
            } else {
                ""
            }
        ));
    }
    if report.not_markdown > 0 {
        text.push_str(&format!(
            " Left out {} files that are not Markdown.",
            report.not_markdown
        ));
    }
    text
}

/// A folder named after the community in the member's documents (or home) folder.
fn default_folder(name: &str) -> PathBuf {
    let base = directories::UserDirs::new()
        .and_then(|d| {
            d.document_dir()
                .map(|p| p.to_path_buf())
                .or(Some(d.home_dir().to_path_buf()))
        })
        .unwrap_or_else(std::env::temp_dir);
    base.join(format!("{}-export", slug(name)))
}

/// 1234567 as "1,234,567".
fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_with_thousands_separators() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        assert_eq!(thousands(1_234_567), "1,234,567");
    }
}
