//! The Gatherings view and Home's rhythm, driven by label: plan a gathering and see the
//! rotation's suggestion and the agenda, change a role, open the meeting note; tick an action
//! on Home; thank a note.

use copse::model::community::NewTopic;
use copse::model::{
    ActionId, Case, CaseId, Community, CommunityId, DocEntry, Gathering, GatheringId, Member,
    MemberId, Note, NoteId, QuestionId, Roles, SuggestionId, Timestamp, TopicId, TopicStatus,
    change, gathering,
};
use copse::node::Node;
use eframe::egui::accesskit::Role as A11y;
use egui_kittest::kittest::Queryable;

use crate::gui::{Gui, has};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// When the past gathering (and everything else in the fixture) happened: 100 days ago by
/// the node's clock, on the minute.
fn past_gathering_time(node: &Node) -> Timestamp {
    let at = node.now().0 - 100 * DAY_MS;
    Timestamp(at - at % 60_000)
}

fn bo() -> MemberId {
    MemberId::from("bo".to_string())
}

fn cy() -> MemberId {
    MemberId::from("cy".to_string())
}

/// Ada (this device), Bo and Cy; planned topics "Seed swap" (2 endorsements) and "Soil health"
/// (1), a proposed one, and a past gathering that Ada facilitated. Also a note by Bo, and a
/// closed case of Bo's with an action for Ada. Built as documents and imported.
async fn rhythm_community(node: &Node) {
    let at = past_gathering_time(node);
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
    c.add_member(cy(), Member::new("Cy", "cy-laptop", at).unwrap());
    for (key, title, status, endorsers) in [
        ("t1", "Soil health", TopicStatus::Planned, vec![ada.clone()]),
        ("t2", "Seed swap", TopicStatus::Planned, vec![bo(), cy()]),
        (
            "t3",
            "Only an idea",
            TopicStatus::Proposed,
            vec![ada.clone(), bo(), cy()],
        ),
    ] {
        let id = TopicId::from(key.to_string());
        let new = NewTopic {
            title: title.into(),
            ..Default::default()
        };
        c.add_topic(id.clone(), &ada, &new, at).unwrap();
        c.set_topic_status(&id, &ada, status).unwrap();
        for e in endorsers {
            c.endorse_topic(&id, &e, at).unwrap();
        }
    }
    c.add_gathering(
        GatheringId::from("past".to_string()),
        &ada,
        Gathering {
            title: "Spring gathering".into(),
            when: at,
            agenda: vec![],
            roles: Roles {
                facilitator: Some(ada.clone()),
                presenter: None,
                note_taker: None,
                ..Roles::default()
            },
            note: None,
            planned_by: None,
            planned_at: None,
            attended: Default::default(),
            groupings: Default::default(),
            meeting: Default::default(),
        },
    )
    .unwrap();

    let note = Note::new("Compost basics", "Air and water.", &bo(), at).unwrap();
    let note_id = NoteId::from(
        node.import_document(change::create(&note, "add note", at).unwrap())
            .await
            .unwrap(),
    );
    c.index(note_id.into(), DocEntry::new("Compost basics", bo(), at));

    let mut case = Case::new("Reviews stall", "Nobody reviews.", &bo(), at).unwrap();
    case.advance_phase(&bo()).unwrap();
    case.advance_phase(&bo()).unwrap();
    case.close(
        &bo(),
        "Pair on reviews",
        vec![(
            ActionId::from("a1".to_string()),
            "Pair with Bo on Friday".into(),
            Some(ada.clone()),
        )],
        at,
    )
    .unwrap();
    let case_id = CaseId::from(
        node.import_document(change::create(&case, "open case", at).unwrap())
            .await
            .unwrap(),
    );
    c.index(case_id.into(), DocEntry::new("Reviews stall", bo(), at));

    // Bo's case in Suggest: Ada asked, Bo answered, Cy suggested.
    let mut open = Case::new("Mentoring", "New members drift away.", &bo(), at).unwrap();
    let q = open
        .ask_question(
            QuestionId::from("q1".to_string()),
            &ada,
            "Who welcomes them?",
            at,
        )
        .unwrap();
    open.answer_question(&q, &bo(), "Nobody in particular", at)
        .unwrap();
    open.advance_phase(&bo()).unwrap();
    open.suggest(
        SuggestionId::from("s1".to_string()),
        &cy(),
        "A buddy for each",
        at,
    )
    .unwrap();
    let open_id = CaseId::from(
        node.import_document(change::create(&open, "open case", at).unwrap())
            .await
            .unwrap(),
    );
    c.index(
        open_id.into(),
        DocEntry::new("Mentoring", bo(), Timestamp(at.0 + 1)),
    );

    let doc = change::create(&c, "create community", at).unwrap();
    let id = CommunityId::from(node.import_document(doc).await.unwrap());
    node.flush().await.unwrap();
    node.remember_community(&id).unwrap();
}

