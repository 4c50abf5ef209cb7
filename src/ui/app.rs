//! [`App`]: the window's state, drawn from the latest snapshots each frame, and the one place
//! where a view's [`Navigate`] is applied: views own their state and never write another's.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui::{self, Key, KeyboardShortcut, Modifiers};

pub use super::view::View;

use super::bridge::{self, Bridge, Command, Event};
use super::{
    actions, cases, export, gatherings, home, invite, members, notes, now, objectives, pulse,
    search, skills, status_bar, thanks, this_device, topics, welcome, widgets,
};
use crate::model::practice::unread::{self, ReadMarks};
use crate::model::{
    CaseId, Community, CommunityId, DeviceId, DocKind, DocRef, GatheringId, Item, MemberId, NoteId,
    Timestamp,
};
use crate::node::{CommunitySummary, SyncStatus};
use crate::store::StorageStatus;

/// Ctrl+N: a new note.
pub const NEW_NOTE: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::N);
/// Ctrl+F: search.
pub const FIND: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::F);

/// Where the last view is remembered between runs.
pub const VIEW_KEY: &str = "copse.view";

/// Where a member asked to go while a view was drawn; [`App::navigate`] applies it after the
/// frame, so a view never reaches into another view's state.
#[must_use]
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Navigate {
    /// Nowhere: the member stays where they are.
    #[default]
    Stay,
    /// Show a view as it was left.
    To(View),
    /// Show a note in Notes (and watch it).
    OpenNote(NoteId),
    /// Show a case in Cases (and watch it).
    OpenCase(CaseId),
    /// Open a note or a case on what changed in it since the given moment (its history,
    /// comparing the version seen then with now).
    ShowChanges(DocRef, Timestamp),
    /// Show a gathering in Gatherings.
    OpenGathering(GatheringId),
    /// Open Gatherings with the "Plan a gathering" form.
    PlanGathering,
    /// Members, filtered to those matching this text.
    FindMember(String),
    /// Notes with the "New note" title field (Ctrl+N).
    NewNote,
    /// Search with the keyboard in its box (Ctrl+F).
    Find,
}

impl Navigate {
    /// Open a note or a case.
    pub fn open(doc: &DocRef) -> Navigate {
        match doc {
            DocRef::Note(id) => Navigate::OpenNote(id.clone()),
            DocRef::Case(id) => Navigate::OpenCase(id.clone()),
        }
    }

    /// `self`, unless it is [`Navigate::Stay`]: then `other`. For a view drawing several parts.
    pub fn or(self, other: Navigate) -> Navigate {
        match self {
            Navigate::Stay => other,
            chosen => chosen,
        }
    }
}

/// What a view of the open community reads besides its own state: the snapshot, who "I" am,
/// the time, what is new here, and the way to the node.
pub(super) struct ViewCtx<'a> {
    pub community_id: &'a CommunityId,
    pub community: &'a Arc<Community>,
    /// This device's member, if it is on the roster.
    pub me: Option<&'a MemberId>,
    /// The time now, by the node's clock.
    pub now: Timestamp,
    read_marks: &'a ReadMarks,
    /// The places to review in the community's notes and cases.
    pub reviews: &'a [crate::node::Review],
    bridge: &'a Bridge,
}

impl ViewCtx<'_> {
    pub fn send(&self, command: Command) {
        self.bridge.send(command);
    }

    /// The ids of the notes or cases new to this device.
    pub fn unread_ids(&self, kind: DocKind) -> HashSet<String> {
        self.unread()
            .into_iter()
            .filter_map(|u| u.doc())
            .filter(|doc| doc.kind() == kind)
            .map(|doc| doc.id_str().to_string())
            .collect()
    }

    /// When this device last looked at `item`: its read mark, or else when "I" joined.
    pub fn last_looked(&self, item: &Item) -> Timestamp {
        self.read_marks.get(item).copied().unwrap_or_else(|| {
            self.me
                .and_then(|me| self.community.members.get(me))
                .map_or(Timestamp(0), |m| m.joined_at)
        })
    }

    /// The notes and cases new to this device, most recent first; none for a reader.
    pub fn unread(&self) -> Vec<unread::Unread> {
        self.me
            .map(|me| unread::unread(self.community, me, self.read_marks))
            .unwrap_or_default()
    }
}

