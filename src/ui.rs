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
mod background;
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
mod now;
mod objectives;
mod pulse;
mod review;
mod screenshot;
mod search;
mod skills;
mod status_bar;
mod thanks;
mod this_device;
mod topics;
mod view;
mod welcome;
mod widgets;

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use anyhow::{Context, Result};
use eframe::egui;

pub use app::{App, FIND, NEW_NOTE};
pub use view::View;

use crate::clock::Clock;
use crate::instance::{self, Answer, AskError, BackgroundSettings, Instance, Request};
use crate::node::{Desktop, NetConfig, Node, NodeConfig};
use background::Next;

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
    /// Start with no window, syncing in the background (the login entry's way).
    pub background: bool,
}

/// Opens the data folder online and runs the window until it is closed (or, with
/// a `screenshot`, until the picture is saved); then, if this device keeps syncing in the
/// background, goes on without the window until asked to show it again or to stop.
///
/// When a copse already runs on the folder, asks it to show its window instead.
pub fn run(runtime: &tokio::runtime::Runtime, launch: Launch) -> Result<()> {
    let Launch {
        data_dir,
        net,
        clock,
        screenshot,
        view,
        background,
    } = launch;
    if screenshot.is_none() {
        let request = if background {
            Request::State
        } else {
            Request::Show
        };
        match instance::socket::ask(&data_dir, request) {
            Ok(answer) => {
                println!("{answer}");
                return Ok(());
            }
            Err(AskError::NotRunning) => {}
            // Opening the folder says plainly that it is in use.
            Err(e) => tracing::warn!(error = %e, "asking the copse running on this folder"),
        }
    }
    let config = NodeConfig::online(data_dir.clone(), net).with_clock(clock);
    let node = runtime.block_on(Node::open(config))?;
    // `track` spawns on the runtime: enter it for the call.
    runtime.block_on(async { node.keep_daily_backups() });
    // What the in-app list gains, the desktop shows too, window open or not; a screenshot is
    // a one-off look that announces nothing.
    if screenshot.is_none() {
        runtime.block_on(async { node.keep_announcing(Arc::new(Desktop)) });
    }
    // Quit, asked for in the window or over the socket at any moment; checked when the window
    // closes and before staying in the background.
    let quit = Arc::new(AtomicBool::new(false));
    let asked_to_quit = quit.clone();
    let while_starting = move |request| match request {
        Request::Quit => {
            asked_to_quit.store(true, Ordering::SeqCst);
            Answer::Stopping
        }
        Request::Show | Request::State => Answer::Starting,
    };
    // A screenshot is a one-off look: it neither listens nor stays.
    let instance = match screenshot {
        Some(_) => None,
        None => runtime
            .block_on(async { Instance::listen(&data_dir, while_starting) })
            .inspect_err(|e| {
                tracing::warn!(error = %e, "cannot listen for a second start; it will say the folder is in use")
            })
            .ok(),
    };
    let stay = if background {
        eprintln!(
            "copse is syncing in the background; start copse to open its window, `copse quit` to stop it"
        );
        true
    } else {
        window(runtime, &node, instance.as_ref(), &quit, screenshot, view)?;
        !quit.load(Ordering::SeqCst)
            && instance.is_some()
            && BackgroundSettings::load(&data_dir).keep_syncing
    };
    let next = if stay {
        runtime.block_on(background::until_asked(instance.as_ref(), &quit))
    } else {
        Next::Quit
    };
    runtime
        .block_on(node.shutdown())
        .context("while closing the data folder")?;
    // The socket goes only after everything is saved: a `copse quit` waiting for it to go
    // knows the data is on disk.
    drop(instance);
    match next {
        Next::Quit => Ok(()),
        Next::ShowWindow => Err(anyhow::anyhow!(
            "could not open the window again: {}",
            instance::reopen_with_window()
        )),
    }
}

/// Runs the window on `node` until it closes, by the member or because `quit` was set.
fn window(
    runtime: &tokio::runtime::Runtime,
    node: &Node,
    instance: Option<&Instance>,
    quit: &Arc<AtomicBool>,
    screenshot: Option<PathBuf>,
    view: Option<View>,
) -> Result<()> {
    let options = eframe::NativeOptions {
        renderer: eframe::Renderer::Glow,
        // Window size and the last view belong to this data folder, beside its data. The
        // theme follows the system's light or dark setting (egui's default preference).
        persistence_path: Some(node.data_dir().join(WINDOW_STATE_FILE)),
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
            let repaint = ctx.clone();
            let bridge =
                bridge::Bridge::start(app_node, &handle, move || repaint.request_repaint());
            let mut app = App::new(bridge, device).with_quit_flag(quit.clone());
            if let Some(instance) = instance {
                let quit = quit.clone();
                instance.set_handler(move |request| answer_with_window(&ctx, &quit, request));
            }
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
    match outcome.map(|o| o.lock().map(|mut slot| slot.take()).ok().flatten()) {
        None => {}
        Some(Some(Ok(()))) => {}
        Some(Some(Err(e))) => anyhow::bail!("the screenshot could not be saved: {e}"),
        Some(None) => anyhow::bail!("the window closed before the screenshot was taken"),
    }
    Ok(())
}

/// How the process answers another while its window is open: Show brings the window forward,
/// Quit sets the flag on which the window closes (see [`App`]'s frame) for good.
fn answer_with_window(ctx: &egui::Context, quit: &AtomicBool, request: Request) -> Answer {
    match request {
        Request::State => Answer::Window,
        Request::Show => {
            ctx.send_viewport_cmd(egui::ViewportCommand::Minimized(false));
            ctx.send_viewport_cmd(egui::ViewportCommand::Focus);
            ctx.request_repaint();
            Answer::Window
        }
        Request::Quit => {
            quit.store(true, Ordering::SeqCst);
            ctx.request_repaint();
            Answer::Stopping
        }
    }
}