fn gui() -> Gui {
    Gui::open_with(|node, runtime| runtime.block_on(rhythm_community(node)))
}

fn stored(gui: &Gui) -> std::sync::Arc<Community> {
    gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        gui.node.community(&id).await.unwrap()
    })
}

#[test]
fn planning_a_gathering_shows_the_rotation_and_the_agenda_and_writes_its_note() {
    let mut gui = gui();
    gui.until("the community", |h| has(h, "Gatherings"));
    assert!(has(&gui.harness, "No gathering planned."), "Home says so");
    gui.harness.get_by_label("Gatherings").click();
    gui.until("the view", |h| has(h, "Plan a gathering"));
    let spring = past_gathering_time(&gui.node);
    assert!(has(&gui.harness, &format!("Spring gathering · {spring}")));
    assert!(has(&gui.harness, "Upcoming (0)") && has(&gui.harness, "Past (1)"));

    // Four weeks from today, by the node's clock.
    let day = gathering::day_of(Timestamp(gui.node.now().0 + 28 * DAY_MS));
    let title = format!("Gathering {day}");
    gui.harness.get_by_label("Plan a gathering").click();
    gui.until("the form", |h| has(h, "Gathering date"));
    gui.type_into("Gathering date", &format!("{day} 18:00"));
    gui.until("the suggestion", |h| has(h, "Suggested agenda"));
    // Agenda: the planned topics, most endorsed first, then the endorsed proposed one, each
    // saying why it is there.
    assert!(has(&gui.harness, "1. Seed swap (planned)"));
    assert!(has(&gui.harness, "2. Soil health (planned)"));
    assert!(has(
        &gui.harness,
        "3. Only an idea (proposed, endorsed by 3 members)"
    ));
    // Ada facilitated last time, so Bo facilitates; Ada presents; Cy takes notes.
    assert!(has(&gui.harness, "Facilitator: Bo"));
    assert!(has(&gui.harness, "Presenter: Ada"));
    assert!(has(&gui.harness, "Note-taker: Cy"));

    gui.harness.get_by_label("Plan gathering").click();
    gui.until("the planned gathering", |h| {
        has(h, &title) && has(h, "Open the meeting note")
    });
    assert!(has(&gui.harness, "Upcoming (1)"));
    let community = stored(&gui);
    let (_, planned) = community
        .gatherings
        .iter()
        .find(|(id, _)| id.as_str() != "past")
        .unwrap();
    assert_eq!(
        planned.agenda,
        [
            TopicId::from("t2".to_string()),
            TopicId::from("t1".to_string()),
            TopicId::from("t3".to_string())
        ]
    );
    assert_eq!(planned.roles.facilitator, Some(bo()));
    assert_eq!(planned.roles.note_taker, Some(cy()));

    // The suggestion is only a suggestion: Cy facilitates instead.
    gui.harness
        .get_by_role_and_label(A11y::ComboBox, "Facilitator")
        .click();
    gui.until("the members to choose from", |h| has(h, "Cy"));
    gui.harness.get_all_by_label("Cy").last().unwrap().click();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        gui.harness.step();
        let c = stored(&gui);
        let g = c.gatherings.values().find(|g| g.title == title);
        if g.is_some_and(|g| g.roles.facilitator == Some(cy())) {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the role never changed"
        );
        std::thread::sleep(std::time::Duration::from_millis(20));
    }

    // The meeting note holds the agenda.
    gui.harness.get_by_label("Open the meeting note").click();
    gui.until("the note", |h| has(h, "Note body (Markdown)"));
    let body = gui
        .harness
        .get_by_label("Note body (Markdown)")
        .value()
        .unwrap_or_default();
    assert!(body.contains("1. Seed swap\n2. Soil health"), "{body}");

    // Home shows it as the next gathering, with its roles.
    gui.harness.get_by_label("Home").click();
    gui.until("Home", |h| has(h, "Next gathering"));
    assert!(has(&gui.harness, &format!("{title} · {day} 18:00 UTC")));
    assert!(has(
        &gui.harness,
        "Facilitator: Cy · Presenter: Ada · Note-taker: Cy"
    ));
    gui.shutdown();
}

#[test]
fn an_action_is_ticked_off_on_home() {
    let mut gui = gui();
    gui.until("Home with the action", |h| has(h, "Pair with Bo on Friday"));
    assert!(has(&gui.harness, "Your open actions"));
    gui.harness.get_by_label("Pair with Bo on Friday").click();
    gui.until("the action to leave the list", |h| {
        !has(h, "Pair with Bo on Friday")
            && has(
                h,
                "No open actions. Actions you take on when a case closes show here.",
            )
    });
    let done = gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        gui.node.actions(&id, None, true).await.unwrap()
    });
    assert_eq!(done.len(), 1);
    assert!(done[0].done, "the tick is stored");
    gui.shutdown();
}

