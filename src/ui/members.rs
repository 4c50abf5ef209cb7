//! Members: the directory (who can help with what, who is learning what, who is online now),
//! searched by name, skill or learning objective; your own profile editor; and removing a member
//! after a confirmation that says plainly what removal can and cannot do.
//!
//! Draws from the community snapshot only. Saving a profile and removing a member are node
//! actions; their outcome comes back through the next snapshot, and a failed save is shown beside
//! the editor (through a reply slot the action fills) so the typed profile is not lost.

use std::sync::{Arc, Mutex};

use eframe::egui;

use super::app::ViewCtx;
use super::bridge;
use crate::model::{Community, CommunityId, Member, MemberId, ProfileUpdate, Timestamp};
use crate::node::SyncStatus;

/// What a node action answers, filled on the runtime and read by the next frame.
type Reply = Arc<Mutex<Option<Result<(), String>>>>;

/// What the confirmation says, word for word: removal cannot take anything back.
pub const REMOVAL_WARNING: &str =
    "They keep what they already have, but will receive no further changes.";

#[derive(Default)]
pub struct MembersState {
    /// Filters the directory by name, skill or learning objective.
    pub search: String,
    profile: ProfileDraft,
    /// The profile the draft was filled from. The draft is refilled when the snapshot's profile
    /// differs from it, unless the member is editing or a save is under way.
    draft_from: Option<(CommunityId, MemberId, Member)>,
    /// The draft has changes not yet saved.
    edited: bool,
    /// A save under way.
    saving: Option<Reply>,
    /// How the last save went, until the next edit.
    saved: Option<Result<(), String>>,
    /// The member whose removal is being confirmed.
    confirm_remove: Option<MemberId>,
    /// Your devices, under your profile.
    devices: super::devices::DevicesState,
}

/// The profile editor's text: skills and objectives one per line.
#[derive(Default)]
struct ProfileDraft {
    name: String,
    skills: String,
    objectives: String,
}

impl ProfileDraft {
    fn from_member(member: &Member) -> ProfileDraft {
        ProfileDraft {
            name: member.name.clone(),
            skills: member.skills.join("\n"),
            objectives: member.objectives.join("\n"),
        }
    }

    /// The whole profile as an update; blank lines are dropped, the model cleans the rest.
    fn to_update(&self) -> ProfileUpdate {
        ProfileUpdate {
            name: Some(self.name.trim().to_string()),
            skills: Some(lines(&self.skills)),
            objectives: Some(lines(&self.objectives)),
        }
    }
}

fn lines(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(String::from)
        .collect()
}

impl MembersState {
    /// Why the profile on screen is not stored, if a save of it failed.
    pub fn unsaved(&self) -> Option<String> {
        match &self.saved {
            Some(Err(e)) => Some(format!("your profile: {e}")),
            _ => None,
        }
    }

    /// Esc: closes the removal confirmation.
    pub fn close_dialogs(&mut self) {
        self.confirm_remove = None;
    }

    /// Takes a finished save's answer and refills the draft from the snapshot when it may.
    fn refresh(&mut self, community: &CommunityId, me: Option<(&MemberId, &Member)>) {
        let elsewhere = self
            .draft_from
            .as_ref()
            .is_some_and(|(from, _, _)| from != community);
        if elsewhere {
            // Another community is open: a draft typed for the last one must not be saved here.
            *self = MembersState {
                search: std::mem::take(&mut self.search),
                ..MembersState::default()
            };
        }
        if let Some(reply) = &self.saving {
            let answer = reply.lock().ok().and_then(|mut slot| slot.take());
            if let Some(answer) = answer {
                // A refused save keeps the draft as typed, to fix and save again.
                self.edited = answer.is_err();
                self.saved = Some(answer);
                self.saving = None;
            }
        }
        if self.edited || self.saving.is_some() {
            return;
        }
        let Some((id, member)) = me else {
            self.draft_from = None;
            return;
        };
        let stale = self
            .draft_from
            .as_ref()
            .is_none_or(|(_, from_id, from)| from_id != id || from != member);
        if stale {
            self.profile = ProfileDraft::from_member(member);
            self.draft_from = Some((community.clone(), id.clone(), member.clone()));
        }
    }
}

/// Whether `member` matches every word of the search, in their name, skills or objectives.
pub fn matches(member: &Member, search: &str) -> bool {
    let haystack = std::iter::once(&member.name)
        .chain(&member.skills)
        .chain(&member.objectives)
        .map(|s| s.to_lowercase())
        .collect::<Vec<_>>()
        .join("\n");
    search
        .split_whitespace()
        .all(|word| haystack.contains(&word.to_lowercase()))
}

