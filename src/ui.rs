//! The desktop window (eframe, glow renderer).
//!
//! The UI thread never blocks and never awaits: it sends [`bridge::Command`]s to the
//! [`Node`] running on the tokio runtime, drains [`bridge::Event`]s at the start of each frame,
//! and draws from the immutable snapshots those events carry.
//!
//! The window starts from a plain [`Launch`] that the command line (or a test) builds; the UI
//! never sees clap or the parsed arguments.

mod actions;
mod app;
mod attachment_images;
mod attachments;
mod backups;
pub mod bridge;
mod cases;
mod devices;
mod export;
mod gatherings;
mod history;
mod home;
mod invite;
mod lifecycle;
mod members;
mod notes;
mod notifications;
mod objectives;
mod pulse;
mod review;
mod screenshot;
mod search;
mod skills;
mod status_bar;
mod thanks;
mod topics;
mod view;
mod welcome;
mod widgets;

use std::path::PathBuf;

use anyhow::{Context, Result};

pub use app::{App, FIND, NEW_NOTE};
pub use view::View;

use crate::clock::Clock;
use crate::node::{NetConfig, Node, NodeConfig};

/// The file in the data folder where the window's size and last view are kept.
pub const WINDOW_STATE_FILE: &str = "window.ron";

/// What the window starts with (as rerun's viewer takes `StartupOptions`).
#[derive(Debug, Clone)]
pub struct Launch {
    /// The data folder to open.
    pub data_dir: PathBuf,
    /// How this process takes part in the network.
    pub net: NetConfig,
    /// Where "now" comes from.
    pub clock: Clock,
    /// Save a PNG of the window to this file once the data has loaded, then close.
    pub screenshot: Option<PathBuf>,
    /// With `screenshot`: the view to show (else the remembered one).
    pub view: Option<View>,
}

/// Opens the data folder online and runs the window until it is closed (or, with
/// a `screenshot`, until the picture is saved).
pub fn run(runtime: &tokio::runtime::Runtime, launch: Launch) -> Result<()> {
    let Launch {
        data_dir,
        net,
        clock,
        screenshot,
        view,
    } = launch;
    let config = NodeConfig::online(data_dir.clone(), net).with_clock(clock);
    let node = runtime.block_on(Node::open(config))?;
    // `track` spawns on the runtime: enter it for the call.
    runtime.block_on(async { node.keep_daily_backups() });
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        // Window size and the last view belong to this data folder, beside its data. The
        // theme follows the system's light or dark setting (egui's default preference).
        persistence_path: Some(data_dir.join(WINDOW_STATE_FILE)),
        viewport: eframe::egui::ViewportBuilder::default()
            .with_title("copse")
            // Matches the desktop entry (assets/copse.desktop), so the dock shows its icon.
            .with_app_id("copse")
            .with_inner_size([1100.0, 720.0])
            .with_min_inner_size([640.0, 420.0]),
        ..Default::default()
    };
    let shot = screenshot.map(screenshot::Screenshot::new);
    let outcome = shot.as_ref().map(|(_, outcome)| outcome.clone());
    let mut shot = shot.map(|(shot, _)| shot);
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
