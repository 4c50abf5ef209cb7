//! The Topics view driven by its labels as a member would: propose in one line, endorse once,
//! move a topic between the status filters, sub-topics under their parent, linked notes, and a
//! long list that stays navigable.

use std::sync::Arc;

use copse::model::community::NewTopic;
use copse::model::{
    Community, CommunityId, DocEntry, Member, MemberId, Note, NoteId, Timestamp, TopicId,
    TopicStatus, change,
};
use copse::node::Node;
use eframe::egui::Key;
use egui_kittest::kittest::Queryable;

use crate::gui::{Gui, has};

/// A community founded by "Ada" on this device, with topics proposed by the node.
fn gui_with_topics(titles: &[&str]) -> Gui {
    let titles: Vec<String> = titles.iter().map(|t| t.to_string()).collect();
    Gui::open_with(move |node, runtime| {
        runtime.block_on(async {
            let id = node.create_community("Gardeners", "", "Ada").await.unwrap();
            for title in titles {
                let new = NewTopic {
                    title,
                    ..Default::default()
                };
                node.add_topic(&id, new).await.unwrap();
            }
            node.flush().await.unwrap();
        })
    })
}

/// Opens the Topics view from the navigation.
fn open_topics(gui: &mut Gui) {
    gui.until("the community", |h| has(h, "Topics"));
    gui.harness.get_by_label("Topics").click();
    gui.until("the Topics view", |h| has(h, "New topic"));
}

fn stored(gui: &Gui) -> Arc<Community> {
    gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        gui.node.community(&id).await.unwrap()
    })
}

fn me(gui: &Gui) -> MemberId {
    gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        gui.node.me(&id).await.unwrap()
    })
}

#[test]
fn a_topic_proposed_in_one_line_is_listed() {
    let mut gui = gui_with_topics(&[]);
    open_topics(&mut gui);
    assert!(has(
        &gui.harness,
        "No topics yet — propose the first one above."
    ));

    gui.type_into("New topic", "Soil health");
    gui.type_into("Why (optional)", "Our beds are tired");
    gui.harness.key_press(Key::Enter);
    gui.until("the topic in the list", |h| {
        has(h, "Soil health") && has(h, "Proposed (1)")
    });
    assert!(has(&gui.harness, "Our beds are tired"));
    assert!(
        gui.harness
            .query_by_label("Proposed by Ada · no endorsements yet")
            .is_some()
    );
    assert!(
        !has(&gui.harness, "No topics yet — propose the first one above."),
        "the empty state is gone"
    );
    assert_eq!(
        gui.harness.get_by_label("New topic").value().as_deref(),
        Some(""),
        "the line is cleared for the next topic"
    );

    let community = stored(&gui);
    let topic = community.topics.values().next().unwrap();
    assert_eq!(
        (topic.title.as_str(), topic.description.as_str()),
        ("Soil health", "Our beds are tired")
    );
    assert_eq!(topic.proposer, me(&gui));
    gui.shutdown();
}

#[test]
fn endorsing_shows_the_count_and_who_once_per_member() {
    let mut gui = gui_with_topics(&["Soil health"]);
    open_topics(&mut gui);
    gui.until("the topic", |h| has(h, "Endorse Soil health"));
    assert!(has(&gui.harness, "Proposed by Ada · no endorsements yet"));

    gui.harness.get_by_label("Endorse Soil health").click();
    gui.until("the endorsement", |h| {
        has(h, "Proposed by Ada · 1 endorsement: Ada")
    });
    // One endorsement per member: the button gives way to the mark and a way back.
    assert!(!has(&gui.harness, "Endorse Soil health"));
    assert!(has(&gui.harness, "Endorsed by you"));
    assert!(has(&gui.harness, "Withdraw endorsement of Soil health"));
    let community = stored(&gui);
    let topic = community.topics.values().next().unwrap();
    assert_eq!(topic.endorsement_count(), 1);
    assert!(topic.endorsed_by(&me(&gui)));

    gui.harness
        .get_by_label("Withdraw endorsement of Soil health")
        .click();
    gui.until("the endorsement withdrawn", |h| {
        has(h, "Proposed by Ada · no endorsements yet") && has(h, "Endorse Soil health")
    });
    assert_eq!(
        stored(&gui)
            .topics
            .values()
            .next()
            .unwrap()
            .endorsement_count(),
        0
    );
    gui.shutdown();
}

