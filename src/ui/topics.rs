//! Topics: what the community wants to explore together. A filter for each status (proposed,
//! planned, discussed, or all), topics most endorsed first with their sub-topics indented under
//! them, one endorsement per member showing who, a status control, linked notes, and a one-line
//! field to propose a topic (or a sub-topic).
//!
//! Filters rather than columns: each topic needs a full-width row for its description, who
//! endorsed it and its controls, and one list scrolls as one virtualised area however many
//! topics there are, where three narrow columns would wrap every line.
//!
//! The view keeps only its own state (the filter, the propose line, a cached row layout). Every
//! change goes to the node as a [`bridge::action`]; the result comes back in the community
//! snapshot, and a failure in the app's error bar.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};

use eframe::egui::{self, Align, Layout, Rect, RichText, UiBuilder, pos2, vec2};

use super::app::{Navigate, ViewCtx};
use super::bridge;
use super::lifecycle::{self, LifecycleState};
use crate::model::community::NewTopic;
use crate::model::{Community, Item, MemberId, NoteId, Topic, TopicId, TopicStatus, limits};

/// How far each level of sub-topics is indented, and the deepest level that still indents.
const INDENT: f32 = 20.0;
const MAX_INDENT_DEPTH: usize = 8;
/// Space between two topics.
const ROW_GAP: f32 = 10.0;
/// Linked notes shown by name on a topic's row; more are counted.
const NOTES_SHOWN: usize = 4;

/// Which topics the list shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Filter {
    Status(TopicStatus),
    All,
}

impl Default for Filter {
    fn default() -> Self {
        Filter::Status(TopicStatus::Proposed)
    }
}

impl Filter {
    const ALL: [Filter; 4] = [
        Filter::Status(TopicStatus::Proposed),
        Filter::Status(TopicStatus::Planned),
        Filter::Status(TopicStatus::Discussed),
        Filter::All,
    ];

    fn shows(self, status: TopicStatus) -> bool {
        match self {
            Filter::Status(s) => s == status,
            Filter::All => true,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Filter::Status(s) => status_name(s),
            Filter::All => "All",
        }
    }
}

fn status_name(status: TopicStatus) -> &'static str {
    match status {
        TopicStatus::Proposed => "Proposed",
        TopicStatus::Planned => "Planned",
        TopicStatus::Discussed => "Discussed",
    }
}

/// The Topics view's own state.
#[derive(Default)]
pub struct TopicsState {
    filter: Filter,
    /// The propose line.
    title: String,
    description: String,
    parent: Option<TopicId>,
    focus_title: bool,
    /// A topic proposed here that the snapshot does not show yet; scrolled to once it does.
    awaiting: Option<Awaiting>,
    reveal: Option<TopicId>,
    listing: Option<Listing>,
    /// The note picker, while a note is being linked to this topic.
    linking: Option<(TopicId, String)>,
    /// Rename, archive, delete and their undo.
    lifecycle: LifecycleState,
    /// A proposal the node refused: the title and description go back, with the reason.
    refused: Arc<Mutex<Option<(NewTopic, String)>>>,
    /// Where the list was last drawn, to hold its order while the pointer is over it.
    list_rect: Option<Rect>,
}

/// The label of the propose line's title field.
pub const NEW_TOPIC: &str = "New topic";

struct Awaiting {
    title: String,
    /// How many topics of mine had this title when it was proposed.
    before: usize,
}

/// The rows for one snapshot and filter, kept until either changes.
struct Listing {
    community: Arc<Community>,
    filter: Filter,
    show_archived: bool,
    rows: Vec<Row>,
    /// Topics per filter, in [`Filter::ALL`] order.
    counts: [usize; 4],
    /// Rows kept in an older order because the pointer was over the list; re-sorted once it
    /// leaves.
    held: bool,
}

/// One topic's place in the list.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Row {
    id: TopicId,
    /// 0 for a topic shown at the top level, 1 for its sub-topics, …
    depth: usize,
}

/// What a member asked for while the view was drawn; applied afterwards.
#[must_use]
enum Intent {
    Propose,
    Endorse(TopicId),
    Withdraw(TopicId),
    SetStatus(TopicId, TopicStatus),
    SubTopicOf(TopicId),
    OpenNote(NoteId),
    /// Show the note picker for this topic.
    PickNote(TopicId),
    Link(TopicId, NoteId),
    Rename(TopicId),
    Archive(TopicId),
    Unarchive(TopicId),
    Delete(TopicId),
}

