//! Home's "Your open actions": the next actions this member took on when cases closed, each
//! with a box to tick it off.
//!
//! Actions live in the case documents, so the list is looked up on the node side whenever the
//! community's case index changes (a tick touches its case's entry, so a ticked action drops
//! out on the next lookup) and the window draws the last answer.

use std::collections::BTreeSet;
use std::sync::mpsc;

use eframe::egui;

use super::app::ViewCtx;
use super::bridge;
use crate::model::{ActionId, Community, CommunityId, MemberId, Timestamp};
use crate::node::ActionItem;

/// What the case index looked like when the actions were looked up: a lookup is redone when
/// this changes.
type Fingerprint = (CommunityId, MemberId, usize, Option<Timestamp>);

enum Reply {
    Found(Fingerprint, Vec<ActionItem>),
    /// A tick failed (the error bar says why): show the box unticked again.
    NotTicked(ActionId),
}

/// The Home list's own state.
pub struct ActionsState {
    looked_up: Option<Fingerprint>,
    actions: Option<Vec<ActionItem>>,
    /// Ticked here, on their way to the node.
    ticking: BTreeSet<ActionId>,
    replies_tx: mpsc::Sender<Reply>,
    replies: mpsc::Receiver<Reply>,
}

impl Default for ActionsState {
    fn default() -> Self {
        let (replies_tx, replies) = mpsc::channel();
        ActionsState {
            looked_up: None,
            actions: None,
            ticking: BTreeSet::new(),
            replies_tx,
            replies,
        }
    }
}

fn fingerprint(id: &CommunityId, me: &MemberId, community: &Community) -> Fingerprint {
    let latest = community.cases.values().map(|e| e.updated_at).max();
    (id.clone(), me.clone(), community.cases.len(), latest)
}

/// The viewer's open actions with tick boxes; nothing for someone not on the roster.
pub fn my_actions_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut ActionsState) {
    let (id, community) = (cx.community_id, cx.community);
    let Some(me) = cx.me.cloned() else {
        return;
    };
    while let Ok(reply) = state.replies.try_recv() {
        match reply {
            Reply::Found(key, found) if Some(&key) == state.looked_up.as_ref() => {
                state.ticking.retain(|t| found.iter().any(|a| &a.id == t));
                state.actions = Some(found);
            }
            Reply::Found(..) => {}
            Reply::NotTicked(action) => {
                state.ticking.remove(&action);
            }
        }
    }
    let key = fingerprint(id, &me, community);
    let mut commands = Vec::new();
    if state.looked_up.as_ref() != Some(&key) {
        if state.looked_up.as_ref().map(|k| (&k.0, &k.1)) != Some((&key.0, &key.1)) {
            state.actions = None;
        }
        state.looked_up = Some(key.clone());
        let replies = state.replies_tx.clone();
        let ctx = ui.ctx().clone();
        let owner = me.clone();
        commands.push(bridge::action(
            "look up your actions",
            move |node, c| async move {
                let found = node.actions(&c, Some(&owner), false).await?;
                if replies.send(Reply::Found(key, found)).is_ok() {
                    ctx.request_repaint();
                }
                Ok(())
            },
        ));
    }
    ui.strong("Your open actions");
    match &state.actions {
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.weak("Looking up your actions…");
            });
        }
        Some(actions) if actions.is_empty() => {
            ui.weak("No open actions. Actions you take on when a case closes show here.");
        }
        Some(actions) => {
            for action in actions {
                let mut done = state.ticking.contains(&action.id);
                ui.horizontal(|ui| {
                    let enabled = !done;
                    let ticked = ui
                        .add_enabled(enabled, egui::Checkbox::new(&mut done, &action.text))
                        .changed();
                    ui.weak(format!("from the case \"{}\"", action.case_title));
                    if ticked && done {
                        state.ticking.insert(action.id.clone());
                        let (case, action_id) = (action.case.clone(), action.id.clone());
                        let replies = state.replies_tx.clone();
                        commands.push(bridge::action(
                            "tick off the action",
                            move |node, c| async move {
                                let result = node.tick_action(&c, &case, &action_id, true).await;
                                if result.is_err() {
                                    let _ = replies.send(Reply::NotTicked(action_id));
                                }
                                result.map(|_| ())
                            },
                        ));
                    }
                });
            }
        }
    }
    for command in commands {
        cx.send(command);
    }
}