/// The whole window.
pub struct App {
    bridge: Bridge,
    pub(super) communities: Option<Vec<CommunitySummary>>,
    pub(super) current: Option<(CommunityId, Arc<Community>)>,
    pub view: View,
    pub(super) welcome: welcome::WelcomeState,
    pub(super) home: home::HomeState,
    /// When this device last looked at each note and case of the open community.
    pub(super) read_marks: ReadMarks,
    /// The open community's places to review.
    pub(super) reviews: Vec<crate::node::Review>,
    pub(super) notes: notes::NotesState,
    pub(super) topics: topics::TopicsState,
    pub(super) cases: cases::CasesState,
    pub(super) members: members::MembersState,
    pub(super) invite: invite::InviteState,
    pub(super) objectives: objectives::ObjectivesState,
    pub(super) skills: skills::SkillsState,
    pub(super) pulse: pulse::PulseState,
    pub(super) gatherings: gatherings::GatheringsState,
    pub(super) now: now::NowState,
    pub(super) notifications: super::notifications::NotificationsState,
    pub(super) actions: actions::ActionsState,
    pub(super) search: search::SearchState,
    pub(super) export: export::ExportState,
    pub(super) storage: StorageStatus,
    pub(super) sync: SyncStatus,
    /// The last failure, shown until dismissed.
    pub(super) error: Option<String>,
    /// This device's endpoint id, to find "me" on the roster.
    pub(super) device_id: String,
    /// Set when the window only takes a screenshot and closes.
    screenshot: Option<super::screenshot::Screenshot>,
    /// The house style (the focus ring) is applied once, on the first frame.
    styled: bool,
    /// Background syncing, starting at login, and Quit.
    pub(super) this_device: this_device::ThisDeviceState,
}

impl App {
    pub fn new(bridge: Bridge, device_id: String) -> App {
        App {
            this_device: this_device::ThisDeviceState::new(bridge.data_dir().to_path_buf()),
            device_id,
            screenshot: None,
            styled: false,
            bridge,
            communities: None,
            current: None,
            view: View::Home,
            welcome: welcome::WelcomeState::default(),
            home: home::HomeState::default(),
            read_marks: ReadMarks::default(),
            reviews: Vec::new(),
            notes: notes::NotesState::default(),
            topics: topics::TopicsState::default(),
            cases: cases::CasesState::default(),
            members: members::MembersState::default(),
            invite: invite::InviteState::default(),
            objectives: objectives::ObjectivesState::default(),
            skills: skills::SkillsState::default(),
            pulse: pulse::PulseState::default(),
            gatherings: gatherings::GatheringsState::default(),
            now: now::NowState::default(),
            notifications: Default::default(),
            actions: actions::ActionsState::default(),
            search: search::SearchState::default(),
            export: export::ExportState::default(),
            storage: StorageStatus::default(),
            sync: SyncStatus::default(),
            error: None,
        }
    }

    /// Set once the member asked to quit (Quit, Ctrl+Q): then closing the window ends copse,
    /// even when it would otherwise keep syncing in the background.
    pub fn quit_flag(&self) -> Arc<std::sync::atomic::AtomicBool> {
        self.this_device.quit_flag()
    }

    /// The same app, quitting when `quit` is set (by another process over the local socket,
    /// say), and setting it on Quit.
    pub fn with_quit_flag(mut self, quit: Arc<std::sync::atomic::AtomicBool>) -> App {
        self.this_device.set_quit_flag(quit);
        self
    }

    /// Takes a screenshot of `view` once the data has loaded, then closes the window.
    pub fn take_screenshot(&mut self, shot: super::screenshot::Screenshot, view: Option<View>) {
        if let Some(view) = view {
            self.view = view;
        }
        self.screenshot = Some(shot);
    }

