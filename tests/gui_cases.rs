//! The Cases view driven by accessible labels: a presenter takes a case through every phase
//! (and finds no suggestion box during Clarify); a member asks in Clarify and suggests only in
//! Suggest; the presenter answers a question.
//!
//! The harness node is one member. For the other side of a case, the community and its cases
//! are built with the model and imported as documents ([`Node::import_document`]), so another
//! member (who has no device here) presents or asks.

use copse::model::change;
use copse::model::{
    Case, CaseId, Community, CommunityId, DocEntry, Member, MemberId, Phase, QuestionId, Timestamp,
};
use copse::node::Node;
use egui_kittest::kittest::{NodeT, Queryable};

use crate::gui::{Gui, has};

/// Opens the Cases view once the community has loaded.
fn open_cases_view(gui: &mut Gui) {
    gui.until("the community", |h| has(h, "Cases"));
    gui.harness.get_by_label("Cases").click();
    gui.until("the Cases view", |h| has(h, "Peer-assist cases"));
}

fn only_community(gui: &Gui) -> CommunityId {
    gui.node.resolve_community(None).unwrap()
}

fn stored_case(gui: &Gui, id: &CaseId) -> std::sync::Arc<Case> {
    let community = only_community(gui);
    gui.runtime.block_on(gui.node.case(&community, id)).unwrap()
}

fn the_only_case(gui: &Gui) -> CaseId {
    let community = only_community(gui);
    let community = gui
        .runtime
        .block_on(gui.node.community(&community))
        .unwrap();
    assert_eq!(community.cases.len(), 1);
    community.cases.keys().next().unwrap().clone()
}

#[test]
fn presenter_takes_a_case_through_every_phase_with_no_suggestion_box_in_clarify() {
    let mut gui = Gui::open_with(|node, runtime| {
        runtime.block_on(async {
            node.create_community("Facilitators", "", "Ada")
                .await
                .unwrap();
        });
    });
    open_cases_view(&mut gui);
    assert!(has(&gui.harness, "No cases yet."), "the empty state");

    gui.harness.get_by_label("Open a case").click();
    gui.until("the new case form", |h| has(h, "Case title"));
    gui.type_into("Case title", "Team won't adopt reviews");
    gui.type_into("Situation", "We tried twice. Grüße");
    gui.harness.get_by_label("Open case").click();

    // The new case opens by itself, in Clarify, with that phase's guidance.
    gui.until("the case in Clarify", |h| {
        has(h, Phase::Clarify.guidance()) && has(h, "Move to Suggest")
    });
    assert!(
        gui.harness.query_by_label_contains("Grüße").is_some(),
        "the situation is shown"
    );
    assert!(
        gui.harness.query_by_label("Your suggestion").is_none(),
        "no suggestion box during Clarify"
    );
    assert!(gui.harness.query_by_label("Offer suggestion").is_none());
    assert!(
        gui.harness.query_by_label("Your question").is_none(),
        "the presenter answers; the others ask"
    );
    assert!(
        has(&gui.harness, "Ada · Clarify"),
        "the list shows the phase"
    );
    let id = the_only_case(&gui);
    let case = stored_case(&gui, &id);
    assert_eq!(case.phase, Phase::Clarify);
    assert_eq!(case.situation.as_str(), "We tried twice. Grüße");

    gui.harness.get_by_label("Move to Suggest").click();
    gui.until("the question", |h| has(h, "Yes, move to Suggest"));
    gui.harness.get_by_label("Yes, move to Suggest").click();
    gui.until("the Suggest phase", |h| {
        has(h, Phase::Suggest.guidance()) && has(h, "Move to Reflect")
    });
    assert!(
        gui.harness.query_by_label("Your suggestion").is_none(),
        "the presenter listens in Suggest"
    );
    assert_eq!(stored_case(&gui, &id).phase, Phase::Suggest);

    gui.harness.get_by_label("Move to Reflect").click();
    gui.until("the question", |h| has(h, "Yes, move to Reflect"));
    gui.harness.get_by_label("Yes, move to Reflect").click();
    gui.until("the close form", |h| {
        has(h, Phase::Reflect.guidance()) && has(h, "Outcome")
    });
    assert!(!has(&gui.harness, "Move to Reflect"));
    assert_eq!(stored_case(&gui, &id).phase, Phase::Reflect);

    gui.type_into("Outcome", "Pilot reviews with one team first.");
    gui.type_into("Next actions (one per line)", "Ask the lead\n\nTry pairing");
    gui.harness.get_by_label("Close case").click();
    gui.until("the closed case", |h| {
        has(h, Phase::Closed.guidance()) && h.query_by_label_contains("Ask the lead").is_some()
    });
    assert!(
        !has(&gui.harness, "Close case"),
        "a closed case has no close form"
    );
    assert!(
        gui.harness
            .query_by_label("Pilot reviews with one team first.")
            .is_some(),
        "the outcome is shown"
    );
    let case = stored_case(&gui, &id);
    assert_eq!(case.phase, Phase::Closed);
    assert_eq!(case.outcome.as_str(), "Pilot reviews with one team first.");
    let mut actions: Vec<_> = case.next_actions.values().map(|a| a.text.clone()).collect();
    actions.sort();
    assert_eq!(
        actions,
        ["Ask the lead", "Try pairing"],
        "one per line, blanks dropped"
    );

    // Comments stay open after closing.
    gui.type_into("Comment on this case", "It worked!");
    gui.harness.get_by_label("Comment").click();
    gui.until("the comment", |h| {
        h.query_by_label_contains("It worked!").is_some()
    });
    let case = stored_case(&gui, &id);
    assert_eq!(case.comments.values().next().unwrap().text, "It worked!");
    gui.shutdown();
}

