//! Mixed versions in one community: fields a newer copse added survive this one's edits made
//! through `Node`, and a document in a newer format is read but never changed.

use automerge::transaction::Transactable;
use automerge::{Automerge, ChangeHash, ObjId, ObjType, ROOT, ReadDoc, Value};
use copse::model::format::{FORMAT, FORMAT_KEY};
use copse::model::{CommunityId, NoteEdit, ProfileUpdate};
use copse::node::{Node, NodeConfig};

async fn open(dir: &std::path::Path) -> Node {
    Node::open(NodeConfig::offline(dir.to_path_buf()))
        .await
        .unwrap()
}

/// The object at `path` (map keys from the root).
fn object(doc: &impl ReadDoc, path: &[&str]) -> ObjId {
    let mut obj = ROOT;
    for key in path {
        obj = match doc.get(&obj, *key).unwrap() {
            Some((Value::Object(_), id)) => id,
            other => panic!("no object at {key} of {path:?}: {other:?}"),
        };
    }
    obj
}

/// What a newer copse might write: a plain field and a map, at `path`.
fn add_future_fields(doc: &mut Automerge, path: &[&str]) {
    let obj = object(doc, path);
    let mut tx = doc.transaction();
    tx.put(&obj, "future_field", "from a newer copse").unwrap();
    let map = tx.put_object(&obj, "future_map", ObjType::Map).unwrap();
    tx.put(&map, "level", 3_i64).unwrap();
    tx.commit();
}

/// Whether the fields `add_future_fields` wrote at `path` are all still there.
fn has_future_fields(doc: &Automerge, path: &[&str]) -> bool {
    let obj = object(doc, path);
    let field = doc.get(&obj, "future_field").unwrap();
    let level = doc
        .get(&obj, "future_map")
        .unwrap()
        .and_then(|(_, map)| doc.get(&map, "level").unwrap());
    matches!(field, Some((Value::Scalar(s), _)) if s.as_str() == Some("from a newer copse"))
        && matches!(level, Some((Value::Scalar(s), _)) if s.as_i64() == Some(3))
}

async fn community(node: &Node) -> CommunityId {
    node.create_community("Gardeners", "grow", "Ada")
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn fields_a_newer_copse_added_survive_edits_through_the_node() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(dir.path()).await;
    let c = community(&node).await;
    let me = node.me(&c).await.unwrap().to_string();
    let note = node.add_note(&c, "Soil", "compost").await.unwrap();
    let comment = node
        .comment_note(&c, &note, "nice".into())
        .await
        .unwrap()
        .to_string();
    let case = node
        .open_case(&c, "Reviews", "nobody reviews")
        .await
        .unwrap();

    // Unknown keys at each document's root, and inside a struct in a map (a member, a comment).
    let places: Vec<(String, Vec<String>)> = vec![
        (c.to_string(), vec![]),
        (c.to_string(), vec!["members".into(), me.clone()]),
        (note.to_string(), vec![]),
        (note.to_string(), vec!["comments".into(), comment.clone()]),
        (case.to_string(), vec![]),
    ];
    for (doc, path) in &places {
        let path = path.clone();
        node.change_raw(doc, move |d| {
            add_future_fields(d, &path.iter().map(String::as_str).collect::<Vec<_>>())
        })
        .await
        .unwrap();
    }

    // Edits by this copse to every one of those documents and structs.
    node.edit_note(&c, &note, NoteEdit::Append(" and leaves".into()))
        .await
        .unwrap();
    node.rename_note(&c, &note, "Soil health".into())
        .await
        .unwrap();
    node.comment_note(&c, &note, "more".into()).await.unwrap();
    node.advance_case(&c, &case).await.unwrap();
    node.set_purpose(&c, "Grow food together".into())
        .await
        .unwrap();
    node.update_profile(
        &c,
        ProfileUpdate {
            name: Some("Ada L.".into()),
            skills: Some(vec!["compost".into()]),
            objectives: None,
        },
    )
    .await
    .unwrap();
    node.shutdown().await.unwrap();

    // On disk, after a restart: every unknown field is still there, and the edits too.
    let node = open(dir.path()).await;
    for (doc, path) in &places {
        let owned = path.clone();
        let kept = node
            .change_raw(doc, move |d| {
                has_future_fields(d, &owned.iter().map(String::as_str).collect::<Vec<_>>())
            })
            .await
            .unwrap();
        assert!(kept, "unknown fields lost at {doc} {path:?}");
    }
    let read = node.note(&c, &note).await.unwrap();
    assert_eq!(read.title, "Soil health");
    assert_eq!(read.body.as_str(), "compost and leaves");
    let community = node.community(&c).await.unwrap();
    assert_eq!(community.purpose.as_str(), "Grow food together");
    node.shutdown().await.unwrap();
}

fn heads_and_format(doc: &Automerge) -> (Vec<ChangeHash>, u64) {
    (doc.get_heads(), copse::model::format::of(doc))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_document_from_a_newer_copse_is_read_but_never_changed() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(dir.path()).await;
    let c = community(&node).await;
    let note = node.add_note(&c, "Soil", "compost").await.unwrap();
    let (_, format) = node
        .change_raw(note.as_str(), |d| heads_and_format(d))
        .await
        .unwrap();
    assert_eq!(
        format, FORMAT,
        "a new note records the format that wrote it"
    );

    node.change_raw(note.as_str(), |d| {
        let mut tx = d.transaction();
        tx.put(ROOT, FORMAT_KEY, FORMAT + 1).unwrap();
        tx.put(ROOT, "future_field", "only a newer copse knows")
            .unwrap();
        tx.commit();
    })
    .await
    .unwrap();
    let (before, _) = node
        .change_raw(note.as_str(), |d| heads_and_format(d))
        .await
        .unwrap();

    assert_eq!(
        node.note(&c, &note).await.unwrap().title,
        "Soil",
        "still readable"
    );
    let err = node
        .edit_note(&c, &note, NoteEdit::Append(" more".into()))
        .await
        .unwrap_err()
        .to_string();
    assert!(
        err.starts_with("Updated by a newer copse; update to edit it"),
        "{err}"
    );
    assert!(node.comment_note(&c, &note, "hi".into()).await.is_err());
    let (after, format) = node
        .change_raw(note.as_str(), |d| heads_and_format(d))
        .await
        .unwrap();
    assert_eq!(after, before, "the note was not changed");
    assert_eq!(format, FORMAT + 1);

    // The community in a newer format: no new notes, no edits; reading still works.
    node.change_raw(c.as_str(), |d| {
        let mut tx = d.transaction();
        tx.put(ROOT, FORMAT_KEY, FORMAT + 1).unwrap();
        tx.commit();
    })
    .await
    .unwrap();
    let err = node.add_note(&c, "New", "x").await.unwrap_err().to_string();
    assert!(err.contains("Updated by a newer copse"), "{err}");
    assert!(node.set_purpose(&c, "mine".into()).await.is_err());
    assert_eq!(node.community(&c).await.unwrap().name, "Gardeners");
    node.shutdown().await.unwrap();
}