#[test]
fn a_note_is_thanked_once_and_shows_who_thanked() {
    let mut gui = gui();
    gui.until("the community", |h| has(h, "Notes"));
    gui.harness.get_by_label("Notes").click();
    gui.until("the list", |h| has(h, "Compost basics"));
    gui.harness.get_by_label("Compost basics").click();
    gui.until("the editor with a Thank button", |h| has(h, "Thank"));
    gui.harness.get_by_label("Thank").click();
    gui.until("the thanks shown", |h| {
        has(h, "Thanked by Ada") && !has(h, "Thank")
    });
    gui.shutdown();
}

#[test]
fn answers_and_suggestions_are_thanked_and_actions_ticked_in_cases() {
    let mut gui = gui();
    gui.until("the community", |h| has(h, "Cases"));
    gui.harness.get_by_label("Cases").click();
    gui.until("the list", |h| has(h, "Mentoring"));
    gui.harness.get_by_label("Mentoring").click();
    gui.until("the case", |h| has(h, "Answer: Nobody in particular"));
    assert!(has(&gui.harness, "• A buddy for each"));
    assert_eq!(gui.harness.query_all_by_label("Thank").count(), 2);
    gui.harness
        .get_all_by_label("Thank")
        .next()
        .unwrap()
        .click();
    gui.until("one thanks", |h| h.query_all_by_label("Thank").count() == 1);
    gui.harness.get_by_label("Thank").click();
    gui.until("both thanked", |h| {
        h.query_all_by_label("Thanked by Ada").count() == 2 && !has(h, "Thank")
    });

    // A closed case lists its actions with their owner and a box to tick.
    gui.harness.get_by_label("Reviews stall").click();
    gui.until("the closed case", |h| has(h, "Pair with Bo on Friday"));
    assert!(has(&gui.harness, "— Ada"));
    gui.harness.get_by_label("Pair with Bo on Friday").click();
    gui.until("the action done", |h| has(h, "— Ada · done"));
    gui.shutdown();
}

#[test]
fn esc_closes_the_plan_form_without_planning() {
    let mut gui = gui();
    gui.until("the community", |h| has(h, "Gatherings"));
    gui.harness.get_by_label("Gatherings").click();
    gui.until("the view", |h| has(h, "Plan a gathering"));
    gui.harness.get_by_label("Plan a gathering").click();
    gui.until("the form", |h| has(h, "Gathering date"));
    gui.harness.key_press(eframe::egui::Key::Escape);
    gui.until("the form to close", |h| !has(h, "Gathering date"));
    assert_eq!(stored(&gui).gatherings.len(), 1, "nothing was planned");
    gui.shutdown();
}

/// Regression: the date was raw UTC text whose hint and error disagreed on the format. Now a
/// calendar and time fields fill the date (in the viewer's zone), and the hint and a refusal
/// name the same forms.
#[test]
fn a_gathering_day_is_picked_from_a_calendar_and_hint_and_error_agree() {
    let mut gui = gui();
    gui.until("the community", |h| has(h, "Gatherings"));
    gui.harness.get_by_label("Gatherings").click();
    gui.until("the view", |h| has(h, "Plan a gathering"));
    gui.harness.get_by_label("Plan a gathering").click();
    gui.until("the form", |h| has(h, "Gathering date"));
    assert!(
        gui.harness
            .query_by_label_contains(&format!("Type {}", gathering::DATE_HINT))
            .is_some(),
        "the hint names the forms"
    );
    // The calendar opens on a week from today; one day later is picked.
    let week = gathering::day_of(Timestamp(gui.node.now().0 + 7 * DAY_MS));
    let day_after = gathering::day_of(Timestamp(gui.node.now().0 + 8 * DAY_MS));
    gui.harness
        .get_by_role_and_label(A11y::Button, &week)
        .click();
    gui.until("the calendar", |h| has(h, "Save"));
    gui.harness.get_by_label(">").click();
    gui.harness.step();
    gui.harness.get_by_label("Save").click();
    gui.until("the picked day in the date field", |h| {
        h.query_by_label("Gathering date").and_then(|n| n.value())
            == Some(format!("{day_after} 18:00"))
    });
    gui.until("the suggestion for that day", |h| {
        has(h, "Suggested agenda")
    });

    // A date typed wrong is refused in the words of the hint.
    gui.type_into("Gathering date", " next week");
    gui.until("the refusal", |h| {
        h.query_by_label_contains(
            "is not a date: use YYYY-MM-DD or YYYY-MM-DD HH:MM, in your local time",
        )
        .is_some()
    });
    assert!(!has(&gui.harness, "Suggested agenda"));
    gui.shutdown();
}

