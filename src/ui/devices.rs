//! Your devices, in the Members view under your profile: each with its label and whether it is
//! online, *Add a device* (a one-time device invite shown as text and QR code: on the other
//! device, the first screen's Join takes it), and *Remove…* with a confirmation, for a lost or
//! sold laptop.

use std::sync::{Arc, Mutex};

use eframe::egui;

use super::app::ViewCtx;
use super::bridge;
use super::invite::QrMatrix;
use crate::model::member::device_name;
use crate::model::{DeviceId, MemberRole};
use crate::node::SyncStatus;

/// A device invite made here, with its QR code computed once.
struct Made {
    line: String,
    qr: Option<QrMatrix>,
}

type Reply = Arc<Mutex<Option<Result<Made, String>>>>;

#[derive(Default)]
pub struct DevicesState {
    /// The label for the next device.
    label: String,
    /// The next device is the community's always-on device (a steward's choice).
    always_on: bool,
    /// A device invite being made.
    pending: Option<Reply>,
    made: Option<Made>,
    error: Option<String>,
    /// The device whose removal is being confirmed, with its name.
    confirm_remove: Option<(DeviceId, String)>,
}

impl DevicesState {
    fn poll(&mut self) {
        let answer = self
            .pending
            .as_ref()
            .and_then(|reply| reply.lock().ok().and_then(|mut slot| slot.take()));
        match answer {
            Some(Ok(made)) => {
                self.made = Some(made);
                self.pending = None;
            }
            Some(Err(e)) => {
                self.error = Some(e);
                self.pending = None;
            }
            None => {}
        }
    }
}

pub fn devices_ui(
    ui: &mut egui::Ui,
    cx: &ViewCtx,
    state: &mut DevicesState,
    sync: &SyncStatus,
    this_device: &str,
    commands: &mut Vec<bridge::Command>,
) {
    state.poll();
    let Some((member_id, member)) = cx
        .me
        .and_then(|me| Some((me, cx.community.members.get(me)?)))
    else {
        return;
    };
    ui.separator();
    ui.heading("Your devices");
    ui.label("Every device you link is you: your name, your notes, your history.");
    for (device, d) in &member.devices {
        let this = device.as_str() == this_device;
        let name = device_name(d.label.as_deref(), this);
        ui.horizontal(|ui| {
            ui.label(&name);
            let state_text = if this {
                "this device".to_string()
            } else if sync.connected.contains(device.as_str()) {
                "online".to_string()
            } else {
                format!("added {}", d.added_at)
            };
            ui.weak(state_text);
            if !this
                && ui
                    .button("Remove…")
                    .on_hover_text("For a lost or sold device: it gets no further changes")
                    .clicked()
            {
                state.confirm_remove = Some((device.clone(), name.clone()));
            }
        });
    }
    ui.add_space(4.0);
    ui.horizontal(|ui| {
        let label = ui.label("New device's name");
        ui.add(
            egui::TextEdit::singleline(&mut state.label)
                .hint_text("e.g. Desktop")
                .desired_width(140.0),
        )
        .labelled_by(label.id);
    });
    let steward = cx.community.role_of(member_id) == Some(MemberRole::Steward);
    if steward {
        ui.checkbox(
            &mut state.always_on,
            "An always-on community device (a spare machine running copse serve)",
        )
        .on_hover_text(
            "Listed under community devices, not as you; it carries every document so \
             members who are never online together still sync",
        );
    }
    ui.horizontal(|ui| {
        let ready = sync.online && state.pending.is_none();
        let add = ui.add_enabled(ready, egui::Button::new("Add a device"));
        if add.clicked() {
            let label = Some(state.label.trim().to_string()).filter(|l| !l.is_empty());
            let always_on = state.always_on && steward;
            let reply = Reply::default();
            let slot = reply.clone();
            commands.push(bridge::action(
                "make a device invite",
                move |node, id| async move {
                    let made = node
                        .create_device_invite(&id, label, None, always_on)
                        .await
                        .map(|ticket| {
                            let line = ticket.to_line();
                            Made {
                                qr: QrMatrix::for_ticket(&line),
                                line,
                            }
                        })
                        .map_err(|e| e.to_string());
                    if let Ok(mut slot) = slot.lock() {
                        *slot = Some(made);
                    }
                    Ok(())
                },
            ));
            state.pending = Some(reply);
            state.error = None;
            state.made = None;
        }
        if !sync.online {
            ui.weak("needs this device online");
        }
        if state.pending.is_some() {
            ui.spinner();
            ui.label("Making the invite…");
        }
    });
    if let Some(error) = &state.error {
        ui.colored_label(
            ui.visuals().error_fg_color,
            format!("The device invite could not be made: {error}"),
        );
    }
    if let Some(made) = &state.made {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.strong("Your device invite");
            ui.label(
                "On your other device, open copse and paste this in Join (or run `copse join` \
                 with it) while this device is online. It links one device and expires in 15 \
                 minutes.",
            );
            let label = ui.label("Device invite");
            let mut line = made.line.as_str();
            ui.add(
                egui::TextEdit::multiline(&mut line)
                    .desired_rows(4)
                    .font(egui::TextStyle::Monospace),
            )
            .labelled_by(label.id);
            if ui.button("Copy device invite").clicked() {
                ui.ctx().copy_text(made.line.clone());
            }
            if let Some(qr) = &made.qr {
                qr.ui(ui, 200.0);
            }
        });
    }
    confirm_removal_ui(ui, state, commands);
}

fn confirm_removal_ui(
    ui: &mut egui::Ui,
    state: &mut DevicesState,
    commands: &mut Vec<bridge::Command>,
) {
    let Some((device, name)) = state.confirm_remove.clone() else {
        return;
    };
    let mut close = ui.input(|i| i.key_pressed(egui::Key::Escape));
    egui::Window::new("Remove this device?")
        .collapsible(false)
        .resizable(false)
        .show(ui.ctx(), |ui| {
            ui.label(format!(
                "{name} keeps what it already has, but gets no further changes. You stay a \
                 member; to use it again, link it with a new device invite."
            ));
            ui.horizontal(|ui| {
                if ui.button(format!("Remove {name}")).clicked() {
                    commands.push(bridge::action(
                        "remove the device",
                        move |node, id| async move {
                            node.remove_device(&id, &device).await?;
                            node.flush().await
                        },
                    ));
                    close = true;
                }
                if ui.button("Cancel").clicked() {
                    close = true;
                }
            });
        });
    if close {
        state.confirm_remove = None;
    }
}