impl TopicsState {
    /// Esc: closes the note picker.
    pub fn close_dialogs(&mut self) {
        self.linking = None;
        self.lifecycle.close();
    }

    /// The rows for this snapshot under the current filter; recomputed only when either changed.
    /// The rows for this snapshot. While the pointer is over the list (`pointer_over`), a new
    /// snapshot keeps the rows in the order they were, so an endorsement never moves a row
    /// under the pointer; the list re-sorts once the pointer leaves.
    fn take_listing(&mut self, community: &Arc<Community>, pointer_over: bool) -> Listing {
        let old = self.listing.take();
        match old {
            Some(l)
                if Arc::ptr_eq(&l.community, community)
                    && l.filter == self.filter
                    && l.show_archived == self.lifecycle.show_archived
                    && (!l.held || pointer_over) =>
            {
                l
            }
            old => {
                let show_archived = self.lifecycle.show_archived;
                let mut rows = list_rows(community, self.filter, show_archived);
                let mut held = false;
                if let Some(old) = old.filter(|o| pointer_over && o.filter == self.filter) {
                    let before: Vec<TopicId> = old.rows.into_iter().map(|r| r.id).collect();
                    super::widgets::keep_order(&mut rows, &before, |r| &r.id);
                    held = true;
                }
                Listing {
                    community: community.clone(),
                    filter: self.filter,
                    show_archived,
                    held,
                    rows,
                    counts: Filter::ALL.map(|f| {
                        community
                            .topics
                            .iter()
                            .filter(|(id, t)| {
                                f.shows(t.status)
                                    && community.shows(&Item::Topic((*id).clone()), show_archived)
                            })
                            .count()
                    }),
                }
            }
        }
    }

    /// Once a topic proposed here shows up in the snapshot, scrolls to it.
    fn notice_arrival(&mut self, community: &Community, me: Option<&MemberId>) {
        let (Some(awaiting), Some(me)) = (&self.awaiting, me) else {
            return;
        };
        let mine = mine_titled(community, me, &awaiting.title);
        if mine.len() > awaiting.before {
            self.reveal = mine
                .into_iter()
                .max_by_key(|(_, t)| t.proposed_at)
                .map(|(id, _)| id.clone());
            self.awaiting = None;
        }
    }
}

fn mine_titled<'a>(
    community: &'a Community,
    me: &MemberId,
    title: &str,
) -> Vec<(&'a TopicId, &'a Topic)> {
    community
        .topics
        .iter()
        .filter(|(_, t)| &t.proposer == me && t.title == title)
        .collect()
}

/// The topics `filter` shows, most endorsed first, each followed by its sub-topics (indented
/// one level deeper). A sub-topic whose parent the filter hides is shown at the top level.
fn list_rows(community: &Community, filter: Filter, show_archived: bool) -> Vec<Row> {
    let sorted: Vec<&TopicId> = community
        .topics_by_endorsement()
        .into_iter()
        .filter(|(_, t)| filter.shows(t.status))
        .filter(|(id, _)| community.shows(&Item::Topic((*id).clone()), show_archived))
        .map(|(id, _)| id)
        .collect();
    let shown: HashSet<&TopicId> = sorted.iter().copied().collect();
    let mut children: HashMap<&TopicId, Vec<&TopicId>> = HashMap::new();
    let mut roots = Vec::new();
    for &id in &sorted {
        match shown_ancestor(community, id, &shown) {
            Some(parent) => children.entry(parent).or_default().push(id),
            None => roots.push(id),
        }
    }
    let mut rows = Vec::with_capacity(sorted.len());
    let mut placed: HashSet<&TopicId> = HashSet::with_capacity(sorted.len());
    let mut stack: Vec<(&TopicId, usize)> = roots.iter().rev().map(|&id| (id, 0)).collect();
    // Topics in a parent loop (which the model refuses, but a document may still hold) have no
    // root above them: they are placed at the top level after the rest, so none goes missing.
    let mut unplaced = sorted.iter();
    loop {
        while let Some((id, depth)) = stack.pop() {
            if !placed.insert(id) {
                continue;
            }
            rows.push(Row {
                id: id.clone(),
                depth,
            });
            if let Some(kids) = children.get(id) {
                stack.extend(kids.iter().rev().map(|&kid| (kid, depth + 1)));
            }
        }
        match unplaced.find(|id| !placed.contains(**id)) {
            Some(&id) => stack.push((id, 0)),
            None => break,
        }
    }
    rows
}

