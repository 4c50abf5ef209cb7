//! The Now view (meeting mode) driven by label: who is here, the facilitator's timer moving
//! from the agenda into a peer-assist case run live, a clarifying question asked at the
//! meeting, pairs made and debriefed, and the meeting note beside it.

use copse::model::community::NewTopic;
use copse::model::{
    Case, CaseId, Community, CommunityId, DocEntry, Gathering, GatheringId, Member, MemberId, Note,
    NoteId, Roles, TopicId, change,
};
use copse::node::Node;
use egui_kittest::kittest::Queryable;

use crate::gui::{Gui, has};

fn bo() -> MemberId {
    MemberId::from("bo".to_string())
}

/// Ada (this device, facilitating) and Bo; today's gathering on "Soil" with its meeting note,
/// and Bo's case "Mentoring" in Clarify, chosen to run live.
async fn meeting_today(node: &Node) {
    let at = node.now();
    let ada = MemberId::from(node.device_id().to_string());
    let mut c = Community::new(
        "Gardeners",
        "Grow food together",
        &ada,
        Member::new("Ada", node.device_id(), at).unwrap(),
        at,
    )
    .unwrap();
    c.add_member(bo(), Member::new("Bo", "bo-laptop", at).unwrap());
    let soil = TopicId::from("soil".to_string());
    let new = NewTopic {
        title: "Soil".into(),
        ..Default::default()
    };
    c.add_topic(soil.clone(), &ada, &new, at).unwrap();

    let note = Note::new("June meeting", "Agreed: mulch the beds.", &ada, at).unwrap();
    let note_id = NoteId::from(
        node.import_document(change::create(&note, "add note", at).unwrap())
            .await
            .unwrap(),
    );
    c.index(
        note_id.clone().into(),
        DocEntry::new("June meeting", ada.clone(), at),
    );
    let case = Case::new("Mentoring", "New members drift away.", &bo(), at).unwrap();
    let case_id = CaseId::from(
        node.import_document(change::create(&case, "open case", at).unwrap())
            .await
            .unwrap(),
    );
    c.index(case_id.clone().into(), DocEntry::new("Mentoring", bo(), at));
    let g = GatheringId::from("today".to_string());
    c.add_gathering(
        g.clone(),
        &ada,
        Gathering {
            title: "June gathering".into(),
            when: at,
            agenda: vec![soil],
            roles: Roles {
                facilitator: Some(ada.clone()),
                ..Roles::default()
            },
            note: Some(note_id),
            planned_by: None,
            planned_at: None,
            attended: Default::default(),
            groupings: Default::default(),
            meeting: Default::default(),
        },
    )
    .unwrap();
    c.set_meeting_case(&g, &ada, Some(case_id)).unwrap();
    let doc = change::create(&c, "create community", at).unwrap();
    let id = CommunityId::from(node.import_document(doc).await.unwrap());
    node.flush().await.unwrap();
    node.remember_community(&id).unwrap();
}

fn stored(gui: &Gui) -> std::sync::Arc<Community> {
    gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        gui.node.community(&id).await.unwrap()
    })
}

fn today(gui: &Gui) -> Gathering {
    stored(gui).gatherings[&GatheringId::from("today".to_string())].clone()
}

#[test]
fn the_now_view_runs_the_meeting_from_the_agenda_into_a_live_case() {
    let mut gui = Gui::open_with(|node, runtime| runtime.block_on(meeting_today(node)));
    gui.until("the community", |h| has(h, "Now"));
    gui.harness.get_by_label("Now").click();
    gui.until("the meeting", |h| has(h, "Now: June gathering"));
    // The agenda with its timeboxes, the timer not yet started, and the case's steps after it.
    assert!(has(&gui.harness, "Now: Soil · 15 min"));
    assert!(has(&gui.harness, "Situation — Mentoring · 5 min"));
    assert!(has(
        &gui.harness,
        "Clarifying questions — Mentoring · 10 min"
    ));
    assert!(has(&gui.harness, "Time left: 15:00"));
    gui.until("the meeting note beside it", |h| {
        has(h, "Agreed: mulch the beds.")
    });

    // Who is here.
    gui.harness.get_by_label("Ada is here").click();
    gui.until("Ada ticked", |h| has(h, "Who is here (1)"));
    gui.harness.get_by_label("Bo is here").click();
    gui.until("Bo ticked", |h| has(h, "Who is here (2)"));
    assert_eq!(today(&gui).attended.len(), 2);

    // The facilitator starts the timer and moves on to the case.
    gui.harness.get_by_label("Start").click();
    gui.until("the running timer", |h| {
        has(h, "Pause") && has(h, "Running · Soil")
    });
    gui.harness.get_by_label("Next item").click();
    gui.until("the situation", |h| {
        has(h, "Now: Situation — Mentoring · 5 min")
    });
    gui.until("the case's situation", |h| {
        has(h, "New members drift away.")
    });
    gui.harness.get_by_label("Next item").click();
    gui.until("the questions", |h| {
        has(h, "Clarifying questions only: no advice yet.")
    });
    // Questions first: Ada (not the presenter) may ask, and there is no suggestion field yet.
    assert!(!has(&gui.harness, "Your suggestion"));
    gui.type_into("Your question", "Who welcomes them?");
    gui.harness.get_by_label("Ask").click();
    gui.until("the question on screen", |h| {
        has(h, "Who welcomes them? — Ada")
    });

    // Pairs from the two people here, then a debrief.
    gui.harness.get_by_label("Make groups").click();
    gui.until("the pair", |h| {
        has(h, "Group 1: Ada, Bo") || has(h, "Group 1: Bo, Ada")
    });
    gui.type_into("Debrief of group 1", "Buddies help");
    gui.until("the Save button", |h| has(h, "Save"));
    gui.harness.get_by_label("Save").click();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        gui.harness.step();
        let g = today(&gui);
        if g.groupings
            .values()
            .any(|made| made.groups[0].debrief == "Buddies help")
        {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the debrief was never saved"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    let g = today(&gui);
    assert!(g.meeting.timer.running);
    assert_eq!(g.meeting.step.as_deref(), Some("case:questions"));
    gui.shutdown();
}

/// Someone who is not the facilitator sees the timer but cannot run it.
#[test]
fn only_the_facilitator_sees_the_timer_buttons() {
    let mut gui = Gui::open_with(|node, runtime| {
        runtime.block_on(async {
            meeting_today(node).await;
            let id = node.resolve_community(None).unwrap();
            node.set_gathering_role(
                &id,
                &GatheringId::from("today".to_string()),
                copse::model::Role::Facilitator,
                Some(bo()),
            )
            .await
            .unwrap();
        })
    });
    gui.until("the community", |h| has(h, "Now"));
    gui.harness.get_by_label("Now").click();
    gui.until("the meeting", |h| has(h, "Time left: 15:00"));
    assert!(has(&gui.harness, "Bo runs the timer as facilitator."));
    assert!(!has(&gui.harness, "Start") && !has(&gui.harness, "Next item"));
    gui.shutdown();
}
