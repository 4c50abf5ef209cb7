//! The desktop window (eframe, glow renderer).
//!
//! The UI thread never blocks and never awaits: it sends [`bridge::Command`]s to the
//! [`Node`] running on the tokio runtime, drains [`bridge::Event`]s at the start of each frame,
//! and draws from the immutable snapshots those events carry.

mod app;
pub mod bridge;
mod cases;
mod invite;
mod members;
mod notes;
mod status_bar;
mod topics;
mod welcome;

use anyhow::{Context, Result};

pub use app::{App, FIND, NEW_NOTE, View};

use crate::cli::Cli;
use crate::node::{Node, NodeConfig};

/// Opens the data folder online and runs the window until it is closed.
pub fn run(runtime: &tokio::runtime::Runtime, cli: &Cli) -> Result<()> {
    let node = runtime.block_on(Node::open(NodeConfig::online(
        cli.data_dir()?,
        cli.net_config(),
    )))?;
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("copse")
            .with_inner_size([1100.0, 720.0])
            .with_min_inner_size([640.0, 420.0]),
        ..Default::default()
    };
    let app_node = node.clone();
    let handle = runtime.handle().clone();
    eframe::run_native(
        "copse",
        options,
        Box::new(move |cc| {
            let ctx = cc.egui_ctx.clone();
            let device = app_node.device_id().to_string();
            let bridge = bridge::Bridge::start(app_node, &handle, move || ctx.request_repaint());
            Ok(Box::new(App::new(bridge, device)))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))?;
    runtime
        .block_on(node.shutdown())
        .context("while closing the data folder")
}