/// The plan form's repeat choice makes a series: its dates shown before it is stored, its next
/// occurrences listed with rotating roles, and one skipped with its Skip button.
#[test]
fn a_repeating_gathering_is_planned_listed_and_one_occurrence_skipped() {
    let mut gui = gui();
    gui.until("the community", |h| has(h, "Gatherings"));
    gui.harness.get_by_label("Gatherings").click();
    gui.until("the view", |h| has(h, "Plan a gathering"));
    let first = Timestamp(gui.node.now().0 + 28 * DAY_MS);
    let day = gathering::day_of(first);
    gui.harness.get_by_label("Plan a gathering").click();
    gui.until("the form", |h| has(h, "Gathering date"));
    gui.type_into("Gathering date", &format!("{day} 18:00"));
    gui.type_into("Title (optional)", "Reading circle");
    gui.until("the one-off suggestion", |h| has(h, "Suggested agenda"));
    gui.harness.get_by_label("Every 2 weeks").click();
    gui.until("the series preview", |h| {
        has(h, "Repeats every 2 weeks, at the same local time.")
    });
    let third = gathering::day_of(Timestamp(first.0 + 28 * DAY_MS));
    assert!(has(&gui.harness, &format!("{third} 18:00 UTC")));

    gui.harness.get_by_label("Plan gathering").click();
    gui.until("the series listed", |h| has(h, "Series (1)"));
    assert!(has(&gui.harness, "Reading circle · every 2 weeks"));
    let community = stored(&gui);
    let (series, stored_series) = community.series.iter().next().unwrap();
    assert_eq!(stored_series.repeat, "weekly:2");
    assert!(
        community.gatherings.len() == 1,
        "no one-off gathering was planned"
    );
    // Ada facilitated the past gathering, so Bo facilitates the first occurrence and someone
    // else the second.
    let next = community.upcoming_occurrences(gui.node.now(), 2);
    assert_eq!(next[0].roles.facilitator, Some(bo()));
    assert_ne!(next[1].roles.facilitator, Some(bo()));
    assert!(
        gui.harness
            .query_all_by_label("    Facilitator: Bo · Presenter: Ada · Note-taker: Cy")
            .next()
            .is_some(),
        "the first occurrence shows its roles"
    );

    gui.harness.get_all_by_label("Skip").next().unwrap().click();
    gui.until("the skipped occurrence", |h| {
        has(h, &format!("  {day} 18:00 UTC (skipped)"))
    });
    let community = stored(&gui);
    assert!(community.series[series].skipped.contains_key(&day));
    gui.shutdown();
}

/// A role added in the window is listed with the built-in ones and stored for everyone.
#[test]
fn a_custom_role_is_added_in_the_window() {
    let mut gui = gui();
    gui.until("the community", |h| has(h, "Gatherings"));
    gui.harness.get_by_label("Gatherings").click();
    gui.until("the view", |h| has(h, "Rotating roles"));
    gui.harness.get_by_label("Rotating roles").click();
    gui.until("the roles", |h| has(h, "New role"));
    gui.type_into("New role", "Host");
    gui.harness.get_by_label("Add role").click();
    gui.until("the role listed", |h| {
        has(h, "Facilitator · Presenter · Note-taker · Host")
    });
    let community = stored(&gui);
    assert_eq!(community.custom_roles["host"].name, "Host");
    gui.shutdown();
}

/// The bell counts what came since this device last looked (Bo answered Ada's question on
/// his case); opening it lists it and marks it seen. Cy's suggestion on Bo's case is Bo's
/// news, not Ada's.
#[test]
fn the_bell_counts_an_answer_to_my_question_and_opening_it_marks_it_seen() {
    let mut gui = gui();
    gui.until("the bell with one unread", |h| has(h, "Notifications (1)"));
    gui.harness.get_by_label("Notifications (1)").click();
    gui.until("the list, seen", |h| {
        has(
            h,
            "Bo answered your question on \"Mentoring\": Nobody in particular",
        ) && has(h, "Notifications")
    });
    assert!(!has(&gui.harness, "A buddy for each"));
    let list = gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        gui.node.notifications(&id).await.unwrap()
    });
    assert_eq!((list.items.len(), list.unread), (1, 0));

    // Turned off on this device, the answer leaves the list.
    gui.harness.get_by_label("An answer to my question").click();
    gui.until("the answer gone", |h| {
        !has(
            h,
            "Bo answered your question on \"Mentoring\": Nobody in particular",
        )
    });
    let off = gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        gui.node.notifications_off(&id).unwrap()
    });
    assert!(off.contains(&copse::model::practice::notifications::Kind::AnswerToMyQuestion));
    gui.shutdown();
}
