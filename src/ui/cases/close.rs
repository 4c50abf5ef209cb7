//! The end of a case: the presenter's close form in Reflect (the outcome, and next actions
//! each with an owner), a closed case's outcome with its tick boxes, and the comments.

use eframe::egui::{self, Button, ComboBox};

use super::detail::{CaseCtx, Role};
use super::{CASE_COMMENT, CasesState, Field};
use crate::model::{DocRef, MemberId, Phase, limits};
use crate::ui::bridge::Command;
use crate::ui::widgets::{self, field_with_button, labelled_multiline};

/// The presenter's close form, in Reflect: the outcome, and next actions each with an owner
/// chosen from the members (the presenter unless changed).
pub(super) fn close_ui(
    ui: &mut egui::Ui,
    cx: &CaseCtx,
    state: &mut CasesState,
    commands: &mut Vec<Command>,
) {
    let (id, community, me) = (cx.id, cx.community, cx.me);
    ui.strong("Close the case");
    labelled_multiline(
        ui,
        "Outcome",
        &mut state.outcome,
        4,
        "What did you take away? What will you do differently?",
    );
    labelled_multiline(
        ui,
        "Next actions (one per line)",
        &mut state.actions,
        3,
        "Small steps you will take, one per line.",
    );
    let lines: Vec<String> = state
        .actions
        .lines()
        .map(str::trim)
        .filter(|line| !line.is_empty())
        .map(str::to_string)
        .collect();
    let mut members: Vec<_> = community.members.iter().collect();
    members.sort_by_key(|(mid, m)| (m.name.to_lowercase(), (*mid).clone()));
    let mut owned: Vec<(String, MemberId)> = Vec::with_capacity(lines.len());
    for (n, line) in lines.iter().enumerate() {
        let Some(owner) = state
            .action_owners
            .get(n)
            .cloned()
            .flatten()
            .or(me.cloned())
        else {
            continue;
        };
        ui.horizontal(|ui| {
            ui.label(format!("{}. {line}", n + 1));
            ComboBox::from_label(format!("owner of action {}", n + 1))
                .selected_text(community.display_name(&owner))
                .show_ui(ui, |ui| {
                    for (mid, m) in &members {
                        if ui.selectable_label(**mid == owner, &m.name).clicked() {
                            if state.action_owners.len() <= n {
                                state.action_owners.resize(n + 1, None);
                            }
                            state.action_owners[n] = Some((*mid).clone());
                        }
                    }
                });
        });
        owned.push((line.clone(), owner));
    }
    let ready = !state.outcome.trim().is_empty() && !state.closing;
    ui.horizontal(|ui| {
        if ui.add_enabled(ready, Button::new("Close case")).clicked() {
            state.closing = true;
            let outcome = state.outcome.clone();
            let actions_text = state.actions.clone();
            let actions = owned.clone();
            commands.push(state.action(
                "close the case",
                id.clone(),
                vec![
                    (Field::Outcome, outcome.clone()),
                    (Field::Actions, actions_text),
                ],
                move |node, community, case| async move {
                    node.close_case_with_owners(&community, &case, outcome, actions)
                        .await
                },
            ));
            // Cleared only now the text is sent; on failure it comes back.
            state.outcome.clear();
            state.actions.clear();
            state.action_owners.clear();
        }
        if state.closing {
            ui.spinner();
        }
    });
}

/// A closed case's outcome and next actions, with a tick box for the action's owner and the
/// presenter.
pub(super) fn outcome_ui(
    ui: &mut egui::Ui,
    cx: &CaseCtx,
    state: &CasesState,
    commands: &mut Vec<Command>,
) {
    let (id, case, community, me) = (cx.id, cx.case, cx.community, cx.me);
    ui.strong("Outcome");
    ui.label(case.outcome.as_str());
    if let Some(at) = case.closed_at {
        ui.weak(format!("closed {at}"));
    }
    ui.add_space(8.0);
    ui.strong(format!("Next actions ({})", case.next_actions.len()));
    if case.next_actions.is_empty() {
        ui.weak("No next actions were recorded.");
    }
    for (action_id, action) in &case.next_actions {
        let owner = action
            .owner
            .as_ref()
            .map(|o| community.display_name(o))
            .unwrap_or_else(|| "no owner".into());
        let may_tick =
            me.is_some_and(|me| action.owner.as_ref() == Some(me) || *me == case.presenter);
        ui.horizontal(|ui| {
            let mut done = action.done;
            let ticked = ui
                .add_enabled(may_tick, egui::Checkbox::new(&mut done, &action.text))
                .changed();
            ui.weak(format!(
                "— {owner}{}",
                if action.done { " · done" } else { "" }
            ));
            if ticked {
                let action_id = action_id.clone();
                commands.push(state.action(
                    if done {
                        "tick off the action"
                    } else {
                        "reopen the action"
                    },
                    id.clone(),
                    Vec::new(),
                    move |node, community, case| async move {
                        node.tick_action(&community, &case, &action_id, done)
                            .await
                            .map(|_| ())
                    },
                ));
            }
        });
    }
}

/// What the comment box says during Clarify.
pub const CLARIFY_COMMENT_HINT: &str = "Suggestions come later: during Clarify, comment only to \
     understand the situation; advice waits for the Suggest phase.";

/// The case's comments, oldest first, and a comment box for members.
pub(super) fn comments_ui(
    ui: &mut egui::Ui,
    cx: &CaseCtx,
    state: &mut CasesState,
    commands: &mut Vec<Command>,
) {
    let id = cx.id;
    ui.separator();
    if let Some(comment) = widgets::comments_ui(ui, cx.community, &cx.case.comments, cx.me) {
        commands.push(state.action(
            "delete the comment",
            id.clone(),
            Vec::new(),
            move |node, community, case| async move {
                node.delete_comment(&community, &DocRef::Case(case), &comment)
                    .await
            },
        ));
    }
    if cx.role == Role::Reader {
        return;
    }
    if cx.case.phase == Phase::Clarify {
        // Advice slips in through the comment box unless it says where advice goes.
        ui.weak(CLARIFY_COMMENT_HINT);
    }
    if field_with_button(ui, CASE_COMMENT, &mut state.comment, "Comment", |t| {
        limits::required_text("a comment", t, limits::MAX_SHORT_TEXT_BYTES)
    }) {
        let text = std::mem::take(&mut state.comment);
        commands.push(state.action(
            "add the comment",
            id.clone(),
            vec![(Field::Comment, text.clone())],
            move |node, community, case| async move {
                node.comment_case(&community, &case, text).await.map(|_| ())
            },
        ));
    }
}
