//! Search and export/import through the `Node` API and the real `copse` binary: results follow
//! edits (the index refreshes what changed), an export brought into a second community keeps
//! titles and bodies, hostile titles stay inside the export folder, and a folder that is not
//! an export is not overwritten.

use copse::model::community::NewTopic;
use copse::model::practice::search::HitKind;
use copse::model::{CommunityId, NoteEdit, ProfileUpdate};
use copse::node::{Node, NodeConfig, NodeError, Progress};

use crate::util::Folder;

async fn open(dir: &std::path::Path) -> Node {
    Node::open(NodeConfig::offline(dir.to_path_buf()))
        .await
        .unwrap()
}

async fn titles(node: &Node, c: &CommunityId, query: &str) -> Vec<(HitKind, String)> {
    node.search(c, query, 50)
        .await
        .unwrap()
        .hits
        .into_iter()
        .map(|h| (h.target.kind(), h.title))
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn search_finds_every_kind_and_follows_edits() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(dir.path()).await;
    let c = node.create_community("Gardeners", "", "Ada").await.unwrap();
    let note = node
        .add_note(&c, "Weekly notes", "We spoke about soil.")
        .await
        .unwrap();
    node.add_topic(
        &c,
        NewTopic {
            title: "Compost at scale".into(),
            description: "Bigger heaps".into(),
            parent: None,
        },
    )
    .await
    .unwrap();
    node.open_case(&c, "Heap too wet", "Our compost heap smells.")
        .await
        .unwrap();
    node.update_profile(
        &c,
        ProfileUpdate {
            skills: Some(vec!["Composting".into()]),
            ..Default::default()
        },
    )
    .await
    .unwrap();

    assert_eq!(
        titles(&node, &c, "compost").await,
        [
            (HitKind::Topic, "Compost at scale".to_string()),
            (HitKind::Case, "Heap too wet".to_string()),
            (HitKind::Member, "Ada".to_string()),
        ],
        "a title, then a whole word in a body, then a word prefix in a skill"
    );
    assert!(titles(&node, &c, "worms").await.is_empty());

    // An edit to a note already indexed shows in the next query.
    node.edit_note(&c, &note, NoteEdit::Append(" And compost worms.".into()))
        .await
        .unwrap();
    assert_eq!(
        titles(&node, &c, "worms").await,
        [(HitKind::Note, "Weekly notes".to_string())]
    );
    node.rename_note(&c, &note, "Worm diary".into())
        .await
        .unwrap();
    let results = node.search(&c, "WORM", 50).await.unwrap();
    assert_eq!(results.hits[0].title, "Worm diary");
    assert_eq!(results.hits[0].title_matches.len(), 1);

    // Topics, profiles and new notes added after the index was built are found too.
    node.add_topic(
        &c,
        NewTopic {
            title: "Leaf mould".into(),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    node.update_profile(
        &c,
        ProfileUpdate {
            name: Some("Ada Leafwright".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    node.add_note(&c, "Leafy greens in autumn", "")
        .await
        .unwrap();
    assert_eq!(
        titles(&node, &c, "leaf").await,
        [
            (HitKind::Topic, "Leaf mould".to_string()),
            (HitKind::Note, "Leafy greens in autumn".to_string()),
            (HitKind::Member, "Ada Leafwright".to_string()),
        ]
    );
    node.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_then_import_into_a_second_community_keeps_titles_and_bodies() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(dir.path()).await;
    let first = node
        .create_community("Gardeners", "Grow", "Ada")
        .await
        .unwrap();
    let notes = [
        (
            "Compost basics",
            "Air, water,\n\n## and *greens*\n\n- browns\n",
        ),
        ("../../etc/passwd", "hostile title, harmless body"),
        ("Compost basics", "same title, another note"),
        ("---", "a title that looks like a fence"),
        ("Grüße: \"quoted\" \\ 🌱", "Ünïcode body 你好"),
    ];
    for (title, body) in notes {
        node.add_note(&first, title, body).await.unwrap();
    }
    let some_note = node
        .community(&first)
        .await
        .unwrap()
        .notes
        .keys()
        .next()
        .unwrap()
        .clone();
    node.comment_note(&first, &some_note, "A comment stays out of the body".into())
        .await
        .unwrap();

    let out = tempfile::tempdir().unwrap();
    let folder = out.path().join("export");
    let progress = Progress::default();
    let report = node
        .export_markdown(&first, &folder, false, &progress)
        .await
        .unwrap();
    assert_eq!(report.notes, notes.len());
    assert_eq!(progress.get(), (notes.len(), notes.len()));
    // Every page is inside the folder, with a safe name.
    let mut pages: Vec<String> = std::fs::read_dir(folder.join("notes"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().to_string())
        .collect();
    pages.sort();
    assert_eq!(
        pages,
        [
            "compost-basics-2.md",
            "compost-basics.md",
            "etc-passwd.md",
            "grusse-quoted.md",
            "untitled.md"
        ]
    );
    assert!(!out.path().join("etc").exists());
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("community.json")).unwrap())
            .unwrap();
    assert_eq!(
        json["format"], "copse-export/1",
        "the file names its format"
    );
    assert_eq!(json["community"]["name"], "Gardeners");
    assert_eq!(json["notes"].as_array().unwrap().len(), notes.len());
    let commented = json["notes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|n| n["id"] == some_note.as_str())
        .unwrap();
    assert_eq!(
        commented["comments"][0]["text"],
        "A comment stays out of the body"
    );
    assert!(
        commented["changes"].as_array().unwrap().len() >= 2,
        "the change log's times: created, commented"
    );

    // A second export into the same folder replaces the first.
    node.export_markdown(&first, &folder, false, &progress)
        .await
        .unwrap();

    let second = node.create_community("Readers", "", "Ada").await.unwrap();
    let imported = node
        .import_markdown(&second, &folder, &progress)
        .await
        .unwrap();
    assert!(imported.copse_export);
    assert_eq!(imported.imported.len(), notes.len());
    let community = node.community(&second).await.unwrap();
    let mut got = Vec::new();
    for id in community.notes.keys() {
        let note = node.note(&second, id).await.unwrap();
        got.push((
            note.title.clone(),
            note.body.as_str().trim_end().to_string(),
        ));
    }
    got.sort();
    let mut want: Vec<_> = notes
        .iter()
        .map(|(t, b)| (t.to_string(), b.trim_end().to_string()))
        .collect();
    want.sort();
    assert_eq!(got, want);
    node.shutdown().await.unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn export_refuses_a_folder_with_other_files_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let node = open(dir.path()).await;
    let c = node.create_community("Gardeners", "", "Ada").await.unwrap();
    let out = tempfile::tempdir().unwrap();
    std::fs::write(out.path().join("thesis.md"), "my own work").unwrap();
    let progress = Progress::default();
    let refused = node.export_markdown(&c, out.path(), false, &progress).await;
    assert!(
        matches!(refused, Err(NodeError::FolderNotEmpty { .. })),
        "{refused:?}"
    );
    assert!(!out.path().join("README.md").exists());
    node.export_markdown(&c, out.path(), true, &progress)
        .await
        .unwrap();
    assert!(out.path().join("README.md").exists());
    assert_eq!(
        std::fs::read_to_string(out.path().join("thesis.md")).unwrap(),
        "my own work",
        "forcing writes beside other files, never over them"
    );
    node.shutdown().await.unwrap();
}

#[test]
fn cli_search_export_and_import() {
    let folder = Folder::with_community();
    folder.ok(&[
        "note",
        "add",
        "--title",
        "Compost basics",
        "--body",
        "Air and water.",
    ]);
    folder.ok(&[
        "topic",
        "add",
        "--title",
        "Seed swap",
        "--description",
        "Bring compost too",
    ]);
    let found = folder.json(&["search", "compost"]);
    assert_eq!(found["total"], 2);
    assert_eq!(found["hits"][0]["title"], "Compost basics");
    assert_eq!(found["hits"][0]["kind"], "note");
    assert_eq!(found["hits"][1]["snippet"]["field"], "description");
    let human = folder.ok(&["search", "compost", "air"]);
    assert!(human.contains("*Compost* basics"), "{human}");

    let out = tempfile::tempdir().unwrap();
    let export_dir = out.path().join("export");
    let export_arg = export_dir.to_str().unwrap();
    let report = folder.json(&["export", "--out", export_arg]);
    assert_eq!(report["notes"], 1);
    assert_eq!(report["topics"], 1);
    let readme = std::fs::read_to_string(export_dir.join("README.md")).unwrap();
    assert!(
        readme.contains("[Compost basics](notes/compost-basics.md)"),
        "{readme}"
    );

    let busy = tempfile::tempdir().unwrap();
    std::fs::write(busy.path().join("keep.txt"), "x").unwrap();
    let err = folder.fails(&["export", "--out", busy.path().to_str().unwrap()]);
    assert!(err.contains("--force"), "{err}");

    let other = Folder::with_community();
    let said = other.ok(&["import", export_arg]);
    assert!(said.contains("imported 1 notes"), "{said}");
    let notes = other.json(&["note", "list"]);
    assert_eq!(notes[0]["title"], "Compost basics");
}
