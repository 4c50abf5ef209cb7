//! The selected case: its heading, the phase indicator with the phase's guidance for the one
//! looking, the presenter's control to move it on, and its parts in order (the discussion, the
//! close form or the outcome, the comments).

use eframe::egui::{self, Button, Margin, RichText};

use super::{CasesState, Field, PHASES, close, discussion, phase_name};
use crate::model::markdown::export::case_page;
use crate::model::{Case, CaseId, Community, MemberId, Phase};
use crate::ui::app::ViewCtx;
use crate::ui::bridge::Command;
use crate::ui::history::{Shown, history_ui};

/// Who is looking at the case.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(super) enum Role {
    Presenter,
    Member,
    /// Not on the roster: reads only.
    Reader,
}

/// What every part of the open case reads: the community, the case, and who is looking.
pub(super) struct CaseCtx<'a> {
    pub community: &'a Community,
    pub id: &'a CaseId,
    pub case: &'a Case,
    pub role: Role,
    pub me: Option<&'a MemberId>,
}

/// The selected case in its current phase, or what to do when none is.
pub(super) fn detail_ui(
    ui: &mut egui::Ui,
    view: &ViewCtx,
    state: &mut CasesState,
    commands: &mut Vec<Command>,
) {
    let (community, me) = (view.community.as_ref(), view.me);
    let (Some(id), Some(case)) = (state.selected.clone(), state.case.clone()) else {
        if state.selected.is_some() {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label("Opening the case…");
            });
        } else if community.cases.is_empty() {
            empty_ui(ui);
        } else {
            ui.label("Choose a case from the list to follow it.");
        }
        return;
    };
    let item = crate::model::Item::Case(id.clone());
    if community.is_deleted(&item) {
        ui.label("This case was deleted. Undo brings it back.");
        return;
    }
    let role = match me {
        Some(me) if *me == case.presenter => Role::Presenter,
        Some(_) => Role::Member,
        None => Role::Reader,
    };
    if state.history.open {
        let now = Shown {
            title: case.title.clone(),
            text: case_page(id.as_str(), &case, community),
        };
        let doc = crate::model::DocRef::Case(id.clone());
        history_ui(
            ui,
            &mut state.history,
            &doc,
            &now,
            state.snapshots,
            commands,
        );
        return;
    }
    egui::ScrollArea::vertical()
        .id_salt(("case", id.as_str()))
        .auto_shrink([false, false])
        .show(ui, |ui| {
            if !state.lifecycle.is_renaming(&item) {
                ui.heading(&case.title);
            }
            if case.format.is_newer() {
                crate::ui::widgets::read_only_banner(ui);
                // Everything below only shows the case: this copse never changes it.
                ui.disable();
            }
            if community.is_archived(&item) {
                ui.label("Archived: hidden from the list unless Show archived is on.");
            }
            if me.is_some() {
                crate::ui::lifecycle::actions_ui(ui, view, &mut state.lifecycle, &item);
            }
            crate::ui::review::places_ui(ui, view, |w| {
                *w == crate::node::Reviewed::Case(id.clone())
            });
            let presenter = if role == Role::Presenter {
                "you".to_string()
            } else {
                community.display_name(&case.presenter)
            };
            ui.horizontal(|ui| {
                ui.weak(format!(
                    "Presented by {presenter} · opened {}",
                    case.opened_at
                ));
                if ui.small_button("History").clicked() {
                    state.history.open = true;
                }
            });
            ui.add_space(8.0);
            phase_indicator_ui(ui, case.phase);
            ui.add_space(6.0);
            let cx = CaseCtx {
                community,
                id: &id,
                case: &case,
                role,
                me,
            };
            guidance_ui(ui, &cx);
            if role == Role::Presenter && matches!(case.phase, Phase::Clarify | Phase::Suggest) {
                advance_ui(ui, state, &id, &case, commands);
            }
            if role == Role::Presenter {
                undo_advance_ui(ui, state, &id, &case, commands);
            }
            ui.add_space(12.0);
            ui.strong("Situation");
            ui.label(case.situation.as_str());
            ui.add_space(12.0);
            discussion::questions_ui(ui, &cx, state, commands);
            ui.add_space(12.0);
            discussion::suggestions_ui(ui, &cx, state, commands);
            ui.add_space(12.0);
            match case.phase {
                Phase::Reflect if role == Role::Presenter => {
                    close::close_ui(ui, &cx, state, commands);
                }
                Phase::Closed => close::outcome_ui(ui, &cx, state, commands),
                _ => {}
            }
            let doc = crate::model::DocRef::Case(id.clone());
            crate::ui::attachments::attachments_ui(
                ui,
                view,
                &mut state.attachments,
                &doc,
                commands,
            );
            ui.add_space(12.0);
            close::comments_ui(ui, &cx, state, commands);
        });
}

fn empty_ui(ui: &mut egui::Ui) {
    ui.add_space(24.0);
    ui.heading("Peer assist");
    ui.label(
        "Bring a real problem from your practice and let the group help. A case goes through \
         three phases:",
    );
    ui.add_space(6.0);
    for phase in [Phase::Clarify, Phase::Suggest, Phase::Reflect] {
        ui.label(format!("{} — {}", phase_name(phase), phase.guidance()));
    }
    ui.add_space(6.0);
    ui.weak("Start with \"Open a case\" on the left.");
}

