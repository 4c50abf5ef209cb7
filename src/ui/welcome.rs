//! The first screen: create a community, or join one with an invite. It keeps only its form;
//! the command it returns is sent by the app.

use eframe::egui;

use super::bridge::Command;
use super::widgets::labelled_field;

#[derive(Default)]
pub struct WelcomeState {
    pub name: String,
    pub purpose: String,
    pub me: String,
    pub ticket: String,
    /// Joining or creating is under way.
    pub busy: bool,
}

/// The form; returns the create or join command when the member asks for one.
pub fn welcome_ui(ui: &mut egui::Ui, w: &mut WelcomeState) -> Option<Command> {
    ui.vertical_centered(|ui| {
        ui.add_space(24.0);
        ui.heading("Welcome to copse");
        ui.label("A home for your community of practice: notes, topics and peer-assist cases, kept on your members' own machines.");
    });
    ui.add_space(24.0);
    let mut command = None;
    ui.columns(2, |columns| {
        let ui = &mut columns[0];
        ui.strong("Create a community");
        labelled_field(ui, "Community name", &mut w.name);
        labelled_field(ui, "Purpose", &mut w.purpose);
        labelled_field(ui, "Your display name", &mut w.me);
        let ready = !w.name.trim().is_empty() && !w.me.trim().is_empty() && !w.busy;
        if ui
            .add_enabled(ready, egui::Button::new("Create community"))
            .clicked()
        {
            w.busy = true;
            command = Some(Command::CreateCommunity {
                name: w.name.clone(),
                purpose: w.purpose.clone(),
                me: w.me.clone(),
            });
        }

        let ui = &mut columns[1];
        ui.strong("Join with an invite");
        labelled_field(ui, "Invite", &mut w.ticket);
        labelled_field(ui, "Your name", &mut w.me);
        let ready = !w.ticket.trim().is_empty() && !w.me.trim().is_empty() && !w.busy;
        if ui.add_enabled(ready, egui::Button::new("Join")).clicked() {
            w.busy = true;
            command = Some(Command::Join {
                ticket: w.ticket.clone(),
                me: w.me.clone(),
            });
        }
        if w.busy {
            // Joining: say whose devices are asked to let this one in.
            let waiting = w
                .ticket
                .parse::<crate::net::ticket::InviteTicket>()
                .map(|t| t.waiting_for())
                .unwrap_or_else(|_| "Working…".into());
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(waiting);
            });
            ui.weak("Joining fetches the whole community, which can take a moment.");
        }
    });
    command
}
