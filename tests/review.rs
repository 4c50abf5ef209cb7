//! Conflict review between two nodes in one process: the example end to end.

use std::time::Duration;

use copse::clock::Clock;
use copse::model::{NoteEdit, Timestamp};
use copse::node::{Node, NodeConfig};

use crate::sync::{community_of, eventually, online_with};

const T0: i64 = 1_900_000_000_000;

async fn open_reviews(node: &Node, id: &copse::model::CommunityId) -> usize {
    node.reviews(id).await.map_or(usize::MAX, |r| r.len())
}

/// Bob goes offline; Ann makes her change now (a minute on), Bob his ten minutes later by his
/// own clock, with nothing to review before they meet; then Bob comes back online and both
/// find one place to review. Returns Bob's node, online.
async fn apart_then_reunited(
    a: &Node,
    b: Node,
    bob_dir: &std::path::Path,
    id: &copse::model::CommunityId,
    ann: impl AsyncFnOnce(&Node),
    bob: impl AsyncFnOnce(&Node),
) -> Node {
    b.shutdown().await.unwrap();
    a.clock().advance(Duration::from_secs(60));
    ann(a).await;
    let bob_clock = Clock::starting_at(Timestamp(T0 + 11 * 60_000));
    let offline = Node::open(NodeConfig::offline(bob_dir).with_clock(bob_clock.clone()))
        .await
        .unwrap();
    bob(&offline).await;
    assert_eq!(
        open_reviews(&offline, id).await,
        0,
        "nothing to review before the sync"
    );
    offline.shutdown().await.unwrap();
    let b = online_with(bob_dir, bob_clock).await;
    for (who, node) in [("Ann", a), ("Bob", &b)] {
        eventually(&format!("{who} sees one place to review"), || async {
            open_reviews(node, id).await == 1
        })
        .await;
    }
    b
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_offline_rewrites_of_one_sentence_are_reviewed_on_both_and_settled_once() {
    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online_with(dirs[0].path(), Clock::starting_at(Timestamp(T0))).await;
    let b = online_with(dirs[1].path(), Clock::starting_at(Timestamp(T0))).await;
    let id = community_of(&a, &[(&b, "Bob")]).await;
    let note = a
        .add_note(&id, "Agreements", "We start on time.")
        .await
        .unwrap();
    eventually("Bob has the note", || async {
        b.note(&id, &note).await.is_ok()
    })
    .await;

    let b = apart_then_reunited(
        &a,
        b,
        dirs[1].path(),
        &id,
        async |a| {
            a.edit_note(
                &id,
                &note,
                NoteEdit::Replace("We start on time, always.".into()),
            )
            .await
            .unwrap();
        },
        async |bob| {
            bob.edit_note(
                &id,
                &note,
                NoteEdit::Replace("We start five minutes late.".into()),
            )
            .await
            .unwrap();
        },
    )
    .await;
    let at_bob = b.reviews(&id).await.unwrap().remove(0);
    let at_ann = a.reviews(&id).await.unwrap().remove(0);
    assert_eq!(
        at_bob.id, at_ann.id,
        "the same place has the same id on both"
    );
    assert_eq!(at_bob.title, "Agreements");
    assert_eq!(
        at_bob.conflict.merged,
        "We start five minutes late, always."
    );
    let mut versions: Vec<_> = at_bob
        .conflict
        .sides
        .iter()
        .zip(&at_bob.names)
        .map(|(s, name)| (name.as_str(), s.text.as_str()))
        .collect();
    versions.sort();
    assert_eq!(
        versions,
        vec![
            ("Ada", "We start on time, always."),
            ("Bob", "We start five minutes late.")
        ]
    );
    assert!(at_bob.mine.is_some() && at_ann.mine.is_some() && at_bob.mine != at_ann.mine);

    // Bob keeps his version; the choice syncs and the review closes on both.
    b.settle_review(&id, &at_bob.id, "mine").await.unwrap();
    for (who, node) in [("Bob", &b), ("Ann", &a)] {
        eventually(&format!("{who} has nothing left to review"), || async {
            open_reviews(node, &id).await == 0
        })
        .await;
        eventually(&format!("{who} reads Bob's sentence"), || async {
            node.note(&id, &note)
                .await
                .is_ok_and(|n| n.body.as_str() == "We start five minutes late.")
        })
        .await;
    }
    // Closed for good: a restart does not bring it back.
    b.shutdown().await.unwrap();
    let b = Node::open(NodeConfig::offline(dirs[1].path()))
        .await
        .unwrap();
    assert_eq!(open_reviews(&b, &id).await, 0);
    b.shutdown().await.unwrap();
    a.shutdown().await.unwrap();
}

/// A topic's status set two ways while apart: one place to review on both, under the topic,
/// and settling it on one side sets the status everywhere.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_topic_status_set_two_ways_while_apart_is_reviewed_under_the_topic() {
    use copse::model::TopicStatus;
    use copse::model::community::NewTopic;
    use copse::node::Reviewed;

    let dirs: Vec<_> = (0..2).map(|_| tempfile::tempdir().unwrap()).collect();
    let a = online_with(dirs[0].path(), Clock::starting_at(Timestamp(T0))).await;
    let b = online_with(dirs[1].path(), Clock::starting_at(Timestamp(T0))).await;
    let id = community_of(&a, &[(&b, "Bob")]).await;
    let new = NewTopic {
        title: "Onboarding".into(),
        ..NewTopic::default()
    };
    let topic = a.add_topic(&id, new).await.unwrap();
    eventually("Bob has the topic", || async {
        b.community(&id)
            .await
            .is_ok_and(|c| c.topics.contains_key(&topic))
    })
    .await;
    let b = apart_then_reunited(
        &a,
        b,
        dirs[1].path(),
        &id,
        async |a| {
            a.set_topic_status(&id, &topic, TopicStatus::Planned)
                .await
                .unwrap();
        },
        async |bob| {
            bob.set_topic_status(&id, &topic, TopicStatus::Discussed)
                .await
                .unwrap();
        },
    )
    .await;
    let at_ann = a.reviews(&id).await.unwrap().remove(0);
    assert_eq!(at_ann.what, Reviewed::Topic(topic.clone()));
    assert_eq!(at_ann.title, "Onboarding");
    assert_eq!(at_ann.conflict.sides[0].text, "Planned");
    assert_eq!(at_ann.conflict.sides[1].text, "Discussed");
    assert_eq!(at_ann.mine, Some(0));

    a.settle_review(&id, &at_ann.id, "theirs").await.unwrap();
    for (who, node) in [("Ann", &a), ("Bob", &b)] {
        eventually(&format!("{who} has nothing left to review"), || async {
            open_reviews(node, &id).await == 0
        })
        .await;
        eventually(&format!("{who} reads Bob's status"), || async {
            node.community(&id)
                .await
                .is_ok_and(|c| c.topics[&topic].status == TopicStatus::Discussed)
        })
        .await;
    }
    b.shutdown().await.unwrap();
    a.shutdown().await.unwrap();
}