/// The nearest ancestor of `id` that is shown, if any.
fn shown_ancestor<'a>(
    community: &'a Community,
    id: &TopicId,
    shown: &HashSet<&TopicId>,
) -> Option<&'a TopicId> {
    let mut cursor = community.topics.get(id)?.parent.as_ref();
    // Bounded, so a parent loop in the data cannot spin forever.
    for _ in 0..community.topics.len() {
        let (parent_id, parent) = community.topics.get_key_value(cursor?)?;
        if shown.contains(parent_id) {
            return Some(parent_id);
        }
        cursor = parent.parent.as_ref();
    }
    None
}

pub fn topics_ui(ui: &mut egui::Ui, cx: &ViewCtx, state: &mut TopicsState) -> Navigate {
    let (community, me) = (cx.community, cx.me.cloned());
    state.notice_arrival(community, me.as_ref());
    let mut intents = Vec::new();

    ui.heading("Topics");
    ui.label("What we want to explore together. Endorse the ones you care about: the most endorsed come first.");
    if me.is_none() {
        ui.colored_label(
            ui.visuals().warn_fg_color,
            "You are no longer on this community's roster: you can read its topics but not change them.",
        );
    }
    super::review::places_ui(ui, cx, |w| matches!(w, crate::node::Reviewed::Topic(_)));
    ui.add_space(6.0);
    propose_ui(ui, state, community, me.is_some(), &mut intents);
    ui.add_space(6.0);

    lifecycle::undo_ui(ui, cx, &mut state.lifecycle);
    lifecycle::rename_bar_ui(ui, cx, &mut state.lifecycle);
    let pointer_over = match (state.list_rect, ui.ctx().pointer_hover_pos()) {
        (Some(rect), Some(pos)) => rect.contains(pos),
        _ => false,
    };
    let listing = state.take_listing(community, pointer_over);
    ui.horizontal(|ui| {
        for (filter, count) in Filter::ALL.into_iter().zip(listing.counts) {
            let text = format!("{} ({count})", filter.name());
            if ui.selectable_label(state.filter == filter, text).clicked() {
                state.filter = filter;
            }
        }
        ui.separator();
        lifecycle::show_archived_ui(ui, &mut state.lifecycle);
    });
    ui.separator();
    if community.topics.is_empty() {
        ui.label("No topics yet — propose the first one above.");
    } else if listing.rows.is_empty() {
        ui.label(match state.filter {
            Filter::Status(TopicStatus::Proposed) => {
                "No proposed topics: everything proposed is planned or discussed."
            }
            Filter::Status(TopicStatus::Planned) => "No planned topics yet.",
            Filter::Status(TopicStatus::Discussed) => "No topics discussed yet.",
            Filter::All => "No topics yet.",
        });
    } else {
        let reveal = state.reveal.take();
        state.list_rect = Some(ui.available_rect_before_wrap());
        list_ui(
            ui,
            community,
            &listing.rows,
            me.as_ref(),
            reveal,
            &mut intents,
        );
    }
    // A listing for another filter is stale anyway; it is rebuilt on the next frame.
    state.listing = Some(listing);
    note_picker_ui(ui, state, community, &mut intents);
    lifecycle::confirm_delete_ui(ui, cx, &mut state.lifecycle);

    let mut to = Navigate::Stay;
    for intent in intents {
        to = apply(cx, state, intent).or(to);
    }
    to
}