#[test]
fn changing_the_status_moves_the_topic_to_its_filter() {
    let mut gui = gui_with_topics(&["Soil health", "Seed swap"]);
    open_topics(&mut gui);
    gui.until("both topics", |h| {
        has(h, "Soil health") && has(h, "Seed swap")
    });

    gui.harness.get_by_label("Status of Soil health").click();
    gui.until("the status choices", |h| has(h, "Planned"));
    gui.harness.get_by_label("Planned").click();
    gui.until("the topic to leave Proposed", |h| {
        has(h, "Proposed (1)") && has(h, "Planned (1)") && !has(h, "Soil health")
    });
    assert!(has(&gui.harness, "Seed swap"));

    gui.harness.get_by_label("Planned (1)").click();
    gui.until("the Planned filter", |h| {
        has(h, "Soil health") && !has(h, "Seed swap")
    });
    gui.harness.get_by_label("All (2)").click();
    gui.until("every topic", |h| {
        has(h, "Soil health") && has(h, "Seed swap")
    });
    gui.harness.get_by_label("Discussed (0)").click();
    gui.until("the empty filter", |h| has(h, "No topics discussed yet."));

    let community = stored(&gui);
    let soil = community
        .topics
        .values()
        .find(|t| t.title == "Soil health")
        .unwrap();
    assert_eq!(soil.status, TopicStatus::Planned);
    gui.shutdown();
}

#[test]
fn a_sub_topic_shows_indented_under_its_parent() {
    let mut gui = gui_with_topics(&["Soil health", "Seed swap"]);
    open_topics(&mut gui);
    gui.until("both topics", |h| {
        has(h, "Soil health") && has(h, "Seed swap")
    });

    gui.harness
        .get_by_label("Add a sub-topic to Soil health")
        .click();
    gui.until("the parent chosen", |h| {
        has(h, "It will be a sub-topic of “Soil health”.")
    });
    gui.type_into("New topic", "Compost");
    gui.harness.get_by_label("Propose").click();
    gui.until("the sub-topic", |h| has(h, "Compost"));
    assert!(!has(
        &gui.harness,
        "It will be a sub-topic of “Soil health”."
    ));

    // Compost sits directly under Soil health (no other topic between them), indented, even
    // though it is the newest. (Seed swap's place among top-level topics depends on when it
    // was proposed, to the millisecond.)
    let rect = |label: &str| gui.harness.get_by_label(label).rect();
    let (soil, compost, seeds) = (rect("Soil health"), rect("Compost"), rect("Seed swap"));
    assert!(
        soil.top() < compost.top(),
        "the sub-topic is below its parent"
    );
    assert!(
        !(soil.top() < seeds.top() && seeds.top() < compost.top()),
        "nothing between parent and sub-topic"
    );
    assert!(compost.left() > soil.left() + 10.0, "indented");
    assert_eq!(soil.left(), seeds.left());

    let community = stored(&gui);
    let parent = community
        .topics
        .iter()
        .find(|(_, t)| t.title == "Soil health")
        .map(|(id, _)| id.clone());
    let compost = community
        .topics
        .values()
        .find(|t| t.title == "Compost")
        .unwrap();
    assert_eq!(compost.parent, parent);
    gui.shutdown();
}

/// Only the rows in view are laid out, and a topic proposed at the end of a long list is
/// scrolled into view rather than landing out of sight.
#[test]
fn a_long_list_is_virtualised_and_a_new_topic_is_scrolled_into_view() {
    let mut gui = Gui::open_with(|node, runtime| {
        runtime.block_on(prepared_community(node, 300, false));
    });
    open_topics(&mut gui);
    gui.until("the list", |h| has(h, "Topic 0"));
    let laid_out = gui
        .harness
        .query_all_by_label_contains("Status of Topic ")
        .count();
    assert!(laid_out < 60, "{laid_out} rows laid out for 300 topics");
    assert!(has(&gui.harness, "Proposed (300)"));

    gui.type_into("New topic", "Zebra");
    gui.harness.key_press(Key::Enter);
    gui.until("the new topic, scrolled to", |h| has(h, "Zebra"));
    assert!(
        !has(&gui.harness, "Topic 0"),
        "the top of the list is scrolled away"
    );
    gui.shutdown();
}

