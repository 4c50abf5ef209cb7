//! "When the window closes", under your devices in Members: whether closing the window keeps
//! copse syncing in the background, whether copse starts at login, and *Quit* (also Ctrl+Q),
//! which stops copse whichever way it runs.
//!
//! The choices live outside the documents ([`BackgroundSettings`] and the login entry, see
//! [`crate::instance`]); they are read when first drawn and written when changed.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use eframe::egui;

use crate::instance::{BackgroundSettings, autostart};

/// Ctrl+Q: quit, even when closing the window would keep copse syncing.
pub const QUIT: egui::KeyboardShortcut =
    egui::KeyboardShortcut::new(egui::Modifiers::COMMAND, egui::Key::Q);

pub struct ThisDeviceState {
    data_dir: PathBuf,
    /// Set by Quit: the window closes and the process ends, whatever the setting says.
    quit: Arc<AtomicBool>,
    /// Read on first draw.
    loaded: Option<Loaded>,
    error: Option<String>,
}

struct Loaded {
    settings: BackgroundSettings,
    at_login: bool,
}

impl ThisDeviceState {
    pub fn new(data_dir: PathBuf) -> ThisDeviceState {
        ThisDeviceState {
            data_dir,
            quit: Arc::default(),
            loaded: None,
            error: None,
        }
    }

    /// The flag that says Quit was asked for, for whoever runs the window.
    pub fn quit_flag(&self) -> Arc<AtomicBool> {
        self.quit.clone()
    }

    /// Shares the process's flag instead of this window's own.
    pub fn set_quit_flag(&mut self, quit: Arc<AtomicBool>) {
        self.quit = quit;
    }

    /// Quits: the flag is set, and the window closes on its next frame.
    pub fn quit(&self, ctx: &egui::Context) {
        self.quit.store(true, Ordering::SeqCst);
        ctx.request_repaint();
    }

    /// Closes the window once Quit was asked for, here or by another process.
    pub fn close_if_quitting(&self, ctx: &egui::Context) {
        if self.quit.load(Ordering::SeqCst) {
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        }
    }

    fn loaded(&mut self) -> &mut Loaded {
        let data_dir = &self.data_dir;
        self.loaded.get_or_insert_with(|| Loaded {
            settings: BackgroundSettings::load(data_dir),
            at_login: autostart::autostart_dir()
                .is_some_and(|dir| autostart::is_on(&dir, data_dir)),
        })
    }
}

pub fn this_device_ui(ui: &mut egui::Ui, state: &mut ThisDeviceState) {
    ui.separator();
    ui.heading("When the window closes");
    let data_dir = state.data_dir.clone();
    let loaded = state.loaded();
    let mut settings = loaded.settings;
    let mut error = None;
    if ui
        .checkbox(
            &mut settings.keep_syncing,
            "Keep syncing in the background when the window is closed",
        )
        .clicked()
    {
        match settings.save(&data_dir) {
            Ok(()) => loaded.settings = settings,
            Err(e) => error = Some(format!("{e:#}")),
        }
    }
    let mut at_login = loaded.at_login;
    let login = ui.checkbox(&mut at_login, "Start at login, syncing in the background");
    if login.clicked() {
        let changed = autostart::autostart_dir()
            .ok_or_else(|| anyhow::anyhow!("this system has no folder for login programs"))
            .and_then(|dir| {
                let exe = std::env::current_exe()?;
                autostart::set(&dir, &data_dir, &exe, at_login)
            });
        match changed {
            Ok(()) => loaded.at_login = at_login,
            Err(e) => error = Some(format!("{e:#}")),
        }
    }
    ui.weak(if loaded.settings.keep_syncing {
        "Closing the window leaves copse syncing; start copse again to see it. Quit stops it."
    } else {
        "Closing the window stops copse; members sync with this device only while it runs."
    });
    if error.is_some() {
        state.error = error;
    }
    if let Some(error) = &state.error {
        ui.colored_label(ui.visuals().error_fg_color, error);
    }
    if ui
        .button("Quit copse")
        .on_hover_text("Stops copse, window and background syncing (Ctrl+Q)")
        .clicked()
    {
        state.quit(ui.ctx());
    }
}
