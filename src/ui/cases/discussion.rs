//! A case's discussion: questions and answers (asked only in Clarify, never by the presenter)
//! and suggestions (offered only in Suggest), each with its thanks.

use eframe::egui;

use super::detail::{CaseCtx, Role};
use super::{CasesState, Field, SUGGESTION, answer_label};
use crate::model::{Phase, Question, QuestionId, limits};
use crate::ui::bridge::Command;
use crate::ui::thanks;
use crate::ui::widgets::field_with_button;

/// The questions with the presenter's answers (and the presenter's answer boxes), and in
/// Clarify a member's question box.
pub(super) fn questions_ui(
    ui: &mut egui::Ui,
    cx: &CaseCtx,
    state: &mut CasesState,
    commands: &mut Vec<Command>,
) {
    let (id, case, role, community) = (cx.id, cx.case, cx.role, cx.community);
    ui.strong(format!("Questions ({})", case.questions.len()));
    let mut questions: Vec<(&QuestionId, &Question)> = case.questions.iter().collect();
    questions.sort_by_key(|(qid, q)| (q.asked_at, *qid));
    if questions.is_empty() {
        ui.weak(match (case.phase, role) {
            (Phase::Clarify, Role::Member) => "No questions yet. Ask the first one below.",
            (Phase::Clarify, _) => "No questions yet.",
            _ => "No questions were asked.",
        });
    }
    let can_answer = role == Role::Presenter && case.phase <= Phase::Suggest;
    for (n, (qid, question)) in questions.into_iter().enumerate() {
        let n = n + 1;
        ui.add_space(4.0);
        ui.label(format!("{n}. {}", question.text));
        ui.weak(format!(
            "asked by {} · {}",
            community.display_name(&question.author),
            question.asked_at
        ));
        ui.indent(("answer", qid.as_str()), |ui| match &question.answer {
            Some(answer) => {
                ui.label(format!("Answer: {answer}"));
                if thanks::thanks_ui(ui, community, &question.thanks, &case.presenter) {
                    let question = qid.clone();
                    commands.push(state.action(
                        "thank for the answer",
                        id.clone(),
                        Vec::new(),
                        move |node, community, case| async move {
                            node.thank_answer(&community, &case, &question)
                                .await
                                .map(|_| ())
                        },
                    ));
                }
            }
            None if can_answer => {
                let draft = state.answers.entry(qid.clone()).or_default();
                if field_with_button(
                    ui,
                    &answer_label(n),
                    draft,
                    &format!("Answer question {n}"),
                    |t| limits::required_text("an answer", t, limits::MAX_SHORT_TEXT_BYTES),
                ) {
                    let text = std::mem::take(draft);
                    let question = qid.clone();
                    commands.push(state.action(
                        "answer the question",
                        id.clone(),
                        vec![(Field::Answer(question.clone(), n), text.clone())],
                        move |node, community, case| async move {
                            node.answer_question(&community, &case, &question, text)
                                .await
                        },
                    ));
                }
            }
            None => {
                ui.weak("Not answered yet.");
            }
        });
    }
    if case.phase == Phase::Clarify && role == Role::Member {
        ui.add_space(6.0);
        if field_with_button(ui, "Your question", &mut state.question, "Ask", |t| {
            limits::required_text("a question", t, limits::MAX_SHORT_TEXT_BYTES)
        }) {
            let text = std::mem::take(&mut state.question);
            commands.push(state.action(
                "ask the question",
                id.clone(),
                vec![(Field::Question, text.clone())],
                move |node, community, case| async move {
                    node.ask_question(&community, &case, text).await.map(|_| ())
                },
            ));
        }
    }
}

/// The suggestions, from Suggest on, and in Suggest a member's suggestion box.
pub(super) fn suggestions_ui(
    ui: &mut egui::Ui,
    cx: &CaseCtx,
    state: &mut CasesState,
    commands: &mut Vec<Command>,
) {
    let (id, case, role, community) = (cx.id, cx.case, cx.role, cx.community);
    ui.strong(format!("Suggestions ({})", case.suggestions.len()));
    if case.phase == Phase::Clarify {
        // No box at all: advice waits until the problem is understood.
        ui.weak("Suggestions open in the Suggest phase, once the presenter moves the case on.");
        return;
    }
    let mut suggestions: Vec<_> = case.suggestions.iter().collect();
    suggestions.sort_by_key(|(sid, s)| (s.at, *sid));
    if suggestions.is_empty() {
        ui.weak(if case.phase == Phase::Suggest {
            "No suggestions yet."
        } else {
            "No suggestions were made."
        });
    }
    for (sid, suggestion) in suggestions {
        ui.add_space(4.0);
        ui.label(format!("• {}", suggestion.text));
        ui.weak(format!(
            "from {} · {}",
            community.display_name(&suggestion.author),
            suggestion.at
        ));
        if thanks::thanks_ui(ui, community, &suggestion.thanks, &suggestion.author) {
            let suggestion = sid.clone();
            commands.push(state.action(
                "thank for the suggestion",
                id.clone(),
                Vec::new(),
                move |node, community, case| async move {
                    node.thank_suggestion(&community, &case, &suggestion)
                        .await
                        .map(|_| ())
                },
            ));
        }
    }
    if case.phase != Phase::Suggest {
        return;
    }
    ui.add_space(6.0);
    match role {
        Role::Member => {
            if field_with_button(
                ui,
                SUGGESTION,
                &mut state.suggestion,
                "Offer suggestion",
                |t| limits::required_text("a suggestion", t, limits::MAX_SHORT_TEXT_BYTES),
            ) {
                let text = std::mem::take(&mut state.suggestion);
                commands.push(state.action(
                    "make the suggestion",
                    id.clone(),
                    vec![(Field::Suggestion, text.clone())],
                    move |node, community, case| async move {
                        node.suggest(&community, &case, text).await.map(|_| ())
                    },
                ));
            }
        }
        Role::Presenter => {
            ui.weak("You listen while the others suggest.");
        }
        Role::Reader => {}
    }
}