/// The one-line form to propose a topic, or a sub-topic once a parent is chosen.
fn propose_ui(
    ui: &mut egui::Ui,
    state: &mut TopicsState,
    community: &Community,
    can_act: bool,
    intents: &mut Vec<Intent>,
) {
    if let Ok(mut slot) = state.refused.lock()
        && let Some((new, reason)) = slot.take()
        && state.title.is_empty()
    {
        super::widgets::refuse(ui.ctx(), NEW_TOPIC, &new.title, reason);
        state.title = new.title;
        state.description = new.description;
        state.parent = new.parent;
    }
    ui.add_enabled_ui(can_act, |ui| {
        ui.horizontal(|ui| {
            let label = ui.label(NEW_TOPIC);
            let title = ui
                .add(
                    egui::TextEdit::singleline(&mut state.title)
                        .hint_text("What should we explore together?")
                        .desired_width((ui.available_width() * 0.45).max(160.0)),
                )
                .labelled_by(label.id);
            if std::mem::take(&mut state.focus_title) {
                title.request_focus();
            }
            let label = ui.label("Why (optional)");
            let why = ui
                .add(
                    egui::TextEdit::singleline(&mut state.description)
                        .desired_width((ui.available_width() - 90.0).max(120.0)),
                )
                .labelled_by(label.id);
            let entered = (title.lost_focus() || why.lost_focus())
                && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let clicked = ui.button("Propose").clicked();
            if clicked || entered {
                // Said under the field, the text kept: an empty or overlong title never
                // vanishes or does nothing.
                let check = limits::title("a topic's title", &state.title).and_then(|_| {
                    limits::optional_text(
                        "a topic's description",
                        &state.description,
                        limits::MAX_SHORT_TEXT_BYTES,
                    )
                });
                match check {
                    Ok(_) => {
                        super::widgets::accept(ui.ctx(), NEW_TOPIC);
                        intents.push(Intent::Propose);
                    }
                    Err(e) => {
                        let reason = super::widgets::reason(&e);
                        super::widgets::refuse(ui.ctx(), NEW_TOPIC, &state.title, reason);
                        title.request_focus();
                    }
                }
            }
        });
        super::widgets::refusal_line_ui(ui, NEW_TOPIC, &state.title);
        if let Some(parent) = &state.parent {
            let parent_title = community
                .topics
                .get(parent)
                .map_or("a topic not here yet", |t| t.title.as_str());
            ui.horizontal(|ui| {
                ui.label(format!("It will be a sub-topic of “{parent_title}”."));
                if ui.button("Make it a top-level topic").clicked() {
                    state.parent = None;
                }
            });
        }
    });
}

/// The virtualised list: only the rows in view are laid out, so 500 topics cost what 20 do.
fn list_ui(
    ui: &mut egui::Ui,
    community: &Community,
    rows: &[Row],
    me: Option<&MemberId>,
    reveal: Option<TopicId>,
    intents: &mut Vec<Intent>,
) {
    let line = line_height(ui);
    let spacing = ui.spacing().item_spacing.y;
    // Each row's top, and the bottom of the last: rows differ only in their optional lines.
    let mut tops = Vec::with_capacity(rows.len() + 1);
    let mut y = 0.0;
    for row in rows {
        tops.push(y);
        let lines = community.topics.get(&row.id).map_or(1, line_count);
        y += lines as f32 * (line + spacing) + ROW_GAP;
    }
    tops.push(y);

    egui::ScrollArea::vertical()
        .id_salt("topic-list")
        .auto_shrink([false, false])
        .show_viewport(ui, |ui, viewport| {
            ui.set_height(y);
            let origin = ui.max_rect().min;
            let width = ui.available_width();
            if let Some(i) = reveal.and_then(|id| rows.iter().position(|r| r.id == id)) {
                let rect = Rect::from_min_max(
                    pos2(origin.x, origin.y + tops[i]),
                    pos2(origin.x + width, origin.y + tops[i + 1]),
                );
                ui.scroll_to_rect(rect, Some(Align::Center));
            }
            let first = tops[1..].partition_point(|&bottom| bottom <= viewport.min.y);
            for (i, row) in rows.iter().enumerate().skip(first) {
                if tops[i] >= viewport.max.y {
                    break;
                }
                let Some(topic) = community.topics.get(&row.id) else {
                    continue;
                };
                let indent = row.depth.min(MAX_INDENT_DEPTH) as f32 * INDENT;
                let rect = Rect::from_min_max(
                    pos2(origin.x + indent, origin.y + tops[i]),
                    pos2(origin.x + width, origin.y + tops[i + 1] - ROW_GAP),
                );
                let parent_hidden = row.depth == 0 && topic.parent.is_some();
                let row_ui = RowUi {
                    community,
                    id: &row.id,
                    topic,
                    me,
                    parent_hidden,
                    line,
                };
                row_ui.show(ui, rect, intents);
                let stroke = ui.visuals().widgets.noninteractive.bg_stroke;
                let gap = rect.bottom() + ROW_GAP / 2.0;
                ui.painter().hline(rect.left()..=rect.right(), gap, stroke);
                if row.depth > 0 {
                    let x = rect.left() - INDENT / 2.0;
                    ui.painter().vline(x, rect.top()..=rect.bottom(), stroke);
                }
            }
        });
}