pub fn members_ui(
    ui: &mut egui::Ui,
    cx: &ViewCtx,
    state: &mut MembersState,
    sync: &SyncStatus,
    this_device: &str,
) {
    let (community_id, community) = (cx.community_id, cx.community);
    let me = cx.me.cloned();
    state.refresh(
        community_id,
        me.as_ref()
            .and_then(|id| Some((id, community.members.get(id)?))),
    );
    if state.saving.is_some() {
        ui.ctx()
            .request_repaint_after(std::time::Duration::from_millis(100));
    }
    let mut commands = Vec::new();
    egui::Panel::right("your-profile")
        .resizable(true)
        .default_size(320.0)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                profile_ui(ui, state, me.is_some(), &mut commands);
                super::devices::devices_ui(
                    ui,
                    cx,
                    &mut state.devices,
                    sync,
                    this_device,
                    &mut commands,
                );
            });
        });
    egui::CentralPanel::default().show(ui, |ui| {
        directory_ui(ui, state, sync, community, me.as_ref());
    });
    confirm_removal_ui(ui, state, community, &mut commands);
    for command in commands {
        cx.send(command);
    }
}

fn profile_ui(
    ui: &mut egui::Ui,
    state: &mut MembersState,
    on_roster: bool,
    commands: &mut Vec<bridge::Command>,
) {
    ui.heading("Your profile");
    if !on_roster {
        ui.label(
            "This device is not on the community's roster, so there is no profile to edit. \
             If you were removed, a member can invite you again.",
        );
        return;
    }
    ui.label("What you write here is shared with every member.");
    ui.add_space(6.0);
    let draft = &mut state.profile;
    let mut changed = false;
    let label = ui.label("Display name");
    let name = ui
        .text_edit_singleline(&mut draft.name)
        .labelled_by(label.id);
    changed |= name.changed();
    // Enter in the one-line name field saves, as in every one-line form.
    let entered = name.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    ui.add_space(4.0);
    let label = ui.label("Ask me about (one skill per line)");
    changed |= ui
        .add(
            egui::TextEdit::multiline(&mut draft.skills)
                .desired_rows(4)
                .hint_text("e.g. composting"),
        )
        .labelled_by(label.id)
        .changed();
    ui.add_space(4.0);
    let label = ui.label("I want to learn (one objective per line)");
    changed |= ui
        .add(
            egui::TextEdit::multiline(&mut draft.objectives)
                .desired_rows(4)
                .hint_text("e.g. grafting fruit trees"),
        )
        .labelled_by(label.id)
        .changed();
    if changed {
        state.edited = true;
        state.saved = None;
    }
    ui.add_space(6.0);
    let name_ok = !draft.name.trim().is_empty();
    ui.horizontal(|ui| {
        let ready = name_ok && state.edited && state.saving.is_none();
        let clicked = ui
            .add_enabled(ready, egui::Button::new("Save profile"))
            .clicked();
        if clicked || (ready && entered) {
            let update = draft.to_update();
            let reply = Reply::default();
            let slot = reply.clone();
            commands.push(bridge::action(
                "save your profile",
                move |node, id| async move {
                    let saved = match node.update_profile(&id, update).await {
                        Ok(()) => node.flush().await,
                        Err(e) => Err(e),
                    };
                    if let Ok(mut slot) = slot.lock() {
                        *slot = Some(saved.map_err(|e| e.to_string()));
                    }
                    Ok(())
                },
            ));
            state.saving = Some(reply);
            state.edited = false;
        }
        if state.edited && ui.button("Undo changes").clicked() {
            state.edited = false;
            state.saved = None;
            state.draft_from = None;
        }
    });
    if !name_ok {
        ui.label("Your display name cannot be empty.");
    } else if state.saving.is_some() {
        ui.horizontal(|ui| {
            ui.spinner();
            ui.label("Saving…");
        });
    } else {
        match &state.saved {
            Some(Ok(())) => {
                ui.label("Profile saved.");
            }
            Some(Err(e)) => {
                ui.colored_label(
                    ui.visuals().error_fg_color,
                    format!("Your profile was not saved: {e}"),
                );
            }
            None => {}
        }
    }
}

