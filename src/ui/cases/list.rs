//! The case list (each row with its presenter and, once looked up, its phase) and the "Open a
//! case" form above it.

use std::collections::HashSet;

use eframe::egui::{self, Button};

use super::{CasesState, Field, NewCase, Reply};
use crate::model::Item;
use crate::model::{CaseId, Community, Timestamp, limits};
use crate::ui::app::{Navigate, ViewCtx};
use crate::ui::bridge::{self, Command};
use crate::ui::lifecycle;
use crate::ui::widgets::{
    keep_order, labelled_multiline, labelled_singleline, list_row, reason, refusal_line_ui, refuse,
};

/// The list of cases, most recently changed first, with the "Open a case" form above it.
pub(super) fn list_ui(
    ui: &mut egui::Ui,
    cx: &ViewCtx,
    state: &mut CasesState,
    new: &HashSet<String>,
    commands: &mut Vec<Command>,
) -> Navigate {
    let community = cx.community;
    ui.heading("Peer-assist cases");
    if cx.me.is_some() {
        new_case_ui(ui, state, community, commands);
    } else {
        ui.weak(
            "You are not on this community's roster, so you can read its cases but not \
             change them.",
        );
    }
    ui.separator();
    lifecycle::undo_ui(ui, cx, &mut state.lifecycle);
    lifecycle::show_archived_ui(ui, &mut state.lifecycle);
    if community.cases.is_empty() {
        ui.label("No cases yet.");
        ui.weak(
            "A case is a real problem one member brings to the group. The others first ask \
             questions, then offer suggestions; the presenter decides what to try next.",
        );
        return Navigate::Stay;
    }
    let mut cases: Vec<_> = community
        .cases
        .iter()
        .filter(|(id, _)| {
            let item = Item::Case((*id).clone());
            state.lifecycle.lists(community, &item)
        })
        .collect();
    cases.sort_by_key(|(_, entry)| std::cmp::Reverse(entry.updated_at));
    // As in the notes list: a case changed elsewhere keeps its place while the pointer is over
    // the list, and moves up once the pointer leaves.
    if ui.rect_contains_pointer(ui.max_rect()) && !state.order.is_empty() {
        keep_order(&mut cases, &state.order, |(id, _)| *id);
    }
    state.order = cases.iter().map(|(id, _)| (*id).clone()).collect();
    let spacing = ui.spacing().item_spacing.y;
    let row = ui.text_style_height(&egui::TextStyle::Button)
        + 2.0 * ui.spacing().button_padding.y
        + spacing
        + ui.text_style_height(&egui::TextStyle::Body);
    let mut lookups = Vec::new();
    let mut to = Navigate::Stay;
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show_rows(ui, row, cases.len(), |ui, range| {
            for (id, entry) in &cases[range] {
                let selected = state.selected.as_ref() == Some(*id);
                let is_new = new.contains(id.as_str());
                let title =
                    lifecycle::row_title(community, &Item::Case((*id).clone()), &entry.title);
                if list_row(ui, selected, &title, is_new) && !selected {
                    to = Navigate::OpenCase((*id).clone());
                }
                let presenter = community.display_name(&entry.author);
                let phase = state.phase_of(id, entry.updated_at);
                let about = match phase {
                    Some(phase) => format!("{presenter} · {}", super::phase_name(phase)),
                    None => presenter,
                };
                ui.horizontal(|ui| {
                    // In line with the title's text, inside the selectable label's padding.
                    ui.add_space(ui.spacing().button_padding.x);
                    ui.weak(about);
                });
                let asked =
                    matches!(state.phases.get(*id), Some((at, _)) if *at == entry.updated_at);
                if phase.is_none() && !asked {
                    state.phases.insert((*id).clone(), (entry.updated_at, None));
                    lookups.push(((*id).clone(), entry.updated_at));
                }
            }
        });
    if !lookups.is_empty() {
        commands.push(look_up_phases(lookups, state, ui.ctx().clone()));
    }
    to
}

/// Reads the phases of `cases` on the node side and wakes the window with them. A case that
/// cannot be read (not yet synced, say) just shows no phase; the list is no place for an error.
fn look_up_phases(
    cases: Vec<(CaseId, Timestamp)>,
    state: &CasesState,
    ctx: egui::Context,
) -> Command {
    let replies = state.replies_tx.clone();
    bridge::action(
        "read the cases' phases",
        move |node, community| async move {
            let mut found = Vec::with_capacity(cases.len());
            for (id, at) in cases {
                match node.case(&community, &id).await {
                    Ok(case) => found.push((id, at, case.phase)),
                    Err(e) => {
                        tracing::debug!(case = %id, error = %e, "phase not read for the list")
                    }
                }
            }
            if replies.send(Reply::Phases(found)).is_ok() {
                ctx.request_repaint();
            }
            Ok(())
        },
    )
}

fn new_case_ui(
    ui: &mut egui::Ui,
    state: &mut CasesState,
    community: &Community,
    commands: &mut Vec<Command>,
) {
    let Some(form) = &mut state.new_case else {
        if ui.button("Open a case").clicked() {
            state.new_case = Some(NewCase {
                focus: true,
                ..NewCase::default()
            });
        }
        return;
    };
    ui.strong("Bring a problem to the group");
    let title = labelled_singleline(ui, "Case title", &mut form.title);
    if std::mem::take(&mut form.focus) {
        title.request_focus();
    }
    refusal_line_ui(ui, "Case title", &form.title);
    labelled_multiline(
        ui,
        "Situation",
        &mut form.situation,
        5,
        "What happened, what you have tried, and what you would like help with.",
    );
    refusal_line_ui(ui, "Situation", &form.situation);
    let sending = state.opening.is_some();
    let mut open = title.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    let mut cancel = false;
    ui.horizontal(|ui| {
        open |= ui.add_enabled(!sending, Button::new("Open case")).clicked();
        cancel = ui.button("Cancel").clicked();
        if sending {
            ui.spinner();
        }
    });
    // Every refusal says why, under its field; the text stays.
    let checks = [
        ("Case title", limits::title("a case's title", &form.title)),
        (
            "Situation",
            limits::required_text("the situation", &form.situation, limits::MAX_BODY_BYTES),
        ),
    ];
    let refused = open && !sending && {
        let mut any = false;
        for (label, check) in &checks {
            if let Err(e) = check {
                let text = if *label == "Case title" {
                    &form.title
                } else {
                    &form.situation
                };
                refuse(ui.ctx(), label, text, reason(e));
                any = true;
            }
        }
        any
    };
    if cancel {
        state.new_case = None;
        state.opening = None;
    } else if open && !sending && !refused {
        let (title, situation) = (form.title.clone(), form.situation.clone());
        state.opening = Some(community.cases.keys().cloned().collect());
        let replies = state.replies_tx.clone();
        commands.push(bridge::action(
            "open the case",
            move |node, community| async move {
                let result = node.open_case(&community, &title, &situation).await;
                if let Err(e) = &result {
                    for (field, text) in [(Field::Title, title), (Field::Situation, situation)] {
                        let _ = replies.send(Reply::Unsent {
                            case: None,
                            field,
                            text,
                            reason: e.to_string(),
                        });
                    }
                }
                result.map(|_| ())
            },
        ));
        // The form stays (greyed) until the case shows in the index, then closes.
    }
}

// ---- the selected case ---------------------------------------------------------------------
