//! Members: the directory (who can help with what, who is learning what, who is online now,
//! each person's role and devices), searched by name, skill or learning objective; your own
//! profile editor; what a steward may do (change a role, remove a member after a confirmation
//! that says plainly what removal can and cannot do), offered only to stewards and explained to
//! everyone else; the community devices; leaving; and the governance record.
//!
//! Draws from the community snapshot only. Saving a profile and removing a member are node
//! actions; their outcome comes back through the next snapshot, and a failed save is shown beside
//! the editor (through a reply slot the action fills) so the typed profile is not lost.

use std::sync::{Arc, Mutex};

use eframe::egui;

use super::app::ViewCtx;
use super::bridge;
use crate::model::{
    Community, CommunityId, Member, MemberId, MemberRole, ProfileUpdate, Timestamp, local_time,
};
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
    /// The reason typed into the removal confirmation.
    removal_reason: String,
    /// Leaving is being confirmed.
    confirm_leave: bool,
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
        self.confirm_leave = false;
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
    this_device_state: &mut super::this_device::ThisDeviceState,
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
                super::this_device::this_device_ui(ui, this_device_state);
            });
        });
    egui::CentralPanel::default().show(ui, |ui| {
        directory_ui(ui, state, sync, community, me.as_ref(), &mut commands);
    });
    confirm_removal_ui(ui, state, community, &mut commands);
    confirm_leave_ui(ui, state, community, &mut commands);
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
    commands: &mut Vec<bridge::Command>,
) {
    ui.heading(format!("Members ({})", community.members.len()));
    let my_role = me.and_then(|id| community.role_of(id));
    let steward = my_role == Some(MemberRole::Steward);
    if let Some(role) = my_role {
        ui.label(role_sentence(role, community));
        if !steward {
            // Said once here; the buttons on each card are disabled.
            ui.weak(not_steward_reason(community));
        }
    }
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
                let role = community.role_of(id).unwrap_or(MemberRole::Member);
                egui::Frame::group(ui.style()).show(ui, |ui| {
                    ui.set_width(ui.available_width());
                    member_card_ui(ui, member, role, is_me, online);
                    if me.is_some() {
                        let cx = ActionsCx {
                            community,
                            steward,
                            is_me,
                        };
                        actions_ui(ui, state, &cx, id, member, role, commands);
                    }
                });
                ui.add_space(4.0);
            }
            community_devices_ui(ui, sync, community);
            record_ui(ui, community);
        });
}

/// What the viewer may do on one member's card.
struct ActionsCx<'a> {
    community: &'a Community,
    /// The viewer is a steward.
    steward: bool,
    /// The card is the viewer's own.
    is_me: bool,
}

/// The role buttons and Remove (stewards), Leave (one's own card); for everyone else the same
/// buttons disabled, with the reason beside them.
fn actions_ui(
    ui: &mut egui::Ui,
    state: &mut MembersState,
    cx: &ActionsCx,
    id: &MemberId,
    member: &Member,
    role: MemberRole,
    commands: &mut Vec<bridge::Command>,
) {
    let last_steward = cx.community.is_last_steward(id);
    let why_not = if !cx.steward {
        Some(not_steward_reason(cx.community))
    } else if last_steward {
        Some("The last steward cannot step down: make another member a steward first.".into())
    } else {
        None
    };
    ui.horizontal_wrapped(|ui| {
        for to in MemberRole::ALL.into_iter().filter(|r| *r != role) {
            let label = format!("Make {} a {to}", member.name);
            let button = ui.add_enabled(why_not.is_none(), egui::Button::new(label));
            if button.clicked() {
                let member = id.clone();
                commands.push(bridge::action(
                    "change the role",
                    move |node, cid| async move { node.set_role(&cid, &member, to, None).await },
                ));
            }
        }
        if !cx.is_me {
            let remove = ui.add_enabled(
                cx.steward && !last_steward,
                egui::Button::new(format!("Remove {}", member.name)),
            );
            if remove.clicked() {
                state.confirm_remove = Some(id.clone());
                state.removal_reason.clear();
            }
        } else {
            let leave = ui.add_enabled(!last_steward, egui::Button::new("Leave the community…"));
            if leave.clicked() {
                state.confirm_leave = true;
            }
        }
    });
    if let Some(why) = why_not.filter(|_| cx.steward) {
        ui.weak(why);
    }
}

/// Why a member who is not a steward finds the role buttons and Remove disabled.
fn not_steward_reason(community: &Community) -> String {
    format!(
        "Only a steward can change roles or remove members; ask {}.",
        community.steward_names()
    )
}