/// Clarify › Suggest › Reflect › Closed, the current phase highlighted (and named "now", for
/// those who cannot see the highlight).
///
/// Only glyphs the bundled Ubuntu font has: the window may have no other font to fall back on.
fn phase_indicator_ui(ui: &mut egui::Ui, current: Phase) {
    ui.horizontal(|ui| {
        for (i, phase) in PHASES.into_iter().enumerate() {
            if i > 0 {
                ui.weak("›");
            }
            let name = phase_name(phase);
            if phase == current {
                let visuals = ui.visuals().selection;
                egui::Frame::new()
                    .fill(visuals.bg_fill)
                    .corner_radius(4.0)
                    .inner_margin(Margin::symmetric(6, 2))
                    .show(ui, |ui| {
                        ui.label(
                            RichText::new(format!("{name} (now)"))
                                .strong()
                                .color(visuals.stroke.color),
                        );
                    });
            } else if phase < current {
                ui.label(name);
            } else {
                ui.weak(name);
            }
        }
    });
}

/// The phase's guidance, prominently, and what it means for the one looking.
fn guidance_ui(ui: &mut egui::Ui, cx: &CaseCtx) {
    let (case, role, community) = (cx.case, cx.role, cx.community);
    egui::Frame::group(ui.style())
        .fill(ui.visuals().faint_bg_color)
        .inner_margin(Margin::same(10))
        .show(ui, |ui| {
            ui.set_width(ui.available_width());
            ui.label(RichText::new(case.phase.guidance()).size(17.0).strong());
            let presenter = community.display_name(&case.presenter);
            let note = match (case.phase, role) {
                (Phase::Clarify, Role::Presenter) => Some(
                    "You are presenting: answer each question below. Move to Suggest when the \
                     problem is clear to you."
                        .to_string(),
                ),
                (Phase::Clarify, _) => Some(format!(
                    "{presenter} is presenting. Open questions help most — not advice in disguise."
                )),
                (Phase::Suggest, Role::Presenter) => Some(
                    "Listen and take notes; you can still answer questions. Move to Reflect when \
                     you have heard enough."
                        .to_string(),
                ),
                (Phase::Suggest, _) => Some(format!("{presenter} is listening.")),
                (Phase::Reflect, Role::Presenter) => Some(
                    "Record what you take away and your next small actions, then close the case."
                        .to_string(),
                ),
                (Phase::Reflect, _) => Some(format!(
                    "{presenter} is reflecting; the outcome shows here once the case is closed."
                )),
                (Phase::Closed, _) => None,
            };
            if let Some(note) = note {
                ui.label(note);
            }
        });
}

/// The presenter's "Move to Suggest" / "Move to Reflect", asked once before it happens, and
/// the undo of the last move while nobody has written in the new phase.
fn advance_ui(
    ui: &mut egui::Ui,
    state: &mut CasesState,
    id: &CaseId,
    case: &Case,
    commands: &mut Vec<Command>,
) {
    let phase = case.phase;
    let (label, hint, next) = match phase {
        Phase::Clarify => (
            "Move to Suggest",
            "opens suggestions and ends questions",
            Phase::Suggest,
        ),
        _ => ("Move to Reflect", "ends suggestions", Phase::Reflect),
    };
    let waiting = state.advancing_from == Some(phase);
    if state.confirm_advance == Some(phase) && !waiting {
        ui.label(format!(
            "Move the case to {}? This {hint}. You can undo it until someone writes in {}.",
            phase_name(next),
            phase_name(next)
        ));
        ui.horizontal(|ui| {
            if ui
                .button(format!("Yes, move to {}", phase_name(next)))
                .clicked()
            {
                state.confirm_advance = None;
                state.advancing_from = Some(phase);
                commands.push(state.action(
                    "move the case on",
                    id.clone(),
                    vec![(Field::Advance, String::new())],
                    |node, community, case| async move {
                        node.advance_case(&community, &case).await.map(|_| ())
                    },
                ));
            }
            if ui.button("Not yet").clicked() {
                state.confirm_advance = None;
            }
        });
        return;
    }
    ui.horizontal(|ui| {
        if ui.add_enabled(!waiting, Button::new(label)).clicked() {
            state.confirm_advance = Some(phase);
        }
        if waiting {
            ui.spinner();
        } else {
            ui.weak(hint);
        }
    });
}

/// "Back to Clarify" (or Suggest) for the presenter, while the last move can be taken back.
fn undo_advance_ui(
    ui: &mut egui::Ui,
    state: &mut CasesState,
    id: &CaseId,
    case: &Case,
    commands: &mut Vec<Command>,
) {
    let Ok(back) = case.can_undo_advance() else {
        return;
    };
    let waiting = state.advancing_from == Some(case.phase);
    ui.horizontal(|ui| {
        let button = Button::new(format!("Undo: back to {}", phase_name(back)));
        if ui.add_enabled(!waiting, button).clicked() {
            state.advancing_from = Some(case.phase);
            commands.push(state.action(
                "move the case back",
                id.clone(),
                vec![(Field::Advance, String::new())],
                |node, community, case| async move {
                    node.undo_advance_case(&community, &case).await.map(|_| ())
                },
            ));
        }
        ui.weak(format!(
            "possible until someone writes in {}",
            phase_name(case.phase)
        ));
    });
}
