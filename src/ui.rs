//! The desktop window (eframe, glow renderer).
//!
//! The UI thread never blocks and never awaits: it sends [`bridge::Command`]s to the
//! [`Node`] running on the tokio runtime, drains [`bridge::Event`]s at the start of each frame,
//! and draws from the immutable snapshots those events carry.

mod actions;
mod app;
pub mod bridge;
mod cases;
mod export;
mod gatherings;
mod history;
mod home;
mod invite;
mod members;
mod notes;
mod objectives;
mod pulse;
mod screenshot;
mod search;
mod skills;
mod status_bar;
mod thanks;
mod topics;
mod welcome;

use anyhow::{Context, Result};

pub use app::{App, FIND, NEW_NOTE, View};

use crate::cli::Cli;
use crate::node::{Node, NodeConfig};

/// The file in the data folder where the window's size and last view are kept.
pub const WINDOW_STATE_FILE: &str = "window.ron";

/// Opens the data folder online and runs the window until it is closed (or, with
/// `--screenshot`, until the picture is saved).
pub fn run(runtime: &tokio::runtime::Runtime, cli: &Cli) -> Result<()> {
    let data_dir = cli.data_dir()?;
    let config =
        NodeConfig::online(data_dir.clone(), cli.net_config()).with_clock(cli.clock.clone());
    let node = runtime.block_on(Node::open(config))?;
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        // Window size and the last view belong to this data folder, beside its data. The
        // theme follows the system's light or dark setting (egui's default preference).
        persistence_path: Some(data_dir.join(WINDOW_STATE_FILE)),
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("copse")
            .with_inner_size([1100.0, 720.0])
            .with_min_inner_size([640.0, 420.0]),
        ..Default::default()
    };
    let shot = cli.screenshot.clone().map(screenshot::Screenshot::new);
    let outcome = shot.as_ref().map(|(_, outcome)| outcome.clone());
    let mut shot = shot.map(|(shot, _)| shot);
    let view = cli.view;
    let app_node = node.clone();
    let handle = runtime.handle().clone();
    eframe::run_native(
        "copse",
        options,
        Box::new(move |cc| {
            let ctx = cc.egui_ctx.clone();
            let device = app_node.device_id().to_string();
            let bridge = bridge::Bridge::start(app_node, &handle, move || ctx.request_repaint());
            let mut app = App::new(bridge, device);
            if let Some(view) = cc
                .storage
                .and_then(|s| eframe::get_value::<View>(s, app::VIEW_KEY))
            {
                app.view = view;
            }
            if let Some(shot) = shot.take() {
                app.take_screenshot(shot, view);
            }
            Ok(Box::new(app))
        }),
    )
    .map_err(|e| anyhow::anyhow!("the window could not be opened: {e}"))?;
    runtime
        .block_on(node.shutdown())
        .context("while closing the data folder")?;
    match outcome.map(|o| o.lock().map(|mut slot| slot.take()).ok().flatten()) {
        None => Ok(()),
        Some(Some(Ok(()))) => Ok(()),
        Some(Some(Err(e))) => Err(anyhow::anyhow!("the screenshot could not be saved: {e}")),
        Some(None) => Err(anyhow::anyhow!(
            "the window closed before the screenshot was taken"
        )),
    }
}