#[test]
fn linked_notes_are_listed_by_title_and_open_in_notes() {
    let mut gui = Gui::open_with(|node, runtime| {
        runtime.block_on(prepared_community(node, 1, true));
    });
    open_topics(&mut gui);
    gui.until("the topic with its note", |h| {
        has(h, "Topic 0") && has(h, "Compost basics")
    });
    gui.harness.get_by_label("Compost basics").click();
    gui.until("the note open in Notes", |h| has(h, "Note body (Markdown)"));
    gui.shutdown();
}

/// A community with `topics` topics (the first linked to a note when `with_note`), built as
/// documents and imported, since linking a note has no node operation.
async fn prepared_community(node: &Node, topics: usize, with_note: bool) {
    // A day ago by the node's clock.
    let at = Timestamp(node.now().0 - 24 * 60 * 60 * 1000);
    let ada = MemberId::from("ada".to_string());
    let mut community = Community::new(
        "Gardeners",
        "",
        &ada,
        Member::new("Ada", node.device_id(), at).unwrap(),
        at,
    )
    .unwrap();
    for i in 0..topics {
        let new = NewTopic {
            title: format!("Topic {i}"),
            description: "Why this matters to us.".into(),
            parent: None,
        };
        let at = Timestamp(at.0 + i as i64);
        community
            .add_topic(TopicId::from(format!("topic{i:03}")), &ada, &new, at)
            .unwrap();
    }
    if with_note {
        let note = Note::new("Compost basics", "Air and water.", &ada, at).unwrap();
        let note = node
            .import_document(change::create(&note, "add note", at).unwrap())
            .await
            .unwrap();
        let note = NoteId::from(note);
        community.index(
            note.clone().into(),
            DocEntry {
                title: "Compost basics".into(),
                author: ada.clone(),
                created_at: at,
                updated_at: at,
                updated_by: None,
            },
        );
        let topic = TopicId::from("topic000".to_string());
        community.link_note(&topic, &note, &ada, at).unwrap();
    }
    let doc = change::create(&community, "create community", at).unwrap();
    let id = CommunityId::from(node.import_document(doc).await.unwrap());
    node.flush().await.unwrap();
    node.remember_community(&id).unwrap();
}

#[test]
fn a_note_is_linked_from_the_picker_and_esc_closes_it_unchanged() {
    let mut gui = Gui::open_with(|node, runtime| {
        runtime.block_on(async {
            let id = node.create_community("Gardeners", "", "Ada").await.unwrap();
            let new = NewTopic {
                title: "Composting".into(),
                ..Default::default()
            };
            node.add_topic(&id, new).await.unwrap();
            node.add_note(&id, "Worm bins", "").await.unwrap();
            node.add_note(&id, "Seed swap", "").await.unwrap();
            node.flush().await.unwrap();
        })
    });
    open_topics(&mut gui);

    // Esc closes the picker and links nothing.
    gui.harness
        .get_by_label("Link a note to Composting")
        .click();
    gui.until("the picker", |h| has(h, "Find a note"));
    gui.harness.key_press(Key::Escape);
    gui.until("the picker to close", |h| !has(h, "Find a note"));
    assert!(stored(&gui).topics.values().all(|t| t.notes.is_empty()));

    gui.harness
        .get_by_label("Link a note to Composting")
        .click();
    gui.until("the picker", |h| has(h, "Find a note"));
    gui.type_into("Find a note", "worm");
    assert!(
        !has(&gui.harness, "Link Seed swap"),
        "typing narrows the list"
    );
    gui.harness.get_by_label("Link Worm bins").click();
    gui.until("the picker to close", |h| !has(h, "Find a note"));
    gui.until("the linked note on the topic's row", |h| has(h, "Notes:"));
    gui.until("its title", |h| has(h, "Worm bins"));
    let c = stored(&gui);
    let topic = c.topics.values().next().unwrap();
    let linked: Vec<_> = topic
        .notes
        .keys()
        .map(|n| c.notes[n].title.clone())
        .collect();
    assert_eq!(linked, vec!["Worm bins"]);
    gui.shutdown();
}