/// The height of one line of a row: a button's, or a line of text if that is taller.
fn line_height(ui: &egui::Ui) -> f32 {
    let button =
        ui.text_style_height(&egui::TextStyle::Button) + 2.0 * ui.spacing().button_padding.y;
    ui.spacing()
        .interact_size
        .y
        .max(button)
        .max(ui.text_style_height(&egui::TextStyle::Body))
}

/// Lines in a topic's row: title, who proposed and endorsed, controls, and the optional
/// description, objectives it came from, and linked notes.
fn line_count(topic: &Topic) -> usize {
    3 + usize::from(!topic.description.trim().is_empty())
        + usize::from(!topic.from_objectives.is_empty())
        + usize::from(!topic.notes.is_empty())
}

/// One topic's row, laid out line by line at fixed heights so the list can skip rows unseen.
struct RowUi<'a> {
    community: &'a Community,
    id: &'a TopicId,
    topic: &'a Topic,
    me: Option<&'a MemberId>,
    /// A sub-topic shown at the top level because the filter hides its parent.
    parent_hidden: bool,
    line: f32,
}

impl RowUi<'_> {
    fn show(&self, ui: &mut egui::Ui, rect: Rect, intents: &mut Vec<Intent>) {
        let step = self.line + ui.spacing().item_spacing.y;
        let mut y = rect.top();
        let mut line = |ui: &mut egui::Ui, add: &mut dyn FnMut(&mut egui::Ui)| {
            let line_rect =
                Rect::from_min_size(pos2(rect.left(), y), vec2(rect.width(), self.line));
            let builder = UiBuilder::new()
                .max_rect(line_rect)
                .layout(Layout::left_to_right(Align::Center));
            ui.scope_builder(builder, |ui| {
                ui.set_clip_rect(line_rect.intersect(ui.clip_rect()));
                add(ui)
            });
            y += step;
        };
        let topic = self.topic;
        line(ui, &mut |ui| self.title_ui(ui));
        if !topic.description.trim().is_empty() {
            line(ui, &mut |ui| {
                ui.add(egui::Label::new(RichText::new(topic.description.trim()).weak()).truncate());
            });
        }
        if !topic.from_objectives.is_empty() {
            line(ui, &mut |ui| {
                let mut names: Vec<String> = topic
                    .from_objectives
                    .keys()
                    .map(|m| self.community.display_name(m))
                    .collect();
                names.sort_by_key(|n| n.to_lowercase());
                let text = format!("From the objectives of: {}", names.join(", "));
                ui.add(egui::Label::new(text).truncate());
            });
        }
        line(ui, &mut |ui| {
            ui.add(egui::Label::new(self.endorsements_text()).truncate());
        });
        line(ui, &mut |ui| self.controls_ui(ui, intents));
        if !topic.notes.is_empty() {
            line(ui, &mut |ui| self.notes_ui(ui, intents));
        }
    }

    fn title_ui(&self, ui: &mut egui::Ui) {
        let title = lifecycle::row_title(
            self.community,
            &Item::Topic(self.id.clone()),
            &self.topic.title,
        );
        ui.add(egui::Label::new(RichText::new(title).strong()).truncate());
        if self.parent_hidden
            && let Some(parent) = self.topic.parent.as_ref()
        {
            let parent = self
                .community
                .topics
                .get(parent)
                .map_or("a topic not here yet", |t| t.title.as_str());
            let text = RichText::new(format!("· sub-topic of “{parent}”")).weak();
            ui.add(egui::Label::new(text).truncate());
        }
    }

    /// "Proposed by Ada · 2 endorsements: Ada, Bob".
    fn endorsements_text(&self) -> String {
        let topic = self.topic;
        let proposer = self.community.display_name(&topic.proposer);
        let names: Vec<String> = topic
            .endorsements
            .keys()
            .map(|m| self.community.display_name(m))
            .collect();
        match names.len() {
            0 => format!("Proposed by {proposer} · no endorsements yet"),
            1 => format!("Proposed by {proposer} · 1 endorsement: {}", names[0]),
            n => format!(
                "Proposed by {proposer} · {n} endorsements: {}",
                names.join(", ")
            ),
        }
    }

    fn controls_ui(&self, ui: &mut egui::Ui, intents: &mut Vec<Intent>) {
        let (id, topic) = (self.id, self.topic);
        ui.add_enabled_ui(self.me.is_some(), |ui| {
            if self.me.is_some_and(|me| topic.endorsed_by(me)) {
                // Plain words: the bundled fonts have no check mark glyph.
                ui.label("Endorsed by you");
                let withdraw = ui
                    .button("Withdraw")
                    .accessible_name(format!("Withdraw endorsement of {}", topic.title));
                if withdraw.clicked() {
                    intents.push(Intent::Withdraw(id.clone()));
                }
            } else {
                let endorse = ui
                    .button("Endorse")
                    .accessible_name(format!("Endorse {}", topic.title));
                if endorse.clicked() {
                    intents.push(Intent::Endorse(id.clone()));
                }
            }
            ui.separator();
            ui.label("Status");
            let mut status = topic.status;
            egui::ComboBox::from_id_salt(("topic-status", id))
                .selected_text(status_name(status))
                .show_ui(ui, |ui| {
                    for s in TopicStatus::ALL {
                        ui.selectable_value(&mut status, s, status_name(s));
                    }
                })
                .response
                .accessible_name(format!("Status of {}", topic.title));
            if status != topic.status {
                intents.push(Intent::SetStatus(id.clone(), status));
            }
            ui.separator();
            let link = ui
                .button("Link a note")
                .accessible_name(format!("Link a note to {}", topic.title));
            if link.clicked() {
                intents.push(Intent::PickNote(id.clone()));
            }
            let sub = ui
                .button("Add sub-topic")
                .accessible_name(format!("Add a sub-topic to {}", topic.title));
            if sub.clicked() {
                intents.push(Intent::SubTopicOf(id.clone()));
            }
            ui.separator();
            let title = &topic.title;
            if ui
                .button("Rename")
                .accessible_name(format!("Rename {title}"))
                .clicked()
            {
                intents.push(Intent::Rename(id.clone()));
            }
            if self.community.is_archived(&Item::Topic(id.clone())) {
                let button = ui.button("Unarchive");
                if button
                    .accessible_name(format!("Unarchive {title}"))
                    .clicked()
                {
                    intents.push(Intent::Unarchive(id.clone()));
                }
            } else if ui
                .button("Archive")
                .accessible_name(format!("Archive {title}"))
                .clicked()
            {
                intents.push(Intent::Archive(id.clone()));
            }
            if ui
                .button("Delete…")
                .accessible_name(format!("Delete {title}…"))
                .clicked()
            {
                intents.push(Intent::Delete(id.clone()));
            }
        });
    }

    fn notes_ui(&self, ui: &mut egui::Ui, intents: &mut Vec<Intent>) {
        let notes = &self.topic.notes;
        ui.label("Notes:");
        for note in notes.keys().take(NOTES_SHOWN) {
            match self.community.notes.get(note) {
                Some(entry) => {
                    if ui.link(&entry.title).clicked() {
                        intents.push(Intent::OpenNote(note.clone()));
                    }
                }
                None => {
                    ui.weak("a note not here yet");
                }
            }
        }
        if notes.len() > NOTES_SHOWN {
            ui.weak(format!("and {} more", notes.len() - NOTES_SHOWN));
        }
    }
}