/// What the viewer's role lets them do, in a sentence.
fn role_sentence(role: MemberRole, community: &Community) -> String {
    match role {
        MemberRole::Steward => {
            "You are a steward: you may change roles, remove members and revoke invites.".into()
        }
        MemberRole::Member => format!(
            "You are a member: you write everything and may invite. Stewards: {}.",
            community.steward_names()
        ),
        MemberRole::Reader => format!(
            "You are a reader: you see everything but change nothing. A steward ({}) can make \
             you a member.",
            community.steward_names()
        ),
    }
}

/// The always-on devices, never counted as people.
fn community_devices_ui(ui: &mut egui::Ui, sync: &SyncStatus, community: &Community) {
    if community.community_devices.is_empty() {
        return;
    }
    ui.add_space(8.0);
    ui.heading("Community devices");
    ui.weak("Always on, so members who are never online together still sync. Not a member.");
    for (device, d) in &community.community_devices {
        egui::Frame::group(ui.style()).show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.horizontal(|ui| {
                ui.strong(&d.label);
                if sync.connected.contains(device.as_str()) {
                    ui.colored_label(egui::Color32::from_rgb(0x2e, 0x9e, 0x4f), "online now");
                } else {
                    ui.weak("offline");
                }
            });
            ui.weak(format!(
                "Always on · enrolled by {} on {}",
                community.display_name(&d.added_by),
                date(d.added_at)
            ));
        });
    }
}

/// Removals, role changes and revoked invites, newest first.
fn record_ui(ui: &mut egui::Ui, community: &Community) {
    if community.records.is_empty() {
        return;
    }
    ui.add_space(8.0);
    ui.heading("Record");
    let zone = local_time::viewer_zone();
    for (_, record) in community.records_newest_first() {
        ui.label(record.sentence(&zone));
    }
}

fn member_card_ui(ui: &mut egui::Ui, member: &Member, role: MemberRole, is_me: bool, online: bool) {
    ui.horizontal(|ui| {
        ui.strong(&member.name);
        ui.label(format!("· {role}"));
        if is_me {
            ui.label("· this is you");
        } else if online {
            ui.colored_label(egui::Color32::from_rgb(0x2e, 0x9e, 0x4f), "online now");
        } else {
            ui.weak("offline");
        }
    });
    let devices = member.devices.len();
    ui.weak(format!(
        "Joined {} · {}",
        date(member.joined_at),
        crate::model::plain::count(devices, "device", "devices")
    ));
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
        ui.label("Every member sees who removed them, when, and the reason if you give one.");
        ui.add_space(6.0);
        let label = ui.label("Reason (optional)");
        ui.text_edit_singleline(&mut state.removal_reason)
            .labelled_by(label.id);
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
        let reason = Some(state.removal_reason.trim().to_string()).filter(|r| !r.is_empty());
        commands.push(bridge::action(
            "remove the member",
            move |node, id| async move { node.remove_member(&id, &member, reason).await },
        ));
    }
    if remove || cancel || modal.should_close() {
        state.confirm_remove = None;
    }
}

/// Leaving, asked plainly. The window keeps this device's copy (it receives nothing further);
/// `copse member leave --delete-local-copy` deletes it.
fn confirm_leave_ui(
    ui: &mut egui::Ui,
    state: &mut MembersState,
    community: &Community,
    commands: &mut Vec<bridge::Command>,
) {
    if !state.confirm_leave {
        return;
    }
    let modal = egui::Modal::new(egui::Id::unique("confirm-leave")).show(ui.ctx(), |ui| {
        ui.set_max_width(400.0);
        ui.heading(format!("Leave {}?", community.name));
        ui.add_space(6.0);
        ui.label(
            "Your devices come off the roster and receive nothing further. Every member sees \
             that you left.",
        );
        ui.label(
            "This device keeps its copy, which you can still read. To delete it, close copse \
             and run `copse member leave --delete-local-copy`, or delete the data folder.",
        );
        ui.add_space(10.0);
        ui.horizontal(|ui| {
            let leave = ui.button("Leave and keep this copy").clicked();
            let cancel = ui.button("Cancel").clicked();
            (leave, cancel)
        })
        .inner
    });
    let (leave, cancel) = modal.inner;
    if leave {
        commands.push(bridge::action(
            "leave the community",
            move |node, id| async move {
                node.leave(&id).await?;
                // Tell the others while this device is still admitted.
                node.sync_now(std::time::Duration::from_secs(10))
                    .await
                    .map(|_| ())
            },
        ));
    }
    if leave || cancel || modal.should_close() {
        state.confirm_leave = false;
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
