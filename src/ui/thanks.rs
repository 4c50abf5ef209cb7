//! Recognition in the window: "Thanked by Ada, Bo" beside a note, an answer or a suggestion,
//! and a "Thank" button for members who have not thanked it yet and did not write it.
//!
//! The views that show thanks do not all know who is looking (the notes editor, say, is drawn
//! from the note alone), so [`App`](super::app::App) puts this device's member id into the egui
//! context once per frame with [`set_viewer`] and [`thanks_ui`] reads it from there.

use eframe::egui::{self, Id};

use crate::model::thanks::{Thanks, thanked_by};
use crate::model::{Community, MemberId};

fn viewer_key() -> Id {
    Id::unique("copse.viewer")
}

/// Records who is looking at the window this frame (`None`: not on the roster).
pub fn set_viewer(ctx: &egui::Context, me: Option<MemberId>) {
    ctx.data_mut(|d| match me {
        Some(me) => {
            d.insert_temp(viewer_key(), me);
        }
        None => d.remove::<MemberId>(viewer_key()),
    });
}

/// Who is looking, as recorded by [`set_viewer`].
pub fn viewer(ctx: &egui::Context) -> Option<MemberId> {
    ctx.data(|d| d.get_temp::<MemberId>(viewer_key()))
}

/// Who thanked an item, and a "Thank" button when the viewer may thank it. Returns true when
/// the button was clicked.
pub fn thanks_ui(
    ui: &mut egui::Ui,
    community: &Community,
    thanks: &Thanks,
    author: &MemberId,
) -> bool {
    let me = viewer(ui.ctx());
    let mut clicked = false;
    ui.horizontal(|ui| {
        if let Some(text) = thanked_by(community, thanks) {
            ui.weak(text);
        }
        match &me {
            Some(me) if me == author || thanks.contains_key(me) => {}
            Some(_) => clicked = ui.small_button("Thank").clicked(),
            None => {}
        }
    });
    clicked
}