/// Notes shown in the picker at once; typing narrows them down.
const PICKER_ROWS: usize = 40;

/// A dialog to find a note by title and link it to the topic.
fn note_picker_ui(
    ui: &mut egui::Ui,
    state: &mut TopicsState,
    community: &Community,
    intents: &mut Vec<Intent>,
) {
    let Some((topic_id, search)) = &mut state.linking else {
        return;
    };
    let Some(topic) = community.topics.get(topic_id) else {
        state.linking = None;
        return;
    };
    // Focus the search field when the picker opens, and leave the focus alone after that.
    let field_needs_focus = ui.memory(|m| m.focused().is_none());
    let modal = egui::Modal::new(egui::Id::unique("link-note")).show(ui.ctx(), |ui| {
        ui.set_width(420.0);
        ui.heading(format!("Link a note to {}", topic.title));
        let field = super::widgets::labelled_field(ui, "Find a note", search);
        if field_needs_focus {
            field.request_focus();
        }
        let needle = search.to_lowercase();
        let mut notes: Vec<_> = community
            .notes
            .iter()
            .filter(|(id, e)| {
                !topic.notes.contains_key(*id) && e.title.to_lowercase().contains(&needle)
            })
            .collect();
        notes.sort_by_key(|(_, e)| std::cmp::Reverse(e.updated_at));
        if notes.is_empty() {
            ui.label(if community.notes.is_empty() {
                "This community has no notes yet."
            } else {
                "No other note title matches."
            });
        }
        // A fixed height, so the dialog does not jump about as typing narrows the list.
        egui::ScrollArea::vertical()
            .max_height(300.0)
            .auto_shrink([false, false])
            .show(ui, |ui| {
                for (id, entry) in notes.iter().take(PICKER_ROWS) {
                    let pick = ui
                        .button(&entry.title)
                        .accessible_name(format!("Link {}", entry.title));
                    if pick.clicked() {
                        intents.push(Intent::Link(topic_id.clone(), (*id).clone()));
                    }
                }
            });
        if notes.len() > PICKER_ROWS {
            ui.weak(format!(
                "and {} more: type to narrow down",
                notes.len() - PICKER_ROWS
            ));
        }
        ui.add_space(6.0);
        ui.button("Cancel").clicked()
    });
    if modal.inner || modal.should_close() {
        state.linking = None;
    }
}