/// Ada's window after Bob's offline rewrite met hers: Home says it needs a look, the note's
/// header counts the places, and keeping Bob's version settles it.
#[test]
fn the_chooser_shows_both_versions_and_keeping_one_settles_it() {
    use crate::gui::{Gui, has, value};
    use eframe::egui::{Key, Modifiers};
    use egui_kittest::kittest::Queryable;

    let bob_dir = tempfile::tempdir().unwrap();
    let mut gui = Gui::open_online(|ada, rt| {
        rt.block_on(async {
            let bob = online_with(bob_dir.path(), Clock::system()).await;
            let id = community_of(ada, &[(&bob, "Bob")]).await;
            let note = ada
                .add_note(&id, "Agreements", "We start on time.")
                .await
                .unwrap();
            eventually("Bob has the note", || async {
                bob.note(&id, &note).await.is_ok()
            })
            .await;
            bob.shutdown().await.unwrap();
            ada.edit_note(
                &id,
                &note,
                NoteEdit::Replace("We start on time, always.".into()),
            )
            .await
            .unwrap();
            // Bob's clock says ten minutes later: the two edits were made apart.
            let later = Clock::starting_at(Timestamp(ada.now().0 + 10 * 60_000));
            let offline = Node::open(NodeConfig::offline(bob_dir.path()).with_clock(later.clone()))
                .await
                .unwrap();
            offline
                .edit_note(
                    &id,
                    &note,
                    NoteEdit::Replace("We start five minutes late.".into()),
                )
                .await
                .unwrap();
            offline.shutdown().await.unwrap();
            let bob = online_with(bob_dir.path(), later).await;
            eventually("Ada's node found the conflict", || async {
                open_reviews(ada, &id).await == 1
            })
            .await;
            bob.shutdown().await.unwrap();
        })
    });
    gui.until("Home says it needs a look", |h| has(h, "Needs a look (1)"));
    gui.harness
        .get_by_label("Agreements: Ada and Bob changed the text while apart")
        .click();
    gui.until("the note's header", |h| has(h, "1 place to review"));
    gui.until("both versions and the merge, side by side", |h| {
        has(h, "Ada\u{2019}s version")
            && has(h, "We start on time, always.")
            && has(h, "Bob\u{2019}s version")
            && has(h, "We start five minutes late.")
            && has(h, "What the merge made")
            && has(h, "We start five minutes late, always.")
    });
    assert!(
        has(&gui.harness, "Keep Ada\u{2019}s")
            && has(&gui.harness, "Keep Bob\u{2019}s")
            && has(&gui.harness, "Keep both")
            && has(&gui.harness, "Keep as it is")
    );
    // Edit, then Esc: nothing changes and the choices are back.
    gui.harness.get_by_label("Edit").click();
    gui.until("the place's text to edit", |h| has(h, "What it should say"));
    assert_eq!(
        value(&gui, "What it should say"),
        "We start five minutes late, always."
    );
    assert!(!has(&gui.harness, "Keep Bob\u{2019}s"), "one way at a time");
    gui.harness.get_by_label("What it should say").focus();
    gui.harness.step();
    gui.harness.key_press(Key::Escape);
    gui.until("the choices again", |h| {
        !has(h, "What it should say") && has(h, "Keep Bob\u{2019}s")
    });
    // Edit, write the sentence anew, Save: that is what the note says, and it is settled.
    gui.harness.get_by_label("Edit").click();
    gui.until("the place's text to edit", |h| has(h, "What it should say"));
    gui.harness.get_by_label("What it should say").focus();
    gui.harness.step();
    gui.harness.key_press_modifiers(Modifiers::COMMAND, Key::A);
    gui.harness
        .get_by_label("What it should say")
        .type_text("We start on time; latecomers join quietly.");
    gui.harness.step();
    gui.harness.get_by_label("Save").click();
    gui.until("the place is settled", |h| {
        !has(h, "1 place to review") && !has(h, "Needs a look (1)")
    });
    let id = gui.node.resolve_community(None).unwrap();
    let body = gui.runtime.block_on(async {
        let c = gui.node.community(&id).await.unwrap();
        let note = c.notes.keys().next().unwrap().clone();
        gui.node
            .note(&id, &note)
            .await
            .unwrap()
            .body
            .as_str()
            .to_string()
    });
    assert_eq!(body, "We start on time; latecomers join quietly.");
    gui.shutdown();
}