// ---- another member presents -----------------------------------------------------------------

/// Ada (this device) and Bo (a member with no device here) in a community holding `cases`,
/// built with the model and imported as documents. Returns the cases' ids in order.
pub(crate) async fn community_with_cases(node: &Node, cases: Vec<Case>) -> Vec<CaseId> {
    // A day ago by the node's clock.
    let at = Timestamp(node.now().0 - 24 * 60 * 60 * 1000);
    let ada = MemberId::from(node.device_id().to_string());
    let mut community = Community::new(
        "Facilitators",
        "",
        &ada,
        Member::new("Ada", node.device_id(), at).unwrap(),
        at,
    )
    .unwrap();
    community.add_member(bo(), Member::new("Bo", "bo-laptop", at).unwrap());
    let mut ids = Vec::new();
    for (n, case) in cases.into_iter().enumerate() {
        let doc = change::create(&case, "open case", at).unwrap();
        let id = CaseId::from(node.import_document(doc).await.unwrap());
        let stamp = Timestamp(at.0 + n as i64);
        community.index(
            id.clone().into(),
            DocEntry {
                title: case.title.clone(),
                author: case.presenter.clone(),
                created_at: stamp,
                updated_at: stamp,
                updated_by: None,
            },
        );
        ids.push(id);
    }
    let doc = change::create(&community, "create community", at).unwrap();
    let community = CommunityId::from(node.import_document(doc).await.unwrap());
    node.flush().await.unwrap();
    node.remember_community(&community).unwrap();
    ids
}

pub(crate) fn bo() -> MemberId {
    MemberId::from("bo".to_string())
}

pub(crate) fn case_by(presenter: &MemberId, title: &str, phase: Phase) -> Case {
    let mut case = Case::new(title, "The situation.", presenter, Timestamp(1)).unwrap();
    while case.phase < phase {
        case.advance_phase(presenter).unwrap();
    }
    case
}

