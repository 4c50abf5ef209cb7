//! The bell: how many notifications came since this device last looked, and the list itself
//! (newest first) when opened, which marks them seen. The list comes from the node
//! ([`crate::node::Node::notifications`], rules computed from the documents), asked for again
//! whenever the community changes or a minute has passed; the answer lands in a shared slot the
//! next frame reads. Each kind can be turned off on this device from the open list.

use std::sync::{Arc, Mutex};

use eframe::egui;

use super::bridge::{self, Command};
use crate::model::practice::notifications::Kind;
use crate::model::{CommunityId, Timestamp};
use crate::node::NotificationList;

/// How often the list is asked for again while nothing changes ("starts within the hour").
const REFRESH_MS: i64 = 60_000;

#[derive(Default)]
pub struct NotificationsState {
    latest: Arc<Mutex<NotificationList>>,
    /// The community snapshot and time the list was last asked for.
    asked: Option<(usize, Timestamp)>,
    open: bool,
}

/// The bell in the navigation, and the list below it while open.
pub fn bell_ui(
    ui: &mut egui::Ui,
    state: &mut NotificationsState,
    community: (&CommunityId, usize),
    now: Timestamp,
) -> Vec<Command> {
    let mut commands = Vec::new();
    let (_, snapshot) = community;
    let stale = state
        .asked
        .is_none_or(|(seen, at)| seen != snapshot || now.0 - at.0 >= REFRESH_MS);
    if stale {
        state.asked = Some((snapshot, now));
        commands.push(refresh(&state.latest));
    }
    let list = state.latest.lock().map(|l| l.clone()).unwrap_or_default();
    let label = match list.unread {
        0 => "Notifications".to_string(),
        n => format!("Notifications ({n})"),
    };
    if ui.selectable_label(state.open, label).clicked() {
        state.open = !state.open;
        if state.open && list.unread > 0 {
            let latest = state.latest.clone();
            commands.push(bridge::action(
                "mark notifications seen",
                move |node, c| async move {
                    node.mark_notifications_seen(&c)?;
                    let list = node.notifications(&c).await?;
                    if let Ok(mut slot) = latest.lock() {
                        *slot = list;
                    }
                    Ok(())
                },
            ));
        }
    }
    if state.open {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            if list.items.is_empty() {
                ui.weak("Nothing yet. Questions, answers and roles for you show here.");
            }
            if list.desktop_unavailable.is_some() {
                ui.weak("This desktop shows no notifications; they are kept here.");
            }
            for n in list.items.iter().take(20) {
                let new = list.seen_at.is_none_or(|seen| n.at > seen);
                let text = if new {
                    egui::RichText::new(&n.text).strong()
                } else {
                    egui::RichText::new(&n.text)
                };
                ui.label(text);
                ui.weak(n.at.to_string());
            }
            ui.separator();
            ui.weak("Tell me about (on this device):");
            for kind in Kind::ALL {
                let mut on = !list.off.contains(&kind);
                if ui.checkbox(&mut on, kind.label()).changed() {
                    let latest = state.latest.clone();
                    commands.push(bridge::action(
                        "change a notification setting",
                        move |node, c| async move {
                            node.set_notification(&c, kind, on)?;
                            let list = node.notifications(&c).await?;
                            if let Ok(mut slot) = latest.lock() {
                                *slot = list;
                            }
                            Ok(())
                        },
                    ));
                }
            }
        });
    }
    commands
}

fn refresh(slot: &Arc<Mutex<NotificationList>>) -> Command {
    let slot = slot.clone();
    bridge::action("list notifications", move |node, c| async move {
        let list = node.notifications(&c).await?;
        if let Ok(mut latest) = slot.lock() {
            *latest = list;
        }
        Ok(())
    })
}