/// Does what the member asked; opening a note is for the app to do.
fn apply(cx: &ViewCtx, state: &mut TopicsState, intent: Intent) -> Navigate {
    match intent {
        Intent::Propose => propose(cx, state),
        Intent::Endorse(topic) => cx.send(bridge::action(
            "endorse the topic",
            move |node, community| async move {
                node.endorse_topic(&community, &topic).await.map(|_| ())
            },
        )),
        Intent::Withdraw(topic) => cx.send(bridge::action(
            "withdraw the endorsement",
            move |node, community| async move {
                node.withdraw_endorsement(&community, &topic)
                    .await
                    .map(|_| ())
            },
        )),
        Intent::SetStatus(topic, status) => cx.send(bridge::action(
            "change the topic's status",
            move |node, community| async move {
                node.set_topic_status(&community, &topic, status).await
            },
        )),
        Intent::SubTopicOf(parent) => {
            state.parent = Some(parent);
            state.focus_title = true;
        }
        Intent::PickNote(topic) => state.linking = Some((topic, String::new())),
        Intent::Link(topic, note) => {
            state.linking = None;
            cx.send(bridge::action(
                "link the note",
                move |node, community| async move {
                    node.link_note(&community, &topic, &note).await
                },
            ));
        }
        Intent::OpenNote(note) => return Navigate::OpenNote(note),
        Intent::Rename(topic) => {
            let item = Item::Topic(topic);
            if let Some(title) = cx.community.title_of(&item) {
                state.lifecycle.start_rename(&item, title);
            }
        }
        Intent::Archive(topic) => {
            let item = Item::Topic(topic);
            let title = cx.community.title_of(&item).unwrap_or_default().to_string();
            state.lifecycle.archive(cx, &item, &title);
        }
        Intent::Unarchive(topic) => state.lifecycle.unarchive(cx, &Item::Topic(topic)),
        Intent::Delete(topic) => {
            let item = Item::Topic(topic);
            if let Some(title) = cx.community.title_of(&item) {
                state.lifecycle.ask_delete(&item, title);
            }
        }
    }
    Navigate::Stay
}