#[test]
fn member_asks_only_in_clarify_and_suggests_only_in_suggest() {
    let mut ids = Vec::new();
    let mut gui = Gui::open_with(|node, runtime| {
        ids = runtime.block_on(community_with_cases(
            node,
            vec![
                case_by(&bo(), "Meetings drift", Phase::Clarify),
                case_by(&bo(), "Nobody volunteers", Phase::Suggest),
                case_by(&bo(), "Newcomers leave", Phase::Reflect),
            ],
        ));
    });
    open_cases_view(&mut gui);
    gui.until("the phases in the list", |h| {
        has(h, "Bo · Clarify") && has(h, "Bo · Suggest") && has(h, "Bo · Reflect")
    });

    // Clarify: a question box, no suggestion box, no presenter controls.
    gui.harness.get_by_label("Meetings drift").click();
    gui.until("the case in Clarify", |h| has(h, Phase::Clarify.guidance()));
    assert!(gui.harness.query_by_label("Your suggestion").is_none());
    assert!(gui.harness.query_by_label("Move to Suggest").is_none());
    gui.type_into("Your question", "Who sets the agenda?");
    gui.harness.get_by_label("Ask").click();
    gui.until("the question", |h| {
        h.query_by_label_contains("Who sets the agenda?").is_some()
    });
    assert!(has(&gui.harness, "Not answered yet."));
    let case = stored_case(&gui, &ids[0]);
    let question = case.questions.values().next().unwrap();
    assert_eq!(question.text, "Who sets the agenda?");
    assert_eq!(question.author.as_str(), gui.node.device_id().as_str());

    // Suggest: a suggestion box, no question box.
    gui.harness.get_by_label("Nobody volunteers").click();
    gui.until("the case in Suggest", |h| has(h, Phase::Suggest.guidance()));
    assert!(gui.harness.query_by_label("Your question").is_none());
    assert!(gui.harness.query_by_label("Move to Reflect").is_none());
    gui.type_into("Your suggestion", "Ask one person directly");
    gui.harness.get_by_label("Offer suggestion").click();
    gui.until("the suggestion", |h| {
        h.query_by_label_contains("Ask one person directly")
            .is_some()
    });
    let case = stored_case(&gui, &ids[1]);
    assert_eq!(
        case.suggestions.values().next().unwrap().text,
        "Ask one person directly"
    );

    // Reflect: neither box, and no close form for a member who is not presenting.
    gui.harness.get_by_label("Newcomers leave").click();
    gui.until("the case in Reflect", |h| has(h, Phase::Reflect.guidance()));
    for absent in ["Your question", "Your suggestion", "Outcome", "Close case"] {
        assert!(gui.harness.query_by_label(absent).is_none(), "{absent}");
    }
    gui.shutdown();
}

#[test]
fn presenter_answers_a_members_question() {
    let mut ids = Vec::new();
    let mut gui = Gui::open_with(|node, runtime| {
        let ada = MemberId::from(node.device_id().to_string());
        let mut case = case_by(&ada, "Sessions overrun", Phase::Clarify);
        case.ask_question(
            QuestionId::new_random(),
            &bo(),
            "Who keeps time?",
            Timestamp(2),
        )
        .unwrap();
        ids = runtime.block_on(community_with_cases(node, vec![case]));
    });
    open_cases_view(&mut gui);
    gui.harness.get_by_label("Sessions overrun").click();
    gui.until("the question to answer", |h| {
        has(h, "1. Who keeps time?") && has(h, "Your answer to question 1")
    });
    assert!(
        gui.harness.query_by_label("Your question").is_none(),
        "the presenter does not ask"
    );
    gui.type_into("Your answer to question 1", "Nobody, so far");
    gui.harness.get_by_label("Answer question 1").click();
    gui.until("the answer", |h| has(h, "Answer: Nobody, so far"));
    assert!(!has(&gui.harness, "Your answer to question 1"));
    let case = stored_case(&gui, &ids[0]);
    let question = case.questions.values().next().unwrap();
    assert_eq!(question.answer.as_deref(), Some("Nobody, so far"));
    gui.shutdown();
}

#[test]
fn a_case_history_shows_an_earlier_phase_and_restores_it() {
    let mut gui = Gui::open_with(|node, runtime| {
        runtime.block_on(async {
            let c = node.create_community("Gardeners", "", "Ada").await.unwrap();
            let case = node
                .open_case(&c, "Stuck reviews", "Nobody reviews on time.")
                .await
                .unwrap();
            node.advance_case(&c, &case).await.unwrap();
        })
    });
    open_cases_view(&mut gui);
    gui.harness.get_by_label("Stuck reviews").click();
    gui.until("the case", |h| has(h, "History"));
    gui.harness.get_by_label("History").click();
    gui.until("its history", |h| {
        h.query_by_label_contains("Ada opened the case").is_some()
            && h.query_by_label_contains("Ada moved the case to its next phase")
                .is_some()
    });
    gui.harness
        .get_by_label_contains("Ada opened the case")
        .click();
    gui.until("the phase change, word by word", |h| {
        let text = h
            .query_by_label("Changes since then")
            .and_then(|n| n.value())
            .unwrap_or_default();
        text.contains("phase: \"clarify suggest\"")
    });
    gui.harness.get_by_label("Restore this version").click();
    gui.until("the restore in the history", |h| {
        h.query_by_label_contains("Ada restored an earlier version")
            .is_some()
    });
    let id = only_community(&gui);
    let phase = gui.runtime.block_on(async {
        let c = gui.node.community(&id).await.unwrap();
        let case = c.cases.keys().next().unwrap().clone();
        gui.node.case(&id, &case).await.unwrap().phase
    });
    assert_eq!(phase, Phase::Clarify, "restored as a new change on top");
    gui.shutdown();
}