/// The same example with real `copse` processes, their clocks (`COPSE_NOW`) ten minutes apart.
#[test]
fn real_processes_ten_minutes_apart_list_one_review_and_a_settlement_clears_both() {
    use crate::cli_sync::{serve, stop, with_loopback};
    use crate::util::Folder;

    let ada = Folder::with_community();
    let note = ada.json(&[
        "note",
        "add",
        "--title",
        "Agreements",
        "--body",
        "We start on time.",
    ])["id"]
        .as_str()
        .unwrap()
        .to_string();
    let invite = ada.json(&with_loopback(&["invite", "--uses", "1"]));
    let server = serve(&ada);
    let bob = Folder::at(ada.now() + chrono::Duration::minutes(10));
    bob.ok(&with_loopback(&[
        "join",
        invite["ticket"].as_str().unwrap(),
        "--me",
        "Bob",
    ]));
    stop(server);

    ada.ok(&["note", "edit", &note, "--body", "We start on time, always."]);
    bob.ok(&[
        "note",
        "edit",
        &note,
        "--body",
        "We start five minutes late.",
    ]);
    assert_eq!(bob.json(&["review", "list"]), serde_json::json!([]));

    let server = serve(&ada);
    bob.ok(&with_loopback(&["sync"]));
    stop(server);
    let (at_ada, at_bob) = (ada.json(&["review", "list"]), bob.json(&["review", "list"]));
    for list in [&at_ada, &at_bob] {
        let items = list.as_array().unwrap();
        assert_eq!(items.len(), 1, "{list}");
        assert_eq!(items[0]["now"], "We start five minutes late, always.");
        assert_eq!(items[0]["title"], "Agreements");
        let mut versions: Vec<_> = items[0]["versions"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| (v["author"].as_str().unwrap(), v["text"].as_str().unwrap()))
            .collect();
        versions.sort();
        assert_eq!(
            versions,
            vec![
                ("Ada", "We start on time, always."),
                ("Bob", "We start five minutes late.")
            ]
        );
    }
    let id = at_bob[0]["id"].as_str().unwrap();
    assert_eq!(at_ada[0]["id"], id, "the same id on both machines");

    let settled = bob.json(&["review", "settle", id, "mine"]);
    assert_eq!(settled["result"], "settled");
    assert_eq!(bob.json(&["review", "list"]), serde_json::json!([]));
    let server = serve(&ada);
    bob.ok(&with_loopback(&["sync"]));
    stop(server);
    assert_eq!(ada.json(&["review", "list"]), serde_json::json!([]));
    assert!(
        ada.ok(&["note", "show", &note])
            .contains("We start five minutes late.")
    );
    let history = ada.ok(&["note", "history", &note]);
    assert!(history.contains("settle a conflict"), "{history}");
}