fn propose(cx: &ViewCtx, state: &mut TopicsState) {
    let new = NewTopic {
        title: std::mem::take(&mut state.title),
        description: std::mem::take(&mut state.description),
        parent: state.parent.take(),
    };
    // Watch for the topic as the model will store its title, to scroll to it when it arrives.
    if let (Ok(title), Some(me)) = (limits::title("a topic's title", &new.title), cx.me) {
        let before = mine_titled(cx.community, me, &title).len();
        state.awaiting = Some(Awaiting { title, before });
    }
    // A new topic is proposed: show the filter it will be in, and stay ready for the next one.
    if !state.filter.shows(TopicStatus::Proposed) {
        state.filter = Filter::Status(TopicStatus::Proposed);
    }
    state.focus_title = true;
    let refused = state.refused.clone();
    cx.send(bridge::action(
        "propose the topic",
        move |node, community| async move {
            let result = node.add_topic(&community, new.clone()).await;
            if let (Err(e), Ok(mut slot)) = (&result, refused.lock()) {
                *slot = Some((new, e.to_string()));
            }
            result.map(|_| ())
        },
    ));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Member, Timestamp};

    fn id(s: &str) -> TopicId {
        TopicId::from(s.to_string())
    }

    fn community(topics: &[(&str, Option<&str>, usize, TopicStatus)]) -> Community {
        let ada = MemberId::from("ada".to_string());
        let mut c = Community::new(
            "Gardeners",
            "",
            &ada,
            Member::new("Ada", "ada", Timestamp(1)).unwrap(),
            Timestamp(1),
        )
        .unwrap();
        let members: Vec<MemberId> = (0..5).map(|i| MemberId::from(format!("m{i}"))).collect();
        for m in &members {
            c.add_member(
                m.clone(),
                Member::new(m.as_str(), m.as_str(), Timestamp(1)).unwrap(),
            );
        }
        for (i, (name, parent, endorsements, status)) in topics.iter().enumerate() {
            let new = NewTopic {
                title: name.to_string(),
                description: String::new(),
                parent: parent.map(id),
            };
            let at = Timestamp(10 + i as i64);
            c.add_topic(id(name), &ada, &new, at).unwrap();
            for m in &members[..*endorsements] {
                c.endorse_topic(&id(name), m, at).unwrap();
            }
            c.set_topic_status(&id(name), &ada, *status).unwrap();
        }
        c
    }

    fn shown(rows: &[Row]) -> Vec<(String, usize)> {
        rows.iter().map(|r| (r.id.to_string(), r.depth)).collect()
    }

    const P: TopicStatus = TopicStatus::Proposed;
    const L: TopicStatus = TopicStatus::Planned;

    #[test]
    fn sub_topics_follow_their_parent_and_siblings_keep_endorsement_order() {
        let c = community(&[
            ("soil", None, 1, P),
            ("seeds", None, 3, P),
            ("compost", Some("soil"), 0, P),
            ("worms", Some("compost"), 2, P),
            ("mulch", Some("soil"), 4, P),
        ]);
        let rows = list_rows(&c, Filter::All, false);
        assert_eq!(
            shown(&rows),
            [
                ("seeds".into(), 0),
                ("soil".into(), 0),
                ("mulch".into(), 1),
                ("compost".into(), 1),
                ("worms".into(), 2),
            ]
        );
    }

    #[test]
    fn a_filter_hiding_the_parent_lifts_the_sub_topic_to_the_top() {
        let c = community(&[
            ("soil", None, 0, L),
            ("compost", Some("soil"), 0, P),
            ("worms", Some("compost"), 0, L),
        ]);
        assert_eq!(
            shown(&list_rows(&c, Filter::Status(P), false)),
            [("compost".into(), 0)]
        );
        // `worms` is under `soil`, the nearest planned ancestor.
        assert_eq!(
            shown(&list_rows(&c, Filter::Status(L), false)),
            [("soil".into(), 0), ("worms".into(), 1)]
        );
        assert!(list_rows(&c, Filter::Status(TopicStatus::Discussed), false).is_empty());
    }

    #[test]
    fn topics_in_a_parent_loop_are_still_listed_once() {
        let mut c = community(&[("a", None, 0, P), ("b", Some("a"), 0, P), ("c", None, 0, P)]);
        // A loop the model refuses, as a document from elsewhere might still hold it.
        c.topics.get_mut(&id("a")).unwrap().parent = Some(id("b"));
        let rows = list_rows(&c, Filter::All, false);
        let mut ids: Vec<_> = rows.iter().map(|r| r.id.to_string()).collect();
        ids.sort();
        assert_eq!(ids, ["a", "b", "c"]);
    }
}