/// A case changed elsewhere keeps its row while the pointer is over the list, so a click never
/// lands on a row that just moved; it moves up once the pointer leaves.
#[test]
fn a_changed_case_keeps_its_row_while_the_pointer_is_over_the_list() {
    let mut gui = Gui::open_with(|node, runtime| {
        runtime.block_on(async {
            let c = node.create_community("Gardeners", "", "Ada").await.unwrap();
            node.open_case(&c, "Older", "first").await.unwrap();
            // Distinct change times, so "most recently changed first" has one answer.
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
            node.open_case(&c, "Newer", "second").await.unwrap();
        })
    });
    open_cases_view(&mut gui);
    gui.until("both cases", |h| has(h, "Older") && has(h, "Newer"));
    let above = |h: &egui_kittest::Harness<'static, copse::ui::App>, a: &str, b: &str| {
        h.get_by_label(a).rect().center().y < h.get_by_label(b).rect().center().y
    };
    assert!(above(&gui.harness, "Newer", "Older"), "most recent first");

    gui.harness.get_by_label("Older").hover();
    gui.harness.step();
    let c = only_community(&gui);
    let older = {
        let community = gui.runtime.block_on(gui.node.community(&c)).unwrap();
        community
            .cases
            .iter()
            .find(|(_, e)| e.title == "Older")
            .map(|(id, _)| id.clone())
            .unwrap()
    };
    gui.runtime
        .block_on(gui.node.advance_case(&c, &older))
        .unwrap();
    // The row shows the new phase: the change has reached the list, and it has not moved.
    gui.until("the new phase in the list", |h| has(h, "Ada · Suggest"));
    for _ in 0..5 {
        gui.harness.step();
        assert!(
            above(&gui.harness, "Newer", "Older"),
            "held under the pointer"
        );
    }

    gui.harness
        .get_by_label("Choose a case from the list to follow it.")
        .hover();
    gui.until("the changed case moved up", |h| above(h, "Older", "Newer"));
    gui.shutdown();
}

#[test]
fn a_case_from_a_newer_copse_says_so_and_its_controls_are_disabled() {
    let mut made = None;
    let mut gui = Gui::open_with(|node, runtime| {
        made = Some(runtime.block_on(async {
            let c = node
                .create_community("Facilitators", "", "Ada")
                .await
                .unwrap();
            let case = node
                .open_case(&c, "Team won't adopt reviews", "We tried twice.")
                .await
                .unwrap();
            node.change_raw(case.as_str(), |d| {
                use automerge::transaction::Transactable;
                let mut tx = d.transaction();
                tx.put(
                    automerge::ROOT,
                    copse::model::format::FORMAT_KEY,
                    copse::model::format::FORMAT + 1,
                )
                .unwrap();
                tx.commit();
            })
            .await
            .unwrap();
            case
        }))
    });
    let case = made.unwrap();
    open_cases_view(&mut gui);
    gui.harness.get_by_label("Team won't adopt reviews").click();
    gui.until("the case", |h| has(h, Phase::Clarify.guidance()));
    assert!(has(&gui.harness, copse::model::format::READ_ONLY));
    let advance = gui.harness.get_by_label("Move to Suggest");
    assert!(advance.accesskit_node().is_disabled(), "no moving it on");
    advance.click();
    for _ in 0..50 {
        gui.harness.step();
    }
    assert_eq!(stored_case(&gui, &case).phase, Phase::Clarify);
    gui.shutdown();
}