fn directory_ui(
    ui: &mut egui::Ui,
    state: &mut MembersState,
    sync: &SyncStatus,
    community: &Community,
    me: Option<&MemberId>,
) {
    ui.heading(format!("Members ({})", community.members.len()));
    let label = ui.label("Search members");
    ui.add(
        egui::TextEdit::singleline(&mut state.search)
            .hint_text("name, skill or learning objective"),
    )
    .labelled_by(label.id);
    ui.add_space(6.0);

    let mut shown: Vec<(&MemberId, &Member)> = community
        .members
        .iter()
        .filter(|(_, m)| matches(m, &state.search))
        .collect();
    // You first, then by name.
    shown.sort_by_key(|(id, m)| (Some(*id) != me, m.name.to_lowercase()));
    if shown.is_empty() {
        ui.label("No member matches your search.");
        return;
    }
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| {
            for (id, member) in shown {
                let is_me = Some(id) == me;
                let online = member
                    .devices
                    .keys()
                    .any(|d| sync.connected.contains(d.as_str()));
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    member_card_ui(ui, member, is_me, online);
                    if !is_me
                        && me.is_some()
                        && ui.button(format!("Remove {}", member.name)).clicked()
                    {
                        state.confirm_remove = Some(id.clone());
                    }
                });
                ui.add_space(4.0);
            }
        });
}

fn member_card_ui(ui: &mut egui::Ui, member: &Member, is_me: bool, online: bool) {
    ui.horizontal(|ui| {
        ui.strong(&member.name);
        if is_me {
            ui.label("· this is you");
        } else if online {
            ui.colored_label(egui::Color32::from_rgb(0x2e, 0x9e, 0x4f), "online now");
        } else {
            ui.weak("offline");
        }
    });
    ui.weak(format!("Joined {}", date(member.joined_at)));
    if member.skills.is_empty() {
        ui.weak("Ask me about: nothing listed yet");
    } else {
        ui.label(format!("Ask me about: {}", member.skills.join(", ")));
    }
    if !member.objectives.is_empty() {
        ui.label(format!("Learning: {}", member.objectives.join(", ")));
    }
}

/// A day, as people write it: "5 Mar 2025", in the viewer's zone.
fn date(at: Timestamp) -> String {
    use crate::model::local_time;
    local_time::long_day(at, &local_time::viewer_zone())
}

fn confirm_removal_ui(
    ui: &mut egui::Ui,
    state: &mut MembersState,
    community: &Community,
    commands: &mut Vec<bridge::Command>,
) {
    let Some(member) = state.confirm_remove.clone() else {
        return;
    };
    let Some(name) = community.members.get(&member).map(|m| m.name.clone()) else {
        // Already gone (removed elsewhere, or left): nothing to confirm.
        state.confirm_remove = None;
        return;
    };
    let modal = egui::Modal::new(egui::Id::unique("confirm-remove-member")).show(ui.ctx(), |ui| {
        ui.set_max_width(380.0);
        ui.heading(format!("Remove {name} from {}?", community.name));
        ui.add_space(6.0);
        ui.label(REMOVAL_WARNING);
        ui.label("Invites they made or joined with stop working.");
        ui.add_space(10.0);
        ui.horizontal(|ui| {
            let remove = ui.button("Remove").clicked();
            let cancel = ui.button("Cancel").clicked();
            (remove, cancel)
        })
        .inner
    });
    let (remove, cancel) = modal.inner;
    if remove {
        commands.push(bridge::action(
            "remove the member",
            move |node, id| async move { node.remove_member(&id, &member).await },
        ));
    }
    if remove || cancel || modal.should_close() {
        state.confirm_remove = None;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn member(name: &str, skills: &[&str], objectives: &[&str]) -> Member {
        let mut m = Member::new(name, "device", Timestamp(0)).unwrap();
        m.skills = skills.iter().map(|s| s.to_string()).collect();
        m.objectives = objectives.iter().map(|s| s.to_string()).collect();
        m
    }

    #[test]
    fn search_matches_name_skill_or_objective_ignoring_case() {
        let ada = member("Ada", &["Composting"], &["Grafting trees"]);
        assert!(matches(&ada, ""));
        assert!(matches(&ada, "ada"));
        assert!(matches(&ada, "COMPOST"));
        assert!(matches(&ada, "graft"));
        assert!(matches(&ada, "ada graft"), "every word, anywhere");
        assert!(!matches(&ada, "pottery"));
        assert!(!matches(&ada, "ada pottery"));
    }

    #[test]
    fn a_draft_becomes_a_clean_update() {
        let draft = ProfileDraft {
            name: "  Ada Lovelace ".into(),
            skills: "Composting\n\n  seed saving \n".into(),
            objectives: "".into(),
        };
        assert_eq!(
            draft.to_update(),
            ProfileUpdate {
                name: Some("Ada Lovelace".into()),
                skills: Some(vec!["Composting".into(), "seed saving".into()]),
                objectives: Some(vec![]),
            }
        );
    }
}
