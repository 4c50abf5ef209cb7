//! The practices outside the window: shared objectives into a topic, the skills directory,
//! and the pulse, as a member at a terminal or a script sees them.

use crate::util::{Folder, far_from_today};

#[test]
fn objectives_group_by_meaning_and_one_becomes_a_credited_topic() {
    let f = Folder::with_community();
    f.ok(&[
        "member",
        "set",
        "--objective",
        "Facilitation",
        "--objective",
        "Data visualisation",
        "--objective",
        "facilitating workshops",
    ]);
    let groups = f.json(&["objectives"]);
    assert_eq!(groups.as_array().unwrap().len(), 2, "{groups}");
    let facilitation = groups
        .as_array()
        .unwrap()
        .iter()
        .find(|g| g["label"] == "Facilitation")
        .expect("facilitation is a group");
    assert_eq!(
        facilitation["wordings"],
        serde_json::json!(["Facilitation", "facilitating workshops"])
    );
    assert_eq!(facilitation["holders"][0]["name"], "Ada");
    let human = f.ok(&["objectives"]);
    assert!(human.contains("Facilitation  (1 member: Ada)"), "{human}");

    let topic = f.ok(&["objectives", "topic", "facilitating workshops"]);
    let topics = f.json(&["topic", "list"]);
    assert_eq!(topics[0]["id"], topic.as_str());
    assert_eq!(topics[0]["title"], "Facilitation");
    assert_eq!(topics[0]["from_objectives"][0]["name"], "Ada");

    let err = f.fails(&["objectives", "topic", "knitting"]);
    assert!(
        err.contains("no shared learning objective matches 'knitting'"),
        "{err}"
    );
}

#[test]
fn skills_answer_who_can_help_with_a_fuzzy_question() {
    let f = Folder::with_community();
    f.ok(&[
        "member",
        "set",
        "--skill",
        "Facilitation",
        "--skill",
        "Composting",
    ]);
    let found = f.json(&["skills", "facil"]);
    assert_eq!(found[0]["name"], "Ada");
    assert_eq!(found[0]["matching"], serde_json::json!(["Facilitation"]));
    assert_eq!(found[0]["other_skills"], serde_json::json!(["Composting"]));
    assert_eq!(found[0]["devices"], 1);
    assert_eq!(f.json(&["skills", "compostng"])[0]["name"], "Ada", "a typo");
    assert_eq!(f.json(&["skills", "beekeeping"]), serde_json::json!([]));
    assert_eq!(f.json(&["skills"]).as_array().unwrap().len(), 1);
    let human = f.ok(&["skills", "knitting"]);
    assert_eq!(human, "nobody lists a skill matching \"knitting\"");
}

#[test]
fn pulse_counts_what_members_did() {
    pulse_counts_this_weeks_contributions(Folder::with_community());
}

/// The pulse's weeks end at the clock's "now", not at the day the test runs.
#[test]
fn the_pulse_counts_this_week_in_2020_and_in_2030() {
    for start in far_from_today() {
        pulse_counts_this_weeks_contributions(Folder::at(start).with_a_community());
    }
}

/// A note, a comment and a topic by Ada: three contributions this week, Ada active.
fn pulse_counts_this_weeks_contributions(f: Folder) {
    let note = f.ok(&["note", "add", "--title", "Soil"]);
    f.ok(&["note", "comment", &note, "Needs air"]);
    f.ok(&["topic", "add", "--title", "Worms"]);
    let pulse = f.json(&["pulse"]);
    assert_eq!(pulse["members"][0]["name"], "Ada");
    assert_eq!(pulse["members"][0]["level"], "active", "{pulse}");
    assert_eq!(pulse["members"][0]["contributions_90_days"], 3);
    let weeks = pulse["weeks"].as_array().unwrap();
    assert_eq!(weeks.len(), 13);
    assert_eq!(weeks[12]["contributions"], 3);
    assert_eq!(pulse["notices"], serde_json::json!([]));
    let human = f.ok(&["pulse"]);
    assert!(human.contains("not targets"), "{human}");
    assert!(
        human.contains("active (contributed 3 or more times): Ada"),
        "{human}"
    );
}

/// Editing a note or changing a case records who did it in the community's index, so the
/// pulse can count edits by the person who made them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn note_and_case_changes_record_who_made_them() {
    use copse::model::NoteEdit;
    use copse::node::{Node, NodeConfig};
    let dir = tempfile::tempdir().unwrap();
    let node = Node::open(NodeConfig::offline(dir.path())).await.unwrap();
    let c = node.create_community("Gardeners", "", "Ada").await.unwrap();
    let me = node.me(&c).await.unwrap();
    let note = node.add_note(&c, "Soil", "").await.unwrap();
    let case = node
        .open_case(&c, "Flat retros", "Autopilot")
        .await
        .unwrap();
    let fresh = node.community(&c).await.unwrap();
    assert_eq!(fresh.notes[&note].updated_by, None, "nobody changed it yet");
    node.edit_note(&c, &note, NoteEdit::Append("Air".into()))
        .await
        .unwrap();
    node.advance_case(&c, &case).await.unwrap();
    let changed = node.community(&c).await.unwrap();
    assert_eq!(changed.notes[&note].updated_by.as_ref(), Some(&me));
    assert_eq!(changed.cases[&case].updated_by.as_ref(), Some(&me));
    node.shutdown().await.unwrap();
}
