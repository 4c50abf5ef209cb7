//! `copse --screenshot FILE [--view NAME]`: open the window, let it settle, save a PNG of it and
//! exit, so anyone can see each screen without a desktop (and CI can check the window comes up).

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use eframe::egui::{self, ColorImage, ViewportCommand};

/// Frames to draw after the data has loaded, so layout and fonts settle.
const SETTLE_FRAMES: u32 = 10;

/// Where the screenshot's outcome is left for after the window closed.
pub type Outcome = Arc<Mutex<Option<Result<(), String>>>>;

pub struct Screenshot {
    path: PathBuf,
    frames_left: u32,
    requested: bool,
    /// Filled by the screenshot callback; read by [`Screenshot::outcome`] after the window closed.
    outcome: Outcome,
}

impl Screenshot {
    pub fn new(path: PathBuf) -> (Screenshot, Outcome) {
        let outcome = Arc::new(Mutex::new(None));
        let shot = Screenshot {
            path,
            frames_left: SETTLE_FRAMES,
            requested: false,
            outcome: outcome.clone(),
        };
        (shot, outcome)
    }

    /// Called every frame; takes the picture once `ready` has held for a few frames.
    pub fn step(&mut self, ctx: &egui::Context, ready: bool) {
        if self.requested {
            return;
        }
        ctx.request_repaint();
        if !ready {
            return;
        }
        if self.frames_left > 0 {
            self.frames_left -= 1;
            return;
        }
        self.requested = true;
        let (path, outcome, closer) = (self.path.clone(), self.outcome.clone(), ctx.clone());
        ctx.request_screenshot(move |image| {
            let saved = save_png(&image, &path);
            if let Ok(mut slot) = outcome.lock() {
                *slot = Some(saved);
            }
            closer.send_viewport_cmd(ViewportCommand::Close);
            closer.request_repaint();
        });
    }
}

/// Writes an RGBA image as a PNG file.
pub fn save_png(image: &ColorImage, path: &Path) -> Result<(), String> {
    let file =
        std::fs::File::create(path).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    let [w, h] = image.size;
    let mut encoder = png::Encoder::new(std::io::BufWriter::new(file), w as u32, h as u32);
    encoder.set_color(png::ColorType::Rgba);
    encoder.set_depth(png::BitDepth::Eight);
    let mut writer = encoder.write_header().map_err(|e| e.to_string())?;
    let bytes: Vec<u8> = image.pixels.iter().flat_map(|p| p.to_array()).collect();
    writer.write_image_data(&bytes).map_err(|e| e.to_string())
}