    /// For a screenshot of Notes or Cases, opens the most recently changed one, so the picture
    /// shows the editor or the case rather than an empty pane.
    fn open_latest_for_screenshot(&mut self) {
        let Some((_, community)) = self.current.clone() else {
            return;
        };
        let latest = match self.view {
            View::Notes if self.notes.selected().is_none() => community
                .notes
                .iter()
                .max_by_key(|(_, e)| e.updated_at)
                .map(|(note, _)| Navigate::OpenNote(note.clone())),
            View::Cases if self.cases.selected().is_none() => community
                .cases
                .iter()
                .max_by_key(|(_, e)| e.updated_at)
                .map(|(case, _)| Navigate::OpenCase(case.clone())),
            _ => None,
        };
        if let Some(to) = latest {
            self.navigate(to);
        }
    }

    /// Goes where a view (or a shortcut, or an event) asked: the one place that opens a note,
    /// a case or a gathering, and the only writer of one view's state on another's behalf.
    pub(super) fn navigate(&mut self, to: Navigate) {
        if self.notes.ask_before(&to) {
            // The editor holds text that is not saved: Notes asks before it is left behind.
            self.view = View::Notes;
            return;
        }
        match to {
            Navigate::Stay => {}
            Navigate::To(view) => self.view = view,
            Navigate::OpenNote(note) => {
                self.view = View::Notes;
                self.notes.select(note.clone());
                self.send(Command::OpenNote(note));
            }
            Navigate::OpenCase(case) => {
                let Some((community, _)) = &self.current else {
                    return;
                };
                self.view = View::Cases;
                self.cases.open(community, case.clone());
                self.send(Command::OpenCase(case));
            }
            Navigate::ShowChanges(doc, since) => {
                self.navigate(Navigate::open(&doc));
                match doc {
                    DocRef::Note(_) => self.notes.show_changes_since(since),
                    DocRef::Case(_) => self.cases.show_changes_since(since),
                }
            }
            Navigate::OpenGathering(gathering) => {
                self.view = View::Gatherings;
                self.gatherings.select(gathering);
            }
            Navigate::PlanGathering => {
                self.view = View::Gatherings;
                self.gatherings.start_planning();
            }
            Navigate::FindMember(search) => {
                self.view = View::Members;
                self.members.search = search;
            }
            Navigate::NewNote => {
                self.view = View::Notes;
                self.notes.start_new_note();
            }
            Navigate::Find => {
                self.view = View::Search;
                self.search.focus = true;
            }
        }
    }

    /// The view on screen; where the member asked to go is applied after drawing.
    fn view_ui(
        &mut self,
        ui: &mut egui::Ui,
        community_id: &CommunityId,
        community: &Arc<Community>,
    ) -> Navigate {
        let me = community
            .member_for_device(&DeviceId::from(self.device_id.clone()))
            .cloned();
        let cx = ViewCtx {
            community_id,
            community,
            me: me.as_ref(),
            now: self.bridge.now(),
            read_marks: &self.read_marks,
            reviews: &self.reviews,
            bridge: &self.bridge,
        };
        match self.view {
            View::Home => home::home_ui(ui, &cx, &mut self.home, &mut self.actions, &self.sync),
            View::Notes => notes::notes_ui(ui, &cx, &mut self.notes),
            View::Topics => topics::topics_ui(ui, &cx, &mut self.topics),
            View::Cases => cases::cases_ui(ui, &cx, &mut self.cases),
            View::Gatherings => gatherings::gatherings_ui(ui, &cx, &mut self.gatherings),
            View::Now => now::now_ui(ui, &cx, &mut self.now),
            View::Members => {
                members::members_ui(
                    ui,
                    &cx,
                    &mut self.members,
                    &self.sync,
                    &self.device_id,
                    &mut self.this_device,
                );
                Navigate::Stay
            }
            View::Invite => {
                invite::invite_ui(ui, &cx, &mut self.invite, &self.sync);
                Navigate::Stay
            }
            View::Objectives => objectives::objectives_ui(ui, &cx, &mut self.objectives),
            View::Skills => skills::skills_ui(ui, &cx, &mut self.skills, &self.sync),
            View::Pulse => {
                pulse::pulse_ui(ui, &cx, &mut self.pulse);
                Navigate::Stay
            }
            View::Search => search::search_ui(ui, &cx, &mut self.search),
            View::Export => {
                // Export, import and backups: taller than a small window.
                egui::ScrollArea::vertical()
                    .show(ui, |ui| export::export_ui(ui, &cx, &mut self.export));
                Navigate::Stay
            }
        }
    }

