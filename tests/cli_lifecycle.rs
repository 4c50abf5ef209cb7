//! Renaming, archiving and deleting notes, cases, topics and gatherings from the command line,
//! and undoing it, as a script would.

use crate::util::{Folder, ids};

/// Makes one item of `kind` titled `title` and returns its id.
fn add(f: &Folder, kind: &str, title: &str) -> String {
    match kind {
        "note" => f.ok(&[
            "note",
            "add",
            "--title",
            title,
            "--body",
            "compost and worms",
        ]),
        "case" => f.ok(&[
            "case",
            "open",
            "--title",
            title,
            "--situation",
            "compost too wet",
        ]),
        "topic" => f.ok(&["topic", "add", "--title", title]),
        "gathering" => {
            let when = f.day(3, "18:00");
            let planned = f.json(&["gathering", "plan", "--when", &when, "--title", title]);
            planned["id"].as_str().unwrap().to_string()
        }
        other => panic!("no such kind {other}"),
    }
}

/// The ids `copse KIND list` shows, with or without `--archived`.
fn listed(f: &Folder, kind: &str, archived: bool) -> Vec<String> {
    let mut args = vec![kind, "list"];
    if archived {
        args.push("--archived");
    }
    let list = f.json(&args);
    if kind == "gathering" {
        let mut all = ids(&list["upcoming"]);
        all.extend(ids(&list["past"]));
        return all;
    }
    for item in list.as_array().unwrap() {
        assert_eq!(
            item["archived"], archived,
            "{kind} list --archived={archived}"
        );
    }
    ids(&list)
}

fn title_in_list(f: &Folder, kind: &str, id: &str) -> String {
    let list = f.json(&[kind, "list"]);
    let items = if kind == "gathering" {
        list["upcoming"].clone()
    } else {
        list
    };
    items
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["id"] == id)
        .map(|i| i["title"].as_str().unwrap().to_string())
        .unwrap_or_default()
}

#[test]
fn every_kind_can_be_renamed_archived_deleted_and_brought_back() {
    let f = Folder::with_community();
    for kind in ["note", "case", "topic", "gathering"] {
        let keep = add(&f, kind, "Keep me");
        let id = add(&f, kind, "Soil");

        assert_eq!(
            f.ok(&[kind, "rename", &id, "Soil health"]),
            format!("Renamed {kind} to 'Soil health'")
        );
        assert_eq!(title_in_list(&f, kind, &id), "Soil health", "{kind}");

        assert_eq!(
            f.ok(&[kind, "archive", &id]),
            format!("Archived {kind} 'Soil health'")
        );
        let shown = listed(&f, kind, false);
        assert!(
            !shown.contains(&id),
            "{kind}: archived items leave the list"
        );
        assert!(shown.contains(&keep), "{kind}");
        assert_eq!(
            listed(&f, kind, true),
            vec![id.clone()],
            "{kind} --archived"
        );
        let again = f.json(&[kind, "archive", &id]);
        assert_eq!(again["result"], "archived");
        assert_eq!(
            f.ok(&[kind, "archive", &id]),
            format!("The {kind} 'Soil health' was already archived")
        );

        let back = f.json(&[kind, "unarchive", &id]);
        assert_eq!(
            (back["id"].as_str(), back["result"].as_str()),
            (Some(id.as_str()), Some("unarchived"))
        );
        assert!(listed(&f, kind, false).contains(&id), "{kind}");
        assert!(listed(&f, kind, true).is_empty(), "{kind}");

        let deleted = f.json(&[kind, "delete", &id]);
        assert_eq!(deleted["title"], "Soil health");
        assert!(!listed(&f, kind, false).contains(&id), "{kind}");
        assert!(!listed(&f, kind, true).contains(&id), "{kind}");
        let err = f.fails(&[kind, "archive", &id]);
        assert!(
            err.contains(&format!("no {kind} with id {id}")),
            "{kind}: {err}"
        );

        assert_eq!(
            f.ok(&[kind, "undelete", &id]),
            format!("Restored {kind} 'Soil health'")
        );
        assert!(listed(&f, kind, false).contains(&id), "{kind}");
        let err = f.fails(&[kind, "undelete", &id]);
        assert!(err.contains("was not deleted"), "{kind}: {err}");
    }
}

