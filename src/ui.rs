//! The desktop window (eframe, glow renderer).
//!
//! A first, small window: the communities in this data folder and whether everything is saved.
//! The full app arrives with the desktop-app issue. Already here is its shape: the UI thread
//! never awaits; it asks the [`Node`] for work on the runtime and draws from snapshots that
//! background tasks deliver, calling `request_repaint` when one arrives.

use std::sync::Arc;

use anyhow::{Context, Result};
use tokio::sync::watch;

use crate::cli::Cli;
use crate::node::{CommunitySummary, Node, NodeConfig};
use crate::store::StorageStatus;

/// Opens the data folder and runs the window until it is closed.
pub fn run(runtime: &tokio::runtime::Runtime, cli: &Cli) -> Result<()> {
    let node = runtime.block_on(Node::open(NodeConfig::offline(cli.data_dir()?)))?;
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("copse")
            .with_inner_size([960.0, 640.0]),
        ..Default::default()
    };
    let app_node = node.clone();
    let handle = runtime.handle().clone();
    eframe::run_native(
        "copse",
        options,
        Box::new(move |cc| Ok(Box::new(App::new(app_node, &handle, cc.egui_ctx.clone())))),
    )
    .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))?;
    runtime
        .block_on(node.shutdown())
        .context("while closing the data folder")
}

/// The placeholder app: a list of communities and the save state.
pub struct App {
    communities: watch::Receiver<Option<Arc<Vec<CommunitySummary>>>>,
    storage: watch::Receiver<StorageStatus>,
}

impl App {
    pub fn new(node: Node, runtime: &tokio::runtime::Handle, ctx: eframe::egui::Context) -> App {
        let (tx, communities) = watch::channel(None);
        let storage = node.storage_status();
        runtime.spawn(async move {
            let list = match node.communities().await {
                Ok(list) => list,
                Err(e) => {
                    tracing::error!(error = %e, "could not list communities");
                    Vec::new()
                }
            };
            let _ = tx.send(Some(Arc::new(list)));
            ctx.request_repaint();
        });
        App {
            communities,
            storage,
        }
    }
}

impl eframe::App for App {
    fn ui(&mut self, ui: &mut eframe::egui::Ui, _frame: &mut eframe::Frame) {
        let communities = self.communities.borrow().clone();
        let status = self.storage.borrow().clone();
        eframe::egui::Panel::bottom("status").show(ui, |ui| {
            ui.label(save_state(&status));
        });
        eframe::egui::CentralPanel::default().show(ui, |ui| {
            ui.heading("copse");
            match communities {
                None => {
                    ui.spinner();
                }
                Some(list) if list.is_empty() => {
                    ui.label("No community yet. Create one with `copse init --name NAME`.");
                }
                Some(list) => {
                    for c in list.iter() {
                        ui.label(format!(
                            "{} — {} members, {} notes, {} topics, {} cases",
                            c.name, c.members, c.notes, c.topics, c.cases
                        ));
                    }
                }
            }
        });
    }
}

/// The honest one-line save state for the status bar.
pub fn save_state(status: &StorageStatus) -> String {
    if status.failed_writes > 0 {
        format!(
            "Failed to save ({} write(s) failed: {})",
            status.failed_writes,
            status.last_error.as_deref().unwrap_or("unknown error")
        )
    } else if status.pending_writes > 0 {
        "Saving…".to_string()
    } else {
        "All changes saved".to_string()
    }
}