    /// Whether the window shows real data yet (or the first-run screen), including the note or
    /// case that is open.
    fn loaded(&self) -> bool {
        let community = match &self.communities {
            Some(list) => list.is_empty() || self.current.is_some(),
            None => false,
        };
        community && self.notes.is_shown() && self.cases.is_shown()
    }

    /// Whether typed text is not yet confirmed on disk.
    pub fn has_unsent_edit(&self) -> bool {
        self.notes.has_unsent_edit()
    }

    /// This device's member id in the open community, if it is on the roster.
    pub(super) fn me(&self) -> Option<crate::model::MemberId> {
        let (_, community) = self.current.as_ref()?;
        community
            .member_for_device(&DeviceId::from(self.device_id.clone()))
            .cloned()
    }

    pub(super) fn send(&self, command: Command) {
        self.bridge.send(command);
    }

    /// Applies what the node sent since the last frame.
    fn apply_events(&mut self) {
        for event in self.bridge.drain() {
            match event {
                Event::CommunitiesListed(list) => {
                    if self.current.is_none()
                        && let Some(first) = list.first()
                    {
                        self.send(Command::OpenCommunity(first.id.clone()));
                    }
                    self.communities = Some(list);
                }
                Event::CommunityChanged(id, community) => self.current = Some((id, community)),
                Event::ReadMarks(marks) => self.read_marks = marks,
                Event::NoteChanged(id, note) => self.notes.note_changed(id, note),
                Event::CaseChanged(id, case) => self.cases.case_changed(id, case),
                Event::NoteCreated(id) => {
                    self.navigate(Navigate::OpenNote(id.clone()));
                    self.notes.created(&id);
                }
                Event::EditSaved { note, body } => self.notes.saved(note, body),
                Event::Joined(id) => {
                    self.welcome = welcome::WelcomeState::default();
                    self.current = None;
                    self.send(Command::OpenCommunity(id));
                }
                Event::Failed { action, error } => {
                    self.welcome.busy = false;
                    if action == bridge::ADD_NOTE {
                        self.notes.create_failed(error.clone());
                    }
                    self.error = Some(format!("Could not {action}: {error}"));
                }
                Event::StorageChanged(status) => self.storage = status,
                Event::SyncChanged(status) => self.sync = status,
                Event::ReviewsChanged(list) => self.reviews = list,
            }
        }
    }