#[test]
fn a_deleted_note_is_gone_from_show_and_search_but_an_archived_one_is_found() {
    let f = Folder::with_community();
    let gone = f.ok(&[
        "note",
        "add",
        "--title",
        "Test note",
        "--body",
        "mistake xyzzy",
    ]);
    let kept = f.ok(&["note", "add", "--title", "Old plan", "--body", "plugh beds"]);
    f.ok(&["note", "archive", &kept]);
    let deleted = f.ok(&["note", "delete", &gone]);
    assert!(
        deleted.starts_with("Deleted note 'Test note' for everyone"),
        "{deleted}"
    );
    assert!(deleted.contains(&format!("copse note undelete {gone}")));
    let err = f.fails(&["note", "show", &gone]);
    assert!(
        err.contains("no note") || err.contains("not found"),
        "{err}"
    );
    assert!(f.ok(&["search", "xyzzy"]).contains("nothing matches"));
    assert!(f.ok(&["search", "plugh"]).contains("Old plan"));
    // The archived note still opens.
    assert_eq!(f.json(&["note", "show", &kept])["title"], "Old plan");
    assert_eq!(f.ok(&["note", "list", "--archived"]).lines().count(), 1);
}

#[test]
fn bad_input_gets_a_plain_refusal() {
    let f = Folder::with_community();
    let note = add(&f, "note", "Soil");
    let err = f.fails(&["note", "rename", &note, "   "]);
    assert!(err.contains("a note's title must not be empty"), "{err}");
    let err = f.fails(&["case", "delete", "nosuchcase"]);
    assert!(err.contains("no case with id nosuchcase"), "{err}");
    let err = f.fails(&["topic", "archive", "bad id"]);
    assert!(err.contains("not a valid TopicId"), "{err}");
    assert!(
        f.ok(&["note", "list", "--archived"])
            .contains("no archived notes")
    );
}

/// A note deleted on A leaves B's list, and a topic archived on A shows archived on B; B's
/// undelete comes back to A.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn deletes_and_archives_reach_every_member() {
    use copse::model::Item;
    use copse::model::community::NewTopic;

    use crate::sync::{community_of, eventually, online};

    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = online(da.path()).await;
    let b = online(db.path()).await;
    let id = community_of(&a, &[(&b, "Bob")]).await;
    let note = a.add_note(&id, "Test note", "oops").await.unwrap();
    let topic = a
        .add_topic(
            &id,
            NewTopic {
                title: "Soil".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    eventually("B has the note and the topic", || async {
        let c = b.community(&id).await.unwrap();
        c.notes.contains_key(&note) && c.topics.contains_key(&topic)
    })
    .await;

    let note_item = Item::Note(note.clone());
    let topic_item = Item::Topic(topic.clone());
    assert_eq!(a.delete(&id, &note_item).await.unwrap(), "Test note");
    assert!(a.archive(&id, &topic_item).await.unwrap().1);
    eventually("B drops the note and sees the topic archived", || async {
        let c = b.community(&id).await.unwrap();
        !c.notes.contains_key(&note)
            && c.is_deleted(&note_item)
            && c.is_archived(&topic_item)
            && !c.shows(&topic_item, false)
    })
    .await;
    assert!(b.note(&id, &note).await.is_err(), "B can no longer open it");

    b.undelete(&id, &note_item).await.unwrap();
    eventually("A lists the note again", || async {
        a.note(&id, &note).await.is_ok()
    })
    .await;
    assert_eq!(a.note(&id, &note).await.unwrap().body.as_str(), "oops");
}

#[test]
fn a_member_deletes_their_own_comment_on_a_note() {
    let f = Folder::with_community();
    let id = add(&f, "note", "Soil");
    let keep = f.ok(&["note", "comment", &id, "worth keeping"]);
    let oops = f.ok(&["note", "comment", &id, "posted by mistake"]);
    assert_eq!(
        f.ok(&["note", "delete-comment", &id, &oops]),
        "Deleted your comment"
    );
    let shown = f.json(&["note", "show", &id]);
    let left: Vec<&str> = shown["comments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap())
        .collect();
    assert_eq!(left, [keep.as_str()]);
    let err = f.fails(&["note", "delete-comment", &id, &oops]);
    assert!(err.contains(&format!("no comment with id {oops}")), "{err}");
}
