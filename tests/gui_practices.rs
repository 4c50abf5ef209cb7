//! The Objectives, Skills and Pulse views of the real `App`, driven by their labels: a shared
//! objective becomes a credited topic, a fuzzy question finds a helper, and the pulse shows
//! levels and a notice. Communities with other members are built with the model and imported.

use copse::model::community::NewTopic;
use copse::model::{Community, CommunityId, Member, MemberId, Timestamp, TopicId, change};
use copse::node::Node;
use egui_kittest::kittest::Queryable;

use crate::gui::{Gui, has};

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

fn member_id(name: &str) -> MemberId {
    MemberId::from(name.to_lowercase())
}

/// Ada (this device) and the others named, each with (skills, objectives); `shape` then adds
/// whatever the test needs before the community is imported, given the node's "now".
async fn community(
    node: &Node,
    people: &[(&str, &[&str], &[&str])],
    shape: impl FnOnce(&mut Community, &MemberId, Timestamp),
) {
    let now = node.now();
    let created = Timestamp(now.0 - 200 * DAY_MS);
    let ada = MemberId::from(node.device_id().to_string());
    let mut c = Community::new(
        "Facilitators",
        "",
        &ada,
        Member::new("Ada", node.device_id(), created).unwrap(),
        created,
    )
    .unwrap();
    for (name, skills, objectives) in people {
        let id = if *name == "Ada" {
            ada.clone()
        } else {
            let id = member_id(name);
            let device = format!("{}-laptop", name.to_lowercase());
            c.add_member(id.clone(), Member::new(name, &device, created).unwrap());
            id
        };
        let m = c.members.get_mut(&id).unwrap();
        m.skills = skills.iter().map(|s| s.to_string()).collect();
        m.objectives = objectives.iter().map(|o| o.to_string()).collect();
    }
    shape(&mut c, &ada, now);
    let doc = change::create(&c, "create community", created).unwrap();
    let id = CommunityId::from(node.import_document(doc).await.unwrap());
    node.flush().await.unwrap();
    node.remember_community(&id).unwrap();
}

fn open_view(gui: &mut Gui, view: &str, ready: &str) {
    gui.until("the community", |h| has(h, view));
    gui.harness.get_by_label(view).click();
    let ready = ready.to_string();
    gui.until(view, move |h| h.query_by_label_contains(&ready).is_some());
}

#[test]
fn a_shared_objective_becomes_a_topic_crediting_its_holders() {
    let mut gui = Gui::open_with(|node, runtime| {
        runtime.block_on(community(
            node,
            &[
                ("Ada", &[], &["Facilitation"]),
                ("Bo", &[], &["facilitating workshops"]),
                ("Cy", &[], &["Data visualisation"]),
            ],
            |_, _, _| {},
        ))
    });
    open_view(&mut gui, "Objectives", "Shared learning objectives");
    assert!(has(&gui.harness, "Facilitation"));
    assert!(has(&gui.harness, "Held by: Ada, Bo"), "grouped by meaning");
    assert!(has(&gui.harness, "Also written as: facilitating workshops"));
    assert!(has(&gui.harness, "Data visualisation"));
    assert!(
        has(&gui.harness, "Held by: Cy"),
        "a different subject stays apart"
    );

    // The first "Make topic" belongs to the most widely held group.
    gui.harness
        .query_all_by_label("Make topic")
        .next()
        .expect("a Make topic button per group")
        .click();
    gui.until("the topic to arrive", |h| has(h, "Already a topic."));
    let stored = gui.runtime.block_on(async {
        let id = gui.node.resolve_community(None).unwrap();
        gui.node.community(&id).await.unwrap()
    });
    let topic = stored.topics.values().next().expect("a topic was made");
    assert_eq!(topic.title, "Facilitation");
    let mut credited: Vec<String> = topic
        .from_objectives
        .keys()
        .map(|m| stored.display_name(m))
        .collect();
    credited.sort();
    assert_eq!(credited, vec!["Ada", "Bo"]);
    assert_eq!(
        gui.harness.query_all_by_label("Make topic").count(),
        1,
        "only data visualisation is left to make"
    );

    gui.harness.get_by_label("See it in Topics").click();
    gui.until("the credit under the topic", |h| {
        has(h, "From the objectives of: Ada, Bo")
    });
    gui.shutdown();
}

#[test]
fn who_can_help_finds_a_helper_by_a_word_prefix() {
    let mut gui = Gui::open_with(|node, runtime| {
        runtime.block_on(community(
            node,
            &[
                ("Ada", &["Composting"], &[]),
                ("Bo", &["Workshop facilitation", "Beekeeping"], &[]),
            ],
            |_, _, _| {},
        ))
    });
    open_view(&mut gui, "Skills", "Who can help with");
    assert!(
        has(&gui.harness, "Ask me about: Composting"),
        "everyone, before a question"
    );
    gui.type_into("Who can help with", "facil");
    gui.until("Bo's card", |h| {
        has(h, "Can help with: Workshop facilitation")
    });
    assert!(has(&gui.harness, "Also: Beekeeping"));
    assert!(
        !has(&gui.harness, "Ask me about: Composting"),
        "Ada does not match"
    );
    gui.shutdown();
}

#[test]
fn the_pulse_shows_levels_and_a_solo_lead_notice() {
    let mut gui = Gui::open_with(|node, runtime| {
        runtime.block_on(community(
            node,
            &[("Bo", &[], &[]), ("Cy", &[], &[])],
            |c, ada, now| {
                // Ada proposes a topic every three days for six weeks: core, and 9 of the last
                // four weeks' 10 contributions. Bo endorses one: peripheral. Cy: quiet.
                let mut first = None;
                for i in 0..14 {
                    let at = Timestamp(now.0 - (1 + 3 * i) * DAY_MS);
                    let new = NewTopic {
                        title: format!("Topic {i}"),
                        ..Default::default()
                    };
                    let id = c.add_topic(TopicId::new_random(), ada, &new, at).unwrap();
                    first.get_or_insert(id);
                }
                let bo = member_id("Bo");
                c.endorse_topic(&first.unwrap(), &bo, Timestamp(now.0 - 2 * DAY_MS))
                    .unwrap();
            },
        ))
    });
    open_view(&mut gui, "Pulse", "not targets");
    gui.until("the computed pulse", |h| has(h, "Core (1)"));
    assert!(has(&gui.harness, "Ada"));
    assert!(has(&gui.harness, "Active (0)"));
    assert!(has(&gui.harness, "Peripheral (1)"));
    assert!(has(&gui.harness, "Bo"));
    assert!(has(&gui.harness, "Quiet (1)"));
    assert!(has(&gui.harness, "Cy"));
    assert!(
        gui.harness
            .query_by_label_contains(
                "Solo lead: Ada made 90% of the last 4 weeks' 10 contributions"
            )
            .is_some(),
        "the notice names the pattern gently"
    );
    assert!(has(&gui.harness, "Contributions per week"));
    gui.shutdown();
}