    fn shortcuts(&mut self, ctx: &egui::Context) {
        if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
            self.error = None;
            self.notes.close_dialogs();
            self.home.close_dialogs();
            self.topics.close_dialogs();
            self.members.close_dialogs();
            self.cases.close_dialogs();
            self.gatherings.close_dialogs();
            super::widgets::close_asks(ctx);
            super::review::close_edit(ctx);
        }
        if ctx.input_mut(|i| i.consume_shortcut(&this_device::QUIT)) {
            self.this_device.quit(ctx);
        }
        if self.current.is_some() && ctx.input_mut(|i| i.consume_shortcut(&NEW_NOTE)) {
            self.navigate(Navigate::NewNote);
        }
        if self.current.is_some() && ctx.input_mut(|i| i.consume_shortcut(&FIND)) {
            self.navigate(Navigate::Find);
        }
    }

    fn navigation_ui(&mut self, ui: &mut egui::Ui) {
        if let Some((id, community)) = &self.current {
            ui.heading(&community.name);
            let snapshot = Arc::as_ptr(community) as usize;
            let now = self.bridge.now();
            for command in
                super::notifications::bell_ui(ui, &mut self.notifications, (id, snapshot), now)
            {
                self.bridge.send(command);
            }
        }
        ui.separator();
        for (view, label) in View::ALL {
            if ui.selectable_label(self.view == view, label).clicked() {
                self.navigate(Navigate::To(view));
            }
        }
        let others: Vec<_> = self
            .communities
            .iter()
            .flatten()
            .filter(|c| Some(&c.id) != self.current.as_ref().map(|(id, _)| id))
            .cloned()
            .collect();
        if !others.is_empty() {
            ui.separator();
            ui.label("Other communities");
            for c in others {
                if ui.button(&c.name).clicked() {
                    self.send(Command::OpenCommunity(c.id));
                }
            }
        }
    }

    /// Marks what is on screen as read on this device, as of its latest change: the note or
    /// case shown, or every topic (gathering) while Topics (Gatherings) is shown.
    fn keep_read_marks(&mut self) {
        let Some((community_id, community)) = &self.current else {
            return;
        };
        let shown: Vec<(Item, Timestamp)> = match self.view {
            View::Notes => self
                .notes
                .selected()
                .and_then(|id| Some((Item::Note(id.clone()), community.notes.get(id)?.updated_at)))
                .into_iter()
                .collect(),
            View::Cases => self
                .cases
                .selected()
                .and_then(|id| Some((Item::Case(id.clone()), community.cases.get(id)?.updated_at)))
                .into_iter()
                .collect(),
            View::Topics => unread::topic_marks(community),
            View::Gatherings => unread::gathering_marks(community),
            _ => Vec::new(),
        };
        let news: Vec<(Item, Timestamp)> = shown
            .into_iter()
            .filter(|(item, seen)| self.read_marks.get(item) < Some(seen))
            .collect();
        if news.is_empty() {
            return;
        }
        let community_id = community_id.clone();
        self.read_marks.extend(news.iter().cloned());
        self.send(bridge::action(
            "remember what you have read",
            move |node, _| async move { node.mark_seen(&community_id, &news) },
        ));
    }
}

impl eframe::App for App {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        if !self.styled {
            widgets::focus_ring(ctx);
            self.styled = true;
        }
        self.apply_events();
        if self.screenshot.is_some() {
            self.open_latest_for_screenshot();
        }
        let loaded = self.loaded();
        if let Some(shot) = &mut self.screenshot {
            shot.step(ctx, loaded);
        }
        self.shortcuts(ctx);
        self.this_device.close_if_quitting(ctx);
        self.keep_read_marks();
        if let Some((note, from, to)) = self.notes.edit_to_send(Instant::now()) {
            self.send(Command::EditNote { note, from, to });
        }
        if self.notes.has_unsent_edit() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, VIEW_KEY, &self.view);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        thanks::set_viewer(ui.ctx(), self.me());
        // The last failure sits just above the status bar, a fixed place at the bottom, so it
        // never pushes the page down under the pointer.
        let mut dismiss = false;
        egui::Panel::bottom("status").show(ui, |ui| {
            if let Some(error) = &self.error {
                ui.horizontal(|ui| {
                    ui.colored_label(ui.visuals().error_fg_color, error);
                    dismiss = ui.button("Dismiss").clicked();
                });
                ui.separator();
            }
            status_bar::status_bar_ui(ui, self)
        });
        if dismiss {
            self.error = None;
        }
        match (&self.communities, &self.current) {
            (None, _) => {
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.spinner();
                });
            }
            (Some(list), None) if list.is_empty() => {
                let command = egui::CentralPanel::default()
                    .show(ui, |ui| welcome::welcome_ui(ui, &mut self.welcome))
                    .inner;
                if let Some(command) = command {
                    self.send(command);
                }
            }
            (Some(_), None) => {
                egui::CentralPanel::default().show(ui, |ui| {
                    ui.spinner();
                });
            }
            (Some(_), Some((id, community))) => {
                let (id, community) = (id.clone(), community.clone());
                egui::Panel::left("navigation").show(ui, |ui| self.navigation_ui(ui));
                let to = egui::CentralPanel::default()
                    .show(ui, |ui| self.view_ui(ui, &id, &community))
                    .inner;
                self.navigate(to);
            }
        }
    }
}
